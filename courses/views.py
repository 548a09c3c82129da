"""The catalog: published courses searched, filtered, sorted and paged.

It runs a fixed number of queries whatever the size of the catalog. The pages
of a course, which show a learner's progress, are enrollment's
(enrollment.pages).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import F, QuerySet
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy, ngettext, pgettext, pgettext_lazy
from django.utils.translation import gettext as _
from django.views.generic import ListView

from athena.cachecontrol import PublicPageMixin
from courses.models import (
    PREFERENCE_CHOICES,
    Course,
    Duration,
    Focus,
    Level,
    language_label,
    local_language_name,
    published_languages,
)
from courses.search import parse_search, search_snippets, search_suggestions
from courses.vocabulary import Correction, correct_search

CATALOG_PAGE_SIZE = 24
# The catalog counts and pages through at most this many results: a bounded
# COUNT and OFFSET at any catalog size. Past it, learners refine their search.
CATALOG_RESULT_CAP = 1200
# The catalog's filters, in the order its form (and so its addresses) gives them.
CATALOG_FILTERS = ("level", "duration", "focus", "language")


class CatalogForm(forms.Form):
    """The catalog's query string: search words, filters and sort order.
    Anything invalid is ignored (and said so), never an error page."""

    SORT_CHOICES = [
        ("relevance", gettext_lazy("Best match")),
        ("newest", gettext_lazy("Newest")),
        ("popular", gettext_lazy("Most popular")),
    ]

    q = forms.CharField(
        label=gettext_lazy("Search courses"), required=False, max_length=200, strip=True
    )
    level = forms.ChoiceField(
        label=gettext_lazy("Level"),
        required=False,
        choices=[("", gettext_lazy("Any level")), *Level.choices],
    )
    duration = forms.ChoiceField(
        label=gettext_lazy("Duration"),
        required=False,
        choices=[("", gettext_lazy("Any duration")), *Duration.choices],
    )
    focus = forms.ChoiceField(
        label=gettext_lazy("Focus"),
        required=False,
        choices=[("", gettext_lazy("Any focus")), *Focus.choices],
    )
    # The languages published courses are in (given by the view), by name.
    language = forms.ChoiceField(label=gettext_lazy("Language"), required=False)
    sort = forms.ChoiceField(label=gettext_lazy("Sort by"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args: Any, languages: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        named = sorted((language_label(code).casefold(), code) for code in languages)
        self.fields["language"].choices = [
            ("", _("Any language")),
            *((code, language_label(code)) for _key, code in named),
        ]

    def cleaned(self) -> dict[str, str]:
        """The valid values; invalid fields count as not given."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: "" if name in self.errors else (data.get(name) or "") for name in self.fields}


class CappedPaginator(Paginator):
    """Pages through at most `cap` objects, counting at most `cap + 1` rows of
    `counted` (the same rows without the sort's joins): a bounded COUNT and
    OFFSET whatever the size of the table."""

    def __init__(
        self, object_list: QuerySet, per_page: int, *, cap: int, counted: QuerySet, **kwargs: Any
    ) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap
        self.counted = counted

    @cached_property
    def found(self) -> int:
        return self.counted.order_by()[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self.found, self.cap)

    @property
    def capped(self) -> bool:
        """Whether more objects matched than the paginator pages through."""
        return self.found > self.cap


