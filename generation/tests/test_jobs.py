"""Jobs: queue a request, run it in the worker, record the outcome; the limits;
the sweep of jobs whose worker died."""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses.models import Course
from enrollment.models import Enrollment
from generation import services
from generation.models import GenerationJob
from generation.pipeline import STAGES
from generation.selectors import build_allowance
from generation.services import (
    NEVER_STARTED_REASON,
    STALE_REASON,
    GenerationLimitReached,
    generation_jobs_fail_stale,
    generation_request,
)
from generation.tests.helpers import IMMEDIATE, make_job, running_job
from generation.tests.llm_server import error, text, valid
from notifications.models import Notification
from tests.factories import logged_in, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def immediate_tasks(settings):
    """Run tasks in this process when they are enqueued (after the commit)."""
    settings.TASKS = IMMEDIATE


# Queues nothing: the race tests count the jobs the requests wrote.
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def learner():
    return make_user()


REQUEST = {
    "topic": "Quantum computing for programmers",
    "level": "intermediate",
    "duration": "short",
    "focus": "in-depth",
}


def request_and_run(user, django_capture_on_commit_callbacks, **overrides) -> GenerationJob:
    """Queue a request; the immediate backend runs it when the transaction commits."""
    with django_capture_on_commit_callbacks(execute=True):
        job = generation_request(user=user, **{**REQUEST, **overrides})
    job.refresh_from_db()
    return job


def test_a_requested_course_is_built_the_learner_enrolled_and_notified(
    llm_server, immediate_tasks, learner, django_capture_on_commit_callbacks
):
    job = request_and_run(learner, django_capture_on_commit_callbacks)

    assert job.state == GenerationJob.State.SUCCEEDED
    assert (job.stage, job.percent, job.stage_label) == ("done", 100, "Your course is ready")
    course = job.course
    assert course.origin == Course.Origin.GENERATED
    assert course.created_by == learner
    assert course.status == Course.Status.DRAFT
    assert course.preferences == {"level": "intermediate", "duration": "short", "focus": "in-depth"}
    assert Enrollment.objects.filter(user=learner, course=course).exists()
    notification = Notification.objects.get(user=learner)
    assert notification.message == f"Your course “{course.topic}” is ready."
    assert notification.url == course.get_absolute_url()
    assert job.model_name == "stand-in"
    assert job.prompt_tokens > 0
    assert job.completion_tokens > 0
    assert [row["stage"] for row in job.usage][:2] == ["planning", "writing_lessons"]
    assert sum(row["prompt_tokens"] for row in job.usage) == job.prompt_tokens
    assert job.started_at <= job.finished_at
    assert job.task_id


def test_progress_is_saved_at_every_stage_with_a_heartbeat(
    llm_server, immediate_tasks, learner, django_capture_on_commit_callbacks
):
    with CaptureQueriesContext(connection) as queries:
        job = request_and_run(learner, django_capture_on_commit_callbacks)
    updates = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith('UPDATE "generation_jobs"') and "heartbeat_at" in query["sql"]
    ]
    saved_stages = [re.search(r'"stage" = \'([a-z_]+)\'', sql).group(1) for sql in updates]
    # Each stage was written to the job row while it ran, in order.
    assert [stage for stage in STAGES if stage in saved_stages] == list(STAGES)
    assert any("Writing module 1 of 2: lesson 1 of" in sql for sql in updates)
    assert job.state == GenerationJob.State.SUCCEEDED


def test_a_failed_run_records_stage_and_reason_saves_nothing_and_notifies(
    llm_server, immediate_tasks, learner, django_capture_on_commit_callbacks
):
    llm_server.always("lesson", text("Sorry, I cannot write that lesson."))

    job = request_and_run(learner, django_capture_on_commit_callbacks)

    assert job.state == GenerationJob.State.FAILED
    assert job.stage == "writing_lessons"
    assert job.error_reason  # plain words for the learner
    assert "Sorry, I cannot write that lesson." in job.error_detail  # the story, for staff
    assert job.course is None
    assert not Course.objects.exists()
    assert not Enrollment.objects.exists()
    assert job.prompt_tokens > 0  # what the failed run spent is on record
    notification = Notification.objects.get(user=learner)
    assert notification.message == f"We could not build your course “{job.topic}”."
    assert notification.url == job.get_absolute_url()


