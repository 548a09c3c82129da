"""Learner-facing pages: home, catalog, course, module, lesson and quiz.

Every page runs a fixed number of queries whatever the size of the catalog or
the course: the course and its outline come from its row (courses.outline), the
item sequence from `Course.ordered_items()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import BadRequest
from django.core.paginator import Page, Paginator
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import ngettext
from django.views.generic import DetailView, ListView, TemplateView

from athena.pagecache import public_page
from courses import selectors
from courses.models import (
    PREFERENCE_CHOICES,
    Activity,
    Course,
    Duration,
    Focus,
    Lesson,
    Level,
    Module,
)
from courses.outline import course_outline, keep_item, kept_item
from courses.search import parse_search, search_snippets, search_suggestions
from enrollment.progress import LearnerState, learner_state
from enrollment.ratelimit import WINDOW_SECONDS, quiz_submission_allowed
from enrollment.services import (
    NotAnOption,
    QuizOutcome,
    learner_visit,
    quiz_answer,
)

CATALOG_PAGE_SIZE = 24
# The catalog counts and pages through at most this many results: a bounded
# COUNT and OFFSET at any catalog size. Past it, learners refine their search.
CATALOG_RESULT_CAP = 1200


class PublicPageMixin:
    """For a page that is the same for every visitor without a session: it
    says so (athena.pagecache.public_page), so the page cache may keep it for
    them. A signed-in person's page is their own: `Cache-Control: private`
    (athena.middleware.PrivatePagesMiddleware) keeps it out of shared caches."""

    request: HttpRequest

    def is_public(self, context: dict[str, Any]) -> bool:
        return not self.request.user.is_authenticated

    def render_to_response(self, context: dict[str, Any], **response_kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **response_kwargs)
        if self.is_public(context):
            public_page(response)
        return response


class HomeView(PublicPageMixin, TemplateView):
    template_name = "courses/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        shelves = selectors.home_shelves(user=self.request.user)
        return {
            **super().get_context_data(**kwargs),
            "continue_learning": shelves.continue_learning,
            "trending_courses": shelves.trending_courses,
            "trending_modules": shelves.trending_modules,
            "newest_courses": shelves.newest_courses,
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


class CappedPaginator(Paginator):
    """Pages through at most `cap` objects, counting at most `cap + 1` rows of
    `counted` (the same rows without the sort's joins): a bounded COUNT and
    OFFSET whatever the size of the table."""

    def __init__(
        self, object_list: QuerySet, per_page: int, *, cap: int, counted: QuerySet, **kwargs: Any
    ) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap
        self.counted = counted

    @cached_property
    def found(self) -> int:
        return self.counted.order_by()[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self.found, self.cap)

    @property
    def capped(self) -> bool:
        """Whether more objects matched than the paginator pages through."""
        return self.found > self.cap


class CatalogView(PublicPageMixin, ListView):
    """The published courses, searched, filtered and sorted as the query string
    says, a page at a time over at most CATALOG_RESULT_CAP results.

    Public (stored for visitors) only at its canonical addresses: filters and
    a page number, each valid, in the order the page's own links write them.
    A search, the popular order (live enrollment counts) or any other query
    string is rendered for each request, so what is stored is bounded by the
    filters' combinations, not by what visitors type."""

    template_name = "courses/course_list.html"
    context_object_name = "courses"
    paginate_by = CATALOG_PAGE_SIZE

    def get_queryset(self) -> QuerySet[Course]:
        self.form = CatalogForm(self.request.GET)
        self.wanted = self.form.cleaned()
        query = self.wanted["q"]
        # Words naming a preference ("python beginner") filter instead of
        # being searched for; a filter chosen in its select wins over them.
        self.parsed = parse_search(query)
        self.preferences = {
            name: self.wanted[name] or self.parsed.preferences.get(name, "")
            for name in PREFERENCE_CHOICES
        }
        self.sort = self.wanted["sort"] or ("relevance" if query else "newest")
        self.form.data = self.form.data.copy()
        self.form.data["sort"] = self.sort  # the select shows the order actually used
        self.matching = Course.objects.published().with_preference(**self.preferences)
        if self.parsed.text:
            self.matching = self.matching.search(self.parsed.text)
        # Without search words there is no relevance: newest first.
        return _catalog_order(
            self.matching,
            sort=self.sort if (self.parsed.text or self.sort != "relevance") else "newest",
        )

    def get_paginator(
        self, queryset: QuerySet[Course], per_page: int, **kwargs: Any
    ) -> CappedPaginator:
        return CappedPaginator(
            queryset, per_page, cap=CATALOG_RESULT_CAP, counted=self.matching, **kwargs
        )

    def paginate_queryset(
        self, queryset: QuerySet[Course], page_size: int
    ) -> tuple[Paginator, Page, list[Course], bool]:
        paginator, page, courses, is_paginated = super().paginate_queryset(queryset, page_size)
        page.object_list = list(courses)  # one query, shared by the page and the template
        return paginator, page, page.object_list, is_paginated

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        paginator: CappedPaginator = context["paginator"]
        courses: list[Course] = context["courses"]
        if self.parsed.text and courses:
            # Which module, lesson or quiz matched: one query for the page.
            snippets = search_snippets(
                text=self.parsed.text, course_ids=[course.pk for course in courses]
            )
            for course in courses:
                course.search_match = snippets.get(course.pk)
        query = self.wanted["q"]
        return {
            **context,
            "form": self.form,
            "query": query,
            "sort": self.sort,
            "filtered": any(self.wanted[name] for name in ("q", "level", "duration", "focus")),
            "heading": catalog_heading(
                total=paginator.count,
                capped=paginator.capped,
                preferences=self.preferences,
                text=self.parsed.text,
            ),
            "suggestions": (
                search_suggestions(self.parsed.text or query)
                if query and paginator.count == 0
                else []
            ),
            "show_enrollments": self.sort == "popular",
            "total": paginator.count,
            "total_capped": paginator.capped,
            "page_count": paginator.num_pages,
        }

    def is_public(self, context: dict[str, Any]) -> bool:
        # Enrollment counts (the popular order) change with every enrollment.
        if self.wanted["q"] or self.sort == "popular" or not super().is_public(context):
            return False
        wanted = [(name, self.wanted[name]) for name in ("level", "duration", "focus", "sort")]
        page: Page = context["page_obj"]
        number = [("page", page.number)] if page.number > 1 else []
        canonical = urlencode([(name, value) for name, value in wanted if value] + number)
        return self.request.META.get("QUERY_STRING", "") == canonical


# How the catalog's heading names each preference value, as an adjective.
PREFERENCE_ADJECTIVES = {"medium": "medium-length"}


def catalog_heading(*, total: int, capped: bool, preferences: dict[str, str], text: str) -> str:
    """What the catalog shows, in words: "All courses" unfiltered, else e.g.
    "12 short beginner courses matching “python”"."""
    adjectives = [
        PREFERENCE_ADJECTIVES.get(value, value)
        for value in (preferences.get(name) for name in ("duration", "focus", "level"))
        if value
    ]
    if not adjectives and not text:
        return "All courses"
    described = " ".join([*adjectives, ngettext("course", "courses", total)])
    if capped:
        number = f"More than {total}"
    elif total == 0:
        number = "No"
    else:
        number = str(total)
    matching = f" matching “{text}”" if text else ""
    return f"{number} {described}{matching}"


def _catalog_order(courses: QuerySet[Course], *, sort: str) -> QuerySet[Course]:
    if sort == "relevance":
        return courses.order_by(F("search_rank").desc(), "-created_at", "-course_id")
    if sort == "popular":
        return courses.with_enrollment_count().order_by(
            "-enrollment_count", "-created_at", "-course_id"
        )
    return courses.order_by("-created_at", "-course_id")


def record_learner_visit_context(
    request: HttpRequest,
    course: Course,
    item: Lesson | Activity | None = None,
    state: LearnerState | None = None,
) -> dict[str, Any]:
    """The learner's enrollment and progress for a course page. Writes: records
    an enrolled learner's visit (last access, resume point at `item`). One query
    to read (none with the learner's `state` already read); none at all for
    anonymous visitors."""
    progress = learner_visit(user=request.user, course=course, item=item, state=state)
    return {"progress": progress, "completed_keys": progress.completed_keys}


class CourseDetailView(PublicPageMixin, DetailView):
    template_name = "courses/course_detail.html"
    pk_url_kwarg = "course_id"
    context_object_name = "course"

    def get_object(self, queryset: QuerySet | None = None) -> Course:
        course = course_outline(course_id=self.kwargs["course_id"], user=self.request.user)
        if course is None:
            raise Http404("No such course.")
        return course

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        items = self.object.ordered_items()
        return {
            **super().get_context_data(**kwargs),
            **record_learner_visit_context(self.request, self.object),
            "first_item": items[0] if items else None,
        }


class CourseOutlineMixin(PublicPageMixin):
    """What the module, lesson and quiz pages share: the course the URL names
    with its outline (drafts for staff only), the module within it, the lesson
    or quiz within that, where the page sits in the course, and the learner's
    progress (recording an enrolled learner's visit). Any of them not where the
    URL says is a 404.

    Mixed into a DetailView whose `model` is the page's item: `get_object` reads
    it whole (content too) from the URL's module, the one query past the outline."""

    request: HttpRequest
    kwargs: dict[str, Any]

    @cached_property
    def course(self) -> Course:
        course = course_outline(course_id=self.kwargs["course_id"], user=self.request.user)
        if course is None:
            raise Http404("No such course.")
        return course

    @cached_property
    def module(self) -> Module:
        for module in self.course.outline_modules():
            if module.pk == self.kwargs["module_id"]:
                return module
        raise Http404("No such module in this course.")

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().filter(module_id=self.module.pk)

    def get_object(self, queryset: QuerySet | None = None) -> Any:
        key = (self.model._meta.label, self.kwargs[self.pk_url_kwarg])
        item = kept_item(self.course, key)
        if item is None or item.module_id != self.module.pk:
            item = super().get_object(queryset)
            item.module = self.module  # the outline's module, with its course
            keep_item(self.course, key, item)
        return item

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        item = self.object if isinstance(self.object, Lesson | Activity) else None
        context = {
            **super().get_context_data(**kwargs),
            **record_learner_visit_context(
                self.request, self.course, item, getattr(self, "state_read", None)
            ),
            "course": self.course,
            "module": self.module,
        }
        if item is not None:
            position = self.course.item_position(item)
            context.update(
                current_key=item.key,
                previous_item=position.previous,
                next_item=position.next,
                position=position.number,
                item_count=position.count,
            )
        return context


class ModuleDetailView(CourseOutlineMixin, DetailView):
    template_name = "courses/module_detail.html"
    context_object_name = "module"

    def get_object(self, queryset: QuerySet | None = None) -> Module:
        return self.module  # in the outline already: no query

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        modules = self.course.outline_modules()
        index = modules.index(self.module)
        return {
            **context,
            "module_progress": context["progress"].modules[index],
            "module_position": index + 1,
            "module_count": len(modules),
            "previous_module": modules[index - 1] if index > 0 else None,
            "next_module": modules[index + 1] if index + 1 < len(modules) else None,
        }


class LessonDetailView(CourseOutlineMixin, DetailView):
    model = Lesson
    pk_url_kwarg = "lesson_id"
    template_name = "courses/lesson_detail.html"
    context_object_name = "lesson"

    def get_queryset(self) -> QuerySet[Lesson]:
        # The page shows the HTML stored with the lesson (`Lesson.html`).
        return super().get_queryset().defer("content")


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


class ActivityDetailView(CourseOutlineMixin, DetailView):
    """The quiz as a form; a POST checks the chosen option on the server and
    says right or wrong, revealing the correct option only as the course allows."""

    model = Activity
    pk_url_kwarg = "activity_id"
    template_name = "courses/activity_detail.html"
    context_object_name = "activity"
    http_method_names = ["get", "head", "post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        if not str(request.POST.get("option", "")).strip():
            # Sent without a choice (the browser's own check bypassed or absent):
            # the quiz again, saying what is missing, rather than an error page.
            context = self.get_context_data(missing_answer=True)
            return self.render_to_response(context, status=HTTPStatus.BAD_REQUEST)
        if not quiz_submission_allowed(request=request, activity_id=self.object.pk):
            response = render(
                request,
                "courses/quiz_rate_limited.html",
                {"activity": self.object, "limit": settings.ATHENA_QUIZ_ATTEMPTS_PER_MINUTE},
                status=HTTPStatus.TOO_MANY_REQUESTS,
            )
            response["Retry-After"] = str(WINDOW_SECONDS)
            return response
        # Read once, before the answer (whether it is stored follows the
        # enrollment), and brought up to date with it for the page.
        state = learner_state(user=request.user, course_id=self.course.pk)
        try:
            outcome = quiz_answer(
                user=request.user,
                activity=self.object,
                option_number=posted_option_number(request.POST.get("option")),
                enrolled=state.is_enrolled,
            )
        except NotAnOption:
            raise BadRequest("That is not one of the quiz's options.") from None
        if outcome.attempt is not None and outcome.correct:
            state.completed_keys.add(self.object.key)  # passed, shown at once
        self.state_read = state
        return self.render_to_response(self.get_context_data(outcome=outcome))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        outcome: QuizOutcome | None = kwargs.pop("outcome", None)
        context = super().get_context_data(**kwargs)
        activity: Activity = self.object
        # A learner who has ever answered correctly may always see the answer.
        passed = activity.key in context["completed_keys"]
        revealed = passed or (
            outcome is not None and answer_revealed(course=self.course, correct=outcome.correct)
        )
        revealed_option = activity.answer if revealed else None
        options = quiz_options(activity, outcome=outcome, revealed_option=revealed_option)
        return {
            **context,
            "options": options,
            "submitted": outcome is not None,
            "passed": passed,
            "chosen": options[outcome.chosen - 1] if outcome else None,
            "correct": outcome.correct if outcome else None,
            # The right option (its letter and text), only once the learner may see it.
            "revealed_option": options[revealed_option - 1] if revealed_option else None,
        }


@dataclass(frozen=True)
class QuizOption:
    """One option of the quiz form as the learner sees it after their answer."""

    number: int
    text: str
    chosen: bool = False  # the learner's answer (ticked again)
    correct: bool = False  # the learner's answer, and right
    wrong: bool = False  # the learner's answer, and not right
    revealed: bool = False  # the right answer, which the learner did not choose, shown

    @property
    def letter(self) -> str:
        """A, B, C...: how the page labels the option and how feedback names it."""
        return chr(ord("A") + self.number - 1)


def quiz_options(
    activity: Activity, *, outcome: QuizOutcome | None, revealed_option: int | None
) -> list[QuizOption]:
    """The quiz's options with their state; `revealed_option` is the right
    option's number when the course's policy lets the learner see it."""
    chosen = outcome.chosen if outcome else None
    return [
        QuizOption(
            number=number,
            text=text,
            chosen=number == chosen,
            correct=number == chosen and outcome.correct,
            wrong=number == chosen and not outcome.correct,
            revealed=number != chosen and number == revealed_option,
        )
        for number, text in enumerate(activity.options, start=1)
    ]
