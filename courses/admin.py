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
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from courses import admin_views
from courses.forms import (
    OPTION_FIELDS,
    CourseAdminForm,
    LessonAdminForm,
    LessonInlineForm,
    QuizAdminForm,
)
from courses.models import PREFERENCE_CHOICES, Activity, Course, Lesson, Module
from courses.services import (
    course_append_module,
    course_duplicate,
    course_publish,
    course_renumber_modules,
    course_unpublish,
    module_append_item,
    module_renumber_items,
)
from enrollment.models import ITEM_PROGRESS_MODELS

ATHENA_ADMIN_CSS = {"all": ["admin-athena/admin.css"]}


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
    enrolment, completions, attempts) only on that page."""

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
    fields = ["title", "type", "question", *OPTION_FIELDS, "correct_option"]
    extra = 0
    show_change_link = True
    verbose_name = "quiz"
    verbose_name_plural = "quizzes"


class AppendingAdminMixin:
    """Save new children at the end of their parent's sequence, and close the
    gap a deleted child leaves, whichever inline or page made the change."""

    def save_formset(
        self, request: HttpRequest, form: ModelForm, formset: BaseInlineFormSet, change: bool
    ) -> None:
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for obj in instances:
            if obj.pk is None:
                self.append_child(obj)
            else:
                obj.save()
        formset.save_m2m()
        if formset.deleted_objects:
            self.renumber_children(form.instance)

    def append_child(self, obj: Any) -> None:
        raise NotImplementedError

    def renumber_children(self, parent: Any) -> None:
        raise NotImplementedError


@admin.register(Course)
class CourseAdmin(ProgressFollowsContentMixin, AppendingAdminMixin, admin.ModelAdmin):
    form = CourseAdminForm
    inlines = [ModuleInline]
    list_display = [
        "topic",
        "status",
        "origin",
        "built_for",
        "module_count",
        "lesson_count",
        "quiz_count",
        "enrollment_count",
        "created_at",
    ]
    list_filter = ["status", "origin", LevelFilter, DurationFilter, FocusFilter, "created_at"]
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
    change_list_template = "admin/courses/course/change_list.html"

    class Media:
        css = ATHENA_ADMIN_CSS

    def get_queryset(self, request: HttpRequest) -> QuerySet[Course]:
        return super().get_queryset(request).with_enrolment_count()

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
                wrap(admin_views.move_module_view(self)),
                name="courses_course_move_module",
            ),
            path(
                "<int:course_id>/history/content/",
                wrap(admin_views.course_content_history_view(self)),
                name="courses_course_content_history",
            ),
            *super().get_urls(),
        ]

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

    @admin.display(description="enrolments", ordering="enrolment_count")
    def enrollment_count(self, course: Course) -> int:
        return course.enrolment_count

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
            modules = list(course.modules.all())
            context["module_rows"] = [
                {
                    "module": module,
                    "change_url": reverse("admin:courses_module_change", args=[module.pk]),
                    "first": index == 0,
                    "last": index == len(modules) - 1,
                }
                for index, module in enumerate(modules)
            ]
            context["can_reorder"] = self.has_change_permission(request, course)
            context["site_url_for_course"] = reverse(
                "admin:view_on_site",
                args=[admin_views.content_type_id(Course), course.pk],
            )
        return super().change_view(request, object_id, form_url, context)

    def append_child(self, obj: Module) -> None:
        course_append_module(module=obj)

    def renumber_children(self, parent: Course) -> None:
        course_renumber_modules(course_id=parent.pk)

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
class ModuleAdmin(ProgressFollowsContentMixin, AppendingAdminMixin, admin.ModelAdmin):
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

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:module_id>/move-item/",
                wrap(admin_views.move_item_view(self)),
                name="courses_module_move_item",
            ),
            *super().get_urls(),
        ]

    def save_model(self, request: HttpRequest, obj: Module, form: ModelForm, change: bool) -> None:
        if change:
            obj.save()
        else:
            course_append_module(module=obj)

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
            items = Module.objects.with_items().get(pk=module.pk).ordered_items()
            context["item_rows"] = [
                {
                    "item": item,
                    "key": f"{item.kind}:{item.pk}",
                    "label": "Lesson" if item.kind == "lesson" else "Quiz",
                    "change_url": reverse(
                        f"admin:courses_{type(item)._meta.model_name}_change", args=[item.pk]
                    ),
                    "first": index == 0,
                    "last": index == len(items) - 1,
                }
                for index, item in enumerate(items)
            ]
            context["can_reorder"] = self.has_change_permission(request, module)
            context["add_lesson_url"] = reverse("admin:courses_lesson_add") + f"?module={module.pk}"
            context["add_quiz_url"] = reverse("admin:courses_activity_add") + f"?module={module.pk}"
        return super().change_view(request, object_id, form_url, context)

    def append_child(self, obj: Lesson | Activity) -> None:
        module_append_item(item=obj)

    def renumber_children(self, parent: Module) -> None:
        module_renumber_items(module_id=parent.pk)

    def delete_model(self, request: HttpRequest, obj: Module) -> None:
        course_id = obj.course_id
        super().delete_model(request, obj)
        course_renumber_modules(course_id=course_id)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Module]) -> None:
        course_ids = set(queryset.values_list("course_id", flat=True))
        super().delete_queryset(request, queryset)
        for course_id in course_ids:
            course_renumber_modules(course_id=course_id)


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
        if change:
            obj.save()
        else:
            module_append_item(item=obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        module_id = obj.module_id
        super().delete_model(request, obj)
        module_renumber_items(module_id=module_id)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        module_ids = set(queryset.values_list("module_id", flat=True))
        super().delete_queryset(request, queryset)
        for module_id in module_ids:
            module_renumber_items(module_id=module_id)


@admin.register(Lesson)
class LessonAdmin(ModuleItemAdmin):
    form = LessonAdminForm
    fields = ["module", "title", "markdown", "display_order"]

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "preview/",
                wrap(admin_views.lesson_preview_view(self)),
                name="courses_lesson_preview",
            ),
            *super().get_urls(),
        ]


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
