"""Writes on certificates: issuing one to a learner who finished a course, and
staff revoking them. Views, admin and signals call these."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from certificates.models import Certificate
from courses.models import Course


def learner_display_name(user: Any) -> str:
    """The name a certificate shows: the account's full name, else its username."""
    return user.get_full_name().strip() or user.get_username()


def certificate_issue(*, user: AbstractBaseUser, course: Course) -> tuple[Certificate, bool]:
    """The learner's certificate for `course`, issued now unless they have one
    already; answers it and whether it is new. The caller has checked the
    course is finished.

    Safe against double clicks and parallel tabs: the database's unique
    constraint decides, and the loser of a race gets the winner's row."""
    defaults = {
        "learner_name": learner_display_name(user),
        "course_title": course.topic,
        "minutes": course.minutes,
        "minutes_label": course.minutes_label,
    }
    try:
        with transaction.atomic():
            return Certificate.objects.get_or_create(user=user, course=course, defaults=defaults)
    except IntegrityError:
        return Certificate.objects.get(user=user, course=course), False


def certificates_revoke(
    *, certificates: QuerySet[Certificate], by: AbstractBaseUser, reason: str
) -> int:
    """Revoke the certificates not revoked yet, saying who and why; answers how
    many. The public page says revoked from the next request on."""
    return certificates.filter(revoked_at=None).update(
        revoked_at=timezone.now(), revoked_by=by, revoke_reason=reason
    )
