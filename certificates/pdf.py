"""The certificate as a PDF, drawn with fpdf2 (pure Python: no system
library to install on a server) in DejaVu Sans, bundled beside this module
(its licence, fonts/LICENSE, allows it), which covers Latin, Greek, Cyrillic
and Arabic names. Arabic and other scripts that join or run right to left
are shaped by HarfBuzz (uharfbuzz)."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from certificates.models import Certificate

# fontTools logs each step of subsetting the fonts at INFO: some sixty lines a PDF.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVuSans"


def _fitted(pdf: FPDF, text: str, size: float, *, lines: int = 2) -> float:
    """`size`, or smaller so that `text` (in bold) takes at most `lines` lines."""
    pdf.set_font(FAMILY, "B", 10)
    width_at_10 = pdf.get_string_width(text) or 1
    fitting = 10 * lines * pdf.epw * 0.9 / width_at_10
    return max(8.0, min(size, fitting))


def _date(moment: datetime) -> str:
    # Translators: a date format (Django's `date` filter): "6 December 2026".
    return date_format(moment, pgettext("date format", "j F Y"))


def certificate_pdf(*, certificate: Certificate, verify_url: str) -> bytes:
    """An A4 landscape page naming the learner, the course, its estimated
    time, the date and where to check it (`verify_url`, absolute), in the
    active language (the learner's, on the request that downloads it)."""
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_title(_("Certificate: %(title)s") % {"title": certificate.course_title})
    pdf.set_author("Athena")
    pdf.set_creator("Athena")
    pdf.set_creation_date(certificate.issued_at)
    pdf.add_font(FAMILY, "", FONTS / "DejaVuSans.ttf")
    pdf.add_font(FAMILY, "B", FONTS / "DejaVuSans-Bold.ttf")
    pdf.set_text_shaping(True)
    pdf.set_auto_page_break(False)
    pdf.set_margins(25, 25, 25)
    pdf.add_page()

    # A double frame.
    pdf.set_draw_color(40, 70, 120)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_line_width(0.4)
    pdf.rect(14, 14, pdf.w - 28, pdf.h - 28)

    def line(text: str, *, size: float, bold: bool = False, gap: float = 4) -> None:
        pdf.set_font(FAMILY, "B" if bold else "", size)
        pdf.multi_cell(0, size * 0.5, text, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(gap)

    pdf.set_text_color(40, 70, 120)
    pdf.set_y(32)
    line("Athena", size=16, bold=True, gap=6)
    line(_("Certificate of completion"), size=30, bold=True, gap=10)
    pdf.set_text_color(20, 20, 20)
    line(_("This certifies that"), size=14)
    # Long names and titles in smaller type, so the page never overflows.
    line(
        certificate.learner_name, size=_fitted(pdf, certificate.learner_name, 26), bold=True, gap=6
    )
    line(_("has completed every lesson and quiz of the course"), size=14)
    line(
        certificate.course_title, size=_fitted(pdf, certificate.course_title, 20), bold=True, gap=6
    )
    if certificate.estimated_time:
        line(_("Estimated time: %(time)s") % {"time": certificate.estimated_time}, size=12, gap=2)
    line(_("Issued %(date)s") % {"date": _date(certificate.issued_at)}, size=12, gap=2)
    if certificate.is_revoked:
        pdf.set_text_color(160, 20, 20)
        line(
            _("Revoked %(date)s") % {"date": _date(certificate.revoked_at)},
            size=14,
            bold=True,
            gap=2,
        )

    pdf.set_text_color(60, 60, 60)
    pdf.set_font(FAMILY, "", 10)
    pdf.set_y(pdf.h - 38)
    pdf.multi_cell(
        0, 5, _("Check this certificate at"), align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.set_text_color(40, 70, 120)
    pdf.multi_cell(
        0, 5, verify_url, align=Align.C, link=verify_url, new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    return bytes(pdf.output())
