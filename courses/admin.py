"""Course authoring in Django admin.

Staff edit courses with their modules inline, and modules with their lessons and
quizzes inline; structure (order, appends, renumbering after deletions) goes
through `courses.services`, documents through `courses.documents`, and previews
through `courses.rendering`, the same code the learner pages and commands use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.admin.utils import get_deleted_objects
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from athena.pagecache import content_changed
from courses import admin_views
from courses.forms import (
    OPTION_FIELDS,
    CourseAdminForm,
    LessonAdminForm,
    LessonInlineForm,
    MoveForm,
    QuizAdminForm,
)
from courses.models import PREFERENCE_CHOICES, Activity, Course, Lesson, Module
from courses.rendering import render_markdown
from courses.services import (
    ITEM_UPDATE_FIELDS,
    MODULE_UPDATE_FIELDS,
    course_duplicate,
    course_publish,
    course_unpublish,
    item_create,
    item_delete,
    item_move,
    item_update,
    module_create,
    module_delete,
    module_move,
    module_update,
)
from enrollment.models import ITEM_PROGRESS_MODELS

ATHENA_ADMIN_CSS = {"all": ["admin-athena/admin.css"]}
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
    title = parameter_name = preference = "level"


class DurationFilter(PreferenceFilter):
    title = parameter_name = preference = "duration"


class FocusFilter(PreferenceFilter):
    title = parameter_name = preference = "focus"


ITEM_PROGRESS_NAMES = {str(model._meta.verbose_name) for model in ITEM_PROGRESS_MODELS}


def deletion_perms_needed(objs: list[Any], request: HttpRequest, admin_site: Any) -> set[str]:
    """What deleting `objs` would delete that the user may not delete, except
    learners' progress on the deleted items, which goes with them by design."""
    _, _, perms_needed, _ = get_deleted_objects(objs, request, admin_site)
    return set(perms_needed) - ITEM_PROGRESS_NAMES


class ProgressFollowsContentMixin:
    """Deleting a module, lesson or quiz deletes learners' progress on it, even
    for an editor who may not delete progress otherwise; an enrollment still
    needs its own permission."""

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple:
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, model_count, set(perms_needed) - ITEM_PROGRESS_NAMES, protected


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
                    "“%(name)s” cannot be deleted: it would also delete %(what)s, which your "
                    "account may not delete.",
                    params={"name": form.instance, "what": ", ".join(sorted(perms_needed))},
                )


