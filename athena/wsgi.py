"""WSGI entry point: `gunicorn athena.wsgi` (see gunicorn.conf.py)."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "athena.settings")

from athena.startup import require_production_secret_key

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
