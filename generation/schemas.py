"""The typed answer of each pipeline stage, and the strict JSON schema sent with it.

The limits match the course document (`courses.documents`): titles of at most
TITLE_MAX_LENGTH characters (ATHENA_IMPORT_MAX_TITLE_CHARS), quizzes of 2 to 6 options
with a 1-based answer. The schema sent to the model is generated from these models
and made strict (every object closed, every property required); the models
themselves check what the schema cannot.
"""

from __future__ import annotations

import copy
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from courses.models import QUIZ_MAX_OPTIONS, QUIZ_MIN_OPTIONS, TITLE_MAX_LENGTH

Title = Annotated[
    str,
    Field(
        min_length=1,
        max_length=TITLE_MAX_LENGTH,
        description=f"Plain text, at most {TITLE_MAX_LENGTH} characters.",
    ),
]
Text = Annotated[str, Field(min_length=1)]

MIN_LESSONS, MAX_LESSONS = 2, 5
MIN_QUIZZES, MAX_QUIZZES = 1, 3
MAX_MODULES = 8


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ModulePlan(_Answer):
    title: Title
    description: Text


class CoursePlan(_Answer):
    """Stage "plan": the course and its modules."""

    title: Title
    description: Text
    learning_outcomes: list[Text] = Field(min_length=1, max_length=10)
    modules: list[ModulePlan] = Field(min_length=1, max_length=MAX_MODULES)


class OutlineItem(_Answer):
    kind: Literal["lesson", "quiz"]
    title: Title
    follows_lesson: int | None = Field(
        description="For a quiz: the number (1-based, among this module's lessons) of the "
        "lesson it tests, which comes before it. For a lesson: null."
    )


class ModuleOutline(_Answer):
    """Stage "outline": a module's lessons and quizzes, in order, interleaved."""

    # The counts are checked below, with messages the model can act on.
    items: list[OutlineItem]

    @property
    def lessons(self) -> list[OutlineItem]:
        return [item for item in self.items if item.kind == "lesson"]

    @property
    def quizzes(self) -> list[OutlineItem]:
        return [item for item in self.items if item.kind == "quiz"]

    @model_validator(mode="after")
    def _check_shape(self) -> ModuleOutline:
        problems = _outline_problems(self.items)
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _outline_problems(items: list[OutlineItem]) -> list[str]:
    lessons = sum(item.kind == "lesson" for item in items)
    quizzes = len(items) - lessons
    problems = []
    if not MIN_LESSONS <= lessons <= MAX_LESSONS:
        problems.append(f"has {lessons} lessons; a module has {MIN_LESSONS} to {MAX_LESSONS}")
    if not MIN_QUIZZES <= quizzes <= MAX_QUIZZES:
        problems.append(f"has {quizzes} quizzes; a module has {MIN_QUIZZES} to {MAX_QUIZZES}")
    seen = 0
    for position, item in enumerate(items, start=1):
        if item.kind == "lesson":
            seen += 1
        elif item.follows_lesson is None or not 1 <= item.follows_lesson <= seen:
            problems.append(
                f"items[{position}] (quiz {item.title!r}) must follow a lesson that comes "
                f"before it: follows_lesson must be 1-{seen}"
                if seen
                else f"items[{position}] is a quiz before any lesson; start with a lesson"
            )
    return problems


class LessonDraft(_Answer):
    """Stage "lesson": one lesson in Markdown."""

    title: Title
    markdown: str = Field(
        min_length=200,
        description="The lesson in Markdown: ## headings, an example, key takeaways and a "
        "short summary.",
    )

    @model_validator(mode="after")
    def _check_headings(self) -> LessonDraft:
        if not any(line.lstrip().startswith("#") for line in self.markdown.splitlines()):
            raise ValueError("markdown has no headings; use ## headings for its sections")
        return self


class QuizDraft(_Answer):
    """Stage "quiz": one question on the lesson it follows."""

    title: Title
    type: Literal["multiple_choice", "true_false"]
    question: Text
    options: list[Text] = Field(min_length=QUIZ_MIN_OPTIONS, max_length=QUIZ_MAX_OPTIONS)
    answer: int = Field(description="The number of the correct option, 1-based.")
    explanation: Text = Field(description="One line: why the answer is right.")

    @model_validator(mode="after")
    def _check_answer(self) -> QuizDraft:
        if not 1 <= self.answer <= len(self.options):
            raise ValueError(
                f"answer {self.answer} is not an option number (1-{len(self.options)})"
            )
        if self.type == "true_false" and len(self.options) != 2:
            raise ValueError("a true_false quiz has exactly 2 options: True and False")
        return self


STAGE_MODELS: dict[str, type[_Answer]] = {
    "plan": CoursePlan,
    "outline": ModuleOutline,
    "lesson": LessonDraft,
    "quiz": QuizDraft,
}

# Keywords strict structured output does not accept; the models check them instead.
_UNSUPPORTED = ("default", "minLength", "maxLength", "title")


def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    """`model`'s JSON schema fixed up for strict mode: every object closed
    (`additionalProperties: false`) with every property required, and no keyword
    strict mode rejects."""
    return _strict(copy.deepcopy(model.model_json_schema()))


def _strict(node: Any) -> Any:
    if isinstance(node, list):
        return [_strict(child) for child in node]
    if not isinstance(node, dict):
        return node
    fixed = {
        key: value if key in ("properties", "$defs") else _strict(value)
        for key, value in node.items()
        if key not in _UNSUPPORTED
    }
    for key in ("properties", "$defs"):
        if key in node:
            fixed[key] = {name: _strict(child) for name, child in node[key].items()}
    if fixed.get("type") == "object":
        fixed["additionalProperties"] = False
        fixed["required"] = list(fixed.get("properties", {}))
    return fixed
