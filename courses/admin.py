"""Course authoring in Django admin.

Staff edit courses with their modules inline, and modules with their lessons and
quizzes inline; structure (order, appends, renumbering after deletions) goes
through `courses.services`, documents through `courses.documents`, and previews
through `courses.rendering`, the same code the learner pages and commands use.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from csp.constants import SELF
from csp.decorators import csp_replace
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.admin.utils import get_deleted_objects
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from courses import admin_views
from courses.admin_filters import (
    AutocompleteFilter,
    AutocompleteFilterMediaMixin,
    CourseModuleFilter,
    drill_down,
)
from courses.documents import DocumentError
from courses.forms import (
    OPTION_FIELDS,
    CourseAdminForm,
    LessonAdminForm,
    LessonInlineForm,
    MoveForm,
    MoveToModuleForm,
    QuizAdminForm,
    ReorderForm,
)
from courses.models import PREFERENCE_CHOICES, Activity, Course, Lesson, Module
from courses.rendering import render_inline_markdown, render_markdown
from courses.services import (
    ITEM_UPDATE_FIELDS,
    MODULE_UPDATE_FIELDS,
    course_content_changed,
    course_delete,
    course_duplicate,
    course_publish,
    course_reorder_modules,
    course_unpublish,
    item_create,
    item_delete,
    item_move,
    item_update,
    module_create,
    module_delete,
    module_items,
    module_move,
    module_reorder_items,
    module_update,
)

ATHENA_ADMIN_CSS = {"all": ["admin-athena/admin.css"]}
REORDER_JS = ["admin-athena/reorder.js"]
PREVIEW_JS = ["admin-athena/preview.js", "admin-athena/quiz-options.js"]
PREVIEW_CSS = {"all": ["admin-athena/admin.css", "css/pygments.css"]}
HISTORY_PAGE_SIZE = 100


class CappedCountPaginator(Paginator):
    """Counts at most COUNT_CAP rows (`SELECT COUNT(*) FROM (... LIMIT n)`), so a
    list page costs the same at 100,000 courses as at 1,000; past the cap the
    list says COUNT_CAP and pages that far, and search or filters narrow it."""

    COUNT_CAP = 10_000

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: self.COUNT_CAP].count()


def posted_move(request: HttpRequest) -> tuple[str, int, int]:
    """The up/down button pressed: (kind, id, steps), or BadRequest (a 400)."""
    form = MoveForm(request.POST)
    if not form.is_valid():
        raise BadRequest("Unknown move.")
    return form.cleaned_move()


def direction(steps: int) -> str:
    return "up" if steps < 0 else "down"


def row_key(obj: Module | Lesson | Activity) -> str:
    """How an order table names a row: "module:3", "lesson:12", "activity:7"."""
    return f"module:{obj.pk}" if isinstance(obj, Module) else obj.key


def posted_order(request: HttpRequest, current: list[Any]) -> list[Any] | JsonResponse:
    """The new order a drag and drop posts ("order", one key per row): the
    objects of `current` in that order, or a 400 answer saying what is wrong."""
    by_key = {row_key(obj): obj for obj in current}
    form = ReorderForm(request.POST, keys=list(by_key))
    if not form.is_valid():
        return JsonResponse(
            {"error": " ".join(form.errors.get("order", [_("Unknown order.")]))},
            status=HTTPStatus.BAD_REQUEST,
        )
    return [by_key[key] for key in form.cleaned_data["order"]]


def order_saved(message: str, objects: list[Any]) -> JsonResponse:
    return JsonResponse({"message": message, "order": [row_key(obj) for obj in objects]})


def refused() -> JsonResponse:
    return JsonResponse(
        {"error": _("Your account may not change this order.")}, status=HTTPStatus.FORBIDDEN
    )


class PreferenceFilter(admin.SimpleListFilter):
    """Filter courses on one preference through the indexed JSON expression."""

    preference = ""

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(PREFERENCE_CHOICES[self.preference].choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Course]) -> QuerySet[Course]:
        if self.value() in PREFERENCE_CHOICES[self.preference].values:
            return queryset.with_preference(**{self.preference: self.value()})
        return queryset


class LevelFilter(PreferenceFilter):
    parameter_name = preference = "level"
    title = gettext_lazy("level")


class DurationFilter(PreferenceFilter):
    parameter_name = preference = "duration"
    title = gettext_lazy("duration")


class FocusFilter(PreferenceFilter):
    parameter_name = preference = "focus"
    title = gettext_lazy("focus")


@functools.cache
def item_progress_models() -> tuple[type[models.Model], ...]:
    """Other apps' models whose rows deleting a lesson or quiz deletes with
    it (CASCADE): learners' progress on it (completions, attempts), found
    through the models' relations, so courses needs not import the app that
    keeps them."""
    return tuple(
        relation.related_model
        for model in (Lesson, Activity)
        for relation in model._meta.get_fields()
        if relation.one_to_many
        and relation.auto_created
        and relation.on_delete is models.CASCADE
        and relation.related_model._meta.app_label != model._meta.app_label
    )


def item_progress_names() -> set[str]:
    """Their names as Django's deletion check gives them: in the editor's
    language, so worked out per request (the models are kept, not the words)."""
    return {str(model._meta.verbose_name) for model in item_progress_models()}


def deletion_perms_needed(objs: list[Any], request: HttpRequest, admin_site: Any) -> set[str]:
    """What deleting `objs` would delete that the user may not delete, except
    learners' progress on the deleted items, which goes with them by design."""
    _, _, perms_needed, _ = get_deleted_objects(objs, request, admin_site)
    return set(perms_needed) - item_progress_names()


