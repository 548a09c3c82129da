"""The RQ backend: the same task through django-tasks-rq on the local Redis,
run by django-rq's `rqworker` with the job class django-tasks-rq needs.

Skipped when nothing answers on 127.0.0.1:6379, unless ATHENA_REQUIRE_REDIS=1
(CI), which makes a missing Redis a failure."""

from __future__ import annotations

import os
import socket

import pytest
from django.core.management import call_command
from django.db import connection
from django_rq.management.commands.rqworker import Command as RQWorkerCommand

from enrollment.models import Enrollment
from generation.models import GenerationJob
from generation.services import generation_request
from notifications.models import Notification
from tests.factories import make_user

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# A database of its own, so a test run never meets a developer's queue.
REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/15"


def redis_answers() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def rq_backend(settings):
    if not redis_answers():
        if os.environ.get("ATHENA_REQUIRE_REDIS") == "1":
            pytest.fail(f"ATHENA_REQUIRE_REDIS=1 but no Redis answers on {REDIS_HOST}:{REDIS_PORT}")
        pytest.skip(f"no Redis on {REDIS_HOST}:{REDIS_PORT}")
    # django_rq stays out of INSTALLED_APPS: installing it for one test would
    # leave its admin registrations behind for the rest of the run.
    settings.RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    import django_rq

    queue = django_rq.get_queue("default")
    queue.empty()
    yield queue
    queue.empty()


@pytest.mark.django_db(transaction=True)
def test_the_rq_worker_builds_a_queued_course(rq_backend, llm_server):
    learner = make_user()
    job = generation_request(
        user=learner,
        topic="History of the Silk Road",
        level="beginner",
        duration="short",
        focus="broad",
    )  # autocommit: on Redis at once
    job.refresh_from_db()
    assert job.state == GenerationJob.State.QUEUED
    assert rq_backend.count == 1
    assert rq_backend.fetch_job(job.task_id) is not None

    options = ["--burst", "--job-class", "django_tasks_rq.backend.Job"]
    if connection.vendor == "sqlite":
        # The test database lives in this process's memory: a forked work horse
        # would write to a copy of it. PostgreSQL runs the forking worker.
        options += ["--worker-class", "rq.worker.SimpleWorker"]
    call_command(RQWorkerCommand(), "default", *options)

    job.refresh_from_db()
    assert job.state == GenerationJob.State.SUCCEEDED, job.error_detail
    assert Enrollment.objects.filter(user=learner, course=job.course).exists()
    assert Notification.objects.filter(user=learner).count() == 1
    assert rq_backend.count == 0
