"""The pages of a course as learners read and take it: the home page, the
course, module, lesson and quiz pages. Each shows the learner's progress and
records their visit (resume point, last access), so they live here, beside
the progress they write; the catalog is courses'.

Every page runs a fixed number of queries whatever the size of the catalog or
the course: the course and its outline come from its row (courses.outline),
the item sequence from `Course.ordered_items()`.
"""

from __future__ import annotations

import hmac
import random
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import cached_property
from django.views.generic import DetailView, TemplateView

from athena.cachecontrol import PublicPageMixin
from courses.models import Activity, Course, Lesson, Module
from courses.outline import CoursePage, course_outline, course_page
from enrollment.models import ProblemReport
from enrollment.progress import LearnerState, learner_state
from enrollment.ratelimit import WINDOW_SECONDS, quiz_submission_allowed
from enrollment.services import (
    NotAnOption,
    QuizOutcome,
    course_finish_check,
    learner_visit,
    quiz_answer,
)
from enrollment.shelves import TRENDING_DAYS, home_shelves


class HomeView(PublicPageMixin, TemplateView):
    template_name = "courses/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        shelves = home_shelves(user=self.request.user)
        return {
            **super().get_context_data(**kwargs),
            "continue_learning": shelves.continue_learning,
            "trending_courses": shelves.trending_courses,
            "trending_modules": shelves.trending_modules,
            "newest_courses": shelves.newest_courses,
            "trending_days": TRENDING_DAYS,
        }


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
        keys = self.object.item_keys()
        return {
            **super().get_context_data(**kwargs),
            **record_learner_visit_context(self.request, self.object),
            "first_item": self.object.outline_item(keys[0]) if keys else None,
            "writing_job_id": self.writing_job_id(),
        }

    def writing_job_id(self) -> int | None:
        """The request still writing this draft, when it is a generated course
        being written (its modules come as they are finished): one query, on
        such drafts only."""
        course = self.object
        if course.is_published or course.origin != Course.Origin.GENERATED:
            return None
        return (
            course.generation_jobs.filter(finished_at__isnull=True)
            .order_by("-created_at")
            .values_list("pk", flat=True)
            .first()
        )


class CourseOutlineMixin(PublicPageMixin):
    """What the module, lesson and quiz pages share: the course the URL names
    with its outline (drafts for staff only), the module within it, the lesson
    or quiz within that, where the page sits in the course, and the learner's
    progress (recording an enrolled learner's visit). Any of them not where the
    URL says is a 404.

    Mixed into a DetailView whose `model` is the page's item: it is read (content
    too, but `deferred_fields`) from the URL's module in the query that reads
    the course (`course_page`)."""

    request: HttpRequest
    kwargs: dict[str, Any]
    # The page's lesson or quiz model (DetailView's), none on a module page.
    model: type[Lesson | Activity] | None = None
    pk_url_kwarg: str
    # The page item's fields left unread (`page_rows`).
    deferred_fields: tuple[str, ...] = ()

    @cached_property
    def page(self) -> CoursePage:
        """The course and the page's item, read in one query (`course_page`)."""
        page = course_page(
            course_id=self.kwargs["course_id"],
            user=self.request.user,
            item_model=self.model,
            item_id=self.kwargs[self.pk_url_kwarg] if self.model else 0,
            module_id=self.kwargs["module_id"],
            defer=self.deferred_fields,
        )
        if page is None:
            raise Http404("No such course.")
        return page

    @cached_property
    def course(self) -> Course:
        return self.page.course

    @cached_property
    def module(self) -> Module:
        module = self.course.outline_module(self.kwargs["module_id"])
        if module is None:
            raise Http404("No such module in this course.")
        return module

    def get_object(self, queryset: QuerySet | None = None) -> Any:
        module = self.module
        item = self.page.item
        if item is None:
            raise Http404(f"No such {self.model._meta.verbose_name} in this module.")
        item.module = module  # the outline's module, with its course
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
                # "Report a problem" under it (signed-in learners).
                problem_kinds=ProblemReport.Kind.choices,
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

    # The page shows the HTML stored with the lesson (`Lesson.html`).
    deferred_fields = ("content",)


def posted_option_number(raw: Any) -> int:
    """The submitted option number, or BadRequest (a 400 page) for anything that
    is not a small whole number; whether it is one of the quiz's options is for
    `quiz_answer` to say."""
    # ASCII digits only: "²" is a digit to isdigit(), not to int().
    text = raw.strip() if isinstance(raw, str) else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 3:
        raise BadRequest("Choose one of the options.")
    return int(text)


def posted_option(activity: Activity, user: Any, raw: Any) -> int:
    """The option the learner chose: the form posts where the page showed it
    (the learner's own order, `option_order`), never the option's number in
    the quiz, which would show the author's order (the right answer is often
    first) to anyone reading the page's source. BadRequest for anything else;
    a position past the last option is refused by `quiz_answer`."""
    position = posted_option_number(raw)
    order = option_order(activity, user)
    return order[position - 1] if 1 <= position <= len(order) else 0