class CatalogView(PublicPageMixin, ListView):
    """The published courses, searched, filtered and sorted as the query string
    says, a page at a time over at most CATALOG_RESULT_CAP results.

    Public (stored for visitors) only at its canonical addresses: filters and
    a page number, each valid, in the order the page's own links write them.
    A search, the popular order (live enrollment counts) or any other query
    string is rendered for each request, so what is stored is bounded by the
    filters' combinations, not by what visitors type."""

    template_name = "courses/course_list.html"
    context_object_name = "courses"
    paginate_by = CATALOG_PAGE_SIZE

    def get_queryset(self) -> QuerySet[Course]:
        self.languages = published_languages()  # the language filter's choices
        self.form = CatalogForm(self.request.GET, languages=self.languages)
        self.wanted = self.form.cleaned()
        query = self.wanted["q"]
        # Words naming a preference ("python beginner") filter instead of
        # being searched for; a filter chosen in its select wins over them.
        self.parsed = parse_search(query)
        self.preferences = {
            name: self.wanted[name] or self.parsed.preferences.get(name, "")
            for name in PREFERENCE_CHOICES
        }
        self.sort = self.wanted["sort"] or ("relevance" if query else "newest")
        self.form.data = self.form.data.copy()
        self.form.data["sort"] = self.sort  # the select shows the order actually used
        self.search_text = self.parsed.text  # what was searched for, corrected or not
        self.correction: Correction | None = None
        return self._searched(self.parsed.text)

    def _searched(self, text: str) -> QuerySet[Course]:
        """The published courses matching `text` and the filters, in the sort
        order (kept as `self.matching` unordered, for counting)."""
        self.matching = Course.objects.published().for_cards().with_preference(**self.preferences)
        if self.wanted["language"]:
            self.matching = self.matching.filter(language=self.wanted["language"])
        if text:
            self.matching = self.matching.search(text)
        # Without search words there is no relevance: newest first.
        return _catalog_order(
            self.matching, sort=self.sort if (text or self.sort != "relevance") else "newest"
        )

    def get_paginator(
        self, queryset: QuerySet[Course], per_page: int, **kwargs: Any
    ) -> CappedPaginator:
        return CappedPaginator(
            queryset, per_page, cap=CATALOG_RESULT_CAP, counted=self.matching, **kwargs
        )

    def paginate_queryset(
        self, queryset: QuerySet[Course], page_size: int
    ) -> tuple[Paginator, Page, list[Course], bool]:
        try:
            found = super().paginate_queryset(queryset, page_size)
        except Http404:
            # Page 2 of a misspelt search is page 2 of its correction; past
            # the end of a search that finds courses is simply past the end.
            if not self.parsed.text or self.matching.exists():
                raise
            found = None
        if (found is None or found[0].count == 0) and self.parsed.text:
            # Nothing found: search again with misspelt words corrected (one
            # query to the vocabulary), and say so if that finds courses. A
            # search that finds anything never pays for this.
            correction = correct_search(self.parsed.text)
            if correction is not None:
                corrected = super().paginate_queryset(self._searched(correction.text), page_size)
                if corrected[0].count:
                    self.correction, self.search_text = correction, correction.text
                    found = corrected
        if found is None:
            raise Http404("No such page of results.")
        paginator, page, courses, is_paginated = found
        page.object_list = list(courses)  # one query, shared by the page and the template
        return paginator, page, page.object_list, is_paginated

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        paginator: CappedPaginator = context["paginator"]
        courses: list[Course] = context["courses"]
        if self.search_text and courses:
            # Which module, lesson or quiz matched: one query for the page.
            snippets = search_snippets(
                text=self.search_text, course_ids=[course.pk for course in courses]
            )
            for course in courses:
                course.search_match = snippets.get(course.pk)
        query = self.wanted["q"]
        return {
            **context,
            "form": self.form,
            "query": query,
            "sort": self.sort,
            "filtered": any(self.wanted[name] for name in ("q", *CATALOG_FILTERS)),
            "heading": catalog_heading(
                total=paginator.count,
                capped=paginator.capped,
                preferences=self.preferences,
                text=self.search_text,
                language=self.wanted["language"],
            ),
            "language_suggestion": self._language_suggestion(),
            # The search as typed with its misspelt words corrected, as the
            # "Did you mean" link sends it (preference words kept) and shows it.
            "correction": self.correction.pieces(query) if self.correction else [],
            "corrected_query": self.correction.apply(query) if self.correction else "",
            "suggestions": (
                search_suggestions(self.parsed.text or query)
                if query and paginator.count == 0
                else []
            ),
            "show_enrollments": self.sort == "popular",
            "active_filters": self.active_filters(),
            "total": paginator.count,
            "total_capped": paginator.capped,
            "page_count": paginator.num_pages,
        }

    def active_filters(self) -> list[str]:
        """The chosen level, duration, focus and language, as their selects
        name them: the closed "Filters" button on a phone says how many and which."""
        return [
            str(dict(self.form.fields[name].choices)[self.wanted[name]])
            for name in CATALOG_FILTERS
            if self.wanted[name]
        ]

    def _language_suggestion(self) -> dict[str, str] | None:
        """The learner's language offered as a filter, never applied: a link
        to the same search in that language only, when no language is
        chosen and the catalog has courses in it and in others. (The
        learner's language is the active one, `get_language()`.)"""
        if self.wanted["language"] or len(self.languages) < 2:
            return None
        code = suggested_language(get_language() or "", self.languages)
        if code is None:
            return None
        wanted = {**self.wanted, "language": code}
        # The form's order, so the address is the canonical one.
        query = [(name, wanted[name]) for name in ("q", *CATALOG_FILTERS, "sort") if wanted[name]]
        return {
            "code": code,
            "name": local_language_name(code),
            "url": f"{self.request.path}?{urlencode(query)}",
        }

    def is_public(self, context: dict[str, Any]) -> bool:
        # Enrollment counts (the popular order) change with every enrollment.
        if self.wanted["q"] or self.sort == "popular" or not super().is_public(context):
            return False
        wanted = [(name, self.wanted[name]) for name in (*CATALOG_FILTERS, "sort")]
        page: Page = context["page_obj"]
        number = [("page", page.number)] if page.number > 1 else []
        canonical = urlencode([(name, value) for name, value in wanted if value] + number)
        return self.request.META.get("QUERY_STRING", "") == canonical


