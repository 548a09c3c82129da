"""Generate a course from a topic with the configured model, in the foreground.

    manage.py generate_course "History of the Silk Road" --level beginner \
        --duration short --focus broad [--publish] [--owner USERNAME]

Runs the same pipeline as a learner's request, printing each stage as it goes
(-v 0: only the result; -v 2: tokens and time per stage too). The course is saved
as a draft (or published with --publish) only if every stage succeeded; otherwise
the command exits non-zero with the reason and nothing is saved.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.management.arguments import add_preference_arguments
from courses.models import PREFERENCE_CHOICES
from generation.llm import llm_settings_configured
from generation.pipeline import (
    NOT_CONFIGURED,
    NOT_CONFIGURED_HELP,
    CourseRequest,
    GenerationFailed,
    GenerationResult,
    Progress,
    clean_topic,
    generate_course,
)


class Command(BaseCommand):
    help = (
        "Generate a course on TOPIC with the configured model (ATHENA_LLM_*), showing "
        "progress. Saved as a draft unless --publish is given; nothing is saved if "
        "generation fails."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("topic", metavar="TOPIC", help="What the course is about.")
        add_preference_arguments(parser, required=True, help="The course's {key}.")
        parser.add_argument("--publish", action="store_true", help="Publish the course.")
        parser.add_argument(
            "--owner", metavar="USERNAME", help="The user who owns the course (optional)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not llm_settings_configured():
            raise CommandError(f"{NOT_CONFIGURED} {NOT_CONFIGURED_HELP}")
        try:
            topic = clean_topic(options["topic"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        request = CourseRequest(topic=topic, **{key: options[key] for key in PREFERENCE_CHOICES})
        self.verbosity = int(options["verbosity"])
        self.last_label = ""
        try:
            result = generate_course(
                request,
                owner=self.owner(options["owner"]),
                publish=options["publish"],
                on_progress=self.progress,
            )
        except GenerationFailed as failure:
            if self.verbosity >= 2:
                self.stderr.write(failure.detail)
            raise CommandError(
                f"Generation failed while {failure.stage.replace('_', ' ')}: "
                f"{failure.reason} Nothing was saved."
            ) from failure
        self.report(result)

    def owner(self, username: str | None) -> Any:
        if not username:
            return None
        user_model = get_user_model()
        try:
            return user_model._default_manager.get_by_natural_key(username)
        except user_model.DoesNotExist as error:
            raise CommandError(f"No user {username!r}.") from error

    def progress(self, progress: Progress) -> None:
        if self.verbosity >= 1 and progress.label != self.last_label:
            self.last_label = progress.label
            self.stdout.write(f"[{progress.percent:3d}%] {progress.label}")

    def report(self, result: GenerationResult) -> None:
        course = result.course
        counts = course.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"Created course {course.pk} ({course.get_status_display().lower()}): "
                f"{course.topic} - {counts['modules']} modules, {counts['lessons']} lessons, "
                f"{counts['activities']} quizzes"
            )
        )
        if self.verbosity >= 2:
            for stage in result.usage:
                self.stdout.write(
                    f"  {stage.stage}: {stage.prompt_tokens} prompt + "
                    f"{stage.completion_tokens} completion tokens, {stage.attempts} calls, "
                    f"{stage.seconds:.1f} s"
                )
        if self.verbosity >= 1:
            self.stdout.write(
                f"Model {result.model}: {result.prompt_tokens} prompt + "
                f"{result.completion_tokens} completion tokens in {result.seconds:.1f} s."
            )