def test_one_course_at_a_time_per_learner(learner):
    make_job(learner)  # queued
    with pytest.raises(GenerationLimitReached, match="already have a course on the way"):
        generation_request(user=learner, **REQUEST)


def test_a_learner_may_ask_for_so_many_courses_a_day(settings, learner):
    settings.ATHENA_GENERATION_PER_DAY = 2
    for _ in range(2):
        make_job(learner, state=GenerationJob.State.SUCCEEDED)
    old = make_job(learner, state=GenerationJob.State.FAILED)
    GenerationJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    with pytest.raises(GenerationLimitReached, match="asked for 2 courses in the last 24 hours"):
        generation_request(user=learner, **REQUEST)
    GenerationJob.objects.filter(requester=learner).update(
        created_at=timezone.now() - timedelta(days=1, minutes=1)
    )
    assert generation_request(user=learner, **REQUEST).state == GenerationJob.State.QUEUED


def test_beyond_the_sites_cap_a_job_waits_and_starts_when_a_run_ends(
    settings, llm_server, immediate_tasks, learner, django_capture_on_commit_callbacks
):
    """ATHENA_GENERATION_MAX_RUNNING jobs run at once; a request beyond is
    queued, never refused, and the worker that finishes a run hands its place
    to the job that has waited longest."""
    settings.ATHENA_GENERATION_MAX_RUNNING = 1
    other = running_job(make_user())

    job = request_and_run(learner, django_capture_on_commit_callbacks)

    assert job.state == GenerationJob.State.QUEUED  # its task found the cap full
    assert llm_server.requests() == []
    GenerationJob.objects.filter(pk=other.pk).update(state=GenerationJob.State.SUCCEEDED)
    with django_capture_on_commit_callbacks(execute=True):
        services.generation_start_next()  # what the finishing worker does
    job.refresh_from_db()
    assert job.state == GenerationJob.State.SUCCEEDED


def test_a_long_queue_behind_live_workers_is_never_failed_as_stale(settings, learner):
    settings.ATHENA_GENERATION_TIME_BUDGET = 60
    settings.ATHENA_GENERATION_HEARTBEAT_TIMEOUT = 30
    old = timezone.now() - timedelta(minutes=10)
    waiting = make_job(learner, created_at=old)
    alive = running_job(make_user(), beat_seconds_ago=5)

    assert generation_jobs_fail_stale() == 0
    waiting.refresh_from_db()
    assert waiting.state == GenerationJob.State.QUEUED
    # With no live worker, a job waiting that long means none is running.
    GenerationJob.objects.filter(pk=alive.pk).update(state=GenerationJob.State.SUCCEEDED)
    assert generation_jobs_fail_stale() == 1
    waiting.refresh_from_db()
    assert waiting.state == GenerationJob.State.FAILED


def at_the_same_moment(act, subjects, *, linger_after: str) -> list[str]:
    """`act(subject)` for each of `subjects` in a thread of its own, on its own
    database connection, all released at once; what each answered.

    Each waits a moment after `services.<linger_after>` (a count the race is
    about), so without a lock all of them count before any writes: the race is
    certain, not left to chance."""
    counted = getattr(services, linger_after)

    def count_then_linger(**kwargs):
        answer = counted(**kwargs)
        time.sleep(0.3)
        return answer

    start = threading.Barrier(len(subjects))

    def run(subject) -> str:
        try:
            start.wait()
            return act(subject)
        finally:
            connection.close()

    with (
        mock.patch.object(services, linger_after, count_then_linger),
        ThreadPoolExecutor(len(subjects)) as pool,
    ):
        return list(pool.map(run, subjects))


def claim_at_the_same_moment(job_ids) -> list[str]:
    """Workers claim each of `job_ids` at once; what each claim answered."""

    def claim(job_id) -> str:
        return services.generation_job_start(job_id=job_id).value

    return at_the_same_moment(claim, job_ids, linger_after="_running_count")


