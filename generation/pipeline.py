"""The staged course generation pipeline.

plan -> outline each module -> write each lesson (a module's lessons concurrently,
bounded) -> write each quiz from the lesson it follows -> assemble the course
document -> validate it with the one validator -> save it in one transaction.

Every answer is parsed and validated; an unusable one is sent back to the model with
the problems found, a bounded number of times (ATHENA_LLM_MAX_REPAIRS). The whole
run has a time budget (ATHENA_GENERATION_TIME_BUDGET). Nothing is saved unless
every stage succeeded; a failure raises `GenerationFailed`.

Worker threads only talk to the model: no database work happens in them, and
progress is reported from the calling thread.
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.db import transaction
from pydantic import BaseModel, ValidationError

from courses.documents import CourseSpec, DocumentError, validate_document
from courses.models import Course
from courses.services import course_import
from generation import prompts
from generation.llm import AnswerError, Completion, LLMClient, LLMError, extract_json
from generation.llm import llm_settings_configured as llm_settings_configured
from generation.schemas import (
    STAGE_MODELS,
    CoursePlan,
    LessonDraft,
    ModuleOutline,
    ModulePlan,
    OutlineItem,
    QuizDraft,
    strict_schema,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

STAGES = ("planning", "outlining", "writing_lessons", "writing_quizzes", "checking", "saving")
# The progress stage each kind of model call belongs to.
STAGE_OF_CALL = {
    "plan": "planning",
    "outline": "outlining",
    "lesson": "writing_lessons",
    "quiz": "writing_quizzes",
}
UNUSABLE_ANSWER = "The model kept answering with a course we could not use."
OUT_OF_TIME = "Writing the course took longer than the time allowed."
NOT_CONFIGURED = "Course generation is not set up: no model server is configured."
TOPIC_MIN_LENGTH, TOPIC_MAX_LENGTH = 3, 200
EXCERPT_LENGTH = 1000

Answer = TypeVar("Answer", bound=BaseModel)


@dataclass(frozen=True)
class CourseRequest:
    topic: str
    level: str
    duration: str
    focus: str

    @property
    def preferences(self) -> prompts.Preferences:
        return prompts.Preferences(level=self.level, duration=self.duration, focus=self.focus)


@dataclass(frozen=True)
class Progress:
    stage: str
    label: str
    percent: int


@dataclass(frozen=True)
class StageUsage:
    stage: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    attempts: int


class GenerationFailed(Exception):
    """The run stopped at `stage`: `reason` in plain words for the learner, `detail`
    for staff, `usage` what was spent until then."""

    def __init__(
        self, stage: str, reason: str, detail: str = "", usage: list[StageUsage] | None = None
    ) -> None:
        super().__init__(reason)
        self.stage = stage
        self.reason = reason
        self.detail = detail or reason
        self.usage: list[StageUsage] = usage or []


@dataclass(frozen=True)
class GenerationResult:
    course: Course
    usage: list[StageUsage]
    model: str
    seconds: float

    @property
    def prompt_tokens(self) -> int:
        return sum(stage.prompt_tokens for stage in self.usage)

    @property
    def completion_tokens(self) -> int:
        return sum(stage.completion_tokens for stage in self.usage)


def clean_topic(topic: str) -> str:
    """The topic trimmed, or ValueError saying in plain words what is wrong with it."""
    cleaned = " ".join(topic.split()) if isinstance(topic, str) else ""
    if any(unicodedata.category(char) == "Cc" for char in topic):
        raise ValueError("The topic must not contain control characters.")
    if not TOPIC_MIN_LENGTH <= len(cleaned) <= TOPIC_MAX_LENGTH:
        raise ValueError(
            f"The topic must be {TOPIC_MIN_LENGTH} to {TOPIC_MAX_LENGTH} characters long."
        )
    return cleaned


# Bookkeeping: usage per stage, and progress.


class _Meter:
    """Usage per stage, added to from several threads."""

    def __init__(self, model: str) -> None:
        self.model = model
        self._lock = threading.Lock()
        self._stages: dict[str, dict[str, float]] = {}

    def add(self, stage: str, completion: Completion | None, attempts: int, seconds: float) -> None:
        with self._lock:
            totals = self._stages.setdefault(
                stage, {"prompt": 0, "completion": 0, "seconds": 0.0, "attempts": 0}
            )
            if completion is not None:
                self.model = completion.model or self.model
                totals["prompt"] += completion.prompt_tokens
                totals["completion"] += completion.completion_tokens
            totals["seconds"] += seconds
            totals["attempts"] += attempts

    def usage(self) -> list[StageUsage]:
        with self._lock:
            return [
                StageUsage(
                    stage=stage,
                    model=self.model,
                    prompt_tokens=int(totals["prompt"]),
                    completion_tokens=int(totals["completion"]),
                    seconds=round(totals["seconds"], 3),
                    attempts=int(totals["attempts"]),
                )
                for stage, totals in sorted(self._stages.items(), key=_stage_order)
            ]


def _stage_order(item: tuple[str, Any]) -> int:
    return STAGES.index(item[0]) if item[0] in STAGES else len(STAGES)


class _Reporter:
    """Calls the progress callback with a percent that never goes back."""

    def __init__(self, callback: Callable[[Progress], None] | None) -> None:
        self.callback = callback
        self.percent = 0

    def __call__(self, stage: str, label: str, percent: float) -> None:
        self.percent = max(self.percent, min(100, int(percent)))
        if self.callback is not None:
            self.callback(Progress(stage=stage, label=label, percent=self.percent))


# The course as it is being written.


@dataclass
class _ModuleDraft:
    plan: ModulePlan
    outline: ModuleOutline | None = None
    # Written items by their position in the outline.
    written: dict[int, LessonDraft | QuizDraft] = field(default_factory=dict)

    def positions(self, kind: str) -> list[int]:
        items = self.outline.items if self.outline else []
        return [index for index, item in enumerate(items) if item.kind == kind]

    def lesson_before(self, quiz: OutlineItem) -> LessonDraft:
        """The written lesson a quiz follows (checked to exist by the outline)."""
        lessons = self.positions("lesson")
        lesson = self.written[lessons[(quiz.follows_lesson or 1) - 1]]
        assert isinstance(lesson, LessonDraft)  # noqa: S101  (the outline said so)
        return lesson


@dataclass
class _CourseDraft:
    request: CourseRequest
    plan: CoursePlan
    modules: list[_ModuleDraft]

    def document(self) -> dict[str, Any]:
        """The course document (the shape of courses/demo/*.json)."""
        return {
            "topic": self.plan.title,
            "description": _course_description(self.plan),
            "preferences": self.request.preferences.as_data(),
            "modules": [_module_document(module) for module in self.modules],
        }


def _course_description(plan: CoursePlan) -> str:
    outcomes = "\n".join(f"- {outcome}" for outcome in plan.learning_outcomes)
    return f"{plan.description}\n\nBy the end of this course you will be able to:\n\n{outcomes}"


def _module_document(module: _ModuleDraft) -> dict[str, Any]:
    items = module.outline.items if module.outline else []
    return {
        "title": module.plan.title,
        "description": module.plan.description,
        "content": [_item_document(module.written.get(index)) for index in range(len(items))],
    }


def _item_document(item: LessonDraft | QuizDraft | None) -> dict[str, Any]:
    if isinstance(item, LessonDraft):
        return {"lesson_title": item.title, "content": {"type": "MARKDOWN", "value": item.markdown}}
    if isinstance(item, QuizDraft):
        return {
            "quiz_title": item.title,
            # Multiple choice and true/false are both the document's "quiz".
            "type": "quiz",
            "content": {
                "question": item.question,
                "options": item.options,
                "answer": item.answer,
                "explanation": item.explanation,
            },
        }
    return {}


# One run of the pipeline.


class _Run:
    def __init__(
        self,
        request: CourseRequest,
        on_progress: Callable[[Progress], None] | None,
        time_budget: float | None,
    ) -> None:
        self.request = request
        self.preferences = request.preferences
        self.client = LLMClient()
        self.meter = _Meter(self.client.model)
        self.report = _Reporter(on_progress)
        budget = getattr(settings, "ATHENA_GENERATION_TIME_BUDGET", 1800)
        self.deadline = time.monotonic() + (budget if time_budget is None else time_budget)
        self.max_repairs = int(getattr(settings, "ATHENA_LLM_MAX_REPAIRS", 2))
        self.concurrency = max(1, int(getattr(settings, "ATHENA_GENERATION_LESSON_CONCURRENCY", 3)))

    def failed(self, stage: str, reason: str, detail: str = "") -> GenerationFailed:
        return GenerationFailed(stage, reason, detail, usage=self.meter.usage())

    # Asking the model.

    def ask(
        self,
        kind: str,
        data: dict[str, Any],
        check: Callable[[Any], list[str]] | None = None,
        retry_of: tuple[BaseModel, list[str]] | None = None,
    ) -> Any:
        """A valid `kind` answer for `data`, sending unusable answers back with their
        problems up to ATHENA_LLM_MAX_REPAIRS times."""
        messages = [
            prompts.system_message(INSTRUCTIONS[kind](self.preferences)),
            prompts.user_message(data),
        ]
        if retry_of is not None:
            previous, problems = retry_of
            messages += prompts.repair_messages(previous.model_dump_json(indent=2), problems)
        for _ in range(self.max_repairs + 1):
            completion = self.complete(kind, messages)
            answer, problems = _parse(completion.content, STAGE_MODELS[kind], check)
            if answer is not None:
                return answer
            messages += prompts.repair_messages(completion.content, problems)
        raise self.failed(
            STAGE_OF_CALL[kind],
            UNUSABLE_ANSWER,
            f"{kind}: no usable answer after {self.max_repairs + 1} tries.\nProblems:\n"
            + "\n".join(problems)
            + f"\nLast answer:\n{_excerpt(completion.content)}",
        )

    def complete(self, kind: str, messages: list[dict[str, str]]) -> Completion:
        stage = STAGE_OF_CALL[kind]
        if time.monotonic() >= self.deadline:
            raise self.failed(stage, OUT_OF_TIME, f"time budget spent before a {kind} call")
        started = time.monotonic()
        try:
            completion = self.client.complete(
                stage=kind, messages=messages, schema=SCHEMAS[kind], deadline=self.deadline
            )
        except LLMError as error:
            self.meter.add(stage, None, error.attempts, time.monotonic() - started)
            raise self.failed(stage, error.reason, f"{kind}: {error.detail}") from error
        self.meter.add(stage, completion, completion.attempts, time.monotonic() - started)
        return completion

    # The stages.

    def base_data(self) -> dict[str, Any]:
        return {"topic": self.request.topic, **self.preferences.as_data()}

    def plan(self) -> CoursePlan:
        self.report("planning", "Planning the course", 2)
        return self.ask("plan", self.base_data(), check=self.check_plan)

    def check_plan(self, plan: CoursePlan) -> list[str]:
        low, high = prompts.module_range(self.request.duration)
        if low <= len(plan.modules) <= high:
            return []
        return [
            f"modules: has {len(plan.modules)} modules; a {self.request.duration} course "
            f"has {low} to {high}"
        ]

    def outline(self, draft: _CourseDraft) -> None:
        count = len(draft.modules)
        for number, module in enumerate(draft.modules, start=1):
            label = f"Outlining module {number} of {count}"
            self.report("outlining", label, 5 + 10 * (number - 1) / count)
            data = {
                **self.base_data(),
                "course": {"title": draft.plan.title, "description": draft.plan.description},
                "module": {"number": number, "of": count, **module.plan.model_dump()},
                "other_modules": [m.plan.title for m in draft.modules if m is not module],
            }
            module.outline = self.ask("outline", data)

    def write_lessons(self, draft: _CourseDraft) -> None:
        total = sum(len(module.positions("lesson")) for module in draft.modules)
        done = 0
        for number, module in enumerate(draft.modules, start=1):
            positions = module.positions("lesson")
            tick = self.lesson_ticker(number, len(draft.modules), len(positions), done, total)
            tick(0)
            tasks = [self.lesson_task(draft, number, index) for index in positions]
            for index, lesson in zip(positions, self.in_parallel(tasks, tick), strict=True):
                module.written[index] = lesson
            done += len(positions)

    def lesson_ticker(
        self, number: int, modules: int, lessons: int, before: int, total: int
    ) -> Callable[[int], None]:
        """Progress while module `number`'s lessons are written, `finished` at a time."""

        def tick(finished: int) -> None:
            current = min(finished + 1, lessons)
            label = f"Writing module {number} of {modules}, lesson {current} of {lessons}"
            self.report("writing_lessons", label, 15 + 60 * (before + finished) / max(total, 1))

        return tick

    def lesson_data(self, draft: _CourseDraft, number: int, index: int) -> dict[str, Any]:
        module = draft.modules[number - 1]
        outline = _outline(module)
        item = outline.items[index]
        return {
            **self.base_data(),
            "course": {"title": draft.plan.title},
            "module": {"number": number, "of": len(draft.modules), **module.plan.model_dump()},
            "lesson": {
                "number": outline.lessons.index(item) + 1,
                "of": len(outline.lessons),
                "title": item.title,
            },
            "module_outline": [f"{other.kind}: {other.title}" for other in outline.items],
        }

    def lesson_task(
        self, draft: _CourseDraft, number: int, index: int
    ) -> Callable[[], LessonDraft]:
        data = self.lesson_data(draft, number, index)
        return lambda: self.ask("lesson", data)

    def write_quizzes(self, draft: _CourseDraft) -> None:
        count = len(draft.modules)
        for number, module in enumerate(draft.modules, start=1):
            label = f"Writing quizzes for module {number} of {count}"
            self.report("writing_quizzes", label, 75 + 17 * (number - 1) / count)
            positions = module.positions("quiz")
            tasks = [self.quiz_task(draft, number, index) for index in positions]
            for index, quiz in zip(positions, self.in_parallel(tasks, None), strict=True):
                module.written[index] = quiz

    def quiz_data(self, draft: _CourseDraft, number: int, index: int) -> dict[str, Any]:
        module = draft.modules[number - 1]
        item = _outline(module).items[index]
        lesson = module.lesson_before(item)
        return {
            **self.base_data(),
            "course": {"title": draft.plan.title},
            "module": {"number": number, "of": len(draft.modules), "title": module.plan.title},
            "quiz": {"title": item.title},
            "lesson": {"title": lesson.title, "markdown": lesson.markdown},
        }

    def quiz_task(self, draft: _CourseDraft, number: int, index: int) -> Callable[[], QuizDraft]:
        data = self.quiz_data(draft, number, index)
        return lambda: self.ask("quiz", data)

    def in_parallel(
        self, tasks: list[Callable[[], Answer]], tick: Callable[[int], None] | None
    ) -> list[Answer]:
        """Run `tasks` on at most ATHENA_GENERATION_LESSON_CONCURRENCY threads; answer
        their results in order. `tick(n)` runs here, in this thread, as each ends."""
        pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="generation")
        futures: dict[Future[Answer], int] = {pool.submit(task): i for i, task in enumerate(tasks)}
        results: dict[int, Answer] = {}
        try:
            for finished, future in enumerate(as_completed(futures), start=1):
                results[futures[future]] = future.result()
                if tick is not None:
                    tick(finished)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return [results[i] for i in range(len(tasks))]

    # Checking: the one validator, with one chance to fix what it finds.

    def check(self, draft: _CourseDraft) -> CourseSpec:
        self.report("checking", "Checking the course", 93)
        try:
            return validate_document(draft.document())
        except DocumentError as error:
            problems = error.problems
        self.rewrite_items(draft, problems)
        try:
            return validate_document(draft.document())
        except DocumentError as error:
            raise self.failed(
                "checking", UNUSABLE_ANSWER, "The course document is invalid:\n" + str(error)
            ) from error

    def rewrite_items(self, draft: _CourseDraft, problems: list[str]) -> None:
        """Send each lesson or quiz the validator found wrong back to its stage once,
        with the problems; problems outside items cannot be fixed this way."""
        by_item: dict[tuple[int, int], list[str]] = {}
        for problem in problems:
            match = ITEM_PATH.match(problem)
            if match is None:
                raise self.failed("checking", UNUSABLE_ANSWER, "\n".join(problems))
            key = (int(match["module"]), int(match["item"]))  # 0-based JSON paths
            by_item.setdefault(key, []).append(problem)
        for (module_index, item_index), found in by_item.items():
            self.rewrite_item(draft, module_index, item_index, found)

    def rewrite_item(
        self, draft: _CourseDraft, module_index: int, item_index: int, problems: list[str]
    ) -> None:
        module = draft.modules[module_index]
        previous = module.written.get(item_index)
        number = module_index + 1
        if isinstance(previous, LessonDraft):
            data = self.lesson_data(draft, number, item_index)
            self.report("checking", "Checking the course: rewriting a lesson", 94)
            module.written[item_index] = self.ask("lesson", data, retry_of=(previous, problems))
        elif isinstance(previous, QuizDraft):
            data = self.quiz_data(draft, number, item_index)
            self.report("checking", "Checking the course: rewriting a quiz", 94)
            module.written[item_index] = self.ask("quiz", data, retry_of=(previous, problems))
        else:
            raise self.failed("checking", UNUSABLE_ANSWER, "\n".join(problems))

    def run(self) -> CourseSpec:
        """Every stage up to a validated document."""
        plan = self.plan()
        draft = _CourseDraft(
            request=self.request,
            plan=plan,
            modules=[_ModuleDraft(plan=module) for module in plan.modules],
        )
        self.outline(draft)
        self.write_lessons(draft)
        self.write_quizzes(draft)
        return self.check(draft)


def _outline(module: _ModuleDraft) -> ModuleOutline:
    if module.outline is None:  # outlines are all written before any item
        raise ValueError(f"module {module.plan.title!r} has no outline yet")
    return module.outline


ITEM_PATH = re.compile(r"^modules\[(?P<module>\d+)\]\.content\[(?P<item>\d+)\]")

INSTRUCTIONS: dict[str, Callable[[prompts.Preferences], str]] = {
    "plan": prompts.plan_instructions,
    "outline": prompts.outline_instructions,
    "lesson": prompts.lesson_instructions,
    "quiz": prompts.quiz_instructions,
}
SCHEMAS: dict[str, dict[str, Any]] = {
    kind: strict_schema(model) for kind, model in STAGE_MODELS.items()
}


def _parse(
    content: str, model: type[Answer], check: Callable[[Any], list[str]] | None
) -> tuple[Answer | None, list[str]]:
    """The answer as `model`, or None and the problems found in it."""
    try:
        value = extract_json(content)
    except AnswerError as error:
        return None, [f"{error}; answer with one JSON object matching the schema"]
    try:
        answer = model.model_validate(value)
    except ValidationError as error:
        return None, [_problem(detail) for detail in error.errors(include_url=False)]
    problems = check(answer) if check is not None else []
    return (None, problems) if problems else (answer, [])


def _problem(detail: Any) -> str:
    place = ".".join(str(part) for part in detail.get("loc", ())) or "(answer)"
    message = str(detail.get("msg", "is invalid")).removeprefix("Value error, ")
    return f"{place}: {message}"


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT_LENGTH else text[:EXCERPT_LENGTH] + "..."


# The entry point.


def generate_course(
    request: CourseRequest,
    *,
    owner: AbstractBaseUser | None = None,
    publish: bool = False,
    on_progress: Callable[[Progress], None] | None = None,
    time_budget: float | None = None,
) -> GenerationResult:
    """Write a course for `request` with the configured model and save it (a draft
    owned by `owner`, or published with `publish`). Raises `GenerationFailed`, and
    then nothing is saved."""
    if not llm_settings_configured():
        raise GenerationFailed("planning", NOT_CONFIGURED, NOT_CONFIGURED_HELP)
    try:
        request = replace(request, topic=clean_topic(request.topic))
    except ValueError as error:
        raise GenerationFailed("planning", str(error)) from error
    started = time.monotonic()
    run = _Run(request, on_progress, time_budget)
    try:
        spec = run.run()
    finally:
        run.client.close()
    run.report("saving", "Saving", 97)
    course = _save(spec, owner=owner, publish=publish)
    run.report("saving", "Saving", 100)
    return GenerationResult(
        course=course,
        usage=run.meter.usage(),
        model=run.meter.model,
        seconds=round(time.monotonic() - started, 3),
    )


NOT_CONFIGURED_HELP = (
    "Set ATHENA_LLM_BASE_URL (an OpenAI-compatible endpoint, e.g. http://127.0.0.1:11434/v1 "
    "for Ollama) and ATHENA_LLM_MODEL (e.g. llama3.1), and ATHENA_LLM_API_KEY if the "
    "server needs one."
)


@transaction.atomic
def _save(spec: CourseSpec, *, owner: AbstractBaseUser | None, publish: bool) -> Course:
    """The validated course, its owner and its origin, in one transaction."""
    course = course_import(spec=spec, publish=publish)
    Course.objects.filter(pk=course.pk).update(created_by=owner, origin=Course.Origin.GENERATED)
    course.created_by = owner  # type: ignore[assignment]
    course.origin = Course.Origin.GENERATED
    return course
