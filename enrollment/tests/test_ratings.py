"""Learners rate a course they finished or left (1-5 stars, a word); the
catalog's cards show the average from five ratings; staff read them on the
course report."""

import re
from http import HTTPStatus

import pytest
from django.urls import reverse

from courses.models import Course
from enrollment.models import CourseRating
from enrollment.services import (
    NotRatable,
    course_rate,
    enrollment_create,
    enrollment_delete,
    lesson_complete,
)
from tests.factories import course_items, logged_in, make_course, make_user
from tests.helpers import finish_course

pytestmark = pytest.mark.django_db


def rate_url(course: Course) -> str:
    return reverse("enrollment:rate", args=[course.pk])


@pytest.fixture
def course():
    return make_course(topic="Sourdough baking", modules=1, lessons=2, quizzes=1)


def test_a_learner_who_finished_rates_the_course_and_may_change_it(course):
    learner = make_user()
    finish_course(learner, course)
    client = logged_in(learner)
    page = client.get(course.get_absolute_url())
    assert rate_url(course).encode() in page.content

    assert client.get(rate_url(course)).status_code == HTTPStatus.OK
    response = client.post(rate_url(course), {"stars": "4", "comment": "  Clear and short.  "})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == course.get_absolute_url()
    rating = CourseRating.objects.get(user=learner, course=course)
    assert (rating.stars, rating.comment) == (4, "Clear and short.")

    # The form comes back filled with what they said; rating again changes it.
    form_page = client.get(rate_url(course)).content.decode()
    assert re.search(r'<input type="radio" name="stars" value="4"[^>]* checked>', form_page)
    assert "Clear and short." in form_page
    client.post(rate_url(course), {"stars": "2", "comment": ""})
    course.refresh_from_db()
    assert (course.rating_count, course.rating_total) == (1, 2)
    assert CourseRating.objects.get(user=learner, course=course).comment == ""


def test_a_learner_who_left_after_starting_may_rate(course):
    learner = make_user()
    enrollment_create(user=learner, course=course)
    lesson_complete(user=learner, lesson=course_items(course)[0])
    client = logged_in(learner)
    # Still enrolled and not finished: the course is not over for them.
    assert client.get(rate_url(course)).status_code == HTTPStatus.FORBIDDEN

    enrollment_delete(user=learner, course=course)
    page = client.get(course.get_absolute_url())
    assert rate_url(course).encode() in page.content
    assert client.post(rate_url(course), {"stars": "1"}).status_code == HTTPStatus.FOUND
    course.refresh_from_db()
    assert (course.rating_count, course.rating_total) == (1, 1)


def test_nobody_rates_a_course_they_never_started(course, client):
    learner = make_user()
    enrollment_create(user=learner, course=course)
    client = logged_in(learner)
    assert rate_url(course).encode() not in client.get(course.get_absolute_url()).content
    refused = client.post(rate_url(course), {"stars": "5"})
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert b"once you have finished it, or after leaving it" in refused.content
    assert not CourseRating.objects.exists()
    with pytest.raises(NotRatable):
        course_rate(user=make_user(), course=course, stars=5)


def test_visitors_are_sent_to_log_in_and_unknown_courses_are_not_found(client, course):
    response = client.get(rate_url(course))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("login"))
    learner = make_user()
    assert logged_in(learner).get(reverse("enrollment:rate", args=[987654])).status_code == 404
    draft = make_course(publish=False)
    assert logged_in(learner).get(rate_url(draft)).status_code == HTTPStatus.NOT_FOUND
    assert logged_in(learner).put(rate_url(course)).status_code == 405


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"comment": "Loved it"}, "Choose from 1 to 5 stars."),
        ({"stars": "6", "comment": "Loved it"}, "Select a valid choice"),
        ({"stars": "0", "comment": "Loved it"}, "Select a valid choice"),
    ],
)
def test_a_rating_out_of_range_comes_back_with_the_comment_kept(course, data, message):
    learner = make_user()
    finish_course(learner, course)
    response = logged_in(learner).post(rate_url(course), data)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert message in response.content.decode()
    assert "Loved it" in response.content.decode()
    assert not CourseRating.objects.exists()


def test_a_comment_too_long_comes_back(course):
    learner = make_user()
    finish_course(learner, course)
    response = logged_in(learner).post(rate_url(course), {"stars": "3", "comment": "x" * 1001})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "at most 1000 characters" in response.content.decode()


def test_cards_show_the_average_from_five_ratings(client, course):
    catalog = reverse("courses:catalog")
    for stars in (5, 4, 4, 3):
        learner = make_user()
        finish_course(learner, course)
        course_rate(user=learner, course=course, stars=stars)
    # Four ratings say more about the raters than the course.
    assert b"Rated " not in client.get(catalog).content

    learner = make_user()
    finish_course(learner, course)
    course_rate(user=learner, course=course, stars=5)
    page = client.get(catalog).content.decode()
    assert "Rated 4.2 of 5 by 5 learners" in page


def test_an_editor_saving_a_course_read_before_a_rating_keeps_the_rating(course):
    read_before = Course.objects.get(pk=course.pk)
    learner = make_user()
    finish_course(learner, course)
    course_rate(user=learner, course=course, stars=5)
    read_before.description = "Edited meanwhile."
    read_before.save()
    course.refresh_from_db()
    assert (course.rating_count, course.rating_total) == (1, 5)


def test_ratings_go_with_the_learner(course):
    learner = make_user()
    finish_course(learner, course)
    course_rate(user=learner, course=course, stars=5)
    learner.delete()
    assert not CourseRating.objects.exists()


def test_the_course_report_shows_every_rating_and_the_latest_comments(course):
    for stars, comment in [(5, "Loved the quizzes"), (3, ""), (1, "Too <b>fast</b>")]:
        learner = make_user()
        finish_course(learner, course)
        course_rate(user=learner, course=course, stars=stars, comment=comment)
    staff = logged_in(make_user(is_staff=True, is_superuser=True))
    page = staff.get(reverse("admin:enrollment_coursereport_change", args=[course.pk]))
    text = page.content.decode()
    assert "Rated <strong>3.0 of 5</strong> by 3 learners" in text
    by_stars = re.findall(r"<th scope=\"row\">(\d) of 5</th><td>(\d+)</td>", text)
    assert by_stars == [("5", "1"), ("4", "0"), ("3", "1"), ("2", "0"), ("1", "1")]
    assert "Loved the quizzes" in text
    assert "Too &lt;b&gt;fast&lt;/b&gt;" in text


def test_a_course_nobody_rated_says_so_on_the_report(course):
    staff = logged_in(make_user(is_staff=True, is_superuser=True))
    page = staff.get(reverse("admin:enrollment_coursereport_change", args=[course.pk]))
    assert b"No learner has rated this course yet." in page.content
