"""Review what was missed: quizzes missed on the first try come back on a
spaced schedule (1, 3, 7 days), answered on the Review pages."""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses.models import Activity, Course
from enrollment.models import QuizAttempt, ReviewItem
from enrollment.selectors import quiz_results
from enrollment.services import (
    REVIEW_INTERVALS,
    NotDueForReview,
    enrollment_create,
    quiz_answer,
    review_answer,
)
from tests.factories import make_course, make_user
from tests.helpers import option_position

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
RIGHT, WRONG = 2, 1  # the factories' quizzes: "Beta" (2) is right


@pytest.fixture
def course() -> Course:
    return make_course(topic="Review course", modules=2, lessons=1, quizzes=2)


def _quizzes(course: Course) -> list[Activity]:
    return list(Activity.objects.filter(module__course=course).order_by("pk"))


def _missed(user, quiz: Activity) -> ReviewItem:
    """`user` (enrolled) misses `quiz` on the first try; its schedule."""
    quiz_answer(user=user, activity=quiz, option_number=WRONG)
    return ReviewItem.objects.select_related("activity__module__course").get(
        user=user, activity=quiz
    )


def _make_due(item: ReviewItem) -> ReviewItem:
    """Move the item's due date to now, as if the days had passed."""
    ReviewItem.objects.filter(pk=item.pk).update(due_at=timezone.now())
    item.refresh_from_db()
    return item


# Services: the schedule.


def test_a_wrong_first_answer_comes_back_a_day_after_the_miss(course):
    learner = make_user()
    enrollment_create(user=learner, course=course)
    quiz = _quizzes(course)[0]
    outcome = quiz_answer(user=learner, activity=quiz, option_number=WRONG)
    item = ReviewItem.objects.get(user=learner, activity=quiz)
    assert item.step == 0
    assert item.missed_at == outcome.attempt.attempted_at
    assert item.due_at == outcome.attempt.attempted_at + DAY
    assert not item.is_due(timezone.now())
    assert item.is_due(timezone.now() + DAY + timedelta(seconds=1))


def test_only_a_first_miss_by_an_enrolled_learner_is_scheduled(course):
    learner, visitor = make_user(), make_user()
    enrollment_create(user=learner, course=course)
    first, second, third, _ = _quizzes(course)
    # Right first, wrong later: the first attempt is what counts.
    quiz_answer(user=learner, activity=first, option_number=RIGHT)
    quiz_answer(user=learner, activity=first, option_number=WRONG)
    # Wrong twice: one schedule, from the first miss.
    quiz_answer(user=learner, activity=second, option_number=WRONG)
    due = ReviewItem.objects.get(user=learner, activity=second).due_at
    quiz_answer(user=learner, activity=second, option_number=WRONG)
    # Not enrolled: nothing stored, nothing scheduled.
    quiz_answer(user=visitor, activity=third, option_number=WRONG)
    assert list(ReviewItem.objects.values_list("user", "activity", "due_at")) == [
        (learner.pk, second.pk, due)
    ]


def test_right_review_answers_come_back_after_3_then_7_days_then_master_it(course):
    learner = make_user()
    enrollment_create(user=learner, course=course)
    item = _missed(learner, _quizzes(course)[0])
    now = item.due_at
    review_answer(user=learner, item=item, option_number=RIGHT, now=now)
    item.refresh_from_db()
    assert (item.step, item.due_at, item.reviewed_at) == (1, now + 3 * DAY, now)
    now = item.due_at + timedelta(hours=2)  # answered a little late
    review_answer(user=learner, item=item, option_number=RIGHT, now=now)
    item.refresh_from_db()
    assert (item.step, item.due_at) == (2, now + 7 * DAY)
    now = item.due_at
    review_answer(user=learner, item=item, option_number=RIGHT, now=now)
    item.refresh_from_db()
    assert item.mastered
    assert (item.due_at, item.mastered_at, item.step) == (None, now, len(REVIEW_INTERVALS))
    # Mastered: never due again.
    with pytest.raises(NotDueForReview):
        review_answer(user=learner, item=item, option_number=RIGHT, now=now + 365 * DAY)


