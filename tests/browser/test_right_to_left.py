"""Arabic reads right to left: the page says dir="rtl" and lang="ar", the
header and the reader mirror, code, maths and tables keep reading left to
right, nothing scrolls sideways, and axe finds nothing serious or critical in
either theme; screenshots at a phone's and a desktop's width are kept for a
person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from tests.browser.test_accessibility import blocking_violations
from tests.helpers import DESKTOP_1440, PHONE_390, make_photosynthesis_course

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "test-screenshots"

LAYOUT = """() => {
  const html = document.documentElement;
  const brand = document.querySelector(".brand").getBoundingClientRect();
  const pre = document.querySelector(".prose pre");
  const table = document.querySelector(".prose table");
  return {
    lang: html.lang,
    dir: html.dir,
    brandRight: brand.right,
    brandLeft: brand.left,
    width: html.clientWidth,
    scrollWidth: html.scrollWidth,
    pre: pre ? getComputedStyle(pre).direction : null,
    table: table ? getComputedStyle(table).direction : null,
    body: getComputedStyle(document.body).direction,
  };
}"""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("viewport", "theme"),
    [(PHONE_390, "light"), (DESKTOP_1440, "dark")],
    ids=["phone-light", "desktop-dark"],
)
def test_arabic_pages_mirror_and_keep_code_left_to_right(open_page, viewport, theme):
    course = make_photosynthesis_course()
    lesson = next(item for item in course.ordered_items() if item.kind == "lesson")
    page = open_page(viewport, color_scheme=theme, locale="ar", bypass_csp=True)
    SCREENSHOTS.mkdir(exist_ok=True)
    problems = {}
    for name, url in {
        "home": "/",
        "catalog": reverse("courses:catalog"),
        "course": course.get_absolute_url(),
        "lesson": lesson.get_absolute_url(),
    }.items():
        page.goto(url)
        layout = page.evaluate(LAYOUT)
        assert (layout["lang"], layout["dir"], layout["body"]) == ("ar", "rtl", "rtl"), name
        # The brand sits at the start of the line: the right-hand side.
        assert layout["brandLeft"] > layout["width"] / 2, (name, layout)
        assert layout["scrollWidth"] <= layout["width"], (name, layout)
        if name == "lesson":
            assert (layout["pre"], layout["table"]) == ("ltr", "ltr"), layout
        shot = SCREENSHOTS / f"rtl-{name}-{viewport['width']}-{theme}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 1000
        if found := blocking_violations(page):
            problems[name] = found
    assert problems == {}
