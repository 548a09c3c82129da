"""The "Build a course" form."""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from courses.models import LANGUAGE_CHOICES, TITLE_MAX_LENGTH, Duration, Focus, Level
from courses.search_text import search_words
from generation.prompts import module_range
from generation.schemas import MAX_LESSONS, MIN_LESSONS, CoursePlan, ModulePlan, PlannedLesson

TOPIC_MIN_LENGTH = 3
TOPIC_MAX_LENGTH = 200


def validate_no_control_characters(value: str) -> None:
    # Line breaks, tabs and invisible format characters have no place in a
    # one-line topic (and the topic goes into a model prompt).
    if any(unicodedata.category(char) in ("Cc", "Cf") for char in value):
        raise ValidationError(
            _(
                "Write the topic on one line with letters, numbers and punctuation: it "
                "has a control character (such as a tab or a line break)."
            ),
            code="control_characters",
        )


class GenerationRequestForm(forms.Form):
    topic = forms.CharField(
        label=_("Topic"),
        min_length=TOPIC_MIN_LENGTH,
        max_length=TOPIC_MAX_LENGTH,
        strip=True,
        validators=[validate_no_control_characters],
        help_text=_("What the course should teach, e.g. “Quantum computing for programmers”."),
        error_messages={
            "required": _("Say what the course should be about."),
            "min_length": _("Make the topic at least %(limit_value)d characters long."),
            "max_length": _(
                "Keep the topic to %(limit_value)d characters (it has %(show_value)d)."
            ),
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "maxlength": TOPIC_MAX_LENGTH}),
    )
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    duration = forms.ChoiceField(label=_("Duration"), choices=Duration.choices)
    focus = forms.ChoiceField(label=_("Focus"), choices=Focus.choices)
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("The topic's language")), *LANGUAGE_CHOICES],
        required=False,
        help_text=_("What the course is written in; by default, the language of the topic."),
    )
    review_plan = forms.BooleanField(
        label=_("Let me review the plan before the lessons are written"),
        required=False,
        initial=True,
        help_text=_("You see the modules and lessons first, and can change them."),
    )

    def clean_topic(self) -> str:
        # One space between words: "  Rust   for  beginners " -> "Rust for beginners".
        topic = " ".join(self.cleaned_data["topic"].split())
        if len(topic) < TOPIC_MIN_LENGTH:
            raise ValidationError(
                _("Make the topic at least %(limit_value)d characters long."),
                code="min_length",
                params={"limit_value": TOPIC_MIN_LENGTH},
            )
        # Punctuation alone names no subject: nothing to search the catalog
        # for, nothing for the model to write about.
        if not search_words(topic):
            raise ValidationError(
                _("Name the subject in words: the topic has no letters or digits."),
                code="no_words",
            )
        return topic

    @property
    def request_fields(self) -> dict[str, Any]:
        return {key: self.cleaned_data[key] for key in ("topic", "level", "duration", "focus")}


# Reviewing a plan: the course's title and description, its modules as a
# formset (reorder, remove, add one), each module's lessons one title a line.


