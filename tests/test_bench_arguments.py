"""The benchmark refuses numbers it cannot measure with, before doing anything
(no database made, no server started)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def bench(*arguments: str) -> subprocess.CompletedProcess:
    """bench/run.py with `arguments`, its output captured."""
    return subprocess.run(  # noqa: S603 - our own script, our own arguments
        [sys.executable, str(ROOT / "bench" / "run.py"), *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--rounds", "0"),
        ("--duration", "0"),
        ("--connections", "-2"),
        ("--threads", "two"),
        ("--walkers", "0"),
    ],
)
def test_a_count_below_one_is_refused_with_a_message(option, value):
    run = bench(option, value)
    assert run.returncode == 2
    assert f"argument {option}: {value!r} is not a whole number of 1 or more" in run.stderr


def test_fewer_walkers_than_connections_is_refused_with_a_message():
    """Each learner of the walk must have at most one request in flight."""
    run = bench("--connections", "4", "--walkers", "3")
    assert run.returncode == 2
    assert "argument --walkers: 3 is fewer than --connections (4)" in run.stderr


def test_an_unknown_page_name_is_refused_naming_the_pages():
    run = bench("--pages", "lesson", "random lesons")
    assert run.returncode == 2
    assert "argument --pages: no page is named 'random lesons'" in run.stderr
    assert '"random lessons"' in run.stderr


def test_a_negative_warm_up_is_refused():
    run = bench("--warm-up", "-1")
    assert run.returncode == 2
    assert "argument --warm-up: '-1' is not a whole number of 0 or more" in run.stderr
