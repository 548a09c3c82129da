"""Import course documents (docs/course-format.md) as new courses, or as the
new content of a draft with the same topic (--on-existing=replace)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from athena.wording import counted
from courses.documents import DocumentError, parse_document
from courses.management.arguments import add_preference_arguments
from courses.models import PREFERENCE_CHOICES
from courses.services import (
    ON_EXISTING_CHOICES,
    ImportPlan,
    course_import_planned,
    course_import_plans,
)


class Command(BaseCommand):
    help = (
        "Import one or more course documents (JSON; '-' reads standard input). "
        "Courses are created as drafts unless --publish is given. If any document "
        "is invalid, every problem is printed and nothing is written. When a course "
        "with a document's topic exists already, --on-existing says what to do: "
        "'copy' adds another course, 'replace' gives the one draft of that topic the "
        "document's content (it keeps its id and enrollments; learners' progress on "
        "its old lessons and quizzes is deleted); a published course is never "
        "replaced. Without it, such an import is refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        add_preference_arguments(
            parser, required=False, help="Set the courses' {key}, overriding the documents."
        )
        parser.add_argument("--publish", action="store_true", help="Publish the courses.")
        parser.add_argument("--dry-run", action="store_true", help="Validate only; write nothing.")
        parser.add_argument(
            "--on-existing",
            choices=ON_EXISTING_CHOICES,
            help="When a course with the document's topic exists: add a copy, or "
            "replace the draft's content (never a published course's).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        preferences = {key: options[key] for key in PREFERENCE_CHOICES}
        specs, failures = [], []
        for name in options["files"]:
            try:
                text = self.read(name)
                specs.append((name, parse_document(text, **preferences)))
            except DocumentError as error:
                failures.append((name, error.in_words))
        if failures:
            for name, problems in failures:
                self.stderr.write(f"{name}: {counted(len(problems), 'problem', 'problems')}")
                for problem in problems:
                    self.stderr.write(f"  {problem}")
            raise CommandError("Nothing was imported.")
        for name, spec in specs:
            for warning in spec.warnings_in_words:
                if options["verbosity"] >= 1:
                    self.stderr.write(self.style.WARNING(f"{name}: warning: {warning}"))
        plans, conflicts = course_import_plans(
            specs=[spec for _, spec in specs], on_existing=options["on_existing"]
        )
        if conflicts:
            for conflict in conflicts:
                self.stderr.write(f"  {conflict}")
            raise CommandError(
                "Nothing was imported. Give --on-existing=copy to add another course, or "
                "--on-existing=replace to replace the draft's content."
            )
        if options["dry_run"]:
            documents = counted(len(specs), "document is", "documents are")
            self.stdout.write(f"{documents} valid; nothing written (--dry-run).")
            for plan in plans:
                self.stdout.write(f"  Would {self.describe(plan)}")
            return
        courses = course_import_planned(plans=plans, publish=options["publish"])
        for plan, course in zip(plans, courses, strict=True):
            counts = course.counts
            verb = "Replaced the content of" if plan.replace else "Created"
            self.stdout.write(
                self.style.SUCCESS(
                    f"{verb} course {course.course_id} ({course.get_status_display().lower()}): "
                    f"{course.topic} - {counted(counts['modules'], 'module', 'modules')}, "
                    f"{counted(counts['lessons'], 'lesson', 'lessons')}, "
                    f"{counted(counts['activities'], 'quiz', 'quizzes')}"
                )
            )
            if plan.replace:
                self.stdout.write(f"  {self.enrollments_kept(plan.replace.enrollment_count)}")

    def describe(self, plan: ImportPlan) -> str:
        if plan.replace is not None:
            return (
                f"replace the content of draft course {plan.replace.pk}, “{plan.spec.topic}” "
                f"({self.enrollments_kept(plan.replace.enrollment_count)})"
            )
        also = f" beside {counted(len(plan.existing), 'course', 'courses')} of that topic"
        return f"create “{plan.spec.topic}”" + (also if plan.existing else "")

    @staticmethod
    def enrollments_kept(count: int) -> str:
        enrollments = counted(count, "enrollment", "enrollments")
        return (
            f"{enrollments} kept; learners' progress on its former lessons and quizzes "
            "is deleted with them"
        )

    def read(self, name: str) -> bytes:
        """The file's bytes, never more than ATHENA_IMPORT_MAX_BYTES (+1, so
        parse_document reports the excess) in memory."""
        most = settings.ATHENA_IMPORT_MAX_BYTES
        if name == "-":
            return sys.stdin.buffer.read(most + 1)
        path = Path(name)
        try:
            size = path.stat().st_size
            if size > most:
                raise DocumentError([f"(document): is {size} bytes; the most is {most}"])
            with path.open("rb") as file:
                return file.read(most + 1)
        except OSError as error:
            raise DocumentError([f"(file): cannot read {name}: {error.strerror}"]) from error
