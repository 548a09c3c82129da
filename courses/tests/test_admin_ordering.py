"""Reordering by drag and drop (one request saves the whole new order) and
moving an item to another module of its course."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.urls import reverse

from courses.models import Activity, Course, Lesson, Module
from tests.factories import logged_in, make_content_editor, make_course, make_user
from tests.helpers import assert_counts_true, course_change_url, module_change_url, ordered_titles

pytestmark = pytest.mark.django_db


@pytest.fixture
def module() -> Module:
    """One module: Lesson 1.1, Quiz 1.1, Lesson 1.2, Quiz 1.2, Lesson 1.3."""
    return make_course(modules=1, lessons=3, quizzes=2).modules.get()


def reorder_items(client, module: Module, keys: list[str]):
    return client.post(
        reverse("admin:courses_module_reorder_items", args=[module.pk]), {"order": keys}
    )


def keys(module: Module) -> list[str]:
    return [item.key for item in Module.objects.with_items().get(pk=module.pk).ordered_items()]


def test_a_new_order_of_items_is_saved_exactly_in_one_request(client_for_editor, module):
    lesson_1, quiz_1, lesson_2, quiz_2, lesson_3 = (item.key for item in module.ordered_items())
    new_order = [quiz_2, lesson_3, lesson_1, quiz_1, lesson_2]
    response = reorder_items(client_for_editor, module, new_order)
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "message": "Order of lessons and quizzes saved.",
        "order": new_order,
    }
    assert keys(module) == new_order
    assert ordered_titles(module) == [
        "Quiz 1.2",
        "Lesson 1.3",
        "Lesson 1.1",
        "Quiz 1.1",
        "Lesson 1.2",
    ]
    orders = sorted(
        [*Lesson.objects.filter(module=module), *Activity.objects.filter(module=module)],
        key=lambda item: item.display_order,
    )
    assert [item.display_order for item in orders] == [1, 2, 3, 4, 5]
    entry = LogEntry.objects.get(object_id=str(module.pk), change_message__contains="Reordered")
    assert entry.get_change_message() == "Reordered lessons and quizzes."
    assert_counts_true(module.course)


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda order: order[:-1], id="missing"),
        pytest.param(lambda order: [*order, order[0]], id="twice"),
        pytest.param(lambda order: [*order[:-1], "lesson:999999"], id="foreign"),
        pytest.param(lambda order: [*order[:-1], "nonsense"], id="nonsense"),
        pytest.param(lambda order: [], id="empty"),
    ],
)
def test_a_new_order_that_is_not_exactly_the_modules_items_is_refused(
    client_for_editor, module, mangle
):
    before = keys(module)
    response = reorder_items(client_for_editor, module, mangle(list(reversed(before))))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"]
    assert keys(module) == before


def test_an_item_of_another_module_cannot_be_ordered_in(client_for_editor, module):
    other = make_course(modules=1, lessons=1, quizzes=0).modules.get()
    order = keys(module)
    response = reorder_items(client_for_editor, module, [*order, keys(other)[0]])
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert keys(other) == [keys(other)[0]]


def test_reordering_needs_change_permission_post_and_csrf(module):
    before = keys(module)
    new_order = list(reversed(before))
    viewer = make_user(is_staff=True)
    viewer.user_permissions.add(
        *Group.objects.get(name="Content editors").permissions.filter(codename__startswith="view_")
    )
    response = reorder_items(logged_in(viewer), module, new_order)
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert keys(module) == before
    csrf_client = logged_in(make_content_editor(), enforce_csrf_checks=True)
    assert reorder_items(csrf_client, module, new_order).status_code == HTTPStatus.FORBIDDEN
    url = reverse("admin:courses_module_reorder_items", args=[module.pk])
    editor = logged_in(make_content_editor())
    assert editor.get(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    missing = reverse("admin:courses_module_reorder_items", args=[999_999])
    assert editor.post(missing, {"order": before}).status_code == HTTPStatus.NOT_FOUND
    assert keys(module) == before


def test_a_new_order_of_modules_is_saved_in_one_request(client_for_editor):
    course = make_course(modules=3, lessons=1, quizzes=0)
    first, second, third = (f"module:{module.pk}" for module in course.modules.all())
    url = reverse("admin:courses_course_reorder_modules", args=[course.pk])
    response = client_for_editor.post(url, {"order": [third, first, second]})
    assert response.status_code == HTTPStatus.OK
    assert response.json()["order"] == [third, first, second]
    assert [m.title for m in course.modules.all()] == ["Module 3", "Module 1", "Module 2"]
    assert [m.module_order for m in course.modules.all()] == [1, 2, 3]
    assert client_for_editor.post(url, {"order": [third, first]}).status_code == (
        HTTPStatus.BAD_REQUEST
    )
    foreign = make_course(modules=1).modules.get()
    response = client_for_editor.post(url, {"order": [third, first, f"module:{foreign.pk}"]})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert [m.title for m in course.modules.all()] == ["Module 3", "Module 1", "Module 2"]
    outsider = logged_in(make_user(is_staff=True))
    assert outsider.post(url, {"order": [first, second, third]}).status_code == (
        HTTPStatus.FORBIDDEN
    )


def test_order_tables_carry_the_handles_and_the_reorder_address(client_for_editor, module):
    html = client_for_editor.get(module_change_url(module)).content.decode()
    reorder_url = reverse("admin:courses_module_reorder_items", args=[module.pk])
    assert f'data-reorder-url="{reorder_url}"' in html
    assert 'aria-label="Reorder Lesson 1.1"' in html
    assert "admin-athena/reorder.js" in html
    assert 'href="#lessons-0"' in html
    assert 'href="#activities-1"' in html
    course_html = client_for_editor.get(course_change_url(module.course)).content.decode()
    course_reorder = reverse("admin:courses_course_reorder_modules", args=[module.course.pk])
    assert f'data-reorder-url="{course_reorder}"' in course_html


def test_the_same_new_order_posted_twice_is_saved_once_and_stays(client_for_editor, module):
    # A second click (or a retried request) posts the order already saved.
    new_order = list(reversed(keys(module)))
    first = reorder_items(client_for_editor, module, new_order)
    second = reorder_items(client_for_editor, module, new_order)
    assert first.status_code == second.status_code == HTTPStatus.OK
    assert second.json()["order"] == new_order
    assert keys(module) == new_order
    orders = sorted(
        item.display_order
        for item in [*Lesson.objects.filter(module=module), *Activity.objects.filter(module=module)]
    )
    assert orders == [1, 2, 3, 4, 5]


def test_the_up_button_on_the_first_item_leaves_the_order_alone(client_for_editor, module):
    before = keys(module)
    url = reverse("admin:courses_module_move_item", args=[module.pk])
    for _ in range(2):
        response = client_for_editor.post(url, {"move": f"{before[0]}:-1"})
        assert response.status_code == HTTPStatus.FOUND
    assert keys(module) == before


# --- moving an item to another module ------------------------------------------------------


def test_an_item_moves_to_the_end_of_another_module_of_its_course(client_for_editor):
    course = make_course(modules=2, lessons=2, quizzes=1)
    first, second = course.modules.all()
    quiz = Activity.objects.get(module=first)
    change_url = reverse("admin:courses_activity_change", args=[quiz.pk])
    page = client_for_editor.get(change_url)
    assert page.context["move_modules"] == [second]
    assert "Move to another module" in page.content.decode()
    url = reverse("admin:courses_activity_move_to_module", args=[quiz.pk])
    response = client_for_editor.post(url, {"to_module": second.pk}, follow=True)
    assert response.redirect_chain[-1][0] == change_url
    assert "to the end of “Module 2”" in response.content.decode()
    assert ordered_titles(first) == ["Lesson 1.1", "Lesson 1.2"]
    assert ordered_titles(second) == ["Lesson 2.1", "Quiz 2.1", "Lesson 2.2", "Quiz 1.1"]
    assert [item.display_order for item in first.ordered_items()] == [1, 2]
    quiz.refresh_from_db()
    assert quiz.module == second
    assert quiz.display_order == 4
    assert LogEntry.objects.filter(
        object_id=str(quiz.pk), change_message__contains="to the end of “Module 2”"
    ).exists()
    assert_counts_true(course)


def test_an_item_cannot_move_to_another_course_or_without_permission(client_for_editor):
    course = make_course(modules=2, lessons=1, quizzes=0)
    first, second = course.modules.all()
    lesson = Lesson.objects.get(module=first)
    url = reverse("admin:courses_lesson_move_to_module", args=[lesson.pk])
    foreign = make_course(modules=1).modules.get()
    response = client_for_editor.post(url, {"to_module": foreign.pk}, follow=True)
    assert "Choose another module of this course." in response.content.decode()
    assert client_for_editor.post(url, {"to_module": "x"}).status_code == HTTPStatus.FOUND
    outsider = logged_in(make_user(is_staff=True))
    assert outsider.post(url, {"to_module": second.pk}).status_code == HTTPStatus.FORBIDDEN
    assert client_for_editor.get(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    lesson.refresh_from_db()
    assert lesson.module == first
    assert Course.objects.get(pk=course.pk).counts["lessons"] == 2


def test_a_single_module_course_offers_no_move(client_for_editor, module):
    lesson = Lesson.objects.filter(module=module).first()
    page = client_for_editor.get(reverse("admin:courses_lesson_change", args=[lesson.pk]))
    assert page.context["move_modules"] == []
    assert "Move to another module" not in page.content.decode()


def test_an_item_cannot_move_to_its_own_module(client_for_editor):
    course = make_course(modules=2, lessons=2, quizzes=0)
    first = course.modules.first()
    lesson = Lesson.objects.filter(module=first).first()
    url = reverse("admin:courses_lesson_move_to_module", args=[lesson.pk])
    response = client_for_editor.post(url, {"to_module": first.pk}, follow=True)
    assert "Choose another module of this course." in response.content.decode()
    assert ordered_titles(first) == ["Lesson 1.1", "Lesson 1.2"]
