"""A catalog that forgives: misspelt searches find their courses through the
vocabulary of the published courses' words, with "Did you mean" naming the
corrections, on every database (the same code runs on each)."""

from __future__ import annotations

import importlib
from html import unescape
from pathlib import Path

import pytest
from django.apps import apps as global_apps
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from courses import migrations
from courses.models import Course, CourseSearchWord, SearchWord
from courses.services import (
    course_delete,
    course_unpublish,
    module_update,
)
from courses.vocabulary import candidate_words, correct_search, edit_distance
from tests.factories import make_course

pytestmark = pytest.mark.django_db


def catalog(client, **params):
    response = client.get(reverse("courses:catalog"), params)
    assert response.status_code == 200
    return response


def topics(response) -> list[str]:
    return [course.topic for course in response.context["courses"]]


def did_you_mean(response) -> str:
    """The page's "Did you mean" line as a reader sees it, or ""."""
    html = response.content.decode()
    start = html.find('<p class="suggestions did-you-mean">')
    if start < 0:
        return ""
    text = html[start : html.index("</p>", start)]
    while "<" in text:
        opening = text.index("<")
        text = text[:opening] + text[text.index(">", opening) + 1 :]
    return " ".join(unescape(text).split())


def counts(*words: str) -> dict[str, int]:
    return dict(SearchWord.objects.filter(word__in=words).values_list("word", "course_count"))


def test_a_misspelt_word_finds_the_course_and_says_did_you_mean(client):
    make_course(topic="Python for data analysis")
    make_course(topic="Gardening basics")
    response = catalog(client, q="pyhton")
    assert topics(response) == ["Python for data analysis"]
    assert did_you_mean(response) == (
        "Did you mean python? Showing results for “python” instead of “pyhton”."
    )
    html = response.content.decode()
    # The link searches the corrected words; the box keeps what was typed.
    assert f'href="{reverse("courses:catalog")}?q=python"' in html
    assert 'value="pyhton"' in html
    assert "1 course matching “python”" in html


def test_several_words_are_corrected_and_the_rest_kept(client):
    make_course(topic="Statistics: the normal distribution")
    make_course(topic="Statistics for managers")
    make_course(topic="Probability distribution basics")
    response = catalog(client, q="statistcs distribution")
    assert topics(response) == ["Statistics: the normal distribution"]
    assert "Showing results for “statistics distribution”" in did_you_mean(response)
    assert "<strong>statistics</strong> distribution</a>" in response.content.decode()


def test_preference_words_and_filters_stay_in_the_corrected_link(client):
    make_course(topic="Python basics", preferences={"level": "beginner"})
    response = catalog(client, q="pyhton beginner", sort="newest")
    assert topics(response) == ["Python basics"]
    assert f'href="{reverse("courses:catalog")}?q=python+beginner&amp;sort=newest"' in (
        response.content.decode()
    )


def test_a_correctly_spelt_search_shows_no_correction(client, django_assert_num_queries):
    make_course(topic="Python for data analysis")
    # Languages, count, page, snippets: no vocabulary lookup.
    with django_assert_num_queries(4):
        response = catalog(client, q="python")
    assert topics(response) == ["Python for data analysis"]
    assert did_you_mean(response) == ""


def test_nonsense_shows_no_correction_and_offers_to_build_a_course(client):
    make_course(topic="Python for data analysis")
    response = catalog(client, q="xqzvw")
    assert topics(response) == []
    assert did_you_mean(response) == ""
    html = response.content.decode()
    assert "No courses found" in html
    assert f'href="{reverse("generation:new")}?topic=xqzvw"' in html


def test_known_words_that_find_nothing_together_are_not_corrected(client):
    make_course(topic="Python basics")
    make_course(topic="Gardening basics")
    response = catalog(client, q="python gardening")
    assert topics(response) == []
    assert did_you_mean(response) == ""


def test_corrections_cost_a_fixed_number_of_queries(client, django_assert_num_queries):
    for number in range(30):
        make_course(topic=f"Python part {number}")
    # The languages (the filter's choices), the empty count, the vocabulary,
    # the corrected count, its page, the snippets.
    with django_assert_num_queries(6):
        response = catalog(client, q="pyhton")
    assert len(topics(response)) == 24
    # Nothing to correct: languages, the empty count, the vocabulary, the similar titles.
    with django_assert_num_queries(4):
        catalog(client, q="xqzvw")


def test_a_drafts_words_are_never_suggested(client):
    make_course(topic="Chromatography secrets", publish=False)
    make_course(topic="Chemistry basics")
    response = catalog(client, q="chromatografy")
    assert did_you_mean(response) == ""
    assert "Chromatography" not in response.content.decode()
    assert correct_search("chromatografy") is None
    assert not SearchWord.objects.filter(word="chromatography").exists()


