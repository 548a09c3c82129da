from __future__ import annotations

from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from accounts.forms import (
    ActivationForm,
    LearnerNameForm,
    LearnerProfileForm,
    LoginForm,
    SignupForm,
)
from accounts.models import LearnerProfile
from accounts.services import (
    UsernameTaken,
    account_activate,
    account_is_unconfirmed,
    account_signup,
    activation_token,
)
from athena.client_address import client_address
from athena.site_url import site_url
from courses.models import Course
from enrollment.pending import enrollment_defer, enrollment_wished


def safe_next(request: HttpRequest) -> str | None:
    """The `next` the request carries when it is a page of this site, else None."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def _carried(next_url: str | None, enroll_course: Course | None) -> dict[str, Any]:
    """What the log-in and sign-up pages pass on to each other: the page to
    return to and the course to enroll in, as hidden fields and as the query
    string of the link between them."""
    carried = {"next": next_url or "", "enroll": enroll_course.pk if enroll_course else ""}
    query = urlencode({key: value for key, value in carried.items() if value})
    return {"enroll_course": enroll_course, "carried_query": f"?{query}" if query else ""}


class AthenaLoginView(LoginView):
    """Django's log-in, carrying a visitor's Enroll (`?enroll=<course id>`,
    enrollment.pending) through to their first page logged in."""

    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        return context | _carried(context["next"], enrollment_wished(self.request))

    def form_valid(self, form: LoginForm) -> HttpResponse:
        # Filed before logging in: the user_logged_in receiver completes it.
        if course := enrollment_wished(self.request):
            enrollment_defer(request=self.request, course=course)
        return super().form_valid(form)


def signup(request: HttpRequest) -> HttpResponse:
    """Sign up; every valid form ends on "check your e-mail", whether or not
    the address already has an account (accounts.services.account_signup)."""
    if request.user.is_authenticated:
        return redirect(safe_next(request) or "enrollment:dashboard")
    form = SignupForm(request.POST or None)
    enroll_course = enrollment_wished(request)
    if request.method == "POST" and form.is_valid():
        try:
            account_signup(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                client=client_address(request),
                site_url=site_url(request),
                next_url=safe_next(request),
            )
        except UsernameTaken:
            form.add_error(
                "username", get_user_model()._meta.get_field("username").error_messages["unique"]
            )
        else:
            if enroll_course is not None:
                # Completed when this browser confirms the account and logs in.
                enrollment_defer(request=request, course=enroll_course)
            return redirect("accounts:signup-done")
    return render(
        request,
        "accounts/signup.html",
        {"form": form, "next": safe_next(request)} | _carried(safe_next(request), enroll_course),
    )


def signup_done(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/signup_done.html")


@sensitive_post_parameters("new_password1", "new_password2")
def activate(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Confirm a new account from the e-mailed link by choosing its password:
    a form, so a mail scanner that fetches the link confirms nothing, and the
    account is whoever reads the inbox's, not whoever signed up. Then log in."""
    user = _user_from_uidb64(uidb64)
    if user is not None and user.pk == request.user.pk:
        # A second click from the browser the first one logged in: it is done.
        return redirect(safe_next(request) or "enrollment:dashboard")
    validlink = (
        user is not None
        and account_is_unconfirmed(user)
        and activation_token.check_token(user, token)
    )
    data = request.POST if request.method == "POST" else None
    form = ActivationForm(user, data) if validlink else None
    if form is not None and form.is_valid():
        # One transaction: a log-in refused (the browser's other session could
        # not be ended, athena.sessions) leaves the account unconfirmed and its
        # link valid, to try again.
        with transaction.atomic():
            account_activate(user=user, password=form.cleaned_data["new_password1"])
            login(request, user, backend="accounts.backends.UsernameOrEmailBackend")
        messages.success(
            request, _("Welcome to Athena, %(username)s!") % {"username": user.get_username()}
        )
        return redirect(safe_next(request) or "enrollment:dashboard")
    return render(
        request,
        "accounts/activate.html",
        {
            "validlink": validlink,
            "form": form,
            "account_user": user,
            "next": safe_next(request),
        },
        status=HTTPStatus.OK if validlink else HTTPStatus.NOT_FOUND,
    )


def _user_from_uidb64(uidb64: str) -> Any:
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
        return get_user_model()._default_manager.get(pk=pk)
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError, ObjectDoesNotExist):
        return None


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
        messages.info(request, _("Set your preferences first: the catalog then matches them."))
        return redirect("accounts:profile")
    return redirect(catalog_url_for(wanted))


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    instance = LearnerProfile.objects.filter(user=request.user).first() or LearnerProfile(
        user=request.user
    )
    # Two forms, told apart by the button pressed.
    posted = request.POST if request.method == "POST" else None
    saving_name = posted is not None and posted.get("form") == "name"
    form = LearnerProfileForm(None if saving_name else posted, instance=instance)
    name_form = LearnerNameForm(
        posted if saving_name else None, instance=request.user, prefix="name"
    )
    if saving_name and name_form.is_valid():
        name_form.save()
        messages.success(request, _("Your name is saved."))
        return redirect("accounts:profile")
    if posted is not None and not saving_name and form.is_valid():
        form.save()
        messages.success(request, _("Your preferences are saved."))
        return language_cookie_follow(redirect("accounts:profile"), form.instance.language)
    matching_url = matching = None
    if instance.preferences:
        matching = Course.objects.published().with_preference(**instance.preferences)[:6]
        matching_url = catalog_url_for(instance.preferences)
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "name_form": name_form,
            "matching_courses": matching,
            "matching_url": matching_url,
            "password_change_url": reverse("password_change"),
        },
    )


def language_cookie_follow(response: HttpResponse, language: str) -> HttpResponse:
    """The switcher's cookie says what the profile now says: a language, or
    none ("as my browser asks"), so the browser's choice is not hidden behind
    an old switch, and the pages stay in the chosen language after logging out."""
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    else:
        response.delete_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response
