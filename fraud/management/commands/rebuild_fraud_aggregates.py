"""Recompute customers' fraud aggregates from their recorded movements (after a bug or a restore)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from tqdm import tqdm

from accounts.models import User
from fraud.models import MovementRecord
from fraud.services import aggregate_rebuild


class Command(BaseCommand):
    help = "Rebuild the per-customer fraud aggregates from the recorded movements (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--customer", help="one customer's id (default: every customer with movements)")

    def handle(self, *args, customer: str | None, **options):
        ids = [customer] if customer else list(MovementRecord.objects.values_list("customer_id", flat=True).distinct())
        for pk in tqdm(ids, desc="aggregates", unit="customer", disable=None):
            aggregate_rebuild(customer=User.objects.get(pk=pk))
        self.stdout.write(f"{len(ids)} aggregate(s) rebuilt")
