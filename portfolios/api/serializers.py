"""Input and output serializers of the portfolios API (no logic: parse and render)."""

from __future__ import annotations

from rest_framework import serializers

from blockguardian.text import validate_display_text

from ..models import Asset, AssetClass, Portfolio, PortfolioStatus

MONEY = {"max_digits": 20, "decimal_places": 2}
QTY = {"max_digits": 28, "decimal_places": 8}
RATIO_HELP = "A decimal fraction as a string with 8 places (0.05 is 5%)."


class AssetQuerySerializer(serializers.Serializer):
    asset_class = serializers.ChoiceField(choices=AssetClass.choices, required=False, allow_blank=True, default=None)
    search = serializers.CharField(required=False, allow_blank=True, max_length=100, default=None)


class AssetSerializer(serializers.ModelSerializer):
    asset_class = serializers.ChoiceField(choices=AssetClass.choices)
    last_price = serializers.DecimalField(**QTY, allow_null=True, help_text="Latest close in USD.")

    class Meta:
        model = Asset
        fields = [
            "id",
            "symbol",
            "name",
            "asset_class",
            "exchange",
            "quantity_places",
            "calendar",
            "settlement_days",
            "tradable",
            "last_price",
            "last_price_at",
        ]
        read_only_fields = fields


class AssetDetailSerializer(serializers.Serializer):
    asset = AssetSerializer()
    last_price = serializers.DecimalField(**QTY, allow_null=True)
    last_price_at = serializers.DateTimeField(allow_null=True)
    change_1d = serializers.DecimalField(
        **QTY, allow_null=True, help_text="Latest close minus the close a day earlier."
    )
    change_1d_pct = serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True, help_text="In percent.")
    change_30d = serializers.DecimalField(
        **QTY, allow_null=True, help_text="Latest close minus the close 30 days earlier."
    )
    change_30d_pct = serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True, help_text="In percent.")


class AssetRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Asset
        fields = ["id", "symbol", "name", "asset_class"]
        read_only_fields = fields


class PortfolioSerializer(serializers.ModelSerializer):
    benchmark = AssetRefSerializer(allow_null=True)
    status = serializers.ChoiceField(choices=PortfolioStatus.choices)

    class Meta:
        model = Portfolio
        fields = ["id", "name", "benchmark", "status", "created_at", "closed_at"]
        read_only_fields = fields


class PortfolioInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, trim_whitespace=True, validators=[validate_display_text])
    benchmark_id = serializers.PrimaryKeyRelatedField(
        queryset=Asset.objects.all(),
        source="benchmark",
        required=False,
        allow_null=True,
        default=None,
        help_text="An asset whose return over the same period is shown beside the portfolio's.",
    )


class PortfolioCloseSerializer(serializers.Serializer):
    result = serializers.ChoiceField(
        choices=["closed", "deleted"],
        help_text="`deleted` for a portfolio that never had a ledger entry; `closed` (kept, read-only) otherwise.",
    )


# --- holdings -----------------------------------------------------------------------------------


class HoldingLineSerializer(serializers.Serializer):
    asset = AssetRefSerializer()
    quantity = serializers.DecimalField(**QTY)
    quantity_reserved = serializers.DecimalField(**QTY, help_text="Held for pending sell orders.")
    average_cost = serializers.DecimalField(**QTY, help_text="Cost basis per unit, fees included.")
    cost_basis = serializers.DecimalField(**MONEY, help_text="What the open FIFO tax lots cost, fees included.")
    last_price = serializers.DecimalField(**QTY, allow_null=True)
    last_price_at = serializers.DateTimeField(allow_null=True)
    market_value = serializers.DecimalField(**MONEY, allow_null=True, help_text="quantity × last price.")
    unrealized_pnl = serializers.DecimalField(**MONEY, allow_null=True, help_text="market value − cost basis.")
    unrealized_pnl_pct = serializers.DecimalField(
        max_digits=12, decimal_places=4, allow_null=True, help_text="In percent of the cost basis."
    )
    weight = serializers.DecimalField(
        max_digits=12, decimal_places=8, allow_null=True, help_text="Share of the total value. " + RATIO_HELP
    )


class CashSerializer(serializers.Serializer):
    available = serializers.DecimalField(
        **MONEY, help_text="Settled and unreserved: withdrawable, and the buying power."
    )
    reserved = serializers.DecimalField(**MONEY, help_text="Settled cash held for pending orders or withdrawals.")
    settled = serializers.DecimalField(**MONEY, help_text="available + reserved.")
    unsettled = serializers.DecimalField(
        **MONEY, help_text="Deposits and sale proceeds not yet settled (not withdrawable)."
    )
    owed = serializers.DecimalField(
        **MONEY, help_text="A shortfall owed to us (e.g. a returned deposit that had been spent)."
    )
    blocked = serializers.DecimalField(**MONEY, help_text="Held in blocked funds.")
    total = serializers.DecimalField(**MONEY, help_text="available + reserved + unsettled − owed.")


