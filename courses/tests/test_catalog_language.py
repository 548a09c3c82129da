"""The catalog's language filter, and the learner's language offered as one."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import LearnerProfile
from courses.models import Course, published_languages
from tests.factories import make_course, make_user

pytestmark = pytest.mark.django_db

BEGINNER = {"level": "beginner", "duration": "short", "focus": "broad"}
ADVANCED = {"level": "advanced", "duration": "long", "focus": "in-depth"}


@pytest.fixture
def catalog() -> None:
    make_course(topic="Gärten im Winter", language="de", preferences=BEGINNER)
    make_course(topic="Obstbäume schneiden", language="de", preferences=ADVANCED)
    make_course(topic="Gardens in winter", preferences=BEGINNER)
    make_course(topic="Jardins en hiver", language="fr", publish=False)  # a draft


def get(client, accept_language: str = "en", **params):
    """The catalog for a visitor whose browser asks for `accept_language`
    (the interface's language, athena.middleware.LearnerLanguageMiddleware)."""
    response = client.get(
        reverse("courses:catalog"), params, headers={"accept-language": accept_language}
    )
    assert response.status_code == 200
    return response


def topics(response) -> list[str]:
    return sorted(course.topic for course in response.context["courses"])


def language_options(response) -> list[tuple[str, str]]:
    return list(response.context["form"].fields["language"].choices)


def test_the_filter_offers_the_languages_of_published_courses_by_name(client, catalog):
    response = get(client)
    assert language_options(response) == [
        ("", "Any language"),
        ("de", "Deutsch (German)"),
        ("en", "English"),
    ]  # French: only a draft
    html = response.content.decode()
    assert '<label for="id_language">Language</label>' in html
    assert '<option value="de">Deutsch (German)</option>' in html
    assert published_languages() == ["de", "en"]


def test_the_filter_shows_only_courses_in_that_language(client, catalog):
    response = get(client, language="de")
    assert topics(response) == ["Gärten im Winter", "Obstbäume schneiden"]
    html = response.content.decode()
    assert "2 courses in Deutsch" in html
    assert '<option value="de" selected>Deutsch (German)</option>' in html
    assert "Clear filters" in html
    assert topics(get(client, language="en")) == ["Gardens in winter"]
    assert len(topics(get(client))) == 3  # any language


def test_the_filter_combines_with_the_others_and_search(client, catalog):
    assert topics(get(client, language="de", level="beginner")) == ["Gärten im Winter"]
    assert topics(get(client, language="en", level="advanced")) == []
    assert topics(get(client, q="winter", language="de")) == ["Gärten im Winter"]
    assert get(client, q="winter", language="de").context["heading"] == (
        "1 course matching “winter”, in Deutsch"
    )


def test_a_language_without_published_courses_is_ignored_with_a_note(client, catalog):
    response = get(client, language="fr")
    assert len(topics(response)) == 3
    assert "were not recognised" in response.content.decode()


def test_a_filtered_page_costs_the_same_queries(client, catalog, django_assert_num_queries):
    # The languages (the filter's choices), the count, the page.
    with django_assert_num_queries(3):
        get(client, language="de", level="beginner", sort="popular")


def test_the_learners_language_is_offered_never_applied(client, catalog):
    response = get(client, "de")
    html = response.content.decode()
    # Every course is listed; the German ones are one click away.
    assert len(topics(response)) == 3
    assert (
        f'<a href="{reverse("courses:catalog")}?language=de">'
        'Nur Kurse auf <span lang="de">Deutsch</span> zeigen</a>'
    ) in html
    # A search and the other filters are kept by the link.
    html = get(client, "de", q="winter", level="beginner").content.decode()
    link = f"{reverse('courses:catalog')}?q=winter&amp;level=beginner&amp;language=de"
    assert f'href="{link}"' in html
    # Once a language is chosen, no suggestion.
    assert "catalog-suggestion" not in get(client, "de", language="en").content.decode()
    # English for an English interface; nothing for Arabic, no course is in it.
    english = 'Show only courses in <span lang="en">English</span>'
    assert english in get(client, "en-US").content.decode()
    assert "catalog-suggestion" not in get(client, "ar").content.decode()


def test_the_suggestion_follows_the_learners_profile_language(client, catalog):
    learner = make_user()
    LearnerProfile.objects.update_or_create(user=learner, defaults={"language": "de"})
    client.force_login(learner)
    # The page is in German (the profile's language), and so is the offer.
    assert (
        'Nur Kurse auf <span lang="de">Deutsch</span> zeigen' in get(client, "en").content.decode()
    )


def test_no_suggestion_when_every_course_is_in_one_language(client):
    make_course(topic="Gardens in winter")
    assert "Show only courses in" not in get(client, "en").content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
def test_postgresql_answers_the_languages_and_the_filter_from_the_index(catalog):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("ANALYZE courses")
        from courses import models

        cursor.execute("EXPLAIN " + models._PUBLISHED_LANGUAGES_SQL, ["published"] * 2)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "courses_status_language_idx" in plan, plan
    assert "Seq Scan" not in plan, plan
    sql, params = (
        Course.objects.published().filter(language="de").values("pk").query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "courses_status_language_idx" in plan, plan


def test_a_heading_for_one_language_says_when_there_are_more_than_it_counts():
    from courses.views import catalog_heading

    heading = catalog_heading(total=1200, capped=True, preferences={}, text="", language="de")
    assert heading == "More than 1200 courses in Deutsch"
    nothing = catalog_heading(total=0, capped=False, preferences={}, text="", language="de")
    assert nothing == "No courses in Deutsch"
