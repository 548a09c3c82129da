"""Changing one part of a generated course: a lesson, a quiz or a module
rewritten from an instruction, a lesson or a module added after a given one,
and any such change undone.

The model writes the part from the course as it is now (the lessons around it,
the plan's outcomes and summaries where the course's request kept them),
through the pipeline's own calls and the one validator, and the part is saved
through the content services every edit goes through. Nothing else in the
course changes: every other item keeps its row, its text and its learners'
progress. On a rewritten lesson the learners' completions stay; on a
rewritten quiz an answer stays only while it is still the same option (the
same text at the number chosen) and still as right or wrong as it was
(enrollment.services.quiz_attempts_reconcile).

Each change is a `Rewrite` row holding what it replaced (`before`) and what it
wrote (`after`), so the version before any change can be put back
(`rewrite_restore`), itself recorded as a change.
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from courses.documents import CourseSpec, DocumentError, validate_document
from courses.models import Activity, Course, Lesson, Module
from courses.services import (
    item_delete,
    item_update,
    items_insert_after,
    module_delete,
    module_insert_after,
)
from enrollment.services import quiz_attempts_reconcile
from generation.models import Rewrite
from generation.pipeline import (
    UNUSABLE_ANSWER,
    CourseRequest,
    GenerationFailed,
    _CourseDraft,
    _item_document,
    _ModuleDraft,
    _Run,
)
from generation.schemas import (
    MAX_LESSONS,
    MIN_LESSONS,
    CoursePlan,
    LessonDraft,
    ModulePlan,
    PlannedLesson,
)

Item = Lesson | Activity
GONE = gettext_noop("What this change was for was deleted meanwhile.")


# Snapshots: what `before` and `after` hold.


def item_snapshot(item: Item) -> dict[str, Any]:
    if isinstance(item, Lesson):
        return {"kind": "lesson", "id": item.pk, "title": item.title, "markdown": item.markdown}
    return {
        "kind": "quiz",
        "id": item.pk,
        "title": item.title,
        "type": item.type,
        "question": item.question,
        "options": item.options,
        "answer": item.answer,
        "explanation": item.explanation,
        "hint": item.hint,
        "feedback": item.feedback,
    }


def module_snapshot(module: Module) -> dict[str, Any]:
    return {
        "kind": "module",
        "id": module.pk,
        "title": module.title,
        "description": module.description,
        "items": [item_snapshot(item) for item in module.ordered_items()],
    }


def _put_item(item: Item, snapshot: dict[str, Any]) -> None:
    """Give an existing lesson or quiz the text of `snapshot` (one of its own)."""
    if isinstance(item, Lesson):
        content = {"type": "MARKDOWN", "value": snapshot["markdown"]}
        item_update(item=item, data={"title": snapshot["title"], "content": content})
        return
    previous_options, previous_answer = item.options, item.answer
    item.set_quiz(
        question=snapshot["question"],
        options=snapshot["options"],
        answer=snapshot["answer"],
        explanation=snapshot.get("explanation", ""),
        hint=snapshot.get("hint", ""),
        feedback=snapshot.get("feedback") or [],
    )
    item_update(item=item, data={"title": snapshot["title"], "content": item.content})
    quiz_attempts_reconcile(
        activity=item, previous_options=previous_options, previous_answer=previous_answer
    )


def _spec_snapshot(spec: Any, item_id: int | None = None) -> dict[str, Any]:
    """A validated lesson or quiz spec as a snapshot (the shape of item_snapshot)."""
    if hasattr(spec, "markdown"):
        return {"kind": "lesson", "id": item_id, "title": spec.title, "markdown": spec.markdown}
    return {"kind": "quiz", "id": item_id, **dataclasses.asdict(spec)}


# The course as it is now, as the pipeline's draft.


@dataclasses.dataclass
class _Course:
    """A course's current content as a pipeline draft: lesson n of module m is
    the module's n-th lesson; each quiz goes with the lesson before it."""

    course: Course
    draft: _CourseDraft
    modules: list[Module]
    # item key -> (module index, lesson number)
    places: dict[str, tuple[int, int]]