def ask_at_the_same_moment(learners) -> list[str]:
    """Each of `learners` asks for a course at once; what each was answered."""

    def ask(learner) -> str:
        try:
            generation_request(user=learner, **REQUEST)
        except GenerationLimitReached as refusal:
            return refusal.message
        return "queued"

    return at_the_same_moment(ask, learners, linger_after="_check_limits")


# Threads on SQLite's shared in-memory test database meet "database table is
# locked" at once; on a file, Athena's IMMEDIATE transactions let one writer in
# at a time (test_sqlite_takes_the_claims_one_at_a_time, below).
only_on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="threads cannot share SQLite's in-memory test database",
)


@only_on_postgresql
@pytest.mark.django_db(transaction=True)
def test_workers_claiming_at_the_same_moment_never_pass_the_sites_cap(settings):
    settings.ATHENA_GENERATION_MAX_RUNNING = 2
    jobs = [make_job(make_user()).pk for _ in range(4)]

    answers = claim_at_the_same_moment(jobs)

    assert GenerationJob.objects.running().count() == 2
    assert sorted(answers) == ["started", "started", "waiting", "waiting"]


@only_on_postgresql
@pytest.mark.django_db(transaction=True)
def test_one_learner_asking_from_two_tabs_at_once_gets_one_job(settings):
    settings.TASKS = DUMMY_TASKS
    learner = make_user()

    answers = ask_at_the_same_moment([learner, learner, learner])

    assert GenerationJob.objects.filter(requester=learner).count() == 1
    assert answers.count("queued") == 1
    assert sum("already have a course on the way" in answer for answer in answers) == 2


# The same race on a SQLite file, in a process of its own: four claims, a
# cap of two.
SQLITE_RACE = """
import django
django.setup()
from generation.models import GenerationJob
from generation.tests.helpers import make_job
from generation.tests.test_jobs import claim_at_the_same_moment
from tests.factories import make_user
answers = claim_at_the_same_moment([make_job(make_user()).pk for _ in range(4)])
print(GenerationJob.objects.running().count(), answers.count("started"))
"""


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite part of the suite runs it")
def test_sqlite_takes_the_claims_one_at_a_time(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
        "ATHENA_GENERATION_MAX_RUNNING": "2",
        "DJANGO_SETTINGS_MODULE": "athena.settings",
    }
    run = functools.partial(
        subprocess.run, capture_output=True, text=True, cwd=settings.BASE_DIR, env=env, check=False
    )
    migrated = run([sys.executable, "manage.py", "migrate", "-v0"])
    assert migrated.returncode == 0, migrated.stderr
    raced = run([sys.executable, "-c", SQLITE_RACE])
    assert raced.returncode == 0, raced.stderr
    assert raced.stdout.split() == ["2", "2"]


def test_a_dead_workers_job_is_marked_failed_and_its_learner_told(settings, learner):
    settings.ATHENA_GENERATION_HEARTBEAT_TIMEOUT = 300
    dead = running_job(learner, beat_seconds_ago=301)
    alive = running_job(make_user(), beat_seconds_ago=10)

    assert generation_jobs_fail_stale() == 1

    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.state == GenerationJob.State.FAILED
    assert dead.error_reason == STALE_REASON
    assert "No heartbeat since" in dead.error_detail
    assert dead.stage == "writing_lessons"  # where it stopped
    assert alive.state == GenerationJob.State.RUNNING
    assert Notification.objects.get(user=learner).url == dead.get_absolute_url()


def test_the_sweep_command_fails_dead_workers_jobs(settings, learner, capsys):
    settings.ATHENA_GENERATION_HEARTBEAT_TIMEOUT = 60
    job = running_job(learner, beat_seconds_ago=120)
    call_command("fail_stale_generation_jobs")
    assert "Marked 1 job failed." in capsys.readouterr().out
    job.refresh_from_db()
    assert job.state == GenerationJob.State.FAILED


def test_the_worker_sweeps_dead_jobs_before_running_one(
    settings, llm_server, immediate_tasks, learner, django_capture_on_commit_callbacks
):
    settings.ATHENA_GENERATION_HEARTBEAT_TIMEOUT = 60
    dead = running_job(make_user(), beat_seconds_ago=120)
    job = request_and_run(learner, django_capture_on_commit_callbacks)
    dead.refresh_from_db()
    assert dead.state == GenerationJob.State.FAILED
    assert job.state == GenerationJob.State.SUCCEEDED


