"""Double clicks and parallel tabs never make a second enrollment or a 500:
many enroll requests at once, over real HTTP, against the live server."""

import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus

import pytest
from django.db import connection
from django.urls import reverse
from django.utils.crypto import get_random_string

from enrollment.models import Enrollment
from tests.factories import make_course, make_user

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
