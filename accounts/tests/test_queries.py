"""Exact query counts on the account pages: log-in, sign-up, log-out, profile,
password change and reset."""

import re
from http import HTTPStatus

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import LearnerProfile
from tests.factories import PASSWORD, make_course, make_user

pytestmark = pytest.mark.django_db

# Session and user: what every logged-in request reads first.
SESSION = 2
# The notification bell's unread count, read on every logged-in page that
# shows the bell (notifications.selectors).
BELL = 1


@pytest.fixture(autouse=True)
def thirty_courses():
    """Enough courses that the profile's matching list would show a query per course."""
    for _ in range(30):
        make_course(modules=1)


@pytest.mark.parametrize(
    "url_name", ["login", "accounts:signup", "password_reset", "password_reset_done"]
)
def test_anonymous_account_page_counts(client, django_assert_num_queries, url_name):
    # Forms only: no session yet, nothing to read. None of these views is
    # public, so the page cache does not even read its version.
    with django_assert_num_queries(0):
        response = client.get(reverse(url_name))
    assert response.status_code == HTTPStatus.OK


@pytest.mark.parametrize(
    ("url_name", "queries"),
    [
        ("accounts:profile", 1),  # the learner's profile (none yet)
        ("password_change", 0),
        ("password_change_done", 0),
    ],
)
def test_learner_account_page_counts(client, learner, django_assert_num_queries, url_name, queries):
    with django_assert_num_queries(SESSION + queries + BELL):
        response = client.get(reverse(url_name))
    assert response.status_code == HTTPStatus.OK


def test_profile_with_preferences_count(client, learner, django_assert_num_queries):
    LearnerProfile.objects.create(user=learner, level="beginner", duration="short")
    # The profile, the bell, then the first six courses matching it.
    with django_assert_num_queries(SESSION + 2 + BELL):
        response = client.get(reverse("accounts:profile"))
    assert len(response.context["matching_courses"]) == 6
    # The profile and its update.
    with django_assert_num_queries(SESSION + 2):
        response = client.post(reverse("accounts:profile"), {"level": "advanced"})
    assert response.status_code == HTTPStatus.FOUND
    with django_assert_num_queries(SESSION + 1):  # the saved preferences
        response = client.get(reverse("accounts:matching-courses"))
    assert response.status_code == HTTPStatus.FOUND


def test_log_in_and_log_out_counts(client, django_assert_num_queries):
    user = make_user()
    # The account the username names (accounts.lockout, once a request);
    # django-axes: the failures so far for the account from this address, the
    # account and the address (one query: accounts.lockout.LockoutHandler);
    # the user; the new session (existence check, insert in a savepoint: 4);
    # axes' expired attempts, the access log's insert, the account's failures
    # from this address cleared (3); last_login; the session's rotated data
    # (update in a savepoint: 3). The bell's count is not primed at log-in:
    # each page reads it.
    with django_assert_num_queries(1 + 1 + 1 + 4 + 3 + 1 + 3):
        response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response["Location"] == reverse("enrollment:dashboard")
    # django-axes: its attempts and the access log's logout time; then the
    # session, read and deleted.
    with django_assert_num_queries(SESSION + 2 + 2):
        response = client.post(reverse("logout"))
    assert response["Location"] == reverse("courses:home")


def test_failed_log_in_count(client, django_assert_num_queries):
    user = make_user()
    # The account the username names; django-axes: the failures so far (one
    # query for every limit), the user, then the failed attempt recorded
    # (read, get-or-create in savepoints: 7) and the failures again (1).
    with django_assert_num_queries(1 + 1 + 1 + 7 + 1):
        response = client.post(reverse("login"), {"username": user.username, "password": "nope"})
    assert response.status_code == HTTPStatus.OK


def test_sign_up_count(client, django_assert_num_queries):
    data = {"username": "ada", "email": "ada@example.com"}
    # The account with that e-mail, whether another has the username (any
    # case), then in a savepoint (2) the address's account again, locked, and
    # the inactive account's insert; no log-in until the address is confirmed.
    with django_assert_num_queries(2 + 2 + 2):
        response = client.post(reverse("accounts:signup"), data)
    assert response["Location"] == reverse("accounts:signup-done")


def test_password_change_count(client, learner, django_assert_num_queries):
    data = {
        "old_password": PASSWORD,
        "new_password1": "a-much-newer-passphrase",
        "new_password2": "a-much-newer-passphrase",
    }
    # The password's update; the session cycled to a new key (existence check,
    # insert in a savepoint, the old one read and deleted: 6) and its
    # message written (update in a savepoint: 3).
    with django_assert_num_queries(SESSION + 1 + 6 + 3):
        response = client.post(reverse("password_change"), data)
    assert response["Location"] == reverse("password_change_done")


def test_password_reset_counts(client, django_assert_num_queries):
    make_user(username="hopper")
    with django_assert_num_queries(1):  # the users with that e-mail
        client.post(reverse("password_reset"), {"email": "hopper@example.com"})
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    # The link with its token redirects to the form under a fixed URL, keeping
    # the token in a new session (the user; the session's check and insert in
    # a savepoint: 4).
    with django_assert_num_queries(1 + 4):
        response = client.get(link)
    form_url = response["Location"]
    with django_assert_num_queries(2):  # the user, the session with the token
        assert client.get(form_url).status_code == HTTPStatus.OK
    passwords = {"new_password1": "brand-new-passphrase", "new_password2": "brand-new-passphrase"}
    # The user, the session, the password's update, the token dropped from the
    # session (update in a savepoint: 3).
    with django_assert_num_queries(3 + 3):
        response = client.post(form_url, passwords)
    assert response["Location"] == reverse("password_reset_complete")
    with django_assert_num_queries(1):  # the (anonymous) session
        assert client.get(response["Location"]).status_code == HTTPStatus.OK
