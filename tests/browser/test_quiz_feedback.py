"""A learner answers quizzes in Chromium: lettered options in Markdown, feedback
that names the option, the explanation once the answer shows, "Next" after a
right answer, an accent (not red) focus ring on the right answer, and a
"You finished" moment with the results at the end; on a phone and a desktop."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from courses.models import Course
from enrollment.pages import option_order
from enrollment.services import enrollment_create, lesson_complete
from tests.factories import PASSWORD, make_user
from tests.helpers import DESKTOP, PHONE_390, log_in, make_try_finally_course, open_site_menu

FOCUSED_OPTION = """() => {
  const input = document.activeElement;
  const option = input.closest(".quiz__option");
  const accent = getComputedStyle(document.querySelector("a.button--primary")).backgroundColor;
  return {name: input.name, value: input.value, ring: getComputedStyle(option).outlineColor,
          style: getComputedStyle(option).outlineStyle, accent};
}"""

FOCUSED_RESULT = """() => {
  const result = document.querySelector("#quiz-result");
  const accent = getComputedStyle(document.querySelector("a.button--primary")).backgroundColor;
  return {focused: result.matches(":focus-visible"), ring: getComputedStyle(result).outlineColor,
          accent};
}"""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [PHONE_390, DESKTOP], ids=["phone", "desktop"])
def test_learner_answers_reads_why_and_finishes(open_page, viewport):
    course = make_try_finally_course()
    lesson, first, second = course.ordered_items()
    learner = make_user(username="quizzer")
    enrollment_create(user=learner, course=course)
    lesson_complete(user=learner, lesson=lesson)
    page = open_page(viewport)
    log_in(page, "quizzer", PASSWORD)

    page.goto(first.get_absolute_url())
    # The options in this learner's own order, lettered down the page.
    options = page.locator(".quiz__options")
    order = option_order(first, learner)
    letter = {number: "ABC"[order.index(number)] for number in order}
    expect(options.locator(".quiz__letter")).to_have_text(["A", "B", "C"])
    texts = ["else", "except", "finally"]
    expect(options.locator("code")).to_have_text([texts[number - 1] for number in order])
    expect(page.locator("main")).not_to_contain_text("`")

    options.get_by_label("else").check()
    page.get_by_role("button", name="Check my answer").click()
    status = page.get_by_role("status")
    expect(status).to_contain_text(f"{letter[1]} — else is not the right answer. Have another go.")
    expect(page.get_by_text("runs whether or not")).to_have_count(0)

    options.get_by_label("finally").check()
    page.get_by_role("button", name="Check my answer").click()
    expect(status).to_contain_text(f"Well done: {letter[3]} — finally is right.")
    expect(status).to_contain_text("finally runs whether or not an exception was raised.")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

    # The page opens on the verdict, ringed in the accent colour, not red; so is
    # the right answer when the keyboard reaches it.
    verdict = page.evaluate(FOCUSED_RESULT)
    assert verdict["focused"], verdict
    assert verdict["ring"] == verdict["accent"], verdict
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "option":
            break
    focused = page.evaluate(FOCUSED_OPTION)
    # The checked radio (the right answer, "finally", option 3) where this learner sees it.
    where = str(order.index(3) + 1)
    assert (focused["name"], focused["value"], focused["style"]) == ("option", where, "solid")
    assert focused["ring"] == focused["accent"]

    page.get_by_role("link", name=f"Next: {second.title}", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(second.title)
    page.get_by_label("Beta").check()
    page.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_role("heading", name="You finished the course!")).to_be_visible()
    page.get_by_role("link", name="See your results").first.click()
    expect(page).to_have_url(re.compile(r"/results/$"))
    expect(page.get_by_text("You passed 2 of 2")).to_be_visible()

    # Done: the course asks how it was; the learner rates it and can change it.
    page.goto(course.get_absolute_url())
    page.get_by_role("link", name="Rate this course").click()
    page.get_by_label("4 of 5: Very good").check()
    page.get_by_label("What would you tell other learners? (optional)").fill("Short and clear.")
    page.get_by_role("button", name="Send your rating").click()
    expect(page.get_by_text(f"Thank you for rating {course.topic}.")).to_be_visible()
    page.get_by_role("link", name="Rate this course").click()
    expect(page.get_by_label("4 of 5: Very good")).to_be_checked()
    expect(page.get_by_text("You rated it 4 of 5")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [PHONE_390, DESKTOP], ids=["phone", "desktop"])
def test_small_things_read_right(open_page, viewport):
    """Profile dropdowns say "No preference"; a quiz sent without an answer comes
    back asking for one; staff find drafts closed for enrollment; the theme
    toggle says what it will do."""
    course = make_try_finally_course()
    draft = make_try_finally_course()
    Course.objects.filter(pk=draft.pk).update(status=Course.Status.DRAFT)
    # Staff who may edit courses (a superuser: groups do not survive transactional tests).
    make_user(username="editor", is_staff=True, is_superuser=True)
    page = open_page(viewport, color_scheme="light")
    log_in(page, "editor", PASSWORD)

    page.goto(reverse("accounts:profile"))
    for name in ("level", "duration", "focus"):
        chosen = page.locator(f'select[name="{name}"] option:checked')
        expect(chosen).to_have_text("No preference")

    page.goto(course.ordered_items()[1].get_absolute_url())
    # The browser's own check stops an empty form; bypassed, the server asks too.
    page.locator(".quiz").evaluate("(form) => form.noValidate = true")
    page.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_role("alert")).to_have_text("Choose an answer, then check it.")
    expect(page.locator(".quiz__option")).to_have_count(3)

    page.goto(draft.get_absolute_url())
    expect(page.get_by_text("Draft — not open for enrollment")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Enroll"))).to_have_count(0)

    toggle = page.locator("[data-theme-toggle]")
    open_site_menu(page)  # on a phone the toggle is in the header's menu
    expect(toggle).to_have_accessible_name("Switch to dark theme")
    toggle.click()
    expect(toggle).to_have_accessible_name("Switch to light theme")
