import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tests.factories import UserFactory
from credit.models import CreditEvent, CreditEventKind, CreditProfile

APPLICATION = {
    "loan_amount": "5000.00",
    "loan_term_months": 24,
    "purpose": "used_car",
    "monthly_income": "4000.00",
    "employment_status": "employed",
    "employment_years": "5",
    "housing": "own",
    "property": "real_estate",
    "other_loans": "none",
    "guarantor": "none",
    "years_at_address": "6",
    "occupation": "skilled",
    "dependants": 1,
}


class CreditEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditEvent

    user = factory.SubFactory(UserFactory)
    kind = CreditEventKind.REPAYMENT
    amount = Decimal("250.00")
    occurred_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=10))
    reference = factory.Sequence(lambda n: f"loan-1/event-{n}")


class CreditProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditProfile

    user = factory.SubFactory(UserFactory)
    inputs = factory.LazyFunction(lambda: dict(APPLICATION))
    updated_at = factory.LazyFunction(timezone.now)


def client_for(user) -> APIClient:
    """An API client with an access token the API accepts, issued the way the root `auth_client`
    fixture issues it."""
    try:
        from accounts.services import token_pair_issue
    except ImportError:  # accounts without server-side sessions: a plain simplejwt token
        token = str(RefreshToken.for_user(user).access_token)
    else:
        token = token_pair_issue(user=user).access
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client
