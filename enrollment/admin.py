"""Enrollments and progress in the admin: searchable, filterable, read-only
where editing would falsify a learner's history."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.http import require_safe

from courses.admin_filters import AutocompleteFilter, AutocompleteFilterMediaMixin
from courses.models import may_see_drafts
from enrollment import charts, selectors
from enrollment.exports import course_report_csv
from enrollment.models import (
    CourseReport,
    Enrollment,
    LessonCompletion,
    ProblemReport,
    QuizAttempt,
)
from enrollment.services import problem_reports_resolve


class ReadOnlyAdmin(AutocompleteFilterMediaMixin, admin.ModelAdmin):
    """History is recorded by learners' actions, never typed in by staff (who
    may delete it).

    Users and courses are filtered by searching (AutocompleteFilter), not from
    a list of every learner or course that has a row: there may be 100,000."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Enrollment)
class EnrollmentAdmin(ReadOnlyAdmin):
    list_display = ["user", "course", "enrolled_at", "last_accessed_at"]
    list_filter = [
        "enrolled_at",
        "last_accessed_at",
        ("course", AutocompleteFilter),
        ("user", AutocompleteFilter),
    ]
    search_fields = ["user__username", "user__email", "course__topic"]
    list_select_related = ["user", "course"]
    date_hierarchy = "enrolled_at"
    ordering = ["-enrolled_at"]


@admin.register(LessonCompletion)
class LessonCompletionAdmin(ReadOnlyAdmin):
    list_display = ["user", "lesson", "course", "completed_at"]
    list_filter = [
        "completed_at",
        ("lesson__module__course", AutocompleteFilter),
        ("user", AutocompleteFilter),
    ]
    search_fields = [
        "user__username",
        "user__email",
        "lesson__title",
        "lesson__module__course__topic",
    ]
    list_select_related = ["user", "lesson__module__course"]
    date_hierarchy = "completed_at"

    @admin.display(
        ordering="lesson__module__course__topic", description=pgettext_lazy("field", "course")
    )
    def course(self, completion: LessonCompletion) -> str:
        return completion.lesson.module.course.topic


@admin.register(QuizAttempt)
class QuizAttemptAdmin(ReadOnlyAdmin):
    list_display = ["user", "activity", "course", "chosen_option", "is_correct", "attempted_at"]
    list_filter = [
        "is_correct",
        "attempted_at",
        ("activity__module__course", AutocompleteFilter),
        ("user", AutocompleteFilter),
    ]
    search_fields = [
        "user__username",
        "user__email",
        "activity__title",
        "activity__module__course__topic",
    ]
    list_select_related = ["user", "activity__module__course"]
    date_hierarchy = "attempted_at"

    @admin.display(
        ordering="activity__module__course__topic", description=pgettext_lazy("field", "course")
    )
    def course(self, attempt: QuizAttempt) -> str:
        return attempt.activity.module.course.topic


@admin.register(CourseReport)
class CourseReportAdmin(ReadOnlyAdmin):
    """How many learners enrolled, started and finished, and each quiz's success rate."""

    list_display = ["topic", "status", "enrolled"]
    list_filter = ["status"]
    search_fields = ["topic"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[CourseReport]:
        # Drafts (learners' private generated topics among them) are for staff
        # who may edit courses, as on the site; Support reads published courses
        # only. A draft's report is then "not found", its id in the list never.
        queryset = super().get_queryset(request).with_enrollment_count()
        return queryset if may_see_drafts(request.user) else queryset.published()

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        # One status to choose from is no filter.
        return list(self.list_filter) if may_see_drafts(request.user) else []

    @admin.display(ordering="enrollment_count", description=gettext_lazy("enrolled"))
    def enrolled(self, course: CourseReport) -> int:
        return course.enrollment_count

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/export/",
                self.admin_site.admin_view(require_safe(self.export_view)),
                name="{}_{}_export".format(*info),
            ),
            *super().get_urls(),
        ]

    def _report_course(self, request: HttpRequest, object_id: str) -> CourseReport:
        """The course whose report this user may read, or 404 / 403."""
        # get_object answers None for an id that is not a course id ("abc"),
        # where get_object_or_404 raised ValueError: a 500.
        course = self.get_object(request, unquote(object_id))
        if course is None:
            raise Http404("No such course.")
        if not self.has_view_permission(request, course):
            raise PermissionDenied
        return course

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        course = self._report_course(request, object_id)
        report = selectors.course_statistics(course=course)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Report: %(course)s") % {"course": course.topic},
            "course": course,
            "report": report,
            "ratings": selectors.course_ratings(course=course),
            "charts": {
                "funnel": charts.funnel_chart(report),
                "drop_off": charts.drop_off_chart(report),
                "quiz_success": charts.quiz_success_chart(report),
                "options": [
                    (quiz, charts.option_chart(quiz, place=place))
                    for place, quiz in enumerate(report.quizzes, start=1)
                ],
            },
            "export_url": reverse("admin:enrollment_coursereport_export", args=[course.pk]),
            "open_problems": ProblemReport.objects.filter(course=course, resolved_at=None).count(),
        }
        return TemplateResponse(request, "admin/enrollment/coursereport/report.html", context)

    def export_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The report's figures as one CSV file (docs/reports.md)."""
        course = self._report_course(request, object_id)
        return course_report_csv(course=course, report=selectors.course_statistics(course=course))


@admin.register(ProblemReport)
class ProblemReportAdmin(AutocompleteFilterMediaMixin, admin.ModelAdmin):
    """What learners flagged on lessons and quizzes: editors read them per
    course (filter), open the item, and mark them resolved."""

    list_display = ["kind", "item_link", "course", "comment", "user", "created_at", "resolved_at"]
    list_filter = [
        ("resolved_at", admin.EmptyFieldListFilter),
        "kind",
        "created_at",
        ("course", AutocompleteFilter),
    ]
    search_fields = ["comment", "course__topic"]
    list_select_related = ["course", "lesson__module", "activity__module", "user"]
    date_hierarchy = "created_at"
    actions = ["resolve"]
    fields = ["course", "item_link", "kind", "comment", "user", "created_at", "resolved_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=gettext_lazy("lesson or quiz"))
    def item_link(self, report: ProblemReport) -> str:
        item = report.item
        if item is None:
            return "-"
        return format_html('<a href="{}">{}</a>', item.get_absolute_url(), item.title)

    @admin.action(
        description=gettext_lazy("Mark the selected reports resolved"), permissions=["change"]
    )
    def resolve(self, request: HttpRequest, queryset: QuerySet[ProblemReport]) -> None:
        count = problem_reports_resolve(reports=queryset, user=request.user)
        self.message_user(
            request,
            ngettext(
                "Marked %(count)d report resolved.", "Marked %(count)d reports resolved.", count
            )
            % {"count": count},
            messages.SUCCESS,
        )
