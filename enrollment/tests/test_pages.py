"""Enrollment and progress on the learner pages: course, module, lesson, quiz."""

import re
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from courses.models import Activity, Course, Lesson
from enrollment.models import Enrollment, QuizAttempt, ResumePoint
from enrollment.services import enrollment_create, lesson_complete, quiz_answer
from tests.factories import course_items, make_course, make_user
from tests.helpers import option_position, post_answer

pytestmark = pytest.mark.django_db


def test_an_anonymous_visitor_is_offered_enrollment(client):
    course = make_course()
    response = client.get(course.get_absolute_url())
    html = response.content.decode()
    # A link to log in, not a form: a visitor's course page makes no CSRF token.
    assert "csrfmiddlewaretoken" not in html
    assert "csrftoken" not in response.cookies
    assert "Enroll to track your progress" in html
    assert f"/accounts/login/?next=/courses/{course.pk}/&amp;enroll={course.pk}" in html
    assert "Continue:" not in html


def test_the_course_page_shows_an_enrolled_learners_progress(client, learner):
    course = make_course(modules=2, lessons=1, quizzes=1)
    enrollment_create(user=learner, course=course)
    first, quiz, *_ = course_items(course)
    lesson_complete(user=learner, lesson=first)
    html = client.get(course.get_absolute_url()).content.decode()
    assert '<progress class="progress-bar" max="100" value="25"' in html
    assert "1 of 4 done · 25%" in html
    assert f'href="{quiz.get_absolute_url()}">Continue: {quiz.title}<' in html
    assert "Next up" not in html  # it would lead to the same quiz
    assert html.count("(completed)") == 1
    assert "Leave this course" in html


def test_opening_a_lesson_moves_resume_and_ticks_nothing_until_done(client, learner):
    course = make_course(modules=1, lessons=2, quizzes=0)
    enrollment_create(user=learner, course=course)
    first, second = course_items(course)
    html = client.get(second.get_absolute_url()).content.decode()
    assert "Mark done and continue" in html
    assert ResumePoint.objects.get(user=learner).lesson == second
    course_html = client.get(course.get_absolute_url()).content.decode()
    assert f'href="{second.get_absolute_url()}">Continue: {second.title}<' in course_html
    assert f'href="{first.get_absolute_url()}">Next up: {first.title}<' in course_html


def test_a_done_lesson_is_ticked_and_the_bars_move(client, learner):
    course = make_course(modules=1, lessons=2, quizzes=0)
    enrollment_create(user=learner, course=course)
    first, _ = course_items(course)
    lesson_complete(user=learner, lesson=first)
    html = client.get(first.get_absolute_url()).content.decode()
    assert "You marked this lesson done." in html
    assert "Mark as not done" in html
    assert "1 of 2 done · 50%" in html  # the outline sidebar's bar
    module_html = client.get(first.module.get_absolute_url()).content.decode()
    assert "1 of 2 done · 50%" in module_html
    assert module_html.count("(completed)") >= 1


def test_a_learner_not_enrolled_is_asked_to_enroll_on_a_lesson(client, learner):
    course = make_course(modules=1, lessons=1, quizzes=0)
    (lesson,) = course_items(course)
    html = client.get(lesson.get_absolute_url()).content.decode()
    assert "Enroll in this course to mark lessons done" in html
    assert "Mark done" not in html
    assert not ResumePoint.objects.exists()


def test_opening_the_course_refreshes_a_stale_last_access(client, learner):
    course = make_course()
    enrollment, _ = enrollment_create(user=learner, course=course)
    stale = timezone.now() - timedelta(days=2)
    Enrollment.objects.filter(pk=enrollment.pk).update(last_accessed_at=stale)
    client.get(course.get_absolute_url())
    enrollment.refresh_from_db()
    assert enrollment.last_accessed_at > stale + timedelta(days=1)


def quiz_of(course) -> Activity:
    return next(item for item in course_items(course) if item.kind == "activity")


def test_each_submission_of_an_enrolled_learner_is_an_attempt(client, learner):
    course = make_course(modules=1, lessons=0, quizzes=1)
    enrollment_create(user=learner, course=course)
    quiz = quiz_of(course)
    post_answer(client, quiz, 1)
    post_answer(client, quiz, 2)
    attempts = list(QuizAttempt.objects.order_by("attempted_at", "id"))
    assert [(a.user, a.activity, a.chosen_option, a.is_correct) for a in attempts] == [
        (learner, quiz, 1, False),
        (learner, quiz, 2, True),
    ]


def test_a_learner_not_enrolled_is_answered_but_nothing_is_stored(client, learner):
    quiz = quiz_of(make_course(modules=1, lessons=0, quizzes=1))
    assert "Correct!" in post_answer(client, quiz, 2).content.decode()
    assert not QuizAttempt.objects.exists()
    # The rule is the service's, whoever calls it.
    outcome = quiz_answer(user=learner, activity=quiz, option_number=2)
    assert outcome.correct
    assert outcome.attempt is None
    assert not QuizAttempt.objects.exists()


