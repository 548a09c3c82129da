"""Finish an enrollment an anonymous visitor started before logging in, and
retire a learner's kept pages whenever a row they show is written."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest

from athena.learnerpages import learner_changed
from enrollment.models import Enrollment, LessonCompletion, ResumePoint
from enrollment.pending import enrollment_complete_pending


@receiver(user_logged_in)
def enroll_pending_course(
    sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    if request is not None and hasattr(request, "session"):
        enrollment_complete_pending(request=request, user=user)


# Whatever saves these (services, the admin), the learner's pages show it:
# enrollments, completions, the resume point (answers: quiz_answer). Deletes send no signal
# here (a receiver would cost every bulk delete a SELECT of its rows): the
# services and admin that delete call learner_changed, as do the writes that
# send none (update(), bulk_create()); see enrollment.services and .admin.
@receiver(post_save, sender=Enrollment, dispatch_uid="learner-pages-enrollment")
@receiver(post_save, sender=LessonCompletion, dispatch_uid="learner-pages-lesson")
@receiver(post_save, sender=ResumePoint, dispatch_uid="learner-pages-resume")
def learner_row_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    learner_changed(instance.user_id)


# The account itself: staff or not, active or not, its password (a password
# change must end other sessions, which only a rendered page checks).
@receiver([post_save, post_delete], sender=get_user_model(), dispatch_uid="learner-pages-user")
def learner_account_written(sender: Any, instance: Any, **kwargs: Any) -> None:
    learner_changed(instance.pk)
