"""Writes on generation jobs: asking for a course, retrying one, recording how a
run went, and failing the jobs whose worker died."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from courses.models import Course
from enrollment.services import enrollment_create
from generation.models import GenerationJob
from notifications.services import notification_create

if TYPE_CHECKING:
    from generation.pipeline import GenerationResult, Progress, StageUsage

logger = logging.getLogger(__name__)

STALE_REASON = "The worker building this course stopped before it finished."
NEVER_STARTED_REASON = "No worker was free to build this course in time."
UNEXPECTED_REASON = "Something went wrong on our side while building this course."
QUEUE_REASON = "We could not queue this request."

# The PostgreSQL advisory lock that takes the limit checks one at a time across
# the site (any fixed number, unique among the project's advisory locks).
LIMITS_LOCK = 7_318_220_601


class GenerationLimitReached(Exception):
    """A limit refused the request; `message` says which, in plain words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _check_limits(*, user: AbstractBaseUser) -> None:
    jobs = GenerationJob.objects
    if jobs.filter(requester=user).active().exists():
        raise GenerationLimitReached(
            "You already have a course being built. Wait until it is ready (or has "
            "failed) before asking for another one."
        )
    per_day = settings.ATHENA_GENERATION_PER_DAY
    since = timezone.now() - timedelta(days=1)
    if jobs.filter(requester=user, created_at__gte=since).count() >= per_day:
        raise GenerationLimitReached(
            f"You have asked for {per_day} courses in the last 24 hours, the most we "
            "can build for one learner in a day. Try again tomorrow."
        )
    # Queued jobs count too: they run as soon as a worker is free.
    if jobs.active().count() >= settings.ATHENA_GENERATION_MAX_RUNNING:
        raise GenerationLimitReached(
            "Athena is building as many courses as it can at the moment. Try again in "
            "a few minutes."
        )


def _lock_limits() -> None:
    """Take the limit checks one at a time, until this transaction ends.

    The checks count rows and then insert one, so two requests checking at once
    would both see room for one more job: two tabs of one learner (one course
    at a time), or learners asking at the same moment (the site-wide cap). No
    row lock can cover a count across the site, so PostgreSQL takes a
    transaction-level advisory lock: a second request waits there until the
    first has committed its job, then counts it. SQLite needs none: Athena's
    transactions begin IMMEDIATE (athena/settings.py), so only one writes at a
    time from its first statement on."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LIMITS_LOCK])


@transaction.atomic
def generation_request(
    *,
    user: AbstractBaseUser,
    topic: str,
    level: str,
    duration: str,
    focus: str,
    retry_of: GenerationJob | None = None,
    enforce_limits: bool = True,
) -> GenerationJob:
    """Queue a course for `user`; the worker builds it after the commit.

    Raises GenerationLimitReached when one of the limits refuses it."""
    generation_jobs_fail_stale()
    if enforce_limits:
        _lock_limits()
        _check_limits(user=user)
    job = GenerationJob.objects.create(
        requester=user,
        topic=topic,
        level=level,
        duration=duration,
        focus=focus,
        retry_of=retry_of,
    )
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from generation.tasks import run_generation_job

    try:
        result = run_generation_job.enqueue(job_id)
    except Exception as error:  # the queue (Redis, the database) refused it
        logger.exception("Could not enqueue generation job %s", job_id)
        _fail(
            job_id,
            stage="queued",
            reason=QUEUE_REASON,
            detail=f"{type(error).__name__}: {error}",
            states=[GenerationJob.State.QUEUED],
        )
        return
    GenerationJob.objects.filter(pk=job_id, task_id="").update(task_id=str(result.id)[:64])


def generation_retry(*, job: GenerationJob, enforce_limits: bool = True) -> GenerationJob:
    """Ask again for what `job` asked for, as a new job (the failed one stays on
    record). Learners go through the limits; staff retrying from the admin do not."""
    return generation_request(
        user=job.requester,
        topic=job.topic,
        level=job.level,
        duration=job.duration,
        focus=job.focus,
        retry_of=job,
        enforce_limits=enforce_limits,
    )


def generation_job_start(*, job_id: int) -> bool:
    """Claim a queued job for this worker; False when it is not queued any more
    (already run, failed, or picked up by another worker)."""
    now = timezone.now()
    return bool(
        GenerationJob.objects.filter(pk=job_id, state=GenerationJob.State.QUEUED).update(
            state=GenerationJob.State.RUNNING,
            stage="planning",
            stage_label="Starting",
            percent=0,
            started_at=now,
            heartbeat_at=now,
        )
    )


def generation_job_progress(*, job_id: int, progress: Progress) -> None:
    """Save the stage the pipeline reached; it doubles as the worker's heartbeat."""
    GenerationJob.objects.filter(pk=job_id, state=GenerationJob.State.RUNNING).update(
        stage=progress.stage,
        stage_label=progress.label[:200],
        percent=max(0, min(100, progress.percent)),
        heartbeat_at=timezone.now(),
    )