def _current(course: Course) -> _Course:
    job = course.generation_jobs.exclude(plan={}).order_by("-created_at").first()
    plan_data = job.plan if job is not None else {}
    summaries = {
        lesson.get("title"): lesson.get("summary", "")
        for module in plan_data.get("modules", [])
        for lesson in module.get("lessons", [])
    }
    modules = list(Module.objects.with_items().filter(course=course).order_by("module_order"))
    places: dict[str, tuple[int, int]] = {}
    drafts = []
    for index, module in enumerate(modules):
        lessons: list[PlannedLesson] = []
        written: dict[int, Any] = {}
        for item in module.ordered_items():
            if isinstance(item, Lesson):
                summary = summaries.get(item.title) or item.title
                lessons.append(PlannedLesson.model_construct(title=item.title, summary=summary))
                written[2 * (len(lessons) - 1)] = LessonDraft.model_construct(
                    title=item.title, markdown=item.markdown
                )
            places[item.key] = (index, max(len(lessons) - 1, 0))
        plan = ModulePlan.model_construct(
            title=module.title, description=module.description, lessons=lessons
        )
        drafts.append(_ModuleDraft(plan=plan, written=written))
    course_plan = CoursePlan.model_construct(
        title=course.topic,
        description=plan_data.get("description") or course.description,
        learning_outcomes=plan_data.get("learning_outcomes") or [],
        modules=[draft.plan for draft in drafts],
        language=course.language,
    )
    request = CourseRequest(topic=course.topic, language=course.language, **_preferences(course))
    draft = _CourseDraft(request=request, plan=course_plan, modules=drafts, shelf=None)
    return _Course(course=course, draft=draft, modules=modules, places=places)


def _preferences(course: Course) -> dict[str, str]:
    return {key: course.preferences.get(key, "") for key in ("level", "duration", "focus")}


def _lesson_of(current: _Course, item: Item) -> tuple[int, int]:
    return current.places[item.key]


# Asking and checking.


def _checked(run: _Run, current: _Course, module_index: int, answer: Any) -> Any:
    """The lesson or quiz `answer` through the one validator, as its spec."""
    module = current.draft.modules[module_index].plan
    document = {
        "topic": current.course.topic,
        "description": current.course.description,
        "preferences": _preferences(current.course),
        "modules": [
            {
                "title": module.title,
                "description": module.description,
                "content": [_item_document(answer)],
            }
        ],
    }
    try:
        return validate_document(document).modules[0].items[0]
    except DocumentError as error:
        raise run.failed("checking", UNUSABLE_ANSWER, str(error)) from error


def _problems(run: _Run, current: _Course, module_index: int) -> Any:
    """A check for `ask`: what the validator finds wrong in an answer."""

    def check(answer: Any) -> list[str]:
        try:
            _checked(run, current, module_index, answer)
        except GenerationFailed as failed:
            return failed.detail.splitlines()
        return []

    return check


def _rewrite_lesson(run: _Run, current: _Course, lesson: Lesson, instruction: str) -> Any:
    module_index, number = _lesson_of(current, lesson)
    data = run.lesson_data(current.draft, module_index, number) | {
        "current": {"title": lesson.title, "markdown": lesson.markdown},
        "instruction": instruction,
    }
    answer = run.ask("rewrite_lesson", data, check=_problems(run, current, module_index))
    current.draft.modules[module_index].written[2 * number] = answer
    return _checked(run, current, module_index, answer)


def _rewrite_quiz(run: _Run, current: _Course, quiz: Activity, instruction: str) -> Any:
    module_index, number = _lesson_of(current, quiz)
    if 2 * number not in current.draft.modules[module_index].written:
        # A quiz before any lesson of its module: asked about the module instead.
        module = current.draft.modules[module_index]
        module.written[0] = LessonDraft.model_construct(
            title=module.plan.title, markdown=module.plan.description
        )
    snapshot = item_snapshot(quiz)
    current_quiz = {key: snapshot[key] for key in ("title", "question", "options", "answer")}
    data = run.quiz_data(current.draft, module_index, number) | {
        "quiz": {"title": quiz.title},
        "current": current_quiz,
        "instruction": instruction,
    }
    answer = run.ask("rewrite_quiz", data, check=_problems(run, current, module_index))
    return _checked(run, current, module_index, answer)


def _in_parallel(run: _Run, calls: list[Any]) -> list[Any]:
    """Run the model calls (no-argument functions) on the run's threads, in order."""
    if not calls:
        return []
    with ThreadPoolExecutor(max_workers=run.concurrency, thread_name_prefix="rewrite") as pool:
        return list(pool.map(lambda call: call(), calls))