class ProgressFollowsContentMixin:
    """Deleting a module, lesson or quiz deletes learners' progress on it, even
    for an editor who may not delete progress otherwise; an enrollment still
    needs its own permission."""

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple:
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, model_count, set(perms_needed) - item_progress_names(), protected


class GuardedDeletionFormSet(BaseInlineFormSet):
    """Refuse an inline deletion the object's own delete page would refuse:
    Django checks delete permissions on cascaded objects (a learner's
    enrollment, completions, attempts) only on that page."""

    request: HttpRequest | None = None
    admin_site: admin.AdminSite | None = None

    def clean(self) -> None:
        super().clean()
        for form in self.deleted_forms:
            if form.instance.pk is None:
                continue
            perms_needed = deletion_perms_needed([form.instance], self.request, self.admin_site)
            if perms_needed:
                raise ValidationError(
                    _(
                        "“%(name)s” cannot be deleted: it would also delete %(what)s, which "
                        "your account may not delete."
                    ),
                    params={"name": form.instance, "what": ", ".join(sorted(perms_needed))},
                )


def inline_objects(context: dict[str, Any], model: type) -> list[Any] | None:
    """The rows a change form's inline of `model` already fetched, so an order
    table can list them without fetching them again. None when there is no such
    inline or its forms were posted (then their objects may hold what was typed,
    and the table must show what is stored)."""
    for inline_admin_formset in context.get("inline_admin_formsets", ()):
        formset = inline_admin_formset.formset
        if formset.model is model and not formset.is_bound:
            return list(formset.get_queryset())
    return None


class GuardedInlineMixin:
    formset = GuardedDeletionFormSet

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        formset.request = request
        formset.admin_site = self.admin_site
        return formset


class ModuleInline(GuardedInlineMixin, admin.StackedInline):
    model = Module
    fields = ["title", "description"]
    extra = 0
    show_change_link = True
    verbose_name_plural = "modules"


class LessonInline(GuardedInlineMixin, admin.StackedInline):
    model = Lesson
    form = LessonInlineForm
    fields = ["title", "markdown"]
    extra = 0
    show_change_link = True


class QuizInline(GuardedInlineMixin, admin.StackedInline):
    model = Activity
    form = QuizAdminForm
    # No "type": a quiz is the only kind, and a select with one choice says nothing.
    # The right answer is a radio button beside each option (forms.OptionInput).
    fields = ["title", "question", *OPTION_FIELDS, "explanation", "hint"]
    extra = 0
    show_change_link = True
    verbose_name = "quiz"
    verbose_name_plural = "quizzes"


def module_save(module: Module) -> None:
    """Save a module from an admin form through the services."""
    if module.pk is None:
        module_create(module=module)
    else:
        module_update(
            module=module, data={name: getattr(module, name) for name in MODULE_UPDATE_FIELDS}
        )


def item_save(item: Lesson | Activity) -> None:
    """Save a lesson or quiz from an admin form through the services."""
    if item.pk is None:
        item_create(item=item)
    else:
        fields = [name for name in ITEM_UPDATE_FIELDS if hasattr(item, name)]
        item_update(item=item, data={name: getattr(item, name) for name in fields})


