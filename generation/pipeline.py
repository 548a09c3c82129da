"""The staged course generation pipeline.

plan (the modules and their lessons, each lesson followed by its quiz) -> write
each lesson -> write each lesson's quiz from it -> each module, once all of
it is written, checked with the one validator and saved into the draft course
(generation.shelf), in course order, so the course can be read while the
rest is written. Lessons and quizzes are written concurrently (bounded),
earlier modules first, and a lesson's quiz is asked for as soon as the lesson
is written.

Every answer is parsed and validated; an unusable one is sent back to the model with
the problems found, a bounded number of times (ATHENA_LLM_MAX_REPAIRS). The whole
run has a time budget (ATHENA_GENERATION_TIME_BUDGET); a failure raises
`GenerationFailed`, and the modules saved so far stay (a later run of the same
plan goes on with them).

Worker threads only talk to the model: no database work happens in them, and
progress is reported from the calling thread.
"""

from __future__ import annotations

import heapq
import re
import threading
import time
import unicodedata
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.utils.translation import gettext_noop
from pydantic import BaseModel, ValidationError

from courses.documents import CourseSpec, DocumentError, validate_document
from courses.models import TITLE_MAX_LENGTH, Course, language_code, words_in
from courses.services import course_publish
from generation import prompts, wording
from generation.llm import AnswerError, Completion, LLMClient, LLMError, extract_json
from generation.llm import llm_settings_configured as llm_settings_configured
from generation.schemas import (
    MAX_LESSONS,
    MIN_LESSONS,
    SCHEMA_NAMES,
    STAGE_MODELS,
    CoursePlan,
    LessonDraft,
    ModulePlan,
    QuizDraft,
    fit_plan,
    strict_schema,
)
from generation.shelf import CourseShelf, PlannedModule

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

# The stages every run reports, in order ("checking" shows only while a unit
# the validator refused is rewritten).
STAGES = ("planning", "writing_lessons", "writing_quizzes", "saving")
# The progress stage each kind of model call belongs to.
STAGE_OF_CALL = {
    "plan": "planning",
    "revise": "planning",
    "lesson": "writing_lessons",
    "quiz": "writing_quizzes",
    "rewrite_lesson": "writing_lessons",
    "add_lesson": "writing_lessons",
    "rewrite_quiz": "writing_quizzes",
    "add_module": "planning",
}
# Why a run failed, in plain words for the learner (stored in English, shown
# translated: generation.wording).
UNUSABLE_ANSWER = gettext_noop("The model kept answering with a course we could not use.")
OUT_OF_TIME = gettext_noop("Writing the course took longer than the time allowed.")
NOT_CONFIGURED = gettext_noop("Course generation is not set up: no model server is configured.")
TOPIC_MIN_LENGTH, TOPIC_MAX_LENGTH = 3, 200
EXCERPT_LENGTH = 1000

Answer = TypeVar("Answer", bound=BaseModel)


@dataclass(frozen=True)
class CourseRequest:
    topic: str
    level: str
    duration: str
    focus: str
    # The language asked for (a code); "" for the topic's own.
    language: str = ""

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
class Keeper:
    """Where a run hands over what it has finished, as it finishes it, so that a
    run which fails later keeps it and the next one ("Try again") starts from
    there: the plan (`plan(plan)`), and each lesson and quiz
    (`unit(key, data)`, key "module:position", both 0-based; `unit_data`).
    Called from the run's own thread, never from a model call's."""

    plan: Callable[[CoursePlan], None]
    unit: Callable[[str, dict[str, Any]], None]


def unit_data(item: LessonDraft | QuizDraft) -> dict[str, Any]:
    """A written lesson or quiz as kept (JSON)."""
    kind = "lesson" if isinstance(item, LessonDraft) else "quiz"
    return {"kind": kind, **item.model_dump(mode="json")}


def _kept_unit(data: Any) -> LessonDraft | QuizDraft | None:
    """A kept lesson or quiz, or None when it is not one (any more)."""
    if not isinstance(data, dict):
        return None
    model = {"lesson": LessonDraft, "quiz": QuizDraft}.get(data.get("kind"))
    if model is None:
        return None
    try:
        return model.model_validate({key: value for key, value in data.items() if key != "kind"})
    except ValidationError:
        return None


