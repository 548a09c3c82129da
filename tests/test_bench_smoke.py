"""A short run of the load benchmark (bench/run.py), so `make bench` cannot rot:
a tiny catalog on SQLite, gunicorn with the production configuration, wrk for
two seconds on a few pages (one second could pass without a slow admin page
answering on a loaded machine) and on each load over many pages (random pages,
Zipf, the learner walk). It runs alone (tests/parallel.py): tests on the other
pytest-xdist worker starved its gunicorn. Skipped only when wrk is missing and
ATHENA_REQUIRE_WRK is unset (CI sets it)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import TEST_SESSION_VARIABLES

ROOT = Path(__file__).resolve().parent.parent

if not shutil.which("wrk"):
    if os.environ.get("ATHENA_REQUIRE_WRK"):
        pytest.fail("wrk is required (ATHENA_REQUIRE_WRK is set) but not installed")
    pytest.skip("wrk is not installed (make wrk)", allow_module_level=True)


@pytest.mark.alone
def test_the_benchmark_measures_pages_against_the_floor(tmp_path):
    environment = {
        name: value for name, value in os.environ.items() if name not in TEST_SESSION_VARIABLES
    }
    environment.update(WEB_CONCURRENCY="1", GUNICORN_THREADS="2")
    pages = ["home", "lesson", "lesson (learner)", "quiz POST (learner)", "admin course list"]
    pages += ["long tail", "random lessons", "random course pages", "zipf", "learner walk"]
    command = [sys.executable, str(ROOT / "bench" / "run.py"), "--sizes", "12"]
    command += ["--learners", "5", "--rounds", "2", "--duration", "1", "--warm-up", "0"]
    command += ["--threads", "1", "--connections", "2", "--walkers", "2", "--p99-samples", "0"]
    command += ["--database-url", f"sqlite:///{tmp_path / 'bench.sqlite3'}", "--cache-url", ""]
    command += ["--output", str(tmp_path), "--chart", "", "--pages", *pages]
    run = subprocess.run(  # noqa: S603 - our own script, our own arguments
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300, check=False
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads((tmp_path / "latest.json").read_text())
    measured = {row["page"]: row for row in report["results"]}
    assert set(measured) == {"floor: /healthz/live", "floor: trivial view", *pages}
    for row in measured.values():
        assert row["requests"] > 0
        assert row["non2xx"] == 0
        assert row["ratio_trivial"] > 0
        # Two rounds, the median of their figures reported.
        assert len(row["rounds"]) == 2
        fastest = max(load["rps"] for load in row["rounds"])
        assert min(load["rps"] for load in row["rounds"]) <= row["rps"] <= fastest
    assert measured["lesson (learner)"]["queries"] > 0
    # The many-page loads drew from the whole catalog, or the kind they name.
    every = measured["long tail"]["pages"]
    assert measured["zipf"]["pages"] == every
    assert 0 < measured["random course pages"]["pages"] < measured["random lessons"]["pages"]
    assert measured["random lessons"]["pages"] < every
    # The walk: two learners, every page sent counted (warm-up included).
    walk = measured["learner walk"]
    assert walk["walkers"] == 2
    assert walk["walked"] >= walk["requests"]
    assert walk["queries"] > 0  # a first view records the visit
    table = (tmp_path / "latest.md").read_text()
    assert "| 12 | quiz POST (learner) |" in table
    assert "| 12 | learner walk |" in table
    assert "- 12 courses, learner walk: 2 learners sent" in table
