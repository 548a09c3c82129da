"""Athena's load benchmark (`make bench`): every page against the framework floor.

For each catalog size it seeds a throwaway PostgreSQL database
(manage.py seed_catalog, this development-only app's command), starts gunicorn
with the production configuration (gunicorn.conf.py, DEBUG off, static files
collected, the Redis cache), logs in over HTTP, counts each page's queries
(bench/querycount.py, not under load) and loads each page with wrk
(bench/wrk/report.lua), in rounds: every page, floors included, once per round,
and the median of the rounds reported. Besides one page at a time, loads that
ask for a different page on each request: random and Zipf-distributed anonymous
pages over the whole catalog (lists from manage.py bench_urls), and logged-in
learners walking forward through their courses. Results go to
bench/results/latest.json and .md, and the p99 chart to docs/performance-p99.png.
Any non-2xx answer fails the run. See docs/performance.md.

    python bench/run.py --sizes 1000 10000 100000 --rounds 5 --duration 2
"""

from __future__ import annotations

import argparse
import json
import math
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from http import HTTPStatus
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Run as a script (python bench/run.py): the project's test servers module is
# the one way to start and stop gunicorn, shared with the operations tests.
sys.path.insert(0, str(ROOT))
from tests.servers import Gunicorn, Visitor, fetch  # noqa: E402

LUA = ROOT / "bench" / "wrk" / "report.lua"
PASSWORD = "bench-" + secrets.token_urlsafe(12)
FLOORS = ("floor: /healthz/live", "floor: trivial view")
# The loads that ask for a different page on each request (bench/wrk/report.lua),
# from the lists `manage.py bench_urls` writes, and the learner walk.
MANY_PAGES = ("long tail", "random lessons", "random course pages", "zipf")
WALK = "learner walk"
# The pages asked for one URL at a time (Bench.pages makes them): what
# --pages accepts, with the loads above.
ONE_URL_PAGES = (
    "home",
    "catalog",
    "catalog, deep page",
    "catalog search",
    "catalog filtered",
    "course",
    "module",
    "lesson",
    "quiz",
    "course (learner)",
    "lesson (learner)",
    "quiz (learner)",
    "quiz POST (learner)",
    "dashboard (learner)",
    "admin course list",
    "admin course change",
)
# Every name --pages takes.
PAGE_NAMES = (*ONE_URL_PAGES, *MANY_PAGES, WALK)
WALKER_PREFIX = "bench-walker-"  # bench/walks.py
# How fast a learner walk is assumed to go at most, per CPU, when the walkers'
# courses are seeded: each request is a first view, so rendered, and even the
# trivial view, which renders nothing, reaches some 1,000 a second a core here.
# A walk that runs faster comes to the end of its pages and starts again: the
# report says how many pages it asked for a second time.
WALK_REQUESTS_PER_CPU_SECOND = 1500


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def progress(done: int, total: int, label: str) -> None:
    width = 24
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label:<40}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


