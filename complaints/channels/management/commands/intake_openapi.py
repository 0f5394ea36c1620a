import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from complaints.channels.api import api

DOCUMENT = Path(__file__).resolve().parents[2] / "api" / "openapi.json"


def served_document() -> str:
    """The OpenAPI document the API serves (the same call as its openapi.json view), laid out for diffs."""
    return as_text(api.get_openapi_schema())


def as_text(document: dict) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True, default=str) + "\n"


class Command(BaseCommand):
    help = "Write the intake API's OpenAPI document to complaints/channels/api/openapi.json (or --check it)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Fail when the committed document is out of date.")

    def handle(self, *args, check=False, **options):
        served = served_document()
        if check:
            if not DOCUMENT.exists() or DOCUMENT.read_text() != served:
                raise CommandError(f"{DOCUMENT} is out of date: run `python manage.py intake_openapi`")
            self.stdout.write("the OpenAPI document is up to date")
            return
        DOCUMENT.write_text(served)
        self.stdout.write(f"wrote {DOCUMENT}")