class ChildrenThroughServicesMixin:
    """Inline children (a course's modules, a module's items) are created,
    changed and deleted through the services, which keep order and counts."""

    def save_formset(
        self, request: HttpRequest, form: ModelForm, formset: BaseInlineFormSet, change: bool
    ) -> None:
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            self.delete_child(obj)
        for obj in instances:
            self.save_child(obj)
        formset.save_m2m()

    def save_child(self, obj: Any) -> None:
        raise NotImplementedError

    def delete_child(self, obj: Any) -> None:
        raise NotImplementedError


@admin.register(Course)
class CourseAdmin(
    ProgressFollowsContentMixin,
    ChildrenThroughServicesMixin,
    admin.ModelAdmin,
):
    form = CourseAdminForm
    view_on_site = False  # the change page links "Learner page" itself
    inlines = [ModuleInline]
    # Few, narrow columns so the list fits a 1366 px screen beside the admin's
    # navigation and filters: the three counts share a column, and the creation
    # date is the date hierarchy and a filter (and the default order).
    list_display = [
        "topic",
        "state",
        "built_for",
        "content",
        "enrollment_count",
    ]
    list_filter = ["status", "origin", LevelFilter, DurationFilter, FocusFilter, "created_at"]
    search_fields = ["topic", "description"]  # shows the search box; see get_search_results
    date_hierarchy = "created_at"
    # Explicit: the enrollment count's GROUP BY drops Meta.ordering, and pages
    # (the list, the autocomplete) need a stable order.
    ordering = ["-created_at", "-course_id"]
    readonly_fields = [
        "content_counts",
        "published_at",
        "created_at",
        "updated_at",
        "generation_request",
        "review_state",
    ]
    fieldsets = [
        (None, {"fields": ["topic", "description", "language"]}),
        (gettext_lazy("Built for"), {"fields": ["level", "duration", "focus"]}),
        (gettext_lazy("Publication"), {"fields": ["status", "published_at", "answer_reveal"]}),
        (gettext_lazy("Content"), {"fields": ["content_counts", "created_at", "updated_at"]}),
    ]
    # A generated course's page also shows what was asked and what it cost,
    # for the editor reviewing it before publishing.
    generated_fieldset = (
        gettext_lazy("Generated: review before publishing"),
        {"fields": ["generation_request", "review_state"]},
    )
    actions = ["publish", "unpublish", "export_documents", "duplicate"]
    # No COUNT(*) over the whole table on every list page (see CappedCountPaginator).
    show_full_result_count = False
    paginator = CappedCountPaginator
    change_list_template = "admin/courses/course/change_list.html"

    class Media:
        css = ATHENA_ADMIN_CSS
        js = REORDER_JS

    def get_queryset(self, request: HttpRequest) -> QuerySet[Course]:
        # The date hierarchy's choices by index probes (100,000 courses).
        return drill_down(super().get_queryset(request).with_enrollment_count())

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Course], search_term: str
    ) -> tuple[QuerySet[Course], bool]:
        # The catalog's search: full-text and indexed on PostgreSQL (topic,
        # description, module titles), word by word elsewhere. No duplicates.
        if not search_term.strip():
            return queryset, False
        return queryset.search(search_term), False

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "import/",
                wrap(admin_views.CourseImportView.as_view(model_admin=self)),
                name="courses_course_import",
            ),
            path(
                "<int:course_id>/move-module/",
                wrap(self.move_module_view),
                name="courses_course_move_module",
            ),
            path(
                "<int:course_id>/reorder-modules/",
                wrap(self.reorder_modules_view),
                name="courses_course_reorder_modules",
            ),
            path(
                "<int:course_id>/export/",
                wrap(self.export_view),
                name="courses_course_export",
            ),
            path(
                "<int:course_id>/history/content/",
                wrap(self.content_history_view),
                name="courses_course_content_history",
            ),
            *super().get_urls(),
        ]

    @method_decorator(require_POST)
    def move_module_view(self, request: HttpRequest, course_id: int) -> HttpResponse:
        """One module up or down in its course (the course page's order table)."""
        course = get_object_or_404(Course, pk=course_id)
        if not self.has_change_permission(request, course):
            raise PermissionDenied
        kind, module_id, steps = posted_move(request)
        if kind != "module":
            raise BadRequest("Only modules move within a course.")
        module = get_object_or_404(Module, pk=module_id, course=course)
        module_move(module=module, steps=steps)
        self.log_change(request, course, f"Moved module “{module.title}” {direction(steps)}.")
        return HttpResponseRedirect(
            reverse("admin:courses_course_change", args=[course.pk]) + "#module-order"
        )

    @method_decorator(require_POST)
    def reorder_modules_view(self, request: HttpRequest, course_id: int) -> HttpResponse:
        """The whole new order of a course's modules, from a drag and drop, in one
        request: JSON for the script that posted it."""
        course = get_object_or_404(Course, pk=course_id)
        if not self.has_change_permission(request, course):
            return refused()
        modules = posted_order(request, list(course.modules.all()))
        if isinstance(modules, JsonResponse):
            return modules
        course_reorder_modules(course=course, modules=modules)
        self.log_change(request, course, "Reordered modules.")
        return order_saved(_("Order of modules saved."), modules)

    def export_view(self, request: HttpRequest, course_id: int) -> HttpResponse:
        """One course's document, downloaded from its change page (a GET: it
        changes nothing)."""
        course = get_object_or_404(Course, pk=course_id)
        if not self.has_view_or_change_permission(request, course):
            raise PermissionDenied
        return admin_views.export_response([course])

    def content_history_view(self, request: HttpRequest, course_id: int) -> HttpResponse:
        """Every admin log entry of a course, its modules, lessons and quizzes."""
        course = get_object_or_404(Course, pk=course_id)
        if not self.has_view_or_change_permission(request, course):
            raise PermissionDenied
        entries = admin_views.content_log_entries(course)
        page = Paginator(entries, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
        context = {
            **admin_views.admin_context(
                self,
                request,
                _("History of “%(topic)s” and its content") % {"topic": course.topic},
            ),
            "original": course,
            "page": page,
        }
        return TemplateResponse(request, "admin/courses/course/content_history.html", context)

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def state(self, course: Course) -> str:
        """Draft or published, and "generated" for a course the pipeline built
        (one column: the list fits a 1366 px screen)."""
        if course.origin == Course.Origin.GENERATED:
            return _("%(status)s · generated") % {"status": course.get_status_display()}
        return course.get_status_display()

    @admin.display(description=gettext_lazy("built for"), ordering="preferences__level")
    def built_for(self, course: Course) -> str:
        """The preferences' labels, the duration with the course's estimate."""
        labels = [
            f"{choices(course.preferences[key]).label}"
            + (f": {course.minutes_label}" if key == "duration" and course.minutes_label else "")
            for key, choices in PREFERENCE_CHOICES.items()
            if course.preferences.get(key) in choices.values
        ]
        return ", ".join(labels) or "-"

    @admin.display(description=gettext_lazy("modules · lessons · quizzes"))
    def content(self, course: Course) -> str:
        counts = course.counts
        return f"{counts['modules']} · {counts['lessons']} · {counts['activities']}"

    @admin.display(description=gettext_lazy("enrollments"), ordering="enrollment_count")
    def enrollment_count(self, course: Course) -> int:
        return course.enrollment_count

    @admin.display(description=gettext_lazy("modules, lessons, quizzes"))
    def content_counts(self, course: Course) -> str:
        counts = course.counts
        return ", ".join(
            [
                ngettext("%(count)s module", "%(count)s modules", counts["modules"])
                % {"count": counts["modules"]},
                ngettext("%(count)s lesson", "%(count)s lessons", counts["lessons"])
                % {"count": counts["lessons"]},
                ngettext("%(count)s quiz", "%(count)s quizzes", counts["activities"])
                % {"count": counts["activities"]},
            ]
        )

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Course | None = None,
    ) -> HttpResponse:
        if obj is not None:
            # Set here, where the object is at hand: change_view would fetch it again.
            context["can_reorder"] = self.has_change_permission(request, obj)
            context["reorder_url"] = reverse("admin:courses_course_reorder_modules", args=[obj.pk])
            context["site_url_for_course"] = reverse(
                "admin:view_on_site", args=[admin_views.content_type_id(Course), obj.pk]
            )
            context["learner_url"] = obj.get_absolute_url()
            context["export_url"] = reverse("admin:courses_course_export", args=[obj.pk])
            if request.user.has_perm("enrollment.view_coursereport"):
                context["report_url"] = reverse(
                    "admin:enrollment_coursereport_change", args=[obj.pk]
                )
            modules = inline_objects(context, Module)
            context["module_rows"] = [
                {
                    "module": module,
                    "title": module.title,
                    "key": row_key(module),
                    "change_url": reverse("admin:courses_module_change", args=[module.pk]),
                }
                for module in (obj.modules.all() if modules is None else modules)
            ]
        return super().render_change_form(request, context, add, change, form_url, obj)

    # The course's own fields are saved here, not through a service: its
    # version moves on as the services move it (its status, say, is what the
    # learner pages check). A deleted course's row is gone: nothing to retire.
    def get_fieldsets(self, request: HttpRequest, obj: Course | None = None) -> list[Any]:
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None and obj.origin == Course.Origin.GENERATED:
            fieldsets.insert(1, self.generated_fieldset)
        return fieldsets

    @admin.display(description=gettext_lazy("Request"))
    def generation_request(self, obj: Course) -> str:
        """Who asked, what they typed, for which preferences, the model and what
        each stage cost (the newest generation job that built it)."""
        job = obj.generation_jobs.select_related("requester").order_by("-created_at").first()
        if job is None:
            return _("No generation job is on record for this course.")
        rows = [
            (_("Requested by"), job.requester.get_username()),
            (_("Topic as typed"), job.topic),
            (_("Preferences"), f"{job.level} · {job.duration} · {job.focus}"),
            (
                _("Language asked for"),
                job.language
                or _("the topic's (written in %(language)s)") % {"language": obj.language_name},
            ),
            (_("Model"), job.model_name or _("unknown")),
            (
                _("Tokens"),
                _("%(prompt)s prompt + %(completion)s completion")
                % {"prompt": job.prompt_tokens, "completion": job.completion_tokens},
            ),
            *(
                (
                    f"· {row.get('stage', '')}",
                    _("%(prompt)s + %(completion)s tokens, %(calls)s calls, %(seconds)s s")
                    % {
                        "prompt": row.get("prompt_tokens", 0),
                        "completion": row.get("completion_tokens", 0),
                        "calls": row.get("attempts", 0),
                        "seconds": row.get("seconds", 0),
                    },
                )
                for row in job.usage
            ),
        ]
        return format_html(
            "<table>{}</table>",
            format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows),
        )

    @admin.display(description=gettext_lazy("Reviewed"))
    def review_state(self, obj: Course) -> str:
        if obj.reviewed_at is None:
            return _("Not reviewed: publishing it records you as its reviewer.")
        reviewer = obj.reviewed_by.get_username() if obj.reviewed_by else _("a former staff member")
        return _("Reviewed and published by %(reviewer)s on %(when)s.") % {
            "reviewer": reviewer,
            "when": f"{obj.reviewed_at:%Y-%m-%d %H:%M}",
        }

    def save_model(self, request: HttpRequest, obj: Course, form: ModelForm, change: bool) -> None:
        if "status" in form.changed_data and obj.status == Course.Status.PUBLISHED:
            # Published from its page: the editor reviewed it.
            obj.reviewed_by = request.user
            obj.reviewed_at = timezone.now()
        super().save_model(request, obj, form, change)
        course_content_changed(course_ids=[obj.pk])

    def delete_model(self, request: HttpRequest, obj: Course) -> None:
        course_delete(course_ids=[obj.pk])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Course]) -> None:
        course_delete(course_ids=list(queryset.values_list("pk", flat=True)))

    def save_child(self, obj: Module) -> None:
        module_save(obj)

    def delete_child(self, obj: Module) -> None:
        module_delete(module=obj)

    @admin.action(
        description=gettext_lazy("Publish the selected courses after review"),
        permissions=["change"],
    )
    def publish(self, request: HttpRequest, queryset: QuerySet[Course]) -> None:
        self._change_status(
            request,
            queryset,
            status=Course.Status.PUBLISHED,
            service=functools.partial(course_publish, reviewed_by=request.user),
            done=lambda count: ngettext(
                "Published %(count)s course.", "Published %(count)s courses.", count
            ),
            log_message="Published.",
        )

    @admin.action(
        description=gettext_lazy("Unpublish the selected courses (back to draft)"),
        permissions=["change"],
    )
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Course]) -> None:
        self._change_status(
            request,
            queryset,
            status=Course.Status.DRAFT,
            service=course_unpublish,
            done=lambda count: ngettext(
                "Unpublished %(count)s course.", "Unpublished %(count)s courses.", count
            ),
            log_message="Unpublished (back to draft).",
        )

    def _change_status(
        self,
        request: HttpRequest,
        queryset: QuerySet[Course],
        *,
        status: str,
        service: Callable[..., int],
        done: Callable[[int], str],
        log_message: str,
    ) -> None:
        """Move the selected courses not yet in `status` there, logging each one."""
        courses = list(queryset.exclude(status=status))
        service(course_ids=[course.pk for course in courses])
        for course in courses:
            self.log_change(request, course, log_message)
        self.message_user(request, done(len(courses)) % {"count": len(courses)}, messages.SUCCESS)

    @admin.action(
        description=gettext_lazy("Export the selected courses as course documents"),
        permissions=["view"],
    )
    def export_documents(self, request: HttpRequest, queryset: QuerySet[Course]) -> HttpResponse:
        return admin_views.export_response(list(queryset))

    @admin.action(
        description=gettext_lazy("Duplicate the selected courses (new drafts)"),
        permissions=["add"],
    )
    def duplicate(self, request: HttpRequest, queryset: QuerySet[Course]) -> None:
        copies = []
        for course in queryset:
            try:
                copy = course_duplicate(course=course)
            except DocumentError as error:
                # A draft still being written (a module without lessons yet).
                self.message_user(
                    request,
                    (
                        _("Could not copy “%(topic)s”: %(problem)s")
                        if len(error.problems) == 1
                        else ngettext(
                            "Could not copy “%(topic)s”: %(problem)s (and %(more)s more)",
                            "Could not copy “%(topic)s”: %(problem)s (and %(more)s more)",
                            len(error.problems) - 1,
                        )
                    )
                    % {
                        "topic": course.topic,
                        "problem": error.problems[0],
                        "more": len(error.problems) - 1,
                    },
                    messages.ERROR,
                )
                continue
            self.log_addition(request, copy, f"Duplicated from course {course.pk}.")
            copies.append(copy)
        if not copies:
            return
        self.message_user(
            request,
            format_html(
                ngettext(
                    "Created {count} draft copy: {links}",
                    "Created {count} draft copies: {links}",
                    len(copies),
                ),
                count=len(copies),
                links=admin_views.course_change_links(copies),
            ),
            messages.SUCCESS,
        )


