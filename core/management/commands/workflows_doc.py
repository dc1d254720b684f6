"""Write (or check) ``docs/workflows.md``: every app's transition table, rendered from the code.

    manage.py workflows_doc            # rewrite docs/workflows.md
    manage.py workflows_doc --check    # exit 1 if the file and the tables differ
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.workflow import workflows_markdown

DOC = Path("docs") / "workflows.md"


def doc_path() -> Path:
    return Path(settings.BASE_DIR) / DOC


class Command(BaseCommand):
    help = "Render every workflow's transition table into docs/workflows.md (--check: only compare)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="fail if docs/workflows.md is out of date")

    def handle(self, *args, check: bool = False, **options):
        path, text = doc_path(), workflows_markdown()
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if check:
            if current != text:
                raise CommandError(f"{DOC} differs from the transition tables: run manage.py workflows_doc")
            self.stdout.write(f"{DOC} is up to date.")
            return
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {DOC}.")