def test_a_wrong_review_answer_starts_again_at_a_day(course):
    learner = make_user()
    enrollment_create(user=learner, course=course)
    item = _missed(learner, _quizzes(course)[0])
    now = item.due_at
    review_answer(user=learner, item=item, option_number=RIGHT, now=now)
    item.refresh_from_db()
    now = item.due_at
    outcome = review_answer(user=learner, item=item, option_number=WRONG, now=now)
    assert outcome.outcome.correct is False
    item.refresh_from_db()
    assert (item.step, item.due_at) == (0, now + DAY)


def test_a_review_answer_is_an_attempt_but_the_first_one_still_counts(course):
    learner = make_user()
    enrollment_create(user=learner, course=course)
    quiz = _quizzes(course)[0]
    item = _make_due(_missed(learner, quiz))
    review_answer(user=learner, item=item, option_number=RIGHT)
    assert QuizAttempt.objects.filter(user=learner, activity=quiz).count() == 2
    result = quiz_results(user=learner, course=course).quizzes[0]
    assert (result.passed, result.first_try) == (True, False)


def test_a_question_not_due_or_answered_from_another_tab_is_refused(course):
    learner = make_user()
    enrollment_create(user=learner, course=course)
    item = _missed(learner, _quizzes(course)[0])
    with pytest.raises(NotDueForReview):  # due tomorrow
        review_answer(user=learner, item=item, option_number=RIGHT)
    item = _make_due(item)
    stale = ReviewItem.objects.select_related("activity").get(pk=item.pk)
    review_answer(user=learner, item=item, option_number=RIGHT)
    attempts = QuizAttempt.objects.count()
    # The same form sent again (read before the first answer moved it on).
    with pytest.raises(NotDueForReview):
        review_answer(user=learner, item=stale, option_number=WRONG, now=stale.due_at)
    assert QuizAttempt.objects.count() == attempts  # rolled back
    item.refresh_from_db()
    assert item.step == 1


def test_answers_on_the_quiz_page_do_not_move_the_schedule(client, learner, course):
    enrollment_create(user=learner, course=course)
    quiz = _quizzes(course)[0]
    item = _missed(learner, quiz)
    client.post(quiz.get_absolute_url(), {"option": option_position(quiz, learner, RIGHT)})
    client.post(quiz.get_absolute_url(), {"option": option_position(quiz, learner, WRONG)})
    assert ReviewItem.objects.get(pk=item.pk).due_at == item.due_at


# Views.


def test_review_pages_need_a_login(client, course):
    for url in (
        reverse("enrollment:review"),
        reverse("enrollment:course-review", args=[course.pk]),
    ):
        response = client.get(url)
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"].startswith(reverse("login"))


def test_a_course_one_may_not_see_has_no_review_page(client, learner):
    draft = make_course(publish=False)
    for course_id in (draft.pk, draft.pk + 1000):
        response = client.get(reverse("enrollment:course-review", args=[course_id]))
        assert response.status_code == HTTPStatus.NOT_FOUND


def test_the_review_page_lists_due_questions_first_then_later_then_mastered(
    client, learner, course
):
    enrollment_create(user=learner, course=course)
    first, second, third, fourth = _quizzes(course)
    due = _make_due(_missed(learner, first))
    later = _missed(learner, second)
    ReviewItem.objects.filter(pk=later.pk).update(
        due_at=timezone.now() + 2 * DAY + timedelta(minutes=5)
    )
    mastered = _missed(learner, third)
    ReviewItem.objects.filter(pk=mastered.pk).update(due_at=None, mastered_at=timezone.now())
    quiz_answer(user=learner, activity=fourth, option_number=RIGHT)  # never missed
    other = make_user()  # someone else's misses are theirs
    enrollment_create(user=other, course=course)
    _make_due(_missed(other, fourth))

    for url in (
        reverse("enrollment:review"),
        reverse("enrollment:course-review", args=[course.pk]),
    ):
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == HTTPStatus.OK
        assert response.context["due"][0].item == due
        assert [entry.item for entry in response.context["later"]] == [later]
        assert [entry.item for entry in response.context["mastered"]] == [mastered]
        assert "Due now (1)" in html
        assert html.index(first.title) < html.index(second.title) < html.index(third.title)
        assert "in 2 days" in html
        assert "mastered" in html
        assert fourth.title not in html
        # One form, its options in the learner's own order (as on the quiz page).
        assert html.count('name="option"') == 3
        shown = [option.text for option in response.context["due"][0].options]
        assert shown == [first.options[number - 1] for number in _order(first, learner)]


