"""The account pages, their e-mails and the error pages in German and Arabic,
as Accept-Language asks for them."""

from http import HTTPStatus

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "heading", "button", "header_link"),
    [
        ("de", "Erstelle dein Konto", "Registrieren", "Anmelden"),
        ("ar", "أنشئ حسابك", "إنشاء حساب", "تسجيل الدخول"),
    ],
)
def test_the_sign_up_page_speaks_the_asked_language(client, language, heading, button, header_link):
    page = client.get(reverse("accounts:signup"), HTTP_ACCEPT_LANGUAGE=language)
    html = page.content.decode()
    assert f"<h1>{heading}</h1>" in html
    assert f">{button}</button>" in html
    assert f">{header_link}</a>" in html
    assert "Create your account" not in html


@pytest.mark.parametrize(
    ("language", "subject", "greeting"),
    [
        ("de", "Bestätige dein Athena-Konto", "Hallo ada,"),
        ("ar", "أكّد حسابك في أثينا", "مرحبًا ada،"),
    ],
)
def test_the_confirmation_mail_goes_in_the_sign_up_pages_language(
    client, language, subject, greeting
):
    client.post(
        reverse("accounts:signup"),
        {"username": "ada", "email": "ada@example.com"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    [message] = mail.outbox
    assert message.subject == subject
    assert message.body.startswith(greeting)
    assert "/accounts/activate/" in message.body


def test_the_missing_page_and_the_profile_in_german_and_arabic(client):
    missing = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="de")
    assert missing.status_code == HTTPStatus.NOT_FOUND
    assert "Wir konnten diese Seite nicht finden" in missing.content.decode()
    missing = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="ar")
    assert "لم نتمكن من العثور على هذه الصفحة" in missing.content.decode()

    user = make_user()
    client.force_login(user)
    profile = client.get(reverse("accounts:profile"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "<h1>Dein Profil</h1>" in profile
    assert "Keine Vorliebe" in profile
    assert 'aria-label="Benachrichtigungen"' in profile
    response = client.post(
        reverse("accounts:profile"),
        {"form": "name", "name-first_name": "Ada", "name-last_name": "Lovelace"},
        HTTP_ACCEPT_LANGUAGE="ar",
        follow=True,
    )
    assert "تم حفظ اسمك." in response.content.decode()
