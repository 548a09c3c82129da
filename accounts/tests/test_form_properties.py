"""Property tests: random and malformed input to every public form (sign-up,
account confirmation, log-in, password reset, profile, catalog search) answers
a page or a redirect, never a server error, and a refused form changes nothing
in the database."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import LearnerProfile
from accounts.services import activation_token
from courses.models import Course
from tests.factories import make_course, make_user

pytestmark = pytest.mark.django_db
User = get_user_model()

FAST = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# What a browser can send: any text but lone surrogates (not encodable), NUL included.
texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60
) | st.sampled_from(["", "\x00", "a" * 300, "ada@example.com", "ADA@EXAMPLE.COM", "<b>x</b>"])
emails = st.emails() | texts
NO_SERVER_ERROR = {HTTPStatus.OK, HTTPStatus.FOUND, HTTPStatus.TOO_MANY_REQUESTS}


def anonymous() -> Client:
    return Client(raise_request_exception=False)


@FAST
@given(username=texts, email=emails)
def test_sign_up_answers_a_form_or_check_your_e_mail(username, email):
    if not User.objects.filter(username="ada").exists():
        make_user(username="ada")
    before = set(User.objects.values_list("pk", flat=True))
    response = anonymous().post(reverse("accounts:signup"), {"username": username, "email": email})
    assert response.status_code in {HTTPStatus.OK, HTTPStatus.FOUND}
    new = User.objects.exclude(pk__in=before)
    if response.status_code == HTTPStatus.OK:
        assert not new.exists()
    else:
        assert response["Location"] == reverse("accounts:signup-done")
        # At most one account, without a password until its address is confirmed.
        assert new.count() <= 1
        assert not new.filter(is_active=True).exists()
        assert not any(user.has_usable_password() for user in new)


@FAST
@given(password=texts, same=st.booleans())
def test_the_confirmation_page_answers_a_form_or_logs_in(password, same):
    pending = User.objects.filter(username="pending").first()
    if pending is None:
        pending = User(username="pending", email="pending@example.com", is_active=False)
        pending.set_unusable_password()
        pending.save()
    link = reverse(
        "accounts:activate",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(pending.pk)),
            "token": activation_token.make_token(pending),
        },
    )
    response = anonymous().post(
        link, {"new_password1": password, "new_password2": password if same else password + "x"}
    )
    assert response.status_code in {HTTPStatus.OK, HTTPStatus.FOUND}
    pending.refresh_from_db()
    assert pending.is_active == (response.status_code == HTTPStatus.FOUND)
    if pending.is_active:
        assert pending.check_password(password)
        pending.delete()


@FAST
@given(username=texts, password=texts, admin=st.booleans())
def test_log_in_answers_a_form_a_redirect_or_a_lockout(username, password, admin):
    url = "/admin/login/" if admin else reverse("login")
    response = anonymous().post(url, {"username": username, "password": password})
    assert response.status_code in NO_SERVER_ERROR


@FAST
@given(email=emails)
def test_password_reset_answers_the_same_whatever_the_address(email):
    response = anonymous().post(reverse("password_reset"), {"email": email})
    assert response.status_code in {HTTPStatus.OK, HTTPStatus.FOUND}
    if response.status_code == HTTPStatus.FOUND:
        assert response["Location"] == reverse("password_reset_done")


@FAST
@given(level=texts, duration=texts, focus=texts)
def test_the_profile_saves_known_preferences_only(level, duration, focus):
    user = User.objects.filter(username="profiled").first() or make_user(username="profiled")
    client = anonymous()
    client.force_login(user)
    before = list(LearnerProfile.objects.values_list("level", "duration", "focus"))
    response = client.post(
        reverse("accounts:profile"), {"level": level, "duration": duration, "focus": focus}
    )
    assert response.status_code in {HTTPStatus.OK, HTTPStatus.FOUND}
    if response.status_code == HTTPStatus.OK:
        assert list(LearnerProfile.objects.values_list("level", "duration", "focus")) == before


@FAST
@given(
    params=st.dictionaries(
        st.sampled_from(["q", "level", "duration", "focus", "sort", "page", "other"]),
        texts | st.integers(min_value=-(10**30), max_value=10**30).map(str),
        max_size=6,
    )
)
def test_the_catalog_answers_any_search(params):
    if not Course.objects.exists():
        make_course(topic="Searchable")
    response = anonymous().get(reverse("courses:catalog"), params)
    assert response.status_code in {HTTPStatus.OK, HTTPStatus.NOT_FOUND}