# How the catalog's heading names each preference value, as an adjective.
PREFERENCE_ADJECTIVES = {
    "beginner": pgettext_lazy("catalog heading: a course's level", "beginner"),
    "intermediate": pgettext_lazy("catalog heading: a course's level", "intermediate"),
    "advanced": pgettext_lazy("catalog heading: a course's level", "advanced"),
    "short": pgettext_lazy("catalog heading: a course's duration", "short"),
    "medium": pgettext_lazy("catalog heading: a course's duration", "medium-length"),
    "long": pgettext_lazy("catalog heading: a course's duration", "long"),
    "broad": pgettext_lazy("catalog heading: a course's focus", "broad"),
    "in-depth": pgettext_lazy("catalog heading: a course's focus", "in-depth"),
}


def suggested_language(active: str, languages: list[str]) -> str | None:
    """Which of `languages` (course language codes) is the learner's language
    `active` ("de", "en-us"): the same code, else the same language without
    or with another region ("en" for "en-us"), else None."""
    active = active.lower()
    if active in languages:
        return active
    base = active.split("-", 1)[0]
    if base in languages:
        return base
    return next((code for code in languages if code.split("-", 1)[0] == base), None)


def catalog_heading(
    *, total: int, capped: bool, preferences: dict[str, str], text: str, language: str = ""
) -> str:
    """What the catalog shows, in words: "All courses" unfiltered, else e.g.
    "12 short beginner courses matching “python”", with ", in Deutsch" after
    it when one language is chosen. Each form is one whole sentence to
    translate; the preference words (`kinds`) are a list."""
    adjectives = [
        str(PREFERENCE_ADJECTIVES.get(value, value))
        for value in (preferences.get(name) for name in ("duration", "focus", "level"))
        if value
    ]
    if not adjectives and not text:
        if not language:
            return _("All courses")
        if capped:
            message = ngettext(
                "More than %(count)s course in %(language)s",
                "More than %(count)s courses in %(language)s",
                total,
            )
        elif total == 0:
            message = _("No courses in %(language)s")
        else:
            message = ngettext(
                "%(count)s course in %(language)s", "%(count)s courses in %(language)s", total
            )
        return message % {"count": total, "language": local_language_name(language)}
    # Translators: joins the preference words of the catalog heading ("short
    # beginner"); a language that cannot stack adjectives may use ", ".
    kinds = pgettext("catalog heading: between preference words", " ").join(adjectives)
    values = {"count": total, "kinds": kinds, "text": text}
    if not adjectives:
        if capped:
            message = ngettext(
                "More than %(count)s course matching “%(text)s”",
                "More than %(count)s courses matching “%(text)s”",
                total,
            )
        elif total == 0:
            message = _("No courses matching “%(text)s”")
        else:
            message = ngettext(
                "%(count)s course matching “%(text)s”",
                "%(count)s courses matching “%(text)s”",
                total,
            )
    elif text:
        if capped:
            message = ngettext(
                "More than %(count)s %(kinds)s course matching “%(text)s”",
                "More than %(count)s %(kinds)s courses matching “%(text)s”",
                total,
            )
        elif total == 0:
            message = _("No %(kinds)s courses matching “%(text)s”")
        else:
            message = ngettext(
                "%(count)s %(kinds)s course matching “%(text)s”",
                "%(count)s %(kinds)s courses matching “%(text)s”",
                total,
            )
    elif capped:
        message = ngettext(
            "More than %(count)s %(kinds)s course",
            "More than %(count)s %(kinds)s courses",
            total,
        )
    elif total == 0:
        message = _("No %(kinds)s courses")
    else:
        message = ngettext("%(count)s %(kinds)s course", "%(count)s %(kinds)s courses", total)
    if language:
        return _("%(heading)s, in %(language)s") % {
            "heading": message % values,
            "language": local_language_name(language),
        }
    return message % values


def _catalog_order(courses: QuerySet[Course], *, sort: str) -> QuerySet[Course]:
    if sort == "relevance":
        return courses.order_by(F("search_rank").desc(), "-created_at", "-course_id")
    if sort == "popular":
        return courses.with_enrollment_count().order_by(
            "-enrollment_count", "-created_at", "-course_id"
        )
    return courses.order_by("-created_at", "-course_id")
