"""`manage.py load_314a FILE`: load a FinCEN 314(a) subject list and match it against customers."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from blockguardian.errors import ApplicationError

from ...services import fincen314a_list_load


class Command(BaseCommand):
    help = (
        "Load a FinCEN 314(a) subject list (CSV; layout in compliance/data/fincen314a/README.md) and "
        "match it against the customers of the last 12 months. Matches are due 14 days after receipt "
        "and visible to the BSA officer only. Loading the same file again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--received", help="the date FinCEN sent the list (YYYY-MM-DD; default today)")
        parser.add_argument("--name", default="", help="the list's name (default: the file name)")
        parser.add_argument(
            "--by", help="email of the BSA officer loading it (recorded; must hold the 314(a) permission)"
        )

    def handle(self, *args, **options):
        received = None
        if options["received"]:
            try:
                received = dt.date.fromisoformat(options["received"])
            except ValueError as exc:
                raise CommandError("--received must be YYYY-MM-DD") from exc
        officer = None
        if options["by"]:
            officer = get_user_model().objects.filter(email=options["by"].lower()).first()
            if officer is None:
                raise CommandError(f"no user {options['by']}")
        try:
            with tqdm(desc="customers searched", unit="customer", disable=options["verbosity"] == 0) as bar:
                request_list, created = fincen314a_list_load(
                    path=options["file"],
                    received_on=received,
                    name=options["name"],
                    acting_user=officer,
                    progress=bar.update,
                )
        except ApplicationError as exc:
            raise CommandError(exc.detail) from exc
        if not created:
            self.stdout.write(f"Already loaded as 314(a) list {request_list.pk}; nothing changed.")
            return
        request_list.refresh_from_db()
        matches = request_list.subjects.filter(matches__isnull=False).distinct().count()
        self.stdout.write(
            self.style.SUCCESS(
                f"314(a) list {request_list.pk}: {request_list.subjects_count} subject(s), "
                f"{request_list.customers_searched} customer(s) searched, {matches} subject(s) matched; "
                f"due {request_list.due_on}."
            )
        )