def _order(quiz, user):
    from enrollment.pages import option_order

    return option_order(quiz, user)


def test_answering_right_on_the_review_page_says_when_it_comes_back(client, learner, course):
    enrollment_create(user=learner, course=course)
    quiz = _quizzes(course)[0]
    _make_due(_missed(learner, quiz))
    url = reverse("enrollment:course-review", args=[course.pk])
    response = client.post(
        url, {"activity": quiz.pk, "option": option_position(quiz, learner, RIGHT)}
    )
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "Correct!" in html
    assert "Next review: in 3 days" in html
    assert "Due now (0)" in html
    assert ReviewItem.objects.get(user=learner, activity=quiz).step == 1


def test_answering_wrong_shows_the_hint_and_feedback_and_tomorrow(client, learner, course):
    enrollment_create(user=learner, course=course)
    quiz = _quizzes(course)[0]
    quiz.set_quiz(
        question="Which letter?",
        options=["Alpha", "Beta", "Gamma"],
        answer=RIGHT,
        hint="Think of the second letter.",
        feedback=["Alpha is the first letter.", "", ""],
    )
    quiz.save()
    _make_due(_missed(learner, quiz))
    response = client.post(
        reverse("enrollment:review"),
        {"activity": quiz.pk, "option": option_position(quiz, learner, WRONG)},
    )
    html = response.content.decode()
    assert "Not quite." in html
    assert "Think of the second letter." in html
    assert "Alpha is the first letter." in html
    assert "Next review: tomorrow" in html
    # The course reveals the right option only after a right answer.
    assert "The correct answer is" not in html


def test_the_last_right_answer_says_mastered(client, learner, course):
    enrollment_create(user=learner, course=course)
    quiz = _quizzes(course)[0]
    item = _missed(learner, quiz)
    ReviewItem.objects.filter(pk=item.pk).update(step=2, due_at=timezone.now())
    response = client.post(
        reverse("enrollment:review"),
        {"activity": quiz.pk, "option": option_position(quiz, learner, RIGHT)},
    )
    html = response.content.decode()
    assert "Mastered: this question will not come back." in html
    assert "Mastered (1)" in html


def test_a_question_not_due_goes_back_to_the_page_saying_so(client, learner, course):
    enrollment_create(user=learner, course=course)
    quiz = _quizzes(course)[0]
    _missed(learner, quiz)  # due tomorrow
    url = reverse("enrollment:review")
    response = client.post(url, {"activity": quiz.pk, "option": "1"}, follow=True)
    assert response.redirect_chain == [(url, HTTPStatus.FOUND)]
    assert "not due for review now" in response.content.decode()
    assert QuizAttempt.objects.filter(user=learner).count() == 1


@pytest.mark.parametrize(
    "data",
    [{"activity": "abc", "option": "1"}, {"activity": "", "option": "1"}, {"option": "1"}],
)
def test_a_malformed_question_is_a_bad_request(client, learner, course, data):
    response = client.post(reverse("enrollment:review"), data)
    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_a_malformed_or_missing_option_is_a_bad_request(client, learner, course):
    enrollment_create(user=learner, course=course)
    quiz = _quizzes(course)[0]
    _make_due(_missed(learner, quiz))
    url = reverse("enrollment:review")
    for option in ("", "9", "x"):
        response = client.post(url, {"activity": quiz.pk, "option": option})
        assert response.status_code == HTTPStatus.BAD_REQUEST
    assert ReviewItem.objects.get(activity=quiz).step == 0


