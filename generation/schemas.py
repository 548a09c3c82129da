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


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PlannedLesson(_Answer):
    title: Title
    summary: Text = Field(description="One sentence: what this lesson teaches.")


class ModulePlan(_Answer):
    title: Title
    description: Text = Field(description="One or two sentences: the module's purpose.")
    lessons: list[PlannedLesson] = Field(
        min_length=1,
        description=f"{MIN_LESSONS} to {MAX_LESSONS} lessons in reading order; each is "
        "followed by a quiz on it.",
    )


class CoursePlan(_Answer):
    """Stage "plan": the course, its modules and their lessons. Every lesson is
    followed by its own quiz, so a module's structure is valid by construction;
    counts the model ignores are fitted by the pipeline (`fit_plan`), not
    refused."""

    title: Title
    description: Text
    learning_outcomes: list[Text] = Field(min_length=1, max_length=10)
    modules: list[ModulePlan] = Field(min_length=1)
    # Plans kept before a plan had a language have none: the request's, else English.
    language: str = Field(
        default="",
        max_length=16,
        description="The code of the language the course is written in, such as en or de.",
    )


def fit_plan(plan: CoursePlan, *, max_modules: int) -> tuple[CoursePlan, list[str]]:
    """`plan` with at most `max_modules` modules and MAX_LESSONS lessons a module
    (the extras dropped from the end), and what was dropped, in words."""
    dropped = []
    if len(plan.modules) > max_modules:
        dropped.append(f"{len(plan.modules) - max_modules} modules past the {max_modules} allowed")
    modules = []
    for number, module in enumerate(plan.modules[:max_modules], start=1):
        if len(module.lessons) > MAX_LESSONS:
            dropped.append(
                f"module {number}: {len(module.lessons) - MAX_LESSONS} lessons past "
                f"the {MAX_LESSONS} allowed"
            )
        modules.append(module.model_copy(update={"lessons": module.lessons[:MAX_LESSONS]}))
    return plan.model_copy(update={"modules": modules}), dropped


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
    "revise": CoursePlan,
    "lesson": LessonDraft,
    "quiz": QuizDraft,
    # Changing one part of a written course (generation.rewrite).
    "rewrite_lesson": LessonDraft,
    "add_lesson": LessonDraft,
    "rewrite_quiz": QuizDraft,
    "add_module": ModulePlan,
}
# The name each kind of call gives its answer's schema: what it answers with.
SCHEMA_NAMES = {
    "rewrite_lesson": "lesson",
    "add_lesson": "lesson",
    "rewrite_quiz": "quiz",
    "add_module": "module",
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
