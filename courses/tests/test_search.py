"""Catalog search: what matches, how it ranks, and (on PostgreSQL) that the GIN
indexes answer it."""

from __future__ import annotations

import importlib
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courses import search
from courses.models import Activity, Course, Lesson, Module
from courses.search import (
    MARK_START,
    MARK_STOP,
    highlighted,
    parse_search,
    search_snippets,
    search_suggestions,
)
from courses.search_text import search_words, websearch_text
from tests.factories import make_course
from tests.helpers import HOSTILE_SEARCHES

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


SEARCH_INDEXES = {
    "courses_search_document_idx",
    "modules_search_document_idx",
    "lessons_search_document_idx",
    "activities_search_document_idx",
}


def search_index_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s) AND indexdef LIKE %s",
            [
                sorted(SEARCH_INDEXES | {"courses_search_idx", "modules_title_search_idx"}),
                "%USING gin%",
            ],
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
    assert "modules_search_document_idx" in plan


@on_postgresql
def test_search_migrations_are_reversible():
    indexes = importlib.import_module("courses.migrations.0004_search_indexes")
    document = importlib.import_module("courses.migrations.0005_course_search_document")
    items = importlib.import_module("courses.migrations.0009_item_search_and_trigrams")
    languages = importlib.import_module("courses.migrations.0021_search_per_language")
    with connection.schema_editor() as editor:
        languages.backward(None, editor)
        items.backward(None, editor)
    assert search_index_names() == {"courses_search_document_idx", "modules_title_search_idx"}
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
        items.forward(None, editor)
        languages.forward(None, editor)
    assert "search_document" in courses_columns()
    assert search_index_names() == SEARCH_INDEXES


@on_postgresql
def test_the_search_column_is_never_loaded_with_a_course():
    make_course(topic="Anything")
    sql = str(Course.objects.all().query)
    assert "search_document" not in sql


# Inside courses: lessons, quizzes, snippets, preference words, suggestions.


def rename_first_lesson(course: Course, title: str, markdown: str = "") -> Lesson:
    lesson = Lesson.objects.filter(module__course=course).order_by("module__module_order").first()
    lesson.title = title
    if markdown:
        lesson.set_markdown(markdown)
    lesson.save()
    return lesson


