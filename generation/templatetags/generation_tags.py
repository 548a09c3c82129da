"""The panel on a generated course's lesson, quiz and module pages where its
requester (and editors) change that part: rewrite it from an instruction, add
a lesson or module after it, see its changes and undo one."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from courses.models import Activity, Course, Lesson, Module
from generation.forms import INSTRUCTION_MAX_LENGTH
from generation.models import Rewrite
from generation.rewrite import course_rewritable_by

register = template.Library()

# For each kind of page: what it is called, its rewrite, and what is added after it.
PANELS = {
    Lesson: ("lesson", "lesson", "add_lesson"),
    Activity: ("quiz", "quiz", "add_lesson"),
    Module: ("module", "module", "add_module"),
}
# What the panel says on each kind of page (whole sentences, for translation).
TEXTS = {
    "lesson": {
        "heading": _("Change this lesson"),
        "pending": _(
            "A change of this lesson is being written: this page shows it when it is done."
        ),
        "question": _("What should change in this lesson?"),
        "effect": _("Everything else in the course stays as it is."),
        "rewrite": _("Rewrite this lesson"),
        "add_question": _("What should a new lesson after this one cover?"),
        "add": _("Add a lesson after this lesson"),
    },
    "quiz": {
        "heading": _("Change this quiz"),
        "pending": _("A change of this quiz is being written: this page shows it when it is done."),
        "question": _("What should change in this quiz?"),
        "effect": _("Everything else in the course stays as it is."),
        "rewrite": _("Rewrite this quiz"),
        "add_question": _("What should a new lesson after this one cover?"),
        "add": _("Add a lesson after this quiz"),
    },
    "module": {
        "heading": _("Change this module"),
        "pending": _(
            "A change of this module is being written: this page shows it when it is done."
        ),
        "question": _("What should change in this module?"),
        "effect": _("Its lessons and quizzes are rewritten; the other modules stay as they are."),
        "rewrite": _("Rewrite this module"),
        "add_question": _("What should a new module after this one cover?"),
        "add": _("Add a module after this module"),
    },
}
HISTORY_SIZE = 10


@register.inclusion_tag("generation/includes/_rewrite_panel.html", takes_context=True)
def rewrite_panel(context: template.Context, course: Course, part: Any) -> dict[str, Any]:
    """Nothing (and no query) unless the course is generated and the user may
    change it; then the forms and this part's last changes (one query)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not context.get("signed_in") or user is None or not course_rewritable_by(course, user):
        return {"shown": False}
    name, rewrite_kind, add_kind = PANELS[type(part)]
    history = list(
        Rewrite.objects.filter(course=course, **{type(part).__name__.lower(): part})
        .select_related("restores")
        # The panel lists changes: their snapshots (a module's holds every
        # lesson's Markdown) and stories stay in the database.
        .defer(
            "before",
            "after",
            "error_detail",
            "restores__before",
            "restores__after",
            "restores__error_detail",
        )
        .annotate(undone=Exists(Rewrite.objects.filter(restores=OuterRef("pk"))))
        .order_by("-created_at", "-id")[:HISTORY_SIZE]
    )
    return {
        "shown": True,
        "course": course,
        "name": name,
        "texts": TEXTS[name],
        "target": f"{part.kind if name != 'module' else 'module'}:{part.pk}",
        "rewrite_kind": rewrite_kind,
        "add_kind": add_kind,
        "add_name": "module" if add_kind == "add_module" else "lesson",
        "history": history,
        "pending": next((change for change in history if not change.is_finished), None),
        "csrf_token": context.get("csrf_token"),
        "max_length": INSTRUCTION_MAX_LENGTH,
    }
