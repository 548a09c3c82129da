"""Writes on generation jobs: asking for a course, retrying one, recording how a
run went, and failing the jobs whose worker died."""

from __future__ import annotations

import enum
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from courses.models import Activity, Course, Lesson, Module
from enrollment.services import enrollment_create
from generation.models import GenerationJob, Rewrite
from generation.selectors import build_allowance
from notifications.services import notification_create

if TYPE_CHECKING:
    from generation.pipeline import GenerationResult, PlanResult, Progress, StageUsage
    from generation.schemas import CoursePlan

logger = logging.getLogger(__name__)

# Why a job failed, for its learner (stored in English, shown translated:
# generation.wording).
STALE_REASON = gettext_noop("The worker building this course stopped before it finished.")
NEVER_STARTED_REASON = gettext_noop("No worker was free to build this course in time.")
UNEXPECTED_REASON = gettext_noop("Something went wrong on our side while building this course.")
QUEUE_REASON = gettext_noop("We could not queue this request.")

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
    if jobs.filter(requester=user).in_progress().exists():
        raise GenerationLimitReached(
            _(
                "You already have a course on the way (being built, or its plan waiting for "
                "your review). Finish or cancel it before asking for another one."
            )
        )
    allowance = build_allowance(user=user)
    if not allowance.left:
        message = ngettext(
            "You have asked for %(count)d courses in the last 24 hours, the most we can "
            "build for one learner in a day.",
            "You have asked for %(count)d courses in the last 24 hours, the most we can "
            "build for one learner in a day.",
            allowance.per_day,
        ) % {"count": allowance.per_day}
        if allowance.next_frees_at is not None:
            message += " " + allowance.next_build_frees
        raise GenerationLimitReached(message)


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
    language: str = "",
    retry_of: GenerationJob | None = None,
    review_plan: bool = False,
    enforce_limits: bool = True,
) -> GenerationJob:
    """Queue a course for `user`; the worker builds it after the commit (with
    `review_plan`, only its plan, for the learner to review and approve).

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
        language=language,
        retry_of=retry_of,
        review_plan=review_plan,
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


@transaction.atomic
def generation_retry(*, job: GenerationJob, enforce_limits: bool = True) -> GenerationJob:
    """Ask again for what `job` asked for, as a new job (the failed one stays on
    record), going on from where it stopped: its plan, once made, is written
    without asking for a plan again, and the lessons and quizzes it finished are
    kept as they are. Learners go through the limits; staff retrying from the
    admin do not."""
    retry = generation_request(
        user=job.requester,
        topic=job.topic,
        level=job.level,
        duration=job.duration,
        focus=job.focus,
        language=job.language,
        retry_of=job,
        review_plan=job.review_plan,
        enforce_limits=enforce_limits,
    )
    if job.plan and (job.plan_approved_at or not job.review_plan):
        # The job is queued, not yet run (the worker takes it after the commit).
        # The draft it began (its modules saved so far) is continued too.
        GenerationJob.objects.filter(pk=retry.pk).update(
            plan=job.plan,
            plan_approved_at=timezone.now(),
            written=job.written,
            course=job.course_id,
        )
        retry.refresh_from_db()
    return retry


class Start(enum.Enum):
    STARTED = "started"
    # The site runs ATHENA_GENERATION_MAX_RUNNING jobs already: the job stays
    # queued, and the worker that finishes one starts it (generation_start_next).
    WAITING = "waiting"
    # Not queued any more: already run, cancelled, failed, or claimed by another worker.
    GONE = "gone"


@transaction.atomic
def generation_job_start(*, job_id: int) -> Start:
    """Claim a queued job for this worker, if the site runs fewer than
    ATHENA_GENERATION_MAX_RUNNING jobs (counted one claim at a time across the
    site, as the limits are: `_lock_limits`)."""
    _lock_limits()
    if not GenerationJob.objects.filter(pk=job_id, state=GenerationJob.State.QUEUED).exists():
        return Start.GONE
    if _running_count() >= settings.ATHENA_GENERATION_MAX_RUNNING:
        return Start.WAITING
    now = timezone.now()
    GenerationJob.objects.filter(pk=job_id, state=GenerationJob.State.QUEUED).update(
        state=GenerationJob.State.RUNNING,
        stage="planning",
        stage_label="Starting",
        percent=0,
        started_at=now,
        heartbeat_at=now,
    )
    return Start.STARTED


def _running_count() -> int:
    return GenerationJob.objects.running().count()


def generation_start_next() -> None:
    """Hand the place a finished run frees to the job that has waited longest
    (its task is queued again; a second task for one job finds it claimed)."""
    if _running_count() >= settings.ATHENA_GENERATION_MAX_RUNNING:
        return
    waiting = (
        GenerationJob.objects.filter(state=GenerationJob.State.QUEUED)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
        .first()
    )
    if waiting is not None:
        transaction.on_commit(lambda: _enqueue(waiting))


def generation_job_progress(*, job_id: int, progress: Progress) -> bool:
    """Save the stage the pipeline reached; it doubles as the worker's heartbeat.
    False when the job is not running any more (its learner cancelled it)."""
    return bool(
        GenerationJob.objects.filter(pk=job_id, state=GenerationJob.State.RUNNING).update(
            stage=progress.stage,
            stage_label=progress.label[:200],
            percent=max(0, min(100, progress.percent)),
            heartbeat_at=timezone.now(),
        )
    )


@transaction.atomic
def generation_job_await_review(*, job_id: int, result: PlanResult) -> bool:
    """Keep the plan the worker made (or revised) for its learner to review, and
    tell them. False when the job is not running any more."""
    job = (
        GenerationJob.objects.select_for_update()
        .select_related("requester")
        .filter(pk=job_id, state=GenerationJob.State.RUNNING)
        .first()
    )
    if job is None:
        return False
    job.state = GenerationJob.State.REVIEW
    job.stage = "review"
    job.stage_label = "Your plan is ready to review"
    job.percent = 0
    job.plan = result.plan.model_dump(mode="json")
    job.revision_instruction = ""
    job.heartbeat_at = timezone.now()
    _add_usage(job, result.usage)
    job.save()
    notification_create(
        user=job.requester,
        template=gettext_noop("The plan for “%(topic)s” is ready for your review."),
        params={"topic": job.topic},
        url=job.get_absolute_url(),
    )
    return True


def generation_job_keep_plan(*, job_id: int, plan: CoursePlan) -> None:
    """Keep the plan a run made without a review (a retry writes from it)."""
    GenerationJob.objects.filter(pk=job_id).update(plan=plan.model_dump(mode="json"))


@transaction.atomic
def generation_job_keep_unit(*, job_id: int, key: str, data: dict[str, object]) -> None:
    """Keep one lesson or quiz a run has written (a retry takes it as it is)."""
    job = GenerationJob.objects.select_for_update().only("written").filter(pk=job_id).first()
    if job is not None:
        job.written = {**job.written, key: data}
        job.save(update_fields=["written"])


def generation_job_course_begun(*, job_id: int, course: Course) -> None:
    """The run saved the first module of its course: the job points at it and
    the requester is enrolled, to read it while the rest is written. Called in
    the transaction that creates the course."""
    job = (
        GenerationJob.objects.select_related("requester")
        .defer(*GenerationJob.WORK_FIELDS)
        .get(pk=job_id)
    )
    job.course = course
    job.save(update_fields=["course"])
    enrollment_create(user=job.requester, course=course)


def generation_plan_save(*, job: GenerationJob, plan: CoursePlan) -> bool:
    """The learner's edits to a plan under review; False when it is not under
    review any more."""
    return bool(
        GenerationJob.objects.filter(pk=job.pk, state=GenerationJob.State.REVIEW).update(
            plan=plan.model_dump(mode="json")
        )
    )


def generation_plan_approve(*, job: GenerationJob, plan: CoursePlan) -> bool:
    """Approve `plan` (as the learner left it): the worker writes the course
    from it. Not held back by the site-wide cap: the job had its place already.
    False when the job is not under review any more."""
    return _requeue(job, plan=plan, plan_approved_at=timezone.now())


def generation_plan_revise(*, job: GenerationJob, plan: CoursePlan, instruction: str) -> bool:
    """Ask the model for `plan` (the learner's current edits) revised as
    `instruction` says; the job comes back for review. False when the job is not
    under review any more."""
    return _requeue(job, plan=plan, revision_instruction=instruction)


@transaction.atomic
def _requeue(job: GenerationJob, *, plan: CoursePlan, **fields: object) -> bool:
    """Queue a job under review again with `plan` and `fields`."""
    updated = GenerationJob.objects.filter(pk=job.pk, state=GenerationJob.State.REVIEW).update(
        plan=plan.model_dump(mode="json"),
        state=GenerationJob.State.QUEUED,
        stage="queued",
        stage_label="Waiting for a worker",
        percent=0,
        heartbeat_at=timezone.now(),  # a queued job's staleness counts from here
        **fields,
    )
    if updated:
        transaction.on_commit(lambda: _enqueue(job.pk))
    return bool(updated)


def generation_job_cancel(*, job: GenerationJob) -> bool:
    """Cancel a job that is queued, running or under review (a running worker
    stops at its next progress report). False when it had finished already."""
    return bool(
        GenerationJob.objects.filter(
            pk=job.pk,
            state__in=[
                GenerationJob.State.QUEUED,
                GenerationJob.State.RUNNING,
                GenerationJob.State.REVIEW,
            ],
        ).update(
            state=GenerationJob.State.CANCELLED,
            stage_label="Cancelled",
            finished_at=timezone.now(),
        )
    )


def _add_usage(job: GenerationJob, usage: list[StageUsage]) -> None:
    """Add a run's usage to what the job's earlier runs spent (planning before
    a review, then writing)."""
    job.usage = [*job.usage, *_usage_rows(usage)]
    job.prompt_tokens = sum(int(row["prompt_tokens"]) for row in job.usage)
    job.completion_tokens = sum(int(row["completion_tokens"]) for row in job.usage)
    job.model_name = next((row.model for row in usage if row.model), job.model_name)[:200]


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
    _add_usage(job, result.usage)
    job.model_name = result.model[:200]
    job.finished_at = timezone.now()
    job.heartbeat_at = job.finished_at
    job.error_reason = job.error_detail = ""
    job.save()
    enrollment_create(user=job.requester, course=course)
    notification_create(
        user=job.requester,
        template=gettext_noop("Your course “%(topic)s” is ready."),
        params={"topic": course.topic},
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
            _add_usage(job, usage)
        job.finished_at = now
        job.save()
        notification_create(
            user=job.requester,
            template=gettext_noop("We could not build your course “%(topic)s”."),
            params={"topic": job.topic},
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


# Changing one part of a generated course (generation.rewrite).

# What the requester is told of a change, a whole sentence per kind (each
# reader sees it in their language: notifications.models.Notification.text).
REWRITE_DONE_NOTICES = {
    Rewrite.Kind.LESSON: gettext_noop("Done: the lesson is rewritten in “%(topic)s”."),
    Rewrite.Kind.QUIZ: gettext_noop("Done: the quiz is rewritten in “%(topic)s”."),
    Rewrite.Kind.MODULE: gettext_noop("Done: the module is rewritten in “%(topic)s”."),
    Rewrite.Kind.ADD_LESSON: gettext_noop("Done: a lesson is added to “%(topic)s”."),
    Rewrite.Kind.ADD_MODULE: gettext_noop("Done: a module is added to “%(topic)s”."),
    Rewrite.Kind.RESTORE: gettext_noop("Done: the earlier version is back in “%(topic)s”."),
}
REWRITE_FAILED_NOTICES = {
    Rewrite.Kind.LESSON: gettext_noop("We could not rewrite the lesson in “%(topic)s”."),
    Rewrite.Kind.QUIZ: gettext_noop("We could not rewrite the quiz in “%(topic)s”."),
    Rewrite.Kind.MODULE: gettext_noop("We could not rewrite the module in “%(topic)s”."),
    Rewrite.Kind.ADD_LESSON: gettext_noop("We could not add the lesson to “%(topic)s”."),
    Rewrite.Kind.ADD_MODULE: gettext_noop("We could not add the module to “%(topic)s”."),
    Rewrite.Kind.RESTORE: gettext_noop("We could not restore the earlier version in “%(topic)s”."),
}


@transaction.atomic
def rewrite_request(
    *,
    user: AbstractBaseUser,
    course: Course,
    kind: str,
    instruction: str,
    module: Module | None = None,
    lesson: Lesson | None = None,
    activity: Activity | None = None,
    enforce_limits: bool = True,
) -> Rewrite:
    """Queue a change of one part of `course` (the worker makes it after the
    commit). Raises GenerationLimitReached when a limit refuses it: one change
    on its way at a time, ATHENA_GENERATION_REWRITES_PER_DAY in any 24 hours."""
    rewrites_fail_stale(rewrites=Rewrite.objects.filter(requester=user))
    if GenerationJob.objects.filter(course=course, finished_at__isnull=True).exists():
        raise GenerationLimitReached(
            _("This course is still being written: change it once it is ready.")
        )
    if enforce_limits:
        _lock_limits()
        rewrites = Rewrite.objects.filter(requester=user)
        if rewrites.filter(state__in=[Rewrite.State.QUEUED, Rewrite.State.RUNNING]).exists():
            raise GenerationLimitReached(
                _(
                    "You already have a change on its way. Wait for it to be made, then ask "
                    "for the next one."
                )
            )
        per_day = settings.ATHENA_GENERATION_REWRITES_PER_DAY
        since = timezone.now() - timedelta(days=1)
        counted = rewrites.filter(created_at__gte=since).exclude(state=Rewrite.State.FAILED)
        if counted.count() >= per_day:
            raise GenerationLimitReached(
                ngettext(
                    "You have asked for %(count)d changes in the last 24 hours, the most we "
                    "make for one learner in a day.",
                    "You have asked for %(count)d changes in the last 24 hours, the most we "
                    "make for one learner in a day.",
                    per_day,
                )
                % {"count": per_day}
            )
    rewrite = Rewrite.objects.create(
        course=course,
        requester=user,
        kind=kind,
        instruction=instruction,
        module=module,
        lesson=lesson,
        activity=activity,
    )
    transaction.on_commit(lambda: _enqueue_rewrite(rewrite.pk))
    return rewrite


def _enqueue_rewrite(rewrite_id: int) -> None:
    from generation.tasks import run_rewrite

    try:
        run_rewrite.enqueue(rewrite_id)
    except Exception as error:  # the queue (Redis, the database) refused it
        logger.exception("Could not enqueue rewrite %s", rewrite_id)
        rewrite_fail(rewrite_id=rewrite_id, reason=QUEUE_REASON, detail=str(error))


REWRITE_STALE_REASON = gettext_noop("The worker making this change stopped before it finished.")


def rewrites_fail_stale(
    *, rewrites: QuerySet[Rewrite], now: timezone.datetime | None = None
) -> int:
    """Mark failed those of `rewrites` (one learner's, or the one a page
    polls: never a scan of every change) queued or being made for longer than
    a job's time budget and heartbeat timeout (their worker died, or none
    ran): they would hold their learner's one change on its way for ever.
    Answers how many."""
    return rewrites.filter(
        state__in=[Rewrite.State.QUEUED, Rewrite.State.RUNNING],
        created_at__lt=_rewrite_stale_cutoff(now),
    ).update(
        state=Rewrite.State.FAILED,
        error_reason=REWRITE_STALE_REASON,
        error_detail=REWRITE_STALE_REASON,
        finished_at=now or timezone.now(),
    )


def _rewrite_stale_cutoff(now: timezone.datetime | None = None) -> timezone.datetime:
    """Changes asked for before this are taken for stale while not finished."""
    return (now or timezone.now()) - timedelta(
        seconds=settings.ATHENA_GENERATION_TIME_BUDGET
        + settings.ATHENA_GENERATION_HEARTBEAT_TIMEOUT
    )


def rewrite_fail_if_stale(*, rewrite: Rewrite) -> bool:
    """`rewrites_fail_stale` for the one change a page polls, with no query
    unless it is overdue (a poll comes twice a second); updates `rewrite`'s
    state. Answers whether it was failed now."""
    if rewrite.is_finished or rewrite.created_at >= _rewrite_stale_cutoff():
        return False
    if not rewrites_fail_stale(rewrites=Rewrite.objects.filter(pk=rewrite.pk)):
        return False
    rewrite.state = Rewrite.State.FAILED
    return True


def rewrite_claim(*, rewrite_id: int) -> bool:
    """Mark a queued change as being made; False when it is not queued (any more)."""
    return bool(
        Rewrite.objects.filter(pk=rewrite_id, state=Rewrite.State.QUEUED).update(
            state=Rewrite.State.RUNNING
        )
    )


def rewrite_fail(
    *, rewrite_id: int, reason: str, detail: str = "", usage: list[StageUsage] | None = None
) -> None:
    """Record why the change could not be made (nothing in the course changed)
    and tell whoever asked."""
    with transaction.atomic():
        rewrite = Rewrite.objects.select_related("requester").filter(pk=rewrite_id).first()
        if rewrite is None:
            return
        rewrite.state = Rewrite.State.FAILED
        rewrite.error_reason = reason[:500]
        rewrite.error_detail = detail or reason
        rewrite.finished_at = timezone.now()
        for stage in usage or []:
            rewrite.prompt_tokens += stage.prompt_tokens
            rewrite.completion_tokens += stage.completion_tokens
        rewrite.save()
        if rewrite.requester is not None:
            notification_create(
                user=rewrite.requester,
                template=REWRITE_FAILED_NOTICES[rewrite.kind],
                params={"topic": rewrite.course.topic},
                url=rewrite.course.get_absolute_url(),
            )


def rewrite_notify_done(*, rewrite: Rewrite, url: str) -> None:
    if rewrite.requester is not None:
        notification_create(
            user=rewrite.requester,
            template=REWRITE_DONE_NOTICES[rewrite.kind],
            params={"topic": rewrite.course.topic},
            url=url,
        )
