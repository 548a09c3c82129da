"""A visitor misspells a search in the catalog and still finds the course, with
"Did you mean" naming the correction; on a phone (390 px) and a desktop
(1440 px), axe-clean."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.test_accessibility import blocking_violations
from tests.factories import make_course
from tests.helpers import PHONE_390

DESKTOP_1440 = {"width": 1440, "height": 900}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [PHONE_390, DESKTOP_1440], ids=["phone", "desktop"])
def test_a_misspelt_search_finds_the_course_and_offers_the_right_spelling(open_page, viewport):
    make_course(topic="Python for data analysis")
    make_course(topic="Gardening basics")
    # axe injects its own script and styles: the CSP is bypassed for the scan only.
    page = open_page(viewport, bypass_csp=True)
    page.goto(reverse("courses:catalog"))
    page.get_by_label("Search courses").fill("pyhton")
    page.get_by_role("button", name="Show courses").click()

    cards = page.locator(".card-grid > li")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Python for data analysis")
    line = page.locator(".did-you-mean")
    expect(line).to_have_text(
        "Did you mean python? Showing results for “python” instead of “pyhton”."
    )
    # What was typed stays in the box.
    expect(page.get_by_label("Search courses")).to_have_value("pyhton")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert blocking_violations(page) == []

    line.get_by_role("link", name="python").click()
    expect(page.get_by_label("Search courses")).to_have_value("python")
    expect(cards).to_have_count(1)
    expect(page.locator(".did-you-mean")).to_have_count(0)
