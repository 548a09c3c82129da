"""The learner's side of course generation: ask for a course, watch it being
built, list one's requests, try a failed one again.

No view waits for the model: asking queues a job for the worker and redirects
to its status page at once."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import BadRequest
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import LearnerProfile
from courses.models import DEFAULT_PREFERENCES, Activity, Course, Lesson, Module
from generation.forms import (
    GenerationRequestForm,
    RevisionForm,
    RewriteForm,
    edited_plan,
    plan_forms,
)
from generation.llm import llm_settings_configured
from generation.models import GenerationJob, Rewrite
from generation.rewrite import NotRestorable, course_rewritable_by, rewrite_restore
from generation.schemas import CoursePlan
from generation.selectors import (
    build_allowance,
    module_states,
    modules_ready,
    similar_published_courses,
    waiting_label,
)
from generation.services import (
    GenerationLimitReached,
    generation_job_cancel,
    generation_job_fail_if_stale,
    generation_plan_approve,
    generation_plan_revise,
    generation_plan_save,
    generation_request,
    generation_retry,
    rewrite_fail_if_stale,
    rewrite_request,
)
from generation.wording import shown

# "My requests" shows this many of the newest jobs.
JOB_LIST_SIZE = 50


def _profile_preferences(user: Any) -> dict[str, str]:
    if not user.is_authenticated:
        return dict(DEFAULT_PREFERENCES)
    profile = LearnerProfile.objects.filter(user=user).first()
    return {**DEFAULT_PREFERENCES, **(profile.preferences if profile else {})}


# What a link may fill the form in with (the catalog's "Build a course on ...",
# a visitor's form carried through logging in).
PREFILLED = ("topic", "level", "duration", "focus", "language")


def _prefilled(request: HttpRequest) -> dict[str, str]:
    """What the link fills in: the topic, and the choices that are choices."""
    fields = GenerationRequestForm.base_fields
    return {
        key: value[:200]
        for key in PREFILLED
        if isinstance(value := request.GET.get(key), str)
        and value.strip()
        and (key == "topic" or value in dict(fields[key].choices))
    }


@require_http_methods(["GET", "HEAD", "POST"])
def generation_new(request: HttpRequest) -> HttpResponse:
    """The form, open to everyone. A first POST whose topic the catalog already
    covers shows those courses ("These may already be what you want") with a
    button to build anyway; otherwise the job is queued and the learner sees
    its status page. A visitor's valid form sends them to log in (or sign up)
    and back to the form, filled in as they left it."""
    configured = llm_settings_configured()
    suggestions = []
    if request.method == "POST" and configured:
        form = GenerationRequestForm(request.POST)
        if form.is_valid() and not request.user.is_authenticated:
            kept = {key: form.cleaned_data[key] for key in PREFILLED if form.cleaned_data.get(key)}
            messages.info(request, _("Log in or sign up to build your course: your topic is kept."))
            return redirect_to_login(f"{request.path}?{urlencode(kept)}")
        if form.is_valid():
            fields = form.request_fields
            if "confirm" not in request.POST:
                suggestions = similar_published_courses(
                    **fields, language=form.cleaned_data["language"]
                )
            if not suggestions:
                try:
                    job = generation_request(
                        user=request.user,
                        review_plan=form.cleaned_data["review_plan"],
                        language=form.cleaned_data["language"],
                        **fields,
                    )
                except GenerationLimitReached as limit:
                    form.add_error(None, limit.message)
                else:
                    messages.success(
                        request,
                        _("Your course “%(topic)s” is queued. This page follows it.")
                        % {"topic": job.topic},
                    )
                    return redirect(job)
    else:
        form = GenerationRequestForm(
            initial=_profile_preferences(request.user) | _prefilled(request)
        )
    signed_in = request.user.is_authenticated
    return render(
        request,
        "generation/generation_form.html",
        {
            "form": form,
            "configured": configured,
            "suggestions": suggestions,
            "allowance": build_allowance(user=request.user) if configured and signed_in else None,
        },
    )


def _own_job(request: HttpRequest, job_id: int, *, work: bool = True) -> GenerationJob:
    """The requester's own job, or 404: nobody reads another learner's requests.
    `work=False` leaves the runs' kept work (plan, units) unread."""
    jobs = GenerationJob.objects.select_related("course")
    if not work:
        jobs = jobs.defer(*GenerationJob.WORK_FIELDS)
    job = get_object_or_404(jobs, pk=job_id, requester=request.user)
    if generation_job_fail_if_stale(job):
        job.refresh_from_db()
    return job


