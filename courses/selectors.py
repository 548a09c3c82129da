"""Reads of the catalog shared by pages: the home page's shelves.

Trending aggregates a month of learner activity, so its ids are cached for a
few minutes; the rows themselves are read fresh (a course unpublished since is
left out) and the shelves are topped up from the newest courses when there is
too little activity to fill them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from athena.pagecache import CONTENT_VERSION_KEY
from courses.models import Course, Module
from enrollment.selectors import trending_module_ids

TRENDING_DAYS = 30
TRENDING_CACHE_KEY = "courses:trending-ids"
TRENDING_MODULES_CACHE_KEY = "courses:trending-module-ids"
TRENDING_CACHE_SECONDS = 5 * 60
HOME_SHELF_SIZE = 6


def newest_courses(*, limit: int = HOME_SHELF_SIZE) -> list[Course]:
    """The most recently created published courses: one query."""
    return list(Course.objects.published().order_by("-created_at", "-course_id")[:limit])


def trending_course_ids() -> list[int]:
    """The busiest published courses of the last TRENDING_DAYS, best first
    (uncached: `trending_courses` caches it)."""
    since = timezone.now() - timedelta(days=TRENDING_DAYS)
    return list(
        Course.objects.published()
        .trending(since=since)
        .values_list("pk", flat=True)[:HOME_SHELF_SIZE]
    )


def trending_courses(*, fallback: list[Course]) -> list[Course]:
    """The busiest published courses of the last TRENDING_DAYS (ids cached for a
    few minutes), topped up with `fallback` courses not already shown."""
    course_ids = cache.get_or_set(TRENDING_CACHE_KEY, trending_course_ids, TRENDING_CACHE_SECONDS)
    by_id = Course.objects.published().in_bulk(course_ids) if course_ids else {}
    chosen = [by_id[course_id] for course_id in course_ids if course_id in by_id]
    if len(chosen) < HOME_SHELF_SIZE:
        # Too little activity yet: fill the shelf with the fallback courses.
        seen = {course.pk for course in chosen}
        chosen += [course for course in fallback if course.pk not in seen]
    return chosen[:HOME_SHELF_SIZE]


def trending_modules(*, fallback: list[Course]) -> list[Module]:
    """The modules most learners worked in over the last TRENDING_DAYS (ids
    cached for a few minutes), topped up with the opening modules of `fallback`."""
    module_ids = cache.get_or_set(
        TRENDING_MODULES_CACHE_KEY,
        lambda: trending_module_ids(
            since=timezone.now() - timedelta(days=TRENDING_DAYS), limit=HOME_SHELF_SIZE
        ),
        TRENDING_CACHE_SECONDS,
    )
    by_id = (
        Module.objects.filter(course__status=Course.Status.PUBLISHED)
        .select_related("course")
        .only("module_id", "title", "module_order", "course__course_id", "course__topic")
        .in_bulk(module_ids)
        if module_ids
        else {}
    )
    chosen = [by_id[module_id] for module_id in module_ids if module_id in by_id]
    if len(chosen) < HOME_SHELF_SIZE:
        seen = {module.pk for module in chosen}
        chosen += [module for module in opening_modules(fallback) if module.pk not in seen]
    return chosen[:HOME_SHELF_SIZE]


def opening_modules(courses: list[Course], *, per_course: int = 2) -> list[Module]:
    """The first `per_course` modules of each of `courses`, in the courses'
    order, at most a shelf of them: one query."""
    by_pk = {course.pk: course for course in courses}
    chosen: dict[int, list[Module]] = {pk: [] for pk in by_pk}
    for module in Module.objects.filter(course__in=courses).only(
        "module_id", "course_id", "title", "module_order"
    ):
        if len(chosen[module.course_id]) < per_course:
            module.course = by_pk[module.course_id]
            chosen[module.course_id].append(module)
    return [module for pk in by_pk for module in chosen[pk]][:HOME_SHELF_SIZE]


def course_outline(*, course_id: int, user: Any) -> Course | None:
    """`Course.objects.visible_to(user).with_outline_titles()` for one course:
    the course with its modules, lessons and quizzes (titles, order, ids), as
    the course, module, lesson and quiz pages read it, or None.

    The outline is content: with OUTLINE_CACHE_SECONDS set it is kept in the
    shared cache under the content version (athena.pagecache), which every
    content edit moves on, so a learner's page reads it in one cache round trip
    instead of four queries. Who may see it (drafts are for staff) is decided
    on every request, never cached."""
    timeout = settings.OUTLINE_CACHE_SECONDS
    if not timeout:
        return Course.objects.visible_to(user).with_outline_titles().filter(pk=course_id).first()
    key = f"courses:outline:{course_id}"
    found = cache.get_many([CONTENT_VERSION_KEY, key])
    version = found.get(CONTENT_VERSION_KEY) or "0"
    stored = found.get(key)
    if stored is not None and stored[0] == version:
        course = stored[1]
    else:
        course = Course.objects.with_outline_titles().filter(pk=course_id).first()
        cache.set(key, (version, course), timeout)
    if course is None or not (course.is_published or getattr(user, "is_staff", False)):
        return None
    return course
