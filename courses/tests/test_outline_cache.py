"""The course outline each process keeps (courses.outline.course_outlines):
fewer queries for learners, fresh after any content edit (checked against
the course's version in the database), drafts still hidden."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.urls import reverse

from courses import services
from courses.models import MAX_ID, Activity, Course, Lesson, Module, page_rows
from courses.outline import outline_tree, stamp_outline
from enrollment.progress import LearnerState, course_progress
from enrollment.services import enrollment_create, lesson_complete
from tests.factories import logged_in, make_course, make_user

pytestmark = pytest.mark.django_db


def first_lesson(course) -> Lesson:
    return Lesson.objects.filter(module__course=course).select_related("module").first()


def test_a_learner_page_reads_the_outline_from_the_cache(django_assert_num_queries):
    course = make_course(modules=2, lessons=2, quizzes=1)
    user = make_user()
    enrollment_create(user=user, course=course)
    client = logged_in(user)
    lesson = first_lesson(course)
    url = lesson.get_absolute_url()
    client.get(url)  # stores the outline (and records the visit)
    # Session, user, the bell's count, the learner's state, and the course's
    # version read with the lesson: its modules, lessons and quizzes come
    # from the outline this process keeps.
    with django_assert_num_queries(5):
        response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "Module 2" in html
    assert "Part 1.1" in html  # the lesson's own text


def test_the_dashboard_reads_every_outline_from_the_cache(django_assert_num_queries):
    user = make_user()
    courses = [make_course(modules=2, lessons=2, quizzes=1) for _ in range(4)]
    for course in courses:
        enrollment_create(user=user, course=course)
    lesson_complete(user=user, lesson=first_lesson(courses[0]))
    client = logged_in(user)
    dashboard = reverse("enrollment:dashboard")
    client.get(dashboard)  # stores the outlines
    # Session, user, the bell's count, the enrollments, the learner's
    # completions and resume points, the courses' versions, the items
    # completed per week (the progress chart) and the learner's certificates:
    # the four courses with their modules, lessons and quizzes are kept in
    # memory.
    with django_assert_num_queries(8):
        html = client.get(dashboard).content.decode()
    assert html.count("of 6 done") == 4
    assert "1 of 6 done" in html


def test_an_edit_shows_in_the_outline_at_once():
    course = make_course(modules=2)
    client = logged_in(make_user())
    assert "Module 2" in client.get(course.get_absolute_url()).content.decode()
    module = Module.objects.get(course=course, module_order=2)
    services.module_update(module=module, data={"title": "Retitled module"})
    html = client.get(course.get_absolute_url()).content.decode()
    assert "Retitled module" in html


def test_a_cached_draft_stays_hidden_from_learners(editor):
    draft = make_course(publish=False)
    assert logged_in(editor).get(draft.get_absolute_url()).status_code == HTTPStatus.OK
    learner = logged_in(make_user())
    assert learner.get(draft.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
    module = Module.objects.filter(course=draft).first()
    assert learner.get(module.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND


def test_an_unpublished_course_is_gone_at_once():
    course = make_course()
    learner = logged_in(make_user())
    assert learner.get(course.get_absolute_url()).status_code == HTTPStatus.OK
    services.course_unpublish(course_ids=[course.pk])
    assert learner.get(course.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND


def test_a_cached_draft_follows_the_same_rule_as_the_catalog():
    """The cached outline decides who sees a draft as `visible_to` does: its
    requester sees their generated draft, Support staff (who may not edit
    courses) do not."""
    from django.contrib.auth.models import Group

    from courses.models import Course

    requester, support = make_user(), make_user(is_staff=True)
    support.groups.add(Group.objects.get(name="Support"))
    draft = make_course(publish=False, modules=1, lessons=1, quizzes=0)
    Course.objects.filter(pk=draft.pk).update(created_by=requester)
    url = draft.get_absolute_url()
    for attempt in range(2):  # the second request reads the cached outline
        assert logged_in(requester).get(url).status_code == HTTPStatus.OK, attempt
        assert logged_in(support).get(url).status_code == HTTPStatus.NOT_FOUND, attempt
        assert logged_in(make_user()).get(url).status_code == HTTPStatus.NOT_FOUND, attempt


def outline_of(html: str) -> str:
    """The sidebar or course-page outline of a page."""
    start = html.index('aria-label="Course outline"')
    return html[start : html.index("</nav>", start)]


def test_the_cached_outline_carries_each_learners_own_marks():
    """The outline tree is rendered once per course; the ticks, the current
    item and the open module are each learner's own, on every page."""
    course = make_course(modules=2, lessons=2, quizzes=1)
    lessons = list(Lesson.objects.filter(module__course=course).select_related("module"))
    first, other_module_lesson = lessons[0], lessons[-1]
    done, fresh = make_user(), make_user()
    for user in (done, fresh):
        enrollment_create(user=user, course=course)
    lesson_complete(user=done, lesson=first)
    reader, newcomer = logged_in(done), logged_in(fresh)

    outline = outline_of(reader.get(first.get_absolute_url()).content.decode())
    assert outline.count("(completed)") == 1
    assert f'href="{first.get_absolute_url()}" aria-current="page"' in outline
    assert outline.count(" open>") == 1  # only the lesson's own module is unfolded
    assert "<!--outline:" not in outline

    # The same cached tree, another learner, another page.
    html = newcomer.get(other_module_lesson.get_absolute_url()).content.decode()
    outline = outline_of(html)
    assert "(completed)" not in outline
    assert f'href="{other_module_lesson.get_absolute_url()}" aria-current="page"' in outline
    assert f'href="{first.get_absolute_url()}" aria-current' not in outline
    assert '<li class="outline__module is-current">' in outline

    # A completion shows on the next page without any content edit.
    lesson_complete(user=fresh, lesson=other_module_lesson)
    outline = outline_of(newcomer.get(first.get_absolute_url()).content.decode())
    assert outline.count("(completed)") == 1
    assert "outline__item--lesson is-complete" in outline


