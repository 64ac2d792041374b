from django.core.management.base import BaseCommand, CommandError

from portfolios.verification import ledger_problems


class Command(BaseCommand):
    help = "Check every ledger invariant over the whole database; exits non-zero listing what breaks them."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=1000, help="List at most this many problems.")

    def handle(self, *args, limit: int, **options):
        problems = ledger_problems(limit=limit)
        if problems:
            for problem in problems:
                self.stderr.write(str(problem))
            raise CommandError(f"ledger verification failed: {len(problems)} problem(s)")
        self.stdout.write(self.style.SUCCESS("ledger verified: every invariant holds"))