def answer_revealed(*, course: Course, correct: bool) -> bool:
    """Whether the course's reveal policy lets the learner see the right option
    after a submission that was `correct` (or not)."""
    if correct:
        return True
    return course.answer_reveal == Course.AnswerReveal.AFTER_ATTEMPT


class ActivityDetailView(CourseOutlineMixin, DetailView):
    """The quiz as a form; a learner's POST checks the chosen option on the
    server and says right or wrong, revealing the correct option only as the
    course allows. Anonymous visitors may choose an option but are never told
    whether it is right: the page invites them to log in or sign up."""

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
                option_number=posted_option(self.object, request.user, request.POST.get("option")),
                enrolled=state.is_enrolled,
                # Passed or under review: not a first answer (no query to find out).
                answered_before=self.object.key in state.completed_keys
                or self.object.key in state.review_due,
            )
        except NotAnOption:
            raise BadRequest("That is not one of the quiz's options.") from None
        if (
            outcome.attempt is not None
            and outcome.correct
            and self.object.key not in state.completed_keys
        ):
            state.completed_keys.add(self.object.key)  # passed, shown at once
            course_finish_check(user=request.user, course=self.course, state=state)
        self.state_read = state
        return self.render_to_response(self.get_context_data(outcome=outcome))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        outcome: QuizOutcome | None = kwargs.pop("outcome", None)
        context = super().get_context_data(**kwargs)
        activity: Activity = self.object
        # A learner who has ever answered correctly may always see the answer;
        # an unchecked answer (an anonymous visitor's) reveals nothing, whatever
        # the course's policy.
        passed = activity.key in context["completed_keys"]
        revealed = passed or (
            outcome is not None
            and outcome.correct is not None
            and answer_revealed(course=self.course, correct=outcome.correct)
        )
        revealed_option = activity.answer if revealed else None
        options = quiz_options(
            activity,
            outcome=outcome,
            revealed_option=revealed_option,
            order=option_order(activity, self.request.user),
        )
        by_number = {option.number: option for option in options}
        wrong = outcome is not None and outcome.correct is False
        return {
            **context,
            "options": options,
            "submitted": outcome is not None,
            "checked": outcome is not None and outcome.checked,
            "passed": passed,
            "chosen": by_number[outcome.chosen] if outcome else None,
            "correct": outcome.correct if outcome else None,
            # The right option (its letter and text), only once the learner may see it.
            "revealed_option": by_number[revealed_option] if revealed_option else None,
            # After a wrong answer: the lesson it tests, to read again.
            "lesson_before": self.lesson_before(activity) if wrong else None,
        }

    def lesson_before(self, activity: Activity) -> Lesson | None:
        """The lesson the quiz follows in the course (the nearest before it)."""
        keys = self.course.item_keys()
        index = keys.index(activity.key) if activity.key in keys else 0
        key = next((key for key in reversed(keys[:index]) if key.startswith("lesson:")), None)
        item = self.course.outline_item(key)
        return item if isinstance(item, Lesson) else None


@dataclass(frozen=True)
class QuizOption:
    """One option of the quiz form as the learner sees it after their answer."""

    number: int  # its number in the quiz: what the form posts and attempts record
    text: str
    position: int = 0  # where the page shows it, from 1
    feedback: str = ""  # what the quiz says to a learner who chose it
    chosen: bool = False  # the learner's answer (ticked again)
    correct: bool = False  # the learner's answer, and right
    wrong: bool = False  # the learner's answer, and not right
    revealed: bool = False  # the right answer, which the learner did not choose, shown

    @property
    def letter(self) -> str:
        """A, B, C... by where the page shows it: how the page labels the option
        and how feedback names it."""
        return chr(ord("A") + (self.position or self.number) - 1)


def option_order(activity: Activity, user: Any) -> list[int]:
    """The order a learner sees the quiz's options in: shuffled for each
    learner and quiz, the same every time they open it (language models tend
    to put the right answer first), the same for every visitor without an
    account. Attempts record the option itself (its number), never where it
    was shown."""
    numbers = list(range(1, len(activity.options) + 1))
    learner = user.pk if user.is_authenticated else 0
    seed = hmac.new(
        settings.SECRET_KEY.encode(), f"options:{learner}:{activity.pk}".encode(), "sha256"
    ).digest()
    random.Random(seed).shuffle(numbers)  # noqa: S311  (an order, not a secret: the seed is keyed)
    return numbers


def quiz_options(
    activity: Activity,
    *,
    outcome: QuizOutcome | None,
    revealed_option: int | None,
    order: list[int] | None = None,
) -> list[QuizOption]:
    """The quiz's options in the learner's `order` (the quiz's own without
    one) with their state; `revealed_option` is the right option's number
    when the course's policy lets the learner see it."""
    chosen = outcome.chosen if outcome else None
    texts, feedback = activity.options, activity.feedback
    return [
        QuizOption(
            number=number,
            text=texts[number - 1],
            position=position,
            feedback=feedback[number - 1] if len(feedback) == len(texts) else "",
            chosen=number == chosen,
            correct=number == chosen and outcome.correct is True,
            wrong=number == chosen and outcome.correct is False,
            revealed=number != chosen and number == revealed_option,
        )
        for position, number in enumerate(order or range(1, len(texts) + 1), start=1)
    ]
