"""Reads shared by the generation pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.fields.json import KT
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from courses.models import Course, Module
from generation.models import GenerationJob

SUGGESTION_COUNT = 3


def similar_published_courses(
    *,
    topic: str,
    level: str,
    duration: str,
    focus: str,
    language: str = "",
    limit: int = SUGGESTION_COUNT,
) -> list[Course]:
    """Published courses that already match the topic (the catalog's search),
    in the `language` asked for if one was, and at least two of the three
    preferences, the closest first: what a learner may take at once instead of
    waiting for a new course."""
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
    courses = Course.objects.published()
    if language:
        courses = courses.filter(language=language)
    return list(
        courses.for_cards()
        .search(topic)
        .annotate(preference_matches=matches)
        .filter(preference_matches__gte=2)
        .order_by("-preference_matches", "-search_rank", "-created_at")[:limit]
    )


@dataclass(frozen=True)
class BuildAllowance:
    """How many more courses a learner may ask for now, of `per_day` in any 24
    hours, and when the oldest build counted frees its place (None when none
    is counted)."""

    left: int
    per_day: int
    next_frees_at: datetime | None

    def _frees(self, today: str, later: str) -> str:
        """`today` or `later` (by when the next place frees, in local time)
        with its time ("14:20") and date ("7 Dec", the month in the active
        language)."""
        at = timezone.localtime(self.next_frees_at or timezone.now())
        values = {
            "left": self.left,
            "per_day": self.per_day,
            "time": date_format(at, "H:i"),
            "date": date_format(at, "j M"),
        }
        return (today if at.date() == timezone.localdate() else later) % values

    @property
    def next_build_frees(self) -> str:
        """E.g. "The next build frees at 14:20." ("" when none is counted)."""
        if self.next_frees_at is None:
            return ""
        return self._frees(
            _("The next build frees at %(time)s."),
            _("The next build frees at %(time)s on %(date)s."),
        )

    def __str__(self) -> str:
        """What the form says, e.g. 3 of 5 builds left; the next frees at 14:20."""
        if self.next_frees_at is None:
            return _("%(left)d of %(per_day)d builds left.") % {
                "left": self.left,
                "per_day": self.per_day,
            }
        return self._frees(
            _("%(left)d of %(per_day)d builds left; the next frees at %(time)s."),
            _("%(left)d of %(per_day)d builds left; the next frees at %(time)s on %(date)s."),
        )


def build_allowance(*, user: Any, now: datetime | None = None) -> BuildAllowance:
    """`user`'s builds left (ATHENA_GENERATION_PER_DAY in any 24 hours). A job
    that failed is never the learner's fault here (the model, the worker or the
    site let it down) and is not counted; every other one is, cancelled ones
    too. One query."""
    now = now or timezone.now()
    per_day = settings.ATHENA_GENERATION_PER_DAY
    counted = list(
        GenerationJob.objects.filter(requester=user, created_at__gte=now - timedelta(days=1))
        .exclude(state=GenerationJob.State.FAILED)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    # The place that frees next is the one whose build leaves the window first.
    frees = counted[0] + timedelta(days=1) if counted else None
    return BuildAllowance(left=max(0, per_day - len(counted)), per_day=per_day, next_frees_at=frees)


def queue_position(job: GenerationJob) -> int:
    """A queued job's place in the queue: 1 when it is next."""
    ahead = Q(created_at__lt=job.created_at) | Q(created_at=job.created_at, pk__lt=job.pk)
    return GenerationJob.objects.filter(ahead, state=GenerationJob.State.QUEUED).count() + 1


def waiting_label(job: GenerationJob) -> str:
    """What a queued job's page says: "Waiting for a worker: 2nd in the queue"."""
    position = queue_position(job)
    if 10 <= position % 100 <= 20 or position % 10 not in (1, 2, 3):
        ordinal = pgettext("place in a queue", "%(position)dth")
    elif position % 10 == 1:
        ordinal = pgettext("place in a queue", "%(position)dst")
    elif position % 10 == 2:
        ordinal = pgettext("place in a queue", "%(position)dnd")
    else:
        ordinal = pgettext("place in a queue", "%(position)drd")
    return _("Waiting for a worker: %(ordinal)s in the queue") % {
        "ordinal": ordinal % {"position": position}
    }


@dataclass(frozen=True)
class ModuleState:
    """One planned module on a job's status page: `state` is "ready" (saved in
    the course: `url` opens it), "writing" (some of it written), "waiting"
    or, once the job stopped, "not_written"."""

    title: str
    state: str
    url: str = ""

    LABELS = {
        "ready": gettext_lazy("Ready to read"),
        "writing": pgettext_lazy("a module", "Being written"),
        "waiting": pgettext_lazy("a module", "Waiting"),
        "not_written": gettext_lazy("Not written"),
    }

    @property
    def label(self) -> str:
        return str(self.LABELS[self.state])


def modules_ready(course: Course | None) -> int:
    """How many of a course's modules have their lessons (from its stored outline)."""
    if course is None:
        return 0
    return sum(1 for module in course.outline.get("modules", []) if module["items"])


def module_states(job: GenerationJob) -> list[ModuleState]:
    """Each module of the job's plan, in order, and how far it is (the job's
    state and kept work, and its course's stored outline: no query)."""
    planned = job.plan.get("modules", []) if isinstance(job.plan, dict) else []
    saved = job.course.outline.get("modules", []) if job.course else []
    # Being written: modules with units kept, and the first one not ready
    # while the job runs (units are started earliest module first).
    started = {str(key).partition(":")[0] for key in job.written}
    first_open = job.state == GenerationJob.State.RUNNING
    states = []
    for index, module in enumerate(planned):
        title = str(module.get("title", "")) if isinstance(module, dict) else ""
        if index < len(saved) and saved[index]["items"]:
            url = Module.url_for(course_id=job.course_id, pk=saved[index]["id"])
            states.append(ModuleState(saved[index]["title"], "ready", url))
        elif job.is_finished:
            states.append(ModuleState(title, "not_written"))
        else:
            writing = first_open or str(index) in started
            states.append(ModuleState(title, "writing" if writing else "waiting"))
            first_open = False
    return states
