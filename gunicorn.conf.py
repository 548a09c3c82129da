"""gunicorn settings; each can be overridden by the environment or by a `.env`
file beside this one, read the same way as athena/settings.py reads it (the
environment wins over the file).

docs/deployment.md explains how these fit the database timeouts and the
connection budget (workers x threads per server).
"""

import os
from pathlib import Path

import environ

env = environ.Env()
if (Path(__file__).resolve().parent / ".env").is_file():
    env.read_env(Path(__file__).resolve().parent / ".env")

bind = env.str("GUNICORN_BIND", default="0.0.0.0:8000")
wsgi_app = "athena.wsgi:application"

# Threads suit a Django app that mostly waits on PostgreSQL; workers give each
# core its own interpreter. The cap keeps a big machine from opening more
# database connections than PostgreSQL allows (each thread may hold one).
worker_class = "gthread"
workers = env.int("WEB_CONCURRENCY", default=min(2 * (os.cpu_count() or 1) + 1, 8))
threads = env.int("GUNICORN_THREADS", default=4)
# Above the database's statement and client timeouts (athena/settings.py), so a
# silent database ends a request with a 503 long before this.
timeout = env.int("GUNICORN_TIMEOUT", default=30)
graceful_timeout = env.int("GUNICORN_GRACEFUL_TIMEOUT", default=30)
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound; the
# jitter keeps workers from restarting all at once. Rarely: a new worker starts
# with empty caches and a new database connection, and at 2,000 requests (a
# few seconds of a busy worker) recycling tripled the pages' p99 latency and
# cut their throughput by a third (docs/performance.md).
max_requests = env.int("GUNICORN_MAX_REQUESTS", default=100_000)
max_requests_jitter = env.int("GUNICORN_MAX_REQUESTS_JITTER", default=10_000)
# Django is imported once, in the master, and every worker is a fork of it: a
# recycled worker serves within milliseconds instead of importing Django again
# (about a second of CPU, taken from the requests being served), and workers
# share the imported code's memory. A new release needs a restart, not a HUP.
preload_app = env.bool("GUNICORN_PRELOAD_APP", default=True)

# Logs: one access line per request with the request id Django sets
# (athena.log). No query string (search terms, e-mail addresses), referrer,
# cookies or Authorization header, and password-reset tokens are masked
# (athena.gunicorn_logging); Django never logs request bodies.
accesslog = "-"
errorlog = "-"
logger_class = "athena.gunicorn_logging.AccessLogger"
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'

# X-Forwarded-For / -Proto are believed only from a configured TLS proxy;
# otherwise a client could claim HTTPS and skip the redirect.
if env.bool("BEHIND_TLS_PROXY", default=False):
    forwarded_allow_ips = env.str("FORWARDED_ALLOW_IPS", default="127.0.0.1,::1")
else:
    forwarded_allow_ips = ""

# gunicorn's runtime control socket (gunicornc) is a management interface we do
# not use; off, so nothing listens that need not, and several servers on one
# host do not share its default path.
control_socket_disable = not env.bool("GUNICORN_CONTROL_SOCKET", default=False)
