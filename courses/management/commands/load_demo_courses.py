"""Load the demo catalog shipped in courses/demo/, idempotently."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.documents import DocumentError, parse_document
from courses.models import Course
from courses.services import course_import

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"


class Command(BaseCommand):
    help = (
        "Import and publish the demo courses from courses/demo/. A course whose topic "
        "is already in the database is skipped, so running it twice adds nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be loaded; write nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        paths = sorted(DEMO_DIR.glob("*.json"))
        if not paths:
            raise CommandError(f"No demo documents in {DEMO_DIR}.")
        created = skipped = 0
        for path in paths:
            try:
                spec = parse_document(path.read_bytes())
            except DocumentError as error:
                raise CommandError(f"{path.name}: " + "; ".join(error.problems)) from error
            if Course.objects.filter(topic=spec.topic).exists():
                skipped += 1
                if options["verbosity"] >= 2:
                    self.stdout.write(f"Skipped {spec.topic} (already loaded)")
                continue
            created += 1
            if options["dry_run"]:
                self.stdout.write(f"Would load {spec.topic}")
                continue
            course = course_import(spec=spec, publish=True)
            if options["verbosity"] >= 1:
                self.stdout.write(f"Loaded {course.topic} (course {course.course_id})")
        verb = "would load" if options["dry_run"] else "loaded"
        self.stdout.write(
            self.style.SUCCESS(f"Demo catalog: {created} {verb}, {skipped} already present.")
        )