@dataclass(frozen=True)
class GenerationResult:
    course: Course
    usage: list[StageUsage]
    model: str
    seconds: float
    # What the pipeline fitted itself where the model ignored the counts asked for.
    fitted: list[str] = field(default_factory=list)

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
        raise ValueError(gettext_noop("The topic must not contain control characters."))
    if not TOPIC_MIN_LENGTH <= len(cleaned) <= TOPIC_MAX_LENGTH:
        raise ValueError(wording.TOPIC_LENGTH % {"min": TOPIC_MIN_LENGTH, "max": TOPIC_MAX_LENGTH})
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
        self.stage = "planning"

    def __call__(self, stage: str, label: str, percent: float) -> None:
        self.stage = stage
        self.percent = max(self.percent, min(100, int(percent)))
        if self.callback is not None:
            self.callback(Progress(stage=stage, label=label, percent=self.percent))


# The course as it is being written.


@dataclass
class _ModuleDraft:
    """A module being written. Its items follow the plan: each planned lesson,
    then its quiz, so lesson n (0-based) is item 2n and its quiz item 2n + 1."""

    plan: ModulePlan
    # Written items by their position in the module.
    written: dict[int, LessonDraft | QuizDraft] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return 2 * len(self.plan.lessons)


@dataclass
class _CourseDraft:
    request: CourseRequest
    plan: CoursePlan
    modules: list[_ModuleDraft]
    # Where finished modules are saved (none when parts of a saved course are
    # rewritten: generation.rewrite); those (0-based) saved; the first not saved.
    shelf: CourseShelf | None
    saved: set[int] = field(default_factory=set)
    next_to_save: int = 0

    def document(self, module_index: int) -> dict[str, Any]:
        """The course document (the shape of courses/demo/*.json) holding one
        module: what is checked and saved when that module is finished."""
        return {
            "topic": self.plan.title,
            "description": _course_description(self.plan),
            "language": self.plan.language or "en",
            "preferences": self.request.preferences.as_data(),
            "modules": [_module_document(self.modules[module_index])],
        }

    @property
    def planned(self) -> list[PlannedModule]:
        return [PlannedModule(module.title, module.description) for module in self.plan.modules]


def _course_description(plan: CoursePlan) -> str:
    outcomes = "\n".join(f"- {outcome}" for outcome in plan.learning_outcomes)
    return f"{plan.description}\n\nBy the end of this course you will be able to:\n\n{outcomes}"


