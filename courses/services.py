"""Writes on course content that span several rows or models."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from django.db import transaction
from django.db.models import Count, F, Max, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from courses.documents import (
    TITLE_MAX_LENGTH,
    CourseSpec,
    course_export,
    course_import,
    validate_document,
)
from courses.models import Activity, Course, Lesson, Module


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
    """Make `metadata.count` match the course's real content.

    The course row is locked so two concurrent edits cannot write stale counts."""
    course = Course.objects.select_for_update().only("metadata").filter(pk=course_id).first()
    if course is None:
        return
    counts = course_count_items(course_id=course_id)
    if course.metadata.get("count") == counts:
        return
    metadata = {**course.metadata, "count": counts}
    Course.objects.filter(pk=course_id).update(metadata=metadata)


def _lock_course(course_id: int) -> None:
    """Serialise structural edits of one course (reorders, appends)."""
    list(Course.objects.select_for_update().filter(pk=course_id).values_list("pk"))


@transaction.atomic
def course_reorder_modules(*, course: Course, modules: Sequence[Module]) -> None:
    """Give the course's modules `module_order` 1..n in the order given.

    `modules` must be exactly the course's modules."""
    _lock_course(course.pk)
    current = {module.pk: module.module_order for module in Module.objects.filter(course=course)}
    wanted = [module.pk for module in modules]
    if sorted(wanted) != sorted(current):
        raise ValueError("the new order must list each of the course's modules once")
    # Move every row past the current range first, so no two rows ever share a
    # position while the unique constraint is checked row by row.
    offset = max([*current.values(), len(wanted)]) + 1
    Module.objects.filter(course=course).update(module_order=F("module_order") + offset)
    for position, module_id in enumerate(wanted, start=1):
        Module.objects.filter(pk=module_id).update(module_order=position)


@transaction.atomic
def module_reorder_items(*, module: Module, items: Sequence[Lesson | Activity]) -> None:
    """Give the module's lessons and activities display orders 1..n, one sequence
    shared by both, in the order given. `items` must be exactly the module's items."""
    _lock_course(module.course_id)
    current = module_items(module_id=module.pk)
    if sorted(item.key for item in items) != sorted(item.key for item in current):
        raise ValueError("the new order must list each of the module's items once")
    offset = max([*(item.display_order for item in current), len(items)]) + 1
    for model in (Lesson, Activity):
        model.objects.filter(module=module).update(display_order=F("display_order") + offset)
    for position, item in enumerate(items, start=1):
        type(item).objects.filter(pk=item.pk).update(display_order=position)


def module_items(*, module_id: int) -> list[Lesson | Activity]:
    """A module's items from the database, in display order."""
    module = Module.objects.with_items().get(pk=module_id)
    return module.ordered_items()


def module_next_display_order(*, module_id: int) -> int:
    """The position after the module's last item, lessons and activities alike."""
    last = max(
        Lesson.objects.filter(module_id=module_id).aggregate(last=Max("display_order"))["last"]
        or 0,
        Activity.objects.filter(module_id=module_id).aggregate(last=Max("display_order"))["last"]
        or 0,
    )
    return last + 1


def course_next_module_order(*, course_id: int) -> int:
    last = Module.objects.filter(course_id=course_id).aggregate(last=Max("module_order"))["last"]
    return (last or 0) + 1


# Writes the admin needs: publication, duplication, imports and one-step moves.


@transaction.atomic
def course_publish(*, course_ids: Sequence[int]) -> int:
    """Publish the given courses; a course keeps the date it was first published.
    Answer how many changed state."""
    now = timezone.now()
    return (
        Course.objects.filter(pk__in=course_ids)
        .exclude(status=Course.Status.PUBLISHED)
        .update(
            status=Course.Status.PUBLISHED,
            published_at=Coalesce(F("published_at"), Value(now)),
            updated_at=now,
        )
    )


@transaction.atomic
def course_unpublish(*, course_ids: Sequence[int]) -> int:
    """Turn the given courses back into drafts; answer how many changed state."""
    return (
        Course.objects.filter(pk__in=course_ids)
        .exclude(status=Course.Status.DRAFT)
        .update(status=Course.Status.DRAFT, updated_at=timezone.now())
    )


@transaction.atomic
def course_import_documents(*, specs: Sequence[CourseSpec]) -> list[Course]:
    """Import several validated documents as drafts: all of them or none."""
    return [course_import(spec=spec) for spec in specs]


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
    return copy


@transaction.atomic
def course_move_module(*, module: Module, steps: int) -> None:
    """Move a module `steps` places (negative: earlier) within its course,
    stopping at either end; the course's modules are renumbered 1..n."""
    _lock_course(module.course_id)
    modules = list(Module.objects.filter(course_id=module.course_id))
    index = [other.pk for other in modules].index(module.pk)
    course_reorder_modules(course=module.course, modules=_moved(modules, index, steps))


@transaction.atomic
def module_move_item(*, item: Lesson | Activity, steps: int) -> None:
    """Move a lesson or activity `steps` places (negative: earlier) within the
    module's one sequence, stopping at either end; items are renumbered 1..n."""
    _lock_course(item.module.course_id)
    items = module_items(module_id=item.module_id)
    index = [other.key for other in items].index(item.key)
    module_reorder_items(module=item.module, items=_moved(items, index, steps))


@transaction.atomic
def course_renumber_modules(*, course_id: int) -> None:
    """Close gaps in a course's module order (after a deletion), keeping the order."""
    course = Course.objects.get(pk=course_id)
    course_reorder_modules(course=course, modules=list(Module.objects.filter(course=course)))


@transaction.atomic
def module_renumber_items(*, module_id: int) -> None:
    """Close gaps in a module's item sequence (after a deletion), keeping the order."""
    module = Module.objects.get(pk=module_id)
    module_reorder_items(module=module, items=module_items(module_id=module_id))


def _moved(sequence: list, index: int, steps: int) -> list:
    """`sequence` with its element at `index` moved `steps` places, stopping at
    either end."""
    moved = list(sequence)
    target = max(0, min(len(moved) - 1, index + steps))
    moved.insert(target, moved.pop(index))
    return moved


@transaction.atomic
def course_append_module(*, module: Module) -> Module:
    """Save a new module after the course's last one."""
    _lock_course(module.course_id)
    module.module_order = course_next_module_order(course_id=module.course_id)
    module.save()
    return module


@transaction.atomic
def module_append_item(*, item: Lesson | Activity) -> Lesson | Activity:
    """Save a new lesson or activity after the module's last item, in the one
    sequence both share."""
    _lock_course(item.module.course_id)
    item.display_order = module_next_display_order(module_id=item.module_id)
    item.save()
    return item
