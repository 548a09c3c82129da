"""The course report's charts for staff on a desktop, and a learner's
progress chart on a phone: drawn, visible, one bar per figure, and no wider
than the screen."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from enrollment.services import enrollment_create, lesson_complete, quiz_answer
from tests.factories import PASSWORD, course_items, make_course, make_user
from tests.helpers import PHONE_390, log_in

DESKTOP_1440 = {"width": 1440, "height": 900}


@pytest.mark.django_db(transaction=True)
def test_staff_see_the_report_charts_and_a_learner_their_weeks(open_page):
    course = make_course(topic="Charted in the browser", modules=2, lessons=1, quizzes=1)
    items = course_items(course)  # lesson, quiz, lesson, quiz
    learner = make_user(username="reader")
    enrollment_create(user=learner, course=course)
    lesson_complete(user=learner, lesson=items[0])
    quiz_answer(user=learner, activity=items[1], option_number=1)
    quiz_answer(user=learner, activity=items[1], option_number=2)
    make_user(username="boss", is_staff=True, is_superuser=True)

    page = open_page(DESKTOP_1440)
    log_in(page, "boss", PASSWORD)
    page.goto(reverse("admin:enrollment_coursereport_change", args=[course.pk]))
    expected_bars = {
        "chart-funnel": 3,
        "chart-drop-off": 4,
        "chart-quiz-success": 2 * 2,
        "chart-options-1": 3,
    }
    for chart_id, bars in expected_bars.items():
        chart = page.locator(f"svg#{chart_id}")
        expect(chart).to_be_visible()
        expect(chart.locator("rect.athena-chart__bar")).to_have_count(bars)
    # The second quiz nobody answered: a sentence, no empty chart.
    expect(page.locator("svg#chart-options-2")).to_have_count(0)
    expect(page.get_by_text("No answers yet.")).to_be_visible()
    # Bars are coloured by the stylesheet (the CSP allows no inline style).
    fill = page.locator("svg#chart-funnel rect.athena-chart__bar").first.evaluate(
        "(bar) => getComputedStyle(bar).fill"
    )
    assert fill not in ("", "none", "rgb(0, 0, 0)")
    expect(page.get_by_role("link", name="Download the figures (CSV)")).to_be_visible()

    phone = open_page(PHONE_390)
    log_in(phone, "reader", PASSWORD)
    chart = phone.locator("svg#chart-weekly-progress")
    chart.scroll_into_view_if_needed()
    expect(chart).to_be_visible()
    expect(chart.locator("rect.athena-chart__bar")).to_have_count(12)
    box = chart.bounding_box()
    assert box["width"] <= PHONE_390["width"]
    assert box["height"] > 50
    heights = chart.locator("rect.athena-chart__bar").evaluate_all(
        "(bars) => bars.map((bar) => bar.getBoundingClientRect().height)"
    )
    assert heights[-1] > 0
    assert heights[:-1] == [0] * 11
