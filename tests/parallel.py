"""How the suite runs on several pytest-xdist workers (`make test`): a plugin,
loaded by the root conftest.py. Without xdist none of this does anything.

Tests that need the machine to themselves. A test marked `alone` measures
throughput (the benchmark's smoke run counts what gunicorn answers in a second):
it waits for the test each other worker is running, and they wait for it. Two file
locks shared by the workers of one run: each test holds `turns`, shared, or
exclusively when alone; `gate` is taken on the way in, so that a test waiting to
be alone is not overtaken by the other workers' next tests.

Tests that share a server. `--dist loadgroup` sends the tests marked
`xdist_group(name)` to one worker, so that a module's server starts once. xdist
3.8 does it by renaming the tests' node ids, which pytest 9 no longer allows (the
groups were silently ignored): here each worker writes the groups it collected to
a file, and the controller schedules by it. Groups go out first (xdist's order:
largest first), ahead of the tests pytest-django orders first, so a group must hold
no transactional database test: its flush would empty the data migrations' rows
(the staff groups) under the tests that follow on its worker.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from xdist.scheduler import LoadScopeScheduling

WORKER_INPUT_KEY = "athena_run_directory"
directory_key = pytest.StashKey[Path]()


def run_directory(config: pytest.Config) -> Path:
    """On the controller: the run's own directory, shared with its workers."""
    if directory_key not in config.stash:
        config.stash[directory_key] = Path(tempfile.mkdtemp(prefix="athena-xdist-"))
    return config.stash[directory_key]


def worker_directory(config: pytest.Config) -> Path | None:
    """On a worker: the run's directory; None without xdist."""
    directory = getattr(config, "workerinput", {}).get(WORKER_INPUT_KEY)
    return Path(directory) if directory else None


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    node.workerinput[WORKER_INPUT_KEY] = str(run_directory(node.config))


def pytest_unconfigure(config: pytest.Config) -> None:
    if directory_key in config.stash:
        shutil.rmtree(config.stash[directory_key], ignore_errors=True)


# Tests alone.


@contextmanager
def turn(directory: Path, *, alone: bool) -> Iterator[None]:
    # Closing a file releases its lock, however the test ends.
    with (directory / "gate").open("a") as gate, (directory / "turns").open("a") as turns:
        fcntl.flock(gate, fcntl.LOCK_EX)
        fcntl.flock(turns, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
        if not alone:
            fcntl.flock(gate, fcntl.LOCK_UN)
        yield


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    """Set-up, call and tear-down (module and session fixtures' included) in one turn."""
    directory = worker_directory(item.config)
    if directory is None:
        return (yield)
    with turn(directory, alone=item.get_closest_marker("alone") is not None):
        return (yield)


# Groups.


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    directory = worker_directory(config)
    if directory is None:
        return
    groups = {}
    for item in items:
        mark = item.get_closest_marker("xdist_group")
        if mark:
            groups[item.nodeid] = "group: " + str(mark.args[0] if mark.args else "default")
    # Every worker collects the same tests: whichever file lands last is as good.
    written = directory / f"groups-{os.getpid()}.json"
    written.write_text(json.dumps(groups))
    written.replace(directory / "groups.json")


class MarkedGroupScheduling(LoadScopeScheduling):
    """xdist's own scheduling by scope, where a test's scope is its group, or
    the test itself when it has none."""

    def __init__(self, config: pytest.Config, log, groups_file: Path) -> None:
        super().__init__(config, log)
        self.groups_file = groups_file
        self.groups: dict[str, str] | None = None

    def _split_scope(self, nodeid: str) -> str:
        # Called once the workers have collected, so the file is there.
        if self.groups is None:
            self.groups = json.loads(self.groups_file.read_text())
        return self.groups.get(nodeid, nodeid)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    if config.getvalue("dist") != "loadgroup":
        return None
    return MarkedGroupScheduling(config, log, run_directory(config) / "groups.json")
