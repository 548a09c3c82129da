"""ASGI entry point, for servers that speak ASGI."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "athena.settings")

from athena.startup import require_production_secret_key

require_production_secret_key()
application = get_asgi_application()
