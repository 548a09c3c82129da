"""Writes on course content. Every change to modules, lessons and quizzes goes
through these functions (the admin, the importer, the generator, commands), and
each keeps the course whole itself: `metadata.count` true, and modules and items
numbered 1..n with no gaps. Nothing else (no signal) does it behind their back."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Max, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from courses.documents import (
    CourseSpec,
    LessonSpec,
    ModuleSpec,
    QuizSpec,
    course_export,
    validate_document,
)
from courses.models import TITLE_MAX_LENGTH, Activity, Course, Lesson, Module, estimate_minutes
from courses.outline import outline_documents
from courses.vocabulary import (
    course_texts,
    vocabulary_forget,
    vocabulary_update,
    vocabulary_words,
)

Item = Lesson | Activity


def course_content_changed(*, course_ids: Iterable[int]) -> None:
    """The content of these courses changed in the open transaction: each
    course's stored outline, `metadata.count` and `metadata.minutes` (its
    estimated time: its lessons' words and its quizzes) are written afresh
    from its rows (courses.outline), and its `content_version` moves on, so what any
    process keeps of the course retires at its next page
    (courses.outline.course_outlines reads the row every time). The change
    and the new version commit together, in the database every process reads:
    no cache is told anything, so none can miss it, and a cache that fails
    cannot fail the write. The rows are locked, so two concurrent edits
    cannot write stale counts or outlines. The search vocabulary follows in
    the same transaction (courses.vocabulary): a published course's words
    join it, a draft's leave it.

    Every service below calls it in its transaction, as does the admin for a
    course's own fields. A version is random, not the next number: a
    database restored from a backup never hands out again a version that
    other content was kept under."""
    course_ids = sorted(set(course_ids))
    rows = {
        pk: (metadata, topic, description, status)
        for pk, metadata, topic, description, status in Course.objects.select_for_update()
        .filter(pk__in=course_ids)
        .values_list("pk", "metadata", "topic", "description", "status")
    }
    metadata = {pk: row[0] for pk, row in rows.items()}
    words = dict(
        Lesson.objects.filter(module__course_id__in=course_ids)
        .values_list("module__course_id")
        .annotate(words=Sum("word_count"))
        .values_list("module__course_id", "words")
    )
    vocabulary: dict[int, set[str]] = {}
    for course_id, outline in outline_documents(list(metadata)).items():
        _, topic, description, status = rows[course_id]
        vocabulary[course_id] = (
            vocabulary_words(course_texts(topic, description, outline))
            if status == Course.Status.PUBLISHED
            else set()
        )
        kinds = [item[0] for module in outline["modules"] for item in module["items"]]
        counts = {
            "modules": len(outline["modules"]),
            "lessons": kinds.count("lesson"),
            "activities": kinds.count("activity"),
        }
        minutes = estimate_minutes(words=words.get(course_id) or 0, quizzes=counts["activities"])
        Course.objects.filter(pk=course_id).update(
            outline=outline,
            metadata={**metadata[course_id], "count": counts, "minutes": minutes},
            content_version=secrets.randbits(63),
        )
    vocabulary_update(words=vocabulary)


# Fields an update may change; structure (parent, order) has its own services.
MODULE_UPDATE_FIELDS = ("title", "description", "metadata")
ITEM_UPDATE_FIELDS = ("title", "type", "content")


def course_count_items(*, course_id: int) -> dict[str, int]:
    """Count a course's modules, lessons and activities in the database."""
    counts = Module.objects.filter(course_id=course_id).aggregate(
        modules=Count("module_id", distinct=True),
        lessons=Count("lessons", distinct=True),
        activities=Count("activities", distinct=True),
    )
    return {key: counts[key] or 0 for key in ("modules", "lessons", "activities")}


@transaction.atomic
def course_refresh_counts(*, course_id: int) -> None:
    """Make `metadata.count` (and the stored outline) match the course's real
    content: for rows written round the services."""
    course_content_changed(course_ids=[course_id])


