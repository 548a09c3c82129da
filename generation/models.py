"""Course generation jobs: one learner's request and how its run went."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from courses.models import Duration, Focus, Level
from generation.wording import shown

# The pipeline's stages, in order, with what a learner reads while each runs.
STAGE_CHOICES = [
    ("queued", _("Waiting for a worker")),
    ("planning", _("Planning")),
    ("review", _("Plan ready for review")),
    # Jobs run before the plan held the lessons had a stage of their own here.
    ("outlining", _("Outlining")),
    ("writing_lessons", _("Writing lessons")),
    ("writing_quizzes", _("Writing quizzes")),
    ("checking", _("Checking")),
    ("saving", _("Saving")),
    ("done", _("Done")),
]


class GenerationJobQuerySet(models.QuerySet["GenerationJob"]):
    def active(self) -> GenerationJobQuerySet:
        """Queued or running: what the site-wide cap counts."""
        return self.filter(state__in=[GenerationJob.State.QUEUED, GenerationJob.State.RUNNING])

    def in_progress(self) -> GenerationJobQuerySet:
        """Queued, running or waiting for its plan's review: what the
        per-learner limit counts (one course on the way at a time)."""
        return self.filter(
            state__in=[
                GenerationJob.State.QUEUED,
                GenerationJob.State.RUNNING,
                GenerationJob.State.REVIEW,
            ]
        )

    def running(self) -> GenerationJobQuerySet:
        return self.filter(state=GenerationJob.State.RUNNING)

    def stale(self, *, now: timezone.datetime | None = None) -> GenerationJobQuerySet:
        """Running jobs whose worker has not reported within the heartbeat timeout,
        and queued jobs no worker picked up in time (see `GenerationJob.staleness`)."""
        beat_cutoff, queue_cutoff = stale_cutoffs(now or timezone.now())
        running = Q(state=GenerationJob.State.RUNNING) & (
            Q(heartbeat_at__lt=beat_cutoff) | Q(heartbeat_at__isnull=True)
        )
        if self.workers_alive(beat_cutoff):
            # A queue behind live workers moves, however long it is.
            return self.filter(running)
        # Queued since it was asked for, or since it was queued again (its plan
        # approved or sent for revision: heartbeat_at).
        waiting = Q(state=GenerationJob.State.QUEUED) & (
            Q(heartbeat_at__lt=queue_cutoff)
            | Q(heartbeat_at__isnull=True, created_at__lt=queue_cutoff)
        )
        return self.filter(running | waiting)

    def workers_alive(self, beat_cutoff: timezone.datetime) -> bool:
        """Whether some job is running with a heartbeat after `beat_cutoff`."""
        return self.running().filter(heartbeat_at__gte=beat_cutoff).exists()


def stale_cutoffs(now: timezone.datetime) -> tuple[timezone.datetime, timezone.datetime]:
    """A running job's last heartbeat must be after the first; a queued job must
    have been asked for (or queued again) after the second, unless some job is
    running with a fresh heartbeat: a queue behind live workers moves, and
    one waiting longer than a job's time budget with none running means no
    worker is running."""
    timeout = settings.ATHENA_GENERATION_HEARTBEAT_TIMEOUT
    budget = settings.ATHENA_GENERATION_TIME_BUDGET
    return now - timedelta(seconds=timeout), now - timedelta(seconds=budget + timeout)


class GenerationJob(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        REVIEW = "review", _("Plan to review")
        SUCCEEDED = "succeeded", _("Ready")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    requester = models.ForeignKey(  # leads the indexes below
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="generation_jobs",
        db_index=False,
    )
    topic = models.CharField(max_length=200)
    level = models.CharField(max_length=16, choices=Level.choices)
    duration = models.CharField(max_length=16, choices=Duration.choices)
    focus = models.CharField(max_length=16, choices=Focus.choices)
    # The language asked for (a code of courses.models.LANGUAGE_NAMES); empty:
    # the topic's own, as the model finds it.
    language = models.CharField(max_length=16, blank=True, default="", db_default="")
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    stage = models.CharField(max_length=32, choices=STAGE_CHOICES, default="queued")
    stage_label = models.CharField(max_length=200, default="Waiting for a worker")
    percent = models.PositiveSmallIntegerField(default=0)
    # What the learner reads when the job fails, and what staff read in the admin.
    error_reason = models.CharField(max_length=500, blank=True)
    error_detail = models.TextField(blank=True)
    course = models.ForeignKey(
        "courses.Course",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="generation_jobs",
    )
    # A job started again by "Try again" or the admin's retry points at the one it repeats.
    retry_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries"
    )
    # Plan review: whether the learner reviews the plan before lessons are
    # written; the plan (generation.schemas.CoursePlan as JSON) once made; an
    # instruction the next run revises it by; when the learner approved it.
    review_plan = models.BooleanField(default=False)
    plan = models.JSONField(default=dict, blank=True)
    revision_instruction = models.TextField(blank=True)
    plan_approved_at = models.DateTimeField(null=True, blank=True)
    # The lessons and quizzes written so far ("module:position" -> the unit,
    # generation.pipeline.unit_data): a failed run keeps them, and "Try again"
    # goes on from them with the same plan.
    written = models.JSONField(default=dict, blank=True)
    model_name = models.CharField(max_length=200, blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    # One entry per model call stage: stage, model, tokens, seconds, attempts.
    usage = models.JSONField(default=list, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    objects = GenerationJobQuerySet.as_manager()

    # What the runs keep (the plan, the lessons and quizzes written): tens of
    # kilobytes a job, which lists leave unread.
    WORK_FIELDS = ("plan", "written")

    class Meta:
        db_table = "generation_jobs"
        ordering = ["-created_at", "-id"]
        indexes = [
            # "My requests" and the per-learner limits (active, today's count).
            models.Index(fields=["requester", "-created_at"], name="generation_requester_idx"),
            models.Index(fields=["requester", "state"], name="generation_requester_state_idx"),
            # The global cap, the dead-worker sweep and the admin's filters.
            models.Index(fields=["state", "heartbeat_at"], name="generation_state_beat_idx"),
            models.Index(fields=["stage"], name="generation_stage_idx"),
            models.Index(fields=["created_at"], name="generation_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} ({self.get_state_display().lower()})"

    def get_absolute_url(self) -> str:
        return reverse("generation:job-detail", kwargs={"job_id": self.pk})

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.SUCCEEDED, self.State.FAILED, self.State.CANCELLED)

    @property
    def shown_stage_label(self) -> str:
        """The stage label in the reader's language (stored in English)."""
        return shown(self.stage_label)

    @property
    def shown_error_reason(self) -> str:
        """Why it failed, in the reader's language (stored in English)."""
        return shown(self.error_reason)

    def staleness(self, *, now: timezone.datetime | None = None) -> str:
        """Why this job is stale (for staff), or "" when it is not."""
        now = now or timezone.now()
        beat_cutoff, queue_cutoff = stale_cutoffs(now)
        if self.state == self.State.RUNNING and (
            self.heartbeat_at is None or self.heartbeat_at < beat_cutoff
        ):
            return (
                f"No heartbeat since {self.heartbeat_at} (timeout "
                f"{settings.ATHENA_GENERATION_HEARTBEAT_TIMEOUT} s); marked failed at {now}."
            )
        queued_since = self.heartbeat_at or self.created_at
        if (
            self.state == self.State.QUEUED
            and queued_since < queue_cutoff
            and not GenerationJob.objects.workers_alive(beat_cutoff)
        ):
            return (
                f"Queued since {queued_since} and never started: is a worker running "
                f"(manage.py db_worker)? Marked failed at {now}."
            )
        return ""

    @property
    def preferences(self) -> dict[str, str]:
        return {"level": self.level, "duration": self.duration, "focus": self.focus}

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class Rewrite(models.Model):
    """One change a learner (or staff) asked of a generated course: a lesson, a
    quiz or a module rewritten from an instruction, a lesson or module added
    after a given one, or an earlier version put back. `before` and `after`
    hold what the change replaced and what it wrote (generation.rewrite's
    snapshots), so any version can be restored."""

    class Kind(models.TextChoices):
        LESSON = "lesson", _("Rewrite a lesson")
        QUIZ = "quiz", _("Rewrite a quiz")
        MODULE = "module", _("Rewrite a module")
        ADD_LESSON = "add_lesson", _("Add a lesson")
        ADD_MODULE = "add_module", _("Add a module")
        RESTORE = "restore", _("Restore an earlier version")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being written")
        SUCCEEDED = "succeeded", _("Done")
        FAILED = "failed", _("Failed")

    course = models.ForeignKey(
        "courses.Course", on_delete=models.CASCADE, related_name="rewrites", db_index=False
    )
    requester = models.ForeignKey(  # leads an index below
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rewrites",
        db_index=False,
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    # What is rewritten, or what the new lesson or module comes after.
    module = models.ForeignKey(
        "courses.Module", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lesson = models.ForeignKey(
        "courses.Lesson", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    activity = models.ForeignKey(
        "courses.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    instruction = models.TextField(blank=True)
    # A restore: the change whose `before` it put back.
    restores = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="restored_by"
    )
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    error_reason = models.CharField(max_length=500, blank=True)
    error_detail = models.TextField(blank=True)
    model_name = models.CharField(max_length=200, blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "generation_rewrites"
        ordering = ["-created_at", "-id"]
        indexes = [
            # A course's history, newest first.
            models.Index(fields=["course", "-created_at"], name="rewrite_course_idx"),
            # The per-learner limits.
            models.Index(fields=["requester", "state"], name="rewrite_requester_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_state_display().lower()})"

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.SUCCEEDED, self.State.FAILED)

    # What an undo says it undid (its instruction, stored in English), by the
    # kind of change undone.
    UNDO_TEXTS = {
        "lesson": _("Undo: rewrite a lesson of %(date)s"),
        "quiz": _("Undo: rewrite a quiz of %(date)s"),
        "module": _("Undo: rewrite a module of %(date)s"),
        "add_lesson": _("Undo: add a lesson of %(date)s"),
        "add_module": _("Undo: add a module of %(date)s"),
    }

    @property
    def shown_instruction(self) -> str:
        """The instruction; an undo's (Athena's words) in the reader's language
        when the change it undid is at hand (select_related("restores"))."""
        undone = self._state.fields_cache.get("restores")
        if self.kind != self.Kind.RESTORE or undone is None or undone.kind not in self.UNDO_TEXTS:
            return self.instruction
        when = date_format(timezone.localtime(undone.created_at), "d M H:i")
        return str(self.UNDO_TEXTS[undone.kind]) % {"date": when}

    @property
    def shown_error_reason(self) -> str:
        """Why it failed, in the reader's language (stored in English)."""
        return shown(self.error_reason)