def test_the_course_page_outline_ticks_from_the_cached_tree():
    course = make_course(modules=1, lessons=3, quizzes=0)
    user = make_user()
    enrollment_create(user=user, course=course)
    lesson = first_lesson(course)
    lesson_complete(user=user, lesson=lesson)
    client = logged_in(user)
    for attempt in range(2):  # rendered, then from the cache
        outline = outline_of(client.get(course.get_absolute_url()).content.decode())
        assert outline.count("(completed)") == 1, attempt
        assert "aria-current" not in outline, attempt


def test_a_title_cannot_forge_an_outline_mark():
    course = make_course(modules=1, lessons=2, quizzes=0)
    lesson = first_lesson(course)
    forged = "<!--outline:done-mark:lesson:1--> Sneaky"
    services.item_update(item=lesson, data={"title": forged})
    html = logged_in(make_user()).get(course.get_absolute_url()).content.decode()
    assert "&lt;!--outline:done-mark:lesson:1--&gt; Sneaky" in outline_of(html)
    assert "(completed)" not in html


def test_an_edited_lesson_shows_at_once_in_every_process_that_kept_it():
    course = make_course(modules=1, lessons=2, quizzes=1)
    lesson = first_lesson(course)
    client = logged_in(make_user())
    assert "Part 1.1" in client.get(lesson.get_absolute_url()).content.decode()
    lesson.set_markdown("## Rewritten\n\nNew words.")
    services.item_update(item=lesson, data={"content": lesson.content})
    html = client.get(lesson.get_absolute_url()).content.decode()
    assert "Rewritten" in html
    assert "Part 1.1" not in html


