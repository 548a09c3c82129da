"""Learner-facing pages: home, catalog, course, module, lesson and quiz.

Every page runs a fixed number of queries whatever the size of the catalog or
the course: the outline comes from `with_outline_titles()` (three queries), the
item sequence from `Course.ordered_items()`.
"""

from __future__ import annotations

import math
from typing import Any

from django import forms
from django.core.exceptions import BadRequest
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods
from django.views.generic import DetailView, TemplateView

from courses import selectors
from courses.models import Activity, Course, Duration, Focus, Lesson, Level, Module
from enrollment.services import NotAnOption, learner_visit, quiz_answer

CATALOG_PAGE_SIZE = 24
# The catalog counts and pages through at most this many results: a bounded
# COUNT and OFFSET at any catalog size. Past it, learners refine their search.
CATALOG_RESULT_CAP = 1200


class HomeView(TemplateView):
    template_name = "courses/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        newest = selectors.newest_courses()
        trending = selectors.trending_courses(fallback=newest)
        return {
            **super().get_context_data(**kwargs),
            "trending_courses": trending,
            "trending_modules": selectors.trending_modules(fallback=trending),
            "newest_courses": newest,
            "trending_days": selectors.TRENDING_DAYS,
        }


class CatalogForm(forms.Form):
    """The catalog's query string: search words, filters and sort order.
    Anything invalid is ignored (and said so), never an error page."""

    SORT_CHOICES = [
        ("relevance", "Best match"),
        ("newest", "Newest"),
        ("popular", "Most popular"),
    ]

    q = forms.CharField(label="Search courses", required=False, max_length=200, strip=True)
    level = forms.ChoiceField(
        label="Level", required=False, choices=[("", "Any level"), *Level.choices]
    )
    duration = forms.ChoiceField(
        label="Duration", required=False, choices=[("", "Any duration"), *Duration.choices]
    )
    focus = forms.ChoiceField(
        label="Focus", required=False, choices=[("", "Any focus"), *Focus.choices]
    )
    sort = forms.ChoiceField(label="Sort by", required=False, choices=SORT_CHOICES)

    def cleaned(self) -> dict[str, str]:
        """The valid values; invalid fields count as not given."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: "" if name in self.errors else (data.get(name) or "") for name in self.fields}


def catalog(request: HttpRequest) -> HttpResponse:
    form = CatalogForm(request.GET)
    wanted = form.cleaned()
    query = wanted["q"]
    sort = wanted["sort"] or ("relevance" if query else "newest")
    form.data = form.data.copy()
    form.data["sort"] = sort  # the select shows the order actually used
    courses = Course.objects.published().with_preference(
        level=wanted["level"], duration=wanted["duration"], focus=wanted["focus"]
    )
    if query:
        courses = courses.search(query)
    total = courses.order_by()[: CATALOG_RESULT_CAP + 1].count()
    page_count = max(1, math.ceil(min(total, CATALOG_RESULT_CAP) / CATALOG_PAGE_SIZE))
    page_number = _page_number(request.GET.get("page"), page_count)
    courses = _catalog_order(courses, sort=sort if (query or sort != "relevance") else "newest")
    offset = (page_number - 1) * CATALOG_PAGE_SIZE
    page = list(courses[offset : offset + CATALOG_PAGE_SIZE])
    filtered = any(wanted[name] for name in ("q", "level", "duration", "focus"))
    return render(
        request,
        "courses/course_list.html",
        {
            "form": form,
            "courses": page,
            "query": query,
            "sort": sort,
            "filtered": filtered,
            "total": min(total, CATALOG_RESULT_CAP),
            "total_capped": total > CATALOG_RESULT_CAP,
            "page_number": page_number,
            "page_count": page_count,
            "previous_query": _query_with(request, page=page_number - 1)
            if page_number > 1
            else None,
            "next_query": _query_with(request, page=page_number + 1)
            if page_number < page_count
            else None,
        },
    )


def _catalog_order(courses: QuerySet[Course], *, sort: str) -> QuerySet[Course]:
    if sort == "relevance":
        return courses.order_by(F("search_rank").desc(), "-created_at", "-course_id")
    if sort == "popular":
        return courses.with_enrolment_count().order_by(
            "-enrolment_count", "-created_at", "-course_id"
        )
    return courses.order_by("-created_at", "-course_id")


def _page_number(raw: str | None, page_count: int) -> int:
    if raw in (None, ""):
        return 1
    try:
        number = int(raw)
    except ValueError:
        raise Http404("That page does not exist.") from None
    if not 1 <= number <= page_count:
        raise Http404("That page does not exist.")
    return number


def _query_with(request: HttpRequest, **changes: Any) -> str:
    params = request.GET.copy()
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()


class CourseDetailView(DetailView):
    template_name = "courses/course_detail.html"
    pk_url_kwarg = "course_id"
    context_object_name = "course"

    def get_queryset(self) -> QuerySet[Course]:
        return Course.objects.visible_to(self.request.user).with_outline_titles()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        items = self.object.ordered_items()
        return {
            **super().get_context_data(**kwargs),
            **learner_context(self.request, self.object),
            "first_item": items[0] if items else None,
        }


def learner_context(
    request: HttpRequest, course: Course, item: Lesson | Activity | None = None
) -> dict[str, Any]:
    """The learner's enrollment and progress for a course page, recording the
    visit of an enrolled learner (one query; none for anonymous visitors)."""
    progress = learner_visit(user=request.user, course=course, item=item)
    return {"progress": progress, "completed_keys": progress.completed_keys}


def get_course_with_outline(request: HttpRequest, course_id: int) -> Course:
    """The course (drafts for staff only) with its outline prefetched, or 404."""
    course = (
        Course.objects.visible_to(request.user).with_outline_titles().filter(pk=course_id).first()
    )
    if course is None:
        raise Http404("No such course.")
    return course


def find_module(course: Course, module_id: int) -> Module:
    for module in course.modules.all():
        if module.pk == module_id:
            return module
    raise Http404("No such module in this course.")


def item_context(course: Course, module: Module, item: Lesson | Activity) -> dict[str, Any]:
    """Where an item sits in its course: previous and next across modules."""
    position = course.item_position(item)
    return {
        "course": course,
        "module": module,
        "current_key": item.key,
        "previous_item": position.previous,
        "next_item": position.next,
        "position": position.number,
        "item_count": position.count,
    }


def module_detail(request: HttpRequest, course_id: int, module_id: int) -> HttpResponse:
    course = get_course_with_outline(request, course_id)
    module = find_module(course, module_id)
    modules = list(course.modules.all())
    index = modules.index(module)
    learner = learner_context(request, course)
    return render(
        request,
        "courses/module_detail.html",
        {
            **learner,
            "module_progress": learner["progress"].modules[index],
            "course": course,
            "module": module,
            "current_module_id": module.pk,
            "module_position": index + 1,
            "module_count": len(modules),
            "previous_module": modules[index - 1] if index > 0 else None,
            "next_module": modules[index + 1] if index + 1 < len(modules) else None,
        },
    )


def _outline_item(module: Module, kind: str, item_id: int) -> Lesson | Activity:
    for item in module.ordered_items():
        if item.kind == kind and item.pk == item_id:
            return item
    raise Http404(f"No such {kind} in this module.")


def get_item(
    request: HttpRequest,
    course_id: int,
    module_id: int,
    model: type[Lesson | Activity],
    item_id: int,
) -> tuple[Course, Module, Lesson | Activity]:
    """The course (with its outline), the module and the whole item a URL names,
    or 404 when any of them is not where the URL says."""
    course = get_course_with_outline(request, course_id)
    module = find_module(course, module_id)
    _outline_item(module, model.kind, item_id)
    item = model.objects.filter(pk=item_id, module_id=module.pk).first()
    if item is None:  # deleted since the outline was read
        raise Http404("No such item in this module.")
    item.module = module
    return course, module, item


def lesson_detail(
    request: HttpRequest, course_id: int, module_id: int, lesson_id: int
) -> HttpResponse:
    course, module, lesson = get_item(request, course_id, module_id, Lesson, lesson_id)
    return render(
        request,
        "courses/lesson_detail.html",
        {
            **item_context(course, module, lesson),
            **learner_context(request, course, lesson),
            "lesson": lesson,
        },
    )


def posted_option_number(raw: Any) -> int:
    """The submitted option number, or BadRequest (a 400 page) for anything that
    is not a small whole number; whether it is one of the quiz's options is for
    `quiz_answer` to say."""
    if not isinstance(raw, str) or not raw.strip().isdigit() or len(raw.strip()) > 3:
        raise BadRequest("Choose one of the options.")
    return int(raw.strip())


def answer_revealed(*, course: Course, correct: bool) -> bool:
    """Whether the course's reveal policy lets the learner see the right option
    after a submission that was `correct` (or not)."""
    if correct:
        return True
    return course.answer_reveal == Course.AnswerReveal.AFTER_ATTEMPT


@require_http_methods(["GET", "HEAD", "POST"])
def activity_detail(
    request: HttpRequest, course_id: int, module_id: int, activity_id: int
) -> HttpResponse:
    """The quiz as a form; a POST checks the chosen option on the server and
    says right or wrong, revealing the correct option only as the course allows."""
    course, module, activity = get_item(request, course_id, module_id, Activity, activity_id)
    submitted = request.method == "POST"
    if submitted:
        try:
            outcome = quiz_answer(
                user=request.user,
                activity=activity,
                option_number=posted_option_number(request.POST.get("option")),
            )
        except NotAnOption:
            raise BadRequest("That is not one of the quiz's options.") from None
        chosen, correct = outcome.chosen, outcome.correct
    learner = learner_context(request, course, activity)
    # A learner who has ever answered correctly may always see the answer.
    passed = activity.key in learner["completed_keys"]
    context: dict[str, Any] = {
        **item_context(course, module, activity),
        **learner,
        "activity": activity,
        "options": list(enumerate(activity.options, start=1)),
        "submitted": submitted,
        "passed": passed,
        "revealed_option": activity.answer if passed else None,
    }
    if submitted:
        context.update(chosen=chosen, correct=correct)
        if answer_revealed(course=course, correct=correct):
            context["revealed_option"] = activity.answer
    return render(request, "courses/activity_detail.html", context)
