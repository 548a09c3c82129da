"""Changing one part of a generated course against the stand-in model server,
over real HTTP: every other item stays byte for byte, progress follows the
rules, and every change can be undone."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from courses.models import Activity, Course, Lesson, Module
from enrollment.models import LessonCompletion, QuizAttempt
from enrollment.services import enrollment_create, lesson_complete, quiz_answer
from generation.models import GenerationJob, Rewrite
from generation.pipeline import CourseRequest, GenerationFailed, generate_course
from generation.rewrite import (
    GONE,
    NotRestorable,
    course_rewritable_by,
    rewrite_restore,
    rewrite_run,
)
from generation.services import GenerationLimitReached, rewrite_request
from generation.tests.helpers import IMMEDIATE
from generation.tests.llm_server import changed, error
from notifications.models import Notification
from tests.factories import make_course, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return make_user(username="ada")


@pytest.fixture
def course(llm_server, owner) -> Course:
    request = CourseRequest(
        topic="History of the Silk Road", level="beginner", duration="short", focus="broad"
    )
    course = generate_course(request, owner=owner).course
    llm_server.recorded.clear()
    return course


def contents(course: Course) -> list[tuple[Any, ...]]:
    """Every module and item of the course as stored: ids, order and text."""
    rows: list[tuple[Any, ...]] = []
    for module in Module.objects.with_items().filter(course=course).order_by("module_order"):
        rows.append(("module", module.pk, module.title, module.description))
        rows += [
            (item.kind, item.pk, item.display_order, item.title, json.dumps(item.content))
            for item in module.ordered_items()
        ]
    return rows


def items_of(course: Course, module_order: int) -> list[Lesson | Activity]:
    return Module.objects.with_items().get(course=course, module_order=module_order).ordered_items()


def change(course: Course, kind: str, instruction: str, **target: Any) -> Rewrite:
    rewrite = Rewrite.objects.create(
        course=course, requester=course.created_by, kind=kind, instruction=instruction, **target
    )
    return rewrite_run(rewrite)


def test_a_rewritten_lesson_changes_alone_keeps_its_completions_and_can_be_undone(
    llm_server, course, owner
):
    lesson = items_of(course, 1)[0]
    enrollment_create(user=owner, course=course)
    lesson_complete(user=owner, lesson=lesson)
    before = contents(course)

    rewrite = change(course, Rewrite.Kind.LESSON, "More on camels, please", lesson=lesson)

    after = contents(course)
    changed_rows = [row for row in after if row not in before]
    assert [(row[0], row[1]) for row in changed_rows] == [("lesson", lesson.pk)]
    lesson.refresh_from_db()
    assert "## As you asked\n\nMore on camels, please" in lesson.markdown
    assert "More on camels, please" in lesson.content_html
    assert LessonCompletion.objects.filter(user=owner, lesson=lesson).exists()
    assert rewrite.state == Rewrite.State.SUCCEEDED
    assert rewrite.before["items"][0]["markdown"] != lesson.markdown
    assert rewrite.after["items"][0]["markdown"] == lesson.markdown
    assert rewrite.prompt_tokens > 0
    # The instruction is data in the user message, never in the instructions.
    (asked,) = llm_server.requests("lesson")
    assert asked.data["instruction"] == "More on camels, please"
    assert asked.data["current"]["title"] == lesson.title
    assert "More on camels" not in asked.contents("system")[0]

    restore = rewrite_restore(rewrite=rewrite, user=owner)

    assert contents(course) == before
    assert restore.kind == Rewrite.Kind.RESTORE
    assert restore.restores == rewrite
    assert LessonCompletion.objects.filter(user=owner, lesson=lesson).exists()
    # An undo is on record, and is not undone itself (undo the rewrite again instead).
    with pytest.raises(NotRestorable):
        rewrite_restore(rewrite=restore, user=owner)


def test_a_change_marked_failed_while_the_model_wrote_changes_nothing(llm_server, course, owner):
    lesson = items_of(course, 1)[0]
    before = contents(course)
    # Taken for stale (its learner told nothing changed) before the worker saves.
    rewrite = Rewrite.objects.create(
        course=course,
        requester=owner,
        kind=Rewrite.Kind.LESSON,
        instruction="More on camels, please",
        lesson=lesson,
        state=Rewrite.State.FAILED,
    )
    assert rewrite_run(rewrite) is None
    assert contents(course) == before
    rewrite.refresh_from_db()
    assert rewrite.state == Rewrite.State.FAILED


def test_a_rewritten_quiz_keeps_answers_to_the_same_options_and_clears_the_others(
    llm_server, course, owner
):
    _, quiz, _, second_quiz = items_of(course, 1)
    enrollment_create(user=owner, course=course)
    quiz_answer(user=owner, activity=quiz, option_number=1)  # right
    quiz_answer(user=owner, activity=second_quiz, option_number=2)  # wrong
    before = contents(course)

    change(course, Rewrite.Kind.QUIZ, "Ask about silk", activity=quiz)

    quiz.refresh_from_db()
    assert quiz.question.endswith("(As you asked: Ask about silk)")
    assert quiz.options == ["A thing to learn", "Nothing at all", "A kind of cheese"]
    # The same options, the same right one: the answer stays.
    assert QuizAttempt.objects.filter(user=owner, activity=quiz, is_correct=True).exists()

    def new_options(answer: dict[str, Any]) -> dict[str, Any]:
        return {**answer, "options": ["Silk", "Nothing at all", "Tea"], "answer": 3}

    llm_server.script("quiz", changed(new_options))
    rewrite = change(course, Rewrite.Kind.QUIZ, "New options", activity=second_quiz)

    # Option 2's text is the same, but it is now as wrong as before: kept;
    # the first quiz was not touched.
    assert QuizAttempt.objects.filter(activity=second_quiz).count() == 1
    assert QuizAttempt.objects.filter(activity=quiz).count() == 1
    llm_server.script(
        "quiz", changed(lambda answer: {**answer, "options": ["A", "B"], "answer": 2})
    )
    change(course, Rewrite.Kind.QUIZ, "Two options", activity=quiz)
    # Option 1 is another text now: the answer no longer matches and is cleared.
    assert not QuizAttempt.objects.filter(activity=quiz).exists()
    assert [
        row
        for row in contents(course)
        if row not in before and row[1] not in (quiz.pk, second_quiz.pk)
    ] == []

    rewrite_restore(rewrite=rewrite, user=owner)
    second_quiz.refresh_from_db()
    assert second_quiz.options == ["A thing to learn", "Nothing at all", "A kind of cheese"]


def test_a_rewritten_module_changes_its_items_in_place_and_nothing_else(llm_server, course, owner):
    module = Module.objects.get(course=course, module_order=2)
    first_module = contents(course)[:5]
    ids = [item.key for item in items_of(course, 2)]
    enrollment_create(user=owner, course=course)
    lesson_complete(user=owner, lesson=items_of(course, 2)[0])

    rewrite = change(course, Rewrite.Kind.MODULE, "Focus on cities", module=module)

    assert contents(course)[:5] == first_module
    items = items_of(course, 2)
    assert [item.key for item in items] == ids
    assert all("Focus on cities" in item.markdown for item in items if isinstance(item, Lesson))
    assert all("Focus on cities" in item.question for item in items if isinstance(item, Activity))
    assert LessonCompletion.objects.filter(user=owner, lesson=items[0]).exists()
    assert len(rewrite.before["items"]) == len(rewrite.after["items"]) == 4
    assert {r.stage for r in llm_server.requests()} == {"lesson", "quiz"}


def test_a_lesson_added_after_a_lesson_comes_after_its_quiz_and_can_be_removed(
    llm_server, course, owner
):
    lesson, quiz, *rest = items_of(course, 1)
    before = contents(course)

    rewrite = change(course, Rewrite.Kind.ADD_LESSON, "Caravanserais", lesson=lesson)

    items = items_of(course, 1)
    assert [item.key for item in items[:2]] == [lesson.key, quiz.key]
    new_lesson, new_quiz = items[2:4]
    assert new_lesson.title == "On request: Caravanserais"
    assert isinstance(new_quiz, Activity)
    assert [item.key for item in items[4:]] == [item.key for item in rest]
    assert [item.display_order for item in items] == list(range(1, 7))
    assert Course.objects.get(pk=course.pk).counts == {"modules": 2, "lessons": 5, "activities": 5}
    assert [s["id"] for s in rewrite.after["items"]] == [new_lesson.pk, new_quiz.pk]

    rewrite_restore(rewrite=rewrite, user=owner)

    assert contents(course) == before
    assert [item.key for item in items_of(course, 1)] == [
        lesson.key,
        quiz.key,
        *[i.key for i in rest],
    ]
    assert Course.objects.get(pk=course.pk).counts == {"modules": 2, "lessons": 4, "activities": 4}


def test_a_module_added_after_the_first_comes_second_written_whole_and_can_be_removed(
    llm_server, course, owner
):
    first, second = Module.objects.filter(course=course).order_by("module_order")

    rewrite = change(course, Rewrite.Kind.ADD_MODULE, "Maritime routes", module=first)

    modules = list(Module.objects.filter(course=course).order_by("module_order"))
    assert [module.pk for module in modules] == [first.pk, rewrite.module_id, second.pk]
    added = modules[1]
    assert added.title == "Added: Maritime routes"
    assert [item.kind for item in items_of(course, 2)] == ["lesson", "activity"] * 2
    (planned,) = llm_server.requests("module")
    assert planned.data["after"] == {"number": 1, "title": first.title}
    assert planned.data["instruction"] == "Maritime routes"

    rewrite_restore(rewrite=rewrite, user=owner)

    assert list(Module.objects.filter(course=course).order_by("module_order")) == [first, second]


def test_a_change_the_model_cannot_make_changes_nothing(llm_server, course, settings):
    settings.ATHENA_LLM_MAX_RETRIES = 0
    llm_server.always("lesson", error(400))
    lesson = items_of(course, 1)[0]
    before = contents(course)

    with pytest.raises(GenerationFailed):
        change(course, Rewrite.Kind.LESSON, "Anything", lesson=lesson)

    assert contents(course) == before


def test_only_the_requester_and_editors_may_change_a_generated_course(course, owner):
    assert course_rewritable_by(course, owner)
    assert not course_rewritable_by(course, make_user(username="someone"))
    editor = make_user(username="editor", is_staff=True, is_superuser=True)
    assert course_rewritable_by(course, editor)
    Course.objects.filter(pk=course.pk).update(origin=Course.Origin.AUTHORED)
    course.refresh_from_db()
    assert not course_rewritable_by(course, owner)


# The pages: the panel, the forms, the limits, the undo.


def test_the_requester_changes_a_lesson_from_its_page_and_undoes_it(
    llm_server, course, owner, client, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    client.force_login(owner)
    lesson = items_of(course, 1)[0]
    page = client.get(lesson.get_absolute_url()).content.decode()
    assert "Change this lesson" in page
    assert f'name="target" value="lesson:{lesson.pk}"' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("generation:rewrite-new", args=[course.pk]),
            {"kind": "lesson", "target": f"lesson:{lesson.pk}", "instruction": "Add a map"},
        )
    assert response["Location"] == lesson.get_absolute_url()
    page = client.get(lesson.get_absolute_url()).content.decode()
    assert "Athena is rewriting this lesson" in page
    assert "As you asked" in page  # the immediate backend made it at once
    rewrite = Rewrite.objects.get()
    assert rewrite.state == Rewrite.State.SUCCEEDED
    assert "Rewrite a lesson" in page
    assert reverse("generation:rewrite-undo", args=[rewrite.pk]) in page
    assert Notification.objects.filter(
        user=owner, message__startswith="Done: the lesson is rewritten"
    ).exists()

    response = client.post(reverse("generation:rewrite-undo", args=[rewrite.pk]))
    assert response["Location"] == lesson.get_absolute_url()
    page = client.get(lesson.get_absolute_url()).content.decode()
    assert "Undone: the version before that change is back." in page
    assert "As you asked" not in page


def test_a_form_without_an_instruction_comes_back_with_the_error(course, owner, client):
    client.force_login(owner)
    lesson = items_of(course, 1)[0]
    response = client.post(
        reverse("generation:rewrite-new", args=[course.pk]),
        {"kind": "lesson", "target": f"lesson:{lesson.pk}", "instruction": "  "},
    )
    assert response.status_code == 400
    assert "Say what should change." in response.content.decode()
    assert not Rewrite.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "lesson", "target": "activity:1"},  # a quiz is not a lesson
        {"kind": "drop_tables", "target": "lesson:1"},
        {"kind": "lesson", "target": "lesson:abc"},
    ],
)
def test_a_change_that_does_not_fit_its_target_is_refused(course, owner, client, data):
    client.force_login(owner)
    response = client.post(
        reverse("generation:rewrite-new", args=[course.pk]), {**data, "instruction": "x"}
    )
    assert response.status_code == 400
    assert not Rewrite.objects.exists()


def test_nobody_else_sees_the_panel_or_may_change_the_course(course, client):
    lesson = items_of(course, 1)[0]
    Course.objects.filter(pk=course.pk).update(status=Course.Status.PUBLISHED)
    client.force_login(make_user(username="someone"))
    assert "Change this lesson" not in client.get(lesson.get_absolute_url()).content.decode()
    response = client.post(
        reverse("generation:rewrite-new", args=[course.pk]),
        {"kind": "lesson", "target": f"lesson:{lesson.pk}", "instruction": "Mine now"},
    )
    assert response.status_code == 404
    other_lesson = make_course().modules.first().lessons.first()
    assert "Change this lesson" not in client.get(other_lesson.get_absolute_url()).content.decode()
    assert not Rewrite.objects.exists()


def test_one_change_on_its_way_at_a_time(course, owner, client):
    client.force_login(owner)
    lesson = items_of(course, 1)[0]
    Rewrite.objects.create(course=course, requester=owner, kind="lesson", lesson=lesson)
    response = client.post(
        reverse("generation:rewrite-new", args=[course.pk]),
        {"kind": "lesson", "target": f"lesson:{lesson.pk}", "instruction": "Again"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "You already have a change on its way." in page
    assert ">\nAgain</textarea>" in page  # nothing lost


# The operators' command.


def regenerate(*args: Any) -> str:
    out = StringIO()
    call_command("regenerate", *map(str, args), stdout=out, stderr=StringIO())
    return out.getvalue()


def test_regenerate_rewrites_an_item_a_module_adds_and_undoes(llm_server, course):
    before = contents(course)
    quiz = items_of(course, 1)[1]

    output = regenerate(course.pk, "--item", "1.2", "--instruction", "Harder, please")

    quiz.refresh_from_db()
    assert quiz.question.endswith("(As you asked: Harder, please)")
    change = Rewrite.objects.get()
    assert change.kind == Rewrite.Kind.QUIZ
    assert f"Undo with: manage.py regenerate {course.pk} --undo {change.pk}" in output

    regenerate(course.pk, "--module", 2, "--instruction", "Cities")
    regenerate(course.pk, "--add-module-after", 2, "--instruction", "Today")
    assert Module.objects.filter(course=course).count() == 3
    history = regenerate(course.pk, "--history")
    assert "Rewrite a quiz (done): Harder, please" in history
    assert "Add a module (done): Today" in history

    for change in Rewrite.objects.order_by("-created_at", "-id"):
        regenerate(course.pk, "--undo", change.pk)
    assert contents(course) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--item", "9.1", "--instruction", "x"], "has modules 1 to 2, not 9"),
        (["--item", "1.9", "--instruction", "x"], "Module 1 has items 1 to 4, not 9"),
        (["--item", "one", "--instruction", "x"], "Name an item as M.N"),
        (["--module", "1"], "Say what should change with --instruction TEXT."),
        (["--undo", "12345"], "has no change 12345"),
    ],
)
def test_regenerate_says_what_is_wrong(llm_server, course, args, message):
    with pytest.raises(CommandError, match=message):
        regenerate(course.pk, *args)
    assert not Rewrite.objects.exists()
    assert llm_server.requests() == []


def test_a_changed_page_polls_its_change_until_it_is_made(course, owner, client):
    client.force_login(owner)
    lesson = items_of(course, 1)[0]
    rewrite = Rewrite.objects.create(course=course, requester=owner, kind="lesson", lesson=lesson)
    status_url = reverse("generation:rewrite-status", args=[rewrite.pk])
    page = client.get(lesson.get_absolute_url()).content.decode()
    assert f'data-rewrite-status-url="{status_url}"' in page
    assert "generation-status.js" in page
    assert client.get(status_url).json() == {"state": "queued", "finished": False}
    Rewrite.objects.filter(pk=rewrite.pk).update(state=Rewrite.State.SUCCEEDED)
    assert client.get(status_url).json()["finished"] is True
    assert "generation-status.js" not in client.get(lesson.get_absolute_url()).content.decode()
    client.force_login(make_user(username="someone"))
    assert client.get(status_url).status_code == 404


def test_a_poll_writes_nothing_until_its_change_is_overdue_then_says_failed(course, owner, client):
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    client.force_login(owner)
    lesson = items_of(course, 1)[0]
    rewrite = Rewrite.objects.create(course=course, requester=owner, kind="lesson", lesson=lesson)
    status_url = reverse("generation:rewrite-status", args=[rewrite.pk])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(status_url).json() == {"state": "queued", "finished": False}
    assert not [q for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    long_ago = timezone.now() - timedelta(days=1)
    Rewrite.objects.filter(pk=rewrite.pk).update(created_at=long_ago)
    assert client.get(status_url).json() == {"state": "failed", "finished": True}
    assert Rewrite.objects.get(pk=rewrite.pk).state == Rewrite.State.FAILED


# What the review of this feature found.


def test_once_published_only_editors_change_the_course_and_a_learners_change_unreviews(
    llm_server, course, owner
):
    Course.objects.filter(pk=course.pk).update(status=Course.Status.PUBLISHED)
    course.refresh_from_db()
    assert not course_rewritable_by(course, owner)
    Course.objects.filter(pk=course.pk).update(status=Course.Status.DRAFT, reviewed_by=owner)
    course.refresh_from_db()
    Course.objects.filter(pk=course.pk).update(reviewed_at=timezone.now())
    change(course, Rewrite.Kind.LESSON, "Simpler", lesson=items_of(course, 1)[0])
    course.refresh_from_db()
    assert (course.reviewed_at, course.reviewed_by) == (None, None)


@pytest.mark.django_db(transaction=True)
def test_a_change_whose_item_was_deleted_meanwhile_brings_nothing_back(llm_server, course):
    """An editor deletes the lesson while the model rewrites it: nothing is
    saved, and the lesson stays deleted."""
    lesson = items_of(course, 1)[0]
    rewrite = Rewrite.objects.create(
        course=course, requester=course.created_by, kind="lesson", instruction="x", lesson=lesson
    )
    asked = threading.Event()

    def arrives(data: dict[str, Any]) -> bool:
        asked.set()
        return True

    go_ahead = llm_server.hold(arrives)
    failures: list[BaseException] = []

    def run() -> None:
        try:
            rewrite_run(Rewrite.objects.get(pk=rewrite.pk))
        except GenerationFailed as failed:
            failures.append(failed)
        finally:
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    assert asked.wait(10)
    Lesson.objects.filter(pk=lesson.pk).delete()
    go_ahead.set()
    worker.join(10)
    assert [failure.reason for failure in failures] == [GONE]
    assert not Lesson.objects.filter(pk=lesson.pk).exists()


def test_a_change_left_running_by_a_dead_worker_frees_its_place(course, owner, settings):
    settings.ATHENA_GENERATION_TIME_BUDGET = 60
    settings.ATHENA_GENERATION_HEARTBEAT_TIMEOUT = 60
    lesson = items_of(course, 1)[0]
    stuck = Rewrite.objects.create(
        course=course, requester=owner, kind="lesson", lesson=lesson, state="running"
    )
    Rewrite.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    rewrite_request(user=owner, course=course, kind="lesson", instruction="x", lesson=lesson)
    stuck.refresh_from_db()
    assert stuck.state == Rewrite.State.FAILED
    assert stuck.error_reason == "The worker making this change stopped before it finished."


def test_no_change_while_the_course_is_still_being_written(course, owner):
    GenerationJob.objects.create(
        requester=owner, topic="x", level="beginner", duration="short", focus="broad",
        state="running", course=course,
    )  # fmt: skip
    with pytest.raises(GenerationLimitReached, match="still being written"):
        rewrite_request(
            user=owner, course=course, kind="lesson", instruction="x",
            lesson=items_of(course, 1)[0],
        )  # fmt: skip


def test_undoing_an_added_module_goes_back_to_the_course(llm_server, course, owner, client):
    first = Module.objects.get(course=course, module_order=1)
    rewrite = change(course, Rewrite.Kind.ADD_MODULE, "More", module=first)
    client.force_login(owner)
    response = client.post(reverse("generation:rewrite-undo", args=[rewrite.pk]))
    assert response["Location"] == course.get_absolute_url()
    assert Module.objects.filter(course=course).count() == 2
    # Undoing it twice: nothing left to remove, said so.
    with pytest.raises(NotRestorable):
        rewrite_restore(rewrite=rewrite, user=owner)


def test_a_change_of_a_lesson_deleted_before_the_worker_came_fails_plainly(llm_server, course):
    lesson = items_of(course, 1)[0]
    rewrite = Rewrite.objects.create(
        course=course, requester=course.created_by, kind="lesson", instruction="x", lesson=lesson
    )
    Lesson.objects.filter(pk=lesson.pk).delete()
    rewrite.refresh_from_db()
    with pytest.raises(GenerationFailed) as failed:
        rewrite_run(rewrite)
    assert failed.value.reason == GONE


def test_a_second_click_on_undo_undoes_once_and_the_page_says_it_is_undone(
    llm_server, course, owner, client
):
    lesson = items_of(course, 1)[0]
    rewrite = change(course, Rewrite.Kind.LESSON, "Shorter", lesson=lesson)
    client.force_login(owner)
    undo = reverse("generation:rewrite-undo", args=[rewrite.pk])
    client.post(undo)
    response = client.post(undo)  # the same button, clicked again
    assert response["Location"] == lesson.get_absolute_url()
    page = client.get(lesson.get_absolute_url()).content.decode()
    assert "This change is undone already." in page
    assert Rewrite.objects.filter(kind=Rewrite.Kind.RESTORE).count() == 1
    assert undo not in page  # no Undo button left for it
    assert '<span class="badge">Undone</span>' in page


def test_an_instruction_too_long_comes_back_with_what_was_typed(course, owner, client):
    client.force_login(owner)
    lesson = items_of(course, 1)[0]
    response = client.post(
        reverse("generation:rewrite-new", args=[course.pk]),
        {"kind": "lesson", "target": f"lesson:{lesson.pk}", "instruction": "y" * 1001},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Keep it to 1000 characters (it has 1001)." in page
    assert "y" * 1001 in page
    assert not Rewrite.objects.exists()
