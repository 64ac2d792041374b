from django.core.management.base import BaseCommand
from tqdm import tqdm

from blockguardian.demo import loaders


class Command(BaseCommand):
    help = "Load the demo data every app registers (idempotent) and print how to log in."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="http://127.0.0.1:8000")

    def handle(self, *args, host: str, **options):
        lines: list[str] = []
        for _name, loader in tqdm(loaders(), desc="demo data", unit="app", disable=None):
            lines.extend(loader())
        banner = [
            "",
            "BlockGuardian is ready (embedded default: SQLite, local-memory cache, eager Celery).",
            f"  API docs (Swagger UI): {host}/api/docs",
            f"  Health:                {host}/health",
            f"  Back office (admin):   {host}/admin/",
            *lines,
            "",
        ]
        self.stdout.write("\n".join(banner))
