"""WSGI entry point: `gunicorn athena.wsgi` (see gunicorn.conf.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "athena.settings")

from athena.startup import require_production_secret_key

require_production_secret_key()
application = get_wsgi_application()
