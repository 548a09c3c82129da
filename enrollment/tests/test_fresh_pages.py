"""Pages are never stale: a change to a course, through any service or the
admin, shows on the very next page (the outline each process keeps is used
only while the course's row has its version); and every page says who may
keep it (athena.cachecontrol)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from courses import services
from courses.documents import validate_document
from courses.models import Activity, Course, Lesson, Module
from courses.outline import LOCAL_OUTLINES
from courses.services import course_import
from tests.factories import course_document, logged_in, make_course, make_user
from tests.helpers import change_form_data, course_change_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def course() -> Course:
    return make_course(topic="Kept course", modules=2, lessons=2, quizzes=1)


def pages(course: Course) -> list[str]:
    first_lesson = _first(Lesson, course)
    urls = [reverse("courses:home"), reverse("courses:catalog"), course.get_absolute_url()]
    return [*urls, first_lesson.get_absolute_url()] if first_lesson else urls


TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def served(client: Client, url: str) -> tuple[int, str]:
    """The answer's status and page (each rendering masks its CSRF token
    afresh: left out)."""
    response = client.get(url)
    page = response.content.decode() if response.status_code == HTTPStatus.OK else ""
    return response.status_code, TOKEN.sub("", page)


def as_rendered_afresh(client: Client, url: str) -> tuple[int, str]:
    """The page with nothing kept in this process: what the database says."""
    LOCAL_OUTLINES.clear()
    return served(client, url)


def assert_shown_at_once(edit: Callable[[], None], course: Course) -> None:
    """Each page is served (and its course kept); after `edit`, each is what
    a process that kept nothing renders, for a visitor and for a learner."""
    visitor, learner = Client(), logged_in(make_user())
    urls = pages(course)
    for url in urls:
        for client in (visitor, learner):
            served(client, url)
    edit()
    after = {(url, client): served(client, url) for url in urls for client in (visitor, learner)}
    for (url, client), page in after.items():
        assert page == as_rendered_afresh(client, url), url


def test_a_change_shows_on_the_next_page(course):
    visitor = Client()
    url = _first(Lesson, course).get_absolute_url()
    assert "Module 1" in served(visitor, url)[1]
    services.module_update(module=_first(Module, course), data={"title": "Brand-new title"})
    assert "Brand-new title" in served(visitor, url)[1]


# Every kind of content edit, through the services and the admin.


def _first(model: type, course: Course) -> Any:
    if model is Module:
        return Module.objects.filter(course=course).order_by("module_order").first()
    return model.objects.filter(module__course=course).select_related("module").first()


def edit_publish(course: Course) -> None:
    services.course_unpublish(course_ids=[course.pk])


def edit_import(course: Course) -> None:  # another, published course
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


def test_the_admin_course_form_shows_at_once(course, client_for_editor):
    def edit() -> None:
        data = change_form_data(client_for_editor.get(course_change_url(course)))
        data["topic"] = "Retitled in the admin"
        response = client_for_editor.post(course_change_url(course), data)
        assert response.status_code == HTTPStatus.FOUND

    assert_shown_at_once(edit, course)
    assert "Retitled in the admin" in served(Client(), course.get_absolute_url())[1]


@pytest.mark.parametrize("action", ["publish", "unpublish", "duplicate", "delete_selected"])
def test_the_admin_bulk_actions_show_at_once(action, course, client_for_editor, editor):
    if action == "delete_selected":
        editor.is_superuser = True  # deleting courses with progress needs every permission
        editor.save()
    if action == "publish":
        services.course_unpublish(course_ids=[course.pk])

    def edit() -> None:
        data = {"action": action, "_selected_action": [course.pk]}
        if action == "delete_selected":
            data["post"] = "yes"
        response = client_for_editor.post(reverse("admin:courses_course_changelist"), data)
        assert response.status_code == HTTPStatus.FOUND

    assert_shown_at_once(edit, course)


def test_an_unpublished_course_is_gone_at_once_for_visitors_and_learners(course):
    visitor, learner = Client(), logged_in(make_user())
    urls = pages(course)[2:]
    for url in urls:
        assert served(visitor, url)[0] == served(learner, url)[0] == HTTPStatus.OK
    services.course_unpublish(course_ids=[course.pk])
    for url in urls:
        assert served(visitor, url)[0] == served(learner, url)[0] == HTTPStatus.NOT_FOUND
    assert "Kept course" not in served(visitor, reverse("courses:catalog"))[1]


def test_the_admin_import_shows_at_once(course, client_for_editor):
    def edit() -> None:
        document = json.dumps(course_document(topic="Imported in the admin")).encode()
        response = client_for_editor.post(
            reverse("admin:courses_course_import"),
            {"documents": [SimpleUploadedFile("doc.json", document, "application/json")]},
        )
        assert response.status_code in (HTTPStatus.OK, HTTPStatus.FOUND)
        assert Course.objects.filter(topic="Imported in the admin").exists()

    assert_shown_at_once(edit, course)


@pytest.mark.parametrize("model", [Module, Lesson, Activity])
def test_the_admin_item_and_module_pages_show_at_once(model, course, client_for_editor, editor):
    """Deleting a module, lesson or quiz from its own admin page."""
    editor.is_superuser = True
    editor.save()
    target = _first(model, course)
    url = reverse(f"admin:courses_{model._meta.model_name}_delete", args=[target.pk])

    def edit() -> None:
        response = client_for_editor.post(url, {"post": "yes"})
        assert response.status_code == HTTPStatus.FOUND

    assert_shown_at_once(edit, course)


@pytest.mark.parametrize("edit", SERVICE_EDITS, ids=lambda edit: edit.__name__)
def test_every_content_service_shows_at_once(edit, course):
    assert_shown_at_once(lambda: edit(course), course)


# Who may keep a page.


def test_a_visitors_course_pages_are_public_but_checked_before_each_use(course):
    for url in (reverse("courses:home"), reverse("courses:catalog"), pages(course)[3]):
        response = Client().get(url)
        assert response["Cache-Control"] == "public, no-cache", url
        assert not response.cookies


def test_a_page_with_a_form_is_private_and_each_visitor_gets_their_own_token(course):
    """A quiz page's answer form holds a CSRF token: one visitor's."""
    url = _first(Activity, course).get_absolute_url()
    tokens = set()
    for _ in range(2):
        visitor = Client(enforce_csrf_checks=True)
        response = visitor.get(url)
        assert "private" in response["Cache-Control"]
        assert "public" not in response["Cache-Control"]
        token = str(response.context["csrf_token"])
        tokens.add(token)
        answer = visitor.post(url, {"csrfmiddlewaretoken": token, "option": "1"})
        assert answer.status_code != HTTPStatus.FORBIDDEN
    assert len(tokens) == 2


def test_a_visitors_course_page_is_public_its_enroll_a_link(course):
    response = Client().get(course.get_absolute_url())
    assert response["Cache-Control"] == "public, no-cache"
    assert not response.cookies


def test_a_learners_pages_are_private(course):
    learner = logged_in(make_user())
    for url in [*pages(course), reverse("enrollment:dashboard")]:
        response = learner.get(url)
        assert response.status_code == HTTPStatus.OK
        assert response["Cache-Control"] == "private", url


@pytest.mark.parametrize(
    "query", ["?q=python", "?level=beginner&x=1", "?page=1", "?level=", "?sort=popular"]
)
def test_searches_odd_query_strings_and_live_counts_are_private(course, query):
    response = Client().get(reverse("courses:catalog") + query)
    assert response.status_code == HTTPStatus.OK
    assert response["Cache-Control"] == "private"


def test_the_catalogs_own_filter_addresses_are_public(course):
    for query in ("", "?level=beginner", "?level=beginner&sort=newest"):
        response = Client().get(reverse("courses:catalog") + query)
        assert response["Cache-Control"] == "public, no-cache", query


def test_one_time_pages_are_private():
    """Log-in, sign-up, password reset: forms and one-time links."""
    for name in ("login", "accounts:signup", "password_reset"):
        response = Client().get(reverse(name))
        assert response.status_code == HTTPStatus.OK
        assert "private" in response["Cache-Control"]
