"""A learner in Chromium: finds a course by searching, reads it from the first
item to the last with next/previous, logs in from a quiz to have answers
checked, answers it wrong then right, and switches the theme; on a phone-sized
and a desktop window."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, make_user
from tests.helpers import DESKTOP, PHONE, log_in, make_photosynthesis_course, open_site_menu


def assert_no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width}px wide"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_learner_searches_reads_and_answers(open_page, viewport):
    course = make_photosynthesis_course()
    titles = [item.title for item in course.ordered_items()]
    make_user(username="reader")
    page = open_page(viewport)

    # Search from the home page.
    page.goto("/")
    assert_no_sideways_scroll(page)
    page.get_by_role("searchbox", name="Search courses").fill("photosynthesis")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/courses/\?q=photosynthesis"))
    expect(page.get_by_role("heading", level=1)).to_have_text("1 course matching “photosynthesis”")
    expect(page.get_by_role("link", name="Statistics for everyone")).to_have_count(0)
    assert_no_sideways_scroll(page)

    # Open the course and start it.
    page.get_by_role("link", name="Photosynthesis explained").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Photosynthesis explained")
    page.get_by_role("link", name="Start the course").click()

    # Walk forward through every lesson and quiz, answering the first quiz.
    seen = []
    answered = False
    for position, title in enumerate(titles, start=1):
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        seen.append(title)
        assert_no_sideways_scroll(page)
        if title.startswith("Quiz") and not answered:
            # A visitor may choose but is not told: logging in comes back here.
            expect(page.get_by_role("button", name="Check my answer")).to_have_count(0)
            page.get_by_role("link", name="Log in to check your answer").click()
            page.get_by_label("Username or e-mail").fill("reader")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            expect(page.get_by_role("heading", level=1)).to_have_text(title)
            page.get_by_label("Alpha").check()
            page.get_by_role("button", name="Check my answer").click()
            expect(page.get_by_role("status")).to_contain_text("Not quite.")
            expect(page.get_by_text("The correct answer is")).to_have_count(0)
            page.get_by_label("Beta").check()
            page.get_by_role("button", name="Check my answer").click()
            expect(page.get_by_role("status")).to_contain_text("Correct!")
            answered = True
        if position < len(titles):
            page.locator('a[rel="next"]').click()
    assert seen == titles
    assert answered
    # Logged in since the quiz: the last item leads to their results.
    expect(page.get_by_role("link", name=re.compile("See your results"))).to_be_visible()

    # And back again with "previous" across the module boundary.
    for title in reversed(titles[:-1]):
        page.locator('a[rel="prev"]').click()
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator('a[rel="prev"]')).to_have_count(0)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_theme_toggle_switches_and_is_remembered(open_page, viewport):
    make_photosynthesis_course()
    page = open_page(viewport, color_scheme="light")
    page.goto("/courses/")
    background = "getComputedStyle(document.body).backgroundColor"
    light = page.evaluate(background)
    toggle = page.locator("[data-theme-toggle]")
    open_site_menu(page)  # on a phone the toggle is in the header's menu
    expect(toggle).to_have_accessible_name("Switch to dark theme")

    page.get_by_role("button", name="Switch to dark theme").click()
    expect(toggle).to_have_accessible_name("Switch to light theme")
    dark = page.evaluate(background)
    assert dark != light
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    body = page.locator("body")
    expect(body).to_have_css("background-color", dark)
    # The choice holds on other pages too.
    page.get_by_role("link", name="Photosynthesis explained").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Photosynthesis explained")
    expect(body).to_have_css("background-color", dark)

    open_site_menu(page)
    page.get_by_role("button", name="Switch to light theme").click()
    expect(body).to_have_css("background-color", light)
    page.reload()
    expect(body).to_have_css("background-color", light)


@pytest.mark.django_db(transaction=True)
def test_system_dark_preference_is_followed_until_the_learner_chooses(open_page):
    make_photosynthesis_course()
    page = open_page(DESKTOP, color_scheme="dark")
    page.goto("/")
    dark = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.get_by_role("button", name="Switch to light theme").click()
    page.reload()
    expect(page.get_by_role("button", name="Switch to dark theme")).to_be_visible()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != dark


@pytest.mark.django_db(transaction=True)
def test_quiz_works_without_javascript(open_page):
    course = make_photosynthesis_course()
    quiz = next(item for item in course.ordered_items() if item.kind == "activity")
    make_user(username="reader")
    page = open_page(PHONE, java_script_enabled=False)
    log_in(page, "reader", PASSWORD)
    page.goto(quiz.get_absolute_url())
    page.get_by_label("Gamma").check()
    page.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_role("status")).to_contain_text("Not quite.")
    page.get_by_label("Beta").check()
    page.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_role("status")).to_contain_text("Correct!")
    # The header's menu opens without JavaScript too.
    page.locator(".site-menu > summary").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    # Without JavaScript the theme toggle stays hidden rather than doing nothing.
    expect(page.get_by_role("button", name=re.compile("theme"))).to_have_count(0)


@pytest.mark.django_db(transaction=True)
def test_keyboard_user_can_skip_to_the_content(open_page):
    make_photosynthesis_course()
    page = open_page(DESKTOP)
    page.goto("/courses/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