def test_anonymous_answers_are_neither_checked_nor_stored(client):
    quiz = quiz_of(make_course(modules=1, lessons=0, quizzes=1))
    html = post_answer(client, quiz, 2).content.decode()
    assert "Log in to check your answer" in html
    assert "Correct!" not in html
    assert not QuizAttempt.objects.exists()


def test_forged_answers_store_nothing(client, learner):
    course, other = make_course(), make_course()
    enrollment_create(user=learner, course=course)
    quiz = quiz_of(course)
    foreign_module = other.modules.first()
    url = f"/courses/{course.pk}/modules/{foreign_module.pk}/quizzes/{quiz.pk}/"
    assert client.post(url, {"option": "2"}).status_code == HTTPStatus.NOT_FOUND
    response = post_answer(client, quiz, 9)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    response = post_answer(client, quiz, 2, user=make_user().pk)
    assert QuizAttempt.objects.get().user == learner


def correct_option_marked(html: str) -> bool:
    return "(the correct answer)" in html or "— Beta is right" in html


@pytest.mark.parametrize(
    ("policy", "revealed_after_wrong"),
    [(Course.AnswerReveal.AFTER_CORRECT, False), (Course.AnswerReveal.AFTER_ATTEMPT, True)],
)
def test_the_reveal_policy_decides_when_the_answer_appears(
    client, learner, policy, revealed_after_wrong
):
    course = make_course(modules=1, lessons=0, quizzes=1)
    Course.objects.filter(pk=course.pk).update(answer_reveal=policy)
    enrollment_create(user=learner, course=course)
    quiz = quiz_of(course)
    before = client.get(quiz.get_absolute_url()).content.decode()
    assert not correct_option_marked(before)
    wrong = post_answer(client, quiz, 3).content.decode()
    assert ("The correct answer is " in wrong and " — Beta." in wrong) is revealed_after_wrong
    assert ("(the correct answer)" in wrong) is revealed_after_wrong
    right = post_answer(client, quiz, 2).content.decode()
    assert "Correct!" in right
    # Once passed, the quiz shows it was passed, and its answer, on every visit.
    later = client.get(quiz.get_absolute_url()).content.decode()
    assert "You have answered this quiz correctly." in later
    assert "(the correct answer)" in later


def test_one_learners_pass_reveals_nothing_to_another(client, learner):
    course = make_course(modules=1, lessons=0, quizzes=1)
    quiz = quiz_of(course)
    post_answer(client, quiz, 2)
    client.force_login(make_user())
    html = client.get(quiz.get_absolute_url()).content.decode()
    assert not correct_option_marked(html)
    assert "You have answered this quiz correctly." not in html


def test_finishing_the_course_says_so_with_the_results(client, learner):
    course = make_course(modules=1, lessons=1, quizzes=1)
    enrollment_create(user=learner, course=course)
    lesson, quiz = course_items(course)
    lesson_complete(user=learner, lesson=lesson)
    post_answer(client, quiz, 2)
    html = client.get(course.get_absolute_url()).content.decode()
    assert "You finished this course." in html
    assert "Review your quiz results" in html
    assert "Continue:" not in html
    assert "Next up" not in html


def test_enrolled_learner_pages_stay_within_budget(client, learner, django_assert_num_queries):
    """Every course page reads the course's row, which holds its outline and
    content version, in one query with the lesson or quiz the page shows (no
    modules or other items are read: courses.models.page_rows). A learner adds
    the session (2), their state in the course (1), the bell's unread count
    (1) and, when they move to another item, the resume point's write (1)."""
    course = make_course(modules=20, lessons=5, quizzes=5)
    enrollment_create(user=learner, course=course)
    items = course_items(course)
    for item in items[:60:3]:
        if isinstance(item, Lesson):
            lesson_complete(user=learner, lesson=item)
    lesson = next(item for item in items[100:] if isinstance(item, Lesson))
    quiz = next(item for item in items[100:] if isinstance(item, Activity))
    module = course.modules.all()[10]
    urls = [item.get_absolute_url() for item in (course, module, lesson, quiz)]
    course_url, module_url, lesson_url, quiz_url = urls
    learner_reads = 2 + 1 + 1  # session and user, state, bell
    with django_assert_num_queries(1 + learner_reads):
        client.get(course_url)
    with django_assert_num_queries(1 + learner_reads):
        client.get(module_url)
    with django_assert_num_queries(1 + learner_reads + 1):
        client.get(lesson_url)
    with django_assert_num_queries(1 + learner_reads + 1):
        client.get(quiz_url)
    # Still on the quiz (kept), so no resume write; the attempt's insert
    # instead (the learner's state, read first, says whether they are enrolled).
    right = option_position(quiz, learner, 2)
    with django_assert_num_queries(1 + learner_reads + 1):
        client.post(quiz_url, {"option": right})