class ObjectOncePerRequestMixin:
    """Our change views need the object for their order tables before Django's
    change form fetches it again: fetch it once per request."""

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Any:
        fetched = request.__dict__.setdefault("_athena_admin_objects", {})
        key = (self.model, object_id, from_field)
        if key not in fetched:
            fetched[key] = super().get_object(request, object_id, from_field)
        return fetched[key]


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
    fields = ["title", "type", "question", *OPTION_FIELDS, "correct_option", "explanation"]
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
    ObjectOncePerRequestMixin,
    ProgressFollowsContentMixin,
    ChildrenThroughServicesMixin,
    admin.ModelAdmin,
):
    form = CourseAdminForm
    inlines = [ModuleInline]
    list_display = [
        "topic",
        "status",
        "built_for",
        "module_count",
        "lesson_count",
        "quiz_count",
        "enrollment_count",
        "created_at",
    ]
    list_filter = ["status", LevelFilter, DurationFilter, FocusFilter, "created_at"]
    search_fields = ["topic", "description"]  # shows the search box; see get_search_results
    date_hierarchy = "created_at"
    readonly_fields = ["content_counts", "published_at", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["topic", "description"]}),
        ("Built for", {"fields": ["level", "duration", "focus"]}),
        ("Publication", {"fields": ["status", "published_at", "answer_reveal"]}),
        ("Content", {"fields": ["content_counts", "created_at", "updated_at"]}),
    ]
    actions = ["publish", "unpublish", "export_documents", "duplicate"]
    # No COUNT(*) over the whole table on every list page (see CappedCountPaginator).
    show_full_result_count = False
    paginator = CappedCountPaginator
    change_list_template = "admin/courses/course/change_list.html"

    class Media:
        css = ATHENA_ADMIN_CSS

    def get_queryset(self, request: HttpRequest) -> QuerySet[Course]:
        return super().get_queryset(request).with_enrollment_count()

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

    def content_history_view(self, request: HttpRequest, course_id: int) -> HttpResponse:
        """Every admin log entry of a course, its modules, lessons and quizzes."""
        course = get_object_or_404(Course, pk=course_id)
        if not self.has_view_or_change_permission(request, course):
            raise PermissionDenied
        entries = admin_views.content_log_entries(course)
        page = Paginator(entries, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
        context = {
            **admin_views.admin_context(
                self, request, f"History of “{course.topic}” and its content"
            ),
            "original": course,
            "page": page,
        }
        return TemplateResponse(request, "admin/courses/course/content_history.html", context)

    @admin.display(description="built for", ordering="preferences__level")
    def built_for(self, course: Course) -> str:
        labels = [
            str(choices(course.preferences[key]).label)
            for key, choices in PREFERENCE_CHOICES.items()
            if course.preferences.get(key) in choices.values
        ]
        return ", ".join(labels) or "-"

    @admin.display(description="modules")
    def module_count(self, course: Course) -> int:
        return course.counts["modules"]

    @admin.display(description="lessons")
    def lesson_count(self, course: Course) -> int:
        return course.counts["lessons"]

    @admin.display(description="quizzes")
    def quiz_count(self, course: Course) -> int:
        return course.counts["activities"]

    @admin.display(description="enrollments", ordering="enrollment_count")
    def enrollment_count(self, course: Course) -> int:
        return course.enrollment_count

    @admin.display(description="modules, lessons, quizzes")
    def content_counts(self, course: Course) -> str:
        counts = course.counts
        return f"{counts['modules']} modules, {counts['lessons']} lessons, " + (
            f"{counts['activities']} quizzes"
        )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        course = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if course is not None:
            context["can_reorder"] = self.has_change_permission(request, course)
            context["site_url_for_course"] = reverse(
                "admin:view_on_site",
                args=[admin_views.content_type_id(Course), course.pk],
            )
        return super().change_view(request, object_id, form_url, context)

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
            modules = inline_objects(context, Module)
            context["module_rows"] = [
                {
                    "module": module,
                    "title": module.title,
                    "key": f"module:{module.pk}",
                    "change_url": reverse("admin:courses_module_change", args=[module.pk]),
                }
                for module in (obj.modules.all() if modules is None else modules)
            ]
        return super().render_change_form(request, context, add, change, form_url, obj)

    # The course's own fields are saved here, not through a service: retire
    # anonymous visitors' cached pages as the services do (athena.pagecache).
    def save_model(self, request: HttpRequest, obj: Course, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        content_changed()

    def delete_model(self, request: HttpRequest, obj: Course) -> None:
        super().delete_model(request, obj)
        content_changed()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Course]) -> None:
        super().delete_queryset(request, queryset)
        content_changed()

    def save_child(self, obj: Module) -> None:
        module_save(obj)

    def delete_child(self, obj: Module) -> None:
        module_delete(module=obj)

    @admin.action(description="Publish the selected courses", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Course]) -> None:
        self._change_status(
            request,
            queryset,
            status=Course.Status.PUBLISHED,
            service=course_publish,
            verb="Published",
            log_message="Published.",
        )

    @admin.action(
        description="Unpublish the selected courses (back to draft)", permissions=["change"]
    )
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Course]) -> None:
        self._change_status(
            request,
            queryset,
            status=Course.Status.DRAFT,
            service=course_unpublish,
            verb="Unpublished",
            log_message="Unpublished (back to draft).",
        )

    def _change_status(
        self,
        request: HttpRequest,
        queryset: QuerySet[Course],
        *,
        status: str,
        service: Callable[..., int],
        verb: str,
        log_message: str,
    ) -> None:
        """Move the selected courses not yet in `status` there, logging each one."""
        courses = list(queryset.exclude(status=status))
        service(course_ids=[course.pk for course in courses])
        for course in courses:
            self.log_change(request, course, log_message)
        self.message_user(request, f"{verb} {len(courses)} course(s).", messages.SUCCESS)

    @admin.action(
        description="Export the selected courses as course documents", permissions=["view"]
    )
    def export_documents(self, request: HttpRequest, queryset: QuerySet[Course]) -> HttpResponse:
        return admin_views.export_response(list(queryset))

    @admin.action(description="Duplicate the selected courses (new drafts)", permissions=["add"])
    def duplicate(self, request: HttpRequest, queryset: QuerySet[Course]) -> None:
        copies = []
        for course in queryset:
            copy = course_duplicate(course=course)
            self.log_addition(request, copy, f"Duplicated from course {course.pk}.")
            copies.append(copy)
        self.message_user(
            request,
            format_html(
                "Created {} draft copies: {}", len(copies), admin_views.course_change_links(copies)
            ),
            messages.SUCCESS,
        )


