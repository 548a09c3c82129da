# Athena's two commands: `make run` and `make test`. Everything else is a helper.

VENV ?= .venv
BIN := $(VENV)/bin
# The interpreter: by default the one that built $(VENV) (recorded in
# $(VENV)/.python), else python3. Asking for another one rebuilds $(VENV).
PYTHON ?= $(or $(shell cat $(VENV)/.python 2>/dev/null),python3)
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# pytest-xdist workers for `make test`: one per core ("auto"); 0 runs every test in
# one process. Tests marked `alone` still run with no other test beside them
# (tests/parallel.py).
TEST_WORKERS ?= auto
# The background worker `make run` starts: django-tasks-db's, or RQ's when
# ATHENA_TASKS_BACKEND=rq is set in the environment.
ifeq ($(ATHENA_TASKS_BACKEND),rq)
WORKER ?= rqworker default --job-class django_tasks_rq.backend.Job
else
WORKER ?= db_worker --no-reload --interval 0.25
endif

.DEFAULT_GOAL := help
.PHONY: help run test lint chromium wrk gettext bench bench-generation clean FORCE

help:
	@echo "make run   - set up a virtualenv, migrate, load the demo catalog, serve on http://$(HOST):$(PORT)"
	@echo "make test  - set up the same virtualenv with test tools, then lint and run every test"
	@echo "make bench - load-test every page at 1,000, 10,000 and 100,000 courses (PostgreSQL, Redis, wrk)"

# Checked on every run; the file only changes (and the requirements are only
# reinstalled) when the virtualenv is (re)built. A virtualenv from before this
# stamp existed is kept when its Python version is PYTHON's.
$(VENV)/.python: FORCE
	@built_with="$$(cat $@ 2>/dev/null)"; \
	if [ -x $(BIN)/python ] && [ "$$built_with" = "$(PYTHON)" ]; then exit 0; fi; \
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Athena needs Python 3.11 or newer: make PYTHON=python3.11 ...")' || exit 1; \
	version='import sys; print(*sys.version_info[:2])'; \
	if [ -x $(BIN)/python ] && [ -z "$$built_with" ] \
		&& [ "$$($(BIN)/python -c "$$version")" = "$$($(PYTHON) -c "$$version")" ]; then \
		echo "$(PYTHON)" > $@; exit 0; \
	fi; \
	if [ -d $(VENV) ]; then \
		echo "$(VENV) was built with $${built_with:-another Python}, not $(PYTHON): rebuilding it."; \
		rm -rf $(VENV); \
	fi; \
	echo "$(PYTHON) -m venv $(VENV)"; \
	$(PYTHON) -m venv $(VENV) && $(BIN)/python -m pip install --quiet --upgrade pip \
		&& echo "$(PYTHON)" > $@

$(VENV)/.runtime-installed: requirements.txt $(VENV)/.python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt $(VENV)/.python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

run: $(VENV)/.runtime-installed
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py migrate --no-input
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py load_demo_courses
	@echo
	@echo "Athena is starting on http://$(HOST):$(PORT)/"
	@echo "To create an admin account (in another terminal): $(BIN)/python manage.py createsuperuser"
	@echo "then sign in at http://$(HOST):$(PORT)/admin/"
	@echo
	@# The course generation worker runs beside the web server and stops with it.
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py $(WORKER) & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py runserver $(HOST):$(PORT)

# A tool from Debian, installed when we may (root with apt), else named as missing.
# $(1): the test that it is there, $(2): the package, $(3): what it is for,
# $(4): what happens without it.
apt_tool = @if $(1); then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing $(2) for $(3) (apt-get)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null; \
	else \
		echo "$(2) is not installed: $(4)."; \
	fi

chromium:
	$(call apt_tool,[ -x /usr/bin/chromium ],chromium,the browser tests,browser tests will be skipped)

wrk:
	$(call apt_tool,command -v wrk >/dev/null,wrk,the benchmark,the benchmark cannot run (its smoke test is skipped))

gettext:
	$(call apt_tool,command -v xgettext >/dev/null,gettext,the translation check,the check that every language is complete is skipped)

$(VENV)/.bench-installed: requirements.txt requirements-bench.txt $(VENV)/.python
	$(BIN)/pip install --quiet -r requirements-bench.txt
	touch $@

# Not part of `make test`: minutes of seeding and load. docs/performance.md.
# BENCH_ARGS: more options for bench/run.py, e.g. BENCH_ARGS='--pages "long tail" zipf'.
SIZES ?= 1000 10000 100000
BENCH_DURATION ?= 2
BENCH_ARGS ?=
bench: $(VENV)/.bench-installed wrk
	$(BIN)/python bench/run.py --sizes $(SIZES) --duration $(BENCH_DURATION) $(BENCH_ARGS)

# Course generation against a stand-in model answering after LATENCY seconds:
# when the plan, the first module and the course are ready, against the
# critical path, and the tokens spent (bench/management/commands/bench_generation.py).
LATENCY ?= 2
bench-generation: $(VENV)/.dev-installed
	rm -f .bench-generation.sqlite3
	DATABASE_URL=sqlite:///$(CURDIR)/.bench-generation.sqlite3 $(BIN)/python manage.py migrate -v0
	DATABASE_URL=sqlite:///$(CURDIR)/.bench-generation.sqlite3 $(BIN)/python manage.py bench_generation --latency $(LATENCY)
	rm -f .bench-generation.sqlite3

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

# SKIP_LINT=1 leaves the lint out: CI (.ci/run) runs the suite twice and lints once.
test: $(VENV)/.dev-installed $(if $(SKIP_LINT),,lint) chromium wrk gettext
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