def _rewrite_module(
    run: _Run, current: _Course, module: Module, instruction: str
) -> list[tuple[Item, Any]]:
    """Every lesson of the module rewritten, then every quiz from its new lesson."""
    items = module.ordered_items()
    lessons = [item for item in items if isinstance(item, Lesson)]
    quizzes = [item for item in items if isinstance(item, Activity)]
    new_lessons = _in_parallel(
        run,
        [
            lambda lesson=lesson: _rewrite_lesson(run, current, lesson, instruction)
            for lesson in lessons
        ],
    )
    new_quizzes = _in_parallel(
        run,
        [lambda quiz=quiz: _rewrite_quiz(run, current, quiz, instruction) for quiz in quizzes],
    )
    return [*zip(lessons, new_lessons, strict=True), *zip(quizzes, new_quizzes, strict=True)]


def _new_lesson(run: _Run, current: _Course, after: Item, instruction: str) -> list[Any]:
    """A new lesson (and its quiz) on what `instruction` asks, to come after `after`."""
    module_index, number = _lesson_of(current, after)
    module = current.draft.modules[module_index]
    has_lessons = bool(module.plan.lessons)
    number = number + 1 if has_lessons else 0
    module.plan.lessons.insert(number, PlannedLesson.model_construct(title="", summary=instruction))
    data = run.lesson_data(current.draft, module_index, number) | {"instruction": instruction}
    lesson = run.ask("add_lesson", data, check=_problems(run, current, module_index))
    module.written[2 * number] = lesson
    quiz = run.ask("quiz", run.quiz_data(current.draft, module_index, number))
    return [_checked(run, current, module_index, unit) for unit in (lesson, quiz)]


def _new_module(run: _Run, current: _Course, after: Module, instruction: str) -> Any:
    """A new module on what `instruction` asks, planned, then written, to come after `after`."""
    index = [module.pk for module in current.modules].index(after.pk)
    data = {
        **run.base_data(),
        "course": {
            "title": current.draft.plan.title,
            "learning_outcomes": current.draft.plan.learning_outcomes,
        },
        "modules": [module.title for module in current.modules],
        "after": {"number": index + 1, "title": after.title},
        "instruction": instruction,
    }

    def check(plan: ModulePlan) -> list[str]:
        if MIN_LESSONS <= len(plan.lessons) <= MAX_LESSONS:
            return []
        return [
            f"lessons: has {len(plan.lessons)} lessons; a module has {MIN_LESSONS} to {MAX_LESSONS}"
        ]

    plan = run.ask("add_module", data, check=check)
    plan = plan.model_copy(update={"lessons": plan.lessons[:MAX_LESSONS]})
    draft = current.draft
    draft.plan.modules.insert(index + 1, plan)
    draft.modules.insert(index + 1, _ModuleDraft(plan=plan))
    new = index + 1
    lessons = _in_parallel(
        run,
        [
            lambda number=number: run.ask("lesson", run.lesson_data(draft, new, number))
            for number in range(len(plan.lessons))
        ],
    )
    for number, lesson in enumerate(lessons):
        draft.modules[new].written[2 * number] = lesson
    quizzes = _in_parallel(
        run,
        [
            lambda number=number: run.ask("quiz", run.quiz_data(draft, new, number))
            for number in range(len(plan.lessons))
        ],
    )
    for number, quiz in enumerate(quizzes):
        draft.modules[new].written[2 * number + 1] = quiz
    try:
        spec: CourseSpec = validate_document(draft.document(new))
    except DocumentError as error:
        raise run.failed("checking", UNUSABLE_ANSWER, str(error)) from error
    return spec.modules[0]


# Running a change.


