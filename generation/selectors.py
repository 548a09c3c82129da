"""Reads shared by the generation pages."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Value, When
from django.db.models.fields.json import KT
from django.db.models.lookups import Exact

from courses.models import Course

SUGGESTION_COUNT = 3


def similar_published_courses(
    *, topic: str, level: str, duration: str, focus: str, limit: int = SUGGESTION_COUNT
) -> list[Course]:
    """Published courses that already match the topic (the catalog's search) and
    at least two of the three preferences, the closest first: what a learner may
    take at once instead of waiting for a new course."""
    wanted = {"level": level, "duration": duration, "focus": focus}
    matches = sum(
        (
            Case(
                # The same expression as the catalog's preference indexes.
                When(Exact(KT(f"preferences__{key}"), value), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
            for key, value in wanted.items()
        ),
        Value(0),
    )
    return list(
        Course.objects.published()
        .for_cards()
        .search(topic)
        .annotate(preference_matches=matches)
        .filter(preference_matches__gte=2)
        .order_by("-preference_matches", "-search_rank", "-created_at")[:limit]
    )
