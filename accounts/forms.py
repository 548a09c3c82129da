from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.mail_limits import account_mail_allowed
from accounts.models import LearnerProfile
from athena.client_address import client_address
from athena.site_url import site_url


class SignupForm(forms.ModelForm):
    """A username and an e-mail address; the password is chosen on the
    confirmation page, by whoever reads that address's mail."""

    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_(
            "We send a link there to confirm it; you choose your password then. "
            "You can also log in with it."
        ),
    )

    class Meta:
        model = get_user_model()
        fields = ("username", "email")
        field_classes = {"username": auth_forms.UsernameField}

    def clean_email(self) -> str:
        # Whether the address is in use is never said here (no account
        # enumeration): accounts.services.account_signup tells its owner instead.
        return self.cleaned_data["email"].strip()

    def validate_unique(self) -> None:
        """Left to accounts.services.account_signup: the username of the
        address's own pending account may be chosen again."""


class ActivationForm(SetPasswordForm):
    """The password of an account being confirmed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("Choose a password")
        self.fields["new_password2"].label = _("Password confirmation")


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's, with its link starting with the site's address (athena.site_url),
    never the Host header's, and within the account mail limits: past them no
    e-mail goes, and the page says what it always says."""

    def save(
        self,
        domain_override: str | None = None,
        use_https: bool = False,
        request: HttpRequest | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            raise TypeError("PasswordResetForm.save() needs the request")
        email = self.cleaned_data["email"]
        if not account_mail_allowed(email=email, client=client_address(request)):
            return
        origin = urlsplit(site_url(request))
        super().save(
            domain_override=origin.netloc,
            use_https=origin.scheme == "https",
            request=request,
            **kwargs,
        )


class LoginForm(AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username or e-mail")


class LearnerProfileForm(forms.ModelForm):
    PREFERENCES = ("level", "duration", "focus")

    language = forms.ChoiceField(
        label=_("Language of Athena's pages"),
        required=False,
        help_text=_("Courses keep the language they are written in."),
    )

    class Meta:
        model = LearnerProfile
        fields = ("level", "duration", "focus", "language")
        labels = {"level": _("Level"), "duration": _("Duration"), "focus": _("Focus")}
        help_texts = {
            "level": _("The level you want courses pitched at."),
            "duration": _("How much time you want a course to take."),
            "focus": _("A broad overview or an in-depth treatment."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The blank choice means "any": say so rather than Django's "---------".
        for name in self.PREFERENCES:
            field = self.fields[name]
            field.choices = [("", _("No preference")), *field.choices[1:]]
        self.fields["language"].choices = [
            ("", _("As my browser asks")),
            *settings.LANGUAGES,
        ]


class LearnerNameForm(forms.ModelForm):
    """The learner's name as certificates show it (empty: the username)."""

    class Meta:
        model = get_user_model()
        fields = ("first_name", "last_name")
        help_texts = {"last_name": _("Certificates issued from now on show this name.")}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name in self.Meta.fields:
            if isinstance(cleaned.get(name), str):
                cleaned[name] = " ".join(cleaned[name].split())
        return cleaned
