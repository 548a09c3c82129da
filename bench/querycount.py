"""Queries per request for each benchmark page, counted with Django's
CaptureQueriesContext through the test client (not under load).

Run by bench/run.py with the benchmark's environment; reads the page list as
JSON on stdin and prints {name: queries} as JSON. Each page is asked twice and
the second (warm) answer counted, as most requests under load meet warm caches
(a page with "paths" is asked for each of them in turn, and the last counted:
the learner walk's second page is a first view, as every page of the walk is).
Pages are counted as rendered (Athena keeps no rendered page).
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "athena.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def main() -> None:
    pages = json.load(sys.stdin)
    users = {
        user.username: user
        for user in get_user_model().objects.filter(username__startswith="bench-")
    }
    counts = {}
    for page in pages:
        client = Client(HTTP_HOST="127.0.0.1")
        if page.get("user"):
            client.force_login(users[page["user"]])
        for path in page.get("paths") or [page["path"]] * 2:
            with CaptureQueriesContext(connection) as queries:
                if page.get("method") == "POST":
                    response = client.post(path, page["form"])
                else:
                    response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{page['name']}: {path} answered {response.status_code}")
        counts[page["name"]] = len(queries)
    json.dump(counts, sys.stdout)


if __name__ == "__main__":
    main()