def test_a_job_that_is_not_queued_any_more_is_not_run_twice(llm_server, learner):
    from generation.tasks import run_generation_job

    job = make_job(learner, state=GenerationJob.State.SUCCEEDED)
    assert run_generation_job.call(job.pk) == "skipped"
    assert not llm_server.requests()


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_runs_a_queued_job(llm_server):
    """The real queue: django-tasks-db's table and its `db_worker` command."""
    learner = make_user()
    job = generation_request(user=learner, **REQUEST)  # autocommit: enqueued at once
    job.refresh_from_db()
    assert job.state == GenerationJob.State.QUEUED
    assert job.task_id

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")

    job.refresh_from_db()
    assert job.state == GenerationJob.State.SUCCEEDED
    assert Enrollment.objects.filter(user=learner, course=job.course).exists()
    assert Notification.objects.filter(user=learner).count() == 1


def test_a_job_no_worker_picks_up_fails_instead_of_waiting_forever(settings, learner):
    settings.ATHENA_GENERATION_HEARTBEAT_TIMEOUT = 300
    settings.ATHENA_GENERATION_TIME_BUDGET = 1800
    forgotten = make_job(learner, created_at=timezone.now() - timedelta(seconds=2101))
    waiting = make_job(make_user(), created_at=timezone.now() - timedelta(seconds=600))

    assert generation_jobs_fail_stale() == 1

    forgotten.refresh_from_db()
    waiting.refresh_from_db()
    assert forgotten.state == GenerationJob.State.FAILED
    assert forgotten.error_reason == NEVER_STARTED_REASON
    assert "is a worker running" in forgotten.error_detail
    assert waiting.state == GenerationJob.State.QUEUED
    # The learner is no longer held by "one course at a time".
    assert generation_request(user=learner, **REQUEST).state == GenerationJob.State.QUEUED


def test_failed_builds_give_their_place_back_and_the_next_place_is_named(settings, learner):
    """The daily limit counts what the learner asked for in any 24 hours, but
    not jobs that failed (never the learner's fault); it says when the oldest
    counted build frees its place."""
    settings.ATHENA_GENERATION_PER_DAY = 3
    now = timezone.now()
    oldest = make_job(learner, state=GenerationJob.State.SUCCEEDED)
    make_job(learner, state=GenerationJob.State.CANCELLED)
    make_job(learner, state=GenerationJob.State.FAILED)
    make_job(learner, state=GenerationJob.State.FAILED)
    GenerationJob.objects.filter(pk=oldest.pk).update(created_at=now - timedelta(hours=20))

    allowance = build_allowance(user=learner, now=now)

    assert (allowance.left, allowance.per_day) == (1, 3)
    assert allowance.next_frees_at == now + timedelta(hours=4)
    assert str(allowance).startswith("1 of 3 builds left; the next frees at ")
    assert generation_request(user=learner, **REQUEST).state == GenerationJob.State.QUEUED
    GenerationJob.objects.filter(state=GenerationJob.State.QUEUED).update(
        state=GenerationJob.State.SUCCEEDED
    )
    with pytest.raises(GenerationLimitReached) as refused:
        generation_request(user=learner, **REQUEST)
    frees = timezone.localtime(now + timedelta(hours=4))
    assert f"The next build frees at {frees:%H:%M}" in refused.value.message
    assert "tomorrow" not in refused.value.message