def _lock_course(course_id: int) -> None:
    """Serialise structural edits of one course (reorders, appends, deletions)."""
    list(Course.objects.select_for_update().filter(pk=course_id).values_list("pk"))


# Importing and copying whole courses.


@transaction.atomic
def course_import(*, spec: CourseSpec, publish: bool = False) -> Course:
    """Build a course from a validated document, all of it or nothing."""
    course = Course.objects.create(
        topic=spec.topic,
        description=spec.description,
        language=spec.language,
        preferences=spec.preferences,
        metadata={"count": spec.counts},
        status=Course.Status.PUBLISHED if publish else Course.Status.DRAFT,
    )
    _build_content(course, spec)
    return course


def _build_content(course: Course, spec: CourseSpec) -> None:
    """Give a course without modules the document's modules, lessons and quizzes."""
    modules = Module.objects.bulk_create(
        Module(course=course, title=module.title, description=module.description, module_order=n)
        for n, module in enumerate(spec.modules, start=1)
    )
    _create_items(
        (module, module_spec.items)
        for module, module_spec in zip(modules, spec.modules, strict=True)
    )
    course_content_changed(course_ids=[course.pk])
    # What the recount wrote, for callers that read the course answered.
    course.refresh_from_db(fields=list(Course.COMPUTED_FIELDS))


class PublishedCourseError(Exception):
    """A published course's content is never replaced by an import."""


@transaction.atomic
def course_replace_draft(*, course: Course, spec: CourseSpec, publish: bool = False) -> Course:
    """Replace a draft's content with a validated document's, all of it or
    nothing: the course keeps its id, address and enrollments (learners keep
    it on their dashboard); its modules, lessons and quizzes are deleted, and
    with them learners' progress on them (completions, quiz attempts, problem
    reports), as deleting an item in the admin does. A published course is
    refused (PublishedCourseError), checked under the row's lock."""
    locked = Course.objects.select_for_update().get(pk=course.pk)
    if locked.is_published:
        raise PublishedCourseError(
            _("“%(topic)s” (course %(id)s) is published; an import never replaces it.")
            % {"topic": locked.topic, "id": locked.pk}
        )
    Module.objects.filter(course=locked).delete()
    locked.topic = spec.topic
    locked.description = spec.description
    locked.language = spec.language
    locked.preferences = spec.preferences
    if publish:
        locked.status = Course.Status.PUBLISHED
    locked.save()
    _build_content(locked, spec)
    return locked


ON_EXISTING_COPY, ON_EXISTING_REPLACE = "copy", "replace"
ON_EXISTING_CHOICES = (ON_EXISTING_COPY, ON_EXISTING_REPLACE)


@dataclass(frozen=True)
class ImportPlan:
    """What importing one document does: a new course, or (`replace`) a new
    content for an existing draft of the same topic. `existing`: the courses
    with that topic already, newest first, each with its `enrollment_count`."""

    spec: CourseSpec
    existing: list[Course]
    replace: Course | None = None


def _course_label(course: Course) -> str:
    values = {"id": course.pk, "count": course.enrollment_count}
    if course.is_published:
        return (
            ngettext(
                "course %(id)s, published, %(count)s enrollment",
                "course %(id)s, published, %(count)s enrollments",
                course.enrollment_count,
            )
            % values
        )
    return (
        ngettext(
            "course %(id)s, draft, %(count)s enrollment",
            "course %(id)s, draft, %(count)s enrollments",
            course.enrollment_count,
        )
        % values
    )