class Bench:
    def __init__(self, options: argparse.Namespace) -> None:
        self.options = options
        self.python = sys.executable
        self.tmp = Path(tempfile.mkdtemp(prefix="athena-bench-"))
        self.env = {
            **os.environ,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            # Plain HTTP on the loopback: no TLS proxy in front.
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "STATIC_ROOT": str(self.tmp / "static"),
            "LOG_LEVEL": "WARNING",
            # The benchmark's own user asks for many pages from one address.
            "AXES_FAILURE_LIMIT": "1000",
            # The quiz POST page answers one quiz thousands of times a minute:
            # the per-learner rate limit would turn the load into 429s. Its
            # own cost (one cache increment) is still measured.
            "ATHENA_QUIZ_ATTEMPTS_PER_MINUTE": "100000000",
        }
        if options.database_url:
            self.env["DATABASE_URL"] = options.database_url
            self.created_database = None
        else:
            self.created_database = options.db_name
            self.env["DATABASE_URL"] = f"{options.pg_url.rstrip('/')}/{options.db_name}"
        if options.cache_url:
            self.env["CACHE_URL"] = options.cache_url
            self.env["CACHE_KEY_PREFIX"] = f"bench{os.getpid()}"
        # Started and stopped once per catalog size, on the same port.
        self.server = Gunicorn(self.env, self.tmp / "gunicorn.log")
        self.base = self.server.url("")
        self.results: list[dict[str, Any]] = []
        # Per size: what bench_urls wrote, the pages ahead of each walker, and
        # how many of them each has been sent (a walk goes on across rounds).
        self.lists_dir = self.tmp / "urls"
        self.lists: dict[str, Any] = {}
        self.walks: dict[str, list[str]] = {}
        self.walked: dict[str, int] = {}

    def wanted(self, *names: str) -> bool:
        """Whether any of the pages `names` is to be measured (--pages)."""
        return not self.options.pages or any(name in self.options.pages for name in names)

    @property
    def walkers(self) -> list[str]:
        """The walk's learners; one more, not in the load, has its queries counted."""
        return [f"{WALKER_PREFIX}{number}" for number in range(self.options.walkers)]

    @property
    def counting_walker(self) -> str:
        return f"{WALKER_PREFIX}{self.options.walkers}"

    def walk_items(self) -> int:
        """The pages each walker is to have ahead of them at a size: enough for
        every load of the walk at WALK_REQUESTS_PER_CPU_SECOND (the discarded
        first second included), and at least the two the counting walker needs."""
        seconds = 1 + self.options.rounds * self.options.duration
        rate = WALK_REQUESTS_PER_CPU_SECOND * (os.cpu_count() or 1)
        return max(2, math.ceil(seconds * rate / self.options.walkers))

    # Set-up and tear-down.

    def manage(self, *args: str, capture: bool = False) -> str:
        run = subprocess.run(
            [self.python, "manage.py", *args],
            cwd=ROOT,
            # Seeding 100,000 courses is one long COPY per table: no statement
            # timeout for these commands (0 turns it off, athena/settings.py).
            env={**self.env, "DATABASE_STATEMENT_TIMEOUT_MS": "0"},
            check=True,
            text=True,
            stdout=subprocess.PIPE if capture else None,
        )
        return run.stdout or ""

    def psql_admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            f"{self.options.pg_url.rstrip('/')}/postgres", autocommit=True
        ) as conn:
            conn.execute(sql)

    def checkpoint(self) -> None:
        """Write the load's dirty pages out now, not while pages are measured
        (the 100,000-course load leaves gigabytes of them)."""
        import psycopg

        try:
            self.psql_admin("CHECKPOINT")
        except psycopg.Error as error:  # needs a superuser or pg_checkpoint
            log(f"   no CHECKPOINT after seeding ({error}); the first pages may be slower")
        # And the operating system's: written back during the measurement, they
        # stall whatever writes (the access log), which shows as p99 spikes.
        os.sync()
        self.wait_for_autovacuum()

    @property
    def on_postgresql(self) -> bool:
        """Whether the run's database is PostgreSQL (the smoke run's is SQLite)."""
        return self.env["DATABASE_URL"].startswith(("postgres://", "postgresql://"))

    def vacuum(self, table: str) -> None:
        """VACUUM (ANALYZE) a table the load wrote to (PostgreSQL only)."""
        import psycopg

        if not self.on_postgresql:
            return
        with psycopg.connect(self.env["DATABASE_URL"], autocommit=True) as conn:
            conn.execute(f"VACUUM (ANALYZE) {table}")

    def wait_for_autovacuum(self, limit: float = 300) -> None:
        """Wait (at most `limit` seconds) while autovacuum works on the tables
        the load just wrote: it would take a core from the measurement."""
        import psycopg

        if not self.on_postgresql:
            return
        deadline = time.monotonic() + limit
        with psycopg.connect(self.env["DATABASE_URL"], autocommit=True) as conn:
            while time.monotonic() < deadline:
                busy = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"
                ).fetchone()[0]
                if not busy:
                    return
                time.sleep(1)
        log("   autovacuum still running; measuring anyway")

    def create_database(self) -> None:
        if self.created_database:
            self.psql_admin(f'DROP DATABASE IF EXISTS "{self.created_database}" WITH (FORCE)')
            self.psql_admin(f'CREATE DATABASE "{self.created_database}"')

    def drop_database(self) -> None:
        if self.created_database and not self.options.keep_database:
            self.psql_admin(f'DROP DATABASE IF EXISTS "{self.created_database}" WITH (FORCE)')

    def start_server(self) -> None:
        self.server.start()
        # Live is not enough: the pages need the database and the cache.
        ready = fetch(self.server.url("/healthz/ready"), timeout=10)
        if ready.status != HTTPStatus.OK:
            raise SystemExit(f"gunicorn is not ready ({ready.status}): {ready.body[:500]}")

    def stop_server(self) -> None:
        self.server.stop()

    # Logging in over HTTP, as a browser does.

    def log_in(self, username: str) -> dict[str, str]:
        visitor = Visitor()
        visitor.log_in(self.server, username, PASSWORD)
        cookies = {cookie.name: cookie.value for cookie in visitor.cookies}
        if "sessionid" not in cookies:
            raise SystemExit(f"could not log in as {username}")
        return cookies

    # The pages.

    def pages(self, targets: dict[str, Any]) -> list[dict[str, Any]]:
        course = f"/courses/{targets['course_id']}/"
        module = f"{course}modules/{targets['module_id']}/"
        lesson = f"{module}lessons/{targets['lesson_id']}/"
        quiz = f"{module}quizzes/{targets['activity_id']}/"
        # The deepest page the catalog pages to (it pages through at most 1,200).
        deep = max(1, min(50, math.ceil(targets["published"] / 24)))
        learner, staff = "bench-learner", "bench-staff"
        return [
            {"name": FLOORS[0], "path": "/healthz/live", "floor": True},
            {"name": FLOORS[1], "path": "/healthz/trivial", "floor": True},
            {"name": "home", "path": "/", "target": 0.5},
            {"name": "catalog", "path": "/courses/", "target": 0.5},
            {"name": "catalog, deep page", "path": f"/courses/?page={deep}", "target": 0.5},
            {"name": "catalog search", "path": f"/courses/?q={targets['subject']}"},
            {
                "name": "catalog filtered",
                "path": "/courses/?level=beginner&duration=short&focus=broad&sort=popular",
            },
            {"name": "course", "path": course, "target": 0.5},
            {"name": "module", "path": module, "target": 0.5},
            {"name": "lesson", "path": lesson, "target": 0.5},
            {"name": "quiz", "path": quiz},
            {"name": "course (learner)", "path": course, "user": learner},
            {"name": "lesson (learner)", "path": lesson, "user": learner, "target": 0.3},
            {"name": "quiz (learner)", "path": quiz, "user": learner, "target": 0.3},
            {
                "name": "quiz POST (learner)",
                "path": quiz,
                "user": learner,
                "method": "POST",
                "form": {"option": str(targets["quiz_answer"])},
                "target": 0.2,
                "vacuum": ("quiz_attempts",),
            },
            {"name": "dashboard (learner)", "path": "/my/", "user": learner, "target": 0.3},
            {"name": "admin course list", "path": "/admin/courses/course/", "user": staff},
            {
                "name": "admin course change",
                "path": f"/admin/courses/course/{targets['course_id']}/change/",
                "user": staff,
            },
            *self.many_pages(),
        ]

    def many_pages(self) -> list[dict[str, Any]]:
        """The loads over many pages, from this size's lists (bench_urls). Their
        queries are counted as most of their requests meet the server: on a
        page of their kind (a lesson page for the mixed loads: the commonest
        kind) that this process has not met, after one of another course; the
        walk's on a first view of a page by the counting walker."""
        if not self.lists:
            return []
        kinds, samples = self.lists["kinds"], self.lists["samples"]
        every = {"first": 0, "count": self.lists["total"]}
        taken: dict[str, int] = {}

        def unmet(kind: str) -> list[str]:
            """Two pages of `kind` no load has had counted yet (while there are)."""
            start = taken.get(kind, 0)
            taken[kind] = start + 2
            return [samples[kind][(start + n) % len(samples[kind])] for n in range(2)]

        def only(kind: str) -> dict[str, int]:
            return {"first": kinds[kind][0], "count": kinds[kind][1]}

        pages = [
            {
                "name": "long tail",
                "path": f"uniform over {every['count']:,} pages",
                "paths": unmet("lesson"),
                "urls": every,
            },
            {
                "name": "random lessons",
                "path": f"uniform over {kinds['lesson'][1]:,} lesson pages",
                "paths": unmet("lesson"),
                "urls": only("lesson"),
                "target": 0.3,
            },
            {
                "name": "random course pages",
                "path": f"uniform over {kinds['course'][1]:,} course pages",
                "paths": unmet("course"),
                "urls": only("course"),
                "target": 0.3,
            },
            {
                "name": "zipf",
                "path": f"Zipf (s = 1) over {every['count']:,} pages",
                "paths": unmet("lesson"),
                "urls": {**every, "zipf": True},
            },
        ]
        if self.walks:
            pages.append(
                {
                    "name": WALK,
                    "path": f"{len(self.walkers)} learners, each page a first view",
                    "paths": self.walks[self.counting_walker][:2],
                    "user": self.counting_walker,  # whose queries are counted
                    "users": f"{self.walkers[0]} to {self.walkers[-1]}",
                    "walk": True,
                    # Each first view moves the resume point and touches the
                    # enrollment: thousands of updated rows.
                    "vacuum": ("resume_points", "user_courses"),
                }
            )
        unnamed = {page["name"] for page in pages} - {*FLOORS, *PAGE_NAMES}
        if unnamed:
            # --pages could not choose them: ONE_URL_PAGES must name every page.
            raise RuntimeError(f"pages missing from ONE_URL_PAGES: {sorted(unnamed)}")
        return pages

    def count_queries(self, pages: list[dict[str, Any]]) -> dict[str, int]:
        counted = [page for page in pages if not page.get("floor")]
        run = subprocess.run(
            [self.python, str(ROOT / "bench" / "querycount.py")],
            cwd=ROOT,
            env=self.env,
            input=json.dumps(counted),
            text=True,
            capture_output=True,
            check=False,
        )
        if run.returncode:
            raise SystemExit(f"counting queries failed:\n{run.stderr[-3000:]}")
        return json.loads(run.stdout)

    def load(
        self, page: dict[str, Any], sessions: dict[str, dict[str, str]], duration: int = 0
    ) -> dict[str, Any]:
        env = {
            **os.environ,
            "BENCH_METHOD": page.get("method", "GET"),
            "BENCH_SEED": str(secrets.randbelow(2**31)),
            "BENCH_THREADS": str(self.options.threads),
        }
        url = self.base + page["path"]
        if page.get("urls"):
            url = self.base + "/"  # each request asks for a page of the list
            env.update(self.list_environment(page["urls"]))
        elif page.get("walk"):
            url = self.base + "/"
            env["BENCH_WALK"] = str(self.write_walks(sessions))
        elif page.get("user"):
            cookies = sessions[page["user"]]
            env["BENCH_COOKIE"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
            env["BENCH_CSRF"] = cookies.get("csrftoken", "")
        if page.get("method") == "POST":
            env["BENCH_BODY"] = urllib.parse.urlencode(
                {**page["form"], "csrfmiddlewaretoken": sessions[page["user"]]["csrftoken"]}
            )
        command = [
            "wrk",
            f"-t{self.options.threads}",
            f"-c{self.options.connections}",
            f"-d{duration or self.options.duration}s",
            "--latency",
            # A slow answer is measured, not dropped: wrk's default (2 s) would
            # count it as an error on a loaded machine.
            "--timeout",
            "10s",
            "-s",
            str(LUA),
            url,
        ]
        run = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        line = next((x for x in run.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
        if run.returncode or line is None:
            raise SystemExit(f"wrk failed on {page['path']}:\n{run.stdout}\n{run.stderr}")
        figures = json.loads(line.removeprefix("BENCH_JSON "))
        if page.get("walk"):
            self.walk_on(figures["walked"])
        seconds = figures["duration_us"] / 1e6
        return {
            "rps": figures["requests"] / seconds if seconds else 0.0,
            "p50_ms": figures["p50_us"] / 1000,
            "p99_ms": figures["p99_us"] / 1000,
            "requests": figures["requests"],
            "non2xx": figures["non2xx"] + figures["errors"],
            "statuses": figures["statuses"].strip(),
        }

    def list_environment(self, urls: dict[str, Any]) -> dict[str, str]:
        """report.lua's settings for drawing from lines of pages.urls."""
        env = {
            "BENCH_URLS": str(self.lists_dir / "pages.urls"),
            "BENCH_URL_WIDTH": str(self.lists["width"]),
            "BENCH_URL_FIRST": str(urls["first"]),
            "BENCH_URL_COUNT": str(urls["count"]),
        }
        if urls.get("zipf"):
            env["BENCH_ZIPF"] = str(self.lists_dir / "zipf.ranks")
            env["BENCH_RANK_WIDTH"] = str(self.lists["rank_width"])
        return env

    def write_walks(self, sessions: dict[str, dict[str, str]]) -> Path:
        """The walk file for report.lua: each walker's session and pages,
        starting where their walk stands (and, past the end, again from the
        start of their list: those pages are no longer first views)."""
        path = self.tmp / "walks.txt"
        with path.open("w") as out:
            for walker in self.walkers:
                ahead = self.walks[walker]
                start = self.walked[walker] % len(ahead)
                cookie = "; ".join(f"{name}={value}" for name, value in sessions[walker].items())
                out.write(f"walker {walker.removeprefix(WALKER_PREFIX)} {cookie}\n")
                out.write("".join(f"{page}\n" for page in ahead[start:] + ahead[:start]))
        return path

    def walk_on(self, walked: dict[str, int]) -> None:
        """Move each walker (by number) on by the pages wrk sent them."""
        for number, pages in walked.items():
            self.walked[f"{WALKER_PREFIX}{number}"] += pages

    def walk_summary(self) -> dict[str, int]:
        """The walk at this size, its discarded first second included: pages
        sent, and how many of them their walker had been sent before."""
        return {
            "walkers": len(self.walkers),
            "walked": sum(self.walked[walker] for walker in self.walkers),
            "wrapped": sum(
                max(0, self.walked[walker] - len(self.walks[walker])) for walker in self.walkers
            ),
        }

    def load_enough(
        self, page: dict[str, Any], sessions: dict[str, dict[str, str]]
    ) -> dict[str, Any]:
        """`load` for the set duration, or longer (up to --max-duration) for a
        page too slow to answer its share of --p99-samples requests in it: a
        p99 of a few hundred requests is their slowest one or two, which is
        noise."""
        row = self.load(page, sessions)
        wanted = math.ceil(self.options.p99_samples / self.options.rounds)
        if row["requests"] >= wanted or not row["rps"]:
            return row
        duration = min(self.options.max_duration, math.ceil(wanted / row["rps"]) + 1)
        return (
            self.load(page, sessions, duration=duration)
            if duration > self.options.duration
            else row
        )

    def measure(self, size: int, targets: dict[str, Any]) -> None:
        pages = self.pages(targets)
        if self.options.pages:
            pages = [p for p in pages if p.get("floor") or p["name"] in self.options.pages]
        log("  counting queries per page (test client, not under load)")
        queries = self.count_queries(pages)
        loads: list[list[dict[str, Any]]] = [[] for _ in pages]  # per page, a load a round
        self.start_server()
        try:
            users = ["bench-learner", "bench-staff", *(self.walkers if self.walks else [])]
            sessions = {user: self.log_in(user) for user in users}
            steps = len(pages) * self.options.rounds
            for number in range(self.options.rounds):
                for index, page in enumerate(pages):
                    progress(
                        number * len(pages) + index, steps, f"{page['name']} (round {number + 1})"
                    )
                    if not number:
                        # A second of load first, discarded: every worker and
                        # thread has then met the page (first-request imports,
                        # template loading, connections, caches), which is not
                        # what the load measures.
                        self.warm(page, sessions)
                        if self.options.warm_up:
                            self.load(page, sessions, duration=self.options.warm_up)
                    loads[index].append(self.load_enough(page, sessions))
                    for table in page.get("vacuum", ()):
                        # Thousands of rows written in seconds (quiz attempts,
                        # resume points) would wake autovacuum within the
                        # minute, in the middle of the pages measured next
                        # (the admin list ran at half speed): done now, it
                        # leaves autovacuum nothing to do.
                        self.vacuum(table)
            progress(steps, steps, "done")
        finally:
            self.stop_server()
        floors = {
            page["name"]: statistics.median(load["rps"] for load in page_loads)
            for page, page_loads in zip(pages, loads, strict=True)
            if page.get("floor")
        }
        for page, page_loads in zip(pages, loads, strict=True):
            self.results.append(
                {
                    "size": size,
                    "page": page["name"],
                    "path": page["path"],
                    "user": page.get("users", page.get("user", "")),
                    "method": page.get("method", "GET"),
                    **summary(page_loads, floors),
                    "queries": queries.get(page["name"], 0),
                    "target": page.get("target"),
                    **({"pages": page["urls"]["count"]} if page.get("urls") else {}),
                    **(self.walk_summary() if page.get("walk") else {}),
                }
            )

    def write_lists(self, *, walk: bool) -> None:
        """This size's URL lists (manage.py bench_urls) and walks."""
        out = self.manage("bench_urls", f"--output={self.lists_dir}", capture=True)
        self.lists = json.loads(out.strip().splitlines()[-1])
        if not walk:
            return
        walks = json.loads((self.lists_dir / "walks.json").read_text())
        self.walks = {walker: walks.get(walker, []) for walker in self.walkers}
        self.walks[self.counting_walker] = walks.get(self.counting_walker, [])
        empty = [walker for walker, ahead in self.walks.items() if len(ahead) < 2]
        if empty:
            raise SystemExit(f"nothing left to walk for {', '.join(empty)}: no published course?")
        self.walked = dict.fromkeys(self.walks, 0)
        log(
            f"   learner walk: {len(self.walkers)} learners, "
            f"{min(len(self.walks[w]) for w in self.walkers):,}+ pages ahead of each"
        )

    def warm(self, page: dict[str, Any], sessions: dict[str, dict[str, str]]) -> None:
        if page.get("method") == "POST" or page.get("urls") or page.get("walk"):
            return
        request = urllib.request.Request(self.base + page["path"])
        if page.get("user"):
            cookies = sessions[page["user"]]
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
        with urllib.request.urlopen(request, timeout=30) as answer:
            answer.read()

    def run(self) -> int:
        if not shutil.which("wrk"):
            raise SystemExit("wrk is not installed (apt-get install wrk)")
        log(f"Athena benchmark: sizes {self.options.sizes}, {self.options.duration}s per page")
        self.create_database()
        try:
            self.manage("migrate", "--no-input", "-v0")
            self.manage("collectstatic", "--no-input", "-v0")
            for size in self.options.sizes:
                log(f"== {size:,} courses: seeding")
                started = time.monotonic()
                walk = self.wanted(WALK)
                # The walk's learners, and one more whose queries are counted.
                walkers = [
                    f"--walkers={self.options.walkers + 1}",
                    f"--walk-items={self.walk_items()}",
                ]
                out = self.manage(
                    "seed_catalog",
                    f"--courses={size}",
                    f"--learners={self.options.learners}",
                    f"--bench-password={PASSWORD}",
                    *(walkers if walk else []),
                    capture=True,
                )
                targets = json.loads(out.strip().splitlines()[-1])
                if self.wanted(*MANY_PAGES, WALK):
                    self.write_lists(walk=walk)
                self.checkpoint()
                log(f"   seeded in {time.monotonic() - started:.0f}s; measuring")
                self.measure(size, targets)
                self.write()  # after each size, so a later failure keeps these
        finally:
            self.stop_server()
            self.drop_database()
            shutil.rmtree(self.tmp, ignore_errors=True)
        failed = [r for r in self.results if r["non2xx"]]
        for row in failed:
            log(
                f"FAILED: {row['page']} at {row['size']:,}: "
                f"{row['non2xx']} non-2xx ({row['statuses']})"
            )
        return 1 if failed else 0

    # Reports.

    def write(self) -> None:
        out = Path(self.options.output)
        out.mkdir(parents=True, exist_ok=True)
        meta = {
            "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "cpus": os.cpu_count(),
            "duration_s": self.options.duration,
            "rounds": self.options.rounds,
            "threads": self.options.threads,
            "connections": self.options.connections,
            "sizes": self.options.sizes,
            "walkers": self.options.walkers,
        }
        (out / "latest.json").write_text(json.dumps({**meta, "results": self.results}, indent=1))
        table = markdown_table(self.results, meta)
        (out / "latest.md").write_text(table)
        print(table, flush=True)
        if self.options.chart:
            chart(self.results, Path(self.options.chart))


def summary(loads: list[dict[str, Any]], floors: dict[str, float]) -> dict[str, Any]:
    """One page's rounds as one row: each figure the median of the rounds' (the
    median drops a round that met a hiccup: a checkpoint, another process),
    the ratios the median requests/s over the floors' `floors` (their own
    medians). Counts are summed, and each round is kept."""
    rps = statistics.median(load["rps"] for load in loads)
    trivial, live = floors[FLOORS[1]], floors[FLOORS[0]]
    return {
        "rps": rps,
        "p50_ms": statistics.median(load["p50_ms"] for load in loads),
        "p99_ms": statistics.median(load["p99_ms"] for load in loads),
        "requests": sum(load["requests"] for load in loads),
        "non2xx": sum(load["non2xx"] for load in loads),
        "statuses": " ".join(load["statuses"] for load in loads if load["statuses"]),
        "ratio_trivial": rps / trivial if trivial else 0.0,
        "ratio_live": rps / live if live else 0.0,
        "rounds": [
            {"rps": load["rps"], "p50_ms": load["p50_ms"], "p99_ms": load["p99_ms"]}
            for load in loads
        ],
    }


def markdown_table(results: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    lines = [
        f"Measured {meta['when']} on {meta['cpus']} CPUs; wrk {meta['threads']} threads, "
        f"{meta['connections']} connections, {meta['rounds']} rounds of "
        f"{meta['duration_s']} s per page; each figure is the median of the rounds'. "
        "Ratio: requests/s over the trivial full-stack view's (and over "
        "`/healthz/live`'s).",
        "",
        "| courses | page | req/s | p50 ms | p99 ms | queries | non-2xx "
        "| ratio (trivial) | ratio (live) | target |",
        "|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        target = f"{r['target']:.0%}" if r["target"] else ""
        met = "" if not r["target"] else (" ✓" if r["ratio_trivial"] >= r["target"] else " ✗")
        lines.append(
            f"| {r['size']:,} | {r['page']} | {r['rps']:,.0f} | {r['p50_ms']:.1f} "
            f"| {r['p99_ms']:.1f} | {r['queries']} | {r['non2xx']} "
            f"| {r['ratio_trivial']:.0%}{met} | {r['ratio_live']:.0%} | {target} |"
        )
    lines += many_pages_notes(results)
    sizes = sorted({r["size"] for r in results})
    if len(sizes) > 1:
        lines += ["", f"p99 at {sizes[-1]:,} over p99 at {sizes[0]:,} (target ≤ 1.5):", ""]
        lines += ["| page | ratio |", "|---|--:|"]
        for page in dict.fromkeys(r["page"] for r in results):
            first = next(r for r in results if r["page"] == page and r["size"] == sizes[0])
            last = next(r for r in results if r["page"] == page and r["size"] == sizes[-1])
            ratio = last["p99_ms"] / first["p99_ms"] if first["p99_ms"] else 0
            lines.append(f"| {page} | {ratio:.2f}{' ✓' if ratio <= 1.5 else ' ✗'} |")
    return "\n".join(lines) + "\n"


def many_pages_notes(results: list[dict[str, Any]]) -> list[str]:
    """What the loads over many pages drew from, size by size, and whether a
    walk came to the end of its pages."""
    lines = []
    for r in results:
        if "pages" in r:
            lines.append(f"- {r['size']:,} courses, {r['page']}: {r['path']}")
        elif "walked" in r:
            again = (
                f"{r['wrapped']:,} of them to a learner a second time (the walk wrapped)"
                if r["wrapped"]
                else "each a first view: no learner was sent a page twice"
            )
            lines.append(
                f"- {r['size']:,} courses, {r['page']}: {r['walkers']} learners sent "
                f"{r['walked']:,} pages in all (warm-up included), {again}"
            )
    return ["", "Loads over many pages (one page drawn per request):", "", *lines] if lines else []


def chart(results: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(10, 6))
    pages = list(dict.fromkeys(r["page"] for r in results))
    colours = plt.get_cmap("tab20").colors
    for number, page in enumerate(pages):
        rows = sorted((r for r in results if r["page"] == page), key=lambda r: r["size"])
        axes.plot(
            [r["size"] for r in rows],
            [r["p99_ms"] for r in rows],
            marker="os^D"[number % 4],
            linestyle="-" if number < 20 else "--",
            color=colours[number % 20],
            label=page,
        )
    axes.set_xscale("log")
    # Cached pages answer in milliseconds, the admin in hundreds of them.
    axes.set_yscale("log")
    axes.set_xlabel("courses in the catalog")
    axes.set_ylabel("p99 latency (ms, log scale)")
    axes.set_title("Athena: p99 latency per page against catalog size")
    axes.legend(fontsize=7, ncol=2)
    axes.grid(True, alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)


def at_least_one(text: str) -> int:
    """An argument that must be a whole number of 1 or more."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return value


def whole_number(text: str) -> int:
    """An argument that must be a whole number, 0 or more."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 0 or more")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument(
        "--rounds",
        type=at_least_one,
        default=5,
        help="times every page (floors included) is loaded per size; the median is reported",
    )
    parser.add_argument(
        "--duration", type=at_least_one, default=2, help="seconds of load per page and round"
    )
    parser.add_argument(
        "--warm-up",
        type=whole_number,
        default=1,
        help="seconds of load before a page's first round, not measured (0: none)",
    )
    parser.add_argument(
        "--p99-samples",
        type=int,
        default=2000,
        help="a page answering fewer requests over its rounds is loaded for longer",
    )
    parser.add_argument(
        "--max-duration",
        type=at_least_one,
        default=15,
        help="the longest such a load may run (seconds per round)",
    )
    parser.add_argument("--threads", type=at_least_one, default=2)
    parser.add_argument("--connections", type=at_least_one, default=2 * (os.cpu_count() or 1))
    parser.add_argument(
        "--pg-url", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--db-name", default="athena_bench")
    parser.add_argument(
        "--database-url",
        default="",
        help="use this (existing, throwaway) database instead of creating one",
    )
    parser.add_argument(
        "--cache-url", default=os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/14")
    )
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument(
        "--pages",
        nargs="*",
        help="only these pages (names), besides the floors: "
        + ", ".join(f'"{name}"' for name in PAGE_NAMES),
    )
    parser.add_argument(
        "--walkers",
        type=at_least_one,
        help="learners on the learner walk, at least --connections so that none has two "
        "requests in flight (default: twice --connections)",
    )
    parser.add_argument("--output", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--chart", default=str(ROOT / "docs" / "performance-p99.png"))
    options = parser.parse_args(argv)
    unknown = [name for name in options.pages or () if name not in PAGE_NAMES]
    if unknown:
        parser.error(
            f"argument --pages: no page is named {', '.join(map(repr, unknown))}; the pages: "
            + ", ".join(f'"{name}"' for name in PAGE_NAMES)
        )
    if options.walkers is None:
        options.walkers = 2 * options.connections
    elif options.walkers < options.connections:
        parser.error(
            f"argument --walkers: {options.walkers} is fewer than --connections "
            f"({options.connections}): a learner would have two requests in flight"
        )
    return Bench(options).run()


if __name__ == "__main__":
    sys.exit(main())
