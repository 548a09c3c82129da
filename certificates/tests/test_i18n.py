"""A certificate in the learner's language: its pages and its PDF."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from pypdf import PdfReader

from certificates.services import certificate_issue
from enrollment.services import enrollment_create
from tests.factories import logged_in, make_course, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate():
    course = make_course(topic="Statistics for beginners", modules=1, lessons=1, quizzes=1)
    learner = make_user(first_name="Zoë", last_name="Ğürbüz")
    enrollment_create(user=learner, course=course)
    return certificate_issue(user=learner, course=course)[0]


def test_the_public_page_says_valid_in_german_and_arabic(client, certificate):
    german = client.get(certificate.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="de")
    assert "Gültiges Zertifikat" in german.content.decode()
    assert "Athena hat dieses Zertifikat für Zoë Ğürbüz ausgestellt." in german.content.decode()
    with translation.override("de"):  # "6. Dezember 2026": German month, German date order
        issued = date_format(timezone.localtime(certificate.issued_at), "j. F Y")
    assert f">{issued}</time>" in german.content.decode()
    arabic = client.get(certificate.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ar")
    assert "شهادة صالحة" in arabic.content.decode()
    assert "Valid certificate" not in arabic.content.decode()


def test_the_pdf_is_in_the_learners_language(certificate):
    client = logged_in(certificate.user)
    url = reverse("certificates:certificate-download", args=[certificate.course_id])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="de")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Abschlusszertifikat" in text
    assert "Statistics for beginners" in text  # the course's title as it was written
    assert f"Ausgestellt am {certificate.issued_at.day}." in text
    arabic = client.get(url, HTTP_ACCEPT_LANGUAGE="ar")
    assert arabic.status_code == 200
    assert arabic["Content-Type"] == "application/pdf"


def test_the_estimated_time_reads_in_the_verifiers_language_whoever_issued_it(client):
    from django.utils import translation

    from certificates.services import certificate_issue
    from courses.models import minutes_label
    from tests.factories import make_course, make_user

    with translation.override("de"):
        certificate, _ = certificate_issue(user=make_user(), course=make_course())
    english = client.get(certificate.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert minutes_label(certificate.minutes) in english.content.decode()
    with translation.override("de"):
        german_label = minutes_label(certificate.minutes)
    assert german_label != minutes_label(certificate.minutes)
    german = client.get(certificate.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="de")
    assert german_label in german.content.decode()
