"""A stand-in for an OpenAI-compatible model server, for tests.

It speaks the Chat Completions protocol over real HTTP on 127.0.0.1
(`POST /v1/chat/completions`) and, unless a test scripts something else, answers
every stage of the generation pipeline with a valid answer sized by the request:
the stage comes from `response_format.json_schema.name`, the topic and the
preferences from the JSON data in the first user message.

Tests script faults per stage with `StandInServer.script(stage, *replies)` (used
once each, in order) or `StandInServer.always(stage, reply)`; the replies are built
by `valid`, `text`, `changed`, `error` and `hang` below. Every request is recorded.
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODULES_FOR_DURATION = {"short": 2, "medium": 4, "long": 6}
ANY_STAGE = "*"


@dataclass(frozen=True)
class Reply:
    """One scripted answer. `content` None means the valid answer for the request,
    passed through `transform` and wrapped as `wrap` says ("", "prose" or "fence")."""

    status: int = HTTPStatus.OK
    content: str | None = None
    transform: Callable[[dict[str, Any]], Any] | None = None
    wrap: str = ""
    delay: float = 0.0


def valid(*, wrap: str = "", delay: float = 0.0) -> Reply:
    """The valid answer, bare, inside prose ("prose") or in a ```json block ("fence")."""
    return Reply(wrap=wrap, delay=delay)


def text(content: str) -> Reply:
    """Exactly this message content (malformed JSON, prose without JSON...)."""
    return Reply(content=content)


def changed(transform: Callable[[dict[str, Any]], Any]) -> Reply:
    """The valid answer passed through `transform` (a copy; return the new answer)."""
    return Reply(transform=transform)


def error(status: int) -> Reply:
    """An HTTP error with an OpenAI-style error body (429, 500, 503...)."""
    return Reply(status=status)


def hang(seconds: float) -> Reply:
    """Answer validly, but only after `seconds` (longer than the client's timeout)."""
    return Reply(delay=seconds)


@dataclass
class Recorded:
    stage: str
    body: dict[str, Any]
    status: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages", [])

    def contents(self, role: str) -> list[str]:
        return [m.get("content") or "" for m in self.messages if m.get("role") == role]

    @property
    def data(self) -> dict[str, Any]:
        """The JSON data of the first user message."""
        return json.loads(self.contents("user")[0])


# Valid answers, built from the request's data.


def plan_answer(data: dict[str, Any]) -> dict[str, Any]:
    count = MODULES_FOR_DURATION.get(data.get("duration", ""), 2)
    topic = str(data.get("topic", "A topic"))[:200]
    return {
        "language": topic_language(data),
        "title": topic,
        "description": f"A {data.get('level', '')} course on {topic}.",
        "learning_outcomes": [f"Explain the core ideas of {topic}", "Apply them to an example"],
        "modules": [
            {
                "title": f"Part {number}: {topic}"[:255],
                "description": f"Part {number} of {count}.",
                "lessons": [
                    {"title": f"Module {number}, first ideas", "summary": "The first ideas."},
                    {"title": f"Module {number}, going further", "summary": "Going further."},
                ],
            }
            for number in range(1, count + 1)
        ],
    }


def topic_language(data: dict[str, Any]) -> str:
    """The language asked for, or for `auto` the topic's as a model would tell
    it (here: German when it has an umlaut or ß, else English)."""
    asked = str(data.get("language", "auto"))
    if asked != "auto":
        return asked
    return "de" if re.search("[äöüÄÖÜß]", str(data.get("topic", ""))) else "en"


LESSON_MARKDOWN = """## Overview

What this lesson covers, step by step.

## An example

```python
print("hello")
```

| Term | Meaning |
|---|---|
| idea | a thing to learn |

## Key takeaways

- One idea.
- Another idea.

## Summary

A short summary.
"""


def lesson_answer(data: dict[str, Any]) -> dict[str, Any]:
    """A lesson; one asked to follow an instruction (a rewrite, an added lesson)
    says so in a section of its own, and an added one takes a title from it."""
    instruction = str(data.get("instruction", ""))
    title = data.get("lesson", {}).get("title") or f"On request: {instruction}"[:80]
    markdown = LESSON_MARKDOWN
    if instruction:
        markdown += f"\n## As you asked\n\n{instruction}\n"
    return {"title": title, "markdown": as_long_as(markdown, data.get("lesson", {}).get("words"))}


DETAIL = "This sentence adds one more detail about the idea. "


def as_long_as(markdown: str, words: Any) -> str:
    """`markdown` with a section of detail making it `words` words long (the
    length the lesson was asked for), when it is shorter."""
    missing = (words if isinstance(words, int) else 0) - len(re.findall(r"\w+", markdown))
    if missing <= 0:
        return markdown
    sentences = -(-missing // len(re.findall(r"\w+", DETAIL)))
    return f"{markdown}\n## More detail\n\n{(DETAIL * sentences).strip()}\n"


def quiz_answer(data: dict[str, Any]) -> dict[str, Any]:
    """A quiz; one asked to follow an instruction says so in its question (its
    options stay the same)."""
    instruction = str(data.get("instruction", ""))
    question = "Which of these is an idea from the lesson?"
    if instruction:
        question += f" (As you asked: {instruction})"
    return {
        "title": data.get("quiz", {}).get("title", "A quiz"),
        "type": "multiple_choice",
        "question": question,
        "options": ["A thing to learn", "Nothing at all", "A kind of cheese"],
        "answer": 1,
        "explanation": "The lesson's table defines an idea as a thing to learn.",
    }


def revise_answer(data: dict[str, Any]) -> dict[str, Any]:
    """The plan sent, its description saying what was asked and a lesson added
    to its first module ("More on ...")."""
    plan = copy.deepcopy(data.get("plan") or plan_answer(data))
    instruction = str(data.get("instruction", ""))
    plan["description"] = f"{plan['description']} Revised: {instruction}"
    plan["modules"][0]["lessons"].append({"title": "Added on request", "summary": instruction})
    return plan


def module_answer(data: dict[str, Any]) -> dict[str, Any]:
    """A new module on what the instruction asks, of two lessons."""
    instruction = str(data.get("instruction", "More"))
    return {
        "title": f"Added: {instruction}"[:80],
        "description": f"What you asked for: {instruction}",
        "lessons": [
            {"title": f"{instruction[:60]}, first ideas", "summary": "The first ideas."},
            {"title": f"{instruction[:60]}, going further", "summary": "Going further."},
        ],
    }


ANSWERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "plan": plan_answer,
    "revise": revise_answer,
    "lesson": lesson_answer,
    "quiz": quiz_answer,
    "module": module_answer,
}


class StandInServer:
    """The server and its script; start with `start()`, stop with `stop()`."""

    def __init__(self) -> None:
        self.recorded: list[Recorded] = []
        self._scripts: dict[str, deque[Reply]] = defaultdict(deque)
        self._always: dict[str, Reply] = {}
        self._holds: list[tuple[Callable[[dict[str, Any]], bool], threading.Event]] = []
        self._lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight: dict[str, int] = defaultdict(int)
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> StandInServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes hanging answers so shutdown is quick
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    # Scripting.

    def script(self, stage: str, *replies: Reply) -> None:
        """Answer the next requests of `stage` ("*": any stage) with these, in order."""
        with self._lock:
            self._scripts[stage].extend(replies)

    def always(self, stage: str, reply: Reply) -> None:
        """Answer every request of `stage` ("*": any stage) with `reply` from now on."""
        with self._lock:
            self._always[stage] = reply

    def hold(self, matches: Callable[[dict[str, Any]], bool]) -> threading.Event:
        """Keep each request whose data `matches` unanswered until the event
        returned is set (a test's go-ahead), or the server stops."""
        released = threading.Event()
        with self._lock:
            self._holds.append((matches, released))
        return released

    def requests(self, stage: str | None = None) -> list[Recorded]:
        with self._lock:
            return [r for r in self.recorded if stage is None or r.stage == stage]

    # Answering.

    def _next_reply(self, stage: str) -> Reply:
        with self._lock:
            for key in (stage, ANY_STAGE):
                if self._scripts[key]:
                    return self._scripts[key].popleft()
            return self._always.get(stage) or self._always.get(ANY_STAGE) or valid()

    def answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        stage = _stage_of(body)
        record = Recorded(stage=stage, body=body)
        with self._lock:
            self.recorded.append(record)
        reply = self._next_reply(stage)
        self._wait_while_held(record)
        with self._lock:
            self.in_flight += 1
            self.most_in_flight[stage] = max(self.most_in_flight[stage], self.in_flight)
        try:
            stopped = bool(reply.delay) and self._stopping.wait(reply.delay)
        finally:
            with self._lock:
                self.in_flight -= 1
        if stopped:
            return HTTPStatus.SERVICE_UNAVAILABLE, _error_body(HTTPStatus.SERVICE_UNAVAILABLE)
        record.status = reply.status
        if reply.status != HTTPStatus.OK:
            return reply.status, _error_body(reply.status)
        content = _content(reply, stage, record)
        record.prompt_tokens = max(1, len(json.dumps(body.get("messages", []))) // 4)
        record.completion_tokens = max(1, len(content) // 4)
        return HTTPStatus.OK, _completion(body, content, record)

    def _wait_while_held(self, record: Recorded) -> None:
        try:
            data = record.data
        except (IndexError, ValueError):
            return
        with self._lock:
            holds = [released for matches, released in self._holds if matches(data)]
        for released in holds:
            while not (released.wait(0.05) or self._stopping.is_set()):
                pass


def _stage_of(body: dict[str, Any]) -> str:
    response_format = body.get("response_format") or {}
    return (response_format.get("json_schema") or {}).get("name", "")


def _content(reply: Reply, stage: str, record: Recorded) -> str:
    if reply.content is not None:
        return reply.content
    try:
        data = record.data
    except (IndexError, ValueError):
        data = {}
    answer: Any = ANSWERS.get(stage, lambda _: {})(data)
    if reply.transform is not None:
        answer = reply.transform(copy.deepcopy(answer))
    encoded = json.dumps(answer, indent=2)
    if reply.wrap == "prose":
        return f"Sure! Here is what you asked for: {encoded} I hope it helps."
    if reply.wrap == "fence":
        return f"Here is the {stage}:\n\n```json\n{encoded}\n```\n\nWant any changes?"
    return encoded


def _completion(body: dict[str, Any], content: str, record: Recorded) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-standin-{id(record)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "stand-in"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": record.prompt_tokens,
            "completion_tokens": record.completion_tokens,
            "total_tokens": record.prompt_tokens + record.completion_tokens,
        },
    }


def _error_body(status: int) -> dict[str, Any]:
    phrase = HTTPStatus(status).phrase
    kind = "rate_limit_error" if status == HTTPStatus.TOO_MANY_REQUESTS else "server_error"
    return {"error": {"message": f"stand-in: {phrase}", "type": kind, "code": None}}


def _handler_for(server: StandInServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # One write per answer, sent at once (no Nagle/delayed-ACK stalls).
        wbufsize = 1 << 16
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._send(HTTPStatus.NOT_FOUND, _error_body(HTTPStatus.NOT_FOUND))
                return
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                self._send(HTTPStatus.BAD_REQUEST, _error_body(HTTPStatus.BAD_REQUEST))
                return
            self._send(*server.answer(body))

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            with contextlib.suppress(OSError):  # the client may have given up (timeout)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests read `StandInServer.recorded` instead."""

    return Handler


@contextlib.contextmanager
def running_stand_in() -> Iterator[StandInServer]:
    """A started stand-in, stopped on exit (for fixtures outside this app too)."""
    server = StandInServer().start()
    try:
        yield server
    finally:
        server.stop()


def configure(settings: Any, server: StandInServer, **overrides: Any) -> None:
    """Point Django settings (pytest-django's `settings` fixture) at the stand-in,
    with short timeouts and tiny backoff so tests stay fast."""
    values = {
        "ATHENA_LLM_BASE_URL": server.base_url,
        "ATHENA_LLM_MODEL": "stand-in",
        "ATHENA_LLM_API_KEY": "stand-in-key",
        "ATHENA_LLM_TIMEOUT": 5.0,
        "ATHENA_LLM_MAX_RETRIES": 2,
        "ATHENA_LLM_MAX_REPAIRS": 2,
        "ATHENA_LLM_BACKOFF_BASE": 0.01,
        "ATHENA_GENERATION_TIME_BUDGET": 60.0,
        **overrides,
    }
    for name, value in values.items():
        setattr(settings, name, value)


__all__ = [
    "ANY_STAGE",
    "Recorded",
    "Reply",
    "StandInServer",
    "changed",
    "configure",
    "error",
    "hang",
    "running_stand_in",
    "text",
    "valid",
]
