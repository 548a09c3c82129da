"""Mark failed the generation jobs whose worker stopped reporting.

The web pages and the worker run the same sweep; this is for cron or operators."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from athena.wording import counted
from generation.services import generation_jobs_fail_stale


class Command(BaseCommand):
    help = "Mark failed the running generation jobs without a heartbeat past the timeout."

    def handle(self, *args: Any, **options: Any) -> None:
        failed = generation_jobs_fail_stale()
        self.stdout.write(f"Marked {counted(failed, 'job', 'jobs')} failed.")
