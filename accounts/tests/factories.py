import datetime as dt

import factory
from django.conf import settings

from accounts.models import CustomerProfile, User

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email_verified = True
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class StaffUserFactory(UserFactory):
    email = factory.Sequence(lambda n: f"staff{n}@blockguardian.example")
    is_staff = True


class CustomerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerProfile

    user = factory.SubFactory(UserFactory)
    phone_number = "+15555550100"
    trusted_contact_name = "Robin Trusted"
    trusted_contact_email = "robin.trusted@example.com"
    trusted_contact_phone = "+15555550199"


# A well-formed SSN that the SSA voided long ago (it appeared in an advertisement).
TEST_SSN = "219-09-9999"
TEST_DOCUMENT_NUMBER = "D98765432"


def kyc_payload(**overrides) -> dict:
    """A complete, valid identity submission for the API (a US person)."""
    payload = {
        "legal_first_name": "Avery",
        "legal_middle_name": "Q",
        "legal_last_name": "Jordan",
        "date_of_birth": "1980-05-17",
        "address_line1": "350 Fifth Avenue",
        "address_line2": "Apt 12",
        "city": "New York",
        "region": "NY",
        "postal_code": "10118",
        "country": "US",
        "citizenship": "US",
        "identifier_type": "ssn",
        "identifier": TEST_SSN,
        "id_document_type": "drivers_license",
        "id_document_number": TEST_DOCUMENT_NUMBER,
        "id_document_issuing_country": "US",
    }
    payload.update(overrides)
    return payload


def kyc_submission(**overrides):
    """The same identity as a service-level KycSubmission."""
    from accounts.services import KycSubmission

    data = kyc_payload(**overrides)
    data["date_of_birth"] = dt.date.fromisoformat(data["date_of_birth"])
    return KycSubmission(**data)


def submit_kyc(user, **overrides):
    """Accept the CIP notice and submit a valid identity for `user` (through the services)."""
    from accounts.services import cip_notice_accept, kyc_submit

    cip_notice_accept(user=user, version=settings.KYC_CIP_NOTICE_VERSION)
    return kyc_submit(user=user, data=kyc_submission(**overrides))
