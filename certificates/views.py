"""The learner's certificate page and its PDF, and the public page anyone
with the link opens to check a certificate."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from athena.site_url import site_url
from certificates.models import Certificate
from certificates.pdf import certificate_pdf
from certificates.services import certificate_issue
from courses.models import MAX_ID
from courses.outline import course_outline
from enrollment.progress import learner_progress

# Search engines keep none of these pages: a certificate is shown to whom the
# learner chooses.
NOINDEX = "noindex, nofollow"


def _verify_url(request: HttpRequest, certificate: Certificate) -> str:
    return site_url(request) + certificate.get_absolute_url()


def _require_an_id(course_id: int) -> None:
    # Past a bigint there is no such course, and SQLite would refuse the parameter.
    if not 0 < course_id <= MAX_ID:
        raise Http404("No such course.")


@login_required
@require_safe
def certificate_detail(request: HttpRequest, course_id: int) -> HttpResponse:
    """The learner's certificate for a course: issued on the first visit once
    every item is done (for learners who finished before certificates
    existed); else what is left to do. One query when it exists."""
    _require_an_id(course_id)
    certificate = Certificate.objects.filter(user=request.user, course_id=course_id).first()
    progress = None
    if certificate is None:
        course = course_outline(course_id=course_id, user=request.user)
        if course is None:
            raise Http404("No such course.")
        progress = learner_progress(user=request.user, course=course)
        if progress.is_enrolled and progress.finished:
            certificate, _ = certificate_issue(user=request.user, course=course)
    response = render(
        request,
        "certificates/certificate_detail.html",
        {
            "certificate": certificate,
            "progress": progress,
            "course_id": course_id,
            "course": progress.course if progress else None,
            "verify_url": _verify_url(request, certificate) if certificate else "",
        },
    )
    response["X-Robots-Tag"] = NOINDEX
    return response


@login_required
@require_safe
def certificate_download(request: HttpRequest, course_id: int) -> HttpResponse:
    """The learner's certificate as a PDF to keep; none for a revoked one."""
    _require_an_id(course_id)
    certificate = get_object_or_404(
        Certificate, user=request.user, course_id=course_id, revoked_at=None
    )
    pdf = certificate_pdf(certificate=certificate, verify_url=_verify_url(request, certificate))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="athena-certificate-{certificate.course_id}.pdf"'
    )
    response["X-Robots-Tag"] = NOINDEX
    return response


@require_safe
def certificate_verify(request: HttpRequest, code: str) -> HttpResponse:
    """Anyone with the code sees whether the certificate is valid or revoked;
    an unknown code is a 404. One query."""
    certificate = get_object_or_404(Certificate, code=code)
    response = render(request, "certificates/certificate_verify.html", {"certificate": certificate})
    response["X-Robots-Tag"] = NOINDEX
    return response