class HoldingsSerializer(serializers.Serializer):
    portfolio_id = serializers.IntegerField(source="portfolio.pk")
    as_of = serializers.DateTimeField()
    positions = HoldingLineSerializer(many=True)
    cash = CashSerializer()
    market_value = serializers.DecimalField(**MONEY)
    cost_basis = serializers.DecimalField(**MONEY)
    unrealized_pnl = serializers.DecimalField(**MONEY)
    unrealized_pnl_pct = serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True)
    total_value = serializers.DecimalField(**MONEY, help_text="market value + total cash + blocked cash.")
    cash_weight = serializers.DecimalField(max_digits=12, decimal_places=8, allow_null=True)


# --- performance ----------------------------------------------------------------------------------


class PerformanceQuerySerializer(serializers.Serializer):
    range = serializers.ChoiceField(
        choices=["inception", "ytd", "1y", "5y", "tax_year", "custom"],
        default="inception",
        help_text="`custom` uses `from`/`to`; `tax_year` uses `year`; the others end today.",
    )
    from_ = serializers.DateField(required=False, help_text="First day of a custom range (YYYY-MM-DD).")
    to = serializers.DateField(required=False, help_text="Last day (default today).")
    year = serializers.IntegerField(required=False, min_value=1970, max_value=2100, help_text="For `tax_year`.")
    interval = serializers.ChoiceField(
        choices=["day", "week", "month"], default="day", help_text="Spacing of `series`."
    )

    def to_internal_value(self, data):
        data = data.copy()
        if "from" in data:
            data["from_"] = data.get("from")
        return super().to_internal_value(data)

    def validate(self, attrs):
        if attrs.get("from_") and attrs.get("to") and attrs["from_"] > attrs["to"]:
            raise serializers.ValidationError({"from": ["must not be after `to`"]})
        if attrs["range"] == "inception" and attrs.get("from_"):
            attrs["range"] = "custom"  # `from` alone means a custom range
        return attrs


class PerformancePointSerializer(serializers.Serializer):
    date = serializers.DateField()
    value = serializers.DecimalField(**MONEY, help_text="Total value at the end of the day (positions + cash).")
    market_value = serializers.DecimalField(**MONEY)
    cash = serializers.DecimalField(**MONEY)
    net_deposits = serializers.DecimalField(
        **MONEY, help_text="Deposits minus withdrawals since the start of the range."
    )
    cumulative_twr = serializers.DecimalField(
        max_digits=20, decimal_places=8, help_text="Time-weighted return so far. " + RATIO_HELP
    )


class BenchmarkSerializer(serializers.Serializer):
    asset_id = serializers.IntegerField()
    symbol = serializers.CharField()
    price_return = serializers.DecimalField(
        max_digits=20,
        decimal_places=8,
        allow_null=True,
        help_text="The benchmark's price return over the same range (last close before the start to the last "
        "close of the range). " + RATIO_HELP,
    )


class AllocationAssetSerializer(serializers.Serializer):
    asset_id = serializers.IntegerField()
    symbol = serializers.CharField()
    asset_class = serializers.CharField()
    value = serializers.DecimalField(**MONEY)
    weight = serializers.DecimalField(max_digits=20, decimal_places=8, allow_null=True)


class AllocationClassSerializer(serializers.Serializer):
    asset_class = serializers.CharField(help_text="An asset class, or `cash`.")
    value = serializers.DecimalField(**MONEY)
    weight = serializers.DecimalField(max_digits=20, decimal_places=8, allow_null=True)


def _ratio_field(help_text: str, **kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=30, decimal_places=8, allow_null=True, help_text=f"{help_text} {RATIO_HELP}", **kwargs
    )


