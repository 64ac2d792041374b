"""Input and output serializers of the trading API (no logic: parse and render)."""

from __future__ import annotations

from rest_framework import serializers

from blockguardian.money import StrictDecimalField

from ..models import (
    BankAccountType,
    CashDirection,
    LinkedBankAccount,
    Method,
    OrderType,
    SourceStatus,
    Status,
    TimeInForce,
    Transaction,
    TransactionType,
    Wallet,
    WalletVerification,
)

MONEY = {"max_digits": 20, "decimal_places": 2}
QTY = {"max_digits": 28, "decimal_places": 8}


class TransactionInputSerializer(serializers.Serializer):
    type = serializers.CharField(
        max_length=32,
        help_text="buy, sell, deposit or withdrawal (dividends, fees, interest and loan legs are posted by the "
        "system and refused here).",
    )
    asset = serializers.CharField(required=False, max_length=32, help_text="The asset's symbol (orders).")
    quantity = StrictDecimalField(
        **QTY, required=False, help_text="Units to trade (or give `notional`); units to move (crypto transfers)."
    )
    notional = StrictDecimalField(**MONEY, required=False, help_text="Dollars to spend (market buys).")
    order_type = serializers.ChoiceField(choices=OrderType.choices, required=False, default=OrderType.MARKET)
    limit_price = StrictDecimalField(**QTY, required=False)
    time_in_force = serializers.ChoiceField(choices=TimeInForce.choices, required=False, default=TimeInForce.DAY)
    method = serializers.CharField(max_length=16, required=False, help_text="ach, wire or crypto (transfers).")
    amount = StrictDecimalField(**MONEY, required=False, help_text="Dollars (ach and wire transfers).")
    bank_account_id = serializers.IntegerField(required=False, min_value=1)
    wallet_id = serializers.IntegerField(
        required=False, min_value=1, help_text="A verified wallet of yours (crypto transfers; its currency)."
    )


class TransactionQuerySerializer(serializers.Serializer):
    type = serializers.CharField(
        required=False, max_length=32, help_text="One of: " + ", ".join(TransactionType.values)
    )
    status = serializers.CharField(required=False, max_length=16, help_text="One of: " + ", ".join(Status.values))
    asset = serializers.CharField(required=False, max_length=32)
    date_from = serializers.DateField(required=False, source="from")
    date_to = serializers.DateField(required=False, source="to")

    def validate(self, attrs):
        if attrs.get("type") and attrs["type"] not in TransactionType.values:
            raise serializers.ValidationError({"type": ["one of " + ", ".join(TransactionType.values)]})
        if attrs.get("status") and attrs["status"] not in Status.values:
            raise serializers.ValidationError({"status": ["one of " + ", ".join(Status.values)]})
        if attrs.get("from") and attrs.get("to") and attrs["from"] > attrs["to"]:
            raise serializers.ValidationError({"date_from": ["after date_to"]})
        return attrs


class TransactionSerializer(serializers.ModelSerializer):
    type = serializers.CharField(help_text="One of: " + ", ".join(TransactionType.values))
    method = serializers.CharField(help_text="One of: " + ", ".join(Method.values) + ", or empty (orders)")
    status = serializers.CharField(help_text="One of: " + ", ".join(Status.values))
    asset = serializers.SlugRelatedField(slug_field="symbol", read_only=True, allow_null=True)
    order_type = serializers.ChoiceField(
        choices=OrderType.choices, allow_blank=True, read_only=True, help_text="Orders only; empty for cash movements."
    )
    time_in_force = serializers.ChoiceField(
        choices=TimeInForce.choices,
        allow_blank=True,
        read_only=True,
        help_text="Orders only; empty for cash movements.",
    )
    quantity = serializers.DecimalField(**QTY, allow_null=True)
    notional = serializers.DecimalField(**MONEY, allow_null=True)
    limit_price = serializers.DecimalField(**QTY, allow_null=True)
    filled_quantity = serializers.DecimalField(**QTY, allow_null=True)
    price = serializers.DecimalField(**QTY, allow_null=True)
    amount = serializers.DecimalField(**MONEY, allow_null=True)
    fee = serializers.DecimalField(**MONEY)
    message = serializers.SerializerMethodField(help_text="What happens next, for the customer.")

    class Meta:
        model = Transaction
        fields = [
            "id",
            "portfolio_id",
            "type",
            "method",
            "status",
            "asset",
            "order_type",
            "time_in_force",
            "quantity",
            "notional",
            "limit_price",
            "filled_quantity",
            "price",
            "amount",
            "fee",
            "currency",
            "bank_account_id",
            "wallet_id",
            "requested_at",
            "queued_for",
            "expires_at",
            "executed_at",
            "trade_date",
            "settlement_date",
            "settled_at",
            "closed_at",
            "return_code",
            "message",
        ]
        read_only_fields = fields

    def get_message(self, obj: Transaction) -> str:
        if obj.status == Status.PENDING_REVIEW:
            return "Your request has been received and is being reviewed. We will let you know when it is complete."
        if obj.status == Status.PENDING and obj.queued_for:
            return f"Queued for the {obj.queued_for.isoformat()} session."
        if obj.status == Status.PENDING:
            return "Open until the price reaches your limit." if obj.order_type == OrderType.LIMIT else "Pending."
        return ""


