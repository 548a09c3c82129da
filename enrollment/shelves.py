"""The home page's shelves: a learner's courses, trending and newest ones.

Trending aggregates a month of learner activity, so its ids are cached for a
few minutes; the rows themselves are read fresh (a course unpublished since is
left out). The shelves never repeat a course: in order of priority, a
learner's own unfinished courses ("Continue learning"), the trending courses,
then the newest of the rest. Trending shelves show real activity only, so a
quiet site shows its newest courses once, not twice."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from courses.models import Course, Module
from enrollment.selectors import DashboardRow, dashboard_rows, trending_module_ids

TRENDING_DAYS = 30
TRENDING_CACHE_KEY = "courses:trending-ids"
TRENDING_MODULES_CACHE_KEY = "courses:trending-module-ids"
TRENDING_CACHE_SECONDS = 5 * 60
HOME_SHELF_SIZE = 6
# Newest courses read to fill a shelf after dropping those shown above it.
NEWEST_POOL = 3 * HOME_SHELF_SIZE
# Recent enrollments read for "Continue learning" (finished ones are dropped).
CONTINUE_POOL = 2 * HOME_SHELF_SIZE


@dataclass
class HomeShelves:
    continue_learning: list[DashboardRow] = field(default_factory=list)
    trending_courses: list[Course] = field(default_factory=list)
    trending_modules: list[Module] = field(default_factory=list)
    newest_courses: list[Course] = field(default_factory=list)


def home_shelves(*, user: Any) -> HomeShelves:
    """The home page's shelves, no course on two of them. Anonymous: the newest
    courses and the trending ids and rows (cached ids: one query each when the
    cache is cold). A learner with enrollments adds the three queries of
    `dashboard_rows`, one without them adds one."""
    shelves = HomeShelves()
    shown: set[int] = set()
    if getattr(user, "is_authenticated", False):
        shelves.continue_learning = [
            row for row in dashboard_rows(user=user, limit=CONTINUE_POOL) if not row.finished
        ][:HOME_SHELF_SIZE]
        shown.update(row.course.pk for row in shelves.continue_learning)
    shelves.trending_courses = [course for course in trending_courses() if course.pk not in shown]
    shown.update(course.pk for course in shelves.trending_courses)
    shelves.trending_modules = trending_modules()
    shelves.newest_courses = [
        course for course in newest_courses(limit=NEWEST_POOL) if course.pk not in shown
    ][:HOME_SHELF_SIZE]
    return shelves


def newest_courses(*, limit: int = HOME_SHELF_SIZE) -> list[Course]:
    """The most recently created published courses: one query."""
    return list(
        Course.objects.published().for_cards().order_by("-created_at", "-course_id")[:limit]
    )


def trending_course_ids() -> list[int]:
    """The busiest published courses of the last TRENDING_DAYS, best first
    (uncached: `trending_courses` caches it)."""
    since = timezone.now() - timedelta(days=TRENDING_DAYS)
    return list(
        Course.objects.published()
        .trending(since=since)
        .values_list("pk", flat=True)[:HOME_SHELF_SIZE]
    )


def trending_courses() -> list[Course]:
    """The busiest published courses of the last TRENDING_DAYS (ids cached for a
    few minutes)."""
    course_ids = cache.get_or_set(TRENDING_CACHE_KEY, trending_course_ids, TRENDING_CACHE_SECONDS)
    by_id = Course.objects.published().for_cards().in_bulk(course_ids) if course_ids else {}
    return [by_id[course_id] for course_id in course_ids if course_id in by_id]


def trending_modules() -> list[Module]:
    """The modules most learners worked in over the last TRENDING_DAYS (ids
    cached for a few minutes)."""
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
    return [by_id[module_id] for module_id in module_ids if module_id in by_id]
