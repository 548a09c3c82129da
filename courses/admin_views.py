"""The admin's own pages beyond Django's: document import, up/down moves, the
course-wide history, the lesson preview and the document export.

Each view is wrapped by `admin_site.admin_view` (staff login, CSRF) and checks
the model permission it needs itself."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import slugify
from django.views.generic import FormView

from courses.documents import course_export_json
from courses.forms import DocumentUploadForm, MoveForm, UploadedDocument
from courses.models import Activity, Course, Lesson, Module
from courses.rendering import render_markdown
from courses.services import course_import_documents, item_move, module_move

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

View = Callable[..., HttpResponse]
HISTORY_PAGE_SIZE = 100


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


def _admin_context(model_admin: ModelAdmin, request: HttpRequest, title: str) -> dict[str, Any]:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
    }


class CourseImportView(FormView):
    """Upload course documents; import them all as drafts, or nothing."""

    model_admin: ModelAdmin | None = None
    form_class = DocumentUploadForm
    template_name = "admin/courses/course/import.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.model_admin.has_add_permission(request):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **_admin_context(self.model_admin, self.request, "Import course documents"),
            **super().get_context_data(**kwargs),
        }

    def form_valid(self, form: DocumentUploadForm) -> HttpResponse:
        documents: list[UploadedDocument] = form.cleaned_data["documents"]
        courses = course_import_documents(specs=[document.spec for document in documents])
        for document, course in zip(documents, courses, strict=True):
            self.model_admin.log_addition(self.request, course, f"Imported from {document.name}.")
            for warning in document.spec.warnings:
                messages.warning(self.request, f"{document.name}: {warning}")
        messages.success(
            self.request,
            format_html(
                "Imported {} draft course(s): {}", len(courses), course_change_links(courses)
            ),
        )
        return HttpResponseRedirect(reverse("admin:courses_course_changelist"))


def _move_form(request: HttpRequest) -> tuple[str, int, int] | HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = MoveForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Unknown move.")
    return form.cleaned_move()


def _direction(steps: int) -> str:
    return "up" if steps < 0 else "down"


def move_module_view(model_admin: ModelAdmin) -> View:
    def view(request: HttpRequest, course_id: int) -> HttpResponse:
        course = get_object_or_404(Course, pk=course_id)
        if not model_admin.has_change_permission(request, course):
            raise PermissionDenied
        move = _move_form(request)
        if isinstance(move, HttpResponse):
            return move
        kind, module_id, steps = move
        if kind != "module":
            return HttpResponseBadRequest("Only modules move within a course.")
        module = get_object_or_404(Module, pk=module_id, course=course)
        module_move(module=module, steps=steps)
        model_admin.log_change(
            request, course, f"Moved module “{module.title}” {_direction(steps)}."
        )
        return HttpResponseRedirect(
            reverse("admin:courses_course_change", args=[course.pk]) + "#module-order"
        )

    return view


def move_item_view(model_admin: ModelAdmin) -> View:
    def view(request: HttpRequest, module_id: int) -> HttpResponse:
        module = get_object_or_404(Module, pk=module_id)
        if not model_admin.has_change_permission(request, module):
            raise PermissionDenied
        move = _move_form(request)
        if isinstance(move, HttpResponse):
            return move
        kind, item_id, steps = move
        models: dict[str, type[Lesson | Activity]] = {"lesson": Lesson, "activity": Activity}
        if kind not in models:
            return HttpResponseBadRequest("Only lessons and quizzes move within a module.")
        item = get_object_or_404(models[kind], pk=item_id, module=module)
        item_move(item=item, steps=steps)
        model_admin.log_change(request, module, f"Moved “{item.title}” {_direction(steps)}.")
        return HttpResponseRedirect(
            reverse("admin:courses_module_change", args=[module.pk]) + "#item-order"
        )

    return view


def course_content_history_view(model_admin: ModelAdmin) -> View:
    """Every admin log entry of a course, its modules, lessons and quizzes."""

    def view(request: HttpRequest, course_id: int) -> HttpResponse:
        course = get_object_or_404(Course, pk=course_id)
        if not model_admin.has_view_or_change_permission(request, course):
            raise PermissionDenied
        module_ids = [str(pk) for pk in course.modules.values_list("pk", flat=True)]
        lesson_ids = Lesson.objects.filter(module__course=course).values_list("pk", flat=True)
        activity_ids = Activity.objects.filter(module__course=course).values_list("pk", flat=True)
        entries = (
            LogEntry.objects.filter(
                Q(content_type_id=content_type_id(Course), object_id=str(course.pk))
                | Q(content_type_id=content_type_id(Module), object_id__in=module_ids)
                | Q(content_type_id=content_type_id(Lesson), object_id__in=_strings(lesson_ids))
                | Q(
                    content_type_id=content_type_id(Activity),
                    object_id__in=_strings(activity_ids),
                )
            )
            .select_related("user", "content_type")
            .order_by("-action_time", "-pk")
        )
        page = Paginator(entries, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
        context = {
            **_admin_context(model_admin, request, f"History of “{course.topic}” and its content"),
            "original": course,
            "page": page,
        }
        return TemplateResponse(request, "admin/courses/course/content_history.html", context)

    return view


def _strings(ids: Any) -> list[str]:
    return [str(pk) for pk in ids]


def lesson_preview_view(model_admin: ModelAdmin) -> View:
    """The lesson form's title and body, rendered as the learner page renders them."""

    def view(request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not (
            model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
        ):
            raise PermissionDenied
        context = {
            "title": request.POST.get("title", ""),
            "body": render_markdown(request.POST.get("markdown", "")),
        }
        return TemplateResponse(request, "admin/courses/lesson/preview.html", context)

    return view


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
