"""The "Build a course" form."""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from courses.models import Duration, Focus, Level
from courses.search_text import search_words

TOPIC_MIN_LENGTH = 3
TOPIC_MAX_LENGTH = 200


def validate_no_control_characters(value: str) -> None:
    # Line breaks, tabs and invisible format characters have no place in a
    # one-line topic (and the topic goes into a model prompt).
    if any(unicodedata.category(char) in ("Cc", "Cf") for char in value):
        raise ValidationError(
            "Write the topic on one line with letters, numbers and punctuation: it "
            "has a control character (such as a tab or a line break).",
            code="control_characters",
        )


class GenerationRequestForm(forms.Form):
    topic = forms.CharField(
        label="Topic",
        min_length=TOPIC_MIN_LENGTH,
        max_length=TOPIC_MAX_LENGTH,
        strip=True,
        validators=[validate_no_control_characters],
        help_text="What the course should teach, e.g. “Quantum computing for programmers”.",
        error_messages={
            "required": "Say what the course should be about.",
            "min_length": "Make the topic at least %(limit_value)d characters long.",
            "max_length": "Keep the topic to %(limit_value)d characters (it has %(show_value)d).",
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "maxlength": TOPIC_MAX_LENGTH}),
    )
    level = forms.ChoiceField(label="Level", choices=Level.choices)
    duration = forms.ChoiceField(label="Duration", choices=Duration.choices)
    focus = forms.ChoiceField(label="Focus", choices=Focus.choices)

    def clean_topic(self) -> str:
        # One space between words: "  Rust   for  beginners " -> "Rust for beginners".
        topic = " ".join(self.cleaned_data["topic"].split())
        if len(topic) < TOPIC_MIN_LENGTH:
            raise ValidationError(
                f"Make the topic at least {TOPIC_MIN_LENGTH} characters long.", code="min_length"
            )
        # Punctuation alone names no subject: nothing to search the catalog
        # for, nothing for the model to write about.
        if not search_words(topic):
            raise ValidationError(
                "Name the subject in words: the topic has no letters or digits.",
                code="no_words",
            )
        return topic

    @property
    def request_fields(self) -> dict[str, Any]:
        return {key: self.cleaned_data[key] for key in ("topic", "level", "duration", "focus")}
