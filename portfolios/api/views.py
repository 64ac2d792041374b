"""Portfolios API: thin views that parse, call one selector or service, and render."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from blockguardian.pagination import DefaultPagination

from .. import selectors, services
from ..models import AssetClass, Portfolio
from .renderers import RealizedGainsCSVRenderer
from .serializers import (
    AssetDetailSerializer,
    AssetQuerySerializer,
    AssetSerializer,
    HoldingsSerializer,
    PerformanceQuerySerializer,
    PerformanceSerializer,
    PortfolioCloseSerializer,
    PortfolioInputSerializer,
    PortfolioSerializer,
    RealizedGainsQuerySerializer,
    RealizedGainsSerializer,
    RiskSerializer,
)

TAG = ["portfolios"]


class AssetListApi(generics.ListAPIView):
    """The asset catalogue: stocks, ETFs, crypto and commodity products, with their latest price."""

    serializer_class = AssetSerializer
    pagination_class = DefaultPagination

    def get_queryset(self):
        query = AssetQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.asset_list(**query.validated_data)

    @extend_schema(
        operation_id="portfolios_assets_list",
        tags=TAG,
        summary="List assets",
        parameters=[
            OpenApiParameter(
                "asset_class", OpenApiTypes.STR, enum=[c.value for c in AssetClass], description="Only this class."
            ),
            OpenApiParameter(
                "search", OpenApiTypes.STR, description="Part of the symbol or the name (case-insensitive)."
            ),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class AssetDetailApi(APIView):
    @extend_schema(
        operation_id="portfolios_assets_retrieve",
        tags=TAG,
        summary="One asset with its latest price and its 1-day and 30-day change",
        responses=AssetDetailSerializer,
    )
    def get(self, request, pk: int):
        asset = selectors.asset_get(pk=pk)
        return Response(AssetDetailSerializer(selectors.asset_detail(asset=asset)).data)


class PortfolioListApi(generics.ListAPIView):
    """The caller's portfolios (a customer may have several)."""

    serializer_class = PortfolioSerializer
    pagination_class = DefaultPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Portfolio.objects.none()
        return selectors.portfolio_list(user=self.request.user)

    @extend_schema(operation_id="portfolios_list", tags=TAG, summary="List my portfolios")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="portfolios_create",
        tags=TAG,
        summary="Open a portfolio",
        request=PortfolioInputSerializer,
        responses={201: PortfolioSerializer},
    )
    def post(self, request):
        data = PortfolioInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        portfolio = services.portfolio_create(owner=request.user, **data.validated_data)
        return Response(PortfolioSerializer(portfolio).data, status=status.HTTP_201_CREATED)


class PortfolioDetailApi(APIView):
    @extend_schema(
        operation_id="portfolios_retrieve", tags=TAG, summary="One of my portfolios", responses=PortfolioSerializer
    )
    def get(self, request, pk: int):
        portfolio = selectors.portfolio_get_for_user(user=request.user, pk=pk)
        return Response(PortfolioSerializer(portfolio).data)

    @extend_schema(
        operation_id="portfolios_update",
        tags=TAG,
        summary="Rename a portfolio or change its benchmark",
        description="A closed portfolio is read-only (409).",
        request=PortfolioInputSerializer,
        responses=PortfolioSerializer,
    )
    def put(self, request, pk: int):
        portfolio = selectors.portfolio_get_for_user(user=request.user, pk=pk)
        data = PortfolioInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        portfolio = services.portfolio_update(portfolio=portfolio, **data.validated_data)
        return Response(PortfolioSerializer(portfolio).data)

    @extend_schema(
        operation_id="portfolios_destroy",
        tags=TAG,
        summary="Close a portfolio",
        description=(
            "Closes the portfolio (kept, read-only) when it holds no cash and no positions; a portfolio that "
            "never had a ledger entry is deleted instead. Anything still in it: 409."
        ),
        responses={200: PortfolioCloseSerializer},
    )
    def delete(self, request, pk: int):
        portfolio = selectors.portfolio_get_for_user(user=request.user, pk=pk)
        result = services.portfolio_close(portfolio=portfolio)
        return Response(PortfolioCloseSerializer({"result": result}).data)


class PortfolioHoldingsApi(APIView):
    @extend_schema(
        operation_id="portfolios_holdings",
        tags=TAG,
        summary="Positions valued at the latest prices, and cash by state",
        description=(
            "Per position: quantity, average cost, cost basis (open FIFO tax lots, fees included), last price, "
            "market value, unrealised P&L (amount and %) and weight in the total value; then totals and cash: "
            "settled (withdrawable) and unsettled."
        ),
        responses=HoldingsSerializer,
    )
    def get(self, request, pk: int):
        portfolio = selectors.portfolio_get_for_user(user=request.user, pk=pk)
        return Response(HoldingsSerializer(selectors.portfolio_holdings(portfolio=portfolio)).data)


