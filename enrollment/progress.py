"""Reads of a learner's place in a course: enrollment, completed items, resume
point, and the progress derived from the course's one ordered item sequence."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from courses.models import Activity, Course, Lesson, Module
from enrollment.models import (
    Enrollment,
    LessonCompletion,
    QuizAttempt,
    ResumePoint,
    ReviewItem,
)


@dataclass
class LearnerState:
    """What one learner has done in one course, read in a single query."""

    enrollment_id: int | None = None
    last_accessed_at: datetime | None = None
    completed_keys: set[str] = field(default_factory=set)
    resume_key: str | None = None
    # The quizzes on the learner's review schedule: their keys and when each
    # is next due (None: mastered).
    review_due: dict[str, datetime | None] = field(default_factory=dict)

    @property
    def is_enrolled(self) -> bool:
        return self.enrollment_id is not None

    def reviews_due(self, now: datetime | None = None) -> int:
        """How many questions of the course are due for review now."""
        now = now or timezone.now()
        return sum(due is not None and due <= now for due in self.review_due.values())


def _learner_state_sql(course_count: int) -> str:
    """The learner's state in `course_count` courses as (tag, id, timestamp,
    course id) rows; parameters: the user's id, then the course ids, five times.

    Written out rather than built with the ORM: it runs on every learner page,
    and building the four-part UNION cost more than the query itself (about
    1.5 ms a page). Correct answers are looked up per quiz of the courses, so
    a learner's thousands of attempts are never read row by row."""
    courses = ", ".join(["%s"] * course_count)
    return f"""
SELECT 'enrollment', e.enrollment_id, e.last_accessed_at, e.course_id
  FROM {Enrollment._meta.db_table} e
 WHERE e.user_id = %s AND e.course_id IN ({courses})
UNION ALL
SELECT 'lesson', c.lesson_id, NULL, m.course_id
  FROM {LessonCompletion._meta.db_table} c
  JOIN {Lesson._meta.db_table} l ON l.lesson_id = c.lesson_id
  JOIN {Module._meta.db_table} m ON m.module_id = l.module_id
 WHERE c.user_id = %s AND m.course_id IN ({courses})
UNION ALL
SELECT 'activity', a.activity_id, NULL, m.course_id
  FROM {Activity._meta.db_table} a
  JOIN {Module._meta.db_table} m ON m.module_id = a.module_id
 WHERE (SELECT TRUE FROM {QuizAttempt._meta.db_table} q
         WHERE q.user_id = %s AND q.activity_id = a.activity_id AND q.is_correct
         LIMIT 1)
   AND m.course_id IN ({courses})
UNION ALL
SELECT CASE WHEN r.lesson_id IS NULL THEN 'resume-activity' ELSE 'resume-lesson' END,
       COALESCE(r.lesson_id, r.activity_id), NULL, r.course_id
  FROM {ResumePoint._meta.db_table} r
 WHERE r.user_id = %s AND r.course_id IN ({courses})
   AND (r.lesson_id IS NOT NULL OR r.activity_id IS NOT NULL)
UNION ALL
SELECT 'review', v.activity_id, v.due_at, m.course_id
  FROM {ReviewItem._meta.db_table} v
  JOIN {Activity._meta.db_table} a ON a.activity_id = v.activity_id
  JOIN {Module._meta.db_table} m ON m.module_id = a.module_id
 WHERE v.user_id = %s AND m.course_id IN ({courses})
"""  # noqa: S608 - table names from the models, values as parameters


def _datetime(value: datetime | str) -> datetime:
    """A timestamp read without the ORM: SQLite hands it back naive (or as
    text), in UTC."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


def learner_states(*, user: Any, course_ids: list[int]) -> dict[int, LearnerState]:
    """Enrollment, completions, resume point and review schedule of `user`
    in each of `course_ids`: one query whatever their number."""
    states = {course_id: LearnerState() for course_id in course_ids}
    if not course_ids or not getattr(user, "is_authenticated", False):
        return states
    params = [user.pk, *course_ids] * 5
    with connection.cursor() as cursor:
        cursor.execute(_learner_state_sql(len(course_ids)), params)
        rows = cursor.fetchall()
    for tag, object_id, at, course_id in rows:
        state = states[course_id]
        if tag == "enrollment":
            state.enrollment_id, state.last_accessed_at = object_id, _datetime(at)
        elif tag == "review":
            state.review_due[f"activity:{object_id}"] = _datetime(at) if at else None
        elif tag in ("lesson", "activity"):
            state.completed_keys.add(f"{tag}:{object_id}")
        else:
            state.resume_key = f"{tag.removeprefix('resume-')}:{object_id}"
    return states


def learner_state(*, user: Any, course_id: int) -> LearnerState:
    """Enrollment, completions and resume point of `user` in a course: one query."""
    return learner_states(user=user, course_ids=[course_id])[course_id]


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


class CourseProgress:
    """A learner's progress over the course's item sequence. Worked out from
    the items' keys; the module and item objects are only made for what a
    page asks for (a lesson page shows no module's progress)."""

    def __init__(self, *, course: Course, state: LearnerState) -> None:
        self.course = course
        self.state = state

    @cached_property
    def modules(self) -> list[ModuleProgress]:
        done = self.state.completed_keys
        return [
            ModuleProgress(
                module=module,
                items=module.ordered_items(),
                completed=sum(item.key in done for item in module.ordered_items()),
            )
            for module in self.course.outline_modules()
        ]

    @property
    def is_enrolled(self) -> bool:
        return self.state.is_enrolled

    @property
    def completed_keys(self) -> set[str]:
        return self.state.completed_keys

    @property
    def total(self) -> int:
        return len(self.course.item_keys())

    @property
    def review_count(self) -> int:
        """Questions of the course on the learner's review schedule, mastered ones too."""
        return len(self.state.review_due)

    @cached_property
    def reviews_due(self) -> int:
        """Questions of the course due for review now."""
        return self.state.reviews_due()

    @cached_property
    def completed(self) -> int:
        # Completions of items that no longer exist cannot count.
        return sum(key in self.state.completed_keys for key in self.course.item_keys())

    @property
    def percent(self) -> int:
        return percent(self.completed, self.total)

    @property
    def finished(self) -> bool:
        return finished(self.completed, self.total)

    @cached_property
    def next_up(self) -> Lesson | Activity | None:
        """The first item not done."""
        done = self.state.completed_keys
        key = next((key for key in self.course.item_keys() if key not in done), None)
        return self.course.outline_item(key) if key is not None else None

    @cached_property
    def resume(self) -> Lesson | Activity | None:
        """The item last opened, while it is still in the course."""
        return self.course.outline_item(self.state.resume_key)

    @property
    def started(self) -> bool:
        return self.completed > 0 or self.resume is not None

    @property
    def may_rate(self) -> bool:
        """Who rates a course: a learner who finished it, or who left it
        having started it (a course given up on has something to say)."""
        return self.finished or (not self.is_enrolled and self.started)

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


def learner_progress(*, user: Any, course: Course) -> CourseProgress:
    """`user`'s progress in `course` (with its outline), their state read in one query."""
    return course_progress(course=course, state=learner_state(user=user, course_id=course.pk))


def course_progress(*, course: Course, state: LearnerState) -> CourseProgress:
    """Progress over the course's item sequence (`Course.item_keys`).

    Completions of items that no longer exist cannot count: the sequence is
    the course as it is now."""
    return CourseProgress(course=course, state=state)
