"""Enrollment and progress actions, and the learner's dashboard."""

from __future__ import annotations

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from courses.models import Course, Lesson
from courses.outline import course_outline
from enrollment import selectors
from enrollment.forms import ProblemReportForm
from enrollment.models import Enrollment
from enrollment.pending import enroll_and_announce, enrollment_defer
from enrollment.progress import CourseProgress, course_progress, learner_state
from enrollment.services import (
    NotEnrolled,
    course_finish_check,
    enrollment_delete,
    lesson_complete,
    lesson_uncomplete,
    problem_report,
)


def _visible_course(request: HttpRequest, course_id: int) -> Course:
    return get_object_or_404(Course.objects.visible_to(request.user), pk=course_id)


@require_POST
def enroll(request: HttpRequest, course_id: int) -> HttpResponse:
    course = _visible_course(request, course_id)
    if not course.is_published:
        # Only staff see drafts, to edit them: there is nothing to learn in one yet.
        messages.info(request, "Drafts are not open for enrollment.")
        return redirect(course)
    if not request.user.is_authenticated:
        enrollment_defer(request=request, course=course)
        messages.info(request, f"Log in or sign up to enroll in {course.topic}.")
        return redirect_to_login(course.get_absolute_url())
    enroll_and_announce(request=request, user=request.user, course=course)
    return redirect(course)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def unenroll(request: HttpRequest, course_id: int) -> HttpResponse:
    """GET asks for confirmation; POST leaves the course (progress is kept)."""
    course = _visible_course(request, course_id)
    if not Enrollment.objects.filter(user=request.user, course=course).exists():
        messages.info(request, f"You are not enrolled in {course.topic}.")
        return redirect(course)
    if request.method == "POST":
        enrollment_delete(user=request.user, course=course)
        messages.success(
            request,
            f"You left {course.topic}. Your progress is kept: enroll again to pick up "
            "where you left off.",
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
        messages.success(
            request, f"You finished {course.topic}: your certificate is on the course page."
        )
    if request.POST.get("action") == "continue":
        following = course.item_position(lesson).next
        if following is not None:
            return redirect(following)
        messages.success(request, "That was the last item of the course.")
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
        messages.success(request, "You have completed every lesson and quiz of this course.")
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
    course = _course_with_outline(request, course_id)
    state = learner_state(user=request.user, course_id=course.pk)
    return course_progress(course=course, state=state)


@login_required
def course_results(request: HttpRequest, course_id: int) -> HttpResponse:
    """The learner's quiz results in a course."""
    course = _visible_course(request, course_id)
    results = selectors.quiz_results(user=request.user, course=course)
    # Whether the course is finished: the way to its certificate.
    progress = course_progress(
        course=course, state=learner_state(user=request.user, course_id=course.pk)
    )
    return render(
        request,
        "enrollment/course_results.html",
        {"course": course, "results": results, "progress": progress},
    )


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    rows = selectors.dashboard_rows(user=request.user)
    return render(
        request,
        "enrollment/dashboard.html",
        {
            "in_progress": [row for row in rows if not row.finished],
            "completed": [row for row in rows if row.finished],
        },
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
        messages.success(request, "Thank you: the course's editors will look at it.")
        return redirect(item)
    return render(
        request,
        "enrollment/report_problem.html",
        {"course": course, "form": form},
        status=HTTPStatus.BAD_REQUEST,
    )