def test_unpublishing_or_deleting_a_course_takes_its_words_away(client):
    course = make_course(topic="Photosynthesis explained")
    other = make_course(topic="Photosynthesis in algae")
    assert counts("photosynthesis", "algae") == {"photosynthesis": 2, "algae": 1}
    assert sorted(topics(catalog(client, q="photosynthsis"))) == [
        "Photosynthesis explained",
        "Photosynthesis in algae",
    ]
    course_unpublish(course_ids=[course.pk])
    assert counts("photosynthesis", "explained") == {"photosynthesis": 1, "explained": 0}
    assert correct_search("explaned") is None
    course_delete(course_ids=[other.pk])
    assert counts("photosynthesis", "algae") == {"photosynthesis": 0, "algae": 0}
    response = catalog(client, q="photosynthsis")
    assert topics(response) == []
    assert did_you_mean(response) == ""


def test_editing_a_title_moves_its_words(client):
    course = make_course(topic="Cooking")
    module = course.modules.first()
    module_update(module=module, data={"title": "Fermentation at home"})
    assert counts("fermentation") == {"fermentation": 1}
    assert topics(catalog(client, q="fermentaion")) == ["Cooking"]
    module_update(module=module, data={"title": "Baking bread"})
    assert counts("fermentation", "baking") == {"fermentation": 0, "baking": 1}
    assert CourseSearchWord.objects.filter(course=course, word="fermentation").count() == 0


def test_the_admin_deletes_a_courses_words_with_it(admin_user):
    course = make_course(topic="Volcanology")
    request = RequestFactory().post("/")
    request.user = admin_user
    admin.site.get_model_admin(Course).delete_queryset(request, Course.objects.filter(pk=course.pk))
    assert counts("volcanology") == {"volcanology": 0}
    assert not Course.objects.filter(pk=course.pk).exists()


def test_ties_go_to_the_word_more_courses_use():
    make_course(topic="Rust ownership")
    make_course(topic="Rust lifetimes")
    make_course(topic="Rest APIs")
    assert correct_search("rast").text == "rust"


def test_short_words_take_one_edit_and_long_words_two():
    make_course(topic="Java concurrency")
    assert correct_search("jvaa").text == "java"  # a swap is one edit
    assert correct_search("jxxa") is None  # two edits in a four-letter word
    assert correct_search("concurency").text == "concurrency"
    assert correct_search("cnocurenyc") is None  # three edits


def test_quoted_and_negated_words_are_left_as_typed():
    make_course(topic="Python basics")
    assert correct_search('"pyhton"') is None
    assert correct_search("-pyhton") is None
    assert correct_search("basics -pyhton") is None


def test_edit_distance_counts_swaps_as_one_edit():
    assert edit_distance("pyhton", "python", 2) == 1
    assert edit_distance("statistcs", "statistics", 2) == 1
    assert edit_distance("kitten", "sitting", 5) == 3
    assert edit_distance("kitten", "sitting", 2) == 3  # limit + 1: more than the limit
    assert edit_distance("abc", "abc", 1) == 0


def test_the_migration_fills_the_vocabulary_from_published_courses():
    make_course(topic="Glaciology", publish=True)
    make_course(topic="Secret draft", publish=False)
    # By name, whatever its number (merges may renumber it).
    (path,) = Path(migrations.__file__).parent.glob("*_search_vocabulary.py")
    migration = importlib.import_module(f"courses.migrations.{path.stem}")
    migration.empty_vocabulary(global_apps, None)
    assert not SearchWord.objects.exists()
    migration.fill_vocabulary(global_apps, None)
    assert counts("glaciology", "secret", "draft") == {"glaciology": 1}
    assert CourseSearchWord.objects.filter(word="glaciology").count() == 1


def test_candidates_are_read_through_the_initial_and_length_index():
    make_course(topic="Python basics")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = candidate_words(["pyhton", "basisc"]).explain()
    assert "search_words_initial_len_idx" in plan


def test_the_next_page_of_a_corrected_search_is_the_corrections(client):
    per_page = 24
    for number in range(per_page + 2):
        make_course(topic=f"Python basics {number}", modules=1, lessons=1, quizzes=0)
    first = catalog(client, q="pyhton")
    assert len(topics(first)) == per_page
    assert "page=2" in first.content.decode()
    second = catalog(client, q="pyhton", page=2)
    assert len(topics(second)) == 2
    assert did_you_mean(second).startswith("Did you mean python?")
    assert client.get(reverse("courses:catalog"), {"q": "pyhton", "page": 3}).status_code == 404
    assert client.get(reverse("courses:catalog"), {"q": "zzqx", "page": 2}).status_code == 404


def test_past_the_last_page_of_a_search_that_finds_courses_is_not_corrected(client):
    make_course(topic="Gardening for everyone")
    make_course(topic="Python basics")
    # "gardening" is found (by its stem where there is one); there is no page 2.
    response = client.get(reverse("courses:catalog"), {"q": "gardening", "page": 2})
    assert response.status_code == 404