class PerformanceSerializer(serializers.Serializer):
    range = serializers.CharField()
    start = serializers.DateField(help_text="First day of the range (business time zone, America/New_York).")
    end = serializers.DateField()
    interval = serializers.CharField()
    days = serializers.IntegerField()
    start_value = serializers.DecimalField(**MONEY, help_text="Total value at the end of the day before `start`.")
    end_value = serializers.DecimalField(**MONEY, help_text="Total value at the end of `end`.")
    end_market_value = serializers.DecimalField(**MONEY)
    end_cash = serializers.DecimalField(**MONEY)
    net_deposits = serializers.DecimalField(
        **MONEY,
        help_text="External cash flows in the range: deposits and loan money in, minus withdrawals, returned deposits and loan repayments.",
    )
    time_weighted_return = _ratio_field(
        "Time-weighted return (TWR): how the investments performed, independent of when and how much money "
        "was added or withdrawn. Daily returns (value change net of the day's external cash flows, which "
        "count at the end of the day) are linked geometrically. Use it to compare with a benchmark or "
        "another manager."
    )
    time_weighted_return_annualised = _ratio_field("TWR compounded to a yearly rate; only for ranges over 365 days.")
    money_weighted_return = _ratio_field(
        "Money-weighted return (XIRR): the yearly rate that equates the starting value and every deposit "
        "and withdrawal with the ending value, dates counted actual/365. It reflects the timing of your "
        "own deposits and withdrawals, so it differs from the TWR when large amounts came in before a "
        "rise or a fall. It is an annual rate even for short ranges. Null when it cannot be solved."
    )
    realized_pnl = serializers.DecimalField(
        **MONEY, help_text="Gains minus losses of lots sold in the range (FIFO, fees included)."
    )
    realized_pnl_short_term = serializers.DecimalField(**MONEY)
    realized_pnl_long_term = serializers.DecimalField(**MONEY)
    unrealized_pnl = serializers.DecimalField(
        **MONEY, help_text="Market value at `end` minus the cost basis of the lots still held then."
    )
    fees = serializers.DecimalField(**MONEY, help_text="Trading and platform fees charged in the range.")
    dividends = serializers.DecimalField(**MONEY)
    interest = serializers.DecimalField(**MONEY)
    volatility_annualised = _ratio_field(
        "Standard deviation of daily returns on days the held assets traded, times the square root of "
        "`periods_per_year`."
    )
    sharpe_ratio = _ratio_field("(Annualised mean daily return − risk-free rate) / annualised volatility.")
    risk_free_rate = _ratio_field("The yearly risk-free rate used for the Sharpe ratio.")
    max_drawdown = _ratio_field("Largest fall from a peak of the time-weighted growth index, as a positive fraction.")
    var_95_1d = _ratio_field(
        "Historical 1-day value at risk at `var_confidence`: the daily loss exceeded on only 5% of the "
        "range's trading days, as a positive fraction of value."
    )
    var_95_1d_amount = serializers.DecimalField(**MONEY, allow_null=True, help_text="`var_95_1d` × end value.")
    var_confidence = _ratio_field("Confidence level of the VaR.")
    periods_per_year = serializers.IntegerField(help_text="252 (NYSE trading days), or 365 when crypto was held.")
    benchmark = BenchmarkSerializer(allow_null=True)
    allocation_by_asset = AllocationAssetSerializer(many=True)
    allocation_by_class = AllocationClassSerializer(many=True)
    prices_missing = serializers.BooleanField(help_text="True when a held asset had no price yet (valued at zero).")
    series = PerformancePointSerializer(many=True)


# --- risk, realised gains -------------------------------------------------------------------------


class RiskCheckSerializer(serializers.Serializer):
    rule = serializers.ChoiceField(
        choices=["asset_concentration", "class_concentration", "crypto_share", "fee_ratio", "cash_drag"]
    )
    description = serializers.CharField()
    value = serializers.DecimalField(max_digits=20, decimal_places=8, allow_null=True, help_text=RATIO_HELP)
    threshold = serializers.DecimalField(max_digits=20, decimal_places=8, help_text="Above this the rule warns.")
    status = serializers.ChoiceField(choices=["pass", "warn"])
    detail = serializers.CharField(allow_blank=True)


class RiskSerializer(serializers.Serializer):
    portfolio_id = serializers.IntegerField()
    checks = RiskCheckSerializer(many=True)


class RealizedGainsQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(
        required=False, min_value=1970, max_value=2100, help_text="Tax year of the sales; default the current year."
    )


class RealizedGainSerializer(serializers.Serializer):
    symbol = serializers.CharField(source="asset.symbol")
    description = serializers.SerializerMethodField()
    quantity = serializers.DecimalField(**QTY)
    acquired_at = serializers.DateTimeField()
    disposed_at = serializers.DateTimeField()
    proceeds = serializers.DecimalField(**MONEY, help_text="Sale proceeds allocated to this lot, net of the fee.")
    cost_basis = serializers.DecimalField(**MONEY, help_text="The lot's cost for this quantity, buy fee included.")
    gain = serializers.DecimalField(**MONEY, help_text="proceeds − cost basis (negative for a loss).")
    term = serializers.ChoiceField(choices=["short", "long"], help_text="Long-term when held more than one year.")

    def get_description(self, obj) -> str:
        return f"{obj.quantity.normalize():f} {obj.asset.symbol}"


class RealizedGainsSerializer(serializers.Serializer):
    portfolio_id = serializers.IntegerField()
    year = serializers.IntegerField()
    lots = RealizedGainSerializer(many=True)
    proceeds = serializers.DecimalField(**MONEY)
    cost_basis = serializers.DecimalField(**MONEY)
    gain = serializers.DecimalField(**MONEY)
    short_term_gain = serializers.DecimalField(**MONEY)
    long_term_gain = serializers.DecimalField(**MONEY)
