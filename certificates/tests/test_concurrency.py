"""Parallel tabs opening a finished course's certificate page at once issue one
certificate, never a second or a 500: over real HTTP, against the live server."""

import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus

import pytest
from django.db import connection
from django.urls import reverse

from certificates.models import Certificate
from tests.factories import make_course, make_user
from tests.helpers import finish_course

PARALLEL_REQUESTS = 16


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises all writes; the race this proves is PostgreSQL's",
)
@pytest.mark.django_db(transaction=True)
def test_parallel_first_visits_issue_one_certificate(live_server, client):
    user, course = make_user(), make_course(modules=1, lessons=1, quizzes=1)
    finish_course(user, course)
    client.force_login(user)
    session = client.cookies["sessionid"].value
    url = live_server.url + reverse("certificates:certificate-detail", args=[course.pk])
    start = threading.Barrier(PARALLEL_REQUESTS)

    def open_page(_: int) -> int:
        request = urllib.request.Request(url, headers={"Cookie": f"sessionid={session}"})
        start.wait()
        return urllib.request.urlopen(request, timeout=30).status

    with ThreadPoolExecutor(PARALLEL_REQUESTS) as pool:
        statuses = list(pool.map(open_page, range(PARALLEL_REQUESTS)))

    assert statuses == [HTTPStatus.OK] * PARALLEL_REQUESTS
    assert Certificate.objects.filter(user=user, course=course).count() == 1
