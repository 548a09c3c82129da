"""Change one part of a generated course with the configured model, in the
foreground (what a learner's "Change this lesson" does in the worker):

    manage.py regenerate COURSE_ID --item M.N --instruction TEXT
    manage.py regenerate COURSE_ID --module M --instruction TEXT
    manage.py regenerate COURSE_ID --add-lesson-after M.N --instruction TEXT
    manage.py regenerate COURSE_ID --add-module-after M --instruction TEXT
    manage.py regenerate COURSE_ID --history
    manage.py regenerate COURSE_ID --undo CHANGE_ID

M is a module's number and N an item's number within it (lessons and quizzes
counted together), both from 1, as the course's pages show them. `--item`
rewrites that lesson or quiz, `--module` every lesson and quiz of the module;
nothing else in the course changes. Every change is kept with what it
replaced: `--history` lists them, `--undo` puts back the version before one.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.models import Activity, Course, Lesson, Module
from generation.llm import llm_settings_configured
from generation.models import Rewrite
from generation.pipeline import NOT_CONFIGURED, NOT_CONFIGURED_HELP, GenerationFailed
from generation.rewrite import NotRestorable, rewrite_restore, rewrite_run
from generation.services import UNEXPECTED_REASON, rewrite_fail


class Command(BaseCommand):
    help = "Rewrite one lesson, quiz or module of a generated course, or add one, or undo."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("course_id", type=int, metavar="COURSE_ID")
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--item", metavar="M.N", help="Rewrite item N of module M.")
        what.add_argument("--module", metavar="M", type=int, help="Rewrite module M.")
        what.add_argument("--add-lesson-after", metavar="M.N", help="Add a lesson after M.N.")
        what.add_argument("--add-module-after", metavar="M", type=int, help="Add a module after M.")
        what.add_argument("--history", action="store_true", help="List the course's changes.")
        what.add_argument("--undo", metavar="CHANGE_ID", type=int, help="Undo a change.")
        parser.add_argument("--instruction", metavar="TEXT", help="What should change.")
        parser.add_argument(
            "--as", dest="username", metavar="USERNAME", help="Who asks (kept with the change)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        course = Course.objects.filter(pk=options["course_id"]).first()
        if course is None:
            raise CommandError(f"No course {options['course_id']}.")
        user = self.user(options["username"])
        if options["history"]:
            self.history(course)
            return
        if options["undo"] is not None:
            self.undo(course, options["undo"], user)
            return
        if course.origin != Course.Origin.GENERATED:
            raise CommandError(f"Course {course.pk} was not generated: edit it in the admin.")
        instruction = " ".join((options["instruction"] or "").split())
        if not instruction:
            raise CommandError("Say what should change with --instruction TEXT.")
        if not llm_settings_configured():
            raise CommandError(f"{NOT_CONFIGURED} {NOT_CONFIGURED_HELP}")
        rewrite = Rewrite(course=course, requester=user, instruction=instruction)
        if options["item"]:
            self.target(rewrite, self.item(course, options["item"]), Rewrite.Kind.LESSON)
        elif options["module"] is not None:
            rewrite.kind, rewrite.module = (
                Rewrite.Kind.MODULE,
                self.module(course, options["module"]),
            )
        elif options["add_lesson_after"]:
            item = self.item(course, options["add_lesson_after"])
            self.target(rewrite, item, Rewrite.Kind.ADD_LESSON)
        else:
            rewrite.kind = Rewrite.Kind.ADD_MODULE
            rewrite.module = self.module(course, options["add_module_after"])
        rewrite.state = Rewrite.State.RUNNING
        rewrite.save()
        try:
            made = rewrite_run(rewrite)
        except GenerationFailed as failure:
            rewrite_fail(rewrite_id=rewrite.pk, reason=failure.reason, detail=failure.detail)
            raise CommandError(f"{failure.reason} Nothing in the course changed.") from failure
        except BaseException:
            # Never left "running": it would hold the user's one change on its way.
            rewrite_fail(rewrite_id=rewrite.pk, reason=UNEXPECTED_REASON)
            raise
        if made is None:
            raise CommandError(
                "The change was marked failed meanwhile: nothing in the course changed."
            )
        self.stdout.write(
            f"Done (change {rewrite.pk}): {rewrite.get_kind_display().lower()}; "
            f"{rewrite.prompt_tokens + rewrite.completion_tokens} tokens. "
            f"Undo with: manage.py regenerate {course.pk} --undo {rewrite.pk}"
        )

    def user(self, username: str | None) -> Any:
        if not username:
            return None
        user = get_user_model()._default_manager.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        return user

    def module(self, course: Course, number: int) -> Module:
        module = Module.objects.filter(course=course, module_order=number).first()
        if module is None:
            count = Module.objects.filter(course=course).count()
            raise CommandError(f"Course {course.pk} has modules 1 to {count}, not {number}.")
        return module

    def item(self, course: Course, place: str) -> Lesson | Activity:
        module_number, _, item_number = place.partition(".")
        if not (module_number.isdigit() and item_number.isdigit()):
            raise CommandError(f"Name an item as M.N (module, then item), not {place!r}.")
        module = self.module(course, int(module_number))
        items = Module.objects.with_items().get(pk=module.pk).ordered_items()
        if not 1 <= int(item_number) <= len(items):
            raise CommandError(
                f"Module {module_number} has items 1 to {len(items)}, not {item_number}."
            )
        return items[int(item_number) - 1]

    def target(self, rewrite: Rewrite, item: Lesson | Activity, kind: str) -> None:
        if isinstance(item, Lesson):
            rewrite.lesson = item
        else:
            rewrite.activity = item
            if kind == Rewrite.Kind.LESSON:
                kind = Rewrite.Kind.QUIZ
        rewrite.kind = kind

    def history(self, course: Course) -> None:
        for change in Rewrite.objects.filter(course=course).order_by("created_at", "id"):
            instruction = f": {change.instruction}" if change.instruction else ""
            self.stdout.write(
                f"{change.pk}  {change.created_at:%Y-%m-%d %H:%M}  "
                f"{change.get_kind_display()} ({change.get_state_display().lower()}){instruction}"
            )

    def undo(self, course: Course, change_id: int, user: Any) -> None:
        rewrite = Rewrite.objects.filter(course=course, pk=change_id).first()
        if rewrite is None:
            raise CommandError(f"Course {course.pk} has no change {change_id}.")
        try:
            restore = rewrite_restore(rewrite=rewrite, user=user)
        except NotRestorable as refused:
            raise CommandError(str(refused)) from refused
        self.stdout.write(f"Undone (change {restore.pk}): the version before {change_id} is back.")
