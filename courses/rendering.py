"""Render untrusted lesson, description and quiz Markdown to safe HTML.

markdown-it-py (CommonMark, raw HTML escaped, `javascript:` links refused) with
Pygments highlighting for fenced code, then nh3 with an allow-list as a second
line of defence. `$...$` and `$$...$$` become MathML on the server (no client
script; browsers render MathML Core), with the MathML elements on the
allow-list; invalid LaTeX shows as its source. Quiz questions and options go
through the same parser and sanitiser as inline Markdown (code, emphasis,
links; no blocks). The result is cached by the text's hash, so an edited lesson
renders afresh and an unchanged one is never rendered twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import nh3
from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe
from latex2mathml.converter import convert as latex_to_mathml
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from mdit_py_plugins.dollarmath import dollarmath_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from athena.memo import LocalLRU

# Bump when the renderer or the allow-list changes, to retire cached HTML.
RENDERER_VERSION = "4"
CACHE_TIMEOUT = 60 * 60 * 24 * 7

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre",
    "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "ul",
}  # fmt: skip
# What latex2mathml writes: presentation MathML only (no links, no styles).
MATHML_TAGS = {
    "math", "menclose", "merror", "mfrac", "mi", "mmultiscripts", "mn", "mo", "mover",
    "mpadded", "mphantom", "mprescripts", "mroot", "mrow", "ms", "mspace", "msqrt", "mstyle",
    "msub", "msubsup", "msup", "mtable", "mtd", "mtext", "mtr", "munder", "munderover", "none",
}  # fmt: skip
MATHML_ATTRIBUTES = {
    "math": {"display", "xmlns"},
    "mi": {"mathvariant"},
    "mn": {"mathvariant"},
    "mtext": {"mathvariant"},
    "mo": {
        "accent", "fence", "form", "largeop", "lspace", "maxsize", "minsize", "movablelimits",
        "rspace", "separator", "stretchy", "symmetric",
    },
    "mover": {"accent"},
    "munder": {"accentunder"},
    "munderover": {"accent", "accentunder"},
    "mfrac": {"linethickness"},
    "mspace": {"width", "height", "depth"},
    "mpadded": {"width", "height", "depth", "lspace", "voffset"},
    "mstyle": {"displaystyle", "scriptlevel"},
    "menclose": {"notation"},
    "mtable": {"columnalign", "rowalign", "columnspacing", "rowspacing", "columnlines", "rowlines"},
    "mtr": {"columnalign", "rowalign"},
    "mtd": {"columnalign", "rowalign", "columnspan", "rowspan"},
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


def _math(latex: str, options: dict) -> str:
    """MathML for one formula; its escaped source if latex2mathml cannot parse it."""
    display = "block" if options.get("display_mode") else "inline"
    try:
        return latex_to_mathml(latex, display=display)
    except Exception:  # latex2mathml raises many kinds; any of them means "not LaTeX"
        delimiter = "$$" if display == "block" else "$"
        return f'<code class="math-source">{escapeHtml(delimiter + latex + delimiter)}</code>'


_markdown = MarkdownIt("js-default", {"highlight": _highlight}).use(
    dollarmath_plugin,
    # "$5 and $10", "$20-$30": a dollar next to a space or a digit is money, not maths.
    allow_space=False,
    allow_digits=False,
    allow_labels=False,
    renderer=_math,
)


def _sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS | MATHML_TAGS,
        attributes={**ALLOWED_ATTRIBUTES, **MATHML_ATTRIBUTES},
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


# Boxes that scroll sideways on a phone rather than push the page wider: code
# blocks, wide formulas, and tables (wrapped in a box of their own, since a
# table cannot scroll itself). Each takes the keyboard focus, so it can be
# scrolled without a mouse. Added after sanitising: the markup is the renderer's
# own, never the author's (nh3 balances the tags, so every table closes).
SCROLL_BOXES = (
    ("<pre>", '<pre tabindex="0">'),
    ('<div class="math block">', '<div class="math block" tabindex="0">'),
    ("<table>", '<div class="table-scroll" tabindex="0"><table>'),
    ("</table>", "</table></div>"),
)


def render_markdown_uncached(text: str) -> str:
    html = _sanitise(_markdown.render(text or ""))
    for plain, focusable in SCROLL_BOXES:
        html = html.replace(plain, focusable)
    return html


def render_inline_markdown_uncached(text: str) -> str:
    """One line of Markdown: code spans, emphasis, links. Block syntax (headings,
    lists, fences) stays text, so an option reads as written."""
    return _sanitise(_markdown.renderInline(text or ""))


# Fragments this process rendered or fetched lately: a quiz page shows six or
# more (question, options, explanation), each a cache round trip otherwise.
# Keyed by the text's hash, so an entry is never stale.
LOCAL_FRAGMENTS = LocalLRU(2000)


def _cached(kind: str, text: str, render: Callable[[str], str]) -> SafeString:
    digest = hashlib.sha256((text or "").encode("utf-8")).hexdigest()
    key = f"{kind}:{RENDERER_VERSION}:{digest}"
    html = LOCAL_FRAGMENTS.get(key)
    if html is None:
        html = cache.get(key)
        if html is None:
            html = render(text)
            cache.set(key, html, CACHE_TIMEOUT)
        LOCAL_FRAGMENTS.put(key, html)
    return mark_safe(html)  # noqa: S308 - sanitised by nh3 in _sanitise


def render_markdown(text: str) -> SafeString:
    """Safe HTML for untrusted Markdown, from the cache when it was rendered before."""
    return _cached("markdown", text, render_markdown_uncached)


def render_inline_markdown(text: str) -> SafeString:
    """Safe inline HTML (no paragraph around it) for a quiz question or option."""
    return _cached("markdown-inline", text, render_inline_markdown_uncached)
