"""Small presentation helpers for the learner pages."""

from __future__ import annotations

import html
from collections.abc import Collection, Iterable

from django import template
from django.template.defaultfilters import urlencode
from django.urls import reverse
from django.utils.html import format_html, format_html_join, strip_tags
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from athena.memo import LocalLRU
from courses.models import PREFERENCE_CHOICES, Course, Lesson
from courses.outline import outline_tree as outline_tree_html
from courses.outline import stamp_outline
from courses.rendering import render_markdown_uncached

register = template.Library()


@register.filter
def excerpt(text: str, length: int = 180) -> str:
    """The first words of untrusted Markdown as plain text (autoescaped by the
    template), for cards. Kept per text and length: a catalog page shows a
    dozen cards, each rendered, stripped and cut (~0.3 ms) the same way every
    time the text is the same."""
    key = (text, int(length))
    kept = EXCERPTS.get(key)
    if kept is None:
        # Rendered here, not through the fragment caches: only the excerpt is
        # used again, and it is kept below.
        plain = " ".join(html.unescape(strip_tags(render_markdown_uncached(text))).split())
        kept = Truncator(plain).chars(int(length))
        EXCERPTS.put(key, kept)
    return kept


# Card excerpts this process made, by (description, length): a description
# changes only by an edit, which makes a new key.
EXCERPTS = LocalLRU(4000)


@register.filter
def preference_label(course: Course, key: str) -> str:
    """`{{ course|preference_label:"duration" }}` -> "Short (1-2 h)"."""
    value = course.preferences.get(key, "") if isinstance(course.preferences, dict) else ""
    choices = PREFERENCE_CHOICES.get(key)
    if choices is None or value not in choices.values:
        return ""
    return str(choices(value).label)


@register.filter
def item_kind_label(item: object) -> str:
    """ "Lesson" or "Quiz", for an outline or navigation entry."""
    return _("Lesson") if isinstance(item, Lesson) else _("Quiz")


@register.filter
def item_nav_label(item: object, direction: str) -> str:
    """ "Previous lesson", "Next quiz": the label of a link to the item before
    or after the page's (`direction` "previous" or "next")."""
    if direction == "previous":
        return _("Previous lesson") if isinstance(item, Lesson) else _("Previous quiz")
    return _("Next lesson") if isinstance(item, Lesson) else _("Next quiz")


@register.filter
def suggestion_links(suggestions: Iterable[str]) -> SafeString:
    """Links to the catalog's search for each suggested word, listed as the
    language lists alternatives: "<a>python</a>, <a>pandas</a> or <a>numpy</a>"."""
    catalog = reverse("courses:catalog")
    links = [
        format_html('<a href="{}?q={}">{}</a>', catalog, urlencode(word), word)
        for word in suggestions
    ]
    if len(links) < 2:
        return SafeString("".join(links))
    # Translators: lists search suggestions: "a, b or c".
    return format_html(
        pgettext("list of alternatives", "{items} or {last}"),
        items=SafeString(pgettext("list separator", ", ").join(links[:-1])),
        last=links[-1],
    )


@register.filter
def corrected_words(pieces: Iterable[tuple[str, bool]]) -> SafeString:
    """A corrected search, its corrected words in bold (`Correction.pieces`)."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html("<strong>{}</strong>", piece) if corrected else piece,)
            for piece, corrected in pieces
        ),
    )


@register.simple_tag
def outline_tree(
    course: Course,
    *,
    compact: bool = False,
    completed_keys: Collection[str] | None = None,
    current_key: str | None = None,
    current_module_id: int | None = None,
) -> SafeString:
    """The course's outline tree (rendered once per course) with this
    learner's completed items ticked and the current module and item marked."""
    return stamp_outline(
        outline_tree_html(course, compact=bool(compact)),
        completed_keys=completed_keys or (),
        current_key=current_key or None,
        current_module_id=current_module_id or None,
    )