def test_a_review_answer_needs_the_csrf_token(learner, course):
    enrollment_create(user=learner, course=course)
    quiz = _quizzes(course)[0]
    _make_due(_missed(learner, quiz))
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    response = client.post(reverse("enrollment:review"), {"activity": quiz.pk, "option": "1"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert ReviewItem.objects.get(activity=quiz).step == 0


def test_a_course_left_is_not_reviewed(client, learner, course):
    enrollment_create(user=learner, course=course)
    quiz = _quizzes(course)[0]
    _make_due(_missed(learner, quiz))
    client.post(reverse("enrollment:unenroll", args=[course.pk]))
    response = client.get(reverse("enrollment:review"))
    assert quiz.title not in response.content.decode()
    assert "Nothing to review" in response.content.decode()


def test_dashboard_course_and_results_pages_link_to_review(client, learner, course):
    enrollment_create(user=learner, course=course)
    first, second, *_ = _quizzes(course)
    _make_due(_missed(learner, first))
    _missed(learner, second)  # due tomorrow: not counted as due
    review_url = reverse("enrollment:course-review", args=[course.pk])
    dashboard = client.get(reverse("enrollment:dashboard")).content.decode()
    assert "1 question to review" in dashboard
    assert reverse("enrollment:review") in dashboard
    course_page = client.get(course.get_absolute_url()).content.decode()
    assert review_url in course_page
    assert "Review: 1 due now" in course_page
    results = client.get(reverse("enrollment:course-results", args=[course.pk])).content.decode()
    assert review_url in results


def test_nothing_to_review_shows_no_review_links(client, learner, course):
    enrollment_create(user=learner, course=course)
    quiz_answer(user=learner, activity=_quizzes(course)[0], option_number=RIGHT)
    review_url = reverse("enrollment:course-review", args=[course.pk])
    assert "to review" not in client.get(reverse("enrollment:dashboard")).content.decode()
    assert review_url not in client.get(course.get_absolute_url()).content.decode()
    results = client.get(reverse("enrollment:course-results", args=[course.pk]))
    assert review_url not in results.content.decode()


def test_a_missed_quiz_answered_right_on_review_can_finish_the_course(client, learner):
    from certificates.models import Certificate
    from courses.models import Lesson
    from enrollment.services import lesson_complete

    course = make_course(topic="Last one", modules=1, lessons=1, quizzes=1)
    enrollment_create(user=learner, course=course)
    lesson_complete(user=learner, lesson=Lesson.objects.get(module__course=course))
    quiz = _quizzes(course)[0]
    _make_due(_missed(learner, quiz))
    assert not Certificate.objects.exists()
    url = reverse("enrollment:course-review", args=[course.pk])
    response = client.post(
        url, {"activity": quiz.pk, "option": option_position(quiz, learner, RIGHT)}
    )
    assert "You finished Last one: your certificate is on the course page." in (
        response.content.decode()
    )
    assert Certificate.objects.get(user=learner).course_title == "Last one"


def test_misses_from_before_reviews_existed_come_back(learner, course):
    import importlib

    from django.apps import apps as global_apps

    enrollment_create(user=learner, course=course)
    first, second, third = _quizzes(course)[:3]
    quiz_answer(user=learner, activity=first, option_number=WRONG)
    quiz_answer(user=learner, activity=first, option_number=RIGHT)
    quiz_answer(user=learner, activity=second, option_number=RIGHT)
    quiz_answer(user=learner, activity=second, option_number=WRONG)  # a later slip
    quiz_answer(user=learner, activity=third, option_number=WRONG)
    a_week_ago = timezone.now() - 7 * DAY
    QuizAttempt.objects.filter(activity=third).update(attempted_at=a_week_ago)
    ReviewItem.objects.all().delete()  # as before the schedule was kept

    migration = importlib.import_module("enrollment.migrations.0011_review_earlier_misses")
    migration.schedule_earlier_misses(global_apps, None)
    migration.schedule_earlier_misses(global_apps, None)  # twice: nothing doubles

    items = {item.activity_id: item for item in ReviewItem.objects.filter(user=learner)}
    assert set(items) == {first.pk, third.pk}
    assert items[third.pk].due_at == a_week_ago + DAY
    assert items[third.pk].is_due(timezone.now())


def test_a_review_in_a_course_finished_already_does_not_finish_it_again(client, learner):
    from courses.models import Lesson
    from enrollment.services import lesson_complete

    course = make_course(topic="Done before", modules=1, lessons=1, quizzes=1)
    enrollment_create(user=learner, course=course)
    lesson_complete(user=learner, lesson=Lesson.objects.get(module__course=course))
    quiz = _quizzes(course)[0]
    item = _missed(learner, quiz)
    quiz_answer(user=learner, activity=quiz, option_number=RIGHT)  # passed on the quiz page
    _make_due(item)
    url = reverse("enrollment:course-review", args=[course.pk])
    response = client.post(
        url, {"activity": quiz.pk, "option": option_position(quiz, learner, RIGHT)}
    )
    html = response.content.decode()
    assert "Correct!" in html
    assert "You finished" not in html