def test_a_kept_lesson_is_only_found_under_its_own_module():
    course = make_course(modules=2, lessons=1, quizzes=0)
    lesson = first_lesson(course)
    other_module = Module.objects.get(course=course, module_order=2)
    client = logged_in(make_user())
    assert client.get(lesson.get_absolute_url()).status_code == HTTPStatus.OK
    wrong = reverse(
        "courses:lesson-detail",
        kwargs={"course_id": course.pk, "module_id": other_module.pk, "lesson_id": lesson.pk},
    )
    assert client.get(wrong).status_code == HTTPStatus.NOT_FOUND


def test_a_kept_outline_is_used_only_while_the_database_has_its_version():
    """Each process keeps what it built from a course's row under the
    course's version, read from the database on every page: a change
    committed by any process (which moves the version in its transaction)
    shows at once, with any cache backend; nothing else retires it."""
    course = make_course(modules=2)
    client = logged_in(make_user())
    assert "Module 2" in client.get(course.get_absolute_url()).content.decode()
    # The same version: what this process built is used, not rebuilt.
    outline = Course.objects.get(pk=course.pk).outline
    outline["modules"][1]["title"] = "Never shown"
    Course.objects.filter(pk=course.pk).update(outline=outline)
    assert "Never shown" not in client.get(course.get_absolute_url()).content.decode()
    # What a service in any process writes: the data and a new version.
    module = Module.objects.get(course=course, module_order=2)
    services.module_update(module=module, data={"title": "Renamed elsewhere"})
    html = client.get(course.get_absolute_url()).content.decode()
    assert "Renamed elsewhere" in html


def test_a_kept_lesson_deleted_by_staff_is_gone_at_once():
    course = make_course(modules=1, lessons=2, quizzes=0)
    lesson = first_lesson(course)
    user = make_user()
    enrollment_create(user=user, course=course)
    client = logged_in(user)
    url = lesson.get_absolute_url()
    assert client.get(url).status_code == HTTPStatus.OK  # the lesson is now kept
    services.item_delete(item=lesson)
    assert client.get(url).status_code == HTTPStatus.NOT_FOUND
    # The course page, from a new outline, lists the one lesson left.
    outline = outline_of(client.get(course.get_absolute_url()).content.decode())
    assert outline.count("outline__item--lesson") == 1


def test_one_modules_objects_agree_with_the_whole_outline():
    """A lesson page builds only its own module's objects (Course.outline_module)
    and its neighbours: the same module, neighbours, numbers and progress as
    a page that built the whole outline."""
    course = make_course(modules=3, lessons=2, quizzes=1)
    whole = Course.objects.get(pk=course.pk)
    items = whole.ordered_items()
    for number, item in enumerate(items):
        alone = Course.objects.get(pk=course.pk)  # nothing built yet
        position = alone.item_position(item)
        assert "_outline_modules" not in alone.__dict__
        assert (position.number, position.count) == (number + 1, len(items))
        expected_previous = items[number - 1].key if number else None
        expected_next = items[number + 1].key if number + 1 < len(items) else None
        assert (position.previous.key if position.previous else None) == expected_previous
        assert (position.next.key if position.next else None) == expected_next
        module = alone.outline_module(item.module_id)
        assert [entry.key for entry in module.ordered_items()] == [
            entry.key for entry in whole.outline_module(item.module_id).ordered_items()
        ]
        assert item.key in alone.item_keys()
    assert Course.objects.get(pk=course.pk).outline_module(10**12) is None
    assert whole.item_keys() == [item.key for item in items]


def test_progress_counts_only_items_the_course_still_has():
    course = make_course(modules=2, lessons=2, quizzes=1)
    keys = Course.objects.get(pk=course.pk).item_keys()
    state = LearnerState(
        enrollment_id=1, completed_keys={keys[0], "lesson:999999"}, resume_key="lesson:999999"
    )
    progress = course_progress(course=Course.objects.get(pk=course.pk), state=state)
    assert (progress.completed, progress.total) == (1, len(keys))
    assert progress.resume is None  # resumed on an item since deleted
    assert progress.next_up.key == keys[1]
    assert progress.continue_item.key == keys[1]
    assert [module.completed for module in progress.modules] == [1, 0]


