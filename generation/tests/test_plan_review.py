"""Reviewing the plan before the lessons are written: the worker makes the
plan and stops; the learner renames, reorders, removes and adds modules and
lessons, or asks the model for a revision, then approves; only then are the
lessons written, from the plan as the learner left it. Over real HTTP to the
stand-in model, with the tasks run in this process."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.urls import reverse

from courses.models import Course
from generation.models import GenerationJob
from generation.pipeline import Progress
from generation.services import (
    GenerationLimitReached,
    Start,
    generation_job_cancel,
    generation_job_progress,
    generation_job_start,
    generation_request,
)
from generation.tests.helpers import IMMEDIATE
from notifications.models import Notification
from tests.factories import logged_in, make_user

pytestmark = pytest.mark.django_db

REQUEST = {"topic": "Soil science", "level": "beginner", "duration": "short", "focus": "broad"}


@pytest.fixture
def learner():
    return make_user()


@pytest.fixture
def reviewing(llm_server, settings, learner, django_capture_on_commit_callbacks):
    """A job whose plan waits for its learner's review."""
    settings.TASKS = IMMEDIATE
    client = logged_in(learner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("generation:new"), {**REQUEST, "review_plan": "on"})
    job = GenerationJob.objects.get()
    assert response["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    return client, job


def form_data(job: GenerationJob, action: str, **changes) -> dict[str, str]:
    """The review form as the page shows it, with `changes` (field -> value)."""
    plan = job.plan
    data = {
        "action": action,
        "plan-title": plan["title"],
        "plan-description": plan["description"],
        "modules-TOTAL_FORMS": str(len(plan["modules"]) + 1),
        "modules-INITIAL_FORMS": str(len(plan["modules"])),
        "modules-MIN_NUM_FORMS": "0",
        "modules-MAX_NUM_FORMS": "1000",
    }
    for number, module in enumerate(plan["modules"]):
        data |= {
            f"modules-{number}-title": module["title"],
            f"modules-{number}-description": module["description"],
            f"modules-{number}-lessons": "\n".join(lesson["title"] for lesson in module["lessons"]),
            f"modules-{number}-ORDER": str(number + 1),
        }
    return data | changes


def post_plan(client, job, data, capture):
    with capture(execute=True):
        response = client.post(reverse("generation:job-plan", args=[job.pk]), data)
    job.refresh_from_db()
    return response


def test_the_plan_waits_for_review_after_one_model_call(reviewing, llm_server, learner):
    client, job = reviewing

    assert job.state == GenerationJob.State.REVIEW
    assert [recorded.stage for recorded in llm_server.requests()] == ["plan"]
    assert [len(module["lessons"]) for module in job.plan["modules"]] == [2, 2]
    assert Course.objects.count() == 0
    assert job.prompt_tokens > 0  # the plan's cost is on record already
    assert Notification.objects.get(user=learner).url == job.get_absolute_url()
    html = client.get(job.get_absolute_url()).content.decode()
    assert "Your plan is ready" in html
    assert "Module 1, first ideas\nModule 1, going further" in html
    assert "Approve and write the course" in html
    assert "data-job-status-url" not in html  # nothing reloads the page under the learner


def test_edits_are_saved_and_the_approved_plan_is_written_as_left(
    reviewing, llm_server, django_capture_on_commit_callbacks
):
    client, job = reviewing
    data = form_data(
        job,
        "save",
        **{
            "plan-title": "Soil, for gardeners",
            # Module 2 first; module 1 renamed, a lesson added and one renamed.
            "modules-0-ORDER": "2",
            "modules-1-ORDER": "1",
            "modules-0-title": "Living soil",
            "modules-0-lessons": "Module 1, first ideas\nWorms at work\nCompost",
            # A third module added in the blank form.
            "modules-2-title": "Your own garden",
            "modules-2-description": "Putting it to use.",
            "modules-2-lessons": "Testing your soil",
        },
    )
    response = post_plan(client, job, data, django_capture_on_commit_callbacks)
    assert response.status_code == HTTPStatus.FOUND
    assert job.state == GenerationJob.State.REVIEW
    assert job.plan["title"] == "Soil, for gardeners"
    assert [module["title"] for module in job.plan["modules"]] == [
        "Part 2: Soil science",
        "Living soil",
        "Your own garden",
    ]
    lessons = job.plan["modules"][1]["lessons"]
    assert lessons[0] == {"title": "Module 1, first ideas", "summary": "The first ideas."}
    assert lessons[1] == {"title": "Worms at work", "summary": "Worms at work"}

    # Remove the added module again, then approve.
    data = form_data(job, "approve", **{"modules-2-DELETE": "on"})
    post_plan(client, job, data, django_capture_on_commit_callbacks)

    assert job.state == GenerationJob.State.SUCCEEDED
    course = job.course
    assert course.topic == "Soil, for gardeners"
    assert [module.title for module in course.modules.order_by("module_order")] == [
        "Part 2: Soil science",
        "Living soil",
    ]
    living = course.modules.get(title="Living soil")
    assert [item.title for item in living.ordered_items() if item.kind == "lesson"] == [
        "Module 1, first ideas",
        "Worms at work",
        "Compost",
    ]
    assert [item.kind for item in living.ordered_items()] == [
        "lesson",
        "activity",
    ] * 3
    # One plan call, none again after the approval.
    assert [recorded.stage for recorded in llm_server.requests()].count("plan") == 1
    assert [row["stage"] for row in job.usage][:2] == ["planning", "writing_lessons"]


def test_an_instruction_revises_the_plan_with_the_learners_edits(
    reviewing, llm_server, django_capture_on_commit_callbacks
):
    client, job = reviewing
    data = form_data(
        job,
        "revise",
        instruction="More on worms, skip the chemistry",
        **{"modules-0-title": "Living soil"},
    )
    post_plan(client, job, data, django_capture_on_commit_callbacks)

    (revise,) = llm_server.requests("revise")
    assert revise.data["instruction"] == "More on worms, skip the chemistry"
    assert revise.data["plan"]["modules"][0]["title"] == "Living soil"
    assert "More on worms" not in revise.contents("system")[0]
    assert job.state == GenerationJob.State.REVIEW
    assert job.revision_instruction == ""
    assert [module["title"] for module in job.plan["modules"]] == [
        "Living soil",
        "Part 2: Soil science",
    ]
    assert job.plan["modules"][0]["lessons"][-1]["title"] == "Added on request"
    assert job.plan["description"].endswith("Revised: More on worms, skip the chemistry")
    assert Course.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"modules-0-lessons": "\n".join(f"L{n}" for n in range(6))}, "List 1 to 5 lessons"),
        ({"modules-0-DELETE": "on", "modules-1-DELETE": "on"}, "Keep at least one module."),
        ({"plan-title": ""}, "This field is required."),
        (
            {
                "modules-2-title": "More",
                "modules-2-description": "More.",
                "modules-2-lessons": "One",
                "modules-TOTAL_FORMS": "4",
                "modules-3-title": "And more",
                "modules-3-description": "More.",
                "modules-3-lessons": "Two",
            },
            "at most 3 modules",
        ),
    ],
)
def test_a_plan_form_with_errors_comes_back_with_them_and_nothing_saved(
    reviewing, django_capture_on_commit_callbacks, changes, message
):
    client, job = reviewing
    before = job.plan
    response = post_plan(
        client, job, form_data(job, "approve", **changes), django_capture_on_commit_callbacks
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert message in response.content.decode()
    assert job.state == GenerationJob.State.REVIEW
    assert job.plan == before


def test_a_revision_needs_an_instruction(reviewing, django_capture_on_commit_callbacks):
    client, job = reviewing
    response = post_plan(client, job, form_data(job, "revise"), django_capture_on_commit_callbacks)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Say what to change in the plan." in response.content.decode()


def test_a_plan_under_review_holds_the_learners_place_until_cancelled(reviewing, learner):
    client, job = reviewing
    with pytest.raises(GenerationLimitReached, match="waiting for your review"):
        generation_request(user=learner, **REQUEST)

    response = client.post(reverse("generation:job-cancel", args=[job.pk]))

    job.refresh_from_db()
    assert response.status_code == HTTPStatus.FOUND
    assert job.state == GenerationJob.State.CANCELLED
    assert "You cancelled this request." in client.get(job.get_absolute_url()).content.decode()
    assert generation_request(user=learner, **REQUEST).state == GenerationJob.State.QUEUED


def test_nobody_else_reviews_a_learners_plan(reviewing, django_capture_on_commit_callbacks):
    _, job = reviewing
    other = logged_in(make_user())

    assert other.get(job.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
    response = post_plan(other, job, form_data(job, "approve"), django_capture_on_commit_callbacks)
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert other.post(reverse("generation:job-cancel", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.state == GenerationJob.State.REVIEW


def test_a_plan_acted_on_twice_is_written_once(
    reviewing, llm_server, django_capture_on_commit_callbacks
):
    client, job = reviewing
    post_plan(client, job, form_data(job, "approve"), django_capture_on_commit_callbacks)
    lessons = len(llm_server.requests("lesson"))

    response = post_plan(client, job, form_data(job, "approve"), django_capture_on_commit_callbacks)

    assert response.status_code == HTTPStatus.FOUND
    assert len(llm_server.requests("lesson")) == lessons
    assert Course.objects.count() == 1


def test_an_unknown_action_is_a_bad_request(reviewing):
    client, job = reviewing
    response = client.post(reverse("generation:job-plan", args=[job.pk]), {"action": "publish"})
    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_without_review_the_course_is_written_in_one_go(
    llm_server, settings, learner, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks(execute=True):
        logged_in(learner).post(reverse("generation:new"), REQUEST)  # the box left unticked

    job = GenerationJob.objects.get()
    assert job.state == GenerationJob.State.SUCCEEDED
    assert job.course is not None


def test_a_running_job_cancelled_stops_at_its_next_report(learner):
    """The worker reports after each lesson and quiz; once its learner has
    cancelled the job, the report says so (the task then stops, saving
    nothing) and the job stays cancelled."""
    job = generation_request(user=learner, **REQUEST)
    assert generation_job_start(job_id=job.pk) is Start.STARTED
    report = Progress(stage="writing_lessons", label="Writing", percent=20)
    assert generation_job_progress(job_id=job.pk, progress=report)

    assert generation_job_cancel(job=job)

    assert not generation_job_progress(job_id=job.pk, progress=report)
    job.refresh_from_db()
    assert job.state == GenerationJob.State.CANCELLED
    assert not generation_job_cancel(job=job)  # finished already
