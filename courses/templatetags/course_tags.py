"""Small presentation helpers for the learner pages."""

from __future__ import annotations

import html

from django import template
from django.utils.html import strip_tags
from django.utils.text import Truncator

from courses.models import PREFERENCE_CHOICES, Course, Lesson
from courses.rendering import render_markdown

register = template.Library()


@register.filter
def excerpt(text: str, length: int = 180) -> str:
    """The first words of untrusted Markdown as plain text (autoescaped by the
    template), for cards."""
    plain = " ".join(html.unescape(strip_tags(render_markdown(text))).split())
    return Truncator(plain).chars(int(length))


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
    return "Lesson" if isinstance(item, Lesson) else "Quiz"
