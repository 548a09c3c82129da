"""A learner in Chromium signs up, enrolls, marks a lesson done, fails then
passes a quiz, watches the progress bar move, logs out, logs back in and
resumes where they were."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from courses.models import Course
from enrollment.models import Enrollment, QuizAttempt
from tests.factories import PASSWORD, make_course
from tests.helpers import link_in


def progress_value(page: Page) -> int:
    return int(page.locator("progress.progress-bar").first.get_attribute("value"))


@pytest.mark.django_db(transaction=True)
def test_learner_signs_up_learns_and_resumes(live_server, page: Page):
    course = make_course(topic="Learning in the browser", modules=2, lessons=1, quizzes=1)
    course = Course.objects.with_outline().get(pk=course.pk)
    first_lesson, quiz, second_lesson, _ = course.ordered_items()

    # An anonymous visitor follows Enroll to the log-in page; they sign up instead.
    page.goto(live_server.url + course.get_absolute_url())
    page.get_by_role("link", name="Enroll to track your progress").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Username").fill("ada")
    page.get_by_label("E-mail address").fill("ada@example.com")
    page.get_by_role("button", name="Sign up").click()

    # They confirm the address from the e-mail, choosing their password there.
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    page.goto(live_server.url + link_in(mail.outbox[-1], "/accounts/activate/"))
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Confirm my account").click()

    # Back on the course, enrolled, with an empty progress bar.
    expect(page).to_have_url(re.compile(rf"{course.get_absolute_url()}$"))
    expect(page.get_by_text("You are enrolled in Learning in the browser.")).to_be_visible()
    assert Enrollment.objects.filter(user__username="ada", course=course).exists()
    expect(page.get_by_text("0 of 4 done · 0%")).to_be_visible()

    # Read the first lesson and mark it done; the next item opens.
    page.get_by_role("link", name=f"Start: {first_lesson.title}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(first_lesson.title)
    page.get_by_role("button", name="Mark done and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(quiz.title)
    assert progress_value(page) == 25

    # Fail the quiz, then pass it.
    page.get_by_label("Alpha").check()
    page.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_text("Not quite.")).to_be_visible()
    expect(page.get_by_text("(the correct answer)")).to_have_count(0)
    assert progress_value(page) == 25
    page.get_by_label("Beta").check()
    page.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_text("Correct!")).to_be_visible()
    assert progress_value(page) == 50
    assert QuizAttempt.objects.filter(user__username="ada").count() == 2

    # Open the next lesson, then log out.
    page.get_by_role("link", name=re.compile(second_lesson.title)).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(second_lesson.title)
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()

    # Log back in (with the e-mail address this time) and resume from the dashboard.
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Username or e-mail").fill("ada@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="My courses").click()
    expect(page.get_by_role("heading", name="My courses")).to_be_visible()
    expect(page.get_by_text("2 of 4 done · 50%")).to_be_visible()
    # The button says where it leads.
    page.get_by_role("link", name=f"Continue: {second_lesson.title}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(second_lesson.title)
    expect(page.locator(".outline__item.is-complete")).to_have_count(2)
