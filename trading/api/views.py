"""Trading API: thin views that parse, call one selector or service, and render."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from blockguardian.idempotency import idempotent
from blockguardian.pagination import DefaultPagination
from portfolios.selectors import asset_list

from .. import selectors, services
from ..documents import confirmation_pdf, statement_pdf
from ..errors import InvalidOrder, TypeNotAllowed
from ..models import CUSTOMER_TYPES, ORDER_TYPES, LinkedBankAccount, Transaction, Wallet
from .renderers import PDFRenderer
from .serializers import (
    BankAccountInputSerializer,
    BankAccountSerializer,
    BankAccountVerifySerializer,
    CashTransactionInputSerializer,
    ConfirmationSerializer,
    StatementQuerySerializer,
    StatementSerializer,
    TransactionInputSerializer,
    TransactionQuerySerializer,
    TransactionSerializer,
    WalletInputSerializer,
    WalletSerializer,
    WalletVerifySerializer,
)

TAG = ["trading"]
FORMAT = OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "pdf"], description="Response format.")


def _client(request) -> dict:
    return {"ip": request.META.get("REMOTE_ADDR") or None, "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300]}


def _asset(symbol: str | None):
    if not symbol:
        raise InvalidOrder("an order needs an asset", errors={"asset": ["required"]})
    asset = asset_list().filter(symbol__iexact=symbol.strip()).first()
    if asset is None:
        raise InvalidOrder(f"unknown asset {symbol!r}", errors={"asset": ["unknown symbol"]})
    return asset


class PortfolioTransactionListApi(generics.ListAPIView):
    """A portfolio's orders and cash movements (the caller's own portfolio; anyone else's: 404)."""

    serializer_class = TransactionSerializer
    pagination_class = DefaultPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Transaction.objects.none()
        portfolio = selectors.portfolio_get_for_user(user=self.request.user, pk=self.kwargs["pk"])
        query = TransactionQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        return selectors.transaction_list(
            portfolio=portfolio,
            type=q.get("type"),
            status=q.get("status"),
            asset=q.get("asset"),
            date_from=q.get("from"),
            date_to=q.get("to"),
        )

    @extend_schema(
        operation_id="trading_transactions_list",
        tags=TAG,
        summary="List a portfolio's transactions",
        parameters=[TransactionQuerySerializer],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="trading_transactions_create",
        tags=TAG,
        summary="Place an order or request a deposit or withdrawal",
        description=(
            "Buy or sell an asset (`quantity`, or `notional` dollars for a market buy; `market` or `limit` with "
            "`limit_price`; `day` or `gtc`), or deposit/withdraw `amount` through a verified linked bank account "
            "(`ach` or `wire`). During its market's hours a market order fills at once; outside them it is accepted "
            "as `pending` and queued for the open (a day order expires at that session's close); crypto trades at "
            "any time. A request under review is `pending_review`. Dividends, fees, interest and physical cash are "
            "never posted by customers. A refusal stores nothing."
        ),
        request=TransactionInputSerializer,
        responses={201: TransactionSerializer},
    )
    @idempotent
    def post(self, request, pk: int):
        portfolio = selectors.portfolio_get_for_user(user=request.user, pk=pk)
        data = TransactionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        if v["type"] not in CUSTOMER_TYPES:
            raise TypeNotAllowed(errors={"type": ["buy, sell, deposit or withdrawal"]})
        if v["type"] in ORDER_TYPES:
            tx = services.order_place(
                user=request.user,
                portfolio=portfolio,
                side=v["type"],
                asset=_asset(v.get("asset")),
                quantity=v.get("quantity"),
                notional=v.get("notional"),
                order_type=v["order_type"],
                limit_price=v.get("limit_price"),
                time_in_force=v["time_in_force"],
                **_client(request),
            )
        else:
            account = (
                selectors.bank_account_get(user=request.user, pk=v["bank_account_id"])
                if v.get("bank_account_id")
                else None
            )
            wallet = selectors.wallet_get(user=request.user, pk=v["wallet_id"]) if v.get("wallet_id") else None
            tx = services.transfer_request(
                user=request.user,
                portfolio=portfolio,
                type=v["type"],
                method=v.get("method") or "",
                amount=v.get("amount"),
                bank_account=account,
                wallet=wallet,
                quantity=v.get("quantity"),
                **_client(request),
            )
        return Response(TransactionSerializer(tx).data, status=status.HTTP_201_CREATED)


