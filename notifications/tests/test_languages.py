"""The notifications page and the header bell in German and Arabic."""

import pytest
from django.urls import reverse

from notifications.services import notification_create
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("de", ["Alle als gelesen markieren", "Neu", "Benachrichtigungen, 2 ungelesen"]),
        ("ar", ["تعليم الكل كمقروء", "جديد", "الإشعارات، غير المقروءة: 2"]),
    ],
)
def test_the_notifications_page_speaks_the_asked_language(client, language, words):
    learner = make_user()
    notification_create(user=learner, message="Your course is ready")
    notification_create(user=learner, message="Another one")
    client.force_login(learner)
    html = client.get(reverse("notifications:list"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for word in words:
        assert word in html
    assert "Mark all as read" not in html
    # The notification itself is not Athena's wording: it stays as written.
    assert "Your course is ready" in html
