"""Render untrusted lesson, description and quiz Markdown to safe HTML.

markdown-it-py (CommonMark, raw HTML escaped, `javascript:` links refused) with
Pygments highlighting for fenced code, then nh3 with an allow-list as a second
line of defence. Quiz questions and options go through the same parser and
sanitiser as inline Markdown (code, emphasis, links; no blocks). The result is
cached by the text's hash, so an edited lesson renders afresh and an unchanged
one is never rendered twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import nh3
from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

# Bump when the renderer or the allow-list changes, to retire cached HTML.
RENDERER_VERSION = "2"
CACHE_TIMEOUT = 60 * 60 * 24 * 7

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre",
    "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "code": {"class"},
    "pre": {"class"},
    "span": {"class"},
    "div": {"class"},
    "ol": {"start"},
    "th": {"scope"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

_formatter = HtmlFormatter(nowrap=True)


def _highlight(code: str, language: str, attrs: str) -> str:
    """Pygments spans for a fenced block; markdown-it wraps them in <pre><code>."""
    try:
        lexer = get_lexer_by_name(language.strip()) if language.strip() else None
    except ClassNotFound:
        lexer = None
    if lexer is None:
        return ""  # markdown-it escapes the code itself
    return highlight(code, lexer, _formatter)


_markdown = MarkdownIt("js-default", {"highlight": _highlight})


def _sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def render_markdown_uncached(text: str) -> str:
    return _sanitise(_markdown.render(text or ""))


def render_inline_markdown_uncached(text: str) -> str:
    """One line of Markdown: code spans, emphasis, links. Block syntax (headings,
    lists, fences) stays text, so an option reads as written."""
    return _sanitise(_markdown.renderInline(text or ""))


def _cached(kind: str, text: str, render: Callable[[str], str]) -> SafeString:
    digest = hashlib.sha256((text or "").encode("utf-8")).hexdigest()
    key = f"{kind}:{RENDERER_VERSION}:{digest}"
    html = cache.get(key)
    if html is None:
        html = render(text)
        cache.set(key, html, CACHE_TIMEOUT)
    return mark_safe(html)  # noqa: S308 - sanitised by nh3 in _sanitise


def render_markdown(text: str) -> SafeString:
    """Safe HTML for untrusted Markdown, from the cache when it was rendered before."""
    return _cached("markdown", text, render_markdown_uncached)


def render_inline_markdown(text: str) -> SafeString:
    """Safe inline HTML (no paragraph around it) for a quiz question or option."""
    return _cached("markdown-inline", text, render_inline_markdown_uncached)