class PortfolioTransactionDetailApi(APIView):
    @extend_schema(
        operation_id="trading_transactions_retrieve",
        tags=TAG,
        summary="One transaction",
        responses=TransactionSerializer,
    )
    def get(self, request, pk: int, tid: int):
        portfolio = selectors.portfolio_get_for_user(user=request.user, pk=pk)
        return Response(TransactionSerializer(selectors.transaction_get(portfolio=portfolio, pk=tid)).data)


class PortfolioTransactionCancelApi(APIView):
    @extend_schema(
        operation_id="trading_transactions_cancel",
        tags=TAG,
        summary="Cancel a pending order or transfer",
        description="Only `pending_review` and `pending` can be cancelled (the reservation is released exactly); "
        "anything else is 409.",
        request=None,
        responses=TransactionSerializer,
    )
    @idempotent
    def post(self, request, pk: int, tid: int):
        portfolio = selectors.portfolio_get_for_user(user=request.user, pk=pk)
        tx = selectors.transaction_get(portfolio=portfolio, pk=tid)
        tx = services.transaction_cancel(transaction_id=tx.pk)
        return Response(TransactionSerializer(tx).data)


class PortfolioTransactionConfirmationApi(APIView):
    renderer_classes = [JSONRenderer, PDFRenderer]

    @extend_schema(
        operation_id="trading_transactions_confirmation",
        tags=TAG,
        summary="The trade confirmation of a filled order (JSON, or PDF with ?format=pdf)",
        parameters=[FORMAT],
        responses={(200, "application/json"): ConfirmationSerializer, (200, "application/pdf"): OpenApiTypes.BINARY},
    )
    def get(self, request, pk: int, tid: int):
        portfolio = selectors.portfolio_get_for_user(user=request.user, pk=pk)
        tx = selectors.transaction_get(portfolio=portfolio, pk=tid)
        data = ConfirmationSerializer(selectors.confirmation_for(tx=tx)).data
        if getattr(request.accepted_renderer, "format", "") == "pdf":
            response = HttpResponse(confirmation_pdf(data), content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="confirmation-{tx.pk}.pdf"'
            return response
        return Response(data)


class PortfolioStatementApi(APIView):
    renderer_classes = [JSONRenderer, PDFRenderer]

    @extend_schema(
        operation_id="trading_statements_retrieve",
        tags=TAG,
        summary="A monthly statement (JSON, or PDF with ?format=pdf)",
        description="Opening and closing cash, the month's activity, holdings at the month's last close, and the "
        "realised gains of the month.",
        parameters=[StatementQuerySerializer, FORMAT],
        responses={(200, "application/json"): StatementSerializer, (200, "application/pdf"): OpenApiTypes.BINARY},
    )
    def get(self, request, pk: int):
        portfolio = selectors.portfolio_get_for_user(user=request.user, pk=pk)
        query = StatementQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = StatementSerializer(
            selectors.statement_for(portfolio=portfolio, month=query.validated_data["month"])
        ).data
        if getattr(request.accepted_renderer, "format", "") == "pdf":
            response = HttpResponse(statement_pdf(data), content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="statement-{portfolio.pk}-{data["month"]}.pdf"'
            return response
        return Response(data)


class BankAccountListApi(generics.ListAPIView):
    serializer_class = BankAccountSerializer
    pagination_class = DefaultPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return LinkedBankAccount.objects.none()
        return selectors.bank_account_list(user=self.request.user)

    @extend_schema(operation_id="trading_bank_accounts_list", tags=TAG, summary="My linked bank accounts")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="trading_bank_accounts_create",
        tags=TAG,
        summary="Link a bank account",
        description="Routing and account numbers are stored encrypted; two micro-deposits (under $1 each) are sent "
        "to the account; confirm them with `POST /api/bank-accounts/{id}/verify`.",
        request=BankAccountInputSerializer,
        responses={201: BankAccountSerializer},
    )
    @idempotent
    def post(self, request):
        data = BankAccountInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account = services.bank_account_link(user=request.user, **data.validated_data, **_client(request))
        return Response(BankAccountSerializer(account).data, status=status.HTTP_201_CREATED)


class BankAccountDetailApi(APIView):
    @extend_schema(
        operation_id="trading_bank_accounts_retrieve",
        tags=TAG,
        summary="One linked bank account",
        responses=BankAccountSerializer,
    )
    def get(self, request, pk: int):
        return Response(BankAccountSerializer(selectors.bank_account_get(user=request.user, pk=pk)).data)


class BankAccountVerifyApi(APIView):
    @extend_schema(
        operation_id="trading_bank_accounts_verify",
        tags=TAG,
        summary="Confirm the two micro-deposits",
        request=BankAccountVerifySerializer,
        responses=BankAccountSerializer,
    )
    def post(self, request, pk: int):
        account = selectors.bank_account_get(user=request.user, pk=pk)
        data = BankAccountVerifySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account = services.bank_account_verify(account=account, amounts=data.validated_data["amounts"])
        return Response(BankAccountSerializer(account).data)


class WalletListApi(generics.ListAPIView):
    serializer_class = WalletSerializer
    pagination_class = DefaultPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Wallet.objects.none()
        return selectors.wallet_list(user=self.request.user)

    @extend_schema(operation_id="trading_wallets_list", tags=TAG, summary="My crypto wallets")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="trading_wallets_create",
        tags=TAG,
        summary="Register a crypto wallet address",
        description="Verified by signing the returned `challenge` with the address's key (EVM addresses) or by a "
        "test transfer of exactly `test_amount`. Addresses are screened against the sanctions list.",
        request=WalletInputSerializer,
        responses={201: WalletSerializer},
    )
    @idempotent
    def post(self, request):
        data = WalletInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wallet = services.wallet_register(user=request.user, **data.validated_data, **_client(request))
        return Response(WalletSerializer(wallet).data, status=status.HTTP_201_CREATED)


