"""Writes on enrollment and progress, and the learner's actions (mark a lesson
done, answer a quiz) with their rules inside. Views, admin and signals call these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from courses.models import Activity, Course, Lesson
from enrollment.events import course_finished
from enrollment.models import (
    CourseRating,
    Enrollment,
    LessonCompletion,
    ProblemReport,
    QuizAttempt,
    ResumePoint,
    ReviewItem,
)
from enrollment.progress import (
    CourseProgress,
    LearnerState,
    course_progress,
    learner_progress,
    learner_state,
)

# last_accessed_at is written at most this often per enrollment.
TOUCH_INTERVAL = timedelta(minutes=1)


def enrollment_create(*, user: AbstractBaseUser, course: Course) -> tuple[Enrollment, bool]:
    """Enroll `user` in `course`; answer the enrollment and whether it is new.

    Safe against double clicks and parallel tabs: the database's unique
    constraint decides, and the loser of a race gets the winner's row."""
    try:
        with transaction.atomic():
            return Enrollment.objects.get_or_create(user=user, course=course)
    except IntegrityError:
        return Enrollment.objects.get(user=user, course=course), False


def enrollment_delete(*, user: AbstractBaseUser, course: Course) -> bool:
    """Unenroll. Completions, attempts and the resume point stay, so enrolling
    again picks up where the learner left off."""
    deleted, _ = Enrollment.objects.filter(user=user, course=course).delete()
    return bool(deleted)


def enrollment_touch(
    *,
    enrollment_id: int,
    user_id: int,
    last_accessed_at: datetime | None,
    now: datetime | None = None,
) -> bool:
    """Record that the learner opened the course, at most once a TOUCH_INTERVAL.

    `last_accessed_at` is what the caller already read, so a fresh enrollment
    costs no query at all; the UPDATE's condition guards against races."""
    now = now or timezone.now()
    if last_accessed_at is not None and now - last_accessed_at < TOUCH_INTERVAL:
        return False
    touched = Enrollment.objects.filter(
        pk=enrollment_id, user_id=user_id, last_accessed_at__lt=now - TOUCH_INTERVAL
    ).update(last_accessed_at=now)
    return bool(touched)


class NotEnrolled(Exception):
    """The learner's action needs an enrollment in the course, and there is none."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message or gettext("Enroll in the course to track your progress."))


class NotAnOption(ValueError):
    """The submitted number is not one of the quiz's options."""


@dataclass(frozen=True)
class QuizOutcome:
    """A submitted answer: checked for a learner (`correct`), stored (`attempt`)
    for a learner enrolled in the course; an anonymous visitor's is neither
    (`correct` and `attempt` None)."""

    chosen: int
    correct: bool | None
    attempt: QuizAttempt | None

    @property
    def checked(self) -> bool:
        return self.correct is not None


def _is_enrolled(*, user: AbstractBaseUser, module_id: int) -> bool:
    # One query, without loading the module: the item's course through its module.
    return Enrollment.objects.filter(user=user, course__modules=module_id).exists()


def _require_enrollment(*, user: AbstractBaseUser, lesson: Lesson) -> None:
    if not user.is_authenticated or not _is_enrolled(user=user, module_id=lesson.module_id):
        raise NotEnrolled


def lesson_complete(*, user: AbstractBaseUser, lesson: Lesson) -> bool:
    """Mark a lesson done; answer whether it was not done before.

    Raises NotEnrolled unless `user` is enrolled in the lesson's course: only
    enrolled learners track their progress."""
    _require_enrollment(user=user, lesson=lesson)
    try:
        with transaction.atomic():
            _, created = LessonCompletion.objects.get_or_create(user=user, lesson=lesson)
    except IntegrityError:
        return False
    return created


def lesson_uncomplete(*, user: AbstractBaseUser, lesson: Lesson) -> bool:
    """Mark a lesson not done (NotEnrolled as for `lesson_complete`)."""
    _require_enrollment(user=user, lesson=lesson)
    deleted, _ = LessonCompletion.objects.filter(user=user, lesson=lesson).delete()
    return bool(deleted)


