"""Forms of the learner's own actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from courses.models import Activity, Course, Lesson
from enrollment.models import CourseRating, ProblemReport

COMMENT_MAX_LENGTH = 1000


class ProblemReportForm(forms.Form):
    """A flag on one lesson or quiz of `course`, named by its key ("lesson:12")."""

    item = forms.RegexField(regex=r"^(lesson|activity):\d{1,18}$", widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label=_("What is wrong?"),
        choices=ProblemReport.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what is wrong.")},
    )
    comment = forms.CharField(
        label=_("Say more (optional)"),
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
            raise ValidationError(gettext("That lesson or quiz is not part of this course."))
        return item


def _star_choice_text(stars: int, label: str) -> str:
    # Translators: a star rating's choice, e.g. "4 of 5: Very good".
    return gettext("%(stars)s of 5: %(label)s") % {"stars": stars, "label": label}


# In the language of the request that shows the form, not of the import.
_star_choice = lazy(_star_choice_text, str)


class CourseRatingForm(forms.Form):
    """Stars (1-5) and an optional word on a course."""

    STAR_LABELS = {
        1: _("Poor"),
        2: _("Fair"),
        3: _("Good"),
        4: _("Very good"),
        5: _("Excellent"),
    }

    stars = forms.TypedChoiceField(
        label=_("Your rating"),
        coerce=int,
        choices=[(stars, _star_choice(stars, label)) for stars, label in STAR_LABELS.items()],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose from 1 to 5 stars.")},
    )
    comment = forms.CharField(
        label=_("What would you tell other learners? (optional)"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": COMMENT_MAX_LENGTH}),
    )

    @classmethod
    def for_rating(cls, rating: CourseRating | None) -> CourseRatingForm:
        """The form, filled with the learner's rating when there is one."""
        if rating is None:
            return cls()
        return cls(initial={"stars": rating.stars, "comment": rating.comment})
