"""The admin's finish: its name, a course list that fits, lesson and quiz
lists filtered by course and module, filters over users that search, the
course page's links, and a quiz form without a one-choice "Type"."""

from __future__ import annotations

import json
from http import HTTPStatus

import pytest
from django.urls import reverse

from courses.models import Activity, Lesson
from enrollment.services import enrollment_create
from tests.factories import logged_in, make_course, make_user
from tests.helpers import course_change_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client():
    return logged_in(make_user(is_staff=True, is_superuser=True))


def test_the_admin_is_called_athena_administration(client_for_editor):
    html = client_for_editor.get(reverse("admin:index")).content.decode()
    assert '<a href="/admin/">Athena administration</a>' in html
    assert "<title>Athena administration | Athena admin</title>" in html
    assert "Django administration" not in html


def test_the_course_list_keeps_to_five_narrow_columns(client_for_editor):
    make_course(topic="Counting things", modules=2, lessons=1, quizzes=1)
    response = client_for_editor.get(reverse("admin:courses_course_changelist"))
    headers = [str(header["text"]) for header in response.context["result_headers"]]
    assert headers[1:] == [
        "topic",
        "status",
        "built for",
        "modules · lessons · quizzes",
        "enrollments",
    ]


@pytest.mark.parametrize("model", [Lesson, Activity])
def test_lessons_and_quizzes_filter_by_course_then_module(client_for_editor, model):
    wanted = make_course(topic="Wanted course", modules=2, lessons=1, quizzes=1)
    make_course(topic="Other course", modules=1, lessons=1, quizzes=1)
    url = reverse(f"admin:courses_{model._meta.model_name}_changelist")
    response = client_for_editor.get(url)
    assert response.context["cl"].result_count == 3
    assert "Search courses" in response.content.decode()

    response = client_for_editor.get(url, {"module__course__course_id__exact": wanted.pk})
    assert {item.module.course for item in response.context["cl"].result_list} == {wanted}
    html = response.content.decode()
    assert f'<option value="{wanted.pk}" selected>Wanted course</option>' in html
    _first, second = wanted.modules.all()
    assert "1. Module 1" in html
    assert "2. Module 2" in html
    response = client_for_editor.get(
        url, {"module__course__course_id__exact": wanted.pk, "module__module_id__exact": second.pk}
    )
    assert [item.module for item in response.context["cl"].result_list] == [second]


def test_the_course_filter_searches_through_the_admin_autocomplete(client_for_editor):
    make_course(topic="Photosynthesis explained")
    make_course(topic="Statistics for everyone")
    response = client_for_editor.get(
        reverse("admin:autocomplete"),
        {
            "term": "photosynthesis",
            "app_label": "courses",
            "model_name": "module",
            "field_name": "course",
        },
    )
    assert response.status_code == HTTPStatus.OK
    results = json.loads(response.content)["results"]
    assert [result["text"] for result in results] == ["Photosynthesis explained"]


def test_filters_over_users_search_rather_than_list_every_learner(
    superuser_client, django_assert_max_num_queries
):
    course = make_course()
    ada = make_user(username="ada")
    enrollment_create(user=ada, course=course)
    for _ in range(30):
        enrollment_create(user=make_user(), course=course)
    url = reverse("admin:enrollment_enrollment_changelist")
    html = superuser_client.get(url).content.decode()
    assert 'data-app-label="enrollment" data-model-name="enrollment" data-field-name="user"' in html
    assert "Search users" in html
    assert ">ada<" not in html.split('id="changelist-filter"')[1]  # no list of learners
    assert "admin/js/autocomplete.js" in html
    response = superuser_client.get(url, {"user__id__exact": ada.pk})
    assert [row.user for row in response.context["cl"].result_list] == [ada]
    assert f'<option value="{ada.pk}" selected>ada</option>' in response.content.decode()
    found = superuser_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "ada",
            "app_label": "enrollment",
            "model_name": "enrollment",
            "field_name": "user",
        },
    )
    assert [result["text"] for result in json.loads(found.content)["results"]] == ["ada"]
    # A nonsense value is refused by the admin's own check, never a 500.
    response = superuser_client.get(url, {"user__id__exact": "x"})
    assert response.status_code == HTTPStatus.FOUND
    assert "e=1" in response["Location"]


def test_the_course_page_links_to_learner_page_report_and_export(superuser_client):
    course = make_course(topic="Linked course", modules=1, lessons=1, quizzes=1)
    html = superuser_client.get(course_change_url(course)).content.decode()
    assert f'<a href="{course.get_absolute_url()}" class="viewsitelink">Learner page</a>' in html
    report_url = reverse("admin:enrollment_coursereport_change", args=[course.pk])
    assert f'<a href="{report_url}">Report</a>' in html
    export_url = reverse("admin:courses_course_export", args=[course.pk])
    assert f'<a href="{export_url}" download>Export document</a>' in html
    response = superuser_client.get(export_url)
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["topic"] == "Linked course"
    assert superuser_client.get(report_url).status_code == HTTPStatus.OK


def test_course_links_follow_the_editors_permissions(client_for_editor):
    course = make_course(publish=False)
    html = client_for_editor.get(course_change_url(course)).content.decode()
    assert "Preview draft on site" in html
    assert "Learner page" not in html
    assert "Report</a>" not in html  # content editors read no learners' data
    export_url = reverse("admin:courses_course_export", args=[course.pk])
    assert client_for_editor.get(export_url).status_code == HTTPStatus.OK
    outsider = logged_in(make_user(is_staff=True))
    assert outsider.get(export_url).status_code == HTTPStatus.FORBIDDEN


def test_the_quiz_form_has_no_one_choice_type_field(client_for_editor):
    course = make_course(modules=1, lessons=1, quizzes=1)
    quiz = Activity.objects.get(module__course=course)
    html = client_for_editor.get(
        reverse("admin:courses_activity_change", args=[quiz.pk])
    ).content.decode()
    assert 'name="type"' not in html
    assert 'data-option="6"' in html
    assert "admin-athena/quiz-options.js" in html
    module_html = client_for_editor.get(
        reverse("admin:courses_module_change", args=[quiz.module_id])
    ).content.decode()
    assert 'name="activities-0-type"' not in module_html
    assert 'name="activities-0-option_6"' in module_html


# Session and user, then the user's permissions (through the user and the group).
EDITOR_ADMIN_QUERIES = 4


def test_filtering_lessons_by_course_and_module_costs_two_queries(
    client_for_editor, django_assert_num_queries, warm_content_types
):
    for _ in range(20):
        make_course(modules=2, lessons=2, quizzes=1)
    course = make_course(topic="Chosen", modules=5, lessons=3, quizzes=1)
    module = course.modules.last()
    url = reverse("admin:courses_lesson_changelist")
    params = {"module__course__course_id__exact": course.pk, "module__module_id__exact": module.pk}
    # The counts (filtered and total) and the page of rows with their modules
    # and courses, as unfiltered; then the chosen course's name and its modules
    # for the module filter. Nothing grows with the number of courses.
    with django_assert_num_queries(EDITOR_ADMIN_QUERIES + 3):
        client_for_editor.get(url)
    with django_assert_num_queries(EDITOR_ADMIN_QUERIES + 5):
        response = client_for_editor.get(url, params)
    assert {lesson.module for lesson in response.context["cl"].result_list} == {module}
