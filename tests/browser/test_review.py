"""A learner misses a quiz on the first try and answers it again on the Review
page once it is due, on a phone (390 px, light theme) and a desktop (1440 px,
dark theme); axe finds nothing serious on the page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from enrollment.models import ReviewItem
from enrollment.services import enrollment_create
from tests.browser.test_accessibility import blocking_violations
from tests.factories import PASSWORD, make_user
from tests.helpers import PHONE_390, log_in, make_try_finally_course

DESKTOP_1440 = {"width": 1440, "height": 900}


def _make_due() -> None:
    """As if the days had passed: every question due now."""
    ReviewItem.objects.update(due_at=timezone.now())


@pytest.mark.django_db(transaction=True)
def test_a_missed_question_comes_back_on_the_review_page(open_page):
    course = make_try_finally_course()
    _, quiz, _ = course.ordered_items()
    learner = make_user(username="reviewer")
    enrollment_create(user=learner, course=course)
    # axe injects its own script and styles: the CSP is bypassed for this test.
    page = open_page(PHONE_390, color_scheme="light", bypass_csp=True)
    log_in(page, "reviewer", PASSWORD)

    # Missed on the first try.
    page.goto(quiz.get_absolute_url())
    page.locator(".quiz__options").get_by_label("else").check()
    page.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_role("status")).to_contain_text("is not the right answer")

    # Not due yet: the course page links to its review, which says when.
    page.goto(course.get_absolute_url())
    page.get_by_role("link", name="Review what you missed").click()
    expect(page.get_by_role("heading", name="Due now (0)")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("tomorrow")

    # Due: the dashboard counts it; answered wrong on the phone.
    _make_due()
    page.goto(reverse("enrollment:dashboard"))
    expect(page.get_by_text("1 question to review")).to_be_visible()
    page.get_by_role("link", name="Review now").click()
    expect(page.get_by_role("heading", name="Due now (1)")).to_be_visible()
    assert blocking_violations(page) == []
    page.locator(".quiz__options").get_by_label("except").check()
    page.get_by_role("button", name="Check my answer").click()
    status = page.get_by_role("status")
    expect(status).to_contain_text("Not quite.")
    expect(status).to_contain_text("Next review: tomorrow")
    expect(page.get_by_role("heading", name="Due now (0)")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_390["width"]
    assert blocking_violations(page) == []

    # Due again: answered right on a desktop, in the dark theme.
    _make_due()
    page.set_viewport_size(DESKTOP_1440)
    page.emulate_media(color_scheme="dark")
    page.goto(reverse("enrollment:course-review", args=[course.pk]))
    assert blocking_violations(page) == []
    page.locator(".quiz__options").get_by_label("finally").check()
    page.get_by_role("button", name="Check my answer").click()
    expect(status).to_contain_text("Correct!")
    expect(status).to_contain_text("finally runs whether or not an exception was raised.")
    expect(status).to_contain_text("Next review: in 3 days")
    expect(page.get_by_role("heading", name="Coming back later (1)")).to_be_visible()
    assert blocking_violations(page) == []
