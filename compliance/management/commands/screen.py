"""`manage.py screen "NAME" [--dob D] [--country C] [--type person|entity|vessel|aircraft]`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from blockguardian.errors import ApplicationError

from ...screening.engine import ENTRY_TYPES
from ...services import screening_search


class Command(BaseCommand):
    help = "Screen a name against the current sanctions list and print the ranked matches with their reasons."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--dob", help="date of birth YYYY-MM-DD, or a year YYYY")
        parser.add_argument("--country", help="ISO code or country name (residence or citizenship)")
        parser.add_argument("--type", choices=ENTRY_TYPES, dest="entry_type")
        parser.add_argument("--limit", type=int, default=10)
        parser.add_argument("--min-score", type=float, default=None, help="default: the review threshold")
        parser.add_argument("--quiet-reasons", action="store_true", help="ranked matches only")

    def handle(self, *args, **options):
        try:
            outcome = screening_search(
                name=options["name"],
                date_of_birth=options["dob"],
                countries=[options["country"]] if options["country"] else [],
                entry_type=options["entry_type"],
                limit=options["limit"],
                min_score=options["min_score"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.detail) from exc
        query = outcome.run.query
        if not query["name"]:
            self.stdout.write("Nothing left to screen once case, punctuation and legal-form words are set aside.")
            return
        self.stdout.write(f"Screened {query['name']!r} against list version {outcome.run.list_version_id}.")
        if not outcome.matches:
            self.stdout.write("No match.")
            return
        for rank, match in enumerate(outcome.matches, start=1):
            entry = match.entry
            self.stdout.write(
                f"{rank:>2}. {match.score:6.2f} {(match.band or 'below review'):>12}  SDN {entry.ent_num} "
                f"{entry.name} [{entry.entry_type}; {', '.join(entry.programs)}] matched {match.matched_name!r}"
            )
            if not options["quiet_reasons"]:
                for reason in match.reasons:
                    self.stdout.write(f"      {reason['code']} ({reason['effect']:+}): {reason['detail']}")
