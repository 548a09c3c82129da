"""In-site notifications: a short message for one user, with a link."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext


class NotificationQuerySet(models.QuerySet["Notification"]):
    def for_user(self, user: object) -> NotificationQuerySet:
        return self.filter(user=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    user = models.ForeignKey(  # leads the indexes below
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    message = models.CharField(max_length=300)
    # What `message` says as a sentence to translate (marked with gettext_noop
    # where it is written) and its values: shown in the reader's language
    # (`text`), whoever's language the worker that wrote it spoke. Empty for
    # a message written as it is.
    template = models.CharField(max_length=300, blank=True, default="", db_default="")
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=500, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        db_table = "notifications"
        ordering = ["-created_at", "-id"]
        indexes = [
            # The notifications page: a user's newest first.
            models.Index(fields=["user", "-created_at"], name="notifications_user_created_idx"),
            # The unread count behind the bell (on a cache miss).
            models.Index(
                fields=["user"],
                condition=Q(read_at__isnull=True),
                name="notifications_user_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.message

    @property
    def text(self) -> str:
        """The message in the active language, when it was written as a
        sentence to translate; else as it was written."""
        if not self.template:
            return self.message
        try:
            return gettext(self.template) % self.params
        except (KeyError, TypeError, ValueError):
            return self.message

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
