"""Production settings for the servers the operations tests start (tests/servers.py).

Everything comes from athena.settings and the environment, as in production, but
static files are served unhashed: the hashed manifest only exists after
collectstatic, which the Docker build runs and these tests have no need for.
"""

from athena.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