def _usage_rows(usage: list[StageUsage]) -> list[dict[str, object]]:
    return [
        {
            "stage": row.stage,
            "model": row.model,
            "prompt_tokens": row.prompt_tokens,
            "completion_tokens": row.completion_tokens,
            "seconds": round(row.seconds, 3),
            "attempts": row.attempts,
        }
        for row in usage
    ]


@transaction.atomic
def generation_job_succeed(*, job_id: int, result: GenerationResult) -> GenerationJob:
    """Record the run, enroll the requester in their course and tell them."""
    job = GenerationJob.objects.select_for_update().select_related("requester").get(pk=job_id)
    course: Course = result.course
    job.state = GenerationJob.State.SUCCEEDED
    job.stage = "done"
    job.stage_label = "Your course is ready"
    job.percent = 100
    job.course = course
    job.model_name = result.model[:200]
    job.prompt_tokens = result.prompt_tokens
    job.completion_tokens = result.completion_tokens
    job.usage = _usage_rows(result.usage)
    job.finished_at = timezone.now()
    job.heartbeat_at = job.finished_at
    job.error_reason = job.error_detail = ""
    job.save()
    enrollment_create(user=job.requester, course=course)
    notification_create(
        user=job.requester,
        message=f"Your course “{course.topic}” is ready.",
        url=course.get_absolute_url(),
    )
    return job


def _fail(
    job_id: int,
    *,
    stage: str,
    reason: str,
    detail: str,
    usage: list[StageUsage] | None = None,
    states: list[str] | None = None,
) -> bool:
    """Mark the job failed (only from `states`) and tell its requester."""
    states = states or [GenerationJob.State.QUEUED, GenerationJob.State.RUNNING]
    with transaction.atomic():
        job = (
            GenerationJob.objects.select_for_update()
            .select_related("requester")
            .filter(pk=job_id, state__in=states)
            .first()
        )
        if job is None:
            return False
        now = timezone.now()
        job.state = GenerationJob.State.FAILED
        job.stage = stage if stage in dict(job._meta.get_field("stage").choices) else job.stage
        job.stage_label = "Failed"
        job.error_reason = reason[:500]
        job.error_detail = detail
        if usage is not None:
            job.usage = _usage_rows(usage)
            job.prompt_tokens = sum(row.prompt_tokens for row in usage)
            job.completion_tokens = sum(row.completion_tokens for row in usage)
            job.model_name = next((row.model for row in usage if row.model), "")[:200]
        job.finished_at = now
        job.save()
        notification_create(
            user=job.requester,
            message=f"We could not build your course “{job.topic}”.",
            url=reverse("generation:job-detail", kwargs={"job_id": job.pk}),
        )
    return True


def generation_job_fail(
    *, job_id: int, stage: str, reason: str, detail: str, usage: list[StageUsage] | None = None
) -> bool:
    return _fail(job_id, stage=stage, reason=reason, detail=detail, usage=usage)


def generation_jobs_fail_stale(*, now: timezone.datetime | None = None) -> int:
    """Fail the jobs no worker is looking after: running without heartbeats (the
    worker died, the machine restarted) or queued for too long (no worker runs).
    They would otherwise say "running" or "queued" forever."""
    now = now or timezone.now()
    failed = 0
    for job in GenerationJob.objects.stale(now=now).only(
        "pk", "state", "stage", "heartbeat_at", "created_at"
    ):
        failed += generation_job_fail_if_stale(job, now=now)
    return failed


def generation_job_fail_if_stale(
    job: GenerationJob, *, now: timezone.datetime | None = None
) -> bool:
    """The sweep for one job a page has loaded already: no query unless it is stale."""
    detail = job.staleness(now=now)
    if not detail:
        return False
    queued = job.state == GenerationJob.State.QUEUED
    return _fail(
        job.pk,
        stage=job.stage,
        reason=NEVER_STARTED_REASON if queued else STALE_REASON,
        detail=detail,
        states=[job.state],
    )