def test_trending_modules_are_where_learners_worked_recently(client):
    cache.clear()
    course = make_course(modules=3, lessons=1, quizzes=1)
    _, second, third = course.modules.all()
    draft = make_course(modules=1, publish=False)
    ada, bob = make_user(), make_user()
    enrollment_create(user=ada, course=course)
    enrollment_create(user=ada, course=draft)
    third_lesson, third_quiz = third.ordered_items()
    lesson_complete(user=ada, lesson=third_lesson)
    QuizAttempt.objects.create(user=bob, activity=third_quiz, chosen_option=1, is_correct=False)
    lesson_complete(user=ada, lesson=second.ordered_items()[0])
    lesson_complete(user=ada, lesson=draft.modules.get().ordered_items()[0])
    modules = client.get("/").context["trending_modules"]
    assert modules[:2] == [third, second]
    assert draft.modules.get() not in modules


def test_an_enrolled_learner_who_has_not_started_is_offered_the_first_item(client, learner):
    course = make_course(modules=1, lessons=2, quizzes=0)
    enrollment_create(user=learner, course=course)
    first, _ = course_items(course)
    html = client.get(course.get_absolute_url()).content.decode()
    assert f'href="{first.get_absolute_url()}">Start: {first.title}<' in html
    assert "Next up" not in html


def test_continue_skips_a_last_opened_item_already_done(client, learner):
    course = make_course(modules=1, lessons=3, quizzes=0)
    enrollment_create(user=learner, course=course)
    first, second, _ = course_items(course)
    client.get(second.get_absolute_url())
    lesson_complete(user=learner, lesson=second)
    html = client.get(course.get_absolute_url()).content.decode()
    # The last opened lesson is done: continue at the first one not done.
    assert f'href="{first.get_absolute_url()}">Continue: {first.title}<' in html
    assert "Next up" not in html


# Quizzes that measure: options shuffled per learner, hints, feedback, the lesson again.


def test_each_learner_sees_the_options_in_an_order_of_their_own_kept_every_visit(client):
    course = make_course(modules=1, lessons=1, quizzes=1)
    quiz = quiz_of(course)
    quiz.set_quiz(question="Pick one", options=["One", "Two", "Three", "Four", "Five"], answer=3)
    quiz.save()

    def shown(page_client) -> list[str]:
        html = page_client.get(quiz.get_absolute_url()).content.decode()
        return re.findall(r'<span class="quiz__text">(\w+)', html)

    learners = [make_user() for _ in range(6)]
    orders = {}
    for learner in learners:
        client.force_login(learner)
        orders[learner.pk] = shown(client)
        assert shown(client) == orders[learner.pk]  # the same on every visit
        assert sorted(orders[learner.pk]) == sorted(["One", "Two", "Three", "Four", "Five"])
    assert len({tuple(order) for order in orders.values()}) > 1
    # Visitors without an account all see one order (the page is the same for all).
    assert shown(Client()) == shown(Client())
    # The answer is recorded as the option itself, wherever it was shown.
    learner = learners[0]
    client.force_login(learner)
    enrollment_create(user=learner, course=course)
    post_answer(client, quiz, 3)
    attempt = QuizAttempt.objects.get(user=learner)
    assert (attempt.chosen_option, attempt.is_correct) == (3, True)


def test_a_wrong_answer_gives_the_hint_the_options_feedback_and_the_lesson_again(client, learner):
    course = make_course(modules=1, lessons=1, quizzes=1)
    lesson = Lesson.objects.get(module__course=course)
    quiz = quiz_of(course)
    quiz.set_quiz(
        question="Which is second?",
        options=["Alpha", "Beta", "Gamma"],
        answer=2,
        hint="Think of the **alphabet**.",
        feedback=["Alpha comes first.", "", "Gamma is third."],
    )
    quiz.save()
    enrollment_create(user=learner, course=course)

    wrong = post_answer(client, quiz, 3).content.decode()
    assert "Gamma is third." in wrong
    assert "Alpha comes first." not in wrong
    assert "<strong>Hint:</strong>" in wrong
    assert "Think of the <strong>alphabet</strong>." in wrong
    assert f'Read the lesson again: <a href="{lesson.get_absolute_url()}"' in wrong

    right = post_answer(client, quiz, 2).content.decode()
    assert "Correct!" in right
    assert "Hint:" not in right
    assert "Read the lesson again" not in right


@pytest.mark.parametrize(
    "odd", [{"feedback": None}, {"feedback": [1, 2, 3]}, {"feedback": "abc"}, {"hint": 5}]
)
def test_odd_stored_hints_and_feedback_never_break_the_quiz_page(client, learner, odd):
    """Written round the checks (a raw update): the page shows none of it."""
    course = make_course(modules=1, lessons=0, quizzes=1)
    quiz = quiz_of(course)
    Activity.objects.filter(pk=quiz.pk).update(content={**quiz.content, **odd})
    assert client.get(quiz.get_absolute_url()).status_code == HTTPStatus.OK
    page = post_answer(client, quiz, 1)
    assert page.status_code == HTTPStatus.OK
    assert "Hint:" not in page.content.decode()
    quiz.refresh_from_db()
    if odd != {"feedback": None}:
        with pytest.raises(ValidationError):
            quiz.full_clean()
