"""Athena's one settings module.

Every value that differs between a laptop and production comes from the
environment (or a `.env` file beside `manage.py`); `.env.example` documents them.
"""

import re
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

# A development key is only ever used with DEBUG on. With DEBUG off the key must
# come from the environment: the WSGI/ASGI entry points refuse to start without a
# strong one (athena.startup), while offline commands such as migrate still run.
SECRET_KEY = env.str("SECRET_KEY", default="")
if DEBUG and not SECRET_KEY:
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if DEBUG:
    # A development server always answers on this machine's own names, even when
    # a .env copied from .env.example lists production host names.
    ALLOWED_HOSTS += [
        host for host in ("127.0.0.1", "localhost", "[::1]") if host not in ALLOWED_HOSTS
    ]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Where e-mailed links (account confirmation, password reset) point, e.g.
# https://athena.example.com: never a request's Host header, whose port nobody
# checks. Unset, links take the request's scheme and host name, without a
# port unless DEBUG is on (athena.site_url).
ATHENA_SITE_URL = env.str("ATHENA_SITE_URL", default="").rstrip("/")
if ATHENA_SITE_URL and not re.fullmatch(r"https?://[^/?#\s]+", ATHENA_SITE_URL):
    raise ImproperlyConfigured(
        "ATHENA_SITE_URL must be a scheme and host, such as https://athena.example.com"
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "courses",
    "enrollment",
    "accounts",
    "generation",
    "notifications",
    "certificates",
    "axes",
    "django_tasks",
    "django_tasks_db",
]
# The load benchmark's commands (manage.py seed_catalog) in a development
# checkout only: the Docker image leaves bench/ out (.dockerignore), so no
# production server has a command that writes raw rows into its database.
if (BASE_DIR / "bench" / "apps.py").is_file():
    INSTALLED_APPS += ["bench"]

MIDDLEWARE = [
    "athena.middleware.RequestIdMiddleware",
    # Before anything that checks the Host header (see the class).
    "athena.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # Cache-Control on every page: private unless public and cookieless
    # (athena.cachecontrol).
    "athena.middleware.CacheControlMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The learner's profile language before LocaleMiddleware's choice.
    "athena.middleware.LearnerLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "athena.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes requires.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "athena.urls"
WSGI_APPLICATION = "athena.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "builtins": ["athena.templatetags"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "athena.context_processors.signed_in",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.unread_notifications",
            ],
        },
    },
]

# Database: SQLite file in the project folder unless DATABASE_URL says otherwise.
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work during a write; IMMEDIATE avoids "database is locked"
    # when two requests upgrade a read transaction to a write at once.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    # Persistent connections save a connection set-up per request; checked before
    # reuse so a database restart does not fail requests (on PostgreSQL, unless
    # the connection answered within the last second: athena.postgresql).
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Timeouts, all below gunicorn's worker timeout (GUNICORN_TIMEOUT, 30 s), so a
    # slow or silent database costs a request a few seconds and a 503, never a
    # thread for good. The server cancels statements after the statement timeout;
    # athena.postgresql gives up on a server that does not answer at all a little
    # later (client timeout); keepalives and tcp_user_timeout find a dead peer on
    # an idle or a sending connection. docs/deployment.md explains the budget.
    # 0 turns both off, for a long data migration run by hand.
    DATABASE_STATEMENT_TIMEOUT_MS = env.int("DATABASE_STATEMENT_TIMEOUT_MS", default=15_000)
    DATABASE_CLIENT_TIMEOUT = env.float(
        "DATABASE_CLIENT_TIMEOUT",
        default=DATABASE_STATEMENT_TIMEOUT_MS / 1000 + 2 if DATABASE_STATEMENT_TIMEOUT_MS else 0,
    )
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options.update(
        {
            "connect_timeout": env.int("DATABASE_CONNECT_TIMEOUT", default=5),
            "options": f"{_options.get('options', '')} "
            f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT_MS}".strip(),
            "client_timeout": DATABASE_CLIENT_TIMEOUT,
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 5,
            "keepalives_count": 3,
            "tcp_user_timeout": int(DATABASE_CLIENT_TIMEOUT * 1000),
            # Parameters sent apart from the query (Django's documented option),
            # so psycopg can prepare a query: one a connection runs five times is
            # planned once per connection. The learner's state, read on every
            # learner page, then takes 0.23 ms, not 0.78 (0.3-0.5 ms of planning
            # saved). Off (false) behind a pooler in transaction mode that cannot
            # keep prepared statements (PgBouncer before 1.21); server-side
            # binding works there either way.
            "server_side_binding": True,
            "prepare_threshold": 5
            if env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
            else None,
        }
    )
    DATABASES["default"]["ENGINE"] = "athena.postgresql"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://athena")}
