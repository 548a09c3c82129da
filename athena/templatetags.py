"""Template tags every template has without `{% load %}` (TEMPLATES' builtins)."""

from __future__ import annotations

from django import template

from athena.links import page_url as page_url_of

register = template.Library()


@register.simple_tag
def page_url(name: str, **ids: int) -> str:
    """`{% page_url "courses:catalog" %}`: `{% url %}` for the links on every
    page, without a `reverse()` each (athena.links)."""
    return page_url_of(name, **ids)