class PortfolioPerformanceApi(APIView):
    @extend_schema(
        operation_id="portfolios_performance",
        tags=TAG,
        summary="Performance and risk figures over a date range",
        description=(
            "Values the portfolio at the end of every day of the range and reports its market value series, net "
            "deposits, realised and unrealised P&L, fees, dividends, volatility, Sharpe ratio, maximum drawdown, "
            "historical 1-day VaR, allocation, and the benchmark's return.\n\n"
            "**Two different returns.** The *time-weighted return* (TWR) measures the investments alone: each "
            "day's return excludes that day's deposits and withdrawals, and the days are chained, so adding money "
            "before a fall does not make the TWR worse. The *money-weighted return* (XIRR) is the yearly rate your "
            "own money earned given when you added and withdrew it; it is lower than the TWR when large deposits "
            "arrived just before losses, and higher when they arrived before gains. Compare the TWR with the "
            "benchmark; use the XIRR for what you personally earned.\n\n"
            "Ranges: `inception` (default), `ytd`, `1y`, `5y`, `tax_year` (with `year`), or `custom` "
            "(`from`/`to`). Figures are cached until the portfolio's next ledger entry or the next price load."
        ),
        parameters=[
            OpenApiParameter("range", OpenApiTypes.STR, enum=["inception", "ytd", "1y", "5y", "tax_year", "custom"]),
            OpenApiParameter("from", OpenApiTypes.DATE, description="First day of a custom range (YYYY-MM-DD)."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last day of the range (default today)."),
            OpenApiParameter("year", OpenApiTypes.INT, description="The tax year for `range=tax_year`."),
            OpenApiParameter(
                "interval", OpenApiTypes.STR, enum=["day", "week", "month"], description="Spacing of the series."
            ),
        ],
        responses=PerformanceSerializer,
    )
    def get(self, request, pk: int):
        portfolio = selectors.portfolio_get_for_user(user=request.user, pk=pk)
        query = PerformanceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        period = selectors.performance_range(
            portfolio=portfolio, name=q["range"], start=q.get("from_"), end=q.get("to"), year=q.get("year")
        )
        # The report is built (and cached) already in its rendered form: the serializer documents it.
        report = selectors.portfolio_performance(portfolio=portfolio, period=period, interval=q["interval"])
        return Response(report)


class PortfolioRiskApi(APIView):
    @extend_schema(
        operation_id="portfolios_risk",
        tags=TAG,
        summary="Risk rules: pass or warn",
        description=(
            "Each rule compares a figure with a threshold from the settings: the largest position's share of the "
            "total value, the largest asset class's share, the crypto share, the fees of the last 365 days over the "
            "total value, and the cash share (cash drag)."
        ),
        responses=RiskSerializer,
    )
    def get(self, request, pk: int):
        portfolio = selectors.portfolio_get_for_user(user=request.user, pk=pk)
        checks = selectors.portfolio_risk(portfolio=portfolio)
        return Response(RiskSerializer({"portfolio_id": portfolio.pk, "checks": checks}).data)


class PortfolioRealizedGainsApi(APIView):
    renderer_classes = [JSONRenderer, RealizedGainsCSVRenderer]

    @extend_schema(
        operation_id="portfolios_realized_gains",
        tags=TAG,
        summary="Realised gains of a tax year (JSON, or CSV with ?format=csv)",
        description=(
            "Each closed lot: acquisition and sale dates, quantity, proceeds, cost basis, gain and term (long-term "
            "when held more than one year) — what a Form 1099-B reports. Lots are matched first-in first-out."
        ),
        parameters=[
            OpenApiParameter("year", OpenApiTypes.INT, description="Tax year of the sales (default the current year)."),
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"], description="Response format."),
        ],
        responses={
            (200, "application/json"): RealizedGainsSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
        },
    )
    def get(self, request, pk: int):
        portfolio = selectors.portfolio_get_for_user(user=request.user, pk=pk)
        query = RealizedGainsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        report = selectors.realized_gains_report(portfolio=portfolio, year=query.validated_data.get("year"))
        response = Response(RealizedGainsSerializer(report).data)
        if getattr(request.accepted_renderer, "format", "") == "csv":
            response["Content-Disposition"] = f'attachment; filename="realized-gains-{portfolio.pk}-{report.year}.csv"'
        return response