@admin.register(Module)
class ModuleAdmin(
    ProgressFollowsContentMixin,
    ChildrenThroughServicesMixin,
    admin.ModelAdmin,
):
    inlines = [LessonInline, QuizInline]
    list_display = ["title", "course", "module_order"]
    list_select_related = ["course"]
    search_fields = ["title", "course__topic"]
    fields = ["course", "title", "description", "module_order"]
    readonly_fields = ["module_order"]

    class Media:
        css = PREVIEW_CSS
        js = [*REORDER_JS, *PREVIEW_JS]

    def get_readonly_fields(self, request: HttpRequest, obj: Module | None = None) -> list[str]:
        # A module stays in its course: moving it would collide with the other
        # course's module order. Duplicate the course or re-import instead.
        return ["course", "module_order"] if obj else ["module_order"]

    @method_decorator(require_POST)
    def move_item_view(self, request: HttpRequest, module_id: int) -> HttpResponse:
        """One lesson or quiz up or down in its module (the module page's order table)."""
        module = get_object_or_404(Module, pk=module_id)
        if not self.has_change_permission(request, module):
            raise PermissionDenied
        kind, item_id, steps = posted_move(request)
        models: dict[str, type[Lesson | Activity]] = {"lesson": Lesson, "activity": Activity}
        if kind not in models:
            raise BadRequest("Only lessons and quizzes move within a module.")
        item = get_object_or_404(models[kind], pk=item_id, module=module)
        item_move(item=item, steps=steps)
        self.log_change(request, module, f"Moved “{item.title}” {direction(steps)}.")
        return HttpResponseRedirect(
            reverse("admin:courses_module_change", args=[module.pk]) + "#item-order"
        )

    @method_decorator(require_POST)
    def reorder_items_view(self, request: HttpRequest, module_id: int) -> HttpResponse:
        """The whole new order of a module's lessons and quizzes, from a drag and
        drop, in one request: JSON for the script that posted it."""
        module = get_object_or_404(Module, pk=module_id)
        if not self.has_change_permission(request, module):
            return refused()
        items = posted_order(request, module_items(module_id=module.pk))
        if isinstance(items, JsonResponse):
            return items
        module_reorder_items(module=module, items=items)
        self.log_change(request, module, "Reordered lessons and quizzes.")
        return order_saved(_("Order of lessons and quizzes saved."), items)

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:module_id>/move-item/",
                wrap(self.move_item_view),
                name="courses_module_move_item",
            ),
            path(
                "<int:module_id>/reorder-items/",
                wrap(self.reorder_items_view),
                name="courses_module_reorder_items",
            ),
            *super().get_urls(),
        ]

    def save_model(self, request: HttpRequest, obj: Module, form: ModelForm, change: bool) -> None:
        module_save(obj)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Module | None = None,
    ) -> HttpResponse:
        if obj is not None:
            # Set here, where the object is at hand: change_view would fetch it again.
            context["can_reorder"] = self.has_change_permission(request, obj)
            context["reorder_url"] = reverse("admin:courses_module_reorder_items", args=[obj.pk])
            context["add_lesson_url"] = reverse("admin:courses_lesson_add") + f"?module={obj.pk}"
            context["add_quiz_url"] = reverse("admin:courses_activity_add") + f"?module={obj.pk}"
            lessons, quizzes = inline_objects(context, Lesson), inline_objects(context, Activity)
            if lessons is None or quizzes is None:
                items = Module.objects.with_items().get(pk=obj.pk).ordered_items()
            else:
                # Module.ordered_items's order, over the rows the inlines fetched.
                items = sorted(
                    [*lessons, *quizzes], key=lambda item: (item.display_order, item.kind, item.pk)
                )
            # Each row also points at its editor among the inlines below, which
            # list lessons and quizzes each in display order ("lessons-0", ...).
            inline_index = {"lesson": 0, "activity": 0}
            rows = []
            for item in items:
                prefix = "lessons" if item.kind == "lesson" else "activities"
                rows.append(
                    {
                        "item": item,
                        "title": item.title,
                        "key": item.key,
                        "label": _("Lesson") if item.kind == "lesson" else _("Quiz"),
                        "change_url": reverse(
                            f"admin:courses_{type(item)._meta.model_name}_change", args=[item.pk]
                        ),
                        "inline_anchor": f"{prefix}-{inline_index[item.kind]}",
                    }
                )
                inline_index[item.kind] += 1
            context["item_rows"] = rows
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_child(self, obj: Lesson | Activity) -> None:
        item_save(obj)

    def delete_child(self, obj: Lesson | Activity) -> None:
        item_delete(item=obj)

    def delete_model(self, request: HttpRequest, obj: Module) -> None:
        module_delete(module=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Module]) -> None:
        for module in queryset:
            module_delete(module=module)


