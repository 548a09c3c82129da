"""The interface's language: the switcher's page and its POST, which is
Django's `set_language` (the cookie LocaleMiddleware reads) and, for a
signed-in learner, their profile's choice too (it comes first:
athena.middleware.LearnerLanguageMiddleware)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from accounts.models import LearnerProfile
from accounts.views import safe_next


@require_GET
def language_choose(request: HttpRequest) -> HttpResponse:
    """The switcher: one button per language, each a POST to `language_set`.

    A page of its own rather than a form in every page's header: a form
    needs a CSRF token, and a visitor's pages make none (they stay public and
    cookieless, docs/performance.md)."""
    return render(
        request,
        "accounts/language.html",
        {"languages": settings.LANGUAGES, "next": safe_next(request) or "/"},
    )


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Django's set_language (cookie, then back to `next`); a signed-in
    learner's profile keeps the choice, on every device."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        LearnerProfile.objects.update_or_create(user=request.user, defaults={"language": language})
    return response
