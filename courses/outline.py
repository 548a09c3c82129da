"""The course outline: every module, lesson and quiz of a course, stored on
the course's row by the services that write them, and as HTML made once per
course and stamped per learner.

As HTML the outline is some sixty links, the costliest part of a learner's
page. All of it is the same for every learner except four marks: what they
have completed, which item and module they are on. So the tree is made once
per course and content version (with the outline this process keeps), with a
marker where each of those marks goes,
and each page fills the markers in with one regular-expression pass.

Markers are HTML comments: `<!--outline:done-mark:lesson:12-->`. Nothing a course
author writes can forge one, because titles are escaped (`<` becomes `&lt;`).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from html import escape
from typing import Any

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from athena.links import page_url_format
from athena.memo import LocalLRU
from courses.models import Activity, Course, Lesson, Module, page_rows

_MARKER = re.compile(r"<!--outline:([a-z-]+):([a-z0-9:]+)-->")


def _done() -> str:
    """The tick on a completed item, in the active language."""
    title, hidden = escape(_("Completed")), escape(_("(completed)"))
    return (
        f' <span class="outline__done" title="{title}">'
        '<span aria-hidden="true">✓</span>'
        f'<span class="visually-hidden">{hidden}</span></span>'
    )


def outline_documents(
    course_ids: list[int],
    *,
    module_model: Any = Module,
    lesson_model: Any = Lesson,
    activity_model: Any = Activity,
) -> dict[int, dict[str, Any]]:
    """What `Course.outline` stores for each of `course_ids`: its modules in
    order (id, title, description) with their items in order (kind, id,
    title), read in three queries whatever the number of courses. The model
    arguments let a migration pass its historical models."""
    documents: dict[int, dict[str, Any]] = {course_id: {"modules": []} for course_id in course_ids}
    if not course_ids:
        return documents
    modules = {}
    for module_id, course_id, title, description in (
        module_model.objects.filter(course_id__in=course_ids)
        .order_by("course_id", "module_order", "module_id")
        .values_list("module_id", "course_id", "title", "description")
    ):
        entry = {"id": module_id, "title": title, "description": description, "items": []}
        entry["order"] = len(documents[course_id]["modules"]) + 1
        documents[course_id]["modules"].append(entry)
        modules[module_id] = entry
    items = []
    for kind, model in (("lesson", lesson_model), ("activity", activity_model)):
        rows = model.objects.filter(module_id__in=modules).values_list(
            "module_id", "display_order", "pk", "title"
        )
        items += [(module_id, order, kind, pk, title) for module_id, order, pk, title in rows]
    # Module.ordered_items's order: display order, then kind and id.
    for module_id, _order, kind, pk, title in sorted(items, key=lambda row: row[:4]):
        modules[module_id]["items"].append([kind, pk, title])
    return documents


def course_outlines(course_ids: list[int]) -> dict[int, Course]:
    """Each of `course_ids` that exists, by id, with its outline
    (`Course.outline_modules`: modules, lessons and quizzes, titles and order),
    in one query. Who may see each course is the caller's to decide. The
    courses returned are shared: read them, never change them.

    The rows are read on every call, so a change committed by any process
    shows on the next page of every process, whatever the cache backend. What
    is worked out from a row (the outline's objects, its rendered tree) is
    kept in this process under the course's `content_version`, which every
    write to the course moves on in its own transaction
    (courses.services.course_content_changed), and used again while the row
    still has that version."""
    outlines = {}
    fresh = []
    for course in Course.objects.order_by().filter(pk__in=course_ids):
        entry = LOCAL_OUTLINES.get(course.pk)
        if entry is not None and entry[0] == course.content_version:
            outlines[course.pk] = entry[1]
        else:
            fresh.append(course)
            outlines[course.pk] = course
    _keep(fresh)
    return outlines


def _keep(fresh: list[Course]) -> None:
    """Keep courses just read for the next pages of this process. A row
    written round the services (a bulk loader) has no stored outline: it is
    worked out here, three queries for all of them."""
    unstored = [course for course in fresh if "modules" not in course.outline]
    documents = outline_documents([course.pk for course in unstored])
    for course in unstored:
        course.outline = documents[course.pk]
    for course in fresh:
        LOCAL_OUTLINES.put(course.pk, (course.content_version, course))


# Outlines this process has used, by course id: (content version, course).
LOCAL_OUTLINES = LocalLRU(2000)


@dataclass(frozen=True)
class CoursePage:
    """A learner page's course (with its outline, shared: never change it) and
    its lesson or quiz, None when the page asked for none or there is no such
    item in the module it named."""

    course: Course
    item: Any = None


def course_page(
    *,
    course_id: int,
    user: Any,
    item_model: type[Lesson | Activity] | None = None,
    item_id: int = 0,
    module_id: int = 0,
    defer: tuple[str, ...] = (),
) -> CoursePage | None:
    """The course `course_id` with its outline, as `course_outlines` keeps it,
    and, with `item_model`, its lesson or quiz `item_id` in the module
    `module_id` (the `defer` fields left unread): one query
    (`courses.models.page_rows`), which reads only the course's version when
    this process keeps its outline at that version. None when there is no such
    course or `user` may not see it (drafts are for staff), decided on every
    request, never cached. Whether the module belongs to the course is the
    outline's to say (`Course.outline_module`)."""
    entry = LOCAL_OUTLINES.get(course_id)
    rows = page_rows(
        course_id,
        known_version=entry[0] if entry is not None else 0,
        item_model=item_model,
        item_id=item_id,
        module_id=module_id,
        defer=defer,
    )
    if rows.version is None:
        return None
    if rows.course is None:
        course = entry[1]  # unchanged since this process kept it
    else:
        course = rows.course
        _keep([course])
    if not course.is_visible_to(user):
        return None
    return CoursePage(course=course, item=rows.item)


def course_outline(*, course_id: int, user: Any) -> Course | None:
    """The course with its outline (`course_page`), or None when there is no
    such course or `user` may not see it."""
    page = course_page(course_id=course_id, user=user)
    return page.course if page is not None else None


def outline_tree(course: Course, *, compact: bool) -> str:
    """The course's outline tree with markers in place of learner state.
    `course` comes with its outline (`course_outlines`); the tree is made
    once per course object, so once per outline this process keeps. Made in
    Python, not by a template: some sixty links, each an include and a dozen
    lookups there, were most of the cost of a page. Kept per interface
    language: its labels ("Lesson", "About this module") are translated."""
    trees = course.__dict__.setdefault("_outline_trees", {})
    key = (compact, get_language())
    tree = trees.get(key)
    if tree is None:
        tree = trees[key] = _tree(course, compact=compact)
    return tree


def _tree(course: Course, *, compact: bool) -> str:
    # From the stored outline's entries, without making a model object per
    # link; a course without one (a bulk loader's row) through its objects.
    stored = course.outline.get("modules") if isinstance(course.outline, dict) else None
    if stored is None:
        stored = outline_documents([course.pk])[course.pk]["modules"]
    # Each link's address is its URL pattern's, formatted: one reverse() per
    # kind of page, not per link.
    module_url = page_url_format(Module.url_name, "course_id", "module_id")
    item_urls = {
        model.kind: (
            page_url_format(model.url_name, "course_id", "module_id", model._meta.pk.name),
            model._meta.pk.name,
        )
        for model in (Lesson, Activity)
    }
    kinds = {"lesson": escape(_("Lesson")), "activity": escape(_("Quiz"))}
    about, no_items = escape(_("About this module")), escape(_("No lessons yet."))
    parts = ['<ol class="outline__modules">']
    for number, entry in enumerate(stored, start=1):
        pk, title = entry["id"], escape(entry["title"])
        url = escape(module_url.format(course_id=course.pk, module_id=pk))
        parts.append(f'<li class="outline__module<!--outline:module-current:{pk}-->">')
        items = []
        for kind, item_id, item_title in entry["items"]:
            pattern, id_name = item_urls[kind]
            link = pattern.format_map({"course_id": course.pk, "module_id": pk, id_name: item_id})
            items.append(_item(kind, item_id, item_title, link, kinds[kind]))
        if compact:
            parts += [
                f"<details<!--outline:module-open:{pk}-->>",
                f'<summary><span class="outline__number">{number}</span> {title}</summary>',
                '<ol class="outline__items">',
                '<li class="outline__item outline__item--module">'
                f'<a href="{url}"<!--outline:module-page:{pk}-->>{about}</a></li>',
                *items,
                "</ol></details>",
            ]
        else:
            parts += [
                f'<h3 class="outline__module-title"><span class="outline__number">{number}</span>'
                f' <a href="{url}">{title}</a></h3>',
                '<ol class="outline__items">',
                *(items or [f'<li class="outline__item outline__item--empty">{no_items}</li>']),
                "</ol>",
            ]
        parts.append("</li>")
    parts.append("</ol>")
    return "\n".join(parts)


def _item(kind: str, pk: int, title: str, url: str, label: str) -> str:
    key = f"{kind}:{pk}"
    return (
        f'<li class="outline__item outline__item--{kind}<!--outline:done-class:{key}-->">'
        f'<a href="{escape(url)}"<!--outline:item-current:{key}-->>'
        f'<span class="outline__kind">{label}</span> '
        f'<span class="outline__title">{escape(title)}</span>'
        f"<!--outline:done-mark:{key}--></a></li>"
    )


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
    if not completed_keys:
        # A visitor's page (or a learner who has done nothing): at most four
        # marks to set, the rest empty. Set by name, then every other marker
        # removed in one pass with no Python call per marker: a third of
        # the cost of the general pass below.
        marks = {}
        if current_key is not None:
            marks[f"item-current:{current_key}"] = ' aria-current="page"'
        if current_module is not None:
            marks[f"module-current:{current_module}"] = " is-current"
            marks[f"module-open:{current_module}"] = " open"
            if not current_key:
                marks[f"module-page:{current_module}"] = ' aria-current="page"'
        for marker, value in marks.items():
            tree = tree.replace(f"<!--outline:{marker}-->", value, 1)
        return mark_safe(_MARKER.sub("", tree))  # noqa: S308 - made of escaped parts (_tree)

    done = _done()

    def mark(match: re.Match[str]) -> str:
        what, key = match.groups()
        if what == "done-class":
            return " is-complete" if key in completed_keys else ""
        if what == "done-mark":
            return done if key in completed_keys else ""
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

    return mark_safe(_MARKER.sub(mark, tree))  # noqa: S308 - made of escaped parts (_tree)
