"""Lending API: thin views that parse, call one selector or service, and render."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from blockguardian.chain.api.serializers import AnchorVerificationSerializer
from blockguardian.idempotency import idempotent
from blockguardian.pagination import DefaultPagination

from .. import selectors, services
from ..models import LateFee, Loan
from .serializers import (
    AcceptInputSerializer,
    ApplyInputSerializer,
    CalculateInputSerializer,
    CalculateSerializer,
    DisclosureSerializer,
    LoanSerializer,
    NoticeSerializer,
    ProductSerializer,
    RepayInputSerializer,
    RepaymentSerializer,
    ScheduleSerializer,
)

TAG = ["loans"]
APPLICATION_FIELDS = (
    "employment_status",
    "employment_years",
    "housing",
    "property",
    "other_loans",
    "guarantor",
    "years_at_address",
    "occupation",
    "dependants",
)


def _client(request) -> dict:
    return {"ip": request.META.get("REMOTE_ADDR"), "user_agent": request.META.get("HTTP_USER_AGENT")}


class ProductListApi(generics.ListAPIView):
    serializer_class = ProductSerializer
    pagination_class = DefaultPagination

    def get_queryset(self):
        return selectors.product_list()

    @extend_schema(operation_id="loans_products_list", tags=TAG, summary="Loan products on offer")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class LoanCalculateApi(APIView):
    @extend_schema(
        operation_id="loans_calculate",
        tags=TAG,
        summary="Terms of a loan: installment, APR, finance charge, amount financed, schedule",
        description=(
            "At the rate of your latest valid credit score's band (or the product's highest rate when you have "
            "none). APR per Regulation Z Appendix J (actuarial; the origination fee is a prepaid finance charge). "
            "Each schedule cell is rounded half-up to the cent from the exact schedule; the last installment "
            "absorbs the rounding. Nothing is stored."
        ),
        request=CalculateInputSerializer,
        responses=CalculateSerializer,
    )
    def post(self, request):
        from credit.selectors import latest_valid_score

        data = CalculateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product = selectors.product_get(code_or_id=data.validated_data["product"])
        score = latest_valid_score(user=request.user)
        priced, basis = services.loan_quote(
            product=product,
            amount=data.validated_data["amount"],
            term_months=data.validated_data["term_months"],
            score=score.score if score else None,
        )
        terms = priced.terms
        body = {
            "product": product.code,
            "amount": data.validated_data["amount"],
            "term_months": data.validated_data["term_months"],
            "annual_rate_percent": str((priced.annual_rate * 100).quantize(Decimal("0.01"))),
            "rate_basis": basis,
            "installment": terms.installment,
            "total_interest": terms.total_interest,
            "origination_fee": terms.origination_fee,
            "finance_charge": terms.finance_charge,
            "amount_financed": terms.amount_financed,
            "total_of_payments": terms.total_of_payments,
            "apr": str(terms.apr.quantize(Decimal("0.01"))),
            "schedule": [r.__dict__ for r in terms.schedule.rows],
        }
        return Response(CalculateSerializer(body).data)


class LoanApplyApi(APIView):
    @extend_schema(
        operation_id="loans_apply",
        tags=TAG,
        summary="Apply for a loan",
        description=(
            "Needs a verified identity and no restriction on the account (403 otherwise). The decision comes "
            "back at once: approved with an offer, counteroffered, declined (with the principal reasons and an "
            "adverse action notice), or under review by a loan officer."
        ),
        request=ApplyInputSerializer,
        responses={201: LoanSerializer},
    )
    @idempotent
    def post(self, request):
        data = ApplyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        product = selectors.product_get(code_or_id=v["product"])
        loan = services.loan_apply(
            user=request.user,
            data=services.ApplicationInput(
                product=product,
                amount=v["amount"],
                term_months=v["term_months"],
                purpose=v["purpose"],
                monthly_income=v["monthly_income"],
                monthly_debts=v["monthly_debts"],
                mla_covered=v["mla_covered_borrower"],
                portfolio_id=v.get("portfolio_id"),
                bank_account_id=v.get("bank_account_id"),
                extra={k: v[k] for k in APPLICATION_FIELDS if k in v},
            ),
            **_client(request),
        )
        return Response(LoanSerializer(loan).data, status=status.HTTP_201_CREATED)


class LoanListApi(generics.ListAPIView):
    serializer_class = LoanSerializer
    pagination_class = DefaultPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Loan.objects.none()
        return selectors.loan_list(user=self.request.user)

    @extend_schema(operation_id="loans_list", tags=TAG, summary="My loans and applications")
    def get(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        context = self.get_serializer_context() | {"anchoring": selectors.loan_decision_anchoring_map(loans=page)}
        return self.get_paginated_response(LoanSerializer(page, many=True, context=context).data)


class LoanDetailApi(APIView):
    @extend_schema(operation_id="loans_retrieve", tags=TAG, summary="One of my loans", responses=LoanSerializer)
    def get(self, request, pk: int):
        return Response(LoanSerializer(selectors.loan_get_for_user(user=request.user, pk=pk)).data)


class LoanVerifyApi(APIView):
    """Check the loan's decision against the chain: its record is rebuilt from the database and its
    Merkle proof folded into the root the anchor registry holds. `verified`, `mismatch` (operations
    are alerted), `pending` (no decision yet, or not anchored yet) or `unavailable` (no chain now)."""

    @extend_schema(
        operation_id="loans_verify",
        tags=TAG,
        summary="The loan decision against its on-chain anchor",
        responses=AnchorVerificationSerializer,
    )
    def get(self, request, pk: int):
        loan = selectors.loan_get_for_user(user=request.user, pk=pk)
        verification = selectors.loan_decision_verify(loan=loan)
        body = {"verification": verification, "anchoring": selectors.loan_decision_anchoring(loan=loan)}
        return Response(AnchorVerificationSerializer(body).data)


class LoanScheduleApi(APIView):
    @extend_schema(
        operation_id="loans_schedule",
        tags=TAG,
        summary="The repayment schedule, what is due now and the payoff amount",
        responses=ScheduleSerializer,
    )
    def get(self, request, pk: int):
        loan = selectors.loan_get_for_user(user=request.user, pk=pk)
        fees = sum((f.left for f in LateFee.objects.filter(loan=loan)), Decimal("0.00"))
        body = {
            "loan_id": loan.pk,
            "status": loan.status,
            "amount_due": services.amount_due(loan=loan),
            "payoff_amount": services.payoff_amount(loan=loan),
            "late_fees_due": fees,
            "installments": selectors.schedule_list(loan=loan),
        }
        return Response(ScheduleSerializer(body).data)


class LoanDisclosureApi(APIView):
    @extend_schema(
        operation_id="loans_disclosure",
        tags=TAG,
        summary="The Truth in Lending disclosure",
        description=(
            "For an open offer: the disclosure for disbursement today (amount financed, finance charge, APR, total "
            "of payments, payment schedule, late charge, prepayment). Accept by quoting its id. After acceptance: "
            "the disclosure accepted. No offer: 409."
        ),
        responses=DisclosureSerializer,
    )
    def get(self, request, pk: int):
        loan = selectors.loan_get_for_user(user=request.user, pk=pk)
        disclosure = services.loan_disclosure_current(loan=loan)
        return Response(DisclosureSerializer(disclosure).data)


class LoanAcceptApi(APIView):
    @extend_schema(
        operation_id="loans_accept",
        tags=TAG,
        summary="Accept the offer (quoting the disclosure shown); disbursement follows",
        description=(
            "409 when the loan has no open offer (e.g. accepted already), the offer expired, or the disclosure "
            "quoted is not the current one."
        ),
        request=AcceptInputSerializer,
        responses=LoanSerializer,
    )
    @idempotent
    def post(self, request, pk: int):
        loan = selectors.loan_get_for_user(user=request.user, pk=pk)
        data = AcceptInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        loan = services.loan_accept(loan=loan, user=request.user, disclosure_id=data.validated_data["disclosure_id"])
        loan = services.loan_disburse(loan=loan, **_client(request))
        return Response(LoanSerializer(loan).data)


class LoanRepayApi(APIView):
    @extend_schema(
        operation_id="loans_repay",
        tags=TAG,
        summary="Repay from portfolio cash or the linked bank account",
        description=(
            "Applied in the product's allocation order; beyond what is due it prepays principal and the remaining "
            "installments are recomputed. More than the payoff amount, or more than the available cash: 422."
        ),
        request=RepayInputSerializer,
        responses={201: RepaymentSerializer},
    )
    @idempotent
    def post(self, request, pk: int):
        loan = selectors.loan_get_for_user(user=request.user, pk=pk)
        data = RepayInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        repayment = services.loan_repay(
            loan=loan,
            user=request.user,
            amount=data.validated_data["amount"],
            portfolio_id=data.validated_data.get("portfolio_id"),
            bank_account_id=data.validated_data.get("bank_account_id"),
            **_client(request),
        )
        repayment.loan.refresh_from_db()
        return Response(RepaymentSerializer(repayment).data, status=status.HTTP_201_CREATED)


class LoanCancelApi(APIView):
    @extend_schema(
        operation_id="loans_cancel",
        tags=TAG,
        summary="Cancel before disbursement",
        description="A disbursed, declined or already cancelled loan: 409.",
        request=None,
        responses=LoanSerializer,
    )
    @idempotent
    def post(self, request, pk: int):
        loan = selectors.loan_get_for_user(user=request.user, pk=pk)
        return Response(LoanSerializer(services.loan_cancel(loan=loan, acting_user=request.user)).data)


class LoanAdverseActionNoticeApi(APIView):
    @extend_schema(
        operation_id="loans_adverse_action_notice",
        tags=TAG,
        summary="The adverse action notice of a decline or an unaccepted counteroffer",
        description="The action, the principal reasons, the ECOA notice, creditor and regulator, and the credit "
        "score disclosure. A loan without one: 404.",
        responses=NoticeSerializer,
    )
    def get(self, request, pk: int):
        loan = selectors.loan_get_for_user(user=request.user, pk=pk)
        return Response(NoticeSerializer(selectors.adverse_action_notice_get(loan=loan)).data)