@login_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = list(
        GenerationJob.objects.filter(requester=request.user)
        .select_related("course")
        .defer(*GenerationJob.WORK_FIELDS)[:JOB_LIST_SIZE]
    )
    for job in jobs:
        if generation_job_fail_if_stale(job):
            job.refresh_from_db()
    return render(request, "generation/job_list.html", {"jobs": jobs, "limit": JOB_LIST_SIZE})


@never_cache
@login_required
@require_GET
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _own_job(request, job_id)
    context: dict[str, Any] = {"job": job, "label": _label(job)}
    if job.state == GenerationJob.State.REVIEW:
        plan_form, formset = plan_forms(_plan_of(job), duration=job.duration)
        context.update(plan_form=plan_form, formset=formset, revision_form=RevisionForm())
    else:
        # Each module's state, the ready ones linked: read while the rest is written.
        context.update(modules=module_states(job), modules_ready=modules_ready(job.course))
    return render(request, "generation/job_detail.html", context)


def _label(job: GenerationJob) -> str:
    if job.state == GenerationJob.State.QUEUED:
        return waiting_label(job)
    return shown(job.stage_label)


def _plan_of(job: GenerationJob) -> CoursePlan:
    return CoursePlan.model_validate(job.plan)


@login_required
@require_POST
def job_plan(request: HttpRequest, job_id: int) -> HttpResponse:
    """The plan under review, as the learner edited it: saved ("save"),
    approved for writing ("approve"), or sent to the model with an instruction
    ("revise"). Forms with errors come back with them, nothing lost."""
    job = _own_job(request, job_id)
    if job.state != GenerationJob.State.REVIEW:
        messages.info(request, _("This plan is not waiting for your review any more."))
        return redirect(job)
    action = request.POST.get("action")
    if action not in ("save", "approve", "revise"):
        raise BadRequest(_("Choose what to do with the plan."))
    previous = _plan_of(job)
    plan_form, formset = plan_forms(previous, duration=job.duration, data=request.POST)
    revision_form = RevisionForm(request.POST if action == "revise" else None)
    valid = plan_form.is_valid() and formset.is_valid()
    if action == "revise":
        valid = revision_form.is_valid() and valid
    if not valid:
        return render(
            request,
            "generation/job_detail.html",
            {
                "job": job,
                "plan_form": plan_form,
                "formset": formset,
                "revision_form": revision_form,
            },
            status=HTTPStatus.BAD_REQUEST,
        )
    plan = edited_plan(previous, plan_form, formset)
    if action == "save":
        generation_plan_save(job=job, plan=plan)
        messages.success(request, _("Your changes to the plan are saved."))
    elif action == "approve":
        generation_plan_approve(job=job, plan=plan)
        messages.success(request, _("Plan approved: Athena is writing your course."))
    else:
        generation_plan_revise(
            job=job, plan=plan, instruction=revision_form.cleaned_data["instruction"]
        )
        messages.success(request, _("Athena is revising the plan as you asked."))
    return redirect(job)


