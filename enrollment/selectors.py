"""Reads that span a learner's enrollments: the dashboard and quiz results."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber

from courses.models import Activity, Course, visible_courses
from courses.outline import course_outlines
from enrollment.models import (
    Enrollment,
    LessonCompletion,
    QuizAttempt,
    ResumePoint,
    ReviewItem,
)
from enrollment.progress import (
    CourseProgress,
    course_progress,
    finished,
    learner_states,
    percent,
)


@dataclass
class DashboardRow:
    enrollment: Enrollment
    progress: CourseProgress

    @property
    def course(self) -> Course:
        return self.enrollment.course

    @property
    def completed(self) -> int:
        return self.progress.completed

    @property
    def total(self) -> int:
        return self.progress.total

    @property
    def percent(self) -> int:
        return self.progress.percent

    @property
    def finished(self) -> bool:
        return self.progress.finished


def completed_item_counts(
    *, lessons: QuerySet[LessonCompletion], quizzes: QuerySet[QuizAttempt], per: str
) -> Counter:
    """Completed items (lessons marked done, quizzes answered correctly) counted
    per `per`: "user_id" or "module__course_id". Two grouped queries."""
    lesson_key = per if per == "user_id" else f"lesson__{per}"
    quiz_key = per if per == "user_id" else f"activity__{per}"
    counts = Counter(dict(lessons.order_by().values_list(lesson_key).annotate(done=Count("id"))))
    counts.update(
        dict(
            quizzes.filter(is_correct=True)
            .order_by()
            .values_list(quiz_key)
            .annotate(done=Count("activity_id", distinct=True))
        )
    )
    return counts


def dashboard_rows(*, user: Any, limit: int | None = None) -> list[DashboardRow]:
    """The learner's courses, most recently accessed first (the latest `limit`
    of them when given), each with its progress and where to continue.

    Three queries whatever the number of enrollments: the enrollments, the
    learner's completions and resume points, and the courses' rows, each with
    its stored outline (`course_outlines`)."""
    enrollments = Enrollment.objects.filter(
        visible_courses(user, path="course__"), user=user
    ).order_by("-last_accessed_at", "-enrollment_id")
    enrollments = list(enrollments[:limit] if limit else enrollments)
    if not enrollments:
        return []
    outlines = course_outlines([row.course_id for row in enrollments])
    states = learner_states(user=user, course_ids=list(outlines))
    rows = []
    for enrollment in enrollments:
        course = outlines.get(enrollment.course_id)
        if course is None:
            continue  # deleted since the enrollments were read
        enrollment.course = course
        state = states[enrollment.course_id]
        rows.append(
            DashboardRow(
                enrollment=enrollment, progress=course_progress(course=course, state=state)
            )
        )
    return rows


@dataclass
class QuizResult:
    activity: Activity
    attempts: int
    passed: bool
    first_try: bool


@dataclass
class QuizResults:
    quizzes: list[QuizResult]

    @property
    def total(self) -> int:
        return len(self.quizzes)

    @property
    def passed(self) -> int:
        return sum(result.passed for result in self.quizzes)

    @property
    def first_try(self) -> int:
        return sum(result.first_try for result in self.quizzes)

    @property
    def first_try_percent(self) -> int:
        return percent(self.first_try, self.total)

    @property
    def missed_first_try(self) -> int:
        """Quizzes answered wrong on the first try: the ones on the review schedule."""
        return sum(bool(result.attempts) and not result.first_try for result in self.quizzes)


def quiz_results(*, user: Any, course: Course) -> QuizResults:
    """Each quiz of the course in reading order with the learner's attempts: one query."""
    first_attempt = QuizAttempt.objects.filter(user=user, activity=OuterRef("pk")).order_by(
        "attempted_at", "id"
    )
    activities = (
        Activity.objects.filter(module__course=course)
        .select_related("module")
        .annotate(
            attempt_count=Count("attempts", filter=Q(attempts__user=user)),
            correct_count=Count(
                "attempts", filter=Q(attempts__user=user, attempts__is_correct=True)
            ),
            first_correct=Subquery(first_attempt.values("is_correct")[:1]),
        )
        .order_by("module__module_order", "display_order")
    )
    return QuizResults(
        quizzes=[
            QuizResult(
                activity=activity,
                attempts=activity.attempt_count,
                passed=activity.correct_count > 0,
                first_try=bool(activity.first_correct),
            )
            for activity in activities
        ]
    )


@dataclass
class QuizStatistic:
    activity: Activity
    attempts: int
    correct: int
    learners: int
    # Learners whose first answer was right, and who were right in the end:
    # the first attempt is what the quiz measures; later ones still teach.
    right_first: int = 0
    right_in_the_end: int = 0

    @property
    def success_rate(self) -> int:
        return percent(self.correct, self.attempts)

    @property
    def first_try_rate(self) -> int:
        return percent(self.right_first, self.learners)

    @property
    def eventual_rate(self) -> int:
        return percent(self.right_in_the_end, self.learners)


