"""Generate a course from a topic with the configured model, in the foreground.

    manage.py generate_course "History of the Silk Road" --level beginner \
        --duration short --focus broad [--publish] [--owner USERNAME]
    manage.py generate_course "History of the Silk Road" --level beginner \
        --duration short --focus broad --plan-only --output plan.json
    manage.py generate_course --plan plan.json [--publish] [--owner USERNAME]

`--plan-only` writes the plan document (docs/course-format.md, "Course plans":
one model call and its repairs) and saves nothing; `--plan` writes a course from
a plan document, possibly edited by hand, without asking for a plan.

Runs the same pipeline as a learner's request, printing each stage as it goes
(-v 0: only the result; -v 2: tokens and time per stage too). Each module is
saved into a draft course as soon as it is written (published with --publish
once whole); a run that fails exits non-zero with the reason and says which
draft keeps the modules written before it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.management.arguments import add_preference_arguments
from courses.models import PREFERENCE_CHOICES, Course
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
    plan_course,
)
from generation.plans import PlanError, plan_document, read_plan_document
from generation.schemas import CoursePlan


class Command(BaseCommand):
    help = (
        "Generate a course on TOPIC with the configured model (ATHENA_LLM_*), showing "
        "progress. Saved as a draft unless --publish is given; a failed run keeps the "
        "modules it wrote in the draft."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("topic", metavar="TOPIC", nargs="?", help="What the course is about.")
        add_preference_arguments(parser, required=False, help="The course's {key}.")
        parser.add_argument(
            "--plan-only",
            action="store_true",
            help="Only plan the course: write the plan document to --output, save nothing.",
        )
        parser.add_argument(
            "--output", metavar="FILE", help="Where --plan-only writes the plan ('-': stdout)."
        )
        parser.add_argument(
            "--plan",
            metavar="FILE",
            help="Write the course from this plan document (its topic and preferences).",
        )
        parser.add_argument("--publish", action="store_true", help="Publish the course.")
        parser.add_argument(
            "--owner", metavar="USERNAME", help="The user who owns the course (optional)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not llm_settings_configured():
            raise CommandError(f"{NOT_CONFIGURED} {NOT_CONFIGURED_HELP}")
        self.verbosity = int(options["verbosity"])
        self.last_label = ""
        plan = None
        if options["plan"]:
            request, plan = self.read_plan(options)
        else:
            request = self.request(options)
        if options["plan_only"]:
            self.write_plan(request, options["output"])
            return
        begun: list[Course] = []
        try:
            result = generate_course(
                request,
                plan=plan,
                owner=self.owner(options["owner"]),
                publish=options["publish"],
                on_course=begun.append,
                on_progress=self.progress,
            )
        except GenerationFailed as failure:
            if self.verbosity >= 2:
                self.stderr.write(failure.detail)
            kept = "Nothing was saved."
            if begun:
                kept = (
                    f"The modules written before are kept in draft course {begun[0].pk} "
                    f"(“{begun[0].topic}”)."
                )
            raise CommandError(
                f"Generation failed while {failure.stage.replace('_', ' ')}: "
                f"{failure.reason} {kept}"
            ) from failure
        self.report(result)

    def request(self, options: dict[str, Any]) -> CourseRequest:
        missing = [f"--{key}" for key in PREFERENCE_CHOICES if not options[key]]
        if not options["topic"] or missing:
            raise CommandError(
                "Give a TOPIC and "
                + ", ".join(f"--{key}" for key in PREFERENCE_CHOICES)
                + (f" (missing: {', '.join(missing)})" if missing else "")
                + ", or --plan FILE."
            )
        try:
            topic = clean_topic(options["topic"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        return CourseRequest(topic=topic, **{key: options[key] for key in PREFERENCE_CHOICES})

    def read_plan(self, options: dict[str, Any]) -> tuple[CourseRequest, CoursePlan]:
        given = [f"--{key}" for key in PREFERENCE_CHOICES if options[key]]
        if options["topic"] or given or options["plan_only"]:
            raise CommandError(
                "With --plan, the topic and preferences come from the plan document: "
                "give no TOPIC, --level, --duration, --focus or --plan-only."
            )
        path = Path(options["plan"])
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        try:
            return read_plan_document(text)
        except PlanError as error:
            problems = "\n".join(f"  {problem}" for problem in error.problems)
            raise CommandError(f"{path} is not a usable plan:\n{problems}") from error

    def write_plan(self, request: CourseRequest, output: str | None) -> None:
        if not output:
            raise CommandError("--plan-only needs --output FILE ('-' for stdout).")
        try:
            result = plan_course(request)
        except GenerationFailed as failure:
            raise CommandError(f"Planning failed: {failure.reason}") from failure
        text = json.dumps(plan_document(request, result.plan), indent=2, ensure_ascii=False)
        if output == "-":
            self.stdout.write(text)
            return
        try:
            Path(output).write_text(text + "\n", encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from error
        if self.verbosity >= 1:
            lessons = sum(len(module.lessons) for module in result.plan.modules)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Wrote the plan for {result.plan.title!r} to {output}: "
                    f"{len(result.plan.modules)} modules, {lessons} lessons."
                )
            )
            for note in result.fitted:
                self.stdout.write(f"  fitted: {note}")

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
