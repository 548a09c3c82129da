"""Sign up, log in (username or e-mail), log out, password change and reset, profile."""

import re
from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from accounts.models import LearnerProfile
from tests.factories import PASSWORD, make_course, make_user
from tests.helpers import link_in

pytestmark = pytest.mark.django_db
User = get_user_model()


def signup(client, **overrides):
    data = {"username": "ada", "email": "ada@example.com", **overrides}
    return client.post(reverse("accounts:signup"), data)


def confirm(client, link, password=PASSWORD):
    """Choose the password on the confirmation page, as the inbox's owner."""
    return client.post(link, {"new_password1": password, "new_password2": password})


def test_sign_up_sends_a_confirmation_link_where_the_password_is_chosen(client):
    response = signup(client)
    assert response["Location"] == reverse("accounts:signup-done")
    user = User.objects.get(username="ada")
    assert user.email == "ada@example.com"
    assert not user.is_active
    assert not user.has_usable_password()
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ada@example.com"]
    link = link_in(mail.outbox[0], "/accounts/activate/")
    page = client.get(link).content.decode()
    assert "Choose the password of the account <strong>ada</strong>" in page
    assert 'name="new_password1"' in page
    # A press of the button alone (a mail scanner's, say) confirms nothing.
    response = client.post(link)
    assert response.status_code == HTTPStatus.OK
    assert "This field is required" in response.content.decode()
    assert not User.objects.get(username="ada").is_active
    response = confirm(client, link)
    assert response["Location"] == reverse("enrollment:dashboard")
    assert client.get(reverse("enrollment:dashboard")).status_code == HTTPStatus.OK
    user.refresh_from_db()
    assert user.is_active
    assert user.check_password(PASSWORD)
    # The link is spent.
    client.post(reverse("logout"))
    assert client.get(link).status_code == HTTPStatus.NOT_FOUND
    assert "invalid or has already been used" in confirm(client, link).content.decode()
    assert "_auth_user_id" not in client.session
    # The chosen password logs in.
    response = client.post(reverse("login"), {"username": "ada", "password": PASSWORD})
    assert response["Location"] == reverse("enrollment:dashboard")


def test_the_confirmation_page_refuses_a_weak_or_mismatched_password(client):
    signup(client)
    link = link_in(mail.outbox[0], "/accounts/activate/")
    for first, second in (("123", "123"), (PASSWORD, PASSWORD + "x"), ("ada", "ada")):
        response = client.post(link, {"new_password1": first, "new_password2": second})
        assert response.status_code == HTTPStatus.OK
        assert 'class="field-error"' in response.content.decode()
    assert not User.objects.get(username="ada").is_active
    assert "_auth_user_id" not in client.session


def test_the_confirmation_link_clicked_again_while_logged_in_goes_to_the_dashboard(client):
    signup(client)
    link = link_in(mail.outbox[0], "/accounts/activate/")
    confirm(client, link)
    for again in (client.get(link), confirm(client, link)):
        assert again.status_code == HTTPStatus.FOUND
        assert again["Location"] == reverse("enrollment:dashboard")
    assert User.objects.get(username="ada").is_active


def test_a_confirmation_link_never_logs_out_another_account_by_a_forged_uid(client):
    make_user(username="grace")
    signup(client)
    link = link_in(mail.outbox[0], "/accounts/activate/")
    grace = User.objects.get(username="grace")
    client.force_login(grace)
    forged = re.sub(r"/activate/[^/]+/", "/activate/Zm9v/", link)
    response = confirm(client, forged)
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "invalid or has already been used" in response.content.decode()
    assert int(client.session["_auth_user_id"]) == grace.pk
    assert not User.objects.get(username="ada").is_active


def test_confirming_while_logged_in_as_another_account_says_it_switches(client):
    grace = make_user(username="grace")
    signup(client)
    link = link_in(mail.outbox[0], "/accounts/activate/")
    client.force_login(grace)
    page = client.get(link).content.decode()
    assert "You are logged in as <strong>grace</strong>" in page
    assert int(client.session["_auth_user_id"]) == grace.pk
    confirm(client, link)
    assert int(client.session["_auth_user_id"]) == User.objects.get(username="ada").pk


def test_an_unconfirmed_account_cannot_log_in(client):
    signup(client)
    response = client.post(reverse("login"), {"username": "ada", "password": PASSWORD})
    assert response.status_code == HTTPStatus.OK
    assert "_auth_user_id" not in client.session


def test_sign_up_refuses_a_taken_username_and_keeps_the_input(client):
    make_user(username="grace")
    response = signup(client, username="GRACE")
    assert response.status_code == HTTPStatus.OK
    text = response.content.decode()
    assert "A user with that username already exists" in text
    assert 'value="ada@example.com"' in text
    assert not User.objects.filter(email="ada@example.com").exists()
    assert not mail.outbox


def test_sign_up_with_an_address_in_use_looks_the_same_and_notifies_its_owner(client):
    make_user(username="grace")
    new = signup(client, username="newcomer", email="new@example.com")
    taken = signup(client, username="impostor", email="GRACE@example.com")
    assert taken.status_code == new.status_code == HTTPStatus.FOUND
    assert taken["Location"] == new["Location"] == reverse("accounts:signup-done")
    assert client.get(taken["Location"]).content == client.get(new["Location"]).content
    assert User.objects.filter(email__iexact="grace@example.com").count() == 1
    assert not User.objects.filter(username="impostor").exists()
    notice = mail.outbox[-1]
    assert notice.to == ["grace@example.com"]
    assert "tried to create an Athena account" in notice.body
    assert "/accounts/password_reset/" in notice.body
    assert "/accounts/activate/" not in notice.body


def test_password_reset_looks_the_same_for_known_and_unknown_addresses(client):
    make_user(username="hopper")
    known = client.post(reverse("password_reset"), {"email": "HOPPER@example.com"})
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    assert [message.to for message in mail.outbox] == [["hopper@example.com"]]


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
