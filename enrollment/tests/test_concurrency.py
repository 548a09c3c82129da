"""Double clicks and parallel tabs never make a second enrollment or a 500:
many enroll requests at once, over real HTTP, against the live server."""

import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.urls import reverse
from django.utils.crypto import get_random_string

from enrollment.models import Enrollment
from tests.factories import logged_in, make_course, make_user
from tests.helpers import finish_course

PARALLEL_REQUESTS = 16


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises all writes; the race this proves is PostgreSQL's",
)
@pytest.mark.django_db(transaction=True)
def test_parallel_enroll_requests_make_one_enrollment(live_server, client):
    user, course = make_user(), make_course()
    client.force_login(user)
    session = client.cookies["sessionid"].value
    csrf = get_random_string(32)
    url = live_server.url + reverse("enrollment:enroll", args=[course.pk])
    opener = urllib.request.build_opener(NoRedirect)
    start = threading.Barrier(PARALLEL_REQUESTS)

    def press_enroll(_: int) -> int:
        request = urllib.request.Request(
            url,
            data=b"",
            method="POST",
            headers={"Cookie": f"sessionid={session}; csrftoken={csrf}", "X-CSRFToken": csrf},
        )
        start.wait()
        try:
            return opener.open(request, timeout=30).status
        except urllib.error.HTTPError as error:
            return error.code

    with ThreadPoolExecutor(PARALLEL_REQUESTS) as pool:
        statuses = list(pool.map(press_enroll, range(PARALLEL_REQUESTS)))

    assert statuses == [HTTPStatus.FOUND] * PARALLEL_REQUESTS
    assert Enrollment.objects.filter(user=user, course=course).count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises all writes; the race this proves is PostgreSQL's",
)
@pytest.mark.django_db(transaction=True)
def test_learners_rating_at_once_all_count_and_a_double_click_counts_once(live_server):
    course = make_course(modules=1, lessons=1, quizzes=1)
    raters = []
    for stars in [1, 2, 3, 4, 5, 5, 4, 3]:
        user = make_user()
        finish_course(user, course)
        raters.append((logged_in(user).cookies["sessionid"].value, stars))
    # The last learner presses Send twice more, changing their mind to 1.
    raters += [(raters[-1][0], 1)] * 2
    url = live_server.url + reverse("enrollment:rate", args=[course.pk])
    opener = urllib.request.build_opener(NoRedirect)
    start = threading.Barrier(len(raters))
    csrf = get_random_string(32)

    def rate(rater: tuple[str, int]) -> int:
        session, stars = rater
        request = urllib.request.Request(
            url,
            data=f"stars={stars}".encode(),
            method="POST",
            headers={
                "Cookie": f"sessionid={session}; csrftoken={csrf}",
                "X-CSRFToken": csrf,
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        start.wait()
        try:
            response = opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        return response.code, response.headers.get("Location")

    with ThreadPoolExecutor(len(raters)) as pool:
        answers = list(pool.map(rate, raters))

    # Each back on the course page with thanks (none sent to log in).
    assert answers == [(HTTPStatus.FOUND, course.get_absolute_url())] * len(raters)
    course.refresh_from_db()
    assert course.rating_count == 8
    last = course.ratings.get(user__username=User.objects.latest("pk").username).stars
    assert course.rating_total == 1 + 2 + 3 + 4 + 5 + 5 + 4 + last
