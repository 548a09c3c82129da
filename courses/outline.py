"""The course outline as HTML: rendered once per course, stamped per learner.

The outline lists every module, lesson and quiz of a course with their links:
some sixty entries and as many `reverse()` calls, the costliest part of a
learner's page. All of it is the same for every learner except four marks: what
they have completed, which item and module they are on. So the tree is rendered
once per course and content version (kept in the shared cache beside the course
outline, retired by any content edit), with a marker where each of those marks
goes, and each page fills the markers in with one regular-expression pass.

Markers are HTML comments: `<!--outline:done:lesson:12-->`. Nothing a course
author writes can forge one, because titles are escaped (`<` becomes `&lt;`).
"""

from __future__ import annotations

import re
from collections.abc import Collection

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from athena.pagecache import versioned_get, versioned_set
from courses.models import Course

TREE_TEMPLATE = "includes/_outline_tree.html"
_MARKER = re.compile(r"<!--outline:([a-z-]+):([a-z0-9:]+)-->")
_DONE = (
    ' <span class="outline__done" title="Completed"><span aria-hidden="true">✓</span>'
    '<span class="visually-hidden">(completed)</span></span>'
)


def outline_tree(course: Course, *, compact: bool) -> str:
    """The course's outline tree with markers in place of learner state.
    `course` comes with its outline (`with_outline_titles()`)."""
    timeout = settings.OUTLINE_CACHE_SECONDS
    if not timeout:
        return render_to_string(TREE_TEMPLATE, {"course": course, "compact": compact})
    key = f"courses:outline-tree:{course.pk}:{'compact' if compact else 'full'}"
    version, tree = versioned_get(key)
    if tree is None:
        tree = render_to_string(TREE_TEMPLATE, {"course": course, "compact": compact})
        versioned_set(key, tree, version=version, timeout=timeout)
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
