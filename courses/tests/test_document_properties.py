"""Property tests: whatever a document holds, the reader answers a valid course
or a DocumentError naming the problems, never another exception; a valid one
imports, and an invalid one writes nothing."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courses.documents import CourseSpec, DocumentError, parse_document, validate_document
from courses.models import Activity, Course, Lesson, Module
from courses.services import course_import
from tests.factories import course_document

pytestmark = pytest.mark.django_db

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Any text, NUL characters and lone surrogates included.
texts = st.text(alphabet=st.characters(codec=None), max_size=40) | st.sampled_from(
    ["", " ", "\x00", "\ud800", "MARKDOWN", "quiz", "2", "beginner", "x" * 600]
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | texts
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=20,
)


def rows() -> tuple[int, int, int, int]:
    return (
        Course.objects.count(),
        Module.objects.count(),
        Lesson.objects.count(),
        Activity.objects.count(),
    )


def outcome(read, *arguments: Any) -> CourseSpec | None:
    """The spec, or None after a DocumentError with readable problems."""
    try:
        return read(*arguments)
    except DocumentError as error:
        problems = error.problems
    assert problems
    assert all(isinstance(problem, str) and problem for problem in problems)
    return None


def import_or_nothing(spec: CourseSpec | None, before: tuple[int, int, int, int]) -> None:
    if spec is None:
        assert rows() == before
        return
    course = course_import(spec=spec)
    assert course.counts == spec.counts


def paths(value: Any, path: tuple = ()) -> list[tuple]:
    """Every place in a document, as a key path from the root."""
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += paths(child, (*path, index))
    return found


def replaced(document: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return document


@FAST
@given(document=json_values)
def test_any_json_value_is_a_course_or_a_clear_error(document):
    before = rows()
    import_or_nothing(outcome(validate_document, document), before)


@FAST
@given(data=st.data())
def test_a_valid_document_with_one_place_changed_is_a_course_or_a_clear_error(data):
    document = course_document(modules=2, lessons=1, quizzes=1)
    path = data.draw(st.sampled_from(paths(document)))
    if path and data.draw(st.booleans()):
        # Remove the place instead of changing it.
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        del parent[path[-1]]
    else:
        document = replaced(copy.deepcopy(document), path, data.draw(json_values))
    before = rows()
    import_or_nothing(outcome(validate_document, document), before)


@FAST
@given(text=st.binary(max_size=200) | st.text(max_size=200))
def test_any_bytes_or_text_are_a_course_or_a_clear_error(text):
    before = rows()
    import_or_nothing(outcome(parse_document, text), before)


@FAST
@given(
    data=st.data(),
    cut=st.integers(min_value=0, max_value=2000),
    insert=st.sampled_from(["\\u0000", "\\ud800", "[" * 50, "1" * 5000, "NaN", '"', "}", "\x00"]),
)
def test_a_valid_document_text_spliced_with_hostile_pieces_is_a_course_or_a_clear_error(
    data, cut, insert
):
    text = json.dumps(course_document(modules=1, lessons=1, quizzes=1))
    cut = min(cut, len(text))
    before = rows()
    import_or_nothing(outcome(parse_document, text[:cut] + insert + text[cut:]), before)
