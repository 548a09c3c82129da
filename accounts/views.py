from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters

from accounts.forms import LearnerProfileForm, SignupForm
from accounts.models import LearnerProfile
from courses.models import Course


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@sensitive_post_parameters("password1", "password2")
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_safe_next(request) or "enrollment:dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="accounts.backends.UsernameOrEmailBackend")
        messages.success(request, f"Welcome to Athena, {user.get_username()}!")
        return redirect(_safe_next(request) or "enrollment:dashboard")
    return render(request, "accounts/signup.html", {"form": form, "next": _safe_next(request)})


def catalog_url_for(preferences: dict[str, str]) -> str:
    """The catalog filtered on a learner's preferences."""
    return f"{resolve_url('courses:catalog')}?{urlencode(preferences)}"


@login_required
def matching_courses(request: HttpRequest) -> HttpResponse:
    """The catalog filtered on the learner's saved preferences."""
    preferences = (
        LearnerProfile.objects.filter(user=request.user)
        .values("level", "duration", "focus")
        .first()
    )
    wanted = {key: value for key, value in (preferences or {}).items() if value}
    if not wanted:
        messages.info(request, "Set your preferences first: the catalog then matches them.")
        return redirect("accounts:profile")
    return redirect(catalog_url_for(wanted))


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    instance = LearnerProfile.objects.filter(user=request.user).first() or LearnerProfile(
        user=request.user
    )
    form = LearnerProfileForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your preferences are saved.")
        return redirect("accounts:profile")
    matching_url = matching = None
    if instance.preferences:
        matching = Course.objects.published().with_preference(**instance.preferences)[:6]
        matching_url = catalog_url_for(instance.preferences)
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "matching_courses": matching,
            "matching_url": matching_url,
            "password_change_url": reverse("password_change"),
        },
    )