def rewrite_run(rewrite: Rewrite, *, time_budget: float | None = None) -> Rewrite | None:
    """Write and save the change `rewrite` asks for; raises GenerationFailed
    (then nothing changed). Answers the rewrite, done; None when it was marked
    failed while the model wrote (nothing changed then either)."""
    course = rewrite.course
    current = _current(course)
    run = _Run(current.draft.request, None, time_budget)
    instruction = rewrite.instruction
    try:
        if rewrite.kind == Rewrite.Kind.LESSON:
            lesson = Lesson.objects.select_related("module").get(pk=rewrite.lesson_id)
            changes = [(lesson, _rewrite_lesson(run, current, lesson, instruction))]
        elif rewrite.kind == Rewrite.Kind.QUIZ:
            quiz = Activity.objects.select_related("module").get(pk=rewrite.activity_id)
            changes = [(quiz, _rewrite_quiz(run, current, quiz, instruction))]
        elif rewrite.kind == Rewrite.Kind.MODULE:
            module = Module.objects.with_items().get(pk=rewrite.module_id)
            changes = _rewrite_module(run, current, module, instruction)
        elif rewrite.kind == Rewrite.Kind.ADD_LESSON:
            after = _anchor(rewrite)
            added = _new_lesson(run, current, after, instruction)
        elif rewrite.kind == Rewrite.Kind.ADD_MODULE:
            after_module = Module.objects.get(pk=rewrite.module_id)
            module_spec = _new_module(run, current, after_module, instruction)
        else:
            raise ValueError(f"not a change the model writes: {rewrite.kind}")
    except ObjectDoesNotExist as error:  # deleted before the worker came to it
        raise run.failed("saving", GONE, str(error)) from error
    finally:
        run.client.close()
    with transaction.atomic():
        # The model took a while: what is saved, and what `before` keeps, is
        # read again under the course's lock (an editor may have changed,
        # moved or deleted it meanwhile; what is gone is left gone).
        list(Course.objects.select_for_update().filter(pk=course.pk).values_list("pk"))
        if not (
            Rewrite.objects.select_for_update()
            .filter(pk=rewrite.pk, state__in=[Rewrite.State.QUEUED, Rewrite.State.RUNNING])
            .exists()
        ):
            # Marked failed meanwhile (taken for stale): its learner was told
            # nothing changed and may have asked again, so nothing changes.
            return None
        if rewrite.kind in (Rewrite.Kind.LESSON, Rewrite.Kind.QUIZ, Rewrite.Kind.MODULE):
            fresh = {item.key: item for item in _items([item_snapshot(i) for i, _ in changes])}
            changes = [(fresh[item.key], spec) for item, spec in changes if item.key in fresh]
            if not changes:
                raise run.failed("saving", GONE, "What was to be rewritten was deleted meanwhile.")
            rewrite.before = {"items": [item_snapshot(item) for item, _ in changes]}
            after_items = []
            for item, spec in changes:
                snapshot = _spec_snapshot(spec, item.pk)
                _put_item(item, snapshot)
                after_items.append(snapshot)
            rewrite.after = {"items": after_items}
        elif rewrite.kind == Rewrite.Kind.ADD_LESSON:
            (anchor,) = _items([item_snapshot(after)]) or [None]
            if anchor is None:
                raise run.failed("saving", GONE, "The lesson to add after was deleted meanwhile.")
            new_items = items_insert_after(after=_after_its_quiz(anchor), items=added)
            rewrite.after = {"items": [item_snapshot(item) for item in new_items]}
        else:
            after_module = Module.objects.filter(pk=after_module.pk).first()
            if after_module is None:
                raise run.failed("saving", GONE, "The module to add after was deleted meanwhile.")
            module = module_insert_after(after=after_module, spec=module_spec)
            rewrite.module = module
            rewrite.after = module_snapshot(Module.objects.with_items().get(pk=module.pk))
        if rewrite.requester is not None and not rewrite.requester.has_perm(
            "courses.change_course"
        ):
            # A learner's change to a course staff reviewed: not reviewed any more.
            Course.objects.filter(pk=course.pk).update(reviewed_at=None, reviewed_by=None)
        _finish(rewrite, run)
    return rewrite


def _anchor(rewrite: Rewrite) -> Item:
    if rewrite.lesson_id:
        return Lesson.objects.select_related("module").get(pk=rewrite.lesson_id)
    return Activity.objects.select_related("module").get(pk=rewrite.activity_id)


def _after_its_quiz(item: Item) -> Item:
    """Where a lesson added after `item` goes: after it, or, when `item` is a
    lesson followed by its quiz, after that quiz (the pair stays together)."""
    if not isinstance(item, Lesson):
        return item
    items = Module.objects.with_items().get(pk=item.module_id).ordered_items()
    index = [other.key for other in items].index(item.key)
    following = items[index + 1] if index + 1 < len(items) else None
    return following if isinstance(following, Activity) else item


