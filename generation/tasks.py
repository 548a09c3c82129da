"""The background task that builds one requested course.

Runs in `manage.py db_worker` (database backend) or `manage.py rqworker`
(RQ backend), never in a web request."""

from __future__ import annotations

import logging
import traceback

from django.conf import settings
from django_tasks import task

from generation.models import GenerationJob, Rewrite
from generation.services import (
    UNEXPECTED_REASON,
    Start,
    generation_job_await_review,
    generation_job_course_begun,
    generation_job_fail,
    generation_job_keep_plan,
    generation_job_keep_unit,
    generation_job_progress,
    generation_job_start,
    generation_job_succeed,
    generation_jobs_fail_stale,
    generation_start_next,
    rewrite_claim,
    rewrite_fail,
    rewrite_notify_done,
)


class JobCancelled(Exception):
    """The learner cancelled the job while it ran."""


logger = logging.getLogger(__name__)


@task()
def run_generation_job(job_id: int) -> str:
    """Do the next step of job `job_id`: make (or revise) its plan for the
    learner's review when it asked for one, else build the course (from the
    approved plan if there is one); answer the state the job is left in.
    Beyond the site's cap the job waits, queued, for a run to finish."""
    # The worker path sweeps too: jobs left "running" by a worker that died.
    generation_jobs_fail_stale()
    start = generation_job_start(job_id=job_id)
    if start is Start.GONE:
        logger.info("Generation job %s is not queued any more; skipped", job_id)
        return "skipped"
    if start is Start.WAITING:
        logger.info("Generation job %s waits for a place (the site's cap)", job_id)
        return "waiting"
    try:
        return _run(job_id)
    finally:
        # The place this run held goes to the job that has waited longest.
        generation_start_next()


def _run(job_id: int) -> str:
    """The run of a job this worker has claimed; answers its state."""
    from generation.pipeline import (
        CourseRequest,
        GenerationFailed,
        Keeper,
        Progress,
        generate_course,
        plan_course,
    )
    from generation.schemas import CoursePlan

    job = GenerationJob.objects.select_related("requester", "course").get(pk=job_id)

    def on_progress(progress: Progress) -> None:
        if not generation_job_progress(job_id=job_id, progress=progress):
            raise JobCancelled

    request = CourseRequest(
        topic=job.topic,
        level=job.level,
        duration=job.duration,
        focus=job.focus,
        language=job.language,
    )
    approved = CoursePlan.model_validate(job.plan) if job.plan_approved_at else None
    try:
        if approved is None and (job.review_plan or job.revision_instruction):
            revise = None
            if job.revision_instruction:
                revise = (CoursePlan.model_validate(job.plan), job.revision_instruction)
            on_progress(Progress(stage="planning", label="Planning the course", percent=2))
            planned = plan_course(
                request, revise=revise, time_budget=settings.ATHENA_GENERATION_TIME_BUDGET
            )
            generation_job_await_review(job_id=job_id, result=planned)
            return GenerationJob.State.REVIEW
        keeper = Keeper(
            plan=lambda plan: generation_job_keep_plan(job_id=job_id, plan=plan),
            unit=lambda key, data: generation_job_keep_unit(job_id=job_id, key=key, data=data),
        )
        result = generate_course(
            request,
            plan=approved,
            written=job.written if approved is not None else None,
            keeper=keeper,
            owner=job.requester,
            # A retry goes on with the draft the failed run began.
            course=job.course if approved is not None else None,
            on_course=lambda course: generation_job_course_begun(job_id=job_id, course=course),
            on_progress=on_progress,
            time_budget=settings.ATHENA_GENERATION_TIME_BUDGET,
        )
    except JobCancelled:
        logger.info("Generation job %s was cancelled", job_id)
        return GenerationJob.State.CANCELLED
    except GenerationFailed as failure:
        logger.warning("Generation job %s failed at %s: %s", job_id, failure.stage, failure)
        generation_job_fail(
            job_id=job_id,
            stage=failure.stage,
            reason=failure.reason,
            detail=failure.detail,
            usage=failure.usage,
        )
        return GenerationJob.State.FAILED
    except Exception:
        # A bug, not a model problem: the learner gets plain words, staff the trace.
        logger.exception("Generation job %s crashed", job_id)
        current = GenerationJob.objects.filter(pk=job_id).values_list("stage", flat=True).first()
        generation_job_fail(
            job_id=job_id,
            stage=current or "planning",
            reason=UNEXPECTED_REASON,
            detail=traceback.format_exc(),
        )
        return GenerationJob.State.FAILED
    generation_job_succeed(job_id=job_id, result=result)
    return GenerationJob.State.SUCCEEDED


@task()
def run_rewrite(rewrite_id: int) -> str:
    """Make the change of one part of a generated course that `rewrite_id`
    asks for (generation.rewrite); answer the state it is left in."""
    from generation.pipeline import GenerationFailed
    from generation.rewrite import rewrite_run

    if not rewrite_claim(rewrite_id=rewrite_id):
        logger.info("Rewrite %s is not queued any more; skipped", rewrite_id)
        return "skipped"
    rewrite = Rewrite.objects.select_related("course").get(pk=rewrite_id)
    try:
        made = rewrite_run(rewrite, time_budget=settings.ATHENA_GENERATION_TIME_BUDGET)
    except GenerationFailed as failure:
        logger.warning("Rewrite %s failed: %s", rewrite_id, failure)
        rewrite_fail(
            rewrite_id=rewrite_id, reason=failure.reason, detail=failure.detail, usage=failure.usage
        )
        return Rewrite.State.FAILED
    except Exception:
        logger.exception("Rewrite %s crashed", rewrite_id)
        rewrite_fail(rewrite_id=rewrite_id, reason=UNEXPECTED_REASON, detail=traceback.format_exc())
        return Rewrite.State.FAILED
    if made is None:
        logger.info("Rewrite %s was marked failed while it was made; nothing changed", rewrite_id)
        return Rewrite.State.FAILED
    rewrite_notify_done(rewrite=rewrite, url=rewrite_target_url(rewrite))
    return Rewrite.State.SUCCEEDED


def rewrite_target_url(rewrite: Rewrite) -> str:
    """The page of what a change wrote (or wrote next to): the lesson, quiz or
    module, else the course."""
    for target in (rewrite.lesson, rewrite.activity, rewrite.module):
        if target is not None:
            return target.get_absolute_url()
    return rewrite.course.get_absolute_url()
