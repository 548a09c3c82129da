"""The model client: one Chat Completions call per stage, through the official
`openai` library, against any OpenAI-compatible endpoint.

Settings (django.conf.settings): ATHENA_LLM_BASE_URL, ATHENA_LLM_API_KEY,
ATHENA_LLM_MODEL, ATHENA_LLM_TIMEOUT (seconds per call), ATHENA_LLM_MAX_RETRIES
(retries of a call on HTTP 429, 5xx, timeouts and connection errors) and
ATHENA_LLM_BACKOFF_BASE (seconds; the first retry waits up to this long, each next
one up to twice as long, capped by ATHENA_LLM_BACKOFF_CAP).

The retries are ours alone (the library's own are switched off), with exponential
backoff and full jitter, and never past the caller's deadline.
"""

from __future__ import annotations

import json
import logging
import random
import time
from dataclasses import dataclass
from typing import Any

import openai
from django.conf import settings
from django.utils.translation import gettext_noop

from athena.wording import counted
from generation.wording import HTTP_ERROR

EXCERPT_LENGTH = 500

logger = logging.getLogger(__name__)


def llm_settings_configured() -> bool:
    """Whether a model endpoint is set up (a base URL and a model name)."""
    return bool(
        getattr(settings, "ATHENA_LLM_BASE_URL", "") and getattr(settings, "ATHENA_LLM_MODEL", "")
    )


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


class LLMError(Exception):
    """A call that failed for good: not retryable, or retried until the bound or the
    deadline. `reason` is plain words, `detail` the full story for staff."""

    def __init__(self, reason: str, *, detail: str, retryable: bool, attempts: int = 1) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail
        self.retryable = retryable
        self.attempts = attempts


class AnswerError(ValueError):
    """An answer whose text holds no JSON object."""


@dataclass(frozen=True)
class Completion:
    """One successful call: the message text, the model that answered, the tokens
    spent (0 when the server does not say), and how many HTTP attempts it took."""

    content: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    attempts: int


def response_format(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": True}}


class LLMClient:
    """One configured endpoint; safe to share between threads."""

    def __init__(self) -> None:
        self.model: str = _setting("ATHENA_LLM_MODEL", "")
        self.timeout = float(_setting("ATHENA_LLM_TIMEOUT", 120))
        self.max_retries = int(_setting("ATHENA_LLM_MAX_RETRIES", 4))
        self.backoff_base = float(_setting("ATHENA_LLM_BACKOFF_BASE", 1.0))
        self.backoff_cap = float(_setting("ATHENA_LLM_BACKOFF_CAP", 30.0))
        self._client = openai.OpenAI(
            base_url=_setting("ATHENA_LLM_BASE_URL", ""),
            # Local servers (Ollama, llama.cpp) want no key, but the library needs one.
            api_key=_setting("ATHENA_LLM_API_KEY", "") or "not-needed",
            timeout=self.timeout,
            max_retries=0,
        )

    def close(self) -> None:
        self._client.close()

    def complete(
        self,
        *,
        stage: str,
        messages: list[dict[str, str]],
        schema: dict[str, Any],
        deadline: float,
    ) -> Completion:
        """Ask once for a `stage` answer matching `schema`, retrying transient
        failures with backoff; raise `LLMError` when it cannot be had."""
        attempt = 0
        while True:
            attempt += 1
            timeout = _remaining(deadline, attempt)
            try:
                return self._call(stage, messages, schema, min(self.timeout, timeout), attempt)
            except openai.APIError as error:
                failure = _failure(error, attempt)
            if not failure.retryable or attempt > self.max_retries:
                raise failure
            self._back_off(attempt, deadline, failure)

    def _call(
        self,
        stage: str,
        messages: list[dict[str, str]],
        schema: dict[str, Any],
        timeout: float,
        attempt: int,
    ) -> Completion:
        response = self._client.chat.completions.create(
            model=self.model,
            messages=messages,  # type: ignore[arg-type]
            response_format=response_format(stage, schema),  # type: ignore[arg-type]
            timeout=timeout,
        )
        choice = response.choices[0] if response.choices else None
        usage = response.usage
        return Completion(
            content=(choice.message.content or "") if choice else "",
            model=response.model or self.model,
            prompt_tokens=(usage.prompt_tokens or 0) if usage else 0,
            completion_tokens=(usage.completion_tokens or 0) if usage else 0,
            attempts=attempt,
        )

    def _back_off(self, attempt: int, deadline: float, failure: LLMError) -> None:
        """Full jitter: a random wait up to base * 2**(attempt-1), capped; never
        past the deadline (then the failure stands)."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        delay = random.uniform(0, ceiling)  # noqa: S311  (jitter, not a secret)
        if time.monotonic() + delay >= deadline:
            raise failure
        logger.warning("Model call failed (%s); retry %d in %.2f s", failure.detail, attempt, delay)
        time.sleep(delay)


def _remaining(deadline: float, attempt: int) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise LLMError(
            gettext_noop("The course took longer than the time allowed."),
            detail="time budget spent before the model call",
            retryable=False,
            attempts=attempt - 1,
        )
    return remaining


def _failure(error: openai.APIError, attempt: int) -> LLMError:
    """Classify a library error: what to tell people, and whether to retry."""
    if isinstance(error, openai.APITimeoutError):
        return LLMError(
            gettext_noop("The model server took too long to answer."),
            detail=f"timeout after {counted(attempt, 'attempt', 'attempts')}: {error}",
            retryable=True,
            attempts=attempt,
        )
    if isinstance(error, openai.APIConnectionError):
        return LLMError(
            gettext_noop("The model server could not be reached."),
            detail=f"connection error after {counted(attempt, 'attempt', 'attempts')}: {error!r}",
            retryable=True,
            attempts=attempt,
        )
    status = getattr(error, "status_code", None)
    retryable = status == 429 or (status is not None and status >= 500)
    reason = (
        gettext_noop("The model server is busy right now.")
        if status == 429
        else HTTP_ERROR % {"status": status}
    )
    attempts = counted(attempt, "attempt", "attempts")
    return LLMError(
        reason,
        detail=f"HTTP {status} after {attempts}: {_excerpt(str(error))}",
        retryable=retryable,
        attempts=attempt,
    )


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT_LENGTH else text[:EXCERPT_LENGTH] + "..."


def extract_json(text: str) -> Any:
    """The JSON object an answer holds: the whole text, else the first balanced
    `{...}` object in it (inside prose or a ```json fenced block)."""
    stripped = text.strip()
    try:
        return json.loads(stripped)
    except ValueError:
        pass
    decoder = json.JSONDecoder()
    start = stripped.find("{")
    while start != -1:
        try:
            value, _ = decoder.raw_decode(stripped, start)
        except ValueError:
            start = stripped.find("{", start + 1)
            continue
        if isinstance(value, dict):
            return value
        start = stripped.find("{", start + 1)
    raise AnswerError("the answer holds no valid JSON object")
