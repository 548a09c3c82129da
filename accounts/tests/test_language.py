"""The interface's language: the learner's profile first, else the switcher
(a POST to Django's set_language: a cookie), else the browser's
Accept-Language, else English; Arabic pages read right to left."""

import re
from http import HTTPStatus

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import LearnerProfile
from tests.factories import make_course, make_user

pytestmark = pytest.mark.django_db

BACKEND = "accounts.backends.UsernameOrEmailBackend"


def page_language(response) -> tuple[str, str]:
    match = re.search(r'<html lang="([^"]+)" dir="([^"]+)">', response.content.decode())
    return match.group(1), match.group(2)


def signed_in(user) -> Client:
    """A client logged in as a real log-in leaves it (the session names
    Athena's backend, which reads the profile's language with the user)."""
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def choose(client: Client, language: str, next_url: str = "/courses/"):
    return client.post(reverse("set-language"), {"language": language, "next": next_url})


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("de-DE,de;q=0.9,en;q=0.5", ("de", "ltr")),
        ("ar", ("ar", "rtl")),
        ("fr-FR,fr;q=0.9", ("en", "ltr")),
        ("", ("en", "ltr")),
    ],
)
def test_a_visitor_gets_the_browsers_language_else_english(client, accept, expected):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=accept)
    assert page_language(response) == expected
    assert response["Content-Language"] == expected[0]
    # A shared cache keeps one answer per language and per switcher cookie.
    vary = {part.strip() for part in response["Vary"].split(",")}
    assert {"Accept-Language", "Cookie"} <= vary


def test_the_switcher_beats_the_browser_and_goes_back_where_it_was(client):
    response = choose(client, "ar", "/courses/?q=python")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/courses/?q=python"
    page = client.get("/courses/", HTTP_ACCEPT_LANGUAGE="de")
    assert page_language(page) == ("ar", "rtl")


def test_the_profile_beats_the_switcher_and_the_browser():
    learner = make_user()
    LearnerProfile.objects.create(user=learner, language="de")
    client = signed_in(learner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    assert page_language(client.get("/", HTTP_ACCEPT_LANGUAGE="ar")) == ("de", "ltr")


def test_a_learner_switching_keeps_the_choice_in_their_profile():
    learner = make_user()
    client = signed_in(learner)
    choose(client, "de")
    assert LearnerProfile.objects.get(user=learner).language == "de"
    # On another device, without the cookie, the profile still says German.
    assert page_language(signed_in(learner).get("/")) == ("de", "ltr")


def test_a_learner_chooses_on_the_profile_page_and_may_go_back_to_the_browsers():
    learner = make_user()
    client = signed_in(learner)
    data = {"level": "", "duration": "", "focus": "", "language": "ar"}
    assert client.post(reverse("accounts:profile"), data).status_code == HTTPStatus.FOUND
    assert page_language(client.get("/", HTTP_ACCEPT_LANGUAGE="de")) == ("ar", "rtl")
    client.post(reverse("accounts:profile"), {**data, "language": ""})
    assert page_language(client.get("/", HTTP_ACCEPT_LANGUAGE="de")) == ("de", "ltr")


def test_the_profile_and_the_switchers_cookie_never_disagree():
    learner = make_user()
    client = signed_in(learner)
    choose(client, "ar")
    data = {"level": "", "duration": "", "focus": "", "language": ""}
    # "As my browser asks" means the browser, not the switch made before it.
    client.post(reverse("accounts:profile"), data)
    assert page_language(client.get("/", HTTP_ACCEPT_LANGUAGE="de")) == ("de", "ltr")
    # A language chosen on the profile stays after logging out.
    client.post(reverse("accounts:profile"), {**data, "language": "de"})
    client.post(reverse("logout"))
    assert page_language(client.get("/", HTTP_ACCEPT_LANGUAGE="ar")) == ("de", "ltr")


def test_an_unknown_language_is_refused_on_the_profile_and_ignored_by_the_switcher(client):
    learner = make_user()
    profile_client = signed_in(learner)
    data = {"level": "", "duration": "", "focus": "", "language": "xx"}
    refused = profile_client.post(reverse("accounts:profile"), data)
    assert refused.status_code == HTTPStatus.OK
    assert "Select a valid choice" in refused.content.decode()
    choose(profile_client, "xx")
    assert LearnerProfile.objects.filter(user=learner).exclude(language="").count() == 0
    choose(client, "xx")
    assert page_language(client.get("/")) == ("en", "ltr")


def test_the_switcher_page_offers_every_language_and_posts_with_a_token(client):
    page = client.get(reverse("language"), {"next": "/courses/"})
    html = page.content.decode()
    for code, _ in settings.LANGUAGES:
        assert f'name="language" value="{code}"' in html
    assert 'name="next" value="/courses/"' in html
    assert "csrfmiddlewaretoken" in html
    # Somewhere else than this site is not where it goes back to.
    elsewhere = client.get(reverse("language"), {"next": "https://evil.example/"})
    assert 'name="next" value="/"' in elsewhere.content.decode()
    assert client.post(reverse("language")).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert client.get(reverse("set-language")).status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_the_switcher_needs_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("set-language"), {"language": "de", "next": "/"})
    assert response.status_code == HTTPStatus.FORBIDDEN


def test_every_page_links_to_the_switcher_and_a_visitors_course_page_stays_public(client):
    course = make_course()
    response = client.get(course.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="de")
    html = response.content.decode()
    assert f'href="{reverse("language")}?next={course.get_absolute_url()}"' in html.replace(
        "%2F", "/"
    )
    assert '<span lang="de">Deutsch</span>' in html
    assert "public" in response["Cache-Control"]
    assert not response.cookies