def quiz_answer(
    *,
    user: AbstractBaseUser,
    activity: Activity,
    option_number: int,
    enrolled: bool | None = None,
    answered_before: bool = False,
) -> QuizOutcome:
    """Check a submitted answer on the server and, for a learner enrolled in the
    quiz's course, store the attempt. A learner not enrolled has the answer
    checked but not stored: progress is for enrolled learners only, as for
    lessons. An anonymous visitor's answer is not even checked (`correct`
    None): stored nowhere and limited only per minute, their checks would let
    anyone try every option first and then answer right as a learner, making
    first-try results meaningless. `enrolled` is whether `user` is enrolled in
    the quiz's course, when the caller has just read it (their learner state);
    without it, one query finds out.

    A wrong first answer puts the quiz on the learner's review schedule
    (`ReviewItem`), in the attempt's transaction; finding out whether a wrong
    answer is the first costs a query, unless the caller knows the learner
    `answered_before` (passed the quiz, or has it under review already).
    Answers here never move a schedule: only `review_answer` does.

    Raises NotAnOption for a number that is not one of the quiz's options. The
    user and the quiz come from the session and the URL, never from the form."""
    if not activity.has_option(option_number):
        raise NotAnOption(f"{option_number} is not an option of {activity}")
    if not user.is_authenticated:
        return QuizOutcome(chosen=option_number, correct=None, attempt=None)
    correct = option_number == activity.answer
    attempt = None
    if enrolled is None:
        enrolled = user.is_authenticated and _is_enrolled(user=user, module_id=activity.module_id)
    if enrolled and user.is_authenticated:
        attempt = _attempt_record(
            user=user,
            activity=activity,
            option_number=option_number,
            correct=correct,
            answered_before=answered_before,
        )
    return QuizOutcome(chosen=option_number, correct=correct, attempt=attempt)


def _attempt_record(
    *,
    user: AbstractBaseUser,
    activity: Activity,
    option_number: int,
    correct: bool,
    answered_before: bool,
) -> QuizAttempt:
    """Store an attempt; a wrong first one (the first attempt is what counts)
    also puts the quiz on the learner's review schedule, atomically."""
    first_miss = (
        not correct
        and not answered_before
        and not QuizAttempt.objects.filter(user=user, activity=activity).exists()
    )
    if not first_miss:
        return QuizAttempt.objects.create(
            user=user, activity=activity, chosen_option=option_number, is_correct=correct
        )
    with transaction.atomic():
        attempt = QuizAttempt.objects.create(
            user=user, activity=activity, chosen_option=option_number, is_correct=correct
        )
        # Two tabs answering at once: the unique constraint keeps one schedule.
        ReviewItem.objects.bulk_create(
            [review_item_for_miss(user=user, activity=activity, missed_at=attempt.attempted_at)],
            ignore_conflicts=True,
        )
    return attempt


# A missed quiz comes back this long after the miss, then after each right
# review answer in turn; a right answer at the last step masters it.
REVIEW_INTERVALS = (timedelta(days=1), timedelta(days=3), timedelta(days=7))


def review_item_for_miss(
    *, user: AbstractBaseUser, activity: Activity, missed_at: datetime
) -> ReviewItem:
    """The schedule of a quiz just missed on the first try (unsaved)."""
    return ReviewItem(
        user=user,
        activity=activity,
        step=0,
        due_at=missed_at + REVIEW_INTERVALS[0],
        missed_at=missed_at,
    )


