"""The course plan as a document: what `manage.py generate_course --plan-only`
writes and `--plan` reads (possibly edited by hand in between), described by
docs/course-plan.schema.json (docs/course-format.md, "Course plans")."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from courses.models import Duration, Focus, Level
from generation.pipeline import TOPIC_MAX_LENGTH, CourseRequest, validation_problem
from generation.schemas import CoursePlan

PLAN_FORMAT = "athena-course-plan/1"


class PlanPreferences(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: Literal[tuple(Level.values)]  # type: ignore[valid-type]
    duration: Literal[tuple(Duration.values)]  # type: ignore[valid-type]
    focus: Literal[tuple(Focus.values)]  # type: ignore[valid-type]


class PlanDocument(CoursePlan):
    """A course plan with the request it answers: the topic as asked and the
    learner preferences. The rest is the plan the model answered (`CoursePlan`):
    title, description, learning outcomes, modules with their lessons."""

    model_config = ConfigDict(title="Athena course plan")

    format: Literal[PLAN_FORMAT] = Field(description="Always " + PLAN_FORMAT)
    topic: str = Field(min_length=1, max_length=TOPIC_MAX_LENGTH, description="As asked.")
    preferences: PlanPreferences


class PlanError(Exception):
    """A plan document Athena cannot use; `problems` says where and why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def plan_document(request: CourseRequest, plan: CoursePlan) -> dict[str, Any]:
    """The plan document for `plan`, the answer to `request`."""
    return {
        "format": PLAN_FORMAT,
        "topic": request.topic,
        "preferences": request.preferences.as_data(),
        **plan.model_dump(mode="json"),
    }


def read_plan_document(text: str) -> tuple[CourseRequest, CoursePlan]:
    """The request and plan in a plan document's JSON text, or PlanError."""
    try:
        data = json.loads(text)
    except ValueError as error:
        raise PlanError([f"not JSON: {error}"]) from None
    try:
        document = PlanDocument.model_validate(data)
    except ValidationError as error:
        raise PlanError(
            [validation_problem(detail) for detail in error.errors(include_url=False)]
        ) from None
    request = CourseRequest(
        topic=document.topic, language=document.language, **document.preferences.model_dump()
    )
    plan = CoursePlan.model_validate(
        document.model_dump(include=set(CoursePlan.model_fields), mode="json")
    )
    return request, plan


def plan_schema() -> dict[str, Any]:
    """The JSON Schema of a plan document (docs/course-plan.schema.json)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **PlanDocument.model_json_schema(),
    }
