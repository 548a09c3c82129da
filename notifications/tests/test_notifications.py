"""In-site notifications: the list, mark one or all read, the header bell."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from notifications.services import (
    notification_create,
    notification_mark_read,
    notifications_mark_all_read,
)
from tests.factories import make_user

pytestmark = pytest.mark.django_db

LIST = reverse("notifications:list")


@pytest.fixture
def learner():
    return make_user()


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


def html_of(response) -> str:
    return response.content.decode()


def bell_label(client) -> str:
    html = html_of(client.get(reverse("courses:catalog")))
    start = html.index('class="bell')
    label_start = html.index('aria-label="', start) + len('aria-label="')
    return html[label_start : html.index('"', label_start)]


def test_the_notifications_page_needs_a_login(client):
    assert client.get(LIST).status_code == HTTPStatus.FOUND


def test_the_list_shows_a_learners_notifications_newest_first(learner, learner_client):
    notification_create(user=learner, message="Your course “Rust” is ready.", url="/courses/1/")
    notification_create(user=learner, message="Second <b>message</b>")
    notification_create(user=make_user(), message="Not yours")
    html = html_of(learner_client.get(LIST))
    assert html.index("Second &lt;b&gt;message&lt;/b&gt;") < html.index("Your course")
    assert '<a href="/courses/1/">Your course “Rust” is ready.</a>' in html
    assert "Not yours" not in html
    assert "Mark all as read" in html


def test_mark_one_read(learner, learner_client):
    first = notification_create(user=learner, message="First")
    second = notification_create(user=learner, message="Second")
    assert bell_label(learner_client) == "Notifications, 2 unread"

    response = learner_client.post(reverse("notifications:read", args=[first.pk]))

    assert response["Location"] == LIST
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.is_read
    assert not second.is_read
    assert bell_label(learner_client) == "Notifications, 1 unread"


def test_mark_read_and_open_goes_to_the_link(learner, learner_client):
    notification = notification_create(user=learner, message="Ready", url="/courses/7/")
    response = learner_client.post(
        reverse("notifications:read", args=[notification.pk]), {"open": "1"}
    )
    assert response["Location"] == "/courses/7/"
    other = notification_create(user=learner, message="Elsewhere", url="https://evil.example/")
    response = learner_client.post(reverse("notifications:read", args=[other.pk]), {"open": "1"})
    assert response["Location"] == LIST


def test_mark_all_read(learner, learner_client):
    for number in range(3):
        notification_create(user=learner, message=f"Message {number}")
    theirs = notification_create(user=make_user(), message="Theirs")

    response = learner_client.post(reverse("notifications:read-all"), follow=True)

    assert "All notifications are marked read." in html_of(response)
    assert not Notification.objects.filter(user=learner).unread().exists()
    theirs.refresh_from_db()
    assert not theirs.is_read
    assert bell_label(learner_client) == "Notifications"
    assert "Mark all as read" not in html_of(learner_client.get(LIST))


def test_nobody_marks_another_learners_notification(learner_client):
    theirs = notification_create(user=make_user(), message="Theirs")
    response = learner_client.post(reverse("notifications:read", args=[theirs.pk]))
    assert response.status_code == HTTPStatus.NOT_FOUND
    theirs.refresh_from_db()
    assert not theirs.is_read


def test_marking_read_is_a_post_with_csrf(learner):
    from django.test import Client

    notification = notification_create(user=learner, message="Hello")
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    url = reverse("notifications:read", args=[notification.pk])
    assert client.get(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert client.post(url).status_code == HTTPStatus.FORBIDDEN
    assert client.post(reverse("notifications:read-all")).status_code == HTTPStatus.FORBIDDEN
    notification.refresh_from_db()
    assert not notification.is_read


def test_the_bell_count_is_read_from_the_database_on_every_page(learner, learner_client):
    """The bell's count is never kept: each page counts the unread rows (one
    query), so a notification another process writes (the task worker, whose
    writes no signal or cache of this process hears of) shows on the
    learner's very next page."""
    notification_create(user=learner, message="One")
    catalog = reverse("courses:catalog")
    assert bell_label(learner_client) == "Notifications, 1 unread"
    # The page after counts again, in one query.
    count_query = 'SELECT COUNT(*) AS "__count" FROM "notifications"'
    with CaptureQueriesContext(connection) as queries:
        learner_client.get(catalog)
    assert sum(count_query in query["sql"] for query in queries.captured_queries) == 1
    # Written as another process would (no service or signal of this one
    # runs): a new notification, then every one marked read.
    Notification.objects.bulk_create([Notification(user=learner, message="Two")])
    assert bell_label(learner_client) == "Notifications, 2 unread"
    Notification.objects.filter(user=learner).update(read_at=timezone.now())
    assert bell_label(learner_client) == "Notifications"


