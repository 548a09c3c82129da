"""What the admin's own pages beyond Django's need: the document import view,
the course-wide history's entries and the document export. The up/down moves,
the history and the previews (and their frames) are ModelAdmin views in
courses/admin.py.

Each view is wrapped by `admin_site.admin_view` (staff login, CSRF) and checks
the model permission it needs itself."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import FormView

from courses.documents import course_export_json
from courses.forms import DocumentUploadForm, UploadedDocument
from courses.models import Activity, Course, Lesson, Module
from courses.services import PublishedCourseError, course_import_planned, course_import_plans

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin


def course_change_links(courses: Sequence[Course]) -> str:
    """Safe HTML: each course's topic linking to its admin change page."""
    return format_html_join(
        ", ",
        '<a href="{}">{}</a>',
        (
            (reverse("admin:courses_course_change", args=[course.pk]), course.topic)
            for course in courses
        ),
    )


def content_type_id(model: type) -> int:
    return ContentType.objects.get_for_model(model).pk


def admin_context(model_admin: ModelAdmin, request: HttpRequest, title: str) -> dict[str, Any]:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
    }


class CourseImportView(FormView):
    """Upload course documents; import them all as drafts, or nothing. A topic
    that exists already asks first: add a copy, or replace the draft."""

    model_admin: ModelAdmin | None = None
    form_class = DocumentUploadForm
    template_name = "admin/courses/course/import.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.model_admin.has_add_permission(request):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        errors = context["form"].errors
        return {
            **admin_context(self.model_admin, self.request, _("Import course documents")),
            **context,
            "problem_count": sum(len(problems) for problems in errors.values()),
        }

    def form_valid(self, form: DocumentUploadForm) -> HttpResponse:
        """Import every document, or (a topic taken and no choice made, a
        draft to replace the editor may not change) none, saying why."""
        documents: list[UploadedDocument] = form.cleaned_data["documents"]
        plans, problems = course_import_plans(
            specs=[document.spec for document in documents],
            on_existing=form.cleaned_data["on_existing"] or None,
        )
        problems += [
            _("“%(topic)s”: your account may not change this course; add a copy.")
            % {"topic": plan.replace.topic}
            for plan in plans
            if plan.replace is not None
            and not self.model_admin.has_change_permission(self.request, plan.replace)
        ]
        if not problems:
            try:
                courses = course_import_planned(plans=plans)
            except PublishedCourseError as error:  # published since the check
                problems.append(str(error))
        if problems:
            for problem in problems:
                form.add_error("on_existing", problem)
            return self.form_invalid(form)
        added, replaced = [], []
        for document, plan, course in zip(documents, plans, courses, strict=True):
            if plan.replace is None:
                self.model_admin.log_addition(
                    self.request, course, f"Imported from {document.name}."
                )
                added.append(course)
            else:
                self.model_admin.log_change(
                    self.request, course, f"Content replaced from {document.name}."
                )
                replaced.append((course, plan.replace.enrollment_count))
            for warning in document.spec.warnings_in_words:
                messages.warning(self.request, f"{document.name}: {warning}")
        if added:
            messages.success(
                self.request,
                format_html(
                    ngettext(
                        "Imported {count} draft course: {links}",
                        "Imported {count} draft courses: {links}",
                        len(added),
                    ),
                    count=len(added),
                    links=course_change_links(added),
                ),
            )
        for course, enrollments in replaced:
            messages.success(
                self.request,
                format_html(
                    ngettext(
                        "Replaced the content of the draft {course}: {count} enrollment kept; "
                        "learners' progress on its former lessons and quizzes was deleted "
                        "with them.",
                        "Replaced the content of the draft {course}: {count} enrollments kept; "
                        "learners' progress on its former lessons and quizzes was deleted "
                        "with them.",
                        enrollments,
                    ),
                    course=course_change_links([course]),
                    count=enrollments,
                ),
            )
        return HttpResponseRedirect(reverse("admin:courses_course_changelist"))


def content_log_entries(course: Course) -> QuerySet[LogEntry]:
    """Every admin log entry of a course, its modules, lessons and quizzes,
    newest first."""
    module_ids = _strings(course.modules.values_list("pk", flat=True))
    lesson_ids = _strings(Lesson.objects.filter(module__course=course).values_list("pk", flat=True))
    activity_ids = _strings(
        Activity.objects.filter(module__course=course).values_list("pk", flat=True)
    )
    return (
        LogEntry.objects.filter(
            Q(content_type_id=content_type_id(Course), object_id=str(course.pk))
            | Q(content_type_id=content_type_id(Module), object_id__in=module_ids)
            | Q(content_type_id=content_type_id(Lesson), object_id__in=lesson_ids)
            | Q(content_type_id=content_type_id(Activity), object_id__in=activity_ids)
        )
        .select_related("user", "content_type")
        .order_by("-action_time", "-pk")
    )


def _strings(ids: Any) -> list[str]:
    # LogEntry.object_id is text.
    return [str(pk) for pk in ids]


def _document_filename(course: Course) -> str:
    return f"course-{course.pk}-{slugify(course.topic)[:60] or 'untitled'}.json"


def export_response(courses: Sequence[Course]) -> HttpResponse:
    """One course: its JSON document. Several: a zip of their documents."""
    if len(courses) == 1:
        (course,) = courses
        response = HttpResponse(course_export_json(course), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{_document_filename(course)}"'
        return response
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for course in courses:
            archive.writestr(_document_filename(course), course_export_json(course))
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="courses.zip"'
    return response
