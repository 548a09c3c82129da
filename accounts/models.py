"""A learner's own settings, beside Django's auth user."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _

from courses.models import Duration, Focus, Level


class LearnerProfile(models.Model):
    """Default preferences: what the catalog offers as "matching your preferences"."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learner_profile"
    )
    level = models.CharField(max_length=16, choices=Level.choices, blank=True)
    duration = models.CharField(max_length=16, choices=Duration.choices, blank=True)
    focus = models.CharField(max_length=16, choices=Focus.choices, blank=True)
    # The interface's language (a code of settings.LANGUAGES, checked by the
    # profile form); empty: the switcher's cookie, else the browser's
    # Accept-Language (athena.middleware.LearnerLanguageMiddleware). No
    # `choices`: adding a language would be a migration.
    language = models.CharField(max_length=16, blank=True, default="", db_default="")

    class Meta:
        db_table = "learner_profiles"

    def __str__(self) -> str:
        return _("Preferences of %(user)s") % {"user": self.user}

    @property
    def preferences(self) -> dict[str, str]:
        """The preferences the learner has set, ready for `with_preference()`."""
        values = {"level": self.level, "duration": self.duration, "focus": self.focus}
        return {key: value for key, value in values.items() if value}
