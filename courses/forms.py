"""Admin forms: staff edit preferences, lessons and quizzes through plain fields,
never raw JSON, and upload course documents."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.documents import CourseSpec, DocumentError, parse_document
from courses.models import (
    EXPLANATION_MAX_LENGTH,
    LANGUAGE_CHOICES,
    OPTION_MAX_LENGTH,
    PREFERENCE_CHOICES,
    QUIZ_MAX_OPTIONS,
    QUIZ_MIN_OPTIONS,
    Activity,
    Course,
    Lesson,
    Module,
    quiz_problems,
)

OPTION_FIELDS = [f"option_{number}" for number in range(1, QUIZ_MAX_OPTIONS + 1)]


def preview_failed() -> str:
    """What preview.js says when a refresh fails, in the editor's language."""
    return _("The preview could not be refreshed. Your text is not affected.")


class CourseAdminForm(forms.ModelForm):
    """A course with its three preferences as choice fields."""

    level = forms.ChoiceField(
        label=gettext_lazy("Level"), choices=PREFERENCE_CHOICES["level"].choices
    )
    duration = forms.ChoiceField(
        label=gettext_lazy("Duration"), choices=PREFERENCE_CHOICES["duration"].choices
    )
    focus = forms.ChoiceField(
        label=gettext_lazy("Focus"), choices=PREFERENCE_CHOICES["focus"].choices
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        # Each name in the editor's language (Django's catalogs translate them).
        choices=[(code, gettext_lazy(name)) for code, name in LANGUAGE_CHOICES],
        initial="en",
        help_text=gettext_lazy("What the course is written in; its pages mark its text so."),
    )

    class Meta:
        model = Course
        fields = ["topic", "description", "language", "status", "answer_reveal"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        preferences = self.instance.preferences or {}
        for key in PREFERENCE_CHOICES:
            if key in preferences:
                self.initial.setdefault(key, preferences[key])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if all(key in cleaned for key in PREFERENCE_CHOICES):
            self.instance.preferences = {key: cleaned[key] for key in PREFERENCE_CHOICES}
        return cleaned


class ModuleChoiceField(forms.ModelChoiceField):
    """Modules named with their course: many courses have a "Getting started"."""

    def label_from_instance(self, obj: Module) -> str:
        return f"{obj.course.topic} / {obj.title}"


def _module_field(form: forms.ModelForm) -> None:
    if "module" in form.fields:
        field = form.fields["module"]
        form.fields["module"] = ModuleChoiceField(
            queryset=Module.objects.select_related("course").order_by(
                "course__topic", "course_id", "module_order"
            ),
            label=field.label,
            help_text=_("Where the new item goes; it is added after the module's last item."),
        )


class LessonAdminForm(forms.ModelForm):
    """A lesson: a title and a Markdown body, stored as the document's MARKDOWN content."""

    markdown = forms.CharField(
        label=gettext_lazy("Body (Markdown)"),
        strip=False,
        widget=forms.Textarea(attrs={"class": "athena-markdown", "rows": 24, "cols": 100}),
        help_text=gettext_lazy(
            "Markdown, shown to learners exactly as the Preview shows it. "
            "Raw HTML is shown as text."
        ),
    )

    class Meta:
        model = Lesson
        fields = ["module", "title"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _module_field(self)
        # preview.js shows the body beside the editor, rendered by the server.
        # The preview is a frame holding the learner's styles, not the admin's.
        attrs = self.fields["markdown"].widget.attrs
        attrs["data-preview-url"] = reverse("admin:courses_lesson_preview")
        attrs["data-preview-frame-url"] = reverse("admin:courses_lesson_preview_frame")
        # preview.js's words, in the editor's language.
        attrs["data-text-label"] = _("Preview, as learners will see it")
        attrs["data-text-box"] = _("Lesson preview")
        attrs["data-text-frame"] = _("Lesson preview, as learners will see it")
        attrs["data-text-failed"] = preview_failed()
        if self.instance.pk:
            self.initial.setdefault("markdown", self.instance.markdown)

    def clean_markdown(self) -> str:
        value = self.cleaned_data["markdown"]
        if not value.strip():
            raise forms.ValidationError(_("A lesson needs a body."), code="required")
        return value

    def save(self, commit: bool = True) -> Lesson:
        self.instance.set_markdown(self.cleaned_data["markdown"])
        return super().save(commit=commit)


class LessonInlineForm(LessonAdminForm):
    """The lesson form among its module's items: a shorter editor, the full
    one (with Preview) is on the lesson's own page."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["markdown"].widget.attrs["rows"] = 10


class OptionInput(forms.TextInput):
    """An option's text box with its "Right answer" radio button beside it: the
    radios of one quiz share the form's `correct_option` name (one group, one
    choice, arrow keys move within it), so the answer is marked where the
    option is, not in a separate list. `answer` is the option number checked."""

    def __init__(self, *args: Any, number: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.number = number
        self.answer = ""

    def render(self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None) -> str:
        box = super().render(name, value, attrs, renderer)
        radio_id = f"{(attrs or {}).get('id') or self.attrs.get('id') or name}_answer"
        return format_html(
            '{}<label class="athena-answer" for="{}">'
            '<input type="radio" name="{}" value="{}" id="{}"{}> {}'
            '<span class="athena-sr-only"> {}</span></label>',
            box,
            radio_id,
            name.removesuffix(f"option_{self.number}") + "correct_option",
            self.number,
            radio_id,
            mark_safe(" checked") if self.answer == str(self.number) else "",
            _("Right answer"),
            _("for option %(number)s") % {"number": self.number},
        )


def option_field(number: int) -> forms.CharField:
    return forms.CharField(
        label=format_lazy(gettext_lazy("Option {number}"), number=number),
        max_length=OPTION_MAX_LENGTH,
        required=number <= QUIZ_MIN_OPTIONS,
        widget=OptionInput(number=number),
        help_text=(
            gettext_lazy("Mark the right answer with the radio button beside its option.")
            if number == 1
            else ""
        ),
    )


class QuizAdminForm(forms.ModelForm):
    """A quiz: a question, two to six options and the number of the correct one.

    The option fields are spelled out (Django admin needs declared fields), up
    to QUIZ_MAX_OPTIONS; the quiz rules themselves are `quiz_problems`, the same
    the importer and the model apply."""

    question = forms.CharField(
        label=gettext_lazy("Question"), widget=forms.Textarea(attrs={"rows": 3, "cols": 80})
    )
    option_1 = option_field(1)
    option_2 = option_field(2)
    option_3 = option_field(3)
    option_4 = option_field(4)
    option_5 = option_field(5)
    option_6 = option_field(6)
    # Posted by the radio button beside each option (OptionInput), never shown
    # as a field of its own: the admin's fields leave it out, and its errors
    # are shown on the option or the form.
    correct_option = forms.TypedChoiceField(
        coerce=int,
        choices=[
            (number, format_lazy(gettext_lazy("Option {number}"), number=number))
            for number in range(1, QUIZ_MAX_OPTIONS + 1)
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy(
                "Mark the right answer: choose “Right answer” beside one option."
            ),
            "invalid_choice": gettext_lazy(
                "Mark the right answer beside one of the options; "
                "%(value)s is not an option number."
            ),
        },
    )
    explanation = forms.CharField(
        label=gettext_lazy("Explanation"),
        required=False,
        max_length=EXPLANATION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        help_text=gettext_lazy(
            "Optional: why the answer is right (Markdown), shown once it is revealed."
        ),
    )
    hint = forms.CharField(
        label=gettext_lazy("Hint"),
        required=False,
        max_length=EXPLANATION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        help_text=gettext_lazy(
            "Optional: a nudge shown after a wrong answer (Markdown), never the answer."
        ),
    )

    class Meta:
        model = Activity
        # Not "type": quizzes are the only kind (the model's default).
        fields = ["module", "title"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _module_field(self)
        # preview.js shows the quiz beside the editor as learners see it;
        # quiz-options.js shows the option boxes as rows to add and remove.
        attrs = self.fields["question"].widget.attrs
        attrs["data-quiz-preview-url"] = reverse("admin:courses_activity_preview")
        attrs["data-quiz-preview-frame-url"] = reverse("admin:courses_activity_preview_frame")
        # preview.js's and quiz-options.js's words, in the editor's language.
        attrs["data-text-label"] = _("Preview, as learners will see it (the answer is not shown)")
        attrs["data-text-box"] = _("Quiz preview")
        attrs["data-text-frame"] = _("Quiz preview, as learners will see it")
        attrs["data-text-failed"] = preview_failed()
        first = self.fields["option_1"].widget.attrs
        first["data-text-add"] = _("Add option")
        first["data-text-remove"] = _("Remove")
        first["data-text-remove-option"] = _("Remove option {number}")
        for number, name in enumerate(OPTION_FIELDS, start=1):
            self.fields[name].widget.attrs["data-option"] = str(number)
        if self.instance.pk:
            self.initial.setdefault("question", self.instance.question)
            for name, option in zip(OPTION_FIELDS, self.instance.options, strict=False):
                self.initial.setdefault(name, option)
            if self.instance.answer:
                self.initial.setdefault("correct_option", self.instance.answer)
            self.initial.setdefault("explanation", self.instance.explanation)
            self.initial.setdefault("hint", self.instance.hint)
        # Each option's radio is checked when it is the answer given or stored.
        answer = self["correct_option"].value()
        for name in OPTION_FIELDS:
            self.fields[name].widget.answer = "" if answer is None else str(answer)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # The answer has no row of its own: its own errors go to the form's top.
        for error in self.errors.pop("correct_option", []):
            self.add_error(None, error)
        values = [(cleaned.get(name) or "").strip() for name in OPTION_FIELDS]
        options = self._options_in_order(values)
        correct = cleaned.get("correct_option")
        if correct and options and correct > len(options):
            self.add_error(
                f"option_{correct}",
                _(
                    "The right answer must be one of the quiz's options (1-%(count)s); "
                    "option %(number)s is empty."
                )
                % {"count": len(options), "number": correct},
            )
        elif correct and options and "question" in cleaned:
            self._add_quiz_problems(cleaned["question"], options, correct)
        cleaned["options"] = options
        return cleaned

    def _options_in_order(self, values: list[str]) -> list[str]:
        """The filled option boxes, which must be the first ones: a gap would
        renumber the options after it and change which one is correct."""
        options: list[str] = []
        for number, value in enumerate(values, start=1):
            if value:
                if len(options) != number - 1:
                    self.add_error(
                        f"option_{number}",
                        _("Fill the options in order: option %(number)s is empty.")
                        % {"number": len(options) + 1},
                    )
                    break
                options.append(value)
        return options

    def _add_quiz_problems(self, question: str, options: list[str], correct: int) -> None:
        explanation = self.cleaned_data.get("explanation", "")
        for problem in quiz_problems(
            question=question, options=options, answer=correct, explanation=explanation
        ):
            field: str | None = {"answer": None}.get(problem.field, problem.field)
            if field and field.startswith("options["):
                field = f"option_{int(field[len('options[') : -1]) + 1}"
            self.add_error(field if field in self.fields else None, problem.message)

    def save(self, commit: bool = True) -> Activity:
        options = self.cleaned_data["options"]
        # Per-option feedback comes from course documents (not edited here): it
        # stays only while the options and the right one stay as they were (it
        # would tell the wrong learners they are right).
        unchanged = (
            self.instance.pk
            and options == self.instance.options
            and self.cleaned_data["correct_option"] == self.instance.answer
        )
        feedback = self.instance.feedback if unchanged else []
        self.instance.set_quiz(
            question=self.cleaned_data["question"],
            options=options,
            answer=self.cleaned_data["correct_option"],
            explanation=self.cleaned_data.get("explanation", "").strip(),
            hint=self.cleaned_data.get("hint", "").strip(),
            feedback=feedback if len(feedback) == len(options) else [],
        )
        return super().save(commit=commit)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several uploaded files at once (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".json,application/json"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple) and data:
            return [single(item, initial) for item in data]
        return [single(None if isinstance(data, list | tuple) else data, initial)]


@dataclass(frozen=True)
class UploadedDocument:
    name: str
    spec: CourseSpec


class DocumentUploadForm(forms.Form):
    """Course documents to import, checked with the one validator of the format."""

    documents = MultipleFileField(
        label=gettext_lazy("Course documents"),
        help_text=gettext_lazy(
            "One or more JSON course documents. They are imported as drafts, "
            "all together or, if any has a problem, not at all."
        ),
    )

    on_existing = forms.ChoiceField(
        label=gettext_lazy("If a course with the same topic exists already"),
        required=False,
        widget=forms.RadioSelect,
        choices=[
            (
                "copy",
                gettext_lazy("Add a copy: import it as another draft beside the existing course."),
            ),
            (
                "replace",
                gettext_lazy(
                    "Replace the draft: the existing draft gets the document's content. It "
                    "keeps its address and its enrollments; learners' progress on its old "
                    "lessons and quizzes is deleted with them. A published course is never "
                    "replaced."
                ),
            ),
        ],
        help_text=gettext_lazy(
            "Needed only when a document's topic is taken; the import stops and asks otherwise."
        ),
    )

    def clean_documents(self) -> list[UploadedDocument]:
        files: list[UploadedFile] = self.cleaned_data["documents"]
        problems: list[str] = []
        documents: list[UploadedDocument] = []
        for upload in files:
            name = upload.name or _("(unnamed file)")
            # Checked before reading: parse_document would refuse it too, in memory.
            most = settings.ATHENA_IMPORT_MAX_BYTES
            if upload.size is not None and upload.size > most:
                problems.append(
                    _(
                        "%(name)s: the file is %(size)s bytes; "
                        "a course document is at most %(most)s bytes"
                    )
                    % {"name": name, "size": upload.size, "most": most}
                )
                continue
            try:
                spec = parse_document(upload.read())
            except DocumentError as error:
                problems.extend(f"{name}: {problem}" for problem in error.in_words)
                continue
            documents.append(UploadedDocument(name=name, spec=spec))
        if problems:
            raise forms.ValidationError(problems)
        return documents


class MoveForm(forms.Form):
    """One up/down button press: which row moves, and which way."""

    move = forms.RegexField(regex=r"^(module|lesson|activity):\d{1,18}:(-1|1)$")

    def cleaned_move(self) -> tuple[str, int, int]:
        kind, pk, steps = self.cleaned_data["move"].split(":")
        return kind, int(pk), int(steps)


class ReorderForm(forms.Form):
    """A whole new order from a drag and drop: each of `keys` ("lesson:12",
    "module:3") exactly once, nothing else."""

    order = forms.MultipleChoiceField(
        error_messages={"required": gettext_lazy("The new order lists no rows.")}
    )

    def __init__(self, *args: Any, keys: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.keys = keys
        self.fields["order"].choices = [(key, key) for key in keys]
        self.fields["order"].error_messages["invalid_choice"] = _(
            "“%(value)s” is not one of the rows being ordered; reload the page."
        )

    def clean_order(self) -> list[str]:
        order: list[str] = self.cleaned_data["order"]
        if len(order) != len(set(order)) or set(order) != set(self.keys):
            raise forms.ValidationError(
                _("The new order must list every row once; reload the page and try again.")
            )
        return order


class MoveToModuleForm(forms.Form):
    """Another module of the item's course, where the item goes last."""

    to_module = forms.ModelChoiceField(
        queryset=Module.objects.none(),
        label=gettext_lazy("Move to module"),
        empty_label=None,
        error_messages={"invalid_choice": gettext_lazy("Choose another module of this course.")},
    )

    def __init__(self, *args: Any, item: Lesson | Activity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_module"]
        field.queryset = Module.objects.filter(course_id=item.module.course_id).exclude(
            pk=item.module_id
        )
        field.label_from_instance = lambda module: f"{module.module_order}. {module.title}"
