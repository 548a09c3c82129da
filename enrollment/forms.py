"""Forms of the learner's own actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from courses.models import Activity, Course, Lesson
from enrollment.models import ProblemReport

COMMENT_MAX_LENGTH = 1000


class ProblemReportForm(forms.Form):
    """A flag on one lesson or quiz of `course`, named by its key ("lesson:12")."""

    item = forms.RegexField(regex=r"^(lesson|activity):\d{1,18}$", widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label="What is wrong?",
        choices=ProblemReport.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what is wrong."},
    )
    comment = forms.CharField(
        label="Say more (optional)",
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": COMMENT_MAX_LENGTH}),
    )

    def __init__(self, *args: Any, course: Course, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.course = course

    def clean_item(self) -> Lesson | Activity:
        kind, _, pk = self.cleaned_data["item"].partition(":")
        model = Lesson if kind == "lesson" else Activity
        item = (
            model.objects.select_related("module")
            .filter(pk=int(pk), module__course=self.course)
            .first()
        )
        if item is None:
            raise ValidationError("That lesson or quiz is not part of this course.")
        return item
