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

from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from athena.memo import LocalLRU
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

    This process keeps the outlines it last used, each filed under the
    course's `content_version`, which every write to the course moves on in
    its own transaction (courses.services.course_content_changed). One query
    reads the versions now in the database; an outline kept under the same
    version is exactly what the database holds and is used as it is (no
    unpickling, no further query); the others are read in four queries
    together and kept. A change made by any process is therefore seen by
    every process's next page, whatever the cache backend."""
    current = _current_versions(course_ids)
    outlines = {}
    for course_id, version in current.items():
        entry = LOCAL_OUTLINES.get(course_id)
        if entry is not None and entry[0] == version:
            outlines[course_id] = entry[1]
    unread = [course_id for course_id in current if course_id not in outlines]
    if unread:
        for course_id, course in _read_outlines(unread).items():
            # Filed under the version read before the outline: if a write
            # committed in between, this entry is already retired.
            LOCAL_OUTLINES.put(course_id, (current[course_id], course))
            outlines[course_id] = course
    return outlines


# Outlines this process has used, by course id: (content version, course).
LOCAL_OUTLINES = LocalLRU(500)


def _by_ids(queryset: QuerySet[Course], course_ids: list[int]) -> QuerySet[Course]:
    # One id (a page's URL, which may hold any number) goes through an exact
    # lookup: Django answers it with nothing for a number past the column's
    # range, where an IN lookup would fail.
    if len(course_ids) == 1:
        return queryset.filter(pk=course_ids[0])
    return queryset.filter(pk__in=course_ids)


def _current_versions(course_ids: list[int]) -> dict[int, int]:
    """The content version of each of `course_ids` that exists: one query."""
    if not course_ids:
        return {}
    rows = _by_ids(Course.objects.order_by(), course_ids).values_list("pk", "content_version")
    return dict(rows)


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
    the next page showing it, while the course is unchanged, reads no row."""
    LOCAL_ITEMS.put(key, (course, item))


def _read_outlines(course_ids: list[int]) -> dict[int, Course]:
    return {
        course.pk: course for course in _by_ids(Course.objects.with_outline_titles(), course_ids)
    }


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