def review_schedule_next(*, item: ReviewItem, correct: bool, now: datetime) -> None:
    """Move `item`'s schedule on after a review answer (unsaved): a right one
    brings it back after the next interval, or retires it (mastered) after
    the last; a wrong one starts again at the first."""
    item.reviewed_at = now
    if not correct:
        item.step, item.due_at, item.mastered_at = 0, now + REVIEW_INTERVALS[0], None
    elif item.step + 1 < len(REVIEW_INTERVALS):
        item.step += 1
        item.due_at = now + REVIEW_INTERVALS[item.step]
    else:
        item.step, item.due_at, item.mastered_at = len(REVIEW_INTERVALS), None, now


class NotDueForReview(Exception):
    """The question is not on the learner's review list, or not due yet (or
    answered already from another tab)."""


@dataclass(frozen=True)
class ReviewOutcome:
    """A review answer: checked and stored as an attempt (`outcome`), with
    the schedule it moved (`item`)."""

    outcome: QuizOutcome
    item: ReviewItem


@transaction.atomic
def review_answer(
    *, user: AbstractBaseUser, item: ReviewItem, option_number: int, now: datetime | None = None
) -> ReviewOutcome:
    """Answer a question due for review: the answer is stored as an attempt
    (it teaches like any other; the first attempt stays the one that counts)
    and moves the schedule (`review_schedule_next`), in one transaction.

    `item` is the learner's, as the caller read it (with its activity). The
    schedule's UPDATE is conditional on the due date read, so a second
    submission of the same form (another tab) raises NotDueForReview rather
    than moving the schedule twice; so does an item not due yet. Raises
    NotAnOption for a number that is not one of the quiz's options."""
    now = now or timezone.now()
    activity = item.activity
    if item.user_id != user.pk or not item.is_due(now):
        raise NotDueForReview
    if not activity.has_option(option_number):
        raise NotAnOption(f"{option_number} is not an option of {activity}")
    correct = option_number == activity.answer
    read_due_at = item.due_at
    review_schedule_next(item=item, correct=correct, now=now)
    moved = ReviewItem.objects.filter(pk=item.pk, due_at=read_due_at).update(
        step=item.step, due_at=item.due_at, reviewed_at=now, mastered_at=item.mastered_at
    )
    if not moved:
        raise NotDueForReview
    attempt = QuizAttempt.objects.create(
        user=user, activity=activity, chosen_option=option_number, is_correct=correct
    )
    return ReviewOutcome(
        outcome=QuizOutcome(chosen=option_number, correct=correct, attempt=attempt), item=item
    )


def course_finish_check(*, user: AbstractBaseUser, course: Course, state: LearnerState) -> bool:
    """After a learner completed an item of `course` (with its outline): when
    their `state`, read or brought up to date after the completion, leaves no
    item undone, announce it (`course_finished`: certificates issues theirs)
    and answer True. No query of its own; the listeners' are few."""
    if not state.is_enrolled or not course_progress(course=course, state=state).finished:
        return False
    course_finished.send(sender=Course, user=user, course=course)
    return True


def resume_point_set(
    *,
    user: AbstractBaseUser,
    course_id: int,
    item: Lesson | Activity,
    current_key: str | None,
) -> None:
    """Remember `item` as where the learner is in the course.

    Costs nothing when the learner reloads the same item (`current_key` is
    what the caller already read), one upsert when they move on."""
    if current_key == item.key:
        return
    # One INSERT ... ON CONFLICT DO UPDATE: no race between two tabs.
    ResumePoint.objects.bulk_create(
        [
            ResumePoint(
                user=user,
                course_id=course_id,
                lesson=item if isinstance(item, Lesson) else None,
                activity=item if isinstance(item, Activity) else None,
                visited_at=timezone.now(),
            )
        ],
        update_conflicts=True,
        unique_fields=["user", "course"],
        update_fields=["lesson", "activity", "visited_at"],
    )


