"""Checks the servers run before they accept a request."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MIN_SECRET_KEY_LENGTH = 50


def require_production_secret_key() -> None:
    """Refuse to serve without a real SECRET_KEY unless DEBUG is on."""
    if settings.DEBUG:
        return
    try:
        key = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses an empty key on access
        key = ""
    if not key or key.startswith("django-insecure") or len(key) < MIN_SECRET_KEY_LENGTH:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to at least "
            f"{MIN_SECRET_KEY_LENGTH} random characters when DEBUG is off "
            "(see .env.example)."
        )
