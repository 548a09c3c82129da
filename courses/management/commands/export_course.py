"""Write a course as a course document (docs/course-format.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.documents import course_export
from courses.models import Course


class Command(BaseCommand):
    help = "Export a course as a JSON course document, to standard output or a file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("course_id", type=int, metavar="COURSE_ID")
        parser.add_argument("-o", "--output", metavar="FILE", help="Write to FILE.")

    def handle(self, *args: Any, **options: Any) -> None:
        course = Course.objects.filter(pk=options["course_id"]).first()
        if course is None:
            raise CommandError(f"There is no course {options['course_id']}.")
        text = json.dumps(course_export(course), indent=2, ensure_ascii=False) + "\n"
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            if options["verbosity"] >= 1:
                self.stderr.write(f"Wrote course {course.pk} to {options['output']}")
        else:
            self.stdout.write(text, ending="")
