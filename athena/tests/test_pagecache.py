"""The anonymous page cache (athena.pagecache): what it stores, what it never
shares between visitors, and that every kind of content edit retires it, in
the same transaction, whatever the cache backend."""

from __future__ import annotations

import json
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import reverse

from athena import versions
from athena.pagecache import PAGE_KEY_PREFIX, page_key
from courses import services
from courses.documents import validate_document
from courses.models import Activity, Course, Lesson, Module
from courses.services import course_import
from tests.factories import course_document, logged_in, make_course, make_user
from tests.helpers import change_form_data, course_change_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def course() -> Course:
    return make_course(topic="Cached course", modules=2, lessons=2, quizzes=1)


def served(client: Client, url: str, **headers: Any) -> tuple[Any, str]:
    response = client.get(url, headers=headers)
    assert response.status_code == HTTPStatus.OK
    return response, response.get("X-Page-Cache", "")


def lesson_url(course: Course) -> str:
    return _first(Lesson, course).get_absolute_url()


def test_a_visitor_without_cookies_gets_the_stored_page_with_one_query(
    course, django_assert_num_queries
):
    first, state = served(Client(), reverse("courses:catalog"))
    assert state == "miss"
    with django_assert_num_queries(1):  # the public content version
        second, state = served(Client(), reverse("courses:catalog"))
    assert state == "hit"
    assert second.content == first.content
    assert "Cached course" in second.content.decode()
    # Every answer still carries the security headers.
    assert second["Content-Security-Policy"]
    assert second["X-Frame-Options"] == "DENY"
    assert "Cookie" in second["Vary"]
    assert second["Cache-Control"] == first["Cache-Control"] == "public, no-cache"


def test_a_stored_page_answers_a_conditional_get_with_304(course):
    first, _ = served(Client(), reverse("courses:home"))
    response = Client().get(reverse("courses:home"), headers={"If-None-Match": first["ETag"]})
    assert response.status_code == HTTPStatus.NOT_MODIFIED
    assert response.content == b""


def test_content_is_served_exactly_as_written_with_its_own_length():
    """Nothing in a stored page is rewritten: text that looks like a marker of
    the cache stays text, and the length said is the length sent."""
    marker = "@@athena-csrf-token@@"
    course = make_course(topic=f"Type {marker} here", modules=1, lessons=1, quizzes=0)
    for url in (reverse("courses:catalog"), lesson_url(course)):
        first, _ = served(Client(), url)
        second, state = served(Client(), url)
        assert state == "hit"
        assert second.content == first.content
        assert f"Type {marker} here" in second.content.decode()
        assert int(second["Content-Length"]) == len(second.content)


def test_a_page_with_a_form_is_never_stored_and_each_visitor_gets_their_own_token(course):
    """The course page's Enroll form holds a CSRF token: one visitor's. The
    page is rendered for each visitor and marked private, and the token works."""
    url = course.get_absolute_url()
    tokens = set()
    for _ in range(2):
        visitor = Client(enforce_csrf_checks=True)
        response, state = served(visitor, url)
        assert state == ""
        assert "private" in response["Cache-Control"]
        assert "public" not in response["Cache-Control"]
        token = response.context["csrf_token"]
        tokens.add(str(token))
        enroll = visitor.post(
            reverse("enrollment:enroll", args=[course.pk]), {"csrfmiddlewaretoken": token}
        )
        assert enroll.status_code == HTTPStatus.FOUND  # to the login page, not a 403
    assert len(tokens) == 2


def test_searches_and_odd_query_strings_are_never_stored(course):
    """What is stored is bounded by the catalog's filters, not by what
    visitors type: a search, an unknown parameter or another spelling of a
    filter page is rendered each time."""
    for query in ("?q=python", "?q=anything-at-all", "?level=beginner&x=1", "?page=1", "?level="):
        for _ in range(2):
            response, state = served(Client(), reverse("courses:catalog") + query)
            assert state == "", query
            assert "private" in response["Cache-Control"]
    served(Client(), reverse("courses:catalog") + "?level=beginner")
    assert served(Client(), reverse("courses:catalog") + "?level=beginner")[1] == "hit"


def test_a_logged_in_learner_is_never_served_nor_stored_and_their_pages_are_private(course):
    url = lesson_url(course)
    learner = logged_in(make_user(username="ada"))
    response, state = served(learner, url)
    assert state == ""
    assert "private" in response["Cache-Control"]
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


def test_pages_no_view_marked_public_are_never_stored():
    """Log-in, sign-up and password reset pages (forms, one-time links) and
    anything else a view did not mark public."""
    for name in ("login", "accounts:signup", "password_reset"):
        for _ in range(2):
            response = Client().get(reverse(name))
            assert response.status_code == HTTPStatus.OK
            assert not response.has_header("X-Page-Cache")
            assert "private" in response["Cache-Control"]


def test_a_drafts_change_leaves_visitors_pages_stored(course):
    """A learner's generated draft, or any draft, is not on any visitor's
    page: its edits retire only its own outline."""
    draft = make_course(publish=False, topic="Private draft")
    served(Client(), reverse("courses:catalog"))
    before = versions.current(versions.PUBLIC_CONTENT)
    services.module_update(module=_first(Module, draft), data={"title": "Edited draft"})
    assert versions.current(versions.PUBLIC_CONTENT) == before
    assert served(Client(), reverse("courses:catalog"))[1] == "hit"


