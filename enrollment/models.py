"""Who learns what: enrollments (the `user_courses` table of the schema Athena's data
comes from) and each learner's progress. See docs/data-model.md."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from courses.models import Activity, Course, Lesson


class Enrollment(models.Model):
    enrollment_id = models.BigAutoField(primary_key=True)
    # Both columns lead an index below: none of their own.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="enrollments",
        db_index=False,
        verbose_name=_("user"),
    )
    course = models.ForeignKey(
        Course,
        on_delete=models.CASCADE,
        related_name="enrollments",
        db_index=False,
        verbose_name=pgettext_lazy("field", "course"),
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), default=timezone.now)
    last_accessed_at = models.DateTimeField(_("last accessed at"), default=timezone.now)

    class Meta:
        db_table = "user_courses"
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["-last_accessed_at", "-enrollment_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course"], name="user_courses_unique_user_course"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-last_accessed_at"], name="user_courses_recent_idx"),
            models.Index(fields=["course", "enrolled_at"], name="user_courses_course_idx"),
            # Trending courses: recent enrollments and recent learner activity.
            models.Index(fields=["enrolled_at"], name="user_courses_enrolled_idx"),
            models.Index(fields=["last_accessed_at"], name="user_courses_accessed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.course}"


class LessonCompletion(models.Model):
    """A learner marked a lesson done. Kept across unenrollment, gone with the lesson."""

    user = models.ForeignKey(  # leads the unique constraint's index
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="lesson_completions",
        db_index=False,
        verbose_name=_("user"),
    )
    lesson = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, related_name="completions", verbose_name=_("lesson")
    )
    completed_at = models.DateTimeField(_("completed at"), default=timezone.now)

    class Meta:
        db_table = "lesson_completions"
        verbose_name = _("lesson completion")
        verbose_name_plural = _("lesson completions")
        ordering = ["-completed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "lesson"], name="lesson_completions_unique_user_lesson"
            ),
        ]
        indexes = [models.Index(fields=["completed_at"], name="lesson_completions_date_idx")]

    def __str__(self) -> str:
        return f"{self.user} completed {self.lesson}"


class QuizAttempt(models.Model):
    """One answer a learner submitted to a quiz; a correct one completes the quiz."""

    # Both columns lead an index below: none of their own, one fewer index to
    # write on every answer a learner submits.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="quiz_attempts",
        db_index=False,
        verbose_name=_("user"),
    )
    activity = models.ForeignKey(
        Activity,
        on_delete=models.CASCADE,
        related_name="attempts",
        db_index=False,
        verbose_name=_("activity"),
    )
    chosen_option = models.PositiveSmallIntegerField(
        _("chosen option"), help_text=_("1-based option number")
    )
    is_correct = models.BooleanField(_("is correct"))
    attempted_at = models.DateTimeField(_("attempted at"), default=timezone.now)

    class Meta:
        db_table = "quiz_attempts"
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        ordering = ["-attempted_at", "-id"]
        indexes = [
            models.Index(fields=["user", "activity", "is_correct"], name="quiz_attempts_user_idx"),
            models.Index(fields=["activity", "is_correct"], name="quiz_attempts_activity_idx"),
            models.Index(fields=["attempted_at"], name="quiz_attempts_date_idx"),
        ]

    def __str__(self) -> str:
        verdict = "right" if self.is_correct else "wrong"
        return f"{self.user} answered {self.activity} ({verdict})"


class ResumePoint(models.Model):
    """The last lesson or quiz a learner opened in a course: where Resume goes.

    Kept across unenrollment so re-enrolling resumes; an item deleted by staff
    clears it (Resume then falls back to Next up)."""

    user = models.ForeignKey(  # leads the unique constraint's index
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="resume_points",
        db_index=False,
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="resume_points")
    lesson = models.ForeignKey(
        Lesson, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    activity = models.ForeignKey(
        Activity, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    visited_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "resume_points"
        verbose_name = _("resume point")
        verbose_name_plural = _("resume points")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course"], name="resume_points_unique_user_course"
            ),
        ]
        indexes = [models.Index(fields=["visited_at"], name="resume_points_visited_idx")]

    def __str__(self) -> str:
        return f"{self.user} in {self.course}"


class CourseReport(Course):
    """Course statistics for staff: enrolled, started, finished, quiz success rates."""

    class Meta:
        proxy = True
        verbose_name = _("course report")
        verbose_name_plural = _("course reports")


class ProblemReport(models.Model):
    """A learner's flag on a lesson or quiz (a wrong answer, something unclear,
    a typo): open until an editor marks it resolved."""

    class Kind(models.TextChoices):
        WRONG_ANSWER = "wrong_answer", _("The answer marked right is wrong")
        UNCLEAR = "unclear", _("Something is unclear")
        TYPO = "typo", _("A typo or a broken sentence")
        OTHER = "other", _("Something else")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="problem_reports",
        verbose_name=_("user"),
    )
    course = models.ForeignKey(
        Course,
        on_delete=models.CASCADE,
        related_name="problem_reports",
        db_index=False,
        verbose_name=pgettext_lazy("field", "course"),
    )
    lesson = models.ForeignKey(
        Lesson,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="problem_reports",
        verbose_name=_("lesson"),
    )
    activity = models.ForeignKey(
        Activity,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="problem_reports",
        verbose_name=_("activity"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("resolved by"),
    )

    class Meta:
        db_table = "problem_reports"
        verbose_name = _("problem report")
        verbose_name_plural = _("problem reports")
        ordering = ["-created_at", "-id"]
        indexes = [
            # A course's open reports (the admin's list, the course report).
            models.Index(fields=["course", "resolved_at"], name="problem_course_open_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.item}"

    @property
    def item(self) -> Lesson | Activity | None:
        return self.lesson or self.activity


class CourseRating(models.Model):
    """A learner's stars (1-5) and optional word on a course they finished or
    left: one each, changed by rating again. The course keeps the count and
    total (Course.rating_count, rating_total) for its cards."""

    STARS_MIN, STARS_MAX = 1, 5

    user = models.ForeignKey(  # leads the unique constraint's index
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="course_ratings",
        db_index=False,
    )
    course = models.ForeignKey(  # leads the index below
        Course, on_delete=models.CASCADE, related_name="ratings", db_index=False
    )
    stars = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(STARS_MIN), MaxValueValidator(STARS_MAX)]
    )
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "course_ratings"
        verbose_name = _("course rating")
        verbose_name_plural = _("course ratings")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="course_ratings_unique"),
            models.CheckConstraint(
                condition=models.Q(stars__gte=1, stars__lte=5), name="course_ratings_stars_1_5"
            ),
        ]
        indexes = [
            # A course's ratings, newest first (the course report).
            models.Index(fields=["course", "-updated_at"], name="course_ratings_course_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} rated {self.course} {self.stars}/5"


class ReviewItem(models.Model):
    """A quiz the learner missed on the first try, coming back on a spaced
    schedule (`REVIEW_INTERVALS`): due a day after the miss, then 3 and 7
    days after each right answer on the Review page; a wrong one starts
    again at a day; a right one at the last step retires it (mastered).

    Only answers on the Review page move the schedule: the quiz page still
    teaches (and records attempts) without touching it."""

    # Leads the unique constraint's index and the due index: none of its own.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="review_items",
        db_index=False,
    )
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="review_items")
    # How many right review answers in a row: an index into REVIEW_INTERVALS.
    step = models.PositiveSmallIntegerField(default=0)
    # When it comes back; None once mastered.
    due_at = models.DateTimeField(null=True, blank=True)
    missed_at = models.DateTimeField(default=timezone.now)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    mastered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "review_items"
        verbose_name = _("review item")
        verbose_name_plural = _("review items")
        ordering = [models.F("due_at").asc(nulls_last=True), "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "activity"], name="review_items_unique_user_activity"
            ),
        ]
        indexes = [
            # "Due now" for a learner: their items by due date.
            models.Index(fields=["user", "due_at"], name="review_items_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} reviews {self.activity}"

    @property
    def mastered(self) -> bool:
        return self.due_at is None

    def is_due(self, now: datetime) -> bool:
        return self.due_at is not None and self.due_at <= now
