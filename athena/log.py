"""Request ids in the logs.

Each request carries an id: the `X-Request-ID` a proxy or load balancer sent, when
it looks like one, or a new one. It is echoed in the response, written in
gunicorn's access log (gunicorn.conf.py) and added to every log record made while
the request is served, so one grep finds a request's error among many servers.
"""

import logging
import re
import uuid
from contextvars import ContextVar

REQUEST_ID_HEADER = "X-Request-ID"
# What we accept from the outside: short, and nothing that could forge a log line.
_ACCEPTED_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")

current_request_id: ContextVar[str] = ContextVar("current_request_id", default="-")

# A password-reset link carries its token in the path; logs show "[token]".
_RESET_TOKEN = re.compile(r"(/reset/[^/\s]+/)(?!set-password/)[^/\s]+")


def redact_path(text: str) -> str:
    """`text` with any password-reset token masked."""
    return _RESET_TOKEN.sub(r"\1[token]", text)


def request_id_from(header_value: str | None) -> str:
    """The incoming id when it is acceptable, a new random one otherwise."""
    if header_value and _ACCEPTED_REQUEST_ID.fullmatch(header_value):
        return header_value
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (or "-" outside a request) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


class OneLineFormatter(logging.Formatter):
    """One record, one line: tracebacks and multi-line messages are folded with
    a visible `\\n`, so a log collector never splits an error from its request
    id. Password-reset tokens in paths are masked."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record).replace("\r", "\\r").replace("\n", "\\n")
        return redact_path(line)


class AsWarningWithoutTraceback(logging.Filter):
    """Turns a record into one WARNING line without its traceback. For
    Django's report of a Host header the site does not answer to: a client's
    mistake or a scanner's probe, worth a line, not an ERROR with a stack."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        record.exc_info = record.exc_text = record.stack_info = None
        return True
