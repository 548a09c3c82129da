"""`manage.py bench_generation`: course generation timed against the stand-in
model server with a fixed latency, so the numbers the issue asks for (plan on
screen, first module, whole course against its critical path, tokens) cannot
rot."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from courses.models import Course

pytestmark = pytest.mark.django_db


def test_the_generation_benchmark_reports_its_times_in_order(settings):
    settings.ATHENA_GENERATION_LESSON_CONCURRENCY = 3
    out = StringIO()

    call_command("bench_generation", latency=0.2, stdout=out, stderr=StringIO())

    report = json.loads(out.getvalue())
    assert report["units"] == 8  # a short course: 2 modules of 2 lessons, each with its quiz
    assert report["plan_ready_s"] >= 0.2
    # Module 1 readable (saved) two latencies after approval (a lesson, then its
    # quiz), well before the whole course.
    readable = report["first_module_readable_after_approval_s"]
    assert 0.4 <= readable < report["writing_s"]
    assert report["first_module_readable_after_approval_latencies"] < 5
    # The plan, then 8 units on 3 threads: at least 4 latencies.
    assert report["critical_path_s"] == pytest.approx(0.8)
    assert report["ratio_to_critical_path"] >= 1
    assert report["tokens"] > 0
    assert Course.objects.filter(pk=report["course_id"]).exists()