CACHES["default"]["KEY_PREFIX"] = env.str("CACHE_KEY_PREFIX", default="")
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # Django's Redis backend, redone on public API with one kept redis-py client
    # instead of one built per call (athena/cache.py).
    CACHES["default"]["BACKEND"] = "athena.cache.RedisCache"
    # Sessions read from the shared cache, written to both it and the database:
    # a logged-in page skips its session query. Only with a cache every server
    # and worker shares; with a per-process cache a worker could read a session
    # another one has since changed. Django's cached_db, made safe for a Redis
    # that is down (athena/sessions.py).
    SESSION_ENGINE = "athena.sessions"
    # A silent Redis must not hold a request (or the readiness check) for long.
    CACHES["default"].setdefault("OPTIONS", {})
    CACHES["default"]["OPTIONS"].setdefault("socket_connect_timeout", 2)
    CACHES["default"]["OPTIONS"].setdefault("socket_timeout", 2)
# Sessions stay in the database (Django's default engine), shared by every app
# server and untouched by a cache flush or a Redis restart.
# The readiness check's own bound on its database probe (athena.views).
HEALTHZ_DATABASE_TIMEOUT = env.float("HEALTHZ_DATABASE_TIMEOUT", default=2)
# How long a process answers readiness probes from its last check (athena.views).
HEALTHZ_KEEP_SECONDS = env.float("HEALTHZ_KEEP_SECONDS", default=1)

# django-axes first: it refuses logins while an account is locked out.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.UsernameOrEmailBackend",
]
# Brute-force protection (docs/security.md), counted per account however it is
# spelt (username, or e-mail in any case: accounts.lockout) and per client
# address (athena.client_address), each over the cool-off time:
# - AXES_FAILURE_LIMIT wrong passwords for one account from one address lock
#   that account from that address;
# - ATHENA_LOGIN_ACCOUNT_FAILURE_LIMIT for one account from any addresses lock
#   the account: several times the first, so one person failing on purpose
#   does not lock the owner out;
# - ATHENA_LOGIN_ADDRESS_FAILURE_LIMIT from one address for any accounts lock
#   the address (password spraying): far above the first, so a classroom
#   behind one address still logs in after a few learners mistype.
# Site and admin log-ins count together; failures while locked are not counted.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
ATHENA_LOGIN_ACCOUNT_FAILURE_LIMIT = env.int(
    "ATHENA_LOGIN_ACCOUNT_FAILURE_LIMIT", default=4 * AXES_FAILURE_LIMIT
)
ATHENA_LOGIN_ADDRESS_FAILURE_LIMIT = env.int(
    "ATHENA_LOGIN_ADDRESS_FAILURE_LIMIT", default=20 * AXES_FAILURE_LIMIT
)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username", "ip_address"]
AXES_HANDLER = "accounts.lockout.LockoutHandler"
AXES_USERNAME_CALLABLE = "accounts.lockout.lockout_username"
AXES_CLIENT_IP_CALLABLE = "athena.client_address.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "enrollment:dashboard"
LOGOUT_REDIRECT_URL = "courses:home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The interface's languages (docs/translating.md): the learner's profile
# chooses, else the switcher in the header (a cookie), else Accept-Language
# (athena.middleware.LearnerLanguageMiddleware after Django's LocaleMiddleware).
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("ar", "العربية"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "athena.staticfiles.StaticFilesStorage"},
}

# Content Security Policy: nothing is loaded from other sites; inline scripts need
# the per-request nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Security: secure by default whenever DEBUG is off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
if BEHIND_TLS_PROXY:
    # Only behind a proxy that sets this header itself (and strips it from clients).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The proxy's addresses, read as gunicorn.conf.py reads them: X-Forwarded-For
# names the client only on a connection from one of these, and only its last
# hop, the one the proxy wrote (athena.client_address). No proxy, no header.
ATHENA_TRUSTED_PROXIES = (
    env.list("FORWARDED_ALLOW_IPS", default=["127.0.0.1", "::1"]) if BEHIND_TLS_PROXY else []
)

# Quiz submissions per learner (or anonymous address) and quiz per minute, counted
# on the default cache (enrollment.ratelimit): a script cannot try every option.
ATHENA_QUIZ_ATTEMPTS_PER_MINUTE = env.int("ATHENA_QUIZ_ATTEMPTS_PER_MINUTE", default=10)
# Account e-mails (sign-up confirmations and notices, password resets) per hour,
# counted on the default cache whether or not an account exists, and beyond
# them none is sent, silently (accounts.mail_limits): from one client address to
# any addresses; to one address from one client address; to one address from
# any (twice the one before, so one person cannot spend an address's
# allowance alone).
ATHENA_MAILS_PER_HOUR_FROM_CLIENT = env.int("ATHENA_MAILS_PER_HOUR_FROM_CLIENT", default=50)
ATHENA_MAILS_PER_HOUR_TO_ADDRESS_FROM_CLIENT = env.int(
    "ATHENA_MAILS_PER_HOUR_TO_ADDRESS_FROM_CLIENT", default=3
)
ATHENA_MAILS_PER_HOUR_TO_ADDRESS = env.int("ATHENA_MAILS_PER_HOUR_TO_ADDRESS", default=6)

