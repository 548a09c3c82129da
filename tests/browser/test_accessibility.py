"""axe-core (through axe-playwright-python) finds no serious or critical
accessibility problem on the learner pages, in the light and the dark theme."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from courses.models import Course
from enrollment.services import enrollment_create, lesson_complete
from notifications.services import notification_create
from tests.factories import PASSWORD, make_user
from tests.helpers import (
    DESKTOP,
    PHONE,
    PHONE_390,
    finish_course,
    lesson_titled,
    log_in,
    make_photosynthesis_course,
    make_statistics_course,
    make_try_finally_course,
    open_site_menu,
)

BLOCKING_IMPACTS = {"serious", "critical"}


def blocking_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(node["target"][0] for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]


def learner_urls(course: Course) -> dict[str, str]:
    items = course.ordered_items()
    lesson = next(item for item in items if item.kind == "lesson")
    quiz = next(item for item in items if item.kind == "activity")
    return {
        "home": "/",
        "catalog": "/courses/?q=photosynthesis",
        "empty catalog": "/courses/?q=nothing+matches+this",
        "catalog with a match inside": "/courses/?q=photons+beginner",
        "catalog by popularity": "/courses/?sort=popular",
        "did you mean": "/courses/?q=photosynthsis",
        "course": course.get_absolute_url(),
        "module": course.modules.all()[0].get_absolute_url(),
        "lesson": lesson.get_absolute_url(),
        "quiz": quiz.get_absolute_url(),
        "not found": "/courses/999999/",
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_learner_pages_have_no_serious_accessibility_violations(open_page, theme):
    course = make_photosynthesis_course()
    # axe injects its own script and styles: the CSP is bypassed for the scan only.
    page = open_page(DESKTOP, color_scheme=theme, bypass_csp=True)
    problems = {}
    for name, url in learner_urls(course).items():
        page.goto(url)
        assert page.evaluate("getComputedStyle(document.body).colorScheme") == theme
        found = blocking_violations(page)
        if found:
            problems[name] = found
    # A visitor's answer, sent without the button they are not offered: the
    # invitation to log in, no verdict.
    page.goto(learner_urls(course)["quiz"])
    page.get_by_label("Alpha").check()
    page.locator("form.quiz").evaluate("(form) => form.requestSubmit()")
    page.get_by_role("status").wait_for()
    if found := blocking_violations(page):
        problems["visitor's answered quiz"] = found
    # A learner's quiz after a wrong answer shows coloured feedback: check its
    # contrast too.
    make_user(username="reader")
    log_in(page, "reader", PASSWORD)
    page.goto(learner_urls(course)["quiz"])
    page.get_by_label("Alpha").check()
    page.get_by_role("button", name="Check my answer").click()
    page.get_by_role("status").wait_for()
    if found := blocking_violations(page):
        problems["answered quiz"] = found
    assert problems == {}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_phone_layout_has_no_serious_accessibility_violations(open_page, theme):
    """A visitor's pages, then a learner's with the header menu (and its
    unread-notifications dot) open, the catalog's filters open and a lesson
    scrolled to its outline."""
    course = make_photosynthesis_course()
    page = open_page(PHONE, color_scheme=theme, bypass_csp=True)
    problems = {}
    urls = learner_urls(course)
    for name in ("home", "catalog", "catalog with a match inside", "lesson", "quiz"):
        page.goto(urls[name])
        if found := blocking_violations(page):
            problems[name] = found
    learner = make_user(username="reader")
    notification_create(user=learner, message="Your course is ready.", url="/")
    log_in(page, "reader", PASSWORD)
    page.goto(urls["home"])
    open_site_menu(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My courses").wait_for()
    if found := blocking_violations(page):
        problems["home, menu open"] = found
    page.goto("/courses/?level=beginner&sort=newest")
    page.locator(".catalog-filters__toggle > summary").click()
    page.get_by_label("Level").wait_for()
    if found := blocking_violations(page):
        problems["catalog, filters open"] = found
    page.goto(urls["lesson"])
    page.get_by_role("link", name="Outline", exact=True).click()
    if found := blocking_violations(page):
        problems["lesson at its outline"] = found
    assert problems == {}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_account_and_progress_pages_have_no_serious_accessibility_violations(
    open_page,
    live_server,
    theme,
):
    course = make_photosynthesis_course()
    learner = make_user(username="reader")
    enrollment_create(user=learner, course=course)
    lesson = next(item for item in course.ordered_items() if item.kind == "lesson")
    lesson_complete(user=learner, lesson=lesson)
    finished = make_try_finally_course()
    finish_course(learner, finished)
    page = open_page(DESKTOP, color_scheme=theme, bypass_csp=True)
    problems = {}
    for name, url in {
        "log in": reverse("login"),
        "sign up": reverse("accounts:signup"),
        "password reset": reverse("password_reset"),
    }.items():
        page.goto(url)
        if found := blocking_violations(page):
            problems[name] = found
    page.goto(reverse("login"))
    page.get_by_label("Username or e-mail").fill("reader")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="My courses").wait_for()
    for name, url in {
        "dashboard": reverse("enrollment:dashboard"),
        "home with continue learning": "/",
        "profile": reverse("accounts:profile"),
        "enrolled course": course.get_absolute_url(),
        "done lesson": lesson.get_absolute_url(),
        "module with progress": course.modules.all()[0].get_absolute_url(),
        "quiz results": reverse("enrollment:course-results", args=[course.pk]),
        "leave course": reverse("enrollment:unenroll", args=[course.pk]),
        "rate a finished course": reverse("enrollment:rate", args=[finished.pk]),
    }.items():
        page.goto(url)
        if name == "dashboard":  # scanned with its progress chart drawn
            assert page.locator("svg#chart-weekly-progress rect").count() == 12
        if found := blocking_violations(page):
            problems[name] = found
    assert problems == {}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("theme", "viewport"),
    [("light", DESKTOP), ("dark", DESKTOP), ("light", PHONE_390), ("dark", PHONE_390)],
    ids=["light-desktop", "dark-desktop", "light-phone", "dark-phone"],
)
def test_maths_tables_and_quiz_feedback_have_no_serious_violations(open_page, theme, viewport):
    """A lesson with maths, wide tables and code (scroll boxes on a phone), and a
    quiz answered right: explanation, lettered options, "Next"."""
    statistics = make_statistics_course()
    quiz = make_try_finally_course().ordered_items()[1]
    make_user(username="reader")
    page = open_page(viewport, color_scheme=theme, bypass_csp=True)
    log_in(page, "reader", PASSWORD)
    problems = {}
    page.goto(lesson_titled(statistics, "Discrete distributions").get_absolute_url())
    if found := blocking_violations(page):
        problems["lesson with maths and tables"] = found
    page.goto(quiz.get_absolute_url())
    page.get_by_label("finally").check()
    page.get_by_role("button", name="Check my answer").click()
    page.get_by_role("status").wait_for()
    if found := blocking_violations(page):
        problems["quiz answered right"] = found
    assert problems == {}
