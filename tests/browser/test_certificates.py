"""A learner finishes a small course in Chromium, opens the certificate it
gives, downloads the PDF, and an anonymous visitor follows the verification
link: on a phone (light theme) and a desktop (dark theme), axe finding
nothing serious on either certificate page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from enrollment.services import enrollment_create
from tests.browser.test_accessibility import blocking_violations
from tests.factories import PASSWORD, make_course, make_user
from tests.helpers import PHONE_390, log_in

DESKTOP_1440 = {"width": 1440, "height": 900}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("viewport", "theme"), [(PHONE_390, "light"), (DESKTOP_1440, "dark")], ids=["phone", "desktop"]
)
def test_learner_finishes_a_course_and_anyone_can_verify_the_certificate(
    open_page, viewport, theme
):
    course = make_course(topic="Tiny statistics", modules=1, lessons=1, quizzes=1)
    learner = make_user(username="finisher", first_name="Zoë", last_name="Ğürbüz")
    enrollment_create(user=learner, course=course)
    lesson, quiz = course.ordered_items()
    page = open_page(viewport, color_scheme=theme)
    log_in(page, "finisher", PASSWORD)

    page.goto(lesson.get_absolute_url())
    page.get_by_role("button", name="Mark done and continue").click()
    expect(page).to_have_url(re.compile(re.escape(quiz.get_absolute_url()) + "$"))
    page.get_by_label("Beta").check()  # the factory's right answer
    page.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_role("heading", name="You finished the course!")).to_be_visible()
    page.get_by_role("link", name="Your certificate").click()

    expect(page.get_by_role("heading", name="Your certificate")).to_be_visible()
    certificate = page.locator(".certificate")
    expect(certificate).to_contain_text("Zoë Ğürbüz")
    expect(certificate).to_contain_text("Tiny statistics")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
    # The address to share, in full; the link itself goes to the same page.
    share = page.locator(".certificate-share__url a")
    verify_path = share.get_attribute("href")
    assert verify_path.startswith("/certificates/")
    assert share.inner_text().endswith(verify_path)

    # axe injects its script and styles: the CSP is bypassed for the scans only.
    scan = open_page(
        viewport, color_scheme=theme, bypass_csp=True, storage_state=page.context.storage_state()
    )
    scan.goto(page.url)
    assert blocking_violations(scan) == []

    visitor = open_page(viewport, color_scheme=theme, bypass_csp=True)
    visitor.goto(verify_path)
    expect(visitor.get_by_role("heading", name="Certificate check")).to_be_visible()
    expect(visitor.get_by_role("status")).to_contain_text("Valid certificate")
    expect(visitor.locator(".certificate")).to_contain_text("Zoë Ğürbüz")
    assert visitor.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert blocking_violations(visitor) == []