class PlanForm(forms.Form):
    title = forms.CharField(label=_("Course title"), max_length=TITLE_MAX_LENGTH)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class PlannedModuleForm(forms.Form):
    title = forms.CharField(label=_("Module title"), max_length=TITLE_MAX_LENGTH)
    description = forms.CharField(
        label=_("What it is for"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    lessons = forms.CharField(
        label=_("Lessons"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=lazy(
            lambda: (
                gettext(
                    "One lesson title a line, in reading order (%(min)d to %(max)d). Each "
                    "lesson is followed by a quiz on it."
                )
                % {"min": MIN_LESSONS, "max": MAX_LESSONS}
            ),
            str,
        )(),
    )

    def clean_lessons(self) -> list[str]:
        titles = [line.strip() for line in self.cleaned_data["lessons"].splitlines()]
        titles = [title for title in titles if title]
        if not 1 <= len(titles) <= MAX_LESSONS:
            raise ValidationError(
                _("List 1 to %(max)d lessons, one a line (this has %(count)d)."),
                code="lesson_count",
                params={"max": MAX_LESSONS, "count": len(titles)},
            )
        too_long = [title for title in titles if len(title) > TITLE_MAX_LENGTH]
        if too_long:
            raise ValidationError(
                _("Keep each lesson title to %(max)d characters: “%(title)s…” is longer."),
                code="lesson_title_length",
                params={"max": TITLE_MAX_LENGTH, "title": too_long[0][:40]},
            )
        return titles


class BasePlannedModuleFormSet(forms.BaseFormSet):
    max_modules: int

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        form.fields["ORDER"].label = _("Position")
        form.fields["DELETE"].label = _("Remove this module")

    def clean(self) -> None:
        if any(self.errors):
            return
        kept = self.ordered_forms  # neither removed nor an untouched blank one
        if not kept:
            raise ValidationError(_("Keep at least one module."), code="no_modules")
        if len(kept) > self.max_modules:
            raise ValidationError(
                ngettext(
                    "A course of this duration has at most %(count)d modules.",
                    "A course of this duration has at most %(count)d modules.",
                    self.max_modules,
                ),
                code="too_many_modules",
                params={"count": self.max_modules},
            )


PlannedModuleFormSet = forms.formset_factory(
    PlannedModuleForm,
    formset=BasePlannedModuleFormSet,
    extra=1,
    can_order=True,
    can_delete=True,
)


class RevisionForm(forms.Form):
    instruction = forms.CharField(
        label=_("Ask for changes"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "For example “more on soil, skip the chemistry”. Athena rewrites the plan "
            "and shows it to you again."
        ),
        error_messages={"required": _("Say what to change in the plan.")},
    )


def plan_forms(
    plan: CoursePlan, *, duration: str, data: Any = None
) -> tuple[PlanForm, BasePlannedModuleFormSet]:
    """The review forms for `plan`, bound to `data` when given."""
    initial_modules = [
        {
            "title": module.title,
            "description": module.description,
            "lessons": "\n".join(lesson.title for lesson in module.lessons),
            "ORDER": number,
        }
        for number, module in enumerate(plan.modules, start=1)
    ]
    plan_form = PlanForm(
        data, initial={"title": plan.title, "description": plan.description}, prefix="plan"
    )
    formset = PlannedModuleFormSet(data, initial=initial_modules, prefix="modules")
    formset.max_modules = module_range(duration)[1]
    return plan_form, formset


def edited_plan(
    previous: CoursePlan, plan_form: PlanForm, formset: BasePlannedModuleFormSet
) -> CoursePlan:
    """The plan as the (valid) review forms leave it. A lesson keeps its summary
    while its title is one the plan had; a new one is summarised by its title."""
    summaries = {
        lesson.title: lesson.summary for module in previous.modules for lesson in module.lessons
    }
    modules = [
        ModulePlan(
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
            lessons=[
                PlannedLesson(title=title, summary=summaries.get(title, title))
                for title in form.cleaned_data["lessons"]
            ],
        )
        for form in formset.ordered_forms
    ]
    return previous.model_copy(
        update={
            "title": plan_form.cleaned_data["title"],
            "description": plan_form.cleaned_data["description"],
            "modules": modules,
        }
    )


INSTRUCTION_MAX_LENGTH = 1000


class RewriteForm(forms.Form):
    """A change of one part of a generated course: what to do (`kind`), to
    which part (`target`, an item's or module's key: "lesson:12",
    "activity:7", "module:3") and the learner's instruction."""

    KINDS = {
        "lesson": ("lesson",),
        "quiz": ("activity",),
        "module": ("module",),
        "add_lesson": ("lesson", "activity"),
        "add_module": ("module",),
    }

    kind = forms.ChoiceField(choices=[(kind, kind) for kind in KINDS], widget=forms.HiddenInput)
    target = forms.RegexField(
        regex=r"^(lesson|activity|module):\d{1,18}$", widget=forms.HiddenInput
    )
    instruction = forms.CharField(
        label=_("What should change?"),
        max_length=INSTRUCTION_MAX_LENGTH,
        strip=True,
        error_messages={
            "required": _("Say what should change."),
            "max_length": _("Keep it to %(limit_value)d characters (it has %(show_value)d)."),
        },
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": INSTRUCTION_MAX_LENGTH}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        kind, target = cleaned.get("kind"), cleaned.get("target")
        if kind and target and target.partition(":")[0] not in self.KINDS[kind]:
            raise ValidationError(_("That change does not fit that part of the course."))
        return cleaned
