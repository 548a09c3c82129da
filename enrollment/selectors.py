"""Reads that span a learner's enrollments: the dashboard and quiz results."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, Max, Min, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Activity, Course, Lesson, visible_courses
from courses.outline import course_outlines, outline_documents
from enrollment.models import (
    CourseRating,
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
class OptionStatistic:
    """How many learners chose an option on their first answer to a quiz.
    `number` is the option's number in the quiz as written (what an attempt
    records), whatever place it was shown in."""

    number: int
    text: str
    chosen: int
    is_answer: bool
    # An option the quiz no longer has (edited since learners answered).
    removed: bool = False

    @property
    def label(self) -> str:
        if self.removed:
            return _("%(number)s. (option no longer in the quiz)") % {"number": self.number}
        return f"{self.number}. {self.text}"


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
    # Each option with the number of learners who chose it first, in the
    # quiz's own order.
    options: list[OptionStatistic] = field(default_factory=list)

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
class ItemStatistic:
    """One lesson or quiz of the course with how many learners completed it
    (lessons marked done, quizzes answered right at least once) and, for a
    quiz, how many answered it at all."""

    item: Lesson | Activity
    module_title: str
    completed: int
    answered: int | None = None

    @property
    def kind(self) -> str:
        return "lesson" if self.item.kind == "lesson" else "quiz"

    @property
    def label(self) -> str:
        if self.kind == "lesson":
            return _("Lesson: %(title)s") % {"title": self.item.title}
        return _("Quiz: %(title)s") % {"title": self.item.title}


@dataclass
class CourseStatistics:
    enrolled: int
    started: int
    finished: int
    quizzes: list[QuizStatistic]
    # Every lesson and quiz in reading order: the drop-off along the course.
    items: list[ItemStatistic] = field(default_factory=list)

    @property
    def has_learners(self) -> bool:
        """Anyone enrolled, or anyone who left having done something."""
        return bool(self.enrolled or any(item.completed or item.answered for item in self.items))


def _option_statistics(activity: Activity, chosen: Counter) -> list[OptionStatistic]:
    options = [
        OptionStatistic(
            number=number, text=text, chosen=chosen[number], is_answer=number == activity.answer
        )
        for number, text in enumerate(activity.options, start=1)
    ]
    options += [
        OptionStatistic(
            number=number, text="", chosen=chosen[number], is_answer=False, removed=True
        )
        for number in sorted(chosen)
        if number > len(options) and chosen[number]
    ]
    return options


def course_statistics(*, course: Course) -> CourseStatistics:
    """Learner numbers of a course for staff: seven queries whatever its size.

    Lesson completions and quiz answers are counted for every learner who has
    them, including learners who have since left the course (their history
    stays); the funnel (enrolled, started, finished) counts current learners."""
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
        .values_list("activity_id", "is_correct", "chosen_option")
    )
    right_first: Counter = Counter()
    first_choices: dict[int, Counter] = {}
    for activity_id, correct, option in first_answers:
        right_first[activity_id] += bool(correct)
        first_choices.setdefault(activity_id, Counter())[option] += 1
    lessons_done = dict(
        LessonCompletion.objects.filter(lesson__module__course=course)
        .order_by()
        .values_list("lesson_id")
        .annotate(done=Count("id"))
    )
    quizzes = [
        QuizStatistic(
            activity=activity,
            attempts=activity.attempt_count,
            correct=activity.correct_count,
            learners=activity.learner_count,
            right_first=right_first[activity.pk],
            right_in_the_end=activity.right_count,
            options=_option_statistics(activity, first_choices.get(activity.pk, Counter())),
        )
        for activity in activities
    ]
    return CourseStatistics(
        enrolled=len(enrolled),
        started=len(enrolled & (set(done) | attempted)),
        finished=sum(finished(done[user_id], total) for user_id in enrolled),
        quizzes=quizzes,
        items=_item_statistics(course, lessons_done, {quiz.activity.pk: quiz for quiz in quizzes}),
    )


def _item_statistics(
    course: Course, lessons_done: dict[int, int], quizzes: dict[int, QuizStatistic]
) -> list[ItemStatistic]:
    """The course's items in reading order, from its stored outline: no
    query (three for a row written round the services, which has none)."""
    if not (isinstance(course.outline, dict) and "modules" in course.outline):
        course.outline = outline_documents([course.pk])[course.pk]
    rows = []
    for module in course.outline_modules():
        for item in module.ordered_items():
            if item.kind == "lesson":
                rows.append(
                    ItemStatistic(
                        item=item, module_title=module.title, completed=lessons_done.get(item.pk, 0)
                    )
                )
                continue
            quiz = quizzes.get(item.pk)
            rows.append(
                ItemStatistic(
                    item=item,
                    module_title=module.title,
                    completed=quiz.right_in_the_end if quiz else 0,
                    answered=quiz.learners if quiz else 0,
                )
            )
    return rows


@dataclass
class WeekCount:
    """Items a learner completed in the week starting on Monday `start`."""

    start: date
    completed: int


def weekly_progress(*, user: Any, weeks: int = 12, today: date | None = None) -> list[WeekCount]:
    """The items `user` completed in each of the last `weeks` weeks (Monday to
    Sunday in the site's time zone), oldest first, this week last: lessons on
    the day they were marked done, quizzes on the day they were first answered
    right (a quiz counts once, however often it is answered again). One query."""
    today = today or timezone.localdate()
    first_monday = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    since = timezone.make_aware(datetime.combine(first_monday, time.min))
    lessons = (
        LessonCompletion.objects.filter(user=user, completed_at__gte=since)
        .order_by()
        .values_list("completed_at")
    )
    quizzes = (
        QuizAttempt.objects.filter(user=user, is_correct=True)
        .order_by()
        .values("activity_id")
        .annotate(first_right=Min("attempted_at"))
        .filter(first_right__gte=since)
        .values_list("first_right")
    )
    counts: Counter = Counter()
    for (at,) in lessons.union(quizzes, all=True):
        day = timezone.localtime(at).date()
        counts[(day - first_monday).days // 7] += 1
    return [
        WeekCount(start=first_monday + timedelta(weeks=week), completed=counts[week])
        for week in range(weeks)
    ]


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


# The course report shows this many of the latest comments.
RECENT_RATING_COMMENTS = 20


@dataclass
class RatingSummary:
    count: int
    total: int
    # How many learners gave each number of stars, 5 down to 1.
    by_stars: list[tuple[int, int]]
    comments: list[CourseRating]

    @property
    def average(self) -> float | None:
        return self.total / self.count if self.count else None


def course_ratings(*, course: Course) -> RatingSummary:
    """Learners' ratings of a course for staff (every rating, however few):
    two queries whatever their number."""
    given = dict(
        CourseRating.objects.filter(course=course)
        .order_by()
        .values_list("stars")
        .annotate(learners=Count("pk"))
    )
    comments = list(
        CourseRating.objects.filter(course=course)
        .exclude(comment="")
        .select_related("user")[:RECENT_RATING_COMMENTS]
    )
    stars_range = range(CourseRating.STARS_MAX, CourseRating.STARS_MIN - 1, -1)
    return RatingSummary(
        count=sum(given.values()),
        total=sum(stars * learners for stars, learners in given.items()),
        by_stars=[(stars, given.get(stars, 0)) for stars in stars_range],
        comments=comments,
    )


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