@admin.register(Module)
class ModuleAdmin(
    ObjectOncePerRequestMixin,
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
        css = ATHENA_ADMIN_CSS

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

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:module_id>/move-item/",
                wrap(self.move_item_view),
                name="courses_module_move_item",
            ),
            *super().get_urls(),
        ]

    def save_model(self, request: HttpRequest, obj: Module, form: ModelForm, change: bool) -> None:
        module_save(obj)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        context = dict(extra_context or {})
        module = self.get_object(request, object_id)
        if module is not None:
            context["can_reorder"] = self.has_change_permission(request, module)
            context["add_lesson_url"] = reverse("admin:courses_lesson_add") + f"?module={module.pk}"
            context["add_quiz_url"] = reverse("admin:courses_activity_add") + f"?module={module.pk}"
        return super().change_view(request, object_id, form_url, context)

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
            lessons, quizzes = inline_objects(context, Lesson), inline_objects(context, Activity)
            if lessons is None or quizzes is None:
                items = Module.objects.with_items().get(pk=obj.pk).ordered_items()
            else:
                # Module.ordered_items's order, over the rows the inlines fetched.
                items = sorted(
                    [*lessons, *quizzes], key=lambda item: (item.display_order, item.kind, item.pk)
                )
            context["item_rows"] = [
                {
                    "item": item,
                    "title": item.title,
                    "key": f"{item.kind}:{item.pk}",
                    "label": "Lesson" if item.kind == "lesson" else "Quiz",
                    "change_url": reverse(
                        f"admin:courses_{type(item)._meta.model_name}_change", args=[item.pk]
                    ),
                }
                for item in items
            ]
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


class ModuleItemAdmin(ProgressFollowsContentMixin, admin.ModelAdmin):
    """What the lesson and quiz pages share: the module is chosen when the item
    is added (it goes last) and fixed afterwards; order is set on the module."""

    list_display = ["title", "module", "course", "display_order"]
    list_select_related = ["module__course"]
    search_fields = ["title", "module__title", "module__course__topic"]

    class Media:
        css = ATHENA_ADMIN_CSS

    @admin.display(description="course", ordering="module__course__topic")
    def course(self, item: Lesson | Activity) -> str:
        return item.module.course.topic

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
    fields = ["module", "title", "markdown", "display_order"]

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("preview/", wrap(self.preview_view), name="courses_lesson_preview"),
            *super().get_urls(),
        ]

    @method_decorator(require_POST)
    def preview_view(self, request: HttpRequest) -> HttpResponse:
        """The lesson form's title and body, rendered as the learner page renders them."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        context = {
            "title": request.POST.get("title", ""),
            "body": render_markdown(request.POST.get("markdown", "")),
        }
        return TemplateResponse(request, "admin/courses/lesson/preview.html", context)


@admin.register(Activity)
class ActivityAdmin(ModuleItemAdmin):
    form = QuizAdminForm
    fields = [
        "module",
        "title",
        "type",
        "question",
        *OPTION_FIELDS,
        "correct_option",
        "explanation",
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

    @admin.display(description="change")
    def change_message_text(self, entry: LogEntry) -> str:
        return entry.get_change_message()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
