"""The learner walk's pages: forward from the resume point, course after course."""

from http import HTTPStatus

import pytest

from bench.walks import walk_paths
from enrollment.models import Enrollment
from tests.factories import course_items, logged_in, make_course, make_user

pytestmark = pytest.mark.django_db


def test_a_walk_goes_through_the_courses_in_enrollment_order_in_reading_order():
    learner = make_user()
    first, second = make_course(), make_course()
    Enrollment.objects.create(user=learner, course=second)
    Enrollment.objects.create(user=learner, course=first)
    expected = [
        item.get_absolute_url() for course in (second, first) for item in course_items(course)
    ]
    assert walk_paths(learner) == expected


def test_a_walk_picks_up_after_the_last_page_opened():
    learner = make_user()
    Enrollment.objects.create(user=learner, course=make_course())
    client = logged_in(learner)
    ahead = walk_paths(learner)
    for path in ahead[:3]:
        assert client.get(path).status_code == HTTPStatus.OK
    assert walk_paths(learner) == ahead[3:]