def catalog_html(client, **params) -> str:
    response = client.get(reverse("courses:catalog"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_demo_lessons_are_found_by_what_they_hold(client):
    call_command("load_demo_courses", stdout=io.StringIO())
    assert catalog_topics(client, q="ETag") == ["HTTP and How the Web Works"]
    assert catalog_topics(client, q="RuBisCO") == ["Photosynthesis and Plant Biology"]
    html = catalog_html(client, q="ETag")
    assert "Validators: <mark>ETag</mark> and Last-Modified" in html


def test_search_finds_lesson_titles_lesson_text_and_quiz_questions(client):
    rename_first_lesson(make_course(topic="Web caching"), "Validators: ETag and Last-Modified")
    rename_first_lesson(make_course(topic="Plants"), "Carbon", "The enzyme RuBisCO fixes CO2.")
    quizzed = make_course(topic="Cells")
    quiz = Activity.objects.filter(module__course=quizzed).first()
    quiz.set_quiz(question="Which organelle holds chlorophyll?", options=["A", "B"], answer=1)
    quiz.save()
    make_course(topic="Unrelated")
    assert catalog_topics(client, q="etag") == ["Web caching"]
    assert catalog_topics(client, q="rubisco") == ["Plants"]
    assert catalog_topics(client, q="organelle") == ["Cells"]


def test_a_topic_match_ranks_above_a_match_inside_a_course(client):
    rename_first_lesson(make_course(topic="Networking"), "Routers and switches")
    make_course(topic="Routers explained")
    describe(make_course(topic="Home lab"), "Set up routers at home.")
    assert catalog_topics(client, q="routers") == ["Routers explained", "Home lab", "Networking"]


def test_each_result_shows_the_lesson_that_matched_highlighted_and_escaped(client):
    rename_first_lesson(
        make_course(topic="Web caching"),
        "Validators: ETag <b>and</b> Last-Modified",
        "Intro words. A strong **ETag** <script>alert(1)</script> changes with the bytes.",
    )
    html = catalog_html(client, q="etag")
    assert "Lesson:" in html
    assert "<mark>ETag</mark>" in html
    assert "&lt;b&gt;" in html
    assert "<b>and</b>" not in html
    assert "<script>alert(1)</script>" not in html
    assert "**" not in html.split("card__match", 1)[1].split("</p>", 1)[0]


def test_a_module_title_match_is_named_on_the_result(client):
    course = make_course(topic="Gardening")
    Module.objects.filter(course=course, module_order=1).update(title="Soil and compost")
    html = catalog_html(client, q="compost")
    assert "Module:" in html
    assert "<mark>compost</mark>" in html


def test_search_snippets_cost_one_query_for_the_page(client, django_assert_num_queries):
    for number in range(30):
        rename_first_lesson(make_course(topic=f"Caching {number}"), f"ETag part {number}")
    # The languages (the filter's choices), the count, the page, the snippets.
    with django_assert_num_queries(4):
        html = catalog_html(client, q="etag")
    assert html.count("card__match-kind") == 24


def test_words_naming_a_preference_filter_the_search(client):
    make_course(
        topic="Python for beginners",
        preferences={"level": "beginner", "duration": "short", "focus": "broad"},
    )
    make_course(
        topic="Advanced Python",
        preferences={"level": "advanced", "duration": "long", "focus": "in-depth"},
    )
    assert catalog_topics(client, q="python beginner") == ["Python for beginners"]
    assert catalog_topics(client, q="python in depth long") == ["Advanced Python"]
    html = catalog_html(client, q="python beginner")
    assert "1 beginner course matching “python”" in html
    # A filter chosen in the bar wins over a word of the search.
    assert catalog_topics(client, q="python beginner", level="advanced") == ["Advanced Python"]
    # Quoted, the word is searched for.
    assert catalog_topics(client, q='"python for beginners"') == ["Python for beginners"]


def test_parse_search_takes_preference_words_out():
    parsed = parse_search("Python  Beginner, in depth -advanced")
    assert parsed.text == "Python -advanced"
    assert parsed.preferences == {"level": "beginner", "focus": "in-depth"}
    assert parse_search('"long division" short').preferences == {"duration": "short"}
    assert parse_search('"long division" short').text == '"long division"'


def test_no_match_offers_similar_titles(client, django_assert_num_queries):
    make_course(topic="Photosynthesis explained")
    make_course(topic="Statistics")
    # A wrong first letter is no typo the vocabulary corrects (test_vocabulary.py);
    # similar titles are offered instead.
    with django_assert_num_queries(4):  # languages, count, vocabulary, suggestions
        html = catalog_html(client, q="fotosynthesis")
    assert "Did you mean" in html
    assert f'href="{reverse("courses:catalog")}?q=Photosynthesis%20explained"' in html
    assert "Statistics</a>" not in html


def test_suggestions_come_from_lesson_titles_and_never_from_drafts(client):
    rename_first_lesson(make_course(topic="Web"), "Validators: ETag and Last-Modified")
    make_course(topic="Secret chromatography", publish=False)
    assert "Validators: ETag and Last-Modified" in search_suggestions("validaters")
    assert search_suggestions("chromatografy") == []


def test_highlighting_escapes_everything_but_the_marks():
    text = f"a <i>&{MARK_START}x<y{MARK_STOP} {MARK_START}unclosed"
    assert highlighted(text) == "a &lt;i&gt;&amp;<mark>x&lt;y</mark> unclosed"


# PostgreSQL: every search query answered from indexes, at scale.

SCALE = 5_000  # courses; each with a module, two lessons and a quiz


def populate_catalog(count: int) -> None:
    """`count` published courses, each with a module of two lessons and a
    quiz, written by PostgreSQL itself (the triggers fill the search
    documents), then ANALYZEd so the planner knows the tables' real sizes."""
    now = "now()"
    statements = [
        f"""INSERT INTO courses (topic, description, preferences, metadata, status,
                published_at, answer_reveal, origin, created_at, updated_at, outline)
            SELECT 'Subject ' || n, 'About subject ' || n || ' and more.',
                   '{{"level": "beginner", "duration": "short", "focus": "broad"}}',
                   '{{}}', 'published', {now}, 'after_correct', 'authored', {now}, {now}, '{{}}'
            FROM generate_series(1, {count}) AS n""",  # noqa: S608 - constants and an int
        f"""INSERT INTO modules (course_id, title, description, metadata, module_order,
                created_at, updated_at)
            SELECT course_id, 'Chapter ' || course_id, '', '{{}}', 1, {now}, {now}
            FROM courses""",  # noqa: S608
        f"""INSERT INTO lessons (module_id, title, display_order, content, created_at, updated_at)
            SELECT module_id, 'Lesson ' || module_id || '.' || n, n,
                   jsonb_build_object('type', 'MARKDOWN',
                                      'value', 'Words of lesson ' || module_id || ' part ' || n),
                   {now}, {now}
            FROM modules, generate_series(1, 2) AS n""",  # noqa: S608
        f"""INSERT INTO activities (module_id, title, display_order, type, content,
                created_at, updated_at)
            SELECT module_id, 'Quiz ' || module_id, 3, 'quiz',
                   '{{"question": "Which one?", "options": ["A", "B"], "answer": 1}}',
                   {now}, {now}
            FROM modules""",  # noqa: S608
        "ANALYZE courses, modules, lessons, activities",
    ]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def plan_of(sql: str, params: Any, *settings: str) -> str:
    """The plan of `sql` with sequential scans made a last resort. At a test's
    size the planner rightly prefers them: its guess for a word it has no
    statistics on is a fixed share of the rows, and a GIN bitmap scan's
    start-up cost is more than reading a few hundred pages. (At 100,000
    courses it picks the indexes by itself.) With `enable_seqscan` off it
    uses an index wherever one can answer, so a Seq Scan left in the plan
    means a query that reads the whole table at any size."""
    with connection.cursor() as cursor:
        for setting in ("enable_seqscan = off", *settings):
            cursor.execute(f"SET LOCAL {setting}")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET ALL")
    return plan


def assert_no_seq_scan(plan: str) -> None:
    for table in ("courses", "modules", "lessons", "activities"):
        assert f"Seq Scan on {table}" not in plan, plan


@on_postgresql
def test_postgresql_search_at_scale_uses_indexes_and_a_fixed_number_of_queries(
    client, django_assert_num_queries
):
    """Every search query reads its rows through an index (see `plan_of`),
    and the catalog's query count does not grow with the catalog."""
    populate_catalog(SCALE)
    course = make_course(topic="Web caching")
    rename_first_lesson(course, "Validators: ETag", "Strong and weak ETag values.")

    sql, params = Course.objects.published().search("etag").query.sql_with_params()
    plan = plan_of(sql, params)
    for index in (
        "courses_search_document_idx",
        "modules_search_document_idx",
        "lessons_search_document_idx",
        "activities_search_document_idx",
    ):
        assert index in plan, plan
    assert_no_seq_scan(plan)
    # A German course's words go through the same indexes.
    sql, params = Course.objects.published().search("Gärten").query.sql_with_params()
    plan = plan_of(sql, params)
    assert "courses_search_document_idx" in plan, plan
    assert "lessons_search_document_idx" in plan, plan
    assert_no_seq_scan(plan)

    # pg_trgm declares `<%` as cheap as comparing two integers, so on small
    # tables the planner would rather test every title than read a trigram
    # index. A word similarity compares trigram sets, about a hundred times
    # that work; given that cost the planner takes the indexes.
    plan = plan_of(
        search._SUGGESTION_SQL, {"text": "validaters", "limit": 8}, "cpu_operator_cost = 0.25"
    )
    for index in ("courses_topic_trgm_idx", "modules_title_trgm_idx", "lessons_title_trgm_idx"):
        assert index in plan, plan
    assert_no_seq_scan(plan)

    plan = plan_of(
        search._SNIPPET_SQL,
        {"text": "etag", "ids": [course.pk], "title_options": "", "body_options": ""},
    )
    assert_no_seq_scan(plan)

    with django_assert_num_queries(4):  # languages, count, page, snippets
        html = catalog_html(client, q="etag")
    assert "<mark>ETag</mark>" in html
    # The languages, the count (nothing), the vocabulary's candidates for
    # "validaters" (the lesson was renamed round the services: its words are
    # not in it), then the similar titles.
    with django_assert_num_queries(4):
        html = catalog_html(client, q="validaters")
    assert "Validators: ETag" in html


@on_postgresql
def test_item_search_documents_follow_edits():
    lesson = rename_first_lesson(make_course(topic="Web"), "Caching", "Nothing yet.")
    assert Course.objects.search("sourdough").count() == 0
    lesson.set_markdown("Bake sourdough.")
    lesson.save()
    assert Course.objects.search("sourdough").count() == 1


@on_postgresql
def test_item_search_migration_is_reversible():
    migration = importlib.import_module("courses.migrations.0009_item_search_and_trigrams")
    languages = importlib.import_module("courses.migrations.0021_search_per_language")
    with connection.schema_editor() as editor:
        languages.backward(None, editor)
        migration.backward(None, editor)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname LIKE '%%trgm%%'")
        assert cursor.fetchone()[0] == 0
    with connection.schema_editor() as editor:
        migration.forward(None, editor)
        languages.forward(None, editor)
    rename_first_lesson(make_course(topic="Web"), "Validators: ETag")
    assert Course.objects.search("etag").count() == 1


# Hostile search text: a normal page from every search box, at a bounded cost.


@pytest.mark.parametrize("query", HOSTILE_SEARCHES)
def test_hostile_search_text_answers_a_normal_page(client, query):
    make_course(topic="Python loops")
    response = client.get(reverse("courses:catalog"), {"q": query})
    assert response.status_code == 200
    assert "courses" in response.context


@pytest.mark.parametrize(
    "query",
    [
        "-- python ---- loops",
        "- - python - - - - loops !!! &| ()",
        "python " + "- " * 40 + "loops",
        "(((( python )))) " + "-(" * 30 + " loops",
    ],
)
def test_a_search_among_hostile_punctuation_finds_its_words(client, query):
    make_course(topic="Python loops")
    make_course(topic="Python classes")
    assert catalog_topics(client, q=query) == ["Python loops"]


@pytest.mark.parametrize("query", ["-" * 40, "- " * 40, '"!&|()<>"', "—…«»", "😀", "___"])
def test_punctuation_alone_is_answered_without_searching(client, query, django_assert_num_queries):
    """No letter or digit, no search: neither the search (which would find
    nothing) nor the trigram suggestions (which would read every entry of their
    indexes to find nothing). The page's one query is the language filter's
    choices."""
    make_course(topic="Python loops")
    with django_assert_num_queries(1):
        html = catalog_html(client, q=query)
    assert "No courses found" in html
    assert "Did you mean" not in html
    with django_assert_num_queries(0):
        assert search_suggestions(query) == []
        assert list(Course.objects.search(query)) == []


def test_normal_search_text_reaches_the_database_unchanged():
    for text in [
        "python loops",
        "python -loops",
        "python - loops",
        "-python",
        "in-depth",
        '"long division" short',
        '-"long division"',
        "c++ or rust",
        "node.js",
        "don't",
        "Gärten",
        "x--y",
    ]:
        assert websearch_text(text) == text


def test_runs_of_negations_become_their_parity():
    # PostgreSQL reads "--x" as NOT NOT x, which is x: the text says so plainly.
    assert websearch_text("-- python") == "python"
    assert websearch_text("--- python") == "-python"
    assert websearch_text("python - - - - loops") == "python     loops"
    assert websearch_text('x -(-(-"a b"') == 'x ((-"a b"'
    assert websearch_text("x" + "-" * 40) == "x" + "-" * 40  # inside a word: no operator
    assert websearch_text("python\x00loops") == "python loops"
    assert websearch_text("- " * 40) == ""
    assert search_words("Über-cool 3D_model!") == ["Über", "cool", "3D", "model"]


# Pieces of websearch syntax (and what its value parser reads: quotes,
# backslashes, modifiers), in any order.
hostile_texts = st.lists(
    st.sampled_from([*"-- \"'\\!&|()<>:*xy", "or ", "é", "python ", "\x00", "—"]), max_size=60
).map("".join)


@on_postgresql
@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=hostile_texts)
def test_postgresql_reads_any_search_text(text):
    """Whatever the operators, quotes and backslashes, PostgreSQL parses what
    the search sends it (no "tsquery stack too small", no syntax error)."""
    list(Course.objects.search(text * 4)[:1])
    search_snippets(text=text * 4, course_ids=[1])


# Each course searched in its own language (migration 0021).


@on_postgresql
def test_postgresql_searches_a_german_course_with_german_stemming(client):
    german = describe(make_course(topic="Gärten im Winter", language="de"), "Beete abdecken.")
    rename_first_lesson(german, "Schnitt", "Die Bäume werden im Februar geschnitten.")
    make_course(topic="Gardens in winter")
    # "Garten" and "Gärten", "Baum" and "Bäume" share their German stems.
    assert catalog_topics(client, q="Garten") == ["Gärten im Winter"]
    assert catalog_topics(client, q="garden") == ["Gardens in winter"]
    assert catalog_topics(client, q="Baum") == ["Gärten im Winter"]
    html = catalog_html(client, q="Baum")
    assert "<mark>Bäume</mark>" in html  # the lesson's text, highlighted in German


@on_postgresql
def test_postgresql_english_courses_match_and_rank_as_before(client):
    """An English course's documents and rank are what the English-only
    search of migrations 0005 and 0009 gave; negation still excludes."""
    describe(make_course(topic="Running code"), "Loops run code again and again.")
    make_course(topic="Python loops")
    assert catalog_topics(client, q="runs") == ["Running code"]
    assert catalog_topics(client, q="loops -python") == ["Running code"]
    ranked = {course.topic: course.search_rank for course in Course.objects.search("loop code")}
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT topic, ts_rank(search_document, websearch_to_tsquery('english', %s)),
                      search_document = setweight(to_tsvector('english', topic), 'A')
                          || setweight(to_tsvector('english', description), 'B'),
                      search_config::text
               FROM courses""",
            ["loop code"],
        )
        rows = cursor.fetchall()
    assert {topic: (configured, same) for topic, _, same, configured in rows} == {
        "Running code": ("english", True),
        "Python loops": ("english", True),
    }
    assert list(ranked) == ["Running code"]  # every word must match
    assert ranked == {topic: pytest.approx(rank) for topic, rank, _, _ in rows if topic in ranked}


@on_postgresql
def test_postgresql_a_language_without_a_configuration_is_searched_simply(client):
    make_course(topic="Ogrody zimą", language="pl")  # no Polish configuration
    assert catalog_topics(client, q="ogrody") == ["Ogrody zimą"]
    assert not Course.objects.search("ogród").exists()  # no stemming


@on_postgresql
def test_postgresql_changing_a_courses_language_rebuilds_its_documents(client):
    course = make_course(topic="Gärten im Winter")  # written in German, marked English
    rename_first_lesson(course, "Schnitt", "Die Bäume werden im Februar geschnitten.")
    # (The catalog would correct "Garten" to "Gärten": the search itself is asked.)
    assert not Course.objects.search("Garten").exists()
    assert not Course.objects.search("Baum").exists()
    course.language = "de"
    course.save()
    assert catalog_topics(client, q="Garten") == ["Gärten im Winter"]
    assert catalog_topics(client, q="Baum") == ["Gärten im Winter"]
    Course.objects.filter(pk=course.pk).update(language="en-gb")
    assert not Course.objects.search("Baum").exists()


@on_postgresql
def test_postgresql_knows_the_configuration_of_every_language():
    from courses.models import LANGUAGE_NAMES, search_config

    codes = sorted(LANGUAGE_NAMES)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT code, athena_search_config(code)::text FROM unnest(%s::text[]) AS code",
            [codes],
        )
        assert dict(cursor.fetchall()) == {code: search_config(code) for code in codes}
    assert search_config("de") == "german"
    assert search_config("pt-br") == "portuguese"
    assert search_config("ja") == "simple"


@on_postgresql
def test_postgresql_per_language_migration_rebuilds_and_is_reversible():
    make_course(topic="Gärten im Winter", language="de")
    migration = importlib.import_module("courses.migrations.0021_search_per_language")
    with connection.cursor() as cursor:  # the course's foreign keys checked before ALTER TABLE
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.schema_editor() as editor:
        migration.backward(None, editor)
    assert "search_config" not in courses_columns()
    with connection.cursor() as cursor:  # English documents again
        cursor.execute(
            "SELECT count(*) FROM courses"
            " WHERE search_document @@ websearch_to_tsquery('german', 'Garten')"
        )
        assert cursor.fetchone()[0] == 0
    with connection.schema_editor() as editor:
        migration.forward(None, editor)  # rebuilds the existing course's documents
    assert [course.topic for course in Course.objects.search("Garten")] == ["Gärten im Winter"]
