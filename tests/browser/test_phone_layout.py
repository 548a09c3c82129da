"""On a phone (390 x 844) against a desktop (1440 x 900): the header keeps to
one row, its links behind a "Menu" button a keyboard opens and closes; the
catalog's filters wait behind "Filters" so the first result shows on the first
screen; a lesson's outline is one tap from the top. On the desktop the header,
the filter bar and the outline sidebar show as they always have."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, make_course, make_user
from tests.helpers import (
    DESKTOP_1440,
    PHONE_390,
    lesson_titled,
    log_in,
    make_statistics_course,
)

# One row: the brand mark, or the 44 px menu button, and the padding around it.
ONE_ROW = 64


def assert_no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width}px wide"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [PHONE_390, DESKTOP_1440], ids=["phone", "desktop"])
def test_header_catalog_and_outline_fit_the_first_screen(open_page, viewport):
    statistics = make_statistics_course()
    make_course(topic="Python basics", preferences={"level": "beginner"})
    lesson = lesson_titled(statistics, "Discrete distributions")
    make_user(username="reader")
    phone = viewport is PHONE_390
    page = open_page(viewport)
    log_in(page, "reader", PASSWORD)
    menu_button = page.locator(".site-menu > summary")
    nav = page.get_by_role("navigation", name="Main")
    my_courses = nav.get_by_role("link", name="My courses")

    # The header is one row on every page; on a phone its links wait behind "Menu".
    for url in ("/", "/courses/", lesson.get_absolute_url()):
        page.goto(url)
        header = page.locator(".site-header").bounding_box()
        assert header["height"] <= ONE_ROW, (url, header)
        assert_no_sideways_scroll(page)
        if phone:
            expect(menu_button).to_have_accessible_name("Menu")
            expect(menu_button).to_be_visible()
            expect(my_courses).to_be_hidden()
        else:
            expect(menu_button).to_be_hidden()
            expect(my_courses).to_be_visible()

    # The catalog: the first result on the first screen, filters one tap away.
    page.goto("/courses/")
    first_card = page.locator(".card-grid > li").first
    filters_button = page.locator(".catalog-filters__toggle > summary")
    level = page.get_by_label("Level")
    if phone:
        expect(level).to_be_hidden()
        # The card's title and its first lines show, not just its border.
        assert first_card.bounding_box()["y"] + 120 <= viewport["height"]
        expect(filters_button).to_have_accessible_name("Filters")
        filters_button.click()
        expect(level).to_be_visible()
        level.select_option("beginner")
        page.locator(".catalog-filters__panel").get_by_role("button", name="Show courses").click()
        expect(page).to_have_url(re.compile(r"[?&]level=beginner"))
        # Closed again, the button says which filters are on.
        expect(filters_button).to_have_accessible_name("Filters (1): Beginner")
        expect(level).to_be_hidden()
    else:
        expect(filters_button).to_be_hidden()
        expect(level).to_be_visible()
    assert first_card.bounding_box()["y"] + 120 <= viewport["height"]

    # A long lesson: the outline is one tap from the top on a phone, beside
    # the text on a desktop.
    page.goto(lesson.get_absolute_url())
    outline_link = page.get_by_role("link", name="Outline", exact=True)
    here = page.get_by_role("navigation", name="Course outline").locator("a[aria-current=page]")
    expect(here).to_have_text(re.compile("Discrete distributions"))
    if phone:
        expect(outline_link).to_be_in_viewport()
        expect(here).not_to_be_in_viewport()
        outline_link.click()
    else:
        expect(outline_link).to_be_hidden()
    expect(here).to_be_in_viewport()

    # The keyboard: skip link, brand, then "Menu" (phone) or the links (desktop).
    page.goto(lesson.get_absolute_url())
    for _ in range(3):
        page.keyboard.press("Tab")
    if phone:
        expect(menu_button).to_be_focused()
        page.keyboard.press("Enter")
        expect(my_courses).to_be_visible()
        page.keyboard.press("Tab")
    expect(nav.get_by_role("link", name="Courses", exact=True)).to_be_focused()
    if phone:
        # Escape closes the menu and gives the focus back to its button.
        page.keyboard.press("Escape")
        expect(my_courses).to_be_hidden()
        expect(menu_button).to_be_focused()
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
    for _ in range(3):  # Build a course, Notifications, My courses
        page.keyboard.press("Tab")
    expect(my_courses).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("My courses")

    if phone:
        # A tap on the page below the open menu closes it too.
        menu_button.click()
        expect(my_courses).to_be_visible()
        page.mouse.click(viewport["width"] / 2, viewport["height"] - 20)
        expect(my_courses).to_be_hidden()
