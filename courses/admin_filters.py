"""Admin list filters that stay usable at scale: over 100,000 learners or
courses a list of links is useless (and slow), so these search instead."""

from __future__ import annotations

import functools
from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import get_last_value_from_parameters
from django.contrib.admin.views.main import ChangeList
from django.db.models import Field, Max, Min, Model, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.models import Module


def autocomplete_filter_media() -> forms.Media:
    """What a list with an autocomplete filter loads: Django's own select2 and
    autocomplete widget script (in the order Django's autocomplete widget
    loads them), and the few lines that apply the choice."""
    extra = "" if settings.DEBUG else ".min"
    return forms.Media(
        css={
            "all": [
                "admin/css/vendor/select2/select2.min.css",
                "admin/css/autocomplete.css",
                "admin-athena/admin.css",
            ]
        },
        js=[
            f"admin/js/vendor/jquery/jquery{extra}.js",
            f"admin/js/vendor/select2/select2.full{extra}.js",
            "admin/js/jquery.init.js",
            "admin/js/autocomplete.js",
            "admin-athena/autocomplete-filter.js",
        ],
    )


class AutocompleteFilterMediaMixin:
    """For a ModelAdmin whose list_filter holds an AutocompleteFilter."""

    @property
    def media(self) -> forms.Media:
        return super().media + autocomplete_filter_media()


class AutocompleteFilter(admin.FieldListFilter):
    """Filter on a foreign key by searching its target, through Django admin's
    own autocomplete endpoint (`admin:autocomplete`) and the target admin's
    `search_fields`: nothing is listed until the editor types. Only the chosen
    object is loaded, to show its name."""

    template = "admin/athena_autocomplete_filter.html"

    def __init__(
        self,
        field: Field,
        request: HttpRequest,
        params: dict[str, Any],
        model: type[Model],
        model_admin: admin.ModelAdmin,
        field_path: str,
    ) -> None:
        self.lookup_kwarg = f"{field_path}__{field.target_field.name}__exact"
        self.lookup_val = get_last_value_from_parameters(params, self.lookup_kwarg)
        super().__init__(field, request, params, model, model_admin, field_path)
        self.remote_model = field.remote_field.model
        self.title = str(self.remote_model._meta.verbose_name)

    def expected_parameters(self) -> list[str]:
        return [self.lookup_kwarg]

    def has_output(self) -> bool:
        return True

    def selected(self) -> Model | None:
        if not self.lookup_val or not str(self.lookup_val).isdigit():
            return None
        return self.remote_model._default_manager.filter(pk=self.lookup_val).first()

    def choices(self, changelist: ChangeList) -> Any:
        # The template renders the search box; "All" clears the filter.
        selected = self.selected()
        yield {
            "selected": selected is None,
            "query_string": changelist.get_query_string(remove=[self.lookup_kwarg]),
            "display": _("All"),
            "object": selected,
            "parameter": self.lookup_kwarg,
            "app_label": self.field.model._meta.app_label,
            "model_name": self.field.model._meta.model_name,
            "field_name": self.field.name,
            "placeholder": _("Search %(things)s")
            % {"things": self.remote_model._meta.verbose_name_plural},
        }


class CourseModuleFilter(admin.SimpleListFilter):
    """A lesson's or quiz's module, among the modules of the course chosen in
    the course filter (a course has a handful; the site has many)."""

    title = gettext_lazy("module")
    parameter_name = "module__module_id__exact"
    course_parameter = "module__course__course_id__exact"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        course_id = request.GET.get(self.course_parameter, "")
        if not course_id.isdigit():
            return []
        return [
            (str(module.pk), f"{module.module_order}. {module.title}")
            for module in Module.objects.filter(course_id=course_id).only(
                "module_id", "module_order", "title"
            )
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() and self.value().isdigit():
            return queryset.filter(module_id=self.value())
        return queryset


class DateDrillDownQuerySet(QuerySet):
    """A changelist's queryset whose date hierarchy costs index probes, not a
    scan. Django's drill-down asks for the distinct years, months or days of
    the rows shown (SELECT DISTINCT date_trunc(...) over every row, which grows
    with the table); here the periods between the first and the last row are
    each tested with one EXISTS on the indexed column: at most 31 (the days of
    a month), 12 (the months of a year), or one a year. Use with `drill_down`."""

    def datetimes(self, field_name: str, kind: str, order: str = "ASC", tzinfo: Any = None) -> Any:
        if kind not in ("year", "month", "day") or tzinfo is not None:
            return super().datetimes(field_name, kind, order, tzinfo)
        bounds = self.aggregate(first=Min(field_name), last=Max(field_name))
        if bounds["first"] is None:
            return []
        first, last = timezone.localtime(bounds["first"]), timezone.localtime(bounds["last"])
        found = [
            start
            for start, end in _periods(first, last, kind)
            if self.filter(**{f"{field_name}__gte": start, f"{field_name}__lt": end}).exists()
        ]
        return found if order == "ASC" else found[::-1]


def drill_down(queryset: QuerySet) -> QuerySet:
    """`queryset` as a DateDrillDownQuerySet (its class's own methods kept)."""
    cls = _drill_down_class(type(queryset))
    return cls(model=queryset.model, query=queryset.query.chain(), using=queryset.db)


@functools.cache
def _drill_down_class(cls: type[QuerySet]) -> type[QuerySet]:
    """One class per queryset class, made once, not on every list page."""
    if issubclass(cls, DateDrillDownQuerySet):
        return cls
    return type(f"DateDrillDown{cls.__name__}", (DateDrillDownQuerySet, cls), {})


def _periods(first: datetime, last: datetime, kind: str) -> list[tuple[datetime, datetime]]:
    """Each year, month or day from `first`'s to `last`'s, as [start, end), in
    the current time zone (as the date hierarchy shows them)."""
    zone = timezone.get_current_timezone()

    def start_of(moment: datetime) -> datetime:
        if kind == "year":
            return datetime(moment.year, 1, 1, tzinfo=zone)
        if kind == "month":
            return datetime(moment.year, moment.month, 1, tzinfo=zone)
        return datetime(moment.year, moment.month, moment.day, tzinfo=zone)

    def following(start: datetime) -> datetime:
        if kind == "year":
            return datetime(start.year + 1, 1, 1, tzinfo=zone)
        if kind == "month":
            years, month = divmod(start.month, 12)
            return datetime(start.year + years, month + 1, 1, tzinfo=zone)
        return datetime.combine(start.date() + timedelta(days=1), time(), tzinfo=zone)

    periods = []
    start = start_of(first)
    while start <= last:
        end = following(start)
        periods.append((start, end))
        start = end
    return periods
