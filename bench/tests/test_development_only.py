"""The benchmark's app is for development checkouts: the Docker image, built
from the checkout minus .dockerignore, has neither it nor its seeding command,
and Django starts there without it."""

import fnmatch
import os
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip().rstrip("/") for line in lines if line.strip() and not line.startswith("#")]


def ignored_by_docker(relative: str, patterns: list[str]) -> bool:
    """Docker's rule, as far as Athena's .dockerignore uses it: a pattern
    matches a path or one of its parents; `**/` matches at any depth."""
    parts = Path(relative).parts
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    for pattern in patterns:
        tried = [pattern, pattern.removeprefix("**/")]
        if any(fnmatch.fnmatchcase(path, p) for path in candidates for p in tried):
            return True
    return False


def image_tree(destination: Path) -> Path:
    """What the Dockerfile's `COPY . /app` puts in the image."""
    patterns = dockerignore_patterns()

    def ignore(directory: str, names: list[str]) -> set[str]:
        relative = Path(directory).relative_to(ROOT)
        return {name for name in names if ignored_by_docker(str(relative / name), patterns)}

    return Path(shutil.copytree(ROOT, destination / "app", ignore=ignore))


def commands_in(tree: Path, tmp_path: Path) -> str:
    environment = {
        **{name: value for name, value in os.environ.items() if name != "PYTHONPATH"},
        "DJANGO_SETTINGS_MODULE": "athena.settings",
        "DEBUG": "false",
        "SECRET_KEY": "development-only-check-" + "x" * 40,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'commands.sqlite3'}",
    }
    run = subprocess.run(
        [sys.executable, "manage.py", "help", "--commands"],
        cwd=tree,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return run.stdout


def test_the_dockerfile_copies_the_checkout_and_dockerignore_leaves_bench_out():
    assert "COPY --chown=athena:athena . /app" in (ROOT / "Dockerfile").read_text()
    patterns = dockerignore_patterns()
    assert ignored_by_docker("bench/management/commands/seed_catalog.py", patterns)
    assert not ignored_by_docker("courses/management/commands/import_course.py", patterns)


def test_the_image_has_no_seeding_command_and_starts_without_the_bench_app(tmp_path):
    tree = image_tree(tmp_path)
    assert not (tree / "bench").exists()
    assert not list(tree.rglob("seed_catalog.py"))
    in_image = commands_in(tree, tmp_path).split()
    assert "seed_catalog" not in in_image
    assert "import_course" in in_image  # the production commands are there


def test_a_development_checkout_has_the_seeding_command(tmp_path):
    assert "bench" in settings.INSTALLED_APPS
    assert "seed_catalog" in commands_in(ROOT, tmp_path).split()
