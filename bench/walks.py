"""The benchmark's learner walk: the pages each walking learner has not seen yet.

Walkers are learners named `bench-walker-<n>` (manage.py seed_catalog
--walkers). A walk only goes forward: through the walker's courses in the order
they enrolled, through each course in reading order (the course's own item
sequence, as navigation follows it). The resume point is the last item a learner
opened in a course, so every item after it is one they have not viewed, and a
walk picks up there: in the next load, the next catalog size or the next run on
a kept database.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from courses.models import Course
from enrollment.models import Enrollment, ResumePoint

WALKER_PREFIX = "bench-walker-"
# Courses read per query: far below SQLite's limit on an IN list.
CHUNK = 500


def walker_name(number: int) -> str:
    return f"{WALKER_PREFIX}{number}"


def _outlines(course_ids: list[int]) -> Iterator[Course]:
    for start in range(0, len(course_ids), CHUNK):
        chunk = course_ids[start : start + CHUNK]
        by_id = {
            course.pk: course
            for course in Course.objects.filter(pk__in=chunk).with_outline_titles()
        }
        yield from (by_id[course_id] for course_id in chunk if course_id in by_id)


def walk_paths(user: Any) -> list[str]:
    """The URLs of the lesson and quiz pages ahead of `user` on their walk, in
    the order they are to be opened."""
    course_ids = list(
        Enrollment.objects.filter(user=user)
        .order_by("enrollment_id")
        .values_list("course_id", flat=True)
    )
    resumed = {
        course_id: f"lesson:{lesson_id}" if lesson_id else f"activity:{activity_id}"
        for course_id, lesson_id, activity_id in ResumePoint.objects.filter(
            user=user, course_id__in=course_ids
        ).values_list("course_id", "lesson_id", "activity_id")
        if lesson_id or activity_id
    }
    paths: list[str] = []
    for course in _outlines(course_ids):
        items = course.ordered_items()
        keys = [item.key for item in items]
        start = keys.index(resumed[course.pk]) + 1 if resumed.get(course.pk) in keys else 0
        paths += [item.get_absolute_url() for item in items[start:]]
    return paths
