"""The anonymous page cache (athena.pagecache): what it stores, what it never
shares between visitors, and that every kind of content edit retires it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from athena.pagecache import CSRF_PLACEHOLDER
from courses import services
from courses.documents import validate_document
from courses.models import Activity, Course, Lesson, Module
from courses.services import course_import
from tests.factories import course_document, logged_in, make_course, make_user
from tests.helpers import change_form_data, course_change_url

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def course() -> Course:
    return make_course(topic="Cached course", modules=2, lessons=2, quizzes=1)


def served(client: Client, url: str, **headers: Any) -> tuple[Any, str]:
    response = client.get(url, headers=headers)
    assert response.status_code == HTTPStatus.OK
    return response, response.get("X-Page-Cache", "")


def test_a_visitor_without_cookies_gets_the_stored_page_without_a_query(
    client, course, django_assert_num_queries
):
    first, state = served(Client(), reverse("courses:catalog"))
    assert state == "miss"
    with django_assert_num_queries(0):
        second, state = served(Client(), reverse("courses:catalog"))
    assert state == "hit"
    assert second.content == first.content
    assert "Cached course" in second.content.decode()
    # Every answer still carries the security headers.
    assert second["Content-Security-Policy"]
    assert second["X-Frame-Options"] == "DENY"
    assert "Cookie" in second["Vary"]


def test_a_stored_page_answers_a_conditional_get_with_304(course):
    first, _ = served(Client(), reverse("courses:home"))
    response = Client().get(reverse("courses:home"), headers={"If-None-Match": first["ETag"]})
    assert response.status_code == HTTPStatus.NOT_MODIFIED
    assert response.content == b""


def test_query_strings_are_pages_of_their_own(course):
    served(Client(), reverse("courses:catalog"))
    response, state = served(Client(), reverse("courses:catalog") + "?q=nothing-matches-this")
    assert state == "miss"
    assert "Cached course" not in response.content.decode()


def test_a_logged_in_learner_is_never_served_nor_stored(course):
    url = course.get_absolute_url()
    learner = logged_in(make_user(username="ada"))
    response, state = served(learner, url)
    assert state == ""
    # The anonymous visitor after them gets an anonymous page.
    response, state = served(Client(), url)
    assert state == "miss"
    assert "Log out" not in response.content.decode()
    response, state = served(learner, url)
    assert state == ""
    assert "Log out" in response.content.decode()


def test_a_request_with_a_session_or_messages_cookie_bypasses_the_cache(course):
    served(Client(), reverse("courses:catalog"))
    client = Client()
    client.cookies["sessionid"] = "whatever"
    assert served(client, reverse("courses:catalog"))[1] == ""
    client = Client()
    client.cookies["messages"] = "whatever"
    assert served(client, reverse("courses:catalog"))[1] == ""


def test_each_visitor_gets_a_csrf_token_of_their_own_that_works(course):
    """The course page's Enroll form: the stored page holds no token; each
    visitor is given their own, with its cookie, and can post with it."""
    url = course.get_absolute_url()
    served(Client(), url)  # stores it
    tokens = []
    for _ in range(2):
        visitor = Client(enforce_csrf_checks=True)
        response, state = served(visitor, url)
        assert state == "hit"
        token = TOKEN.search(response.content.decode()).group(1)
        assert "csrftoken" in response.cookies
        tokens.append(token)
        enroll = visitor.post(
            reverse("enrollment:enroll", args=[course.pk]), {"csrfmiddlewaretoken": token}
        )
        assert enroll.status_code == HTTPStatus.FOUND  # to the login page, not a 403
    assert tokens[0] != tokens[1]
    # The stored page holds the placeholder, never a visitor's token.
    stored = b"".join(value for value in cache._cache.values() if isinstance(value, bytes))
    assert CSRF_PLACEHOLDER in stored
    assert not any(token.encode() in stored for token in tokens)


def test_a_visitor_with_a_csrf_cookie_keeps_their_secret(course):
    url = course.get_absolute_url()
    served(Client(), url)
    visitor = Client(enforce_csrf_checks=True)
    visitor.get(reverse("courses:home"))  # no form there: no cookie yet
    first = TOKEN.search(served(visitor, url)[0].content.decode()).group(1)
    second_response, state = served(visitor, url)
    assert state == "hit"
    second = TOKEN.search(second_response.content.decode()).group(1)
    for token in (first, second):
        answer = visitor.post(
            reverse("enrollment:enroll", args=[course.pk]), {"csrfmiddlewaretoken": token}
        )
        assert answer.status_code == HTTPStatus.FOUND


@pytest.mark.parametrize("stale", ["x" * 10, "not-a-token!" * 3, "A1" * 32])
def test_a_visitor_with_a_stale_csrf_cookie_gets_a_new_token_that_works(course, stale):
    """A cookie from an old deploy or a truncated one: the cached page gives the
    visitor a fresh secret and its cookie, and the form they post is accepted."""
    url = course.get_absolute_url()
    served(Client(), url)
    visitor = Client(enforce_csrf_checks=True)
    visitor.cookies["csrftoken"] = stale
    response, state = served(visitor, url)
    assert state == "hit"
    assert response.cookies["csrftoken"].value != stale
    token = TOKEN.search(response.content.decode()).group(1)
    enroll = visitor.post(
        reverse("enrollment:enroll", args=[course.pk]), {"csrfmiddlewaretoken": token}
    )
    assert enroll.status_code == HTTPStatus.FOUND


def test_the_trivial_floor_view_is_never_stored():
    response = Client().get(reverse("healthz-trivial"))
    assert response.status_code == HTTPStatus.OK
    assert response.content == b"ok"
    assert not response.has_header("X-Page-Cache")


# Invalidation: every kind of content edit, through the services and the admin.


def _first(model: type, course: Course) -> Any:
    if model is Module:
        return Module.objects.filter(course=course).order_by("module_order").first()
    return model.objects.filter(module__course=course).select_related("module").first()


def edit_publish(course: Course) -> None:
    services.course_unpublish(course_ids=[course.pk])


def edit_import(course: Course) -> None:
    course_import(spec=validate_document(course_document(topic="Fresh import")), publish=True)


def edit_duplicate(course: Course) -> None:
    copy = services.course_duplicate(course=course)
    services.course_publish(course_ids=[copy.pk])


def edit_module_create(course: Course) -> None:
    services.module_create(module=Module(course=course, title="A new module"))


def edit_module_update(course: Course) -> None:
    services.module_update(module=_first(Module, course), data={"title": "Renamed module"})


def edit_module_delete(course: Course) -> None:
    services.module_delete(module=_first(Module, course))


def edit_module_move(course: Course) -> None:
    services.module_move(module=_first(Module, course), steps=1)


def edit_reorder_modules(course: Course) -> None:
    modules = list(Module.objects.filter(course=course).order_by("module_order"))
    services.course_reorder_modules(course=course, modules=modules[::-1])


def edit_item_create(course: Course) -> None:
    lesson = Lesson(module=_first(Module, course), title="A new lesson")
    lesson.set_markdown("New text")
    services.item_create(item=lesson)


def edit_item_update(course: Course) -> None:
    services.item_update(item=_first(Lesson, course), data={"title": "Renamed lesson"})


def edit_item_delete(course: Course) -> None:
    services.item_delete(item=_first(Activity, course))


def edit_item_move(course: Course) -> None:
    services.item_move(item=_first(Lesson, course), steps=1)


def edit_reorder_items(course: Course) -> None:
    module = _first(Module, course)
    services.module_reorder_items(
        module=module, items=services.module_items(module_id=module.pk)[::-1]
    )


def edit_refresh_counts(course: Course) -> None:
    Course.objects.filter(pk=course.pk).update(metadata={})
    services.course_refresh_counts(course_id=course.pk)


SERVICE_EDITS: list[Callable[[Course], None]] = [
    edit_publish,
    edit_import,
    edit_duplicate,
    edit_module_create,
    edit_module_update,
    edit_module_delete,
    edit_module_move,
    edit_reorder_modules,
    edit_item_create,
    edit_item_update,
    edit_item_delete,
    edit_item_move,
    edit_reorder_items,
    edit_refresh_counts,
]


def assert_retired_by(edit: Callable[[], None], course: Course, capture: Any) -> None:
    """Each page is stored; after `edit` commits, each is rendered afresh."""
    urls = [reverse("courses:home"), reverse("courses:catalog"), course.get_absolute_url()]
    for url in urls:
        served(Client(), url)
        assert served(Client(), url)[1] == "hit"
    with capture(execute=True):
        edit()
    for url in urls:
        response = Client().get(url)
        assert response.get("X-Page-Cache") in ("miss", None), url


@pytest.mark.parametrize("edit", SERVICE_EDITS, ids=lambda edit: edit.__name__)
def test_every_content_service_retires_cached_pages(
    edit, course, django_capture_on_commit_callbacks
):
    assert_retired_by(lambda: edit(course), course, django_capture_on_commit_callbacks)


def test_an_edit_shows_at_once_to_visitors(course, django_capture_on_commit_callbacks):
    served(Client(), course.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        services.module_update(module=_first(Module, course), data={"title": "Brand-new title"})
    response, state = served(Client(), course.get_absolute_url())
    assert state == "miss"
    assert "Brand-new title" in response.content.decode()


def test_nothing_is_retired_before_the_edit_commits(course, django_capture_on_commit_callbacks):
    served(Client(), course.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=False):
        services.module_update(module=_first(Module, course), data={"title": "Not yet"})
        assert served(Client(), course.get_absolute_url())[1] == "hit"


def test_the_admin_course_form_retires_cached_pages(
    course, client_for_editor, django_capture_on_commit_callbacks
):
    def edit() -> None:
        data = change_form_data(client_for_editor.get(course_change_url(course)))
        data["topic"] = "Retitled in the admin"
        response = client_for_editor.post(course_change_url(course), data)
        assert response.status_code == HTTPStatus.FOUND

    assert_retired_by(edit, course, django_capture_on_commit_callbacks)
    assert "Retitled in the admin" in Client().get(course.get_absolute_url()).content.decode()


@pytest.mark.parametrize("action", ["unpublish", "duplicate", "delete_selected"])
def test_the_admin_bulk_actions_retire_cached_pages(
    action, course, client_for_editor, editor, django_capture_on_commit_callbacks
):
    if action == "delete_selected":
        editor.is_superuser = True  # deleting courses with progress needs every permission
        editor.save()

    def edit() -> None:
        data = {"action": action, "_selected_action": [course.pk]}
        if action == "delete_selected":
            data["post"] = "yes"
        response = client_for_editor.post(reverse("admin:courses_course_changelist"), data)
        assert response.status_code == HTTPStatus.FOUND

    assert_retired_by(edit, course, django_capture_on_commit_callbacks)


def test_the_admin_publish_action_retires_cached_pages(
    client_for_editor, django_capture_on_commit_callbacks
):
    draft = make_course(publish=False, topic="Soon published")
    served(Client(), reverse("courses:catalog"))
    with django_capture_on_commit_callbacks(execute=True):
        client_for_editor.post(
            reverse("admin:courses_course_changelist"),
            {"action": "publish", "_selected_action": [draft.pk]},
        )
    response, state = served(Client(), reverse("courses:catalog"))
    assert state == "miss"
    assert "Soon published" in response.content.decode()


def test_the_admin_import_retires_cached_pages(
    course, client_for_editor, django_capture_on_commit_callbacks
):
    def edit() -> None:
        document = json.dumps(course_document(topic="Imported in the admin")).encode()
        response = client_for_editor.post(
            reverse("admin:courses_course_import"),
            {"documents": [SimpleUploadedFile("doc.json", document, "application/json")]},
        )
        assert response.status_code in (HTTPStatus.OK, HTTPStatus.FOUND)
        assert Course.objects.filter(topic="Imported in the admin").exists()

    assert_retired_by(edit, course, django_capture_on_commit_callbacks)


@pytest.mark.parametrize("model", [Module, Lesson, Activity])
def test_the_admin_item_and_module_pages_retire_cached_pages(
    model, course, client_for_editor, editor, django_capture_on_commit_callbacks
):
    """Deleting a module, lesson or quiz from its own admin page."""
    editor.is_superuser = True
    editor.save()
    target = _first(model, course)
    url = reverse(f"admin:courses_{model._meta.model_name}_delete", args=[target.pk])

    def edit() -> None:
        response = client_for_editor.post(url, {"post": "yes"})
        assert response.status_code == HTTPStatus.FOUND

    assert_retired_by(edit, course, django_capture_on_commit_callbacks)


def test_a_page_stored_in_an_older_format_is_a_miss_not_an_error(course):
    """Redis outlives a deploy: what an older release stored under a page's key
    is rendered afresh, not replayed and not a 500."""
    url = reverse("courses:catalog")
    served(Client(), url)
    for key in list(cache._cache):
        if ":page:" in key:
            cache.set(key.split(":", 2)[2], {"version": "0", "body": b"old"}, 300)
    response, state = served(Client(), url)
    assert state == "miss"
    assert "Cached course" in response.content.decode()
