"""Enrollment and progress actions, and the learner's dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from courses.models import Course, Lesson
from courses.outline import course_outline
from enrollment import charts, selectors
from enrollment.forms import CourseRatingForm, ProblemReportForm
from enrollment.models import CourseRating, Enrollment, ReviewItem
from enrollment.pages import (
    QuizOption,
    answer_revealed,
    option_order,
    posted_option,
    quiz_options,
)
from enrollment.pending import enroll_and_announce, enrollment_defer
from enrollment.progress import CourseProgress, learner_progress, learner_state
from enrollment.ratelimit import WINDOW_SECONDS, quiz_submission_allowed
from enrollment.services import (
    NOT_RATABLE,
    NotAnOption,
    NotDueForReview,
    NotEnrolled,
    NotRatable,
    course_finish_check,
    course_rate,
    enrollment_delete,
    lesson_complete,
    lesson_uncomplete,
    problem_report,
    review_answer,
)


def _finished_message(course: Course) -> str:
    return _("You finished %(course)s: your certificate is on the course page.") % {
        "course": course.topic
    }


def _visible_course(request: HttpRequest, course_id: int) -> Course:
    return get_object_or_404(Course.objects.visible_to(request.user), pk=course_id)


@require_POST
def enroll(request: HttpRequest, course_id: int) -> HttpResponse:
    course = _visible_course(request, course_id)
    if not course.is_published:
        # Only staff see drafts, to edit them: there is nothing to learn in one yet.
        messages.info(request, _("Drafts are not open for enrollment."))
        return redirect(course)
    if not request.user.is_authenticated:
        enrollment_defer(request=request, course=course)
        messages.info(
            request, _("Log in or sign up to enroll in %(course)s.") % {"course": course.topic}
        )
        return redirect_to_login(course.get_absolute_url())
    enroll_and_announce(request=request, user=request.user, course=course)
    return redirect(course)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def unenroll(request: HttpRequest, course_id: int) -> HttpResponse:
    """GET asks for confirmation; POST leaves the course (progress is kept)."""
    course = _visible_course(request, course_id)
    if not Enrollment.objects.filter(user=request.user, course=course).exists():
        messages.info(request, _("You are not enrolled in %(course)s.") % {"course": course.topic})
        return redirect(course)
    if request.method == "POST":
        enrollment_delete(user=request.user, course=course)
        messages.success(
            request,
            _(
                "You left %(course)s. Your progress is kept: enroll again to pick up "
                "where you left off."
            )
            % {"course": course.topic},
        )
        return redirect(course)
    return render(request, "enrollment/enrollment_confirm_delete.html", {"course": course})


@login_required
@require_POST
def lesson_done(
    request: HttpRequest, course_id: int, module_id: int, lesson_id: int
) -> HttpResponse:
    """Mark a lesson done (or not done); "continue" goes on to the next item."""
    course = _course_with_outline(request, course_id)
    lesson = get_object_or_404(
        Lesson.objects.select_related("module"),
        pk=lesson_id,
        module_id=module_id,
        module__course_id=course.pk,
    )
    try:
        if request.POST.get("action") == "undo":
            lesson_uncomplete(user=request.user, lesson=lesson)
            return redirect(lesson)
        newly_done = lesson_complete(user=request.user, lesson=lesson)
    except NotEnrolled as refusal:
        raise PermissionDenied(str(refusal)) from None
    if newly_done and course_finish_check(
        user=request.user,
        course=course,
        state=learner_state(user=request.user, course_id=course.pk),
    ):
        messages.success(request, _finished_message(course))
    if request.POST.get("action") == "continue":
        following = course.item_position(lesson).next
        if following is not None:
            return redirect(following)
        messages.success(request, _("That was the last item of the course."))
        return redirect(course)
    return redirect(lesson)


@login_required
def resume(request: HttpRequest, course_id: int) -> HttpResponse:
    """Back to the last item visited, else the first not done, else the course."""
    progress = _progress(request, course_id)
    return redirect(progress.resume or progress.next_up or progress.course)


@login_required
def next_up(request: HttpRequest, course_id: int) -> HttpResponse:
    """The first item not yet completed; the course page once all are done."""
    progress = _progress(request, course_id)
    if progress.next_up is None:
        messages.success(request, _("You have completed every lesson and quiz of this course."))
        return redirect(progress.course)
    return redirect(progress.next_up)


def _course_with_outline(request: HttpRequest, course_id: int) -> Course:
    """The course and its outline as the course pages read it (kept by this
    process while the course is unchanged), or 404 for one `request.user`
    may not see."""
    course = course_outline(course_id=course_id, user=request.user)
    if course is None:
        raise Http404("No such course.")
    return course


def _progress(request: HttpRequest, course_id: int) -> CourseProgress:
    return learner_progress(user=request.user, course=_course_with_outline(request, course_id))


@login_required
def course_results(request: HttpRequest, course_id: int) -> HttpResponse:
    """The learner's quiz results in a course."""
    course = _visible_course(request, course_id)
    results = selectors.quiz_results(user=request.user, course=course)
    # Whether the course is finished: the way to its certificate.
    progress = learner_progress(user=request.user, course=course)
    return render(
        request,
        "enrollment/course_results.html",
        {"course": course, "results": results, "progress": progress},
    )


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    rows = selectors.dashboard_rows(user=request.user)
    weeks = selectors.weekly_progress(user=request.user) if rows else []
    return render(
        request,
        "enrollment/dashboard.html",
        {
            "in_progress": [row for row in rows if not row.finished],
            "completed": [row for row in rows if row.finished],
            "progress_weeks": weeks,
            "progress_chart": charts.weekly_progress_chart(weeks) if weeks else "",
            # Read with each course's progress: no query of its own.
            "reviews_due": sum(row.progress.reviews_due for row in rows),
        },
    )