def test_services_answer_what_they_changed(learner):
    notification = notification_create(user=learner, message="x")
    assert notification_mark_read(user=learner, notification_id=notification.pk) is True
    assert notification_mark_read(user=learner, notification_id=notification.pk) is False
    notification_create(user=learner, message="y")
    assert notifications_mark_all_read(user=learner) == 1
    assert notifications_mark_all_read(user=learner) == 0


def test_the_notifications_page_runs_a_fixed_number_of_queries(
    learner, learner_client, django_assert_num_queries
):
    for number in range(30):
        notification_create(user=learner, message=f"Message {number}")
    # Session, user, the newest notifications, and the unread count: the one
    # the bell shows, which also says whether to offer "Mark all as read".
    with django_assert_num_queries(4):
        learner_client.get(LIST)


def test_anonymous_pages_have_no_bell(client):
    assert 'class="bell' not in html_of(client.get(reverse("courses:catalog")))


def test_mark_all_is_offered_for_unread_notifications_beyond_the_page(learner, learner_client):
    from notifications.views import PAGE_SIZE

    notification_create(user=learner, message="Old and unread")
    for number in range(PAGE_SIZE):
        notification_create(user=learner, message=f"Message {number}")
    notifications_mark_all_read(user=learner)
    Notification.objects.filter(message="Old and unread").update(read_at=None)
    html = html_of(learner_client.get(LIST))
    assert "Old and unread" not in html  # beyond the page
    assert f"Showing your newest {PAGE_SIZE} notifications." in html
    assert "Mark all as read</button>" in html


def test_with_no_notifications_the_page_says_so(learner_client):
    html = html_of(learner_client.get(LIST))
    assert "No notifications yet." in html
    assert "Showing your newest" not in html
    assert "Mark all as read" not in html


def test_staff_moving_a_notification_to_another_learner_updates_both_bells(learner_client):
    learner = make_user(username="meant-for")
    learner_client.force_login(learner)
    other = make_user(username="other-learner")
    notification = notification_create(user=other, message="Sent to the wrong learner")
    other_client = Client()
    other_client.force_login(other)
    assert bell_label(other_client) == "Notifications, 1 unread"
    assert bell_label(learner_client) == "Notifications"
    staff = Client()
    staff.force_login(make_user(username="root", is_staff=True, is_superuser=True))
    moved = staff.post(
        reverse("admin:notifications_notification_change", args=[notification.pk]),
        {"user": learner.pk, "message": notification.message, "url": ""},
    )
    assert moved.status_code == HTTPStatus.FOUND
    assert bell_label(learner_client) == "Notifications, 1 unread"
    assert bell_label(other_client) == "Notifications"


def test_staff_adding_a_notification_in_the_admin_rings_the_bell(learner, learner_client):
    assert bell_label(learner_client) == "Notifications"
    staff = Client()
    staff.force_login(make_user(username="root", is_staff=True, is_superuser=True))
    added = staff.post(
        reverse("admin:notifications_notification_add"),
        {"user": learner.pk, "message": "Welcome to Athena", "url": ""},
    )
    assert added.status_code == HTTPStatus.FOUND
    assert bell_label(learner_client) == "Notifications, 1 unread"


def test_the_phone_menu_button_says_when_notifications_wait_behind_it(learner, learner_client):
    """On a phone the bell is inside the header's menu: the closed menu's
    button shows a dot and says so to a screen reader."""
    menu_button = '<span class="site-menu__icon" aria-hidden="true"></span>Menu'
    html = html_of(learner_client.get(reverse("courses:catalog")))
    assert f"{menu_button}</summary>" in html
    notification_create(user=learner, message="Your course is ready")
    html = html_of(learner_client.get(reverse("courses:catalog")))
    assert (
        f'{menu_button}<span class="site-menu__dot" aria-hidden="true"></span>'
        '<span class="visually-hidden"> (unread notifications)</span></summary>'
    ) in html


def test_a_notification_written_by_the_worker_reads_in_the_readers_language(client):
    learner = make_user()
    notification_create(
        user=learner,
        template="Your course “%(topic)s” is ready.",
        params={"topic": "Rust"},
        url="/courses/1/",
    )
    german = Client()
    german.force_login(learner)
    html = german.get(reverse("notifications:list"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Dein Kurs „Rust“ ist fertig." in html
    english = german.get(reverse("notifications:list"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Your course “Rust” is ready." in english.content.decode()