@pytest.mark.parametrize("compact", [True, False])
def test_a_visitors_outline_is_marked_as_the_general_pass_marks_it(compact):
    """stamp_outline's shortcut for no completions gives the very HTML of the
    general pass, on every page of the course."""
    course = make_course(modules=2, lessons=2, quizzes=1)
    course = Course.objects.get(pk=course.pk)
    tree = outline_tree(course, compact=compact)
    modules = course.outline_modules()
    pages = [(None, None), *((None, module.pk) for module in modules)]
    pages += [(item.key, item.module_id) for item in course.ordered_items()]
    for current_key, current_module_id in pages:
        marks = {"current_key": current_key, "current_module_id": current_module_id}
        shortcut = stamp_outline(tree, completed_keys=set(), **marks)
        general = stamp_outline(tree, completed_keys={"lesson:0"}, **marks)
        assert shortcut == general
        assert "<!--outline:" not in shortcut
        if current_key:
            assert shortcut.count('aria-current="page"') == 1


def test_page_rows_reads_what_the_orm_reads():
    """The one query of a lesson or quiz page (courses.models.page_rows)
    builds the same objects as the ORM, dates and JSON included, on either
    database; the course's columns only when its version is not the known one."""
    course = make_course(modules=1, lessons=1, quizzes=1)
    lesson = first_lesson(course)
    rows = page_rows(course.pk, item_model=Lesson, item_id=lesson.pk, module_id=lesson.module_id)
    stored = Course.objects.get(pk=course.pk)
    assert rows.version == stored.content_version
    for field in Course._meta.concrete_fields:
        assert getattr(rows.course, field.attname) == getattr(stored, field.attname), field.name
    assert rows.course.created_at.tzinfo is not None
    assert rows.item == lesson
    assert rows.item.content == Lesson.objects.get(pk=lesson.pk).content
    quiz = Activity.objects.get(module__course=course)
    rows = page_rows(
        course.pk,
        known_version=stored.content_version,
        item_model=Activity,
        item_id=quiz.pk,
        module_id=quiz.module_id,
        defer=("content",),
    )
    assert rows.course is None  # unchanged: the caller keeps it
    assert rows.item.options == quiz.options  # deferred, loaded when read


@pytest.mark.parametrize(
    ("course_id", "item_id", "module_id"),
    [(0, 1, 1), (MAX_ID + 1, 1, 1), (1, MAX_ID + 1, 1), (1, 1, -5)],
)
def test_page_rows_refuses_ids_no_row_can_have(course_id, item_id, module_id):
    rows = page_rows(course_id, item_model=Lesson, item_id=item_id, module_id=module_id)
    assert (rows.version, rows.course, rows.item) == (None, None, None)


def test_page_rows_finds_no_item_outside_its_module():
    course = make_course(modules=2, lessons=1, quizzes=0)
    lesson = first_lesson(course)
    other = Module.objects.get(course=course, module_order=2)
    rows = page_rows(course.pk, item_model=Lesson, item_id=lesson.pk, module_id=other.pk)
    assert rows.course is not None
    assert rows.item is None


def test_page_rows_leaves_out_the_items_fields_only():
    """`defer` names the item's fields: a course column of the same name
    (both have `created_at`) is still read, so the course this process keeps
    and shares never queries on a read."""
    course = make_course(modules=1, lessons=1, quizzes=0)
    lesson = first_lesson(course)
    rows = page_rows(
        course.pk,
        item_model=Lesson,
        item_id=lesson.pk,
        module_id=lesson.module_id,
        defer=("created_at",),
    )
    assert "created_at" in rows.item.get_deferred_fields()
    assert "created_at" not in rows.course.get_deferred_fields()