class ConfirmationSerializer(serializers.Serializer):
    confirmation_number = serializers.CharField()
    transaction_id = serializers.IntegerField()
    portfolio_id = serializers.IntegerField()
    side = serializers.CharField()
    symbol = serializers.CharField()
    asset_name = serializers.CharField()
    asset_class = serializers.CharField()
    quantity = serializers.DecimalField(**QTY)
    price = serializers.DecimalField(**QTY)
    quote_price = serializers.DecimalField(**QTY)
    gross_amount = serializers.DecimalField(**MONEY)
    fee = serializers.DecimalField(**MONEY)
    net_amount = serializers.DecimalField(**MONEY)
    order_type = serializers.CharField()
    time_in_force = serializers.CharField()
    limit_price = serializers.DecimalField(**QTY, allow_null=True)
    executed_at = serializers.DateTimeField()
    trade_date = serializers.DateField()
    settlement_date = serializers.DateField()
    capacity = serializers.CharField()
    currency = serializers.CharField()


class StatementQuerySerializer(serializers.Serializer):
    month = serializers.RegexField(r"^(19[7-9]\d|2\d{3})-(0[1-9]|1[0-2])$", help_text="YYYY-MM (1970 to 2999)")


class StatementActivitySerializer(serializers.Serializer):
    transaction_id = serializers.IntegerField()
    date = serializers.DateTimeField()
    type = serializers.CharField()
    method = serializers.CharField()
    status = serializers.CharField()
    symbol = serializers.CharField(allow_null=True)
    quantity = serializers.DecimalField(**QTY, allow_null=True)
    price = serializers.DecimalField(**QTY, allow_null=True)
    amount = serializers.DecimalField(**MONEY, allow_null=True)
    fee = serializers.DecimalField(**MONEY)


class StatementHoldingSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    quantity = serializers.DecimalField(**QTY)
    price = serializers.DecimalField(**QTY, allow_null=True)
    market_value = serializers.DecimalField(**MONEY, allow_null=True)


class StatementSerializer(serializers.Serializer):
    portfolio_id = serializers.IntegerField()
    month = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    opening_cash = serializers.DecimalField(**MONEY)
    closing_cash = serializers.DecimalField(**MONEY)
    holdings_value = serializers.DecimalField(**MONEY)
    closing_total = serializers.DecimalField(**MONEY)
    realized_gains = serializers.DecimalField(**MONEY)
    activity = StatementActivitySerializer(many=True)
    holdings = StatementHoldingSerializer(many=True)
    generated_at = serializers.DateTimeField()


class BankAccountInputSerializer(serializers.Serializer):
    holder_name = serializers.CharField(max_length=200)
    routing_number = serializers.CharField(max_length=9, min_length=9)
    account_number = serializers.CharField(max_length=17, min_length=4)
    account_type = serializers.ChoiceField(choices=BankAccountType.choices, default=BankAccountType.CHECKING)
    bank_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class BankAccountSerializer(serializers.ModelSerializer):
    status = serializers.CharField(help_text="One of: " + ", ".join(SourceStatus.values))

    class Meta:
        model = LinkedBankAccount
        fields = [
            "id",
            "holder_name",
            "bank_name",
            "account_type",
            "routing_last4",
            "account_last4",
            "status",
            "verify_attempts",
            "verified_at",
            "created_at",
        ]
        read_only_fields = fields


class BankAccountVerifySerializer(serializers.Serializer):
    amounts = serializers.ListField(
        child=serializers.DecimalField(**MONEY, min_value=0),
        min_length=2,
        max_length=2,
        help_text="The two micro-deposit amounts, in any order.",
    )


class WalletInputSerializer(serializers.Serializer):
    address = serializers.CharField(max_length=128)
    currency = serializers.CharField(max_length=16)
    label = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    verification_method = serializers.ChoiceField(
        choices=WalletVerification.choices, default=WalletVerification.SIGNED_MESSAGE
    )


class WalletSerializer(serializers.ModelSerializer):
    status = serializers.CharField(help_text="One of: " + ", ".join(SourceStatus.values))
    test_amount = serializers.DecimalField(**QTY, allow_null=True, help_text="Send exactly this (test transfer).")

    class Meta:
        model = Wallet
        fields = [
            "id",
            "address",
            "currency",
            "label",
            "verification_method",
            "challenge",
            "test_amount",
            "status",
            "verified_at",
            "created_at",
        ]
        read_only_fields = fields


class WalletVerifySerializer(serializers.Serializer):
    signature = serializers.CharField(max_length=200, help_text="The challenge signed as an EIP-191 message.")


class ConductorSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    id_type = serializers.CharField(max_length=32)
    id_number = serializers.CharField(max_length=64)
    id_issuer = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    is_customer = serializers.BooleanField(default=True)
    on_behalf_of = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    identity_verified = serializers.BooleanField()


class CashTransactionInputSerializer(serializers.Serializer):
    portfolio_id = serializers.IntegerField(min_value=1)
    direction = serializers.ChoiceField(choices=CashDirection.choices)
    amount = serializers.DecimalField(**MONEY)
    branch = serializers.CharField(max_length=100)
    occurred_at = serializers.DateTimeField(required=False)
    conductor = ConductorSerializer()
