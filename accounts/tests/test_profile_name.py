"""A learner sets the name their certificates show on their profile."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.models import LearnerProfile

pytestmark = pytest.mark.django_db


def test_a_learner_saves_their_name_for_certificates(client, learner):
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "Your name" in page
    response = client.post(
        reverse("accounts:profile"),
        {"form": "name", "name-first_name": "  Zoë ", "name-last_name": "Ğürbüz"},
    )
    assert response.status_code == HTTPStatus.FOUND
    learner.refresh_from_db()
    assert learner.get_full_name() == "Zoë Ğürbüz"
    # The preferences are another form: untouched.
    assert not LearnerProfile.objects.filter(user=learner).exists()


def test_a_name_too_long_comes_back_with_what_was_typed(client, learner):
    response = client.post(
        reverse("accounts:profile"), {"form": "name", "name-first_name": "x" * 151}
    )
    assert response.status_code == HTTPStatus.OK
    assert "x" * 151 in response.content.decode()
    learner.refresh_from_db()
    assert learner.first_name == ""