def course_import_plans(
    *, specs: Sequence[CourseSpec], on_existing: str | None
) -> tuple[list[ImportPlan], list[str]]:
    """What importing `specs` would do (one query), and the problems that
    stop it: a topic that exists already needs `on_existing` ("copy": a new
    draft beside it; "replace": the one draft of that topic gets the
    document's content). A published course is never replaced."""
    topics = {spec.topic for spec in specs}
    existing: dict[str, list[Course]] = {}
    for course in (
        Course.objects.filter(topic__in=topics)
        .with_enrollment_count()
        .order_by("-created_at", "-course_id")
    ):
        existing.setdefault(course.topic, []).append(course)
    plans: list[ImportPlan] = []
    problems: list[str] = []
    replaced: set[int] = set()
    for spec in specs:
        courses = existing.get(spec.topic, [])
        if not courses or on_existing == ON_EXISTING_COPY:
            plans.append(ImportPlan(spec=spec, existing=courses))
            continue
        found = "; ".join(_course_label(course) for course in courses)
        if on_existing != ON_EXISTING_REPLACE:
            problems.append(
                _(
                    "“%(topic)s” exists already (%(found)s): choose to add a copy or to "
                    "replace the draft."
                )
                % {"topic": spec.topic, "found": found}
            )
            continue
        drafts = [course for course in courses if not course.is_published]
        if not drafts:
            problems.append(
                _(
                    "“%(topic)s” exists only as a published course (%(found)s): a published "
                    "course is never replaced. Add a copy, or unpublish it first."
                )
                % {"topic": spec.topic, "found": found}
            )
        elif len(drafts) > 1:
            problems.append(
                _(
                    "“%(topic)s” has %(count)s drafts (%(found)s): which to replace is "
                    "unclear. Delete or rename the others, or add a copy."
                )
                % {"topic": spec.topic, "count": len(drafts), "found": found}
            )
        elif drafts[0].pk in replaced:
            problems.append(
                _("“%(topic)s”: two documents would replace the same draft.")
                % {"topic": spec.topic}
            )
        else:
            replaced.add(drafts[0].pk)
            plans.append(ImportPlan(spec=spec, existing=courses, replace=drafts[0]))
    return plans, problems


@transaction.atomic
def course_import_planned(*, plans: Sequence[ImportPlan], publish: bool = False) -> list[Course]:
    """Carry out `course_import_plans`' plans: all of them or none."""
    return [
        course_replace_draft(course=plan.replace, spec=plan.spec, publish=publish)
        if plan.replace is not None
        else course_import(spec=plan.spec, publish=publish)
        for plan in plans
    ]


def _item_from_spec(module: Module, spec: LessonSpec | QuizSpec, order: int) -> Item:
    """An unsaved lesson or quiz of `module` at `order`, from its validated spec
    (a lesson's HTML rendered: bulk_create calls no save())."""
    if isinstance(spec, LessonSpec):
        lesson = Lesson(module=module, title=spec.title, display_order=order)
        lesson.set_markdown(spec.markdown)
        lesson.render_content()
        return lesson
    activity = Activity(module=module, title=spec.title, type=spec.type, display_order=order)
    activity.set_quiz(
        question=spec.question,
        options=spec.options,
        answer=spec.answer,
        explanation=spec.explanation,
        hint=spec.hint,
        feedback=spec.feedback,
    )
    return activity


def _create_items(modules: Iterable[tuple[Module, Sequence[LessonSpec | QuizSpec]]]) -> list[Item]:
    """Save new modules' items from their validated specs, each module's
    numbered 1..n, in two queries (the caller holds the course and recounts it)."""
    return _save_items(
        _item_from_spec(module, spec, order)
        for module, items in modules
        for order, spec in enumerate(items, start=1)
    )


def _save_items(items: Iterable[Item]) -> list[Item]:
    """Insert unsaved lessons and quizzes, one query a table; answer them in order."""
    items = list(items)
    Lesson.objects.bulk_create([item for item in items if isinstance(item, Lesson)])
    Activity.objects.bulk_create([item for item in items if isinstance(item, Activity)])
    return items


