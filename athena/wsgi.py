"""WSGI entry point: `gunicorn athena.wsgi` (see gunicorn.conf.py)."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "athena.settings")

from athena.startup import require_production_secret_key

# Measured with `make bench` (docs/performance.md).
GC_THRESHOLDS = (50_000, 20, 100)

require_production_secret_key()
application = get_wsgi_application()
# Import the URLconf, and with it every view and the admin, now rather than on
# a worker's first request (about half a second). With gunicorn's preload_app
# this happens once, in the master, before the workers are forked.
get_resolver().url_patterns  # noqa: B018
# Everything imported so far lives as long as the process: move it out of the
# garbage collector's sight, so a full collection in a worker (tens of
# milliseconds with the whole of Django to scan) walks only what requests
# made, and a forked worker does not touch, and so copy, the master's pages.
gc.freeze()
# And collections run less often: a worker keeps tens of thousands of
# long-lived objects of its own (the outlines and pages it keeps), and with
# Python's default thresholds (700, 10, 10) a collection ran every 700
# allocations, a few per request, and a full one every few hundred requests,
# each walking them all while every thread of the worker waits. Reference
# counting frees almost everything a request makes; collections only find
# cycles, and a higher first threshold finds the same ones later.
gc.set_threshold(*GC_THRESHOLDS)
