"""The course outline: every module, lesson and quiz of a course, read from
the caches, and as HTML rendered once per course and stamped per learner.

As HTML the outline is some sixty links and as many `reverse()` calls, the
costliest part of a learner's page. All of it is the same for every learner
except four marks: what they have completed, which item and module they are
on. So the tree is rendered once per course and content version (with the
outline this process keeps), with a marker where each of those marks goes,
and each page fills the markers in with one regular-expression pass.

Markers are HTML comments: `<!--outline:done-mark:lesson:12-->`. Nothing a course
author writes can forge one, because titles are escaped (`<` becomes `&lt;`).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from athena.memo import LocalLRU
from athena.pagecache import content_version, versioned_get_many, versioned_set_many
from courses.models import Course

TREE_TEMPLATE = "includes/_outline_tree.html"
_MARKER = re.compile(r"<!--outline:([a-z-]+):([a-z0-9:]+)-->")
_DONE = (
    ' <span class="outline__done" title="Completed"><span aria-hidden="true">✓</span>'
    '<span class="visually-hidden">(completed)</span></span>'
)


def course_outlines(course_ids: list[int]) -> dict[int, Course]:
    """`Course.objects.with_outline_titles()` for each of `course_ids` that
    exists, by id: the course with its modules, lessons and quizzes (titles,
    order, ids), as the learner pages read them. Who may see each course is
    the caller's to decide. The courses returned are shared: read them, never
    change them.

    The outline is content: with OUTLINE_CACHE_SECONDS set it is kept under the
    content version (athena.pagecache), which every content edit moves on, in
    two places. This process keeps the outlines it last used, so a page that
    finds its course there costs one cache round trip (the version) and no
    unpickling (about 1 ms an outline); the rest come from the shared cache in
    one more round trip, and those not there from four queries together."""
    timeout = settings.OUTLINE_CACHE_SECONDS
    if not timeout:
        return _read_outlines(course_ids)
    outlines = _local_outlines(course_ids, version=content_version())
    missing = [course_id for course_id in course_ids if course_id not in outlines]
    if not missing:
        return outlines
    keys = {course_id: f"courses:outline:{course_id}" for course_id in missing}
    version, found = versioned_get_many(list(keys.values()))
    shared = {course_id: found[key] for course_id, key in keys.items() if key in found}
    unread = [course_id for course_id in missing if course_id not in shared]
    if unread:
        read = _read_outlines(unread)
        versioned_set_many(
            {keys[course_id]: course for course_id, course in read.items()},
            version=version,
            timeout=timeout,
        )
        shared.update(read)
    _remember_outlines(shared, version=version)
    return outlines | shared


# Outlines this process has used, by course id: (content version, course).
LOCAL_OUTLINES = LocalLRU(200)


def _local_outlines(course_ids: list[int], *, version: str) -> dict[int, Course]:
    found = {}
    for course_id in course_ids:
        entry = LOCAL_OUTLINES.get(course_id)
        if entry is not None and entry[0] == version:
            found[course_id] = entry[1]
    return found


def _remember_outlines(outlines: dict[int, Course], *, version: str) -> None:
    for course_id, course in outlines.items():
        LOCAL_OUTLINES.put(course_id, (version, course))


# Lessons and quizzes (content included) this process has shown, by model
# and id: (the outline they were shown with, the item). An item is only taken
# with that very outline object, so a new content version (a new outline)
# retires it. Bounded by count, apart from the outlines: a lesson is some
# kilobytes.
LOCAL_ITEMS = LocalLRU(1000)


def kept_item(course: Course, key: tuple[str, int]) -> Any:
    """The lesson or quiz `keep_item` kept under `key` with this `course`
    object (a kept outline), or None."""
    entry = LOCAL_ITEMS.get(key)
    return entry[1] if entry is not None and entry[0] is course else None


def keep_item(course: Course, key: tuple[str, int], item: Any) -> None:
    """Keep the page's lesson or quiz with the outline it was read under, so
    the next page showing it reads no row (outline cache on only: without it
    every outline is new)."""
    if settings.OUTLINE_CACHE_SECONDS:
        LOCAL_ITEMS.put(key, (course, item))


def _read_outlines(course_ids: list[int]) -> dict[int, Course]:
    courses = Course.objects.with_outline_titles()
    # One id (a page's URL, which may hold any number) goes through an exact
    # lookup: Django answers it with nothing for a number past the column's
    # range, where an IN lookup would fail.
    if len(course_ids) == 1:
        courses = courses.filter(pk=course_ids[0])
    else:
        courses = courses.filter(pk__in=course_ids)
    return {course.pk: course for course in courses}


def course_outline(*, course_id: int, user: Any) -> Course | None:
    """The course with its outline (`course_outlines`), or None when there is
    no such course or `user` may not see it (drafts are for staff), decided on
    every request, never cached."""
    course = course_outlines([course_id]).get(course_id)
    if course is None or not course.is_visible_to(user):
        return None
    return course


def outline_tree(course: Course, *, compact: bool) -> str:
    """The course's outline tree with markers in place of learner state.
    `course` comes with its outline (`course_outlines`); the tree is rendered
    once per course object, so once per outline this process keeps."""
    trees = course.__dict__.setdefault("_outline_trees", {})
    tree = trees.get(compact)
    if tree is None:
        tree = trees[compact] = render_to_string(
            TREE_TEMPLATE, {"course": course, "compact": compact}
        )
    return tree


def stamp_outline(
    tree: str,
    *,
    completed_keys: Collection[str],
    current_key: str | None = None,
    current_module_id: int | None = None,
) -> SafeString:
    """`tree` with one learner's marks: ticks on completed items, the current
    item as the page (`aria-current`), the current module open and marked."""
    current_module = str(current_module_id) if current_module_id is not None else None

    def mark(match: re.Match[str]) -> str:
        what, key = match.groups()
        if what == "done-class":
            return " is-complete" if key in completed_keys else ""
        if what == "done-mark":
            return _DONE if key in completed_keys else ""
        if what == "item-current":
            return ' aria-current="page"' if key == current_key else ""
        if what == "module-current":
            return " is-current" if key == current_module else ""
        if what == "module-open":
            return " open" if key == current_module else ""
        if what == "module-page":
            current = not current_key and key == current_module
            return ' aria-current="page"' if current else ""
        raise ValueError(f"unknown outline marker {what!r}")

    return mark_safe(_MARKER.sub(mark, tree))  # noqa: S308 - the template's escaped output
