"""Time course generation against a stand-in model server that answers every
call after a fixed latency (the stand-in the tests use, over real HTTP):

    manage.py bench_generation --latency 2 --duration short

Reports, as JSON: when the plan was ready, when the first module could be
read (saved into the draft course; from the approval of the plan, in seconds
and in model latencies), when the whole course was saved, the critical path
at the configured concurrency (ATHENA_GENERATION_LESSON_CONCURRENCY) in model
latencies, the whole run's ratio to it, and the tokens spent. Writes one draft
course into the configured database: run it on a throwaway one (`make
bench-generation` does).
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from courses.models import Duration, Focus, Level


class Command(BaseCommand):
    help = "Time course generation against a stand-in model with a fixed latency."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--latency", type=float, default=2.0, help="seconds per model call")
        parser.add_argument("--duration", choices=Duration.values, default=Duration.SHORT)
        parser.add_argument("--topic", default="History of the Silk Road")

    def handle(self, *args: Any, **options: Any) -> None:
        from generation.pipeline import CourseRequest, generate_course, plan_course
        from generation.tests.llm_server import configure, running_stand_in, valid

        latency = options["latency"]
        request = CourseRequest(
            topic=options["topic"],
            level=Level.BEGINNER,
            duration=options["duration"],
            focus=Focus.BROAD,
        )
        with running_stand_in() as server:
            configure(settings, server, ATHENA_LLM_TIMEOUT=latency * 5 + 5)
            server.always("*", valid(delay=latency))
            started = time.monotonic()
            planned = plan_course(request)
            plan_seconds = time.monotonic() - started
            readable_at: list[float] = []
            # The plan approved at once: the writing starts now.
            writing = time.monotonic()
            result = generate_course(
                request,
                plan=planned.plan,
                on_course=lambda course: readable_at.append(time.monotonic()),
            )
            done = time.monotonic()
        first_readable = readable_at[0] - writing
        units = 2 * sum(len(module.lessons) for module in planned.plan.modules)
        concurrency = max(1, settings.ATHENA_GENERATION_LESSON_CONCURRENCY)
        # A lesson, then its quiz: two calls in a row at least, and the units
        # shared by the threads.
        critical = 1 + max(2, math.ceil(units / concurrency))
        report = {
            "latency_s": latency,
            "concurrency": concurrency,
            "modules": len(planned.plan.modules),
            "units": units,
            "plan_ready_s": round(plan_seconds, 2),
            "first_module_readable_after_approval_s": round(first_readable, 2),
            "first_module_readable_after_approval_latencies": round(first_readable / latency, 2),
            "course_saved_s": round(done - started, 2),
            "critical_path_s": round(critical * latency, 2),
            "ratio_to_critical_path": round((done - started) / (critical * latency), 2),
            "writing_s": round(done - writing, 2),
            "tokens": planned_tokens(planned) + result.prompt_tokens + result.completion_tokens,
            "course_id": result.course.pk,
        }
        self.stdout.write(json.dumps(report, indent=2))


def planned_tokens(planned: Any) -> int:
    return sum(stage.prompt_tokens + stage.completion_tokens for stage in planned.usage)
