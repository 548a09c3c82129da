"""Catalog search: what matches, how it ranks, and (on PostgreSQL) that the GIN
indexes answer it."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.urls import reverse

from courses.models import Course, Module
from tests.factories import make_course

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL full-text search"
)


def catalog_topics(client, **params) -> list[str]:
    response = client.get(reverse("courses:catalog"), params)
    assert response.status_code == 200
    return [course.topic for course in response.context["courses"]]


def describe(course: Course, text: str) -> Course:
    course.description = text
    course.save()
    return course


def test_search_matches_topic_description_and_module_titles(client):
    make_course(topic="Photosynthesis basics")
    describe(make_course(topic="Plant life"), "How leaves turn light into sugar.")
    by_module = make_course(topic="Gardening")
    Module.objects.filter(course=by_module).update(title="Chlorophyll and photosynthesis")
    make_course(topic="Unrelated statistics")
    assert sorted(catalog_topics(client, q="photosynthesis")) == [
        "Gardening",
        "Photosynthesis basics",
    ]
    assert catalog_topics(client, q="leaves") == ["Plant life"]
    assert catalog_topics(client, q="PHOTOSYNTHESIS") != []


def test_every_word_must_match(client):
    describe(make_course(topic="Python loops"), "Iterate with for and while.")
    make_course(topic="Python classes")
    assert catalog_topics(client, q="python loops") == ["Python loops"]
    assert catalog_topics(client, q="python iterate") == ["Python loops"]


def test_search_ranks_topic_matches_above_description_matches(client):
    describe(make_course(topic="Cooking"), "Includes a chapter on statistics of recipes.")
    make_course(topic="Statistics for everyone")
    assert catalog_topics(client, q="statistics") == ["Statistics for everyone", "Cooking"]


def test_search_combines_with_filters(client):
    make_course(
        topic="Git for beginners",
        preferences={"level": "beginner", "duration": "short", "focus": "broad"},
    )
    make_course(
        topic="Git internals",
        preferences={"level": "advanced", "duration": "long", "focus": "in-depth"},
    )
    make_course(
        topic="SQL internals",
        preferences={"level": "advanced", "duration": "long", "focus": "in-depth"},
    )
    assert catalog_topics(client, q="git", level="advanced") == ["Git internals"]
    assert catalog_topics(client, q="internals", focus="in-depth", sort="newest") == [
        "SQL internals",
        "Git internals",
    ]


def test_search_never_shows_drafts(client):
    make_course(topic="Draft about rust", publish=False)
    assert catalog_topics(client, q="rust") == []


def test_search_with_no_match_shows_the_empty_state(client):
    make_course(topic="Biology")
    response = client.get(reverse("courses:catalog"), {"q": "quantum chromodynamics"})
    html = response.content.decode()
    assert "No courses found" in html
    assert "Nothing matches “quantum chromodynamics”" in html
    assert "Clear filters" in html


@pytest.mark.parametrize(
    "query", ["'", '"', "&", "|", "!", "(", "a:*", "-", "or", "%", "_", "\\", "😀", "x" * 200]
)
def test_odd_search_text_never_fails(client, query):
    make_course(topic="Anything")
    response = client.get(reverse("courses:catalog"), {"q": query})
    assert response.status_code == 200


def test_too_long_search_text_is_ignored_with_a_note(client):
    make_course(topic="Anything")
    response = client.get(reverse("courses:catalog"), {"q": "x" * 500})
    assert response.status_code == 200
    assert "were not recognised" in response.content.decode()


def test_search_box_keeps_the_query(client):
    response = client.get(reverse("courses:catalog"), {"q": 'say "hi" <b>'})
    html = response.content.decode()
    assert 'value="say &quot;hi&quot; &lt;b&gt;"' in html


@on_postgresql
def test_postgresql_search_understands_word_forms(client):
    describe(make_course(topic="Loops"), "Running code repeatedly.")
    # "runs" and "running" share the stem "run".
    assert catalog_topics(client, q="runs") == ["Loops"]


def test_an_edited_description_is_found_by_its_new_words(client):
    course = make_course(topic="Cooking")
    assert catalog_topics(client, q="sourdough") == []
    describe(course, "Bake sourdough bread.")
    assert catalog_topics(client, q="sourdough") == ["Cooking"]
    Course.objects.filter(pk=course.pk).update(topic="Baking at home")
    assert catalog_topics(client, q="baking") == ["Baking at home"]


SEARCH_INDEXES = {"courses_search_document_idx", "modules_title_search_idx"}


def search_index_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s) AND indexdef LIKE %s",
            [sorted(SEARCH_INDEXES | {"courses_search_idx"}), "%USING gin%"],
        )
        return {row[0] for row in cursor.fetchall()}


def courses_columns() -> set[str]:
    with connection.cursor() as cursor:
        return {
            column.name
            for column in connection.introspection.get_table_description(cursor, "courses")
        }


@on_postgresql
def test_postgresql_search_uses_the_gin_indexes():
    assert search_index_names() == SEARCH_INDEXES
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = Course.objects.published().search("python loops").explain()
    assert "courses_search_document_idx" in plan
    assert "modules_title_search_idx" in plan


@on_postgresql
def test_search_migrations_are_reversible():
    indexes = importlib.import_module("courses.migrations.0004_search_indexes")
    document = importlib.import_module("courses.migrations.0005_course_search_document")
    with connection.schema_editor() as editor:
        document.backward(None, editor)
    assert "search_document" not in courses_columns()
    assert search_index_names() == {"courses_search_idx", "modules_title_search_idx"}
    with connection.schema_editor() as editor:
        indexes.drop_indexes(None, editor)
    assert search_index_names() == set()
    with connection.schema_editor() as editor:
        indexes.create_indexes(None, editor)
        document.forward(None, editor)
    assert "search_document" in courses_columns()
    assert search_index_names() == SEARCH_INDEXES


@on_postgresql
def test_the_search_column_is_never_loaded_with_a_course():
    make_course(topic="Anything")
    sql = str(Course.objects.all().query)
    assert "search_document" not in sql
