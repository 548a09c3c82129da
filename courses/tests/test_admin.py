"""Course admin: the list, the course form, bulk actions, history, deletion and
who may do what."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from courses.admin import CourseAdmin
from courses.admin_filters import drill_down
from courses.documents import course_export, parse_document
from courses.models import TITLE_MAX_LENGTH, Course, Module
from courses.services import module_create
from enrollment.models import Enrollment
from tests.factories import logged_in, make_course, make_user
from tests.helpers import (
    HOSTILE_SEARCHES,
    assert_counts_true,
    change_form_data,
    course_change_url,
)

pytestmark = pytest.mark.django_db

CONTENT_EDITORS = "Content editors"
CHANGELIST = "admin:courses_course_changelist"


# --- the course list ----------------------------------------------------------------


def test_course_list_shows_counts_and_enrollment_numbers(client_for_editor):
    course = make_course(topic="Counting things", modules=3, lessons=2, quizzes=1)
    for _ in range(4):
        Enrollment.objects.create(user=make_user(), course=course)
    response = client_for_editor.get(reverse(CHANGELIST))
    assert response.status_code == HTTPStatus.OK
    row = response.context["cl"].result_list.get(pk=course.pk)
    assert row.enrollment_count == 4
    html = response.content.decode()
    assert "Counting things" in html
    # 3 modules, 6 lessons, 3 quizzes in one narrow column; 4 enrollments.
    assert '<td class="field-content">3 · 6 · 3</td>' in html
    assert '<td class="field-enrollment_count">4</td>' in html


def test_course_list_searches_topic_and_description(client_for_editor):
    make_course(topic="Photosynthesis")
    described = make_course(topic="Plants")
    Course.objects.filter(pk=described.pk).update(description="All about chlorophyll.")
    make_course(topic="Unrelated")
    response = client_for_editor.get(reverse(CHANGELIST), {"q": "photosynthesis"})
    assert [c.topic for c in response.context["cl"].result_list] == ["Photosynthesis"]
    response = client_for_editor.get(reverse(CHANGELIST), {"q": "chlorophyll"})
    assert [c.topic for c in response.context["cl"].result_list] == ["Plants"]
    response = client_for_editor.get(reverse(CHANGELIST), {"q": "nothing-matches-this"})
    assert list(response.context["cl"].result_list) == []


@pytest.mark.parametrize("query", [*HOSTILE_SEARCHES, "- " * 5000, "-(" * 5000 + " python"])
def test_course_list_search_answers_hostile_text_with_a_list(client_for_editor, query):
    make_course(topic="Python loops")
    response = client_for_editor.get(reverse(CHANGELIST), {"q": query})
    assert response.status_code == HTTPStatus.OK
    assert [course.topic for course in response.context["cl"].result_list] in (
        [],
        ["Python loops"],
    )
    response = client_for_editor.get(reverse(CHANGELIST), {"q": f"{query} python"})
    assert response.status_code == HTTPStatus.OK


def test_course_list_sorts_by_level_and_by_enrollments(client_for_editor):
    advanced = make_course(
        topic="Advanced", preferences={"level": "advanced", "duration": "short", "focus": "broad"}
    )
    make_course(topic="Beginner")
    Enrollment.objects.create(user=make_user(), course=advanced)
    sorts = {
        "built_for": ["Advanced", "Beginner"],
        "enrollment_count": ["Beginner", "Advanced"],
    }
    for column, expected in sorts.items():
        order = str(CourseAdmin.list_display.index(column) + 1)
        response = client_for_editor.get(reverse(CHANGELIST), {"o": order})
        assert response.status_code == HTTPStatus.OK
        assert [c.topic for c in response.context["cl"].result_list] == expected
    # The duration beside the course's estimate, as on its pages.
    assert f"Short (up to 2 h): {advanced.minutes_label}, Broad" in response.content.decode()


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:courses_module_changelist",
        "admin:courses_lesson_changelist",
        "admin:courses_activity_changelist",
    ],
)
def test_module_lesson_and_quiz_lists_run_a_fixed_number_of_queries(
    client_for_editor, django_assert_num_queries, url_name
):
    make_course(modules=1)
    # Session, user, the editor's permissions (user and group), the count (twice:
    # filtered and total) and the page of rows with their module and course.
    with django_assert_num_queries(7):
        client_for_editor.get(reverse(url_name))
    for _ in range(8):
        make_course(modules=3, lessons=2, quizzes=2)
    with django_assert_num_queries(7):
        response = client_for_editor.get(reverse(url_name))
    assert response.status_code == HTTPStatus.OK
    assert "Course " in response.content.decode()


def test_course_list_filters_on_state_and_preferences(client_for_editor):
    make_course(topic="Draft beginner", publish=False)
    make_course(
        topic="Published advanced",
        preferences={"level": "advanced", "duration": "long", "focus": "in-depth"},
    )
    url = reverse(CHANGELIST)

    def topics(**params: str) -> list[str]:
        return sorted(c.topic for c in client_for_editor.get(url, params).context["cl"].result_list)

    assert topics(status__exact="draft") == ["Draft beginner"]
    assert topics(level="advanced") == ["Published advanced"]
    assert topics(duration="short") == ["Draft beginner"]
    assert topics(focus="in-depth") == ["Published advanced"]
    assert topics(level="nonsense") == ["Draft beginner", "Published advanced"]


def test_course_list_runs_a_fixed_number_of_queries(client_for_editor, django_assert_num_queries):
    for _ in range(3):
        make_course(modules=1)
    url = reverse(CHANGELIST)
    # Session, user, permissions (2), the capped count of the listed rows (no
    # count of the whole table: show_full_result_count is off), the page of rows
    # with their enrollment counts, and the date hierarchy (its range, then the
    # range and one index probe per day shown: courses.admin_filters.drill_down).
    with django_assert_num_queries(9):
        client_for_editor.get(url)
    for _ in range(20):
        course = make_course(modules=1)
        Enrollment.objects.create(user=make_user(), course=course)
    with django_assert_num_queries(9):
        response = client_for_editor.get(url)
    assert len(response.context["cl"].result_list) == 23


# --- the course form ------------------------------------------------------------------


def test_course_form_edits_preferences_as_three_choice_fields(client_for_editor):
    course = make_course(publish=False)
    response = client_for_editor.get(course_change_url(course))
    html = response.content.decode()
    assert '<select name="level"' in html
    assert '<select name="duration"' in html
    assert '<select name="focus"' in html
    assert 'name="preferences"' not in html
    data = change_form_data(response)
    data.update(level="advanced", duration="long", focus="in-depth", answer_reveal="after_attempt")
    response = client_for_editor.post(course_change_url(course), data)
    assert response.status_code == HTTPStatus.FOUND
    course.refresh_from_db()
    assert course.preferences == {"level": "advanced", "duration": "long", "focus": "in-depth"}
    assert course.answer_reveal == Course.AnswerReveal.AFTER_ATTEMPT


def test_course_form_refuses_an_unknown_preference_and_keeps_the_course(client_for_editor):
    course = make_course(publish=False)
    data = change_form_data(client_for_editor.get(course_change_url(course)))
    data.update(level="expert", topic="Changed topic")
    response = client_for_editor.post(course_change_url(course), data)
    assert response.status_code == HTTPStatus.OK
    assert "Select a valid choice. expert is not one of the available choices." in (
        response.content.decode()
    )
    course.refresh_from_db()
    assert course.topic != "Changed topic"
    assert course.preferences["level"] == "beginner"


def test_publishing_from_the_form_dates_the_course(client_for_editor):
    course = make_course(publish=False)
    data = change_form_data(client_for_editor.get(course_change_url(course)))
    data["status"] = "published"
    client_for_editor.post(course_change_url(course), data)
    course.refresh_from_db()
    assert course.is_published
    assert course.published_at is not None


def test_course_page_links_to_the_draft_on_the_site(client_for_editor):
    course = make_course(publish=False)
    response = client_for_editor.get(course_change_url(course))
    assert "Preview draft on site" in response.content.decode()
    site_link = response.context["site_url_for_course"]
    response = client_for_editor.get(site_link)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].endswith(course.get_absolute_url())
    page = client_for_editor.get(course.get_absolute_url())
    assert page.status_code == HTTPStatus.OK
    assert "Draft" in page.content.decode()


def test_adding_a_course_with_modules_numbers_them_and_counts_them(client_for_editor):
    add_url = reverse("admin:courses_course_add")
    data = change_form_data(client_for_editor.get(add_url))
    data.update(
        {
            "topic": "Written in the admin",
            "description": "By hand.",
            "level": "intermediate",
            "duration": "medium",
            "focus": "broad",
            "status": "draft",
            "answer_reveal": "after_correct",
            "modules-TOTAL_FORMS": "2",
            "modules-0-title": "First",
            "modules-1-title": "Second",
        }
    )
    response = client_for_editor.post(add_url, data)
    assert response.status_code == HTTPStatus.FOUND, response.context["errors"]
    course = Course.objects.get(topic="Written in the admin")
    assert [(m.title, m.module_order) for m in course.modules.all()] == [
        ("First", 1),
        ("Second", 2),
    ]
    assert course.preferences == {"level": "intermediate", "duration": "medium", "focus": "broad"}
    assert course.counts == {"modules": 2, "lessons": 0, "activities": 0}


def test_course_change_page_runs_a_fixed_number_of_queries(
    client_for_editor, django_assert_num_queries, warm_content_types
):
    small = make_course(modules=1)
    large = make_course(modules=12)
    # Session, user, permissions (2), the course, its modules (for the inline,
    # and the order table lists the same rows).
    with django_assert_num_queries(6):
        client_for_editor.get(course_change_url(small))
    with django_assert_num_queries(6):
        client_for_editor.get(course_change_url(large))


# --- bulk actions -----------------------------------------------------------------------


def run_action(client: Client, action: str, courses: list[Course]) -> Any:
    return client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [course.pk for course in courses]},
    )


def test_publish_and_unpublish_actions_change_state_and_record_who(client_for_editor, editor):
    drafts = [make_course(publish=False), make_course(publish=False)]
    response = run_action(client_for_editor, "publish", drafts)
    assert response.status_code == HTTPStatus.FOUND
    for course in drafts:
        course.refresh_from_db()
        assert course.is_published
        assert course.published_at is not None
    first_published = drafts[0].published_at
    entries = LogEntry.objects.filter(user=editor, action_flag=CHANGE)
    assert sorted(entry.change_message for entry in entries) == ["Published.", "Published."]

    run_action(client_for_editor, "unpublish", drafts)
    run_action(client_for_editor, "publish", drafts[:1])
    drafts[0].refresh_from_db()
    drafts[1].refresh_from_db()
    assert drafts[0].is_published
    assert drafts[0].published_at == first_published  # first publication date kept
    assert not drafts[1].is_published


def test_export_action_gives_one_document_for_one_course(client_for_editor):
    course = make_course(topic="Exported course")
    response = run_action(client_for_editor, "export_documents", [course])
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/json"
    assert f'filename="course-{course.pk}-exported-course.json"' in response["Content-Disposition"]
    assert json.loads(response.content) == course_export(course)


def test_export_action_zips_several_documents_that_import_again(client_for_editor):
    courses = [make_course(topic="One"), make_course(topic="Two")]
    response = run_action(client_for_editor, "export_documents", courses)
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = sorted(archive.namelist())
        specs = [parse_document(archive.read(name)) for name in names]
    assert names == sorted(f"course-{c.pk}-{c.topic.lower()}.json" for c in courses)
    assert sorted(spec.topic for spec in specs) == ["One", "Two"]


def test_duplicate_action_makes_a_draft_copy_with_the_same_outline(client_for_editor):
    course = make_course(topic="Original", modules=2, lessons=2, quizzes=1)
    Course.objects.filter(pk=course.pk).update(answer_reveal="after_attempt")
    response = run_action(client_for_editor, "duplicate", [course])
    assert response.status_code == HTTPStatus.FOUND
    copy = Course.objects.get(topic="Original (copy)")
    assert not copy.is_published
    assert copy.answer_reveal == "after_attempt"
    original_document = course_export(course)
    copy_document = course_export(copy)
    assert copy_document["modules"] == original_document["modules"]
    assert copy.counts == course.counts == {"modules": 2, "lessons": 4, "activities": 2}
    messages = [str(m) for m in client_for_editor.get(reverse(CHANGELIST)).context["messages"]]
    assert any(course_change_url(copy) in message for message in messages)
    assert any(message.startswith("Created 1 draft copy:") for message in messages)


def test_a_draft_with_a_module_still_being_written_is_not_copied_and_the_editor_told(
    client_for_editor,
):
    course = make_course(topic="Half written", modules=1)
    module_create(module=Module(course=course, title="Being written", description=""))
    response = run_action(client_for_editor, "duplicate", [course])
    assert response.status_code == HTTPStatus.FOUND
    assert not Course.objects.filter(topic__endswith="(copy)").exists()
    messages = [str(m) for m in client_for_editor.get(reverse(CHANGELIST)).context["messages"]]
    assert messages == [
        "Could not copy “Half written”: modules[1].content: must hold at least one lesson or quiz"
    ]


# --- deletion ---------------------------------------------------------------------------


def test_deleting_a_course_lists_its_content_first(client_for_editor):
    course = make_course(modules=2, lessons=1, quizzes=1)
    url = reverse("admin:courses_course_delete", args=[course.pk])
    response = client_for_editor.get(url)
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    for title in ["Module 1", "Module 2", "Lesson 1.1", "Lesson 2.1", "Quiz 1.1", "Quiz 2.1"]:
        assert title in html
    assert Course.objects.filter(pk=course.pk).exists()  # asking deletes nothing
    response = client_for_editor.post(url, {"post": "yes"})
    assert response.status_code == HTTPStatus.FOUND
    assert not Course.objects.filter(pk=course.pk).exists()
    assert not Module.objects.filter(course_id=course.pk).exists()


def test_deleting_a_module_lists_its_items_then_renumbers_and_recounts(client_for_editor):
    course = make_course(modules=3, lessons=1, quizzes=1)
    first, second, third = course.modules.all()
    url = reverse("admin:courses_module_delete", args=[second.pk])
    html = client_for_editor.get(url).content.decode()
    assert "Lesson 2.1" in html
    assert "Quiz 2.1" in html
    client_for_editor.post(url, {"post": "yes"})
    assert [(m.pk, m.module_order) for m in course.modules.all()] == [(first.pk, 1), (third.pk, 2)]
    assert_counts_true(course)
    assert course.counts == {"modules": 2, "lessons": 2, "activities": 2}


# --- history ----------------------------------------------------------------------------


def test_every_admin_change_is_recorded_with_user_and_message(client_for_editor, editor):
    course = make_course(modules=1, lessons=1, quizzes=1)
    module = course.modules.get()
    lesson = module.lessons.get()
    data = change_form_data(client_for_editor.get(course_change_url(course)))
    data["topic"] = "Renamed course"
    client_for_editor.post(course_change_url(course), data)
    lesson_url = reverse("admin:courses_lesson_change", args=[lesson.pk])
    data = change_form_data(client_for_editor.get(lesson_url))
    data["title"] = "Renamed lesson"
    client_for_editor.post(lesson_url, data)

    entries = LogEntry.objects.filter(user=editor).order_by("action_time")
    assert [(e.content_type.model, e.object_repr, e.get_change_message()) for e in entries] == [
        ("course", "Renamed course", "Changed Topic."),
        ("lesson", "Renamed lesson", "Changed Title."),
    ]

    history = client_for_editor.get(
        reverse("admin:courses_course_content_history", args=[course.pk])
    )
    assert history.status_code == HTTPStatus.OK
    html = history.content.decode()
    assert "Lesson: Renamed lesson" in html
    assert "Course: Renamed course" in html
    assert editor.get_username() in html
    other = make_course()
    other_history = client_for_editor.get(
        reverse("admin:courses_course_content_history", args=[other.pk])
    )
    assert "Renamed lesson" not in other_history.content.decode()


def test_course_history_page_runs_a_fixed_number_of_queries(
    client_for_editor, editor, django_assert_num_queries, warm_content_types
):
    course = make_course(modules=3, lessons=3, quizzes=2)
    course_type = ContentType.objects.get_for_model(Course)
    for number in range(30):
        LogEntry.objects.create(
            user=editor,
            content_type=course_type,
            object_id=str(course.pk),
            object_repr=course.topic,
            action_flag=CHANGE,
            change_message=f"Edit {number}",
        )
    url = reverse("admin:courses_course_content_history", args=[course.pk])
    # Session, user, course, permissions (2), the module, lesson and quiz ids,
    # and the entries (count, page) with their users and content types.
    with django_assert_num_queries(10):
        response = client_for_editor.get(url)
    assert "Edit 29" in response.content.decode()


# --- permissions ------------------------------------------------------------------------


def test_content_editors_group_has_exactly_the_authoring_permissions():
    """Authoring, and reading generation jobs (who asked for a generated draft
    under review, and what it cost) and the changes asked of generated courses."""
    group = Group.objects.get(name=CONTENT_EDITORS)
    assert sorted(group.permissions.values_list("content_type__app_label", "codename")) == sorted(
        [
            *(
                ("courses", f"{action}_{model}")
                for model in ["course", "module", "lesson", "activity"]
                for action in ["add", "change", "delete", "view"]
            ),
            ("generation", "view_generationjob"),
            ("generation", "view_rewrite"),
            ("enrollment", "view_problemreport"),
            ("enrollment", "change_problemreport"),
        ]
    )


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:courses_course_changelist",
        "admin:courses_course_add",
        "admin:courses_course_import",
        "admin:courses_module_changelist",
        "admin:courses_lesson_changelist",
        "admin:courses_activity_changelist",
    ],
)
def test_staff_without_permissions_are_refused_the_authoring_pages(url_name):
    client = logged_in(make_user(is_staff=True))
    assert client.get(reverse(url_name)).status_code == HTTPStatus.FORBIDDEN


def test_staff_without_permissions_cannot_see_or_change_a_course():
    course = make_course(publish=False, modules=1)
    module = course.modules.get()
    lesson = module.lessons.first()
    client = logged_in(make_user(is_staff=True))
    forbidden = [
        client.get(course_change_url(course)),
        client.post(course_change_url(course), {"topic": "Hijacked"}),
        client.get(reverse("admin:courses_course_content_history", args=[course.pk])),
        client.post(
            reverse("admin:courses_course_move_module", args=[course.pk]),
            {"move": f"module:{module.pk}:1"},
        ),
        client.post(
            reverse("admin:courses_module_move_item", args=[module.pk]),
            {"move": f"lesson:{lesson.pk}:1"},
        ),
        client.post(reverse("admin:courses_lesson_preview"), {"markdown": "# Hi"}),
        client.post(reverse("admin:courses_course_delete", args=[course.pk]), {"post": "yes"}),
        client.post(reverse(CHANGELIST), {"action": "publish", "_selected_action": [course.pk]}),
    ]
    assert [response.status_code for response in forbidden] == [HTTPStatus.FORBIDDEN] * len(
        forbidden
    )
    course.refresh_from_db()
    assert course.topic != "Hijacked"
    assert not course.is_published


def test_a_content_editor_cannot_see_or_change_users(client_for_editor, editor):
    learner = make_user()
    assert client_for_editor.get(reverse("admin:auth_user_changelist")).status_code == (
        HTTPStatus.FORBIDDEN
    )
    url = reverse("admin:auth_user_change", args=[learner.pk])
    assert client_for_editor.get(url).status_code == HTTPStatus.FORBIDDEN
    response = client_for_editor.post(url, {"username": learner.username, "is_superuser": "on"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    learner.refresh_from_db()
    assert not learner.is_superuser
    assert client_for_editor.get(reverse("admin:auth_group_changelist")).status_code == (
        HTTPStatus.FORBIDDEN
    )


def test_a_content_editor_cannot_change_enrollments(client_for_editor):
    course = make_course()
    enrollment = Enrollment.objects.create(user=make_user(), course=course)
    url = reverse("admin:enrollment_enrollment_delete", args=[enrollment.pk])
    assert client_for_editor.post(url, {"post": "yes"}).status_code == HTTPStatus.FORBIDDEN
    assert Enrollment.objects.filter(pk=enrollment.pk).exists()


def test_a_read_only_staff_member_sees_courses_but_cannot_act_on_them():
    viewer = make_user(is_staff=True)
    viewer.user_permissions.add(
        *Group.objects.get(name=CONTENT_EDITORS).permissions.filter(codename__startswith="view_")
    )
    client = logged_in(viewer)
    course = make_course(publish=False)
    assert client.get(reverse(CHANGELIST)).status_code == HTTPStatus.OK
    page = client.get(course_change_url(course))
    assert page.status_code == HTTPStatus.OK
    assert page.context["can_reorder"] is False
    assert client.get(reverse("admin:courses_course_import")).status_code == HTTPStatus.FORBIDDEN
    run_action(client, "publish", [course])
    course.refresh_from_db()
    assert not course.is_published


def test_anonymous_visitors_are_sent_to_the_admin_login():
    response = Client().get(reverse(CHANGELIST))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("admin:login"))


def test_deleting_a_module_in_the_course_page_renumbers_and_recounts(client_for_editor):
    course = make_course(modules=3, lessons=1, quizzes=1)
    first, second, third = course.modules.all()
    data = change_form_data(client_for_editor.get(course_change_url(course)))
    index = next(i for i in range(3) if data[f"modules-{i}-module_id"] == second.pk)
    data[f"modules-{index}-DELETE"] = "on"
    response = client_for_editor.post(course_change_url(course), data)
    assert response.status_code == HTTPStatus.FOUND, response.context["errors"]
    assert [(m.pk, m.module_order) for m in course.modules.all()] == [(first.pk, 1), (third.pk, 2)]
    assert_counts_true(course)
    assert course.counts == {"modules": 2, "lessons": 2, "activities": 2}


def test_duplicating_a_course_with_a_long_topic_keeps_it_within_bounds(client_for_editor):
    course = make_course(topic="T" * TITLE_MAX_LENGTH)
    run_action(client_for_editor, "duplicate", [course])
    copy = Course.objects.exclude(pk=course.pk).get()
    assert len(copy.topic) == TITLE_MAX_LENGTH
    assert copy.topic.endswith(" (copy)")


def test_the_admin_log_is_readable_by_superusers_only(client_for_editor, editor):
    course = make_course(publish=False)
    run_action(client_for_editor, "publish", [course])
    url = reverse("admin:admin_logentry_changelist")
    assert client_for_editor.get(url).status_code == HTTPStatus.FORBIDDEN
    superuser = logged_in(make_user(is_staff=True, is_superuser=True))
    response = superuser.get(url)
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert editor.get_username() in html
    assert "Published." in html
    entry = LogEntry.objects.get()
    change = superuser.post(
        reverse("admin:admin_logentry_change", args=[entry.pk]), {"change_message": "forged"}
    )
    assert change.status_code == HTTPStatus.FORBIDDEN
    entry.refresh_from_db()
    assert entry.change_message == "Published."


def test_the_admin_calls_activities_quizzes():
    client = logged_in(make_user(is_staff=True, is_superuser=True))
    index = client.get(reverse("admin:index")).content.decode()
    assert ">Quizzes<" in index
    assert ">Activities<" not in index
    listing = client.get(reverse("admin:courses_activity_changelist")).content.decode()
    assert "Select quiz to change" in listing


def test_the_date_hierarchy_offers_the_periods_that_hold_courses(client_for_editor):
    """Found by index probes (drill_down), the same choices as Django's
    DISTINCT over every row: years, months and days with courses, no others."""
    moments = [
        datetime(2024, 3, 5, 10, tzinfo=UTC),
        datetime(2024, 3, 5, 23, tzinfo=UTC),
        datetime(2024, 3, 20, 8, tzinfo=UTC),
        datetime(2024, 11, 1, 12, tzinfo=UTC),
        datetime(2026, 1, 2, 12, tzinfo=UTC),
    ]
    for moment in moments:
        Course.objects.filter(pk=make_course().pk).update(created_at=moment)
    plain = Course.objects.all()
    probed = drill_down(Course.objects.all())
    for kind in ("year", "month", "day"):
        assert list(probed.datetimes("created_at", kind)) == list(
            plain.datetimes("created_at", kind)
        ), kind
    march = {"created_at__year": 2024, "created_at__month": 3}
    assert list(probed.filter(**march).datetimes("created_at", "day")) == list(
        plain.filter(**march).datetimes("created_at", "day")
    )
    html = client_for_editor.get(reverse(CHANGELIST)).content.decode()
    assert ">2024<" in html
    assert ">2026<" in html
    assert ">2025<" not in html
    html = client_for_editor.get(reverse(CHANGELIST), {"created_at__year": 2024}).content.decode()
    assert "March 2024" in html
    assert "November 2024" in html
    assert "April 2024" not in html
