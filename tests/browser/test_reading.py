"""Reading a lesson with maths, a wide table and long code lines: on a phone the
table and the code scroll sideways inside their own boxes, the page never does,
and words in table cells stay whole; formulas show as MathML in both themes."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.helpers import DESKTOP, PHONE, PHONE_390, lesson_titled, make_statistics_course

# Each box's own scroll width against its visible width, and whether any
# one-word table cell is split over several lines.
MEASURE = """() => {
  const table = document.querySelector(".prose .table-scroll");
  const pre = document.querySelector(".prose pre");
  const split = [...document.querySelectorAll(".prose td, .prose th")].filter((cell) => {
    const text = cell.textContent.trim();
    if (!text || /\\s/.test(text) || cell.querySelector("math")) return false;
    const range = document.createRange();
    range.selectNodeContents(cell);
    const tops = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)));
    return tops.size > 1;
  }).map((cell) => cell.textContent.trim());
  return {
    page: document.documentElement.scrollWidth,
    table: [table.scrollWidth, table.clientWidth],
    pre: [pre.scrollWidth, pre.clientWidth],
    split,
  };
}"""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [PHONE, PHONE_390, DESKTOP], ids=["360", "390", "desktop"])
def test_wide_tables_and_code_scroll_in_their_own_box(open_page, viewport):
    course = make_statistics_course()
    lesson = lesson_titled(course, "Discrete distributions")
    page = open_page(viewport)
    page.goto(lesson.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Discrete distributions")
    sizes = page.evaluate(MEASURE)
    assert sizes["page"] <= viewport["width"], sizes
    assert sizes["split"] == [], sizes
    if viewport is not DESKTOP:
        table_scroll, table_width = sizes["table"]
        code_scroll, code_width = sizes["pre"]
        assert table_scroll > table_width, sizes  # the table scrolls in its box
        assert code_scroll > code_width, sizes  # and so does the long code line
        # The keyboard reaches the box and scrolls it.
        box = page.locator(".prose .table-scroll").first
        box.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "() => document.querySelector('.prose .table-scroll').scrollLeft > 0"
        )
    # A code comment stays on the line of its code.
    line = page.locator(".prose pre", has_text="print(X.pmf(3))").first
    height = line.evaluate("(pre) => pre.getBoundingClientRect().height")
    line_height = line.evaluate("(pre) => parseFloat(getComputedStyle(pre).lineHeight)")
    lines = len(line.inner_text().splitlines())
    assert height < (lines + 3) * line_height


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_formulas_show_as_mathml_in_the_text_colour(open_page, theme):
    course = make_statistics_course()
    lesson = lesson_titled(course, "Discrete distributions")
    page = open_page(PHONE_390, color_scheme=theme)
    page.goto(lesson.get_absolute_url())
    bernoulli = page.locator("td math").first
    expect(bernoulli).to_be_visible()
    assert bernoulli.evaluate("(math) => math.getBoundingClientRect().width") > 20
    colours = bernoulli.evaluate(
        "(math) => [getComputedStyle(math).color,"
        " getComputedStyle(document.querySelector('.prose')).color]"
    )
    assert colours[0] == colours[1]
    assert "$" not in page.locator(".prose").inner_text()
