"""Reads of a learner's place in a course: enrollment, completed items, resume
point, and the progress derived from the course's one ordered item sequence."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.db.models import CharField, F, Value
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from courses.models import Activity, Course, Lesson, Module
from enrollment.models import Enrollment, LessonCompletion, QuizAttempt, ResumePoint


@dataclass
class LearnerState:
    """What one learner has done in one course, read in a single query."""

    enrollment_id: int | None = None
    last_accessed_at: datetime | None = None
    completed_keys: set[str] = field(default_factory=set)
    resume_key: str | None = None

    @property
    def is_enrolled(self) -> bool:
        return self.enrollment_id is not None


# The learner's state in one course, as (tag, id, timestamp) rows. Written out
# rather than built with the ORM: it runs on every learner page, and building
# the five-part UNION cost more than the query itself (about 1.5 ms a page).
_LEARNER_STATE_SQL = f"""
SELECT 'enrollment', e.enrollment_id, e.last_accessed_at
  FROM {Enrollment._meta.db_table} e
 WHERE e.user_id = %s AND e.course_id = %s
UNION ALL
SELECT 'lesson', c.lesson_id, NULL
  FROM {LessonCompletion._meta.db_table} c
  JOIN {Lesson._meta.db_table} l ON l.lesson_id = c.lesson_id
  JOIN {Module._meta.db_table} m ON m.module_id = l.module_id
 WHERE c.user_id = %s AND m.course_id = %s
UNION ALL
SELECT 'activity', a.activity_id, NULL
  FROM {Activity._meta.db_table} a
  JOIN {Module._meta.db_table} m ON m.module_id = a.module_id
 WHERE m.course_id = %s AND EXISTS (
       SELECT 1 FROM {QuizAttempt._meta.db_table} q
        WHERE q.user_id = %s AND q.activity_id = a.activity_id AND q.is_correct)
UNION ALL
SELECT CASE WHEN r.lesson_id IS NULL THEN 'resume-activity' ELSE 'resume-lesson' END,
       COALESCE(r.lesson_id, r.activity_id), NULL
  FROM {ResumePoint._meta.db_table} r
 WHERE r.user_id = %s AND r.course_id = %s
   AND (r.lesson_id IS NOT NULL OR r.activity_id IS NOT NULL)
"""  # noqa: S608 - table names from the models, values as parameters


def _datetime(value: datetime | str) -> datetime:
    """A timestamp read without the ORM: SQLite hands it back naive (or as
    text), in UTC."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


def learner_state(*, user: Any, course_id: int) -> LearnerState:
    """Enrollment, completions and resume point of `user` in a course: one query."""
    state = LearnerState()
    if not getattr(user, "is_authenticated", False):
        return state
    user_id = user.pk
    params = [user_id, course_id, user_id, course_id, course_id, user_id, user_id, course_id]
    with connection.cursor() as cursor:
        cursor.execute(_LEARNER_STATE_SQL, params)
        rows = cursor.fetchall()
    for tag, object_id, at in rows:
        if tag == "enrollment":
            state.enrollment_id, state.last_accessed_at = object_id, _datetime(at)
        elif tag in ("lesson", "activity"):
            state.completed_keys.add(f"{tag}:{object_id}")
        else:
            state.resume_key = f"{tag.removeprefix('resume-')}:{object_id}"
    return state


def learner_states(*, user: Any, course_ids: list[int]) -> dict[int, LearnerState]:
    """Completions and resume points of `user` in each of `course_ids`: one
    query whatever their number (enrollment fields are left to the caller,
    who has read the enrollments)."""
    states = {course_id: LearnerState() for course_id in course_ids}
    if not course_ids:
        return states

    def tagged(queryset: Any, tag: str, id_field: str, course_field: str) -> Any:
        return (
            queryset.order_by()
            .annotate(row_tag=Value(tag, output_field=CharField()), row_course=F(course_field))
            .values_list("row_tag", id_field, "row_course")
        )

    rows = tagged(
        LessonCompletion.objects.filter(user=user, lesson__module__course_id__in=course_ids),
        "lesson",
        "lesson_id",
        "lesson__module__course_id",
    ).union(
        tagged(
            QuizAttempt.objects.filter(
                user=user, is_correct=True, activity__module__course_id__in=course_ids
            ),
            "activity",
            "activity_id",
            "activity__module__course_id",
        ),
        tagged(
            ResumePoint.objects.filter(user=user, course_id__in=course_ids, lesson__isnull=False),
            "resume-lesson",
            "lesson_id",
            "course_id",
        ),
        tagged(
            ResumePoint.objects.filter(user=user, course_id__in=course_ids, activity__isnull=False),
            "resume-activity",
            "activity_id",
            "course_id",
        ),
    )
    for tag, object_id, course_id in rows:
        state = states[course_id]
        if tag in ("lesson", "activity"):
            state.completed_keys.add(f"{tag}:{object_id}")
        else:
            state.resume_key = f"{tag.removeprefix('resume-')}:{object_id}"
    return states


@dataclass
class ModuleProgress:
    module: Module
    items: list[Lesson | Activity]
    completed: int

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def percent(self) -> int:
        return percent(self.completed, self.total)


@dataclass
class CourseProgress:
    course: Course
    state: LearnerState
    modules: list[ModuleProgress]
    next_up: Lesson | Activity | None
    resume: Lesson | Activity | None

    @property
    def is_enrolled(self) -> bool:
        return self.state.is_enrolled

    @property
    def completed_keys(self) -> set[str]:
        return self.state.completed_keys

    @property
    def total(self) -> int:
        return sum(module.total for module in self.modules)

    @property
    def completed(self) -> int:
        return sum(module.completed for module in self.modules)

    @property
    def percent(self) -> int:
        return percent(self.completed, self.total)

    @property
    def finished(self) -> bool:
        return finished(self.completed, self.total)

    @property
    def started(self) -> bool:
        return self.completed > 0 or self.resume is not None

    @property
    def continue_item(self) -> Lesson | Activity | None:
        """The one place to go on from: the item last opened unless it is done,
        else the first item not done; None once the course is finished."""
        if self.finished:
            return None
        if self.resume is not None and self.resume.key not in self.completed_keys:
            return self.resume
        return self.next_up

    @property
    def other_next_up(self) -> Lesson | Activity | None:
        """The first item not done, when it is not where Continue leads (a
        learner who skipped ahead): else None, so it is never offered twice."""
        going = self.continue_item
        if self.next_up is None or going is None or self.next_up.key == going.key:
            return None
        return self.next_up


def finished(completed: int, total: int) -> bool:
    """All of a non-empty sequence done."""
    return total > 0 and completed >= total


def percent(completed: int, total: int) -> int:
    """Whole percent, rounded down so 100 means truly all done."""
    return completed * 100 // total if total else 0


def course_progress(*, course: Course, state: LearnerState) -> CourseProgress:
    """Progress over the course's item sequence (prefetch with `with_outline()`).

    Completions of items that no longer exist cannot count: the sequence is
    the course as it is now."""
    modules = []
    next_up = resume = None
    for module in course.modules.all():
        items = module.ordered_items()
        done = 0
        for item in items:
            if item.key in state.completed_keys:
                done += 1
            elif next_up is None:
                next_up = item
            if item.key == state.resume_key:
                resume = item
        modules.append(ModuleProgress(module=module, items=items, completed=done))
    return CourseProgress(
        course=course,
        state=state,
        modules=modules,
        next_up=next_up,
        resume=resume,
    )