@transaction.atomic
def module_fill(*, module: Module, items: Sequence[LessonSpec | QuizSpec]) -> Module:
    """Give a module that has no items yet its lessons and quizzes (validated
    specs), all at once: how a course being generated gains each module as it
    is written. A module that has items already is left as it is
    (ValueError): filling it twice would double it."""
    _lock_course(module.course_id)
    if module_items(module_id=module.pk):
        raise ValueError(f"module {module.pk} has items already")
    _create_items([(module, items)])
    course_content_changed(course_ids=[module.course_id])
    return module


@transaction.atomic
def items_insert_after(*, after: Item, items: Sequence[LessonSpec | QuizSpec]) -> list[Item]:
    """Save new lessons and quizzes (validated specs) right after `after` in its
    module; the module's items are renumbered 1..n. Answers the new items."""
    module = after.module
    _lock_course(module.course_id)
    current = module_items(module_id=module.pk)
    index = [item.key for item in current].index(after.key) + 1
    start = max(item.display_order for item in current) + 1
    new = _save_items(
        _item_from_spec(module, spec, start + number) for number, spec in enumerate(items)
    )
    order = [*current[:index], *new, *current[index:]]
    _write_item_order(module_id=module.pk, current=[*current, *new], items=order)
    course_content_changed(course_ids=[module.course_id])
    return new


@transaction.atomic
def module_insert_after(*, after: Module, spec: ModuleSpec) -> Module:
    """Save a new module (a validated spec, with its items) right after `after`
    in its course; the course's modules are renumbered 1..n."""
    _lock_course(after.course_id)
    current = list(Module.objects.filter(course_id=after.course_id))
    module = Module.objects.create(
        course_id=after.course_id,
        title=spec.title,
        description=spec.description,
        module_order=max(other.module_order for other in current) + 1,
    )
    _create_items([(module, spec.items)])
    index = [other.pk for other in current].index(after.pk) + 1
    order = [*current[:index], module, *current[index:]]
    _write_module_order(course_id=after.course_id, current=[*current, module], modules=order)
    course_content_changed(course_ids=[after.course_id])
    return module


@transaction.atomic
def course_duplicate(*, course: Course) -> Course:
    """A new draft copy of a course, through the course document so there is
    one copier: export, validate, import."""
    spec = validate_document(course_export(course))
    suffix = " (copy)"
    topic = spec.topic[: TITLE_MAX_LENGTH - len(suffix)] + suffix
    copy = course_import(spec=dataclasses.replace(spec, topic=topic))
    copy.answer_reveal = course.answer_reveal
    copy.save(update_fields=["answer_reveal", "updated_at"])
    course_content_changed(course_ids=[copy.pk])
    return copy


# Publication.


@transaction.atomic
def course_publish(*, course_ids: Sequence[int], reviewed_by: Any = None) -> int:
    """Publish the given courses; a course keeps the date it was first published.
    `reviewed_by`: the staff member who reviewed them (the admin's publish).
    Answer how many changed state."""
    now = timezone.now()
    changed = list(
        Course.objects.select_for_update()
        .filter(pk__in=course_ids)
        .exclude(status=Course.Status.PUBLISHED)
        .values_list("pk", flat=True)
    )
    reviewed = {"reviewed_by": reviewed_by, "reviewed_at": now} if reviewed_by else {}
    Course.objects.filter(pk__in=changed).update(
        status=Course.Status.PUBLISHED,
        published_at=Coalesce(F("published_at"), Value(now)),
        updated_at=now,
        **reviewed,
    )
    if changed:
        course_content_changed(course_ids=changed)
    return len(changed)


@transaction.atomic
def course_unpublish(*, course_ids: Sequence[int]) -> int:
    """Turn the given courses back into drafts; answer how many changed state."""
    changed = list(
        Course.objects.select_for_update()
        .filter(pk__in=course_ids)
        .exclude(status=Course.Status.DRAFT)
        .values_list("pk", flat=True)
    )
    Course.objects.filter(pk__in=changed).update(
        status=Course.Status.DRAFT, updated_at=timezone.now()
    )
    if changed:
        course_content_changed(course_ids=changed)
    return len(changed)