def _module_document(module: _ModuleDraft) -> dict[str, Any]:
    return {
        "title": module.plan.title,
        "description": module.plan.description,
        "content": [_item_document(module.written.get(index)) for index in range(module.size)],
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
        # What was fitted to the counts asked for (GenerationResult.fitted).
        self.fitted: list[str] = []
        self.keeper: Keeper | None = None
        # The language the course is written in, once the plan settles it.
        self.language = language_code(request.language) or ""

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
        problems up to ATHENA_LLM_MAX_REPAIRS times. An answer valid in the schema
        that fails only `check` is used when the repairs do not mend it."""
        messages = [
            prompts.system_message(INSTRUCTIONS[kind](self.preferences)),
            prompts.user_message(data),
        ]
        if retry_of is not None:
            previous, problems = retry_of
            messages += prompts.repair_messages(previous.model_dump_json(indent=2), problems)
        usable = None
        for _ in range(self.max_repairs + 1):
            completion = self.complete(kind, messages)
            answer, problems = _parse(completion.content, STAGE_MODELS[kind], check)
            if answer is not None and not problems:
                return answer
            # An answer in the schema that only misses what `check` asks for
            # (counts) is still used if no repair does better.
            usable = answer or usable
            messages += prompts.repair_messages(completion.content, problems)
        if usable is not None:
            self.fitted.append(f"{kind}: used as answered ({'; '.join(problems)})")
            return usable
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
                stage=SCHEMA_NAMES.get(kind, kind),
                messages=messages,
                schema=SCHEMAS[kind],
                deadline=self.deadline,
            )
        except LLMError as error:
            self.meter.add(stage, None, error.attempts, time.monotonic() - started)
            raise self.failed(stage, error.reason, f"{kind}: {error.detail}") from error
        self.meter.add(stage, completion, completion.attempts, time.monotonic() - started)
        return completion

    # The stages.

    def base_data(self) -> dict[str, Any]:
        return {
            "topic": self.request.topic,
            **self.preferences.as_data(),
            "language": self.language or "auto",
        }

    def settle_language(self, plan: CoursePlan) -> CoursePlan:
        """The plan with the language the course is written in: the one asked
        for, else the one the model found the topic in, else English; the
        calls after it are asked for that language."""
        self.language = language_code(self.request.language) or language_code(plan.language) or "en"
        return plan.model_copy(update={"language": self.language})

    def plan(self) -> CoursePlan:
        self.report("planning", "Planning the course", 2)
        plan = self.ask("plan", self.base_data(), check=self.check_plan)
        plan, dropped = fit_plan(plan, max_modules=prompts.module_range(self.request.duration)[1])
        self.fitted += [f"plan: dropped {what}" for what in dropped]
        return self.settle_language(plan)

    def revise(self, plan: CoursePlan, instruction: str) -> CoursePlan:
        """`plan` revised by the model as the learner's `instruction` says."""
        self.report("planning", "Revising the plan", 2)
        data = {
            **self.base_data(),
            "plan": plan.model_dump(mode="json"),
            "instruction": instruction,
        }
        revised = self.ask("revise", data, check=self.check_plan)
        revised, dropped = fit_plan(
            revised, max_modules=prompts.module_range(self.request.duration)[1]
        )
        self.fitted += [f"revised plan: dropped {what}" for what in dropped]
        return self.settle_language(revised)

    def check_plan(self, plan: CoursePlan) -> list[str]:
        """What a repair may ask for; extras are trimmed without asking (fit_plan)."""
        low, high = prompts.module_range(self.request.duration)
        problems = []
        if not low <= len(plan.modules) <= high:
            problems.append(
                f"modules: has {len(plan.modules)} modules; a {self.request.duration} course "
                f"has {low} to {high}"
            )
        for number, module in enumerate(plan.modules, start=1):
            if not MIN_LESSONS <= len(module.lessons) <= MAX_LESSONS:
                problems.append(
                    f"modules[{number}].lessons: has {len(module.lessons)} lessons; a module "
                    f"has {MIN_LESSONS} to {MAX_LESSONS}"
                )
        return problems

    def write(self, draft: _CourseDraft) -> None:
        """Every lesson, then its quiz, on at most ATHENA_GENERATION_LESSON_CONCURRENCY
        threads: the free threads always take the earliest unit in the course
        whose inputs are ready, so modules finish in order and a lesson's quiz
        starts as soon as the lesson is written. Results are stored, and progress
        reported, here, in this thread."""
        units = [
            (m, 2 * n)
            for m, module in enumerate(draft.modules)
            if m not in draft.saved
            for n in range(len(module.plan.lessons))
        ]
        # (module index, position): lessons first, in course order; a lesson
        # written by an earlier run counts as done, its quiz as ready.
        ready = []
        for module_index, position in units:
            written = draft.modules[module_index].written
            if position not in written:
                ready.append((module_index, position))
            elif position + 1 not in written:
                ready.append((module_index, position + 1))
        heapq.heapify(ready)
        total = sum(module.size for module in draft.modules)
        done = sum(
            module.size if index in draft.saved else len(module.written)
            for index, module in enumerate(draft.modules)
        )
        # Modules an earlier run wrote whole but did not save.
        self.save_finished(draft)
        pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="generation")
        running: dict[Future[Any], tuple[int, int]] = {}
        try:
            while ready or running:
                while ready and len(running) < self.concurrency:
                    unit = heapq.heappop(ready)
                    running[pool.submit(self.unit_task(draft, *unit))] = unit
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    module_index, position = running.pop(future)
                    self.store(draft, module_index, position, future.result())
                    done += 1
                    if position % 2 == 0:  # a lesson: its quiz may start
                        heapq.heappush(ready, (module_index, position + 1))
                    self.report_written(draft, module_index, position, done, total)
                    self.save_finished(draft)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def store(
        self, draft: _CourseDraft, module_index: int, position: int, item: LessonDraft | QuizDraft
    ) -> None:
        """A written lesson or quiz into the draft, and to the keeper."""
        draft.modules[module_index].written[position] = item
        if self.keeper is not None:
            self.keeper.unit(f"{module_index}:{position}", unit_data(item))

    def save_finished(self, draft: _CourseDraft) -> None:
        """Check and save each module written whole, in course order: module
        n is saved once modules 1..n-1 are, so the course grows from its start."""
        while draft.next_to_save < len(draft.modules):
            index = draft.next_to_save
            module = draft.modules[index]
            if index not in draft.saved:
                if len(module.written) < module.size or draft.shelf is None:
                    return
                draft.shelf.put(index, self.check_module(draft, index), draft.planned)
                draft.saved.add(index)
                self.report(
                    self.report.stage,
                    wording.MODULE_READY % {"module": index + 1, "modules": len(draft.modules)},
                    self.report.percent,
                )
            draft.next_to_save += 1

    def report_written(
        self, draft: _CourseDraft, module_index: int, position: int, done: int, total: int
    ) -> None:
        lessons_left = any(
            index not in module.written
            for module in draft.modules
            for index in range(0, module.size, 2)
        )
        module = draft.modules[module_index]
        label = (wording.WRITING_QUIZ if position % 2 else wording.WRITING_LESSON) % {
            "module": module_index + 1,
            "modules": len(draft.modules),
            "number": position // 2 + 1,
            "count": len(module.plan.lessons),
        }
        stage = "writing_lessons" if lessons_left else "writing_quizzes"
        self.report(stage, label, 5 + 88 * done / max(total, 1))

    def unit_task(self, draft: _CourseDraft, module_index: int, position: int) -> Callable[[], Any]:
        """The model call writing the item at `position` of the module (data made
        here, in the calling thread)."""
        if position % 2 == 0:
            data = self.lesson_data(draft, module_index, position // 2)
            return lambda: self.ask("lesson", data, check=lesson_length(data["lesson"]["words"]))
        data = self.quiz_data(draft, module_index, position // 2)
        return lambda: self.ask("quiz", data)

    def lesson_data(self, draft: _CourseDraft, module_index: int, number: int) -> dict[str, Any]:
        """What lesson `number` (0-based) of a module is written from: the course's
        outcomes, the module's purpose, its own summary and length (its share of
        the time budget), and the summaries of the lessons before it in the
        course (from the plan, so lessons need not wait for each other)."""
        module = draft.modules[module_index].plan
        lesson = module.lessons[number]
        before = [
            {"title": earlier.title, "summary": earlier.summary}
            for other in draft.plan.modules[:module_index]
            for earlier in other.lessons
        ] + [
            {"title": earlier.title, "summary": earlier.summary}
            for earlier in module.lessons[:number]
        ]
        return {
            **self.base_data(),
            "course": {
                "title": draft.plan.title,
                "learning_outcomes": draft.plan.learning_outcomes,
            },
            "module": {
                "number": module_index + 1,
                "of": len(draft.modules),
                "title": module.title,
                "purpose": module.description,
            },
            "lesson": {
                "number": number + 1,
                "of": len(module.lessons),
                "title": lesson.title,
                "summary": lesson.summary,
                # Its share of the course's time budget.
                "words": prompts.lesson_words(
                    self.request.duration,
                    sum(len(other.lessons) for other in draft.plan.modules),
                ),
            },
            "lessons_before": before,
            "module_lessons": [other.title for other in module.lessons],
        }

    def quiz_data(self, draft: _CourseDraft, module_index: int, number: int) -> dict[str, Any]:
        module = draft.modules[module_index]
        lesson = module.written[2 * number]
        assert isinstance(lesson, LessonDraft)  # noqa: S101  (written before its quiz)
        return {
            **self.base_data(),
            "course": {"title": draft.plan.title},
            "module": {
                "number": module_index + 1,
                "of": len(draft.modules),
                "title": module.plan.title,
            },
            "quiz": {"title": f"Check: {lesson.title}"[:TITLE_MAX_LENGTH]},
            "lesson": {"title": lesson.title, "markdown": lesson.markdown},
        }

    # Checking: the one validator, with one chance to fix what it finds.

    def check_module(self, draft: _CourseDraft, module_index: int) -> CourseSpec:
        """The finished module as a checked document of its own: each lesson or
        quiz the validator finds wrong is sent back to its stage once."""
        try:
            return validate_document(draft.document(module_index))
        except DocumentError as error:
            problems = error.problems
        self.rewrite_items(draft, module_index, problems)
        try:
            return validate_document(draft.document(module_index))
        except DocumentError as error:
            raise self.failed(
                "checking",
                UNUSABLE_ANSWER,
                f"Module {module_index + 1} is invalid:\n{error}",
            ) from error

    def rewrite_items(self, draft: _CourseDraft, module_index: int, problems: list[str]) -> None:
        """Send each lesson or quiz of the module the validator found wrong back
        to its stage once, with the problems; problems outside items cannot be
        fixed this way."""
        by_item: dict[int, list[str]] = {}
        for problem in problems:
            match = ITEM_PATH.match(problem)  # the module's own document: modules[0]
            if match is None:
                raise self.failed("checking", UNUSABLE_ANSWER, "\n".join(problems))
            by_item.setdefault(int(match["item"]), []).append(problem)
        for item_index, found in by_item.items():
            self.rewrite_item(draft, module_index, item_index, found)

    @staticmethod
    def rewriting_label(module_index: int, kind: str) -> str:
        label = wording.REWRITING_QUIZ if kind == "quiz" else wording.REWRITING_LESSON
        return label % {"module": module_index + 1}

    def rewrite_item(
        self, draft: _CourseDraft, module_index: int, item_index: int, problems: list[str]
    ) -> None:
        module = draft.modules[module_index]
        previous = module.written.get(item_index)
        if isinstance(previous, LessonDraft):
            data = self.lesson_data(draft, module_index, item_index // 2)
            label = self.rewriting_label(module_index, "lesson")
            self.report("checking", label, self.report.percent)
            rewritten = self.ask("lesson", data, retry_of=(previous, problems))
            self.store(draft, module_index, item_index, rewritten)
        elif isinstance(previous, QuizDraft):
            data = self.quiz_data(draft, module_index, item_index // 2)
            label = self.rewriting_label(module_index, "quiz")
            self.report("checking", label, self.report.percent)
            rewritten = self.ask("quiz", data, retry_of=(previous, problems))
            self.store(draft, module_index, item_index, rewritten)
        else:
            raise self.failed("checking", UNUSABLE_ANSWER, "\n".join(problems))

    def run(
        self,
        shelf: CourseShelf,
        plan: CoursePlan | None = None,
        written: dict[str, Any] | None = None,
    ) -> Course:
        """Every stage, each module saved into the course as it is finished;
        from `plan` when given one, and with the lessons and quizzes of
        `written` (kept by an earlier run of the same plan: `Keeper`) taken as
        they are, and the modules that run saved left as they are."""
        if plan is None:
            plan = self.plan()
            if self.keeper is not None:
                self.keeper.plan(plan)
        else:
            plan = self.settle_language(plan)
        draft = _CourseDraft(
            request=self.request,
            plan=plan,
            modules=[_ModuleDraft(plan=module) for module in plan.modules],
            shelf=shelf,
        )
        draft.saved = shelf.open(draft.planned)
        for key, data in (written or {}).items():
            module_index, _, position = str(key).partition(":")
            item = _kept_unit(data)
            if item is None or not (module_index.isdigit() and position.isdigit()):
                continue
            module_index, position = int(module_index), int(position)
            if module_index < len(draft.modules) and position < draft.modules[module_index].size:
                kind = "lesson" if position % 2 == 0 else "quiz"
                if (kind == "lesson") == isinstance(item, LessonDraft):
                    draft.modules[module_index].written[position] = item
        self.write(draft)
        if shelf.course is None:  # a plan of no modules: the schema refuses one
            raise self.failed("saving", UNUSABLE_ANSWER, "The plan has no modules.")
        return shelf.course


def lesson_length(words: int) -> Callable[[LessonDraft], list[str]]:
    """A check for a lesson asked to be `words` long: within a quarter, or a
    repair is asked for (and the lesson is used as written if none mends it)."""

    def check(lesson: LessonDraft) -> list[str]:
        found = words_in(lesson.markdown)
        if abs(found - words) <= words / 4:
            return []
        return [f"markdown: has {found} words; the lesson must be about {words} words long"]

    return check


ITEM_PATH = re.compile(r"^modules\[(?P<module>\d+)\]\.content\[(?P<item>\d+)\]")

INSTRUCTIONS: dict[str, Callable[[prompts.Preferences], str]] = {
    "plan": prompts.plan_instructions,
    "revise": prompts.revise_instructions,
    "lesson": prompts.lesson_instructions,
    "quiz": prompts.quiz_instructions,
    "rewrite_lesson": prompts.rewrite_lesson_instructions,
    "add_lesson": prompts.add_lesson_instructions,
    "rewrite_quiz": prompts.rewrite_quiz_instructions,
    "add_module": prompts.add_module_instructions,
}
SCHEMAS: dict[str, dict[str, Any]] = {
    kind: strict_schema(model) for kind, model in STAGE_MODELS.items()
}


def _parse(
    content: str, model: type[Answer], check: Callable[[Any], list[str]] | None
) -> tuple[Answer | None, list[str]]:
    """The answer as `model` (None when it is not one) and the problems found
    in it (by `check` too, for an answer that is one)."""
    try:
        value = extract_json(content)
    except AnswerError as error:
        return None, [f"{error}; answer with one JSON object matching the schema"]
    try:
        answer = model.model_validate(value)
    except ValidationError as error:
        return None, [validation_problem(detail) for detail in error.errors(include_url=False)]
    return answer, check(answer) if check is not None else []


def validation_problem(detail: Any) -> str:
    place = ".".join(str(part) for part in detail.get("loc", ())) or "(answer)"
    message = str(detail.get("msg", "is invalid")).removeprefix("Value error, ")
    return f"{place}: {message}"


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT_LENGTH else text[:EXCERPT_LENGTH] + "..."


# The entry point.


@dataclass(frozen=True)
class PlanResult:
    plan: CoursePlan
    usage: list[StageUsage]
    model: str
    fitted: list[str]


def _checked(request: CourseRequest) -> CourseRequest:
    if not llm_settings_configured():
        raise GenerationFailed("planning", NOT_CONFIGURED, NOT_CONFIGURED_HELP)
    try:
        return replace(request, topic=clean_topic(request.topic))
    except ValueError as error:
        raise GenerationFailed("planning", str(error)) from error


def plan_course(
    request: CourseRequest,
    *,
    revise: tuple[CoursePlan, str] | None = None,
    time_budget: float | None = None,
) -> PlanResult:
    """The plan for `request`, or with `revise` (a plan and the learner's
    instruction) that plan revised: one model call (and its repairs), nothing
    saved. Raises `GenerationFailed`."""
    run = _Run(_checked(request), None, time_budget)
    try:
        plan = run.revise(*revise) if revise is not None else run.plan()
    finally:
        run.client.close()
    return PlanResult(plan=plan, usage=run.meter.usage(), model=run.meter.model, fitted=run.fitted)


def generate_course(
    request: CourseRequest,
    *,
    plan: CoursePlan | None = None,
    written: dict[str, Any] | None = None,
    keeper: Keeper | None = None,
    owner: AbstractBaseUser | None = None,
    course: Course | None = None,
    on_course: Callable[[Course], None] | None = None,
    publish: bool = False,
    on_progress: Callable[[Progress], None] | None = None,
    time_budget: float | None = None,
) -> GenerationResult:
    """Write a course for `request` with the configured model, from `plan` when
    given one (else planned first), taking the lessons and quizzes `written` by
    an earlier run of that plan as they are. Each module is saved as it is
    finished into a draft owned by `owner` (generation.shelf): `course`, the
    draft an earlier run of the plan began, or a new one, which `on_course` is
    told of when its first module is saved. `publish` publishes it once whole.
    `keeper` is handed the plan and each unit as they are finished. Raises
    `GenerationFailed`; the modules saved until then stay."""
    request = _checked(request)
    started = time.monotonic()
    run = _Run(request, on_progress, time_budget)
    run.keeper = keeper
    shelf = CourseShelf(owner=owner, course=course, on_course=on_course)
    try:
        course = run.run(shelf, plan, written)
    finally:
        run.client.close()
    if publish:
        course_publish(course_ids=[course.pk])
    course.refresh_from_db()  # as the modules saved after it was created left it
    run.report("saving", "Saving", 100)
    return GenerationResult(
        course=course,
        usage=run.meter.usage(),
        model=run.meter.model,
        seconds=round(time.monotonic() - started, 3),
        fitted=run.fitted,
    )


NOT_CONFIGURED_HELP = (
    "Set ATHENA_LLM_BASE_URL (an OpenAI-compatible endpoint, e.g. http://127.0.0.1:11434/v1 "
    "for Ollama) and ATHENA_LLM_MODEL (e.g. llama3.1), and ATHENA_LLM_API_KEY if the "
    "server needs one."
)
