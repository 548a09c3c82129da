"""gunicorn settings; each can be overridden by the environment or by a `.env`
file beside this one, read the same way as athena/settings.py reads it (the
environment wins over the file)."""

from pathlib import Path

import environ

env = environ.Env()
if (Path(__file__).resolve().parent / ".env").is_file():
    env.read_env(Path(__file__).resolve().parent / ".env")

bind = env.str("GUNICORN_BIND", default="0.0.0.0:8000")
workers = env.int("WEB_CONCURRENCY", default=2)
threads = env.int("GUNICORN_THREADS", default=4)
timeout = env.int("GUNICORN_TIMEOUT", default=30)
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = env.str("FORWARDED_ALLOW_IPS", default="127.0.0.1")
wsgi_app = "athena.wsgi:application"