def test_try_again_goes_on_from_where_the_failed_run_stopped(
    llm_server, immediate_tasks, learner, django_capture_on_commit_callbacks, settings
):
    """A run that fails keeps its plan and every lesson and quiz it finished;
    Try again asks for no plan and rewrites none of them, only what is left."""
    settings.ATHENA_GENERATION_LESSON_CONCURRENCY = 1
    settings.ATHENA_LLM_MAX_RETRIES = 0
    # Lessons 1 and 2 of module 1 (and the first quiz) are written; the second
    # quiz's call fails for good.
    llm_server.script("quiz", valid(), error(400))
    failed = request_and_run(learner, django_capture_on_commit_callbacks)
    assert failed.state == GenerationJob.State.FAILED
    assert failed.plan["modules"]
    assert sorted(failed.written) == ["0:0", "0:1", "0:2"]
    asked = {stage: len(llm_server.requests(stage)) for stage in ("plan", "lesson", "quiz")}
    assert asked == {"plan": 1, "lesson": 2, "quiz": 2}
    page = logged_in(learner).get(failed.get_absolute_url()).content.decode()
    assert "Trying again goes on from where it stopped: the 3 lessons and quizzes" in page

    with django_capture_on_commit_callbacks(execute=True):
        retry = services.generation_retry(job=failed)
    retry.refresh_from_db()

    assert retry.state == GenerationJob.State.SUCCEEDED
    asked_again = {stage: len(llm_server.requests(stage)) - asked[stage] for stage in asked}
    # No plan; module 1's second quiz and module 2's two lessons and quizzes.
    assert asked_again == {"plan": 0, "lesson": 2, "quiz": 3}
    first_lesson = retry.course.modules.order_by("module_order")[0].ordered_items()[0]
    assert first_lesson.title == failed.written["0:0"]["title"]
    assert len(retry.written) == 8


def test_a_run_failing_in_module_two_leaves_module_one_to_read_and_try_again_finishes_it(
    llm_server, immediate_tasks, learner, django_capture_on_commit_callbacks, settings
):
    settings.ATHENA_GENERATION_LESSON_CONCURRENCY = 1
    settings.ATHENA_LLM_MAX_RETRIES = 0
    # Module 1 (two lessons, two quizzes) is written; module 2's first lesson fails.
    llm_server.script("lesson", valid(), valid(), error(400))
    failed = request_and_run(learner, django_capture_on_commit_callbacks)
    assert failed.state == GenerationJob.State.FAILED
    course = failed.course
    assert course is not None
    assert course.created_by == learner
    assert Enrollment.objects.filter(user=learner, course=course).exists()
    client = logged_in(learner)
    page = client.get(failed.get_absolute_url()).content.decode()
    module_one = course.modules.get(module_order=1)
    assert f'<a href="{module_one.get_absolute_url()}">' in page
    assert "Not written" in page  # module 2
    lesson = module_one.ordered_items()[0]
    assert client.get(lesson.get_absolute_url()).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        retry = services.generation_retry(job=failed)
    retry.refresh_from_db()

    assert retry.state == GenerationJob.State.SUCCEEDED
    assert retry.course == course  # the same draft, finished
    assert Course.objects.filter(created_by=learner).count() == 1
    assert course.modules.get(module_order=1).ordered_items()[0].pk == lesson.pk
    assert Course.objects.get(pk=course.pk).counts == {"modules": 2, "lessons": 4, "activities": 4}


def test_kept_work_from_another_plan_is_never_used(llm_server):
    """Units that do not fit the plan (a position it has not, a lesson where a
    quiz goes, or data that is no unit) are written afresh."""
    from generation.pipeline import CourseRequest, generate_course
    from generation.schemas import CoursePlan
    from generation.tests.llm_server import LESSON_MARKDOWN, plan_answer

    lesson = {"kind": "lesson", "title": "Kept lesson", "markdown": LESSON_MARKDOWN}
    written = {"0:0": lesson, "0:1": lesson, "9:0": lesson, "0:2": {"kind": "quiz"}, "x": 1}
    plan = CoursePlan.model_validate(plan_answer({"topic": "Soil", "duration": "short"}))
    result = generate_course(
        CourseRequest(topic="Soil", level="beginner", duration="short", focus="broad"),
        plan=plan,
        written=written,
    )
    titles = [
        item.title for item in result.course.modules.order_by("module_order")[0].ordered_items()
    ]
    assert titles[0] == "Kept lesson"
    assert titles[1] != "Kept lesson"  # a lesson where a quiz goes: written afresh
    assert len(llm_server.requests("lesson")) == 3  # all but the kept first one
    assert llm_server.requests("plan") == []
