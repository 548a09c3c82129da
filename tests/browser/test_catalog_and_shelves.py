"""What a learner sees of the catalog's filter bar, search matches, the home
page's shelves and the dashboard's buttons, in Chromium at phone (390 px)
and desktop (1280 px) widths."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from courses.models import Lesson
from enrollment.services import enrollment_create, lesson_complete
from tests.factories import PASSWORD, course_items, make_course, make_user

PHONE_390 = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def assert_no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width}px wide"


def boxes(page: Page, selector: str) -> list[dict]:
    """The boxes of the visible elements `selector` finds."""
    return [box for element in page.locator(selector).all() if (box := element.bounding_box())]


def overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


# Width of each select's longest option in the select's own font, against
# the room the select gives its text (its width less padding and the arrow).
SELECT_ROOM = """
() => [...document.querySelectorAll('.catalog-filters select')].map((select) => {
  const style = getComputedStyle(select);
  const context = document.createElement('canvas').getContext('2d');
  context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const longest = Math.max(...[...select.options].map((o) => context.measureText(o.text).width));
  const room = select.clientWidth - parseFloat(style.paddingLeft)
    - parseFloat(style.paddingRight) - 16;
  return {name: select.name, longest, room};
})
"""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [PHONE_390, DESKTOP], ids=["phone", "desktop"])
def test_the_catalog_filter_bar_lines_up_at_every_width(open_page, viewport):
    make_course(
        topic="Python basics",
        preferences={"level": "beginner", "duration": "long", "focus": "in-depth"},
    )
    page = open_page(viewport)
    # A filter set: the bar grows its "Clear filters" link.
    page.goto("/courses/?q=python&level=beginner&duration=long")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "1 long beginner course matching “python”"
    )
    assert_no_sideways_scroll(page)
    if viewport is PHONE_390:
        # On a phone the selects wait behind "Filters", which names the two chosen.
        expect(page.get_by_label("Level")).to_be_hidden()
        filters = page.locator(".catalog-filters__toggle > summary")
        expect(filters).to_have_text("Filters (2): Beginner, Long (5 h or more)")
        filters.click()
        assert_no_sideways_scroll(page)

    parts = boxes(page, ".catalog-filters label") + boxes(
        page, ".catalog-filters select, .catalog-filters input, .catalog-filters .button"
    )
    parts += boxes(page, ".catalog-filters__links a")
    for index, first in enumerate(parts):
        for second in parts[index + 1 :]:
            assert not overlap(first, second), (first, second)

    for select in page.evaluate(SELECT_ROOM):
        assert select["longest"] <= select["room"], select

    labels = boxes(page, ".catalog-filters__selects label")
    selects = boxes(page, ".catalog-filters__selects select")
    assert len(labels) == len(selects) == 5  # level, duration, focus, language, sort
    for label, select in zip(labels, selects, strict=True):
        assert label["y"] + label["height"] <= select["y"] + 1  # each label above its select
    if viewport is DESKTOP:
        # One row: labels level, selects level.
        assert len({round(box["y"]) for box in labels}) == 1
        assert len({round(box["y"]) for box in selects}) == 1
    else:
        # Wrapped: one under the other, each as wide as the bar.
        assert len({round(box["y"]) for box in selects}) == 5


@pytest.mark.django_db(transaction=True)
def test_a_search_result_names_the_lesson_that_matched(open_page):
    course = make_course(topic="HTTP caching")
    lesson = Lesson.objects.filter(module__course=course).first()
    lesson.title = "Validators: ETag and Last-Modified"
    lesson.save()
    page = open_page(PHONE_390)
    page.goto("/courses/?q=ETag")
    match = page.locator(".card__match")
    expect(match).to_contain_text("Lesson: Validators: ETag and Last-Modified")
    expect(match.locator("mark").first).to_have_text("ETag")
    match.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(lesson.title)


@pytest.mark.django_db(transaction=True)
def test_home_shelves_scroll_sideways_on_a_phone(open_page):
    for number in range(6):
        make_course(topic=f"Course number {number}")
    page = open_page(PHONE_390)
    page.goto("/")
    assert_no_sideways_scroll(page)
    shelf = page.locator("section[aria-labelledby='newest-courses'] .shelf__row")
    cards = boxes(page, "section[aria-labelledby='newest-courses'] .shelf__row > li")
    assert len(cards) == 6
    assert len({round(card["y"]) for card in cards}) == 1  # one row, not six screens
    assert shelf.evaluate("el => getComputedStyle(el).scrollSnapType") == "x mandatory"
    assert shelf.evaluate("el => el.scrollWidth > el.clientWidth")
    shelf.evaluate("el => el.scrollBy(400, 0)")
    expect(shelf).not_to_have_js_property("scrollLeft", 0)
    assert_no_sideways_scroll(page)


@pytest.mark.django_db(transaction=True)
def test_home_shelves_are_a_grid_on_a_desktop(open_page):
    for number in range(6):
        make_course(topic=f"Course number {number}")
    page = open_page(DESKTOP)
    page.goto("/")
    cards = boxes(page, "section[aria-labelledby='newest-courses'] .shelf__row > li")
    assert len({round(card["y"]) for card in cards}) == 2  # wraps into rows
    assert_no_sideways_scroll(page)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [PHONE_390, DESKTOP], ids=["phone", "desktop"])
def test_the_dashboard_and_home_say_where_continue_leads(open_page, viewport):
    course = make_course(topic="Reading in the browser", modules=1, lessons=3, quizzes=0)
    learner = make_user(username="reader")
    enrollment_create(user=learner, course=course)
    first, second, _ = course_items(course)
    lesson_complete(user=learner, lesson=first)
    page = open_page(viewport)
    page.goto(reverse("login"))
    page.get_by_label("Username or e-mail").fill("reader")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(reverse("enrollment:dashboard"))
    expect(page.get_by_text("last opened just now")).to_be_visible()
    button = page.get_by_role("link", name=f"Continue: {second.title}")
    expect(button).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^(Resume|Next up)"))).to_have_count(0)
    assert_no_sideways_scroll(page)

    page.goto("/")
    continue_row = page.locator("section[aria-labelledby='continue-learning']")
    expect(continue_row.get_by_role("heading", level=2)).to_have_text("Continue learning")
    continue_row.get_by_role("link", name=f"Continue: {second.title}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(second.title)
