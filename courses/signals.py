"""Keep `courses.metadata.count` true after any change to modules and items,
whichever path made it (services, admin, shell).

Bulk writes (`bulk_create`, `QuerySet.update`) send no signals: code that uses
them calls `course_refresh_counts` itself, as the importer does."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django.db.models.signals import post_delete, post_init, post_save, pre_delete
from django.dispatch import receiver

from courses.models import Activity, Course, Lesson, Module
from courses.services import course_refresh_counts

# Parents being deleted right now: their children's deletions need no recount,
# the parent's own deletion does it once.
_deleting: ContextVar[frozenset[tuple[str, int]]] = ContextVar("deleting", default=frozenset())


def _mark_deleting(key: tuple[str, int]) -> None:
    _deleting.set(_deleting.get() | {key})


def _unmark_deleting(key: tuple[str, int]) -> bool:
    """Forget `key`; answer whether it was marked."""
    marked = _deleting.get()
    _deleting.set(marked - {key})
    return key in marked


def _is_deleting(key: tuple[str, int]) -> bool:
    return key in _deleting.get()


@receiver(post_init, sender=Module)
@receiver(post_init, sender=Lesson)
@receiver(post_init, sender=Activity)
def remember_parent(sender: type, instance: Any, **kwargs: Any) -> None:
    """Note the parent an object was loaded with, to recount both when it moves."""
    parent_field = "course_id" if sender is Module else "module_id"
    instance._loaded_parent_id = getattr(instance, parent_field)


@receiver(pre_delete, sender=Course)
def course_deleting(sender: type, instance: Course, **kwargs: Any) -> None:
    _mark_deleting(("course", instance.pk))


@receiver(post_delete, sender=Course)
def course_deleted(sender: type, instance: Course, **kwargs: Any) -> None:
    _unmark_deleting(("course", instance.pk))


@receiver(pre_delete, sender=Module)
def module_deleting(sender: type, instance: Module, **kwargs: Any) -> None:
    _mark_deleting(("module", instance.pk))


@receiver(post_save, sender=Module)
def module_saved(sender: type, instance: Module, created: bool, **kwargs: Any) -> None:
    moved_from = getattr(instance, "_loaded_parent_id", None)
    if created or moved_from != instance.course_id:
        course_refresh_counts(course_id=instance.course_id)
        if moved_from and moved_from != instance.course_id:
            course_refresh_counts(course_id=moved_from)
    instance._loaded_parent_id = instance.course_id


@receiver(post_delete, sender=Module)
def module_deleted(sender: type, instance: Module, **kwargs: Any) -> None:
    _unmark_deleting(("module", instance.pk))
    if not _is_deleting(("course", instance.course_id)):
        course_refresh_counts(course_id=instance.course_id)


def _course_id_of_module(module_id: int) -> int | None:
    return Module.objects.filter(pk=module_id).values_list("course_id", flat=True).first()


@receiver(post_save, sender=Lesson)
@receiver(post_save, sender=Activity)
def item_saved(sender: type, instance: Lesson | Activity, created: bool, **kwargs: Any) -> None:
    moved_from = getattr(instance, "_loaded_parent_id", None)
    if created or moved_from != instance.module_id:
        course_refresh_counts(course_id=instance.module.course_id)
        if moved_from and moved_from != instance.module_id:
            old_course_id = _course_id_of_module(moved_from)
            if old_course_id and old_course_id != instance.module.course_id:
                course_refresh_counts(course_id=old_course_id)
    instance._loaded_parent_id = instance.module_id


@receiver(post_delete, sender=Lesson)
@receiver(post_delete, sender=Activity)
def item_deleted(sender: type, instance: Lesson | Activity, **kwargs: Any) -> None:
    if _is_deleting(("module", instance.module_id)):
        return
    course_id = _course_id_of_module(instance.module_id)
    if course_id is not None and not _is_deleting(("course", course_id)):
        course_refresh_counts(course_id=course_id)