@dataclass
class ReviewEntry:
    """A question on the Review page: due now (with its options, in the
    learner's order, to answer right there) or later, or mastered."""

    item: ReviewItem
    due: bool
    options: list[QuizOption]

    @property
    def activity(self) -> Any:
        return self.item.activity


@dataclass
class ReviewAnswered:
    """The question just answered on the Review page, as the quiz page would
    show it after an answer, with its new place on the schedule."""

    item: ReviewItem
    correct: bool
    chosen: QuizOption
    revealed_option: QuizOption | None

    @property
    def activity(self) -> Any:
        return self.item.activity


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def review(request: HttpRequest, course_id: int | None = None) -> HttpResponse:
    """The questions the learner missed on the first try (in one course, or
    in all of theirs), the ones due now first, to answer right here; the
    others with when they come back, or mastered. Four queries (five for a
    course), whatever the number of questions; an answer adds its writes."""
    course = _visible_course(request, course_id) if course_id is not None else None
    items = selectors.review_items(user=request.user, course=course)
    answered = None
    if request.method == "POST":
        result = _review_post(request, items)
        if isinstance(result, HttpResponse):
            return result
        answered = result
    now = timezone.now()
    order = {item.pk: index for index, item in enumerate(items)}
    # An answered question moved on: sort again (the soonest due, mastered last).
    items.sort(key=lambda item: (item.mastered, item.due_at or now, order[item.pk]))
    entries = [
        ReviewEntry(
            item=item,
            due=item.is_due(now),
            options=quiz_options(
                item.activity,
                outcome=None,
                revealed_option=None,
                order=option_order(item.activity, request.user),
            )
            if item.is_due(now)
            else [],
        )
        for item in items
    ]
    return render(
        request,
        "enrollment/review.html",
        {
            "course": course,
            "answered": answered,
            "due": [entry for entry in entries if entry.due],
            "later": [entry for entry in entries if not entry.due and not entry.item.mastered],
            "mastered": [entry for entry in entries if entry.item.mastered],
        },
    )


