"""docs/course-document.schema.json describes what Athena reads and writes: the
demo documents and every export pass it, and documents the validator refuses are
refused by the schema too."""

import copy
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from jsonschema import Draft202012Validator

from courses.documents import DocumentError, validate_document
from courses.models import Course
from tests.factories import course_document

try:
    from courses.documents import course_export
except ImportError:  # moved to the services module
    from courses.services import course_export

SCHEMA_PATH = Path(settings.BASE_DIR) / "docs" / "course-document.schema.json"
DEMO_PATHS = sorted((Path(settings.BASE_DIR) / "courses" / "demo").glob("*.json"))


@pytest.fixture(scope="module")
def schema_validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_errors(validator: Draft202012Validator, document) -> list[str]:
    return [error.message for error in validator.iter_errors(document)]


def test_the_demo_catalog_has_documents():
    assert len(DEMO_PATHS) >= 5


@pytest.mark.parametrize("path", DEMO_PATHS, ids=lambda path: path.name)
def test_every_demo_document_matches_the_schema(schema_validator, path):
    document = json.loads(path.read_text(encoding="utf-8"))
    assert schema_errors(schema_validator, document) == []


@pytest.mark.django_db
def test_the_export_of_every_demo_course_matches_the_schema(schema_validator):
    call_command("load_demo_courses", verbosity=0)
    courses = list(Course.objects.all())
    assert len(courses) == len(DEMO_PATHS)
    for course in courses:
        assert schema_errors(schema_validator, course_export(course)) == [], course.topic


def variant(mutate):
    document = course_document(modules=1, lessons=1, quizzes=1)
    mutate(document, document["modules"][0]["content"][1])
    return document


ACCEPTED_VARIANTS = {
    "upper-case preferences": lambda d, quiz: d.update(
        preferences={"level": "BEGINNER", "duration": " Long ", "focus": "IN-DEPTH"}
    ),
    "no preferences": lambda d, quiz: d.pop("preferences", None),
    "null preferences": lambda d, quiz: d.update(preferences=None),
    "answer as a number": lambda d, quiz: quiz["content"].update(answer=3),
    "answer as a string": lambda d, quiz: quiz["content"].update(answer="1"),
    "boolean options": lambda d, quiz: quiz["content"].update(options=[True, False]),
    "number options": lambda d, quiz: quiz["content"].update(options=[1, 2.5, "three"]),
    "an explanation": lambda d, quiz: quiz["content"].update(explanation="Because *Beta*."),
    "unknown keys": lambda d, quiz: (d.update(author="a generator"), quiz.update(level=3)),
    "metadata is ignored": lambda d, quiz: d.update(metadata={"count": {"modules": 99}}),
    "no quiz type": lambda d, quiz: quiz.pop("type"),
    "upper-case quiz type": lambda d, quiz: quiz.update(type="QUIZ"),
}


@pytest.mark.parametrize("mutate", ACCEPTED_VARIANTS.values(), ids=ACCEPTED_VARIANTS.keys())
def test_schema_and_validator_accept_the_same_variants(schema_validator, mutate):
    document = variant(mutate)
    validate_document(copy.deepcopy(document))
    assert schema_errors(schema_validator, document) == []


REFUSED = {
    "missing topic": lambda d, quiz: d.pop("topic"),
    "blank topic": lambda d, quiz: d.update(topic="   "),
    "topic over 255 characters": lambda d, quiz: d.update(topic="x" * 256),
    "no modules": lambda d, quiz: d.update(modules=[]),
    "module without content": lambda d, quiz: d["modules"][0].pop("content"),
    "unknown level": lambda d, quiz: d.update(preferences={"level": "expert"}),
    "an item that is neither": lambda d, quiz: quiz.pop("quiz_title"),
    "an item that is both": lambda d, quiz: quiz.update(lesson_title="Both"),
    "one option": lambda d, quiz: quiz["content"].update(options=["Only"], answer=1),
    "seven options": lambda d, quiz: quiz["content"].update(options=list("abcdefg"), answer=1),
    "null option": lambda d, quiz: quiz["content"].update(options=["a", None]),
    "blank option": lambda d, quiz: quiz["content"].update(options=["a", " "]),
    "answer zero": lambda d, quiz: quiz["content"].update(answer=0),
    "answer as a word": lambda d, quiz: quiz["content"].update(answer="two"),
    "answer as a boolean": lambda d, quiz: quiz["content"].update(answer=True),
    "blank lesson": lambda d, quiz: d["modules"][0]["content"][0]["content"].update(value=""),
    "lesson in HTML": lambda d, quiz: d["modules"][0]["content"][0]["content"].update(type="HTML"),
    "a poll": lambda d, quiz: quiz.update(type="poll"),
    "not an object": lambda d, quiz: d["modules"].append("a module"),
}


@pytest.mark.parametrize("mutate", REFUSED.values(), ids=REFUSED.keys())
def test_schema_refuses_what_the_validator_refuses(schema_validator, mutate):
    document = variant(mutate)
    with pytest.raises(DocumentError):
        validate_document(copy.deepcopy(document))
    assert schema_errors(schema_validator, document) != []
