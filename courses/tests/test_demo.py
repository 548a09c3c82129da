"""The demo catalog: valid, varied, and loaded idempotently."""

import io

import pytest
from django.core.management import call_command

from courses.documents import parse_document
from courses.management.commands.load_demo_courses import DEMO_DIR
from courses.models import (
    DURATION_MINUTES,
    PREFERENCE_CHOICES,
    Activity,
    Course,
    Lesson,
    Module,
    estimate_minutes,
    words_in,
)

DEMO_PATHS = sorted(DEMO_DIR.glob("*.json"))


def test_the_demo_catalog_has_at_least_six_courses():
    assert len(DEMO_PATHS) >= 6


@pytest.mark.parametrize("path", DEMO_PATHS, ids=lambda path: path.name)
def test_each_demo_course_is_a_proper_course(path):
    spec = parse_document(path.read_bytes())
    assert not spec.warnings
    assert 2 <= len(spec.modules) <= 5
    for module in spec.modules:
        kinds = {type(item).__name__ for item in module.items}
        assert kinds == {"LessonSpec", "QuizSpec"}, module.title


def test_demo_courses_cover_every_level_and_focus():
    specs = [parse_document(path.read_bytes()) for path in DEMO_PATHS]
    for key in ("level", "focus"):
        assert {spec.preferences[key] for spec in specs} == set(PREFERENCE_CHOICES[key].values)


@pytest.mark.parametrize("path", DEMO_PATHS, ids=lambda path: path.name)
def test_each_demo_courses_duration_label_agrees_with_its_estimate(path):
    """A duration says how long a course takes: the estimate (its lessons' words
    read at 200 a minute, a minute a quiz) falls in the label's range."""
    spec = parse_document(path.read_bytes())
    lessons = [
        item for module in spec.modules for item in module.items if hasattr(item, "markdown")
    ]
    quizzes = sum(len(module.items) for module in spec.modules) - len(lessons)
    words = sum(words_in(lesson.markdown) for lesson in lessons)
    minutes = estimate_minutes(words=words, quizzes=quizzes)
    low, high = DURATION_MINUTES[spec.preferences["duration"]]
    assert low <= minutes < (high or 100_000), (minutes, spec.preferences["duration"])


def test_demo_lessons_use_the_markdown_a_lesson_needs():
    markdown = "\n".join(
        item.markdown
        for path in DEMO_PATHS
        for module in parse_document(path.read_bytes()).modules
        for item in module.items
        if hasattr(item, "markdown")
    )
    for construct in ("\n## ", "\n- ", "\n1. ", "|---", "```", "\n> "):
        assert construct in markdown, construct
    quizzes = [
        item
        for path in DEMO_PATHS
        for module in parse_document(path.read_bytes()).modules
        for item in module.items
        if hasattr(item, "options")
    ]
    assert any(quiz.options == ["True", "False"] for quiz in quizzes)
    assert any(len(quiz.options) >= 3 for quiz in quizzes)


@pytest.mark.django_db
def test_loading_the_demo_catalog_twice_adds_nothing():
    call_command("load_demo_courses", stdout=io.StringIO())
    counts = (
        Course.objects.count(),
        Module.objects.count(),
        Lesson.objects.count(),
        Activity.objects.count(),
    )
    assert counts[0] == len(DEMO_PATHS)
    assert Course.objects.published().count() == len(DEMO_PATHS)
    out = io.StringIO()
    call_command("load_demo_courses", stdout=out)
    assert "0 loaded" in out.getvalue()
    assert (
        Course.objects.count(),
        Module.objects.count(),
        Lesson.objects.count(),
        Activity.objects.count(),
    ) == counts


@pytest.mark.django_db
def test_demo_loader_dry_run_writes_nothing():
    out = io.StringIO()
    call_command("load_demo_courses", "--dry-run", stdout=out)
    assert Course.objects.count() == 0
    assert f"{len(DEMO_PATHS)} would load" in out.getvalue()
