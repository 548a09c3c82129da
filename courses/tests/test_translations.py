"""The course pages in the learner's language: German and Arabic from the
shipped catalogs, English where none is asked for."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from courses.models import Duration, minutes_label
from courses.views import catalog_heading
from tests.factories import course_items, make_content_editor, make_course

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


def page(client, url: str, language: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_the_catalog_speaks_german_and_arabic(client):
    make_course(topic="Python", preferences={"level": "beginner", "duration": "short"})
    url = reverse("courses:catalog")
    german = page(client, url, "de")
    assert "Alle Kurse" in german
    assert "Kurse anzeigen" in german
    assert "Jedes Niveau" in german
    assert "Einsteiger" in german  # the card's level badge
    assert "1 Kurs." in german
    cache.clear()
    arabic = page(client, url, "ar")
    assert "كل الدورات" in arabic
    assert "عرض الدورات" in arabic
    assert "مبتدئ" in arabic
    cache.clear()
    assert "All courses" in page(client, url, "en")


def test_a_search_heading_is_one_translated_sentence(client):
    make_course(topic="Python basics", preferences={"level": "beginner"})
    url = reverse("courses:catalog") + "?q=python&level=beginner"
    assert "1 Kurs (für Einsteiger) zu „python“" in page(client, url, "de")
    with translation.override("en"):
        heading = catalog_heading(
            total=2, capped=False, preferences={"level": "beginner"}, text="python"
        )
    assert heading == "2 beginner courses matching “python”"


def test_a_quiz_and_its_outline_in_german_then_english(client):
    course = make_course(topic="Statistik", modules=1, lessons=1, quizzes=1)
    quiz = course_items(course)[1]
    german = page(client, quiz.get_absolute_url(), "de")
    assert "Kursübersicht" in german
    assert '<span class="outline__kind">Lektion</span>' in german
    assert "Melde dich an, um deine Antwort zu prüfen" in german
    # The outline is made once per course and language: English stays English.
    cache.clear()
    english = page(client, quiz.get_absolute_url(), "en")
    assert '<span class="outline__kind">Lesson</span>' in english
    assert "Log in to check your answer" in english


def test_labels_stay_english_where_no_language_is_active():
    """Generation prompts and logs use the labels outside any request."""
    with translation.override(None):
        assert str(Duration.SHORT.label) == "Short (up to 2 h)"
        assert minutes_label(90) == "about 1 h 30 min"
    with translation.override("de"):
        assert str(Duration.SHORT.label) == "Kurz (bis 2 Std.)"
        assert minutes_label(90) == "etwa 1 Std. 30 Min."


def test_the_course_admin_and_its_scripts_speak_german(client):
    """Staff pages: Athena's own additions, and the words its scripts show
    (data-text-* attributes, read by admin-athena/*.js)."""
    course = make_course(topic="Statistik", modules=1, lessons=1, quizzes=1)
    client.force_login(make_content_editor())
    module = course.modules.get()
    quiz = course_items(course)[1]
    html = page(client, reverse("admin:courses_module_change", args=[module.pk]), "de")
    assert "Lektionen und Quizze in der Reihenfolge, in der Lernende sie sehen" in html
    assert 'data-text-moved="{title} verschoben auf {position}."' in html
    html = page(client, reverse("admin:courses_activity_change", args=[quiz.pk]), "de")
    assert 'data-text-add="Option hinzufügen"' in html
    assert "Richtige Antwort" in html


def test_the_deletion_check_names_progress_in_each_editors_language():
    from django.utils import translation

    from courses.admin import item_progress_names

    with translation.override("de"):
        german = item_progress_names()
    english = item_progress_names()
    assert "lesson completion" in english
    assert german.isdisjoint(english)