class ModuleItemAdmin(AutocompleteFilterMediaMixin, ProgressFollowsContentMixin, admin.ModelAdmin):
    """What the lesson and quiz pages share: the module is chosen when the item
    is added (it goes last) and fixed afterwards; order is set on the module."""

    list_display = ["title", "module", "course", "display_order"]
    list_select_related = ["module__course"]
    # Search a course (there may be 100,000), then pick one of its modules.
    list_filter = [("module__course", AutocompleteFilter), CourseModuleFilter]
    search_fields = ["title", "module__title", "module__course__topic"]

    class Media:
        css = PREVIEW_CSS
        js = PREVIEW_JS

    @admin.display(description=gettext_lazy("course"), ordering="module__course__topic")
    def course(self, item: Lesson | Activity) -> str:
        return item.module.course.topic

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        name = self.model._meta.model_name
        return [
            path("preview/", wrap(self.preview_view), name=f"courses_{name}_preview"),
            path(
                "preview/frame/",
                wrap(self.preview_frame_view),
                name=f"courses_{name}_preview_frame",
            ),
            path(
                "<int:item_id>/move-to-module/",
                wrap(self.move_to_module_view),
                name=f"courses_{name}_move_to_module",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request: HttpRequest) -> HttpResponse:
        raise NotImplementedError  # each editor previews its own fields

    # The live preview's frame: its title, and the class the learner page
    # gives the rendered body's container.
    preview_frame_title = ""
    preview_body_class = ""

    @method_decorator(require_GET)
    @method_decorator(xframe_options_sameorigin)
    @method_decorator(csp_replace({"frame-ancestors": [SELF]}))
    def preview_frame_view(self, request: HttpRequest) -> HttpResponse:
        """The document inside the live preview's frame beside an editor: the
        learner's stylesheets and the learner page's markup, none of the
        admin's styles (which upper-case table headers and drop list bullets).
        preview.js fills it with the rendering. Framed by the admin's own
        pages only (same origin); every other page refuses to be framed."""
        self.check_preview_permission(request)
        context = {"title": self.preview_frame_title, "body_class": self.preview_body_class}
        return TemplateResponse(request, "admin/courses/preview_frame.html", context)

    def check_preview_permission(self, request: HttpRequest) -> None:
        """Whoever may add or change items may preview what they type."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied

    @method_decorator(require_POST)
    def move_to_module_view(self, request: HttpRequest, item_id: int) -> HttpResponse:
        """The item to the end of another module of its course."""
        item = get_object_or_404(self.model.objects.select_related("module"), pk=item_id)
        if not self.has_change_permission(request, item):
            raise PermissionDenied
        change_url = reverse(f"admin:courses_{self.model._meta.model_name}_change", args=[item.pk])
        form = MoveToModuleForm(request.POST, item=item)
        if not form.is_valid():
            for error in form.errors.get("to_module", []):
                messages.error(request, error)
            return HttpResponseRedirect(change_url)
        source, target = item.module, form.cleaned_data["to_module"]
        item_move(item=item, to_module=target)
        message = f"Moved from module “{source.title}” to the end of “{target.title}”."
        self.log_change(request, item, message)
        shown = _("“%(item)s”: Moved from module “%(source)s” to the end of “%(target)s”.") % {
            "item": item.title,
            "source": source.title,
            "target": target.title,
        }
        self.log_change(request, source, f"Moved “{item.title}” to module “{target.title}”.")
        self.log_change(request, target, f"Received “{item.title}” from “{source.title}”.")
        self.message_user(request, shown, messages.SUCCESS)
        return HttpResponseRedirect(change_url)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        if obj is not None and obj.pk and self.has_change_permission(request, obj):
            # One query: the other modules of the item's course, listed by hand
            # in the template (a form field would query them again).
            context["move_modules"] = list(
                Module.objects.filter(course__modules=obj.module_id)
                .exclude(pk=obj.module_id)
                .only("module_id", "module_order", "title")
            )
            context["move_url"] = reverse(
                f"admin:courses_{self.model._meta.model_name}_move_to_module", args=[obj.pk]
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["module", "display_order"] if obj else ["display_order"]

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        item_save(obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        item_delete(item=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for item in queryset.select_related("module"):
            item_delete(item=item)


@admin.register(Lesson)
class LessonAdmin(ModuleItemAdmin):
    form = LessonAdminForm
    preview_frame_title = gettext_lazy("Lesson preview")
    preview_body_class = "prose"
    fields = ["module", "title", "markdown", "display_order"]

    @method_decorator(require_POST)
    def preview_view(self, request: HttpRequest) -> HttpResponse:
        """The lesson form's title and body, rendered as the learner page renders
        them: a page of its own, or (`fragment`) only the body, for the live
        preview beside the editor."""
        self.check_preview_permission(request)
        context = {
            "title": request.POST.get("title", ""),
            "body": render_markdown(request.POST.get("markdown", "")),
        }
        if request.POST.get("fragment"):
            return TemplateResponse(request, "admin/courses/lesson/_preview_body.html", context)
        return TemplateResponse(request, "admin/courses/lesson/preview.html", context)


@admin.register(Activity)
class ActivityAdmin(ModuleItemAdmin):
    form = QuizAdminForm
    preview_frame_title = gettext_lazy("Quiz preview")

    @method_decorator(require_POST)
    def preview_view(self, request: HttpRequest) -> HttpResponse:
        """The quiz form's question and options as the quiz page shows them
        before an answer (its markup, its renderer, options lettered), never
        the answer: the live preview beside the quiz editor, in its frame."""
        self.check_preview_permission(request)
        options = [request.POST.get(name, "").strip() for name in OPTION_FIELDS]
        context = {
            "question": render_inline_markdown(request.POST.get("question", "")),
            "options": [
                {"letter": chr(ord("A") + index), "text": render_inline_markdown(text)}
                for index, text in enumerate(option for option in options if option)
            ],
        }
        return TemplateResponse(request, "admin/courses/activity/_preview.html", context)

    fields = [
        "module",
        "title",
        "question",
        *OPTION_FIELDS,  # each with its "Right answer" radio button
        "explanation",
        "hint",
        "display_order",
    ]


@admin.register(LogEntry)
class LogEntryAdmin(admin.ModelAdmin):
    """Read-only history of every admin change: who, what, when."""

    list_display = ["action_time", "user", "content_type", "object_repr", "change_message_text"]
    list_filter = ["action_flag", "content_type"]
    search_fields = ["object_repr", "user__username"]
    list_select_related = ["user", "content_type"]
    date_hierarchy = "action_time"

    @admin.display(description=gettext_lazy("change"))
    def change_message_text(self, entry: LogEntry) -> str:
        return entry.get_change_message()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
