from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm

from accounts.models import LearnerProfile


class SignupForm(UserCreationForm):
    email = forms.EmailField(
        help_text="For password resets. You can also log in with it.",
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self) -> str:
        # Whether the address is in use is never said here (no account
        # enumeration): accounts.services.account_signup tells its owner instead.
        return self.cleaned_data["email"].strip()


class LoginForm(AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Username or e-mail"


class LearnerProfileForm(forms.ModelForm):
    class Meta:
        model = LearnerProfile
        fields = ("level", "duration", "focus")
        help_texts = {
            "level": "The level you want courses pitched at.",
            "duration": "How much time you want a course to take.",
            "focus": "A broad overview or an in-depth treatment.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The blank choice means "any": say so rather than Django's "---------".
        for name in self.Meta.fields:
            field = self.fields[name]
            field.choices = [("", "No preference"), *field.choices[1:]]