def learner_visit(
    *,
    user: AbstractBaseUser,
    course: Course,
    item: Lesson | Activity | None = None,
    state: LearnerState | None = None,
) -> CourseProgress:
    """What a course page needs to know about its learner, recording the visit.

    One query reads the learner's state (none when the caller passes the
    `state` it read); an enrolled learner's visit touches `last_accessed_at`
    (at most once a minute) and moves the resume point to `item` (only when
    it changes). `course` comes with its outline (`Course.outline_modules`)."""
    if state is None:
        state = learner_state(user=user, course_id=course.pk)
    if state.is_enrolled:
        now = timezone.now()
        if enrollment_touch(
            enrollment_id=state.enrollment_id,
            user_id=user.pk,
            last_accessed_at=state.last_accessed_at,
            now=now,
        ):
            state.last_accessed_at = now
        if item is not None:
            resume_point_set(
                user=user, course_id=course.pk, item=item, current_key=state.resume_key
            )
            state.resume_key = item.key
    return course_progress(course=course, state=state)


@transaction.atomic
def quiz_attempts_reconcile(
    *, activity: Activity, previous_options: list[str], previous_answer: int
) -> int:
    """After a quiz's question or options were rewritten: keep each learner's
    recorded answer only while it is still the same option (the same text at
    the number chosen) and still as right or wrong as it was; clear the others
    (the learner answers again). Answers how many were cleared."""
    options, answer = activity.options, activity.answer
    unchanged = [
        number
        for number, text in enumerate(previous_options, start=1)
        if number <= len(options)
        and options[number - 1] == text
        and (number == previous_answer) == (number == answer)
    ]
    cleared, _ = (
        QuizAttempt.objects.filter(activity=activity).exclude(chosen_option__in=unchanged).delete()
    )
    return cleared


@transaction.atomic
def problem_report(
    *, user: AbstractBaseUser, item: Lesson | Activity, kind: str, comment: str = ""
) -> ProblemReport:
    """Flag a problem with a lesson or quiz for the course's editors. A
    learner's second flag on the same item while the first is open replaces
    what the first said (one open report each)."""
    target = {"lesson": item} if isinstance(item, Lesson) else {"activity": item}
    report, _ = ProblemReport.objects.update_or_create(
        user=user,
        resolved_at=None,
        **target,
        defaults={"course_id": item.module.course_id, "kind": kind, "comment": comment},
    )
    return report


def problem_reports_resolve(*, reports: Any, user: AbstractBaseUser) -> int:
    """Mark open reports resolved by `user`; answers how many."""
    return reports.filter(resolved_at=None).update(resolved_at=timezone.now(), resolved_by=user)


class NotRatable(Exception):
    """Only a learner who finished a course, or left it having started it, rates it."""


# Lazy: in the language of the request refused, not of the import.
NOT_RATABLE = gettext_lazy("You can rate a course once you have finished it, or after leaving it.")


def course_rate(*, user: AbstractBaseUser, course: Course, stars: int, comment: str = "") -> None:
    """Rate `course` (`stars` 1-5), or change the learner's rating, when the
    learner may (`CourseProgress.may_rate`, else NotRatable); the course's
    count and total follow in the same transaction.

    Ratings of one course are written one at a time (the course row is
    locked first), so the totals are recounted from what is committed and
    two learners rating at once both count."""
    progress = learner_progress(user=user, course=course)
    if not progress.may_rate:
        raise NotRatable(NOT_RATABLE)
    now = timezone.now()
    with transaction.atomic():
        Course.objects.select_for_update().filter(pk=course.pk).values_list("pk").first()
        # The lock makes the learner's own double click wait too: an update,
        # else an insert, with no race between them.
        said = {"stars": stars, "comment": comment, "updated_at": now}
        if not CourseRating.objects.filter(user=user, course=course).update(**said):
            CourseRating.objects.create(user=user, course=course, created_at=now, **said)
        totals = CourseRating.objects.filter(course=course).aggregate(
            count=Count("pk"), total=Sum("stars")
        )
        Course.objects.filter(pk=course.pk).update(
            rating_count=totals["count"], rating_total=totals["total"] or 0
        )
    course.rating_count, course.rating_total = totals["count"], totals["total"] or 0