def _review_post(request: HttpRequest, items: list[ReviewItem]) -> ReviewAnswered | HttpResponse:
    """Answer one question due for review: what the page shows of it, or the
    answer to send instead (a question not due, the rate limit)."""
    raw = request.POST.get("activity", "")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise BadRequest("No such question.")
    activity_id = int(raw)
    item = next((item for item in items if item.activity_id == activity_id), None)
    if item is None or not item.is_due(timezone.now()):
        messages.info(request, _("That question is not due for review now: answered already?"))
        return redirect(request.path)
    if not str(request.POST.get("option", "")).strip():
        raise BadRequest("Choose an answer, then check it.")
    activity = item.activity
    if not quiz_submission_allowed(request=request, activity_id=activity.pk):
        response = render(
            request,
            "courses/quiz_rate_limited.html",
            {"activity": activity, "limit": settings.ATHENA_QUIZ_ATTEMPTS_PER_MINUTE},
            status=HTTPStatus.TOO_MANY_REQUESTS,
        )
        response["Retry-After"] = str(WINDOW_SECONDS)
        return response
    option_number = posted_option(activity, request.user, request.POST.get("option"))
    # Whether the quiz was done before, read before a right answer records it:
    # only the answer that completes it may finish the course.
    state = (
        learner_state(user=request.user, course_id=activity.module.course_id)
        if option_number == activity.answer
        else None
    )
    try:
        reviewed = review_answer(user=request.user, item=item, option_number=option_number)
    except NotAnOption:
        raise BadRequest("That is not one of the quiz's options.") from None
    except NotDueForReview:
        messages.info(request, _("That question is not due for review now: answered already?"))
        return redirect(request.path)
    outcome = reviewed.outcome
    course = activity.module.course
    if outcome.correct and state is not None and activity.key not in state.completed_keys:
        # A missed quiz answered right at last may be the course's last item.
        state.completed_keys.add(activity.key)
        outlined = course_outline(course_id=course.pk, user=request.user)
        if outlined is not None and course_finish_check(
            user=request.user, course=outlined, state=state
        ):
            messages.success(request, _finished_message(course))
    revealed = answer_revealed(course=course, correct=bool(outcome.correct))
    options = quiz_options(
        activity,
        outcome=outcome,
        revealed_option=activity.answer if revealed else None,
        order=option_order(activity, request.user),
    )
    by_number = {option.number: option for option in options}  # the letters shown
    return ReviewAnswered(
        item=reviewed.item,
        correct=bool(outcome.correct),
        chosen=by_number[outcome.chosen],
        revealed_option=by_number[activity.answer] if revealed else None,
    )


@login_required
@require_POST
def report_problem(request: HttpRequest, course_id: int) -> HttpResponse:
    """Flag a problem with a lesson or quiz of the course: back to it with
    thanks; a form with errors comes back with them."""
    course = _visible_course(request, course_id)
    form = ProblemReportForm(request.POST, course=course)
    if form.is_valid():
        item = form.cleaned_data["item"]
        problem_report(
            user=request.user,
            item=item,
            kind=form.cleaned_data["kind"],
            comment=form.cleaned_data["comment"],
        )
        messages.success(request, _("Thank you: the course's editors will look at it."))
        return redirect(item)
    return render(
        request,
        "enrollment/report_problem.html",
        {"course": course, "form": form},
        status=HTTPStatus.BAD_REQUEST,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def rate(request: HttpRequest, course_id: int) -> HttpResponse:
    """Rate a course finished or left (1-5 stars, a word): the form, filled
    with the learner's rating if they rated it before; posting saves it."""
    course = _course_with_outline(request, course_id)
    if request.method == "POST":
        form = CourseRatingForm(request.POST)
        if form.is_valid():
            try:
                course_rate(
                    user=request.user,
                    course=course,
                    stars=form.cleaned_data["stars"],
                    comment=form.cleaned_data["comment"],
                )
            except NotRatable as refusal:
                return _not_ratable(request, course, refusal)
            messages.success(
                request, _("Thank you for rating %(course)s.") % {"course": course.topic}
            )
            return redirect(course)
        return render(
            request,
            "enrollment/rate_course.html",
            {"course": course, "form": form},
            status=HTTPStatus.BAD_REQUEST,
        )
    progress = learner_progress(user=request.user, course=course)
    if not progress.may_rate:
        return _not_ratable(request, course, NotRatable(NOT_RATABLE))
    rating = CourseRating.objects.filter(user=request.user, course=course).first()
    return render(
        request,
        "enrollment/rate_course.html",
        {"course": course, "form": CourseRatingForm.for_rating(rating), "rating": rating},
    )


def _not_ratable(request: HttpRequest, course: Course, refusal: NotRatable) -> HttpResponse:
    return render(
        request,
        "enrollment/rate_course.html",
        {"course": course, "refusal": refusal},
        status=HTTPStatus.FORBIDDEN,
    )