def _finish(rewrite: Rewrite, run: _Run | None) -> None:
    rewrite.state = Rewrite.State.SUCCEEDED
    rewrite.finished_at = timezone.now()
    rewrite.error_reason = rewrite.error_detail = ""
    if run is not None:
        usage = run.meter.usage()
        rewrite.model_name = run.meter.model[:200]
        rewrite.prompt_tokens = sum(stage.prompt_tokens for stage in usage)
        rewrite.completion_tokens = sum(stage.completion_tokens for stage in usage)
    rewrite.save()


# Undoing a change.


class NotRestorable(Exception):
    """The change cannot be undone (not done, or what it changed is gone)."""


@transaction.atomic
def rewrite_restore(*, rewrite: Rewrite, user: Any) -> Rewrite:
    """Put back what `rewrite` replaced (a rewritten lesson, quiz or module's
    items as they were; an added lesson or module removed), as a new change."""
    if rewrite.state != Rewrite.State.SUCCEEDED or rewrite.kind == Rewrite.Kind.RESTORE:
        raise NotRestorable(_("Only a finished rewrite or addition can be undone."))
    # (Under the course's lock: two clicks on Undo undo it once.)
    list(Course.objects.select_for_update().filter(pk=rewrite.course_id).values_list("pk"))
    if rewrite.restored_by.exists():
        raise NotRestorable(_("This change is undone already."))
    # Stored in English, whoever asks (the panel words it in its reader's).
    with translation.override("en"):
        instruction = (
            f"Undo: {rewrite.get_kind_display().lower()} "
            f"of {timezone.localtime(rewrite.created_at):%d %b %H:%M}"
        )
    restore = Rewrite(
        course=rewrite.course,
        requester=user,
        kind=Rewrite.Kind.RESTORE,
        restores=rewrite,
        module=rewrite.module,
        lesson=rewrite.lesson,
        activity=rewrite.activity,
        instruction=instruction,
    )
    if rewrite.kind == Rewrite.Kind.ADD_MODULE:
        module = Module.objects.with_items().filter(pk=rewrite.module_id).first()
        if module is None:
            raise NotRestorable(_("The module added is gone already."))
        restore.before = module_snapshot(module)
        restore.module = None  # gone with it
        module_delete(module=module)
    elif rewrite.kind == Rewrite.Kind.ADD_LESSON:
        items = _items(rewrite.after.get("items", []))
        if not items:
            raise NotRestorable(_("The lesson added is gone already."))
        restore.before = {"items": [item_snapshot(item) for item in items]}
        for item in items:
            item_delete(item=item)
    else:
        old = rewrite.before.get("items", [])
        items = {item.key: item for item in _items(old)}
        if not items:
            raise NotRestorable(_("What was rewritten is gone."))
        restore.before = {"items": [item_snapshot(item) for item in items.values()]}
        for snapshot in old:
            item = items.get(f"{_kind(snapshot)}:{snapshot['id']}")
            if item is not None:
                _put_item(item, snapshot)
        restore.after = {"items": old}
    _finish(restore, None)
    return restore


def _kind(snapshot: dict[str, Any]) -> str:
    return "lesson" if snapshot.get("kind") == "lesson" else "activity"


def _items(snapshots: list[dict[str, Any]]) -> list[Item]:
    """The lessons and quizzes `snapshots` name that still exist."""
    lesson_ids = [s["id"] for s in snapshots if _kind(s) == "lesson"]
    quiz_ids = [s["id"] for s in snapshots if _kind(s) == "activity"]
    return [
        *Lesson.objects.select_related("module").filter(pk__in=lesson_ids),
        *Activity.objects.select_related("module").filter(pk__in=quiz_ids),
    ]


def course_rewritable_by(course: Course, user: Any) -> bool:
    """Whether `user` may change parts of `course` this way: a generated course,
    by staff who may edit courses, or by its requester while it is their
    draft (once published, what every learner reads is for editors)."""
    if course.origin != Course.Origin.GENERATED or not user.is_authenticated:
        return False
    if course.created_by_id == user.pk and not course.is_published:
        return True
    return user.is_staff and user.has_perm("courses.change_course")