def test_a_cache_that_fails_costs_the_shortcut_never_the_page(course, settings):
    """Redis away (nothing listens on the port): pages are rendered, and
    content edits still commit."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    for _ in range(2):
        response = Client().get(lesson_url(course))
        assert response.status_code == HTTPStatus.OK
        assert response.get("X-Page-Cache") == "miss"
    services.module_update(module=_first(Module, course), data={"title": "Still saved"})
    assert Module.objects.filter(title="Still saved").exists()


def test_pages_no_public_view_answers_cost_no_query(django_assert_num_queries):
    """The trivial floor the benchmark measures against, and any address whose
    view never answers with a public page, skip the cache and its version."""
    for url in (reverse("healthz-trivial"), "/no-such-page/"):
        with django_assert_num_queries(0):
            response = Client().get(url)
        assert not response.has_header("X-Page-Cache")
    assert response.status_code == HTTPStatus.NOT_FOUND


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


def assert_retired_by(edit: Callable[[], None], course: Course) -> None:
    """Each page is stored; after `edit`, each is rendered afresh."""
    urls = [reverse("courses:home"), reverse("courses:catalog"), lesson_url(course)]
    for url in urls:
        served(Client(), url)
        assert served(Client(), url)[1] == "hit"
    edit()
    for url in urls:
        response = Client().get(url)
        assert response.get("X-Page-Cache") in ("miss", None), url


@pytest.mark.parametrize("edit", SERVICE_EDITS, ids=lambda edit: edit.__name__)
def test_every_content_service_retires_cached_pages(edit, course):
    assert_retired_by(lambda: edit(course), course)


def test_an_edit_shows_at_once_to_visitors(course):
    served(Client(), lesson_url(course))
    services.module_update(module=_first(Module, course), data={"title": "Brand-new title"})
    response, state = served(Client(), lesson_url(course))
    assert state == "miss"
    assert "Brand-new title" in response.content.decode()


def test_the_admin_course_form_retires_cached_pages(course, client_for_editor):
    def edit() -> None:
        data = change_form_data(client_for_editor.get(course_change_url(course)))
        data["topic"] = "Retitled in the admin"
        response = client_for_editor.post(course_change_url(course), data)
        assert response.status_code == HTTPStatus.FOUND

    assert_retired_by(edit, course)
    assert "Retitled in the admin" in Client().get(course.get_absolute_url()).content.decode()


@pytest.mark.parametrize("action", ["unpublish", "delete_selected"])
def test_the_admin_bulk_actions_retire_cached_pages(action, course, client_for_editor, editor):
    if action == "delete_selected":
        editor.is_superuser = True  # deleting courses with progress needs every permission
        editor.save()

    def edit() -> None:
        data = {"action": action, "_selected_action": [course.pk]}
        if action == "delete_selected":
            data["post"] = "yes"
        response = client_for_editor.post(reverse("admin:courses_course_changelist"), data)
        assert response.status_code == HTTPStatus.FOUND

    assert_retired_by(edit, course)


def test_the_admin_publish_action_retires_cached_pages(client_for_editor):
    draft = make_course(publish=False, topic="Soon published")
    served(Client(), reverse("courses:catalog"))
    client_for_editor.post(
        reverse("admin:courses_course_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    response, state = served(Client(), reverse("courses:catalog"))
    assert state == "miss"
    assert "Soon published" in response.content.decode()


@pytest.mark.parametrize("way", ["admin import", "admin duplicate"])
def test_a_new_draft_from_the_admin_leaves_visitors_pages_stored(way, course, client_for_editor):
    """An import or a copy in the admin is a draft: no visitor sees it, so
    their stored pages stay; publishing it retires them."""
    urls = [reverse("courses:home"), reverse("courses:catalog"), lesson_url(course)]
    for url in urls:
        served(Client(), url)
    if way == "admin import":
        document = json.dumps(course_document(topic="Imported in the admin")).encode()
        response = client_for_editor.post(
            reverse("admin:courses_course_import"),
            {"documents": [SimpleUploadedFile("doc.json", document, "application/json")]},
        )
    else:
        response = client_for_editor.post(
            reverse("admin:courses_course_changelist"),
            {"action": "duplicate", "_selected_action": [course.pk]},
        )
    assert response.status_code in (HTTPStatus.OK, HTTPStatus.FOUND)
    draft = Course.objects.get(status=Course.Status.DRAFT)
    for url in urls:
        assert served(Client(), url)[1] == "hit", url
    services.course_publish(course_ids=[draft.pk])
    response, state = served(Client(), reverse("courses:catalog"))
    assert state == "miss"
    assert draft.topic in response.content.decode()


@pytest.mark.parametrize("model", [Module, Lesson, Activity])
def test_the_admin_item_and_module_pages_retire_cached_pages(
    model, course, client_for_editor, editor
):
    """Deleting a module, lesson or quiz from its own admin page."""
    editor.is_superuser = True
    editor.save()
    target = _first(model, course)
    url = reverse(f"admin:courses_{model._meta.model_name}_delete", args=[target.pk])

    def edit() -> None:
        response = client_for_editor.post(url, {"post": "yes"})
        assert response.status_code == HTTPStatus.FOUND

    assert_retired_by(edit, course)


def test_a_page_stored_in_an_older_format_is_a_miss_not_an_error(course):
    """Redis outlives a deploy: what an older release stored under a page's key
    is rendered afresh, not replayed and not a 500."""
    url = reverse("courses:catalog")
    version = versions.current(versions.PUBLIC_CONTENT)
    key = page_key(PAGE_KEY_PREFIX, RequestFactory().get(url), version)
    cache.set(key, {"version": "0", "body": b"old"}, 300)
    response, state = served(Client(), url)
    assert state == "miss"
    assert "Cached course" in response.content.decode()
