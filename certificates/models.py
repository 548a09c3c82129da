"""Certificates of completion: what a learner who finished a course keeps,
and what anyone they show it to can check."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from courses.models import Course, minutes_label

# Bytes of randomness in a public code: 192 bits, 32 URL-safe characters.
# Nobody can guess one, so the public page needs no other secret.
CODE_BYTES = 24
CODE_LENGTH = 32


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


class CertificateQuerySet(models.QuerySet):
    def of_learner(self, user: object) -> CertificateQuerySet:
        return self.filter(user=user)


class Certificate(models.Model):
    """One learner's certificate for one course. What it says (name, course
    title, estimated time) is kept as it was when issued: renaming the
    course or the learner later does not rewrite a certificate already shown."""

    # Leads the unique constraint's index: none of its own.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="certificates",
        db_index=False,
        verbose_name=_("user"),
    )
    # A certificate outlives its course: the public page still answers.
    course = models.ForeignKey(
        Course,
        on_delete=models.SET_NULL,
        null=True,
        related_name="certificates",
        verbose_name=pgettext_lazy("field", "course"),
    )
    # Room for the longest full name an account holds (150 + " " + 150).
    learner_name = models.CharField(_("learner name"), max_length=301)
    course_title = models.CharField(_("course title"), max_length=255)
    minutes = models.PositiveIntegerField(_("minutes"), null=True, blank=True)
    minutes_label = models.CharField(_("minutes label"), max_length=64, blank=True)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    code = models.CharField(_("code"), max_length=64, unique=True, default=new_code, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    revoke_reason = models.TextField(_("revoke reason"), blank=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        db_table = "certificates"
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course"], name="certificates_unique_user_course"
            ),
        ]
        indexes = [models.Index(fields=["issued_at"], name="certificates_issued_idx")]

    def __str__(self) -> str:
        return f"{self.learner_name}: {self.course_title}"

    def get_absolute_url(self) -> str:
        """The public verification page."""
        return reverse("certificates:verify", kwargs={"code": self.code})

    @property
    def estimated_time(self) -> str:
        """The course's estimated time when issued, in the reader's language
        (the stored label is the issuing request's words)."""
        if self.minutes is None:
            return self.minutes_label
        return minutes_label(self.minutes)

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
