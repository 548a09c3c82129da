"""Every URL pattern, public and admin, fed malformed ids and parameters by
anonymous visitors, a learner and each staff group: never a server error.

The patterns come from the root URLconf itself, so a new page is walked as soon
as it exists."""

from __future__ import annotations

import re
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from courses.models import Activity, Course, Lesson, Module
from enrollment.services import enrollment_create, lesson_complete, quiz_answer
from tests.factories import make_content_editor, make_course, make_user

pytestmark = pytest.mark.django_db

MALFORMED_IDS = ["abc", "-1", "99999999999999999999", "%00", "x" * 300]
HUGE = "1" + "0" * 30
MALFORMED_QUERIES = [
    "page=abc&p=abc&sort=%3Cscript%3E&o=junk&level=junk&duration=%00&focus=-1",
    "page=-1&p=-1&o=-1&sort=-1&all=&e=1",
    f"page={HUGE}&p={HUGE}&o={HUGE}&q={'x' * 2000}",
    "q=%00&status__exact=%00&activity__module__course__course_id__exact=abc",
]
MALFORMED_POST = {
    "option": "abc",
    "q": "\x00",
    "username": "x" * 300,
    "password": "\x00",
    "email": "a@\x00",
    "move": "module:99999999999999999999:1",
    "page": "abc",
    "next": "//evil.example.com",
}
# POSTing these ends the session the walk goes on with.
SKIP_POST = {"logout"}

PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>|\(\?P<(?P<group>\w+)>[^)]*\)")


def url_patterns(
    resolver: URLResolver | None = None, prefix: tuple = ()
) -> Iterator[tuple[tuple, URLPattern]]:
    """Each (chain of patterns from the root, endpoint), recursively."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from url_patterns(pattern, (*prefix, pattern.pattern))
        else:
            yield (*prefix, pattern.pattern), pattern


def fill(chain: tuple, value_for) -> str:
    parts = []
    for piece in chain:
        text = str(piece)
        if not isinstance(piece, RoutePattern):
            text = text.lstrip("^").rstrip("$")

        def substitute(match: re.Match, text: str = text) -> str:
            return value_for(match.group("name") or match.group("group"), text)

        parts.append(PARAMETER.sub(substitute, text))
    return "/" + "".join(parts)


def has_parameters(chain: tuple) -> bool:
    return any(PARAMETER.search(str(piece)) for piece in chain)


@pytest.fixture
def site_data() -> dict[str, Any]:
    """A course with content, a learner's history, and the ids a valid URL uses."""
    course = make_course(modules=2, lessons=1, quizzes=1)
    make_course(publish=False)
    learner = make_user(username="walker")
    enrollment_create(user=learner, course=course)
    lesson_complete(user=learner, lesson=Lesson.objects.filter(module__course=course).first())
    quiz = Activity.objects.filter(module__course=course).first()
    quiz_answer(user=learner, activity=quiz, option_number=1)
    module = Module.objects.filter(course=course).first()
    return {
        "learner": learner,
        "ids": {
            "course_id": course.pk,
            "module_id": module.pk,
            "lesson_id": Lesson.objects.filter(module=module).first().pk,
            "activity_id": Activity.objects.filter(module=module).first().pk,
            "content_type_id": ContentType.objects.get_for_model(Course).pk,
            "id": learner.pk,
            "app_label": "courses",
            "url": "nowhere/",
        },
    }


def valid_value(ids: dict[str, Any], chain: tuple):
    """The value a valid URL of `chain` has for each parameter."""
    # A model admin's URLs sit at admin/<app_label>/<model_name>/...
    admin_model = None
    if len(chain) == 3 and str(chain[0]) == "admin/":
        admin_model = apps.get_model(*str(chain[1]).strip("/").split("/"))

    def value_for(name: str, text: str) -> str:
        if name == "object_id":
            model = admin_model or Course
            first = model._default_manager.order_by("pk").first()
            return str(first.pk if first else 1)
        return str(ids.get(name, "abc"))

    return value_for


def walk(client: Client, ids: dict[str, Any]) -> list[str]:
    """Request every URL variant; answer those that ended in a server error."""
    failures = []

    def request(method: str, url: str, **kwargs: Any) -> None:
        response = getattr(client, method)(url, **kwargs)
        if response.status_code >= HTTPStatus.INTERNAL_SERVER_ERROR:
            failures.append(f"{method.upper()} {url[:120]} -> {response.status_code}")

    for chain, endpoint in url_patterns():
        valid = fill(chain, valid_value(ids, chain))
        malformed = (
            [fill(chain, lambda name, text, bad=bad: bad) for bad in MALFORMED_IDS]
            if has_parameters(chain)
            else []
        )
        for url in [valid, *malformed]:
            request("get", url)
        # Lists and forms read query parameters; pages named by ids do not.
        for query in [] if malformed else MALFORMED_QUERIES:
            request("get", f"{valid}?{query}")
        if endpoint.name not in SKIP_POST:
            for url in [valid, *malformed[:1], *malformed[2:3]]:
                request("post", url, data=MALFORMED_POST)
    return failures


def staff_in(group: str):
    def make():
        user = make_user(is_staff=True)
        user.groups.add(Group.objects.get(name=group))
        return user

    return make


VISITORS = {
    "anonymous": None,
    "learner": "learner",
    "superuser": lambda: make_user(is_staff=True, is_superuser=True),
    "content editor": make_content_editor,
    "support": staff_in("Support"),
}


@pytest.mark.parametrize("visitor", VISITORS)
def test_no_url_answers_a_server_error_to_malformed_input(site_data, visitor):
    client = Client(raise_request_exception=False)
    make = VISITORS[visitor]
    if make == "learner":
        client.force_login(site_data["learner"])
    elif make is not None:
        client.force_login(make())
    assert walk(client, site_data["ids"]) == []


def test_a_course_report_with_a_non_numeric_id_is_not_found():
    client = Client(raise_request_exception=False)
    client.force_login(make_user(is_staff=True, is_superuser=True))
    for bad in ("abc", "1abc", "%00"):
        response = client.get(f"/admin/enrollment/coursereport/{bad}/change/")
        assert response.status_code in (HTTPStatus.NOT_FOUND, HTTPStatus.FOUND), bad
    response = client.get("/admin/enrollment/coursereport/abc/change/")
    assert response.status_code == HTTPStatus.NOT_FOUND