@transaction.atomic
def course_delete(*, course_ids: Sequence[int]) -> None:
    """Delete the given courses with everything in them; their words leave
    the search vocabulary in the same transaction."""
    locked = list(
        Course.objects.select_for_update().filter(pk__in=course_ids).values_list("pk", flat=True)
    )
    vocabulary_forget(course_ids=locked)
    Course.objects.filter(pk__in=locked).delete()


# Modules.


def _update_fields(instance: Any, data: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValueError(f"cannot update {', '.join(sorted(unknown))} here")
    for name, value in data.items():
        setattr(instance, name, value)
    instance.full_clean(exclude=["course", "module"], validate_unique=False)
    instance.save()


@transaction.atomic
def module_create(*, module: Module) -> Module:
    """Save a new module (its course, title and description set) after the
    course's last one."""
    _lock_course(module.course_id)
    last = Module.objects.filter(course_id=module.course_id).aggregate(last=Max("module_order"))
    module.module_order = (last["last"] or 0) + 1
    module.save()
    course_content_changed(course_ids=[module.course_id])
    return module


@transaction.atomic
def module_update(*, module: Module, data: dict[str, Any]) -> Module:
    """Change a module's own fields (title, description, metadata)."""
    _update_fields(module, data, MODULE_UPDATE_FIELDS)
    course_content_changed(course_ids=[module.course_id])
    return module


@transaction.atomic
def module_delete(*, module: Module) -> None:
    """Delete a module with its items (and learners' progress on them); the
    course's other modules close the gap."""
    course_id = module.course_id
    _lock_course(course_id)
    module.delete()
    _renumber_modules(course_id=course_id)
    course_content_changed(course_ids=[course_id])


@transaction.atomic
def course_reorder_modules(*, course: Course, modules: Sequence[Module]) -> None:
    """Give the course's modules `module_order` 1..n in the order given.

    `modules` must be exactly the course's modules."""
    _lock_course(course.pk)
    current = list(Module.objects.filter(course=course))
    if sorted(module.pk for module in modules) != sorted(module.pk for module in current):
        raise ValueError("the new order must list each of the course's modules once")
    _write_module_order(course_id=course.pk, current=current, modules=modules)
    course_content_changed(course_ids=[course.pk])


def _write_module_order(
    *, course_id: int, current: Sequence[Module], modules: Sequence[Module]
) -> None:
    """Number `modules` 1..n. The caller holds the course lock and has checked
    that `modules` are the course's `current` modules, in a new order."""
    # Move every row past the current range first, so no two rows ever share a
    # position while the unique constraint is checked row by row.
    offset = max([*(module.module_order for module in current), len(modules)]) + 1
    Module.objects.filter(course_id=course_id).update(module_order=F("module_order") + offset)
    for position, module in enumerate(modules, start=1):
        Module.objects.filter(pk=module.pk).update(module_order=position)


@transaction.atomic
def module_move(*, module: Module, steps: int) -> None:
    """Move a module `steps` places (negative: earlier) within its course,
    stopping at either end; the course's modules are renumbered 1..n."""
    _lock_course(module.course_id)
    modules = list(Module.objects.filter(course_id=module.course_id))
    index = [other.pk for other in modules].index(module.pk)
    _write_module_order(
        course_id=module.course_id, current=modules, modules=_moved(modules, index, steps)
    )
    course_content_changed(course_ids=[module.course_id])


def _renumber_modules(*, course_id: int) -> None:
    """Close gaps in a course's module order (the caller holds the course lock)."""
    modules = list(Module.objects.filter(course_id=course_id))
    _write_module_order(course_id=course_id, current=modules, modules=modules)


# Lessons and quizzes: one sequence per module, shared by both tables.


def module_items(*, module_id: int) -> list[Item]:
    """A module's items from the database, in display order."""
    return Module.objects.with_items().get(pk=module_id).ordered_items()


def _next_display_order(*, module_id: int) -> int:
    """The position after the module's last item, lessons and activities alike."""
    last = [
        model.objects.filter(module_id=module_id).aggregate(last=Max("display_order"))["last"]
        for model in (Lesson, Activity)
    ]
    return max(position or 0 for position in last) + 1


@transaction.atomic
def item_create(*, item: Item) -> Item:
    """Save a new lesson or quiz (module and content set) after its module's
    last item."""
    course_id = item.module.course_id
    _lock_course(course_id)
    item.display_order = _next_display_order(module_id=item.module_id)
    item.full_clean(exclude=["module", "display_order"], validate_unique=False)
    item.save()
    course_content_changed(course_ids=[course_id])
    return item


@transaction.atomic
def item_update(*, item: Item, data: dict[str, Any]) -> Item:
    """Change a lesson's or quiz's own fields (title, type, content)."""
    _update_fields(item, data, ITEM_UPDATE_FIELDS)
    course_content_changed(course_ids=[item.module.course_id])
    return item


@transaction.atomic
def item_delete(*, item: Item) -> None:
    """Delete a lesson or quiz (and learners' progress on it); the module's
    other items close the gap."""
    module = item.module
    _lock_course(module.course_id)
    item.delete()
    _renumber_items(module_id=module.pk)
    course_content_changed(course_ids=[module.course_id])


@transaction.atomic
def module_reorder_items(*, module: Module, items: Sequence[Item]) -> None:
    """Give the module's lessons and activities display orders 1..n, one sequence
    shared by both, in the order given. `items` must be exactly the module's items."""
    _lock_course(module.course_id)
    current = module_items(module_id=module.pk)
    if sorted(item.key for item in items) != sorted(item.key for item in current):
        raise ValueError("the new order must list each of the module's items once")
    _write_item_order(module_id=module.pk, current=current, items=items)
    course_content_changed(course_ids=[module.course_id])


def _write_item_order(*, module_id: int, current: Sequence[Item], items: Sequence[Item]) -> None:
    """Number `items` 1..n, one sequence over both tables. The caller holds the
    course lock and has checked that `items` are the module's `current` items."""
    offset = max([*(item.display_order for item in current), len(items)]) + 1
    for model in (Lesson, Activity):
        model.objects.filter(module_id=module_id).update(display_order=F("display_order") + offset)
    for position, item in enumerate(items, start=1):
        type(item).objects.filter(pk=item.pk).update(display_order=position)


def _renumber_items(*, module_id: int) -> None:
    """Close gaps in a module's item order (the caller holds the course lock)."""
    items = module_items(module_id=module_id)
    _write_item_order(module_id=module_id, current=items, items=items)


@transaction.atomic
def item_move(*, item: Item, steps: int = 0, to_module: Module | None = None) -> None:
    """Move a lesson or quiz `steps` places (negative: earlier) within its
    module's one sequence, stopping at either end; or, with `to_module`, to the
    end of another module of the same course. Items are renumbered 1..n."""
    source = item.module
    _lock_course(source.course_id)
    if to_module is not None and to_module.pk != source.pk:
        if to_module.course_id != source.course_id:
            raise ValueError("an item moves only between modules of the same course")
        type(item).objects.filter(pk=item.pk).update(
            module=to_module, display_order=_next_display_order(module_id=to_module.pk)
        )
        _renumber_items(module_id=source.pk)
    else:
        items = module_items(module_id=source.pk)
        index = [other.key for other in items].index(item.key)
        _write_item_order(module_id=source.pk, current=items, items=_moved(items, index, steps))
    course_content_changed(course_ids=[source.course_id])


def _moved(sequence: list, index: int, steps: int) -> list:
    """`sequence` with its element at `index` moved `steps` places, stopping at
    either end."""
    moved = list(sequence)
    target = max(0, min(len(moved) - 1, index + steps))
    moved.insert(target, moved.pop(index))
    return moved
