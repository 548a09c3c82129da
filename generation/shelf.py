"""The course a generation run writes into, a module at a time.

The course is created with its first finished module (a draft, owned by the
requester, origin "generated"), holding every planned module: those not yet
written have no items, and its pages say "No lessons yet" for them. Each later
module gets its lessons and quizzes when it is finished and checked, in
course order, through the content service the admin's edits go through
(courses.services.module_fill): a learner reading the course sees it grow, a
change reaches every page at once, and what they open is always a valid
course. A run that fails keeps the course as far as it got; "Try again"
continues the same course (`CourseShelf.open`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction
from django.db.models import Count

from courses.documents import CourseSpec, ModuleSpec
from courses.models import Course, Module
from courses.services import course_import, module_fill


@dataclass(frozen=True)
class PlannedModule:
    title: str
    description: str


class CourseShelf:
    def __init__(
        self,
        *,
        owner: Any,
        course: Course | None = None,
        on_course: Callable[[Course], None] | None = None,
    ) -> None:
        """`course`: a draft an earlier run of the same plan began, to go on
        with; `on_course` is told of the course in the transaction that
        creates it."""
        self.owner = owner
        self.course = course
        self.on_course = on_course
        self.modules: list[Module] = []

    def open(self, planned: Sequence[PlannedModule]) -> set[int]:
        """Get ready to write `planned`; answer which of its modules (0-based)
        the course being continued has written already. A course that does
        not match the plan any more (modules added or removed, published,
        deleted) is not continued: a new one is begun."""
        if self.course is None:
            return set()
        modules = list(
            Module.objects.filter(course_id=self.course.pk, course__status=Course.Status.DRAFT)
            .annotate(lesson_count=Count("lessons", distinct=True))
            .annotate(activity_count=Count("activities", distinct=True))
            .order_by("module_order")
        )
        if len(modules) != len(planned):
            self.course = None
            return set()
        self.modules = modules
        return {
            index
            for index, module in enumerate(modules)
            if module.lesson_count or module.activity_count
        }

    @transaction.atomic
    def put(self, index: int, spec: CourseSpec, planned: Sequence[PlannedModule]) -> Course:
        """Module `index` (0-based) of `planned`, written and checked: `spec`
        is a document holding only that module (with the course's topic,
        description and preferences). The first one creates the course."""
        (module,) = spec.modules
        if self.course is not None:
            module_fill(module=self.modules[index], items=module.items)
            return self.course
        shells = [
            module if number == index else ModuleSpec(plan.title, plan.description, items=[])
            for number, plan in enumerate(planned)
        ]
        course = course_import(spec=replace(spec, modules=shells))
        Course.objects.filter(pk=course.pk).update(
            created_by=self.owner, origin=Course.Origin.GENERATED
        )
        course.created_by = self.owner
        course.origin = Course.Origin.GENERATED
        self.course = course
        self.modules = list(Module.objects.filter(course=course).order_by("module_order"))
        if self.on_course is not None:
            self.on_course(course)
        return course