# Course documents (import_course and the admin upload): the most a document may
# hold, so a hostile or runaway file is refused with a message, not a crash.
ATHENA_IMPORT_MAX_BYTES = env.int("ATHENA_IMPORT_MAX_BYTES", default=10 * 1024 * 1024)
ATHENA_IMPORT_MAX_MODULES = env.int("ATHENA_IMPORT_MAX_MODULES", default=50)
ATHENA_IMPORT_MAX_ITEMS_PER_MODULE = env.int("ATHENA_IMPORT_MAX_ITEMS_PER_MODULE", default=100)
ATHENA_IMPORT_MAX_LESSON_CHARS = env.int("ATHENA_IMPORT_MAX_LESSON_CHARS", default=200_000)
# Titles and quiz options: the same rule for documents, admin forms and models
# (courses.models); titles never exceed their 255-character columns.
ATHENA_IMPORT_MAX_TITLE_CHARS = env.int("ATHENA_IMPORT_MAX_TITLE_CHARS", default=200)
ATHENA_IMPORT_MAX_OPTION_CHARS = env.int("ATHENA_IMPORT_MAX_OPTION_CHARS", default=500)

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Athena <noreply@localhost>")
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))

# Background tasks (django-tasks). "db" (the default) keeps the queue in the
# database and runs `manage.py db_worker`: one machine needs no extra server.
# "rq" puts it on Redis (REDIS_URL) for workers on several machines:
# `manage.py rqworker default --job-class django_tasks_rq.backend.Job`.
ATHENA_TASKS_BACKEND = env.str("ATHENA_TASKS_BACKEND", default="db")
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
if ATHENA_TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
elif ATHENA_TASKS_BACKEND == "db":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
else:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("ATHENA_TASKS_BACKEND must be 'db' or 'rq'.")

# Course generation: any OpenAI-compatible Chat Completions endpoint. Without a
# base URL and a model, "Build a course" says generation is not set up.
ATHENA_LLM_BASE_URL = env.str("ATHENA_LLM_BASE_URL", default="")
ATHENA_LLM_API_KEY = env.str("ATHENA_LLM_API_KEY", default="")
ATHENA_LLM_MODEL = env.str("ATHENA_LLM_MODEL", default="")
ATHENA_LLM_TIMEOUT = env.float("ATHENA_LLM_TIMEOUT", default=120)
ATHENA_LLM_MAX_RETRIES = env.int("ATHENA_LLM_MAX_RETRIES", default=4)
# How often an unusable answer goes back to the model with its problems listed,
# and the exponential backoff (seconds, full jitter) between retried requests.
ATHENA_LLM_MAX_REPAIRS = env.int("ATHENA_LLM_MAX_REPAIRS", default=2)
ATHENA_LLM_BACKOFF_BASE = env.float("ATHENA_LLM_BACKOFF_BASE", default=1.0)
ATHENA_LLM_BACKOFF_CAP = env.float("ATHENA_LLM_BACKOFF_CAP", default=30.0)
ATHENA_GENERATION_TIME_BUDGET = env.float("ATHENA_GENERATION_TIME_BUDGET", default=1800)
ATHENA_GENERATION_LESSON_CONCURRENCY = env.int("ATHENA_GENERATION_LESSON_CONCURRENCY", default=3)
# Limits: jobs per learner per day, and jobs running at once across the site.
ATHENA_GENERATION_PER_DAY = env.int("ATHENA_GENERATION_PER_DAY", default=5)
# Changes of one part of a generated course (a lesson, quiz or module rewritten,
# one added) per learner in any 24 hours; one on its way at a time.
ATHENA_GENERATION_REWRITES_PER_DAY = env.int("ATHENA_GENERATION_REWRITES_PER_DAY", default=20)
ATHENA_GENERATION_MAX_RUNNING = env.int("ATHENA_GENERATION_MAX_RUNNING", default=2)
# A running job whose worker has not reported for this long is marked failed.
ATHENA_GENERATION_HEARTBEAT_TIMEOUT = env.int("ATHENA_GENERATION_HEARTBEAT_TIMEOUT", default=300)

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# One line per record, each with the request id (athena.log); no request bodies,
# cookies or headers are ever logged.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "athena.log.RequestIdFilter"},
        "as_warning_without_traceback": {"()": "athena.log.AsWarningWithoutTraceback"},
    },
    "formatters": {
        "line": {
            "()": "athena.log.OneLineFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s request_id=%(request_id)s %(message)s",
        },
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "line",
        },
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's default configuration gives the "django" logger its own console
        # handler (with DEBUG on) and lets it propagate to the root handler too, so
        # each line printed twice. Naming it here drops those handlers: its records
        # reach the console once, through the root logger. Naming it also resets
        # its children, so runserver's request log is configured again as Django
        # does it (its own format, not propagated).
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        # A Host header not in ALLOWED_HOSTS: one warning line, not an error
        # with a traceback (the 400 page is the answer).
        "django.security.DisallowedHost": {"filters": ["as_warning_without_traceback"]},
    },
}