@dataclass
class CourseStatistics:
    enrolled: int
    started: int
    finished: int
    quizzes: list[QuizStatistic]


def course_statistics(*, course: Course) -> CourseStatistics:
    """Learner numbers of a course for staff: six queries whatever its size."""
    learners = Enrollment.objects.filter(course=course).values("user_id")
    enrolled = set(learners.values_list("user_id", flat=True))
    done = completed_item_counts(
        lessons=LessonCompletion.objects.filter(
            lesson__module__course=course, user_id__in=learners
        ),
        quizzes=QuizAttempt.objects.filter(activity__module__course=course, user_id__in=learners),
        per="user_id",
    )
    attempted = set(
        QuizAttempt.objects.filter(activity__module__course=course, user_id__in=learners)
        .order_by()
        .values_list("user_id", flat=True)
        .distinct()
    )
    counts = course.counts
    total = counts["lessons"] + counts["activities"]
    activities = (
        Activity.objects.filter(module__course=course)
        .select_related("module")
        .annotate(
            attempt_count=Count("attempts"),
            correct_count=Count("attempts", filter=Q(attempts__is_correct=True)),
            learner_count=Count("attempts__user", distinct=True),
            right_count=Count("attempts__user", filter=Q(attempts__is_correct=True), distinct=True),
        )
        .order_by("module__module_order", "display_order")
    )
    # Each learner's first answer to each quiz, and whether it was right.
    first_answers = (
        QuizAttempt.objects.filter(activity__module__course=course)
        .annotate(
            place=Window(
                RowNumber(),
                partition_by=[F("user_id"), F("activity_id")],
                order_by=[F("attempted_at").asc(), F("id").asc()],
            )
        )
        .filter(place=1)  # (a filter on the rows themselves would apply before numbering)
        .values_list("activity_id", "is_correct")
    )
    right_first = Counter(activity_id for activity_id, correct in first_answers if correct)
    return CourseStatistics(
        enrolled=len(enrolled),
        started=len(enrolled & (set(done) | attempted)),
        finished=sum(finished(done[user_id], total) for user_id in enrolled),
        quizzes=[
            QuizStatistic(
                activity=activity,
                attempts=activity.attempt_count,
                correct=activity.correct_count,
                learners=activity.learner_count,
                right_first=right_first[activity.pk],
                right_in_the_end=activity.right_count,
            )
            for activity in activities
        ],
    )


def trending_module_ids(*, since: datetime, limit: int) -> list[int]:
    """Modules of published courses with the most learners active in them since
    `since` (completing lessons, answering quizzes, opening items), the most
    recently active first among equals. One query."""
    published = Course.Status.PUBLISHED

    def per_module(queryset: Any, module: str, at: str) -> Any:
        return (
            queryset.order_by()
            .annotate(activity_module=module)
            .exclude(activity_module=None)
            .values_list("activity_module")
            .annotate(learners=Count("user_id", distinct=True), last=Max(at))
        )

    rows = per_module(
        LessonCompletion.objects.filter(
            completed_at__gte=since, lesson__module__course__status=published
        ),
        F("lesson__module_id"),
        "completed_at",
    ).union(
        per_module(
            QuizAttempt.objects.filter(
                attempted_at__gte=since, activity__module__course__status=published
            ),
            F("activity__module_id"),
            "attempted_at",
        ),
        per_module(
            ResumePoint.objects.filter(visited_at__gte=since, course__status=published),
            Coalesce("lesson__module_id", "activity__module_id"),
            "visited_at",
        ),
        all=True,
    )
    score: dict[int, list[Any]] = {}
    for module_id, learners, last in rows:
        entry = score.setdefault(module_id, [0, last])
        entry[0] += learners
        entry[1] = max(entry[1], last)
    ranked = sorted(score.items(), key=lambda pair: (pair[1][0], pair[1][1]), reverse=True)
    return [module_id for module_id, _ in ranked[:limit]]


def review_items(*, user: Any, course: Course | None = None) -> list[ReviewItem]:
    """The learner's review schedule in the courses they are enrolled in and
    may see (in `course` only, when given), each with its quiz, module and
    course: the soonest due first, mastered ones last. One query whatever
    their number."""
    course_path = "activity__module__course__"
    items = ReviewItem.objects.filter(
        visible_courses(user, path=course_path),
        user=user,
        **{f"{course_path}enrollments__user": user},
    )
    if course is not None:
        items = items.filter(activity__module__course=course)
    return list(
        items.select_related("activity__module__course")
        # The course's row is read for its name and reveal policy only.
        .defer(
            *(
                f"{course_path}{name}"
                for name in (
                    "description",
                    "description_html",
                    "outline",
                    "metadata",
                    "preferences",
                )
            )
        )
        .order_by(F("due_at").asc(nulls_last=True), "pk")
    )
