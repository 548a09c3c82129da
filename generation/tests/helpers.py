"""Helpers for the jobs, pages and admin tests: jobs in each state."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from generation.models import GenerationJob

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def make_job(requester: Any, **fields: Any) -> GenerationJob:
    values = {
        "topic": "History of the Silk Road",
        "level": "beginner",
        "duration": "short",
        "focus": "broad",
        **fields,
    }
    return GenerationJob.objects.create(requester=requester, **values)


def running_job(requester: Any, *, beat_seconds_ago: float = 1, **fields: Any) -> GenerationJob:
    now = timezone.now()
    return make_job(
        requester,
        state=GenerationJob.State.RUNNING,
        stage="writing_lessons",
        stage_label="Writing module 2 of 4, lesson 3 of 5",
        percent=42,
        started_at=now - timedelta(seconds=beat_seconds_ago + 5),
        heartbeat_at=now - timedelta(seconds=beat_seconds_ago),
        **fields,
    )


def failed_job(requester: Any, **fields: Any) -> GenerationJob:
    values = {
        "state": GenerationJob.State.FAILED,
        "stage": "writing_lessons",
        "stage_label": "Failed",
        "error_reason": "The model kept answering with lessons we could not use.",
        "error_detail": "lesson 2: content.value: field required\nraw answer: 'Sure! Here...'",
        "finished_at": timezone.now(),
        **fields,
    }
    return make_job(requester, **values)
