"""Sign up, log in (username or e-mail), log out, password change and reset, profile."""

import re
from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from accounts.models import LearnerProfile
from tests.factories import PASSWORD, make_course, make_user

pytestmark = pytest.mark.django_db
User = get_user_model()


def signup(client, **overrides):
    data = {
        "username": "ada",
        "email": "ada@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }
    return client.post(reverse("accounts:signup"), data)


def test_sign_up_creates_the_account_and_logs_in(client):
    response = signup(client)
    assert response["Location"] == reverse("enrollment:dashboard")
    user = User.objects.get(username="ada")
    assert user.email == "ada@example.com"
    assert client.get(reverse("enrollment:dashboard")).status_code == HTTPStatus.OK


def test_sign_up_refuses_weak_passwords_and_keeps_the_input(client):
    response = signup(client, password1="123", password2="123")
    assert response.status_code == HTTPStatus.OK
    text = response.content.decode()
    assert "This password is too short" in text
    assert 'value="ada@example.com"' in text
    assert not User.objects.exists()


def test_sign_up_refuses_an_email_already_in_use(client):
    make_user(username="grace")
    response = signup(client, email="GRACE@example.com")
    assert "already exists" in response.content.decode()
    assert User.objects.count() == 1


def test_log_in_with_username_or_email(client):
    user = make_user(username="linus")
    for identifier in ("linus", "linus@example.com", "LINUS@example.com"):
        response = client.post(reverse("login"), {"username": identifier, "password": PASSWORD})
        assert response.status_code == HTTPStatus.FOUND, identifier
        assert response["Location"] == reverse("enrollment:dashboard")
        assert int(client.session["_auth_user_id"]) == user.pk
        client.post(reverse("logout"))


def test_a_wrong_password_re_renders_the_form(client):
    make_user(username="linus")
    response = client.post(reverse("login"), {"username": "linus", "password": "nope"})
    assert response.status_code == HTTPStatus.OK
    assert "Please enter a correct username and password" in response.content.decode()


def test_log_in_ignores_an_unsafe_next(client):
    make_user(username="linus")
    response = client.post(
        reverse("login"),
        {"username": "linus", "password": PASSWORD, "next": "https://evil.example.com/"},
    )
    assert response["Location"] == reverse("enrollment:dashboard")


def test_log_out_is_a_post(client):
    client.force_login(make_user())
    assert client.get(reverse("logout")).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    response = client.post(reverse("logout"))
    assert response["Location"] == reverse("courses:home")
    assert "_auth_user_id" not in client.session


def test_password_change(client):
    user = make_user()
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-newer-passphrase",
            "new_password2": "a-much-newer-passphrase",
        },
    )
    assert response["Location"] == reverse("password_change_done")
    user.refresh_from_db()
    assert user.check_password("a-much-newer-passphrase")


def test_password_reset_by_email(client):
    user = make_user(username="hopper")
    client.post(reverse("password_reset"), {"email": "hopper@example.com"})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "brand-new-passphrase", "new_password2": "brand-new-passphrase"},
    )
    assert response["Location"] == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password("brand-new-passphrase")


def test_password_reset_does_not_reveal_unknown_addresses(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response["Location"] == reverse("password_reset_done")
    assert not mail.outbox


def test_profile_needs_login(client):
    response = client.get(reverse("accounts:profile"))
    assert response["Location"].startswith(reverse("login"))


def test_profile_saves_preferences_and_offers_matching_courses(client):
    user = make_user()
    client.force_login(user)
    match = make_course(
        topic="Deep SQL", preferences={"level": "advanced", "duration": "long", "focus": "in-depth"}
    )
    make_course(
        topic="Intro", preferences={"level": "beginner", "duration": "short", "focus": "broad"}
    )
    response = client.post(
        reverse("accounts:profile"), {"level": "advanced", "duration": "", "focus": "in-depth"}
    )
    assert response["Location"] == reverse("accounts:profile")
    profile = LearnerProfile.objects.get(user=user)
    assert profile.preferences == {"level": "advanced", "focus": "in-depth"}
    text = client.get(reverse("accounts:profile")).content.decode()
    assert match.topic in text
    assert "Intro" not in text
    assert f"{reverse('courses:catalog')}?level=advanced&amp;focus=in-depth" in text


def test_profile_dropdowns_say_no_preference_for_any(client):
    client.force_login(make_user())
    html = client.get(reverse("accounts:profile")).content.decode()
    assert "---------" not in html
    for name in ("level", "duration", "focus"):
        select = html.split(f'name="{name}"')[1].split("</select>")[0]
        assert '<option value="" selected>No preference</option>' in select


def test_profile_refuses_an_unknown_preference(client):
    client.force_login(make_user())
    response = client.post(reverse("accounts:profile"), {"level": "expert"})
    assert response.status_code == HTTPStatus.OK
    assert "Select a valid choice" in response.content.decode()
    assert not LearnerProfile.objects.exists()


def test_repeated_wrong_passwords_lock_the_account_out(client, settings):
    make_user(username="target")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(reverse("login"), {"username": "target", "password": "guess"})
        assert response.status_code == HTTPStatus.OK
    response = client.post(reverse("login"), {"username": "target", "password": "guess"})
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    # Even the right password is refused during the lockout.
    response = client.post(reverse("login"), {"username": "target", "password": PASSWORD})
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Too many failed log-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_catalog_offers_courses_matching_the_learners_preferences(client):
    user = make_user()
    client.force_login(user)
    assert (
        reverse("accounts:matching-courses")
        in client.get(reverse("courses:catalog")).content.decode()
    )
    response = client.get(reverse("accounts:matching-courses"))
    assert response["Location"] == reverse("accounts:profile")
    LearnerProfile.objects.create(user=user, level="advanced", focus="in-depth")
    response = client.get(reverse("accounts:matching-courses"))
    assert response["Location"] == f"{reverse('courses:catalog')}?level=advanced&focus=in-depth"
    make_course(
        topic="Deep SQL", preferences={"level": "advanced", "duration": "long", "focus": "in-depth"}
    )
    make_course(
        topic="Intro", preferences={"level": "beginner", "duration": "short", "focus": "broad"}
    )
    html = client.get(response["Location"]).content.decode()
    assert "Deep SQL" in html
    assert "Intro" not in html


def test_sign_up_when_already_logged_in_goes_to_the_dashboard(client):
    client.force_login(make_user())
    response = client.get(reverse("accounts:signup"))
    assert response["Location"] == reverse("enrollment:dashboard")
    response = signup(client, username="second")
    assert not User.objects.filter(username="second").exists()


def test_a_used_or_forged_reset_link_says_so(client):
    make_user(username="hopper")
    response = client.get("/accounts/reset/MQ/set-password/", follow=True)
    text = response.content.decode()
    assert "This password reset link is invalid or has already been used." in text
    assert 'name="new_password1"' not in text
