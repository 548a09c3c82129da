# Athena: a small image that serves the app with gunicorn as a non-root user.
FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install -r /tmp/requirements.txt

FROM python:3.11-slim-bookworm
ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=athena.settings
RUN groupadd --system athena && useradd --system --gid athena --home-dir /app athena
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=athena:athena . /app
# Static files are collected, compressed and hashed at build time; the key here
# only lets settings load and is never used to serve.
RUN DEBUG=false SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input \
    && chown -R athena:athena /app/staticfiles
USER athena
EXPOSE 8000
# Liveness: the server answers, whatever ALLOWED_HOSTS is (the health endpoints
# skip the host check) and whether or not the database is up (a database outage
# must not get healthy containers restarted). Readiness is /healthz/ready.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz/live', timeout=4).status != 200)"
CMD ["gunicorn", "--config", "gunicorn.conf.py"]
