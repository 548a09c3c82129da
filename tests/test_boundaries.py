"""Boundaries point one way: `athena/` is the project's glue and imports no app,
and no app imports another that imports it back (directly or round a longer
loop). Read from the source, every import counted, those inside functions too;
tests are left out (they may use any app's factories)."""

from __future__ import annotations

import ast
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
APPS = (
    "accounts",
    "courses",
    "enrollment",
    "generation",
    "notifications",
    "certificates",
    "bench",
)
PACKAGES = ("athena", *APPS)


def imported_packages(package: str) -> dict[str, set[str]]:
    """For each project package `package` imports, the modules doing it."""
    found: dict[str, set[str]] = {}
    for path in (BASE / package).rglob("*.py"):
        if "tests" in path.relative_to(BASE).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in PACKAGES and top != package:
                    found.setdefault(top, set()).add(str(path.relative_to(BASE)))
    return found


def test_athena_imports_no_app():
    assert imported_packages("athena") == {}


def test_no_two_packages_import_each_other_even_round_a_loop():
    graph = {package: set(imported_packages(package)) for package in PACKAGES}

    def reachable(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for following in graph[todo.pop()]:
                if following not in seen:
                    seen.add(following)
                    todo.append(following)
        return seen

    cycles = {package for package in PACKAGES if package in reachable(package)}
    assert not cycles, {package: graph[package] for package in cycles}


def test_the_check_sees_an_import_inside_a_function(tmp_path, monkeypatch):
    """The reader is not fooled by a lazy import (the kind that hid a cycle)."""
    package = tmp_path / "athena"
    package.mkdir()
    (package / "lazy.py").write_text("def f():\n    from courses.models import Course\n")
    monkeypatch.setattr(f"{__name__}.BASE", tmp_path)
    assert imported_packages("athena") == {"courses": {"athena/lazy.py"}}