class WalletDetailApi(APIView):
    @extend_schema(operation_id="trading_wallets_retrieve", tags=TAG, summary="One wallet", responses=WalletSerializer)
    def get(self, request, pk: int):
        return Response(WalletSerializer(selectors.wallet_get(user=request.user, pk=pk)).data)


class WalletVerifyApi(APIView):
    @extend_schema(
        operation_id="trading_wallets_verify",
        tags=TAG,
        summary="Verify a wallet by its signed challenge",
        request=WalletVerifySerializer,
        responses=WalletSerializer,
    )
    def post(self, request, pk: int):
        wallet = selectors.wallet_get(user=request.user, pk=pk)
        data = WalletVerifySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wallet = services.wallet_verify_signature(wallet=wallet, signature=data.validated_data["signature"])
        return Response(WalletSerializer(wallet).data)


class IsOperations(BasePermission):
    """Staff holding `trading.record_branch_cash` (the operations role), logged in with a second
    factor (the access token's `amr` holds `otp`) like the admin."""

    message = "Branch cash is recorded by operations staff logged in with a second factor."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_staff and user.has_perm("trading.record_branch_cash")):
            return False
        if not settings.ADMIN_REQUIRE_OTP:
            return True
        token = request.auth
        amr = token.get("amr") if token is not None and hasattr(token, "get") else None
        return bool(amr and "otp" in amr)


class StaffCashTransactionApi(APIView):
    permission_classes = [IsOperations]

    @extend_schema(
        operation_id="trading_staff_cash_transactions_create",
        tags=["staff"],
        summary="Record physical cash in or out at a branch (operations)",
        description="With the identity of whoever conducted it (name, date of birth, address, ID type and number, "
        "verified) and on whose behalf: the records currency transaction reports are built from.",
        request=CashTransactionInputSerializer,
        responses={201: TransactionSerializer},
    )
    @idempotent
    def post(self, request):
        data = CashTransactionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        portfolio = selectors.portfolio_for_staff(pk=v["portfolio_id"])
        tx = services.branch_cash_record(
            acting_user=request.user,
            portfolio=portfolio,
            direction=v["direction"],
            amount=v["amount"],
            branch=v["branch"],
            conductor=dict(v["conductor"]),
            occurred_at=v.get("occurred_at"),
        )
        return Response(TransactionSerializer(tx).data, status=status.HTTP_201_CREATED)
