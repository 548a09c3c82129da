"""Generation jobs in the admin: what was asked, how it ran, what it cost, and a
retry for the failed ones. Jobs are records, read-only here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from generation.models import GenerationJob, Rewrite
from generation.services import generation_jobs_fail_stale, generation_retry


@admin.register(GenerationJob)
class GenerationJobAdmin(admin.ModelAdmin):
    list_display = [
        "topic",
        "requester",
        "preferences_text",
        "state",
        "stage",
        "tokens",
        "duration_text",
        "error_reason",
        "course_link",
        "created_at",
    ]
    list_filter = ["state", "stage", "level", "duration", "focus", "created_at"]
    search_fields = ["topic", "requester__username", "requester__email"]
    list_select_related = ["requester", "course"]
    date_hierarchy = "created_at"
    actions = ["retry"]
    fieldsets = [
        (
            _("Request"),
            {
                "fields": [
                    "requester",
                    "topic",
                    "level",
                    "duration",
                    "focus",
                    "language",
                    "retry_of",
                ]
            },
        ),
        (
            _("Plan"),
            {"fields": ["review_plan", "plan", "revision_instruction", "plan_approved_at"]},
        ),
        (
            _("Run"),
            {
                "fields": [
                    "state",
                    "stage",
                    "stage_label",
                    "percent",
                    "course_link",
                    "task_id",
                    "created_at",
                    "started_at",
                    "heartbeat_at",
                    "finished_at",
                    "duration_text",
                ]
            },
        ),
        (
            _("Model usage"),
            {"fields": ["model_name", "prompt_tokens", "completion_tokens", "usage_table"]},
        ),
        (_("Error"), {"fields": ["error_reason", "error_detail_text"]}),
    ]
    # Every field shown is read-only (a job is a record); computed ones must be
    # listed here to be shown at all.
    readonly_fields = [name for _, section in fieldsets for name in section["fields"]]

    def get_queryset(self, request: HttpRequest) -> QuerySet[GenerationJob]:
        # Lists leave the runs' work unread; a job's page reads it when shown.
        return super().get_queryset(request).defer(*GenerationJob.WORK_FIELDS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # learners ask from the site; operators use generate_course

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A job is a record: its page is read-only. The changelist's retry action
        # still needs the change permission.
        if obj is not None:
            return False
        return super().has_change_permission(request, obj)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        generation_jobs_fail_stale()
        return super().changelist_view(request, extra_context)

    @admin.display(description=pgettext_lazy("admin column", "preferences"))
    def preferences_text(self, job: GenerationJob) -> str:
        return (
            f"{job.get_level_display()} · {job.get_duration_display()} · {job.get_focus_display()}"
        )

    @admin.display(description=pgettext_lazy("admin column", "tokens"))
    def tokens(self, job: GenerationJob) -> int:
        return job.total_tokens

    @admin.display(description=pgettext_lazy("admin column", "duration"))
    def duration_text(self, job: GenerationJob) -> str:
        seconds = job.seconds
        if seconds is None:
            return "-"
        minutes, rest = divmod(round(seconds), 60)
        if minutes:
            return _("%(minutes)d min %(seconds)d s") % {"minutes": minutes, "seconds": rest}
        return _("%(seconds)d s") % {"seconds": rest}

    @admin.display(description=pgettext_lazy("admin column", "course"))
    def course_link(self, job: GenerationJob) -> str:
        if job.course is None:
            return "-"
        url = reverse("admin:courses_course_change", args=[job.course_id])
        return format_html('<a href="{}">{}</a>', url, job.course.topic)

    @admin.display(description=pgettext_lazy("admin column", "usage per stage"))
    def usage_table(self, job: GenerationJob) -> str:
        if not job.usage:
            return "-"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    row.get("stage", ""),
                    row.get("model", ""),
                    row.get("prompt_tokens", 0),
                    row.get("completion_tokens", 0),
                    row.get("seconds", 0),
                    row.get("attempts", 0),
                )
                for row in job.usage
                if isinstance(row, dict)
            ),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th>"
            "<th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            _("Stage"),
            _("Model"),
            _("Prompt tokens"),
            _("Completion tokens"),
            _("Seconds"),
            _("Attempts"),
            rows,
        )

    @admin.display(description=pgettext_lazy("admin column", "error detail (staff only)"))
    def error_detail_text(self, job: GenerationJob) -> str:
        if not job.error_detail:
            return "-"
        return format_html('<pre class="generation-error-detail">{}</pre>', job.error_detail)

    @admin.action(description=_("Retry the selected failed jobs"), permissions=["change"])
    def retry(self, request: HttpRequest, queryset: QuerySet[GenerationJob]) -> None:
        failed = list(queryset.filter(state=GenerationJob.State.FAILED).select_related("requester"))
        skipped = queryset.count() - len(failed)
        for job in failed:
            # Staff decide: the learner's limits do not apply to a retry from here.
            generation_retry(job=job, enforce_limits=False)
        if failed:
            self.message_user(
                request,
                ngettext(
                    "Queued %(count)d job again as new jobs.",
                    "Queued %(count)d jobs again as new jobs.",
                    len(failed),
                )
                % {"count": len(failed)},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "Skipped %(count)d job: only failed jobs can be retried.",
                    "Skipped %(count)d jobs: only failed jobs can be retried.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )


@admin.register(Rewrite)
class RewriteAdmin(admin.ModelAdmin):
    """The changes asked of generated courses (a record: read-only; learners
    undo from the course's pages, operators with manage.py regenerate)."""

    list_display = ["course", "kind", "state", "requester", "instruction", "tokens", "created_at"]
    list_filter = ["kind", "state", "created_at"]
    search_fields = ["course__topic", "requester__username", "instruction"]
    list_select_related = ["course", "requester"]
    date_hierarchy = "created_at"
    fields = [
        "course",
        "requester",
        "kind",
        "state",
        "module",
        "lesson",
        "activity",
        "instruction",
        "restores",
        "before",
        "after",
        "model_name",
        "prompt_tokens",
        "completion_tokens",
        "error_reason",
        "error_detail",
        "created_at",
        "finished_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=pgettext_lazy("admin column", "tokens"))
    def tokens(self, rewrite: Rewrite) -> int:
        return rewrite.prompt_tokens + rewrite.completion_tokens
