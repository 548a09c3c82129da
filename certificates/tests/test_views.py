"""The learner's certificate page and PDF, and the public verification page."""

import io
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from certificates.models import Certificate
from certificates.services import certificate_issue, certificates_revoke
from enrollment.services import enrollment_create
from tests.factories import logged_in, make_course, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    return make_course(topic="Statistik für Anfänger", modules=1, lessons=1, quizzes=1)


@pytest.fixture
def learner():
    return make_user(first_name="Zoë", last_name="Ğürbüz")


@pytest.fixture
def certificate(learner, course):
    enrollment_create(user=learner, course=course)
    return certificate_issue(user=learner, course=course)[0]


def _pdf_text(response) -> str:
    content = b"".join(response) if response.streaming else response.content
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_anyone_can_check_a_certificate_without_logging_in(client, certificate):
    response = client.get(certificate.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "Valid certificate" in page
    assert "Zoë Ğürbüz" in page
    assert "Statistik für Anfänger" in page
    # Not for search engines.
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_an_unknown_or_mistyped_code_is_not_found(client, certificate):
    last = "B" if certificate.code.endswith("A") else "A"
    for code in ("nope", certificate.code[:-1] + last, certificate.code.upper() + "x"):
        response = client.get(reverse("certificates:verify", args=[code]))
        assert response.status_code == HTTPStatus.NOT_FOUND


def test_the_pdf_names_the_learner_the_course_and_where_to_check_it(certificate, learner):
    response = logged_in(learner).get(
        reverse("certificates:certificate-download", args=[certificate.course_id])
    )
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    text = _pdf_text(response)
    assert "Zoë Ğürbüz" in text
    assert "Statistik für Anfänger" in text
    assert f"http://testserver{certificate.get_absolute_url()}" in text
    assert "Certificate of completion" in text


def test_an_arabic_name_is_written_in_arabic(course):
    user = make_user(first_name="محمد", last_name="الأحمد")
    enrollment_create(user=user, course=course)
    certificate = certificate_issue(user=user, course=course)[0]
    response = logged_in(user).get(
        reverse("certificates:certificate-download", args=[certificate.course_id])
    )
    assert "محمد الأحمد" in _pdf_text(response)


def test_the_learner_page_shows_the_certificate_and_its_public_address(certificate, learner):
    response = logged_in(learner).get(
        reverse("certificates:certificate-detail", args=[certificate.course_id])
    )
    page = response.content.decode()
    assert "Zoë Ğürbüz" in page
    assert "Statistik für Anfänger" in page
    assert f"http://testserver{certificate.get_absolute_url()}" in page
    assert reverse("certificates:certificate-download", args=[certificate.course_id]) in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_a_revoked_certificate_says_so_everywhere_and_has_no_pdf(client, certificate, learner):
    staff = make_user(is_staff=True)
    certificates_revoke(
        certificates=Certificate.objects.filter(pk=certificate.pk),
        by=staff,
        reason="Copied answers",
    )
    today = timezone.now().strftime("%-d %B %Y")
    public = client.get(certificate.get_absolute_url()).content.decode()
    assert f"Revoked on {today}" in public
    assert "Valid certificate" not in public
    assert "Copied answers" not in public  # the reason is for the learner, not the world
    own = logged_in(learner)
    page = own.get(reverse("certificates:certificate-detail", args=[certificate.course_id]))
    text = page.content.decode()
    assert f"This certificate was revoked on {today}" in text
    assert "Copied answers" in text
    assert "Download PDF" not in text
    pdf = own.get(reverse("certificates:certificate-download", args=[certificate.course_id]))
    assert pdf.status_code == HTTPStatus.NOT_FOUND
    # Revoking again changes nothing.
    assert (
        certificates_revoke(certificates=Certificate.objects.all(), by=staff, reason="Again") == 0
    )


def test_nobody_else_gets_a_learners_pdf_or_page(client, certificate):
    detail = reverse("certificates:certificate-detail", args=[certificate.course_id])
    download = reverse("certificates:certificate-download", args=[certificate.course_id])
    # Anonymous visitors log in first.
    assert client.get(download).status_code == HTTPStatus.FOUND
    assert client.get(detail).status_code == HTTPStatus.FOUND
    # Another learner has no certificate there (and is not given this one).
    other = logged_in(make_user())
    assert other.get(download).status_code == HTTPStatus.NOT_FOUND
    page = other.get(detail)
    assert page.status_code == HTTPStatus.OK
    assert certificate.code not in page.content.decode()


def test_a_course_that_does_not_exist_or_is_a_draft_is_not_found(learner):
    client = logged_in(learner)
    draft = make_course(publish=False)
    for course_id in (999999, draft.pk):
        url = reverse("certificates:certificate-detail", args=[course_id])
        assert client.get(url).status_code == HTTPStatus.NOT_FOUND
        url = reverse("certificates:certificate-download", args=[course_id])
        assert client.get(url).status_code == HTTPStatus.NOT_FOUND


def test_the_pages_answer_get_only(client, certificate, learner):
    assert client.post(certificate.get_absolute_url()).status_code == 405
    own = logged_in(learner)
    url = reverse("certificates:certificate-detail", args=[certificate.course_id])
    assert own.post(url).status_code == 405


def test_the_dashboard_lists_the_learners_certificates(certificate, learner):
    page = logged_in(learner).get(reverse("enrollment:dashboard")).content.decode()
    assert "Certificates" in page
    assert reverse("certificates:certificate-detail", args=[certificate.course_id]) in page


def test_a_certificate_outlives_its_course(client, certificate, learner, course):
    course.delete()
    certificate.refresh_from_db()
    assert certificate.course_id is None
    page = logged_in(learner).get(reverse("enrollment:dashboard")).content.decode()
    # The dashboard links to the public page, which still vouches for it.
    assert f'href="{certificate.get_absolute_url()}">Statistik für Anfänger</a>' in page
    public = client.get(certificate.get_absolute_url())
    assert public.status_code == HTTPStatus.OK
    assert "Zoë Ğürbüz" in public.content.decode()


def test_the_longest_name_and_title_still_fit_on_one_page(course):
    user = make_user(first_name="Maximiliane " * 12, last_name="Ğürbüz-" * 18)
    course.topic = "Statistik " * 25
    course.save()
    enrollment_create(user=user, course=course)
    certificate = certificate_issue(user=user, course=course)[0]
    response = logged_in(user).get(
        reverse("certificates:certificate-download", args=[certificate.course_id])
    )
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    # The address is still there, below everything else.
    assert text.rstrip().endswith(certificate.get_absolute_url())