@login_required
@require_POST
def job_cancel(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _own_job(request, job_id)
    if generation_job_cancel(job=job):
        messages.success(request, _("You cancelled “%(topic)s”.") % {"topic": job.topic})
    else:
        messages.info(request, _("This request had finished already."))
    return redirect(job)


@never_cache
@login_required
@require_GET
def job_status(request: HttpRequest, job_id: int) -> JsonResponse:
    """What the status page's script polls (twice a second at first: the kept work,
    tens of kilobytes, stays unread)."""
    job = _own_job(request, job_id, work=False)
    return JsonResponse(
        {
            "state": job.state,
            "state_label": job.get_state_display(),
            "stage": job.stage,
            "label": _label(job),
            "percent": job.percent,
            "finished": job.is_finished,
            # The page shows the plan to review: the script reloads it.
            "review": job.state == GenerationJob.State.REVIEW,
            "course_url": job.course.get_absolute_url() if job.course else None,
            # A module became readable: the script reloads the page to link it.
            "modules_ready": modules_ready(job.course),
            "error": shown(job.error_reason),
        }
    )


@login_required
@require_POST
def job_retry(request: HttpRequest, job_id: int) -> HttpResponse:
    """ "Try again": the same request as a new job, within the usual limits."""
    job = _own_job(request, job_id)
    if job.state != GenerationJob.State.FAILED:
        messages.info(request, _("Only a failed request can be tried again."))
        return redirect(job)
    # A second click (or a second tab) follows the retry the first one queued
    # instead of being refused as "already building another course".
    # (A retry waiting for its plan's review is on its way too.)
    earlier = job.retries.in_progress().order_by("-created_at").first()
    if earlier is not None:
        messages.info(
            request,
            _("Your course “%(topic)s” is already being tried again.") % {"topic": earlier.topic},
        )
        return redirect(earlier)
    try:
        retry = generation_retry(job=job)
    except GenerationLimitReached as limit:
        messages.error(request, limit.message)
        return redirect(job)
    messages.success(
        request, _("Trying again: your course “%(topic)s” is queued.") % {"topic": retry.topic}
    )
    return redirect(retry)


# Changing one part of a generated course.

REWRITE_DONE_LATER = {
    "lesson": gettext_lazy("Athena is rewriting this lesson: it changes here when it is done."),
    "quiz": gettext_lazy("Athena is rewriting this quiz: it changes here when it is done."),
    "module": gettext_lazy("Athena is rewriting this module's lessons and quizzes."),
    "add_lesson": gettext_lazy("Athena is writing the new lesson: it appears after this one."),
    "add_module": gettext_lazy("Athena is writing the new module: it appears after this one."),
}


def _rewritable_course(
    request: HttpRequest, course_id: int, courses: QuerySet[Course] | None = None
) -> Course:
    """A course the user may change this way, or 404 (never 403: a learner's
    draft is not known to others); read from `courses` (all of it by default)."""
    courses = Course.objects.all() if courses is None else courses
    course = get_object_or_404(courses.visible_to(request.user), pk=course_id)
    if not course_rewritable_by(course, request.user):
        raise Http404(_("No such course."))
    return course


def _target(course: Course, key: str) -> Module | Lesson | Activity:
    kind, _sep, pk = key.partition(":")
    if kind == "module":
        return get_object_or_404(Module, course=course, pk=pk)
    model = Lesson if kind == "lesson" else Activity
    return get_object_or_404(model.objects.select_related("module"), module__course=course, pk=pk)


@login_required
@require_POST
def rewrite_new(request: HttpRequest, course_id: int) -> HttpResponse:
    """Queue a change of one part of the course (the worker makes it); a form
    with errors, or one a limit refused, comes back with them, nothing lost."""
    course = _rewritable_course(request, course_id)
    form = RewriteForm(request.POST)
    target = None
    if form.is_valid():
        target = _target(course, form.cleaned_data["target"])
        kind = form.cleaned_data["kind"]
        try:
            rewrite_request(
                user=request.user,
                course=course,
                kind=kind,
                instruction=form.cleaned_data["instruction"],
                **{type(target).__name__.lower(): target},
            )
        except GenerationLimitReached as limit:
            form.add_error(None, limit.message)
        else:
            messages.success(request, str(REWRITE_DONE_LATER[kind]))
            return redirect(target)
    return render(
        request,
        "generation/rewrite_form.html",
        {"course": course, "form": form, "target": target},
        status=HTTPStatus.BAD_REQUEST,
    )


@login_required
@require_POST
def rewrite_undo(request: HttpRequest, rewrite_id: int) -> HttpResponse:
    rewrite = get_object_or_404(Rewrite.objects.select_related("course"), pk=rewrite_id)
    course = _rewritable_course(request, rewrite.course_id)
    try:
        rewrite_restore(rewrite=rewrite, user=request.user)
    except NotRestorable as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Undone: the version before that change is back."))
    if rewrite.kind == Rewrite.Kind.ADD_MODULE:
        return redirect(course)  # the module added is gone
    target = rewrite.lesson or rewrite.activity or rewrite.module
    return redirect(target or course)


@never_cache
@login_required
@require_GET
def rewrite_status(request: HttpRequest, rewrite_id: int) -> JsonResponse:
    """What a changed page's script polls until the change is made: who may
    see it first, so nobody else's poll writes anything; the stale check
    writes only for a change overdue."""
    rewrite = get_object_or_404(
        Rewrite.objects.only("state", "course_id", "created_at"), pk=rewrite_id
    )
    _rewritable_course(request, rewrite.course_id, courses=Course.objects.for_cards())
    rewrite_fail_if_stale(rewrite=rewrite)
    return JsonResponse({"state": rewrite.state, "finished": rewrite.is_finished})
