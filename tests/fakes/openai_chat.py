"""A real HTTP server speaking the OpenAI chat-completions protocol, for tests.

It listens on 127.0.0.1 (a free port) in a background thread, so the real ``openai`` client, or any
OpenAI-compatible HTTP client, talks to it over a socket: timeouts, retries and broken streams are
the client's own code paths, not mocks. Every request body is kept in ``.requests`` so a test can
check what would have been sent to the LLM.

>>> import openai
>>> with FakeChatServer("기초연금은 만 65세 이상이 대상입니다.") as server:
...     client = openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0)
...     r = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "기초연금?"}])
>>> r.choices[0].message.content
'기초연금은 만 65세 이상이 대상입니다.'
>>> server.requests[0]["messages"][0]["content"]
'기초연금?'
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

Reply = str | Callable[[dict[str, Any]], str]

_ERROR_TYPES = {400: "invalid_request_error", 404: "invalid_request_error", 429: "rate_limit_exceeded"}


def split_pieces(text: str) -> list[str]:
    """Stream pieces: each word with the whitespace before it, so the pieces join back to ``text``.

    >>> split_pieces("네, 안내해 드릴게요")
    ['네,', ' 안내해', ' 드릴게요']
    """
    return re.findall(r"\s*\S+|\s+$", text) or [text]


def error_body(status: int, message: str) -> dict[str, Any]:
    error_type = _ERROR_TYPES.get(status, "server_error")
    return {"error": {"message": message, "type": error_type, "param": None, "code": error_type}}


class FakeChatServer:
    """OpenAI-compatible chat server for tests; a context manager that starts and stops it.

    ``reply`` is the assistant's text, or a function of the request body returning it. Faults:
    ``delay`` seconds before each answer; ``status`` answers with that HTTP error (OpenAI-style
    error body), on every request or, with ``fail_times``, on the first ``fail_times`` requests only
    (500 if ``status`` is not given); ``drop_stream_after`` closes a stream after that many content
    chunks, without the end of the HTTP body. Error answers carry ``retry-after-ms`` so clients
    retry after ``retry_after_ms`` instead of their exponential backoff (``None`` leaves it out).

    >>> with FakeChatServer(lambda body: body["messages"][-1]["content"], fail_times=1) as server:
    ...     server.base_url.startswith("http://127.0.0.1:")
    True
    """

    def __init__(
        self,
        reply: Reply = "네, 안내해 드리겠습니다.",
        *,
        model: str = "fake-chat",
        delay: float = 0.0,
        status: int | None = None,
        fail_times: int = 0,
        drop_stream_after: int | None = None,
        retry_after_ms: int | None = 10,
    ) -> None:
        self.reply = reply
        self.model = model
        self.delay = delay
        self.status = status
        self.fail_times = fail_times
        self.drop_stream_after = drop_stream_after
        self.retry_after_ms = retry_after_ms
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._ids = itertools.count(1)
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # lifecycle

    def start(self) -> FakeChatServer:
        if self._httpd is not None:
            return self
        self._closing.clear()
        self._httpd = _Server(("127.0.0.1", 0), _Handler, self)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"FakeChatServer:{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops accepting, wakes delayed handlers (they answer nothing) and joins every thread."""
        if self._httpd is None:
            return
        self._closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()  # joins the handler threads (block_on_close)
        assert self._thread is not None
        self._thread.join()
        self._httpd, self._thread = None, None

    def __enter__(self) -> FakeChatServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("FakeChatServer is not started; use it as a context manager or call start()")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # behaviour, called from handler threads

    def _record(self, body: dict[str, Any]) -> int:
        """Keeps the body; returns how many chat requests came before this one."""
        with self._lock:
            self.requests.append(body)
            return len(self.requests) - 1

    def _failure_for(self, ordinal: int) -> int | None:
        if self.fail_times:
            return (self.status or 500) if ordinal < self.fail_times else None
        return self.status

    def _reply_text(self, body: dict[str, Any]) -> str:
        return self.reply(body) if callable(self.reply) else self.reply

    def _wait(self) -> bool:
        """Sleeps ``delay``; False when the server is shutting down meanwhile."""
        return not self._closing.wait(self.delay) if self.delay > 0 else not self._closing.is_set()

    def _completion(self, body: dict[str, Any], text: str) -> dict[str, Any]:
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
        completion_tokens = len(split_pieces(text)) if text else 0
        return {
            "id": f"chatcmpl-fake-{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model") or self.model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text, "refusal": None},
                         "logprobs": None, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        }

    def _chunks(self, body: dict[str, Any], text: str) -> Iterator[dict[str, Any]]:
        """First a role-only chunk, one chunk per piece, a finish chunk, then usage if asked for."""
        done = self._completion(body, text)
        base = {"id": done["id"], "object": "chat.completion.chunk", "created": done["created"],
                "model": done["model"]}

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return {**base, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}

        yield chunk({"role": "assistant", "content": ""})
        for piece in split_pieces(text) if text else []:
            yield chunk({"content": piece})
        yield chunk({}, "stop")
        if (body.get("stream_options") or {}).get("include_usage"):
            yield {**base, "choices": [], "usage": done["usage"]}


def _is_piece(chunk: dict[str, Any]) -> bool:
    delta = chunk["choices"][0]["delta"] if chunk["choices"] else {}
    return "content" in delta and "role" not in delta


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # so that server_close() joins the handlers and nothing outlives stop()
    block_on_close = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], fake: FakeChatServer) -> None:
        super().__init__(address, handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that hang up (timeouts, dropped streams) are the point of many tests


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # chunked streams; every response still closes its connection
    timeout = 5  # a client that connects and sends nothing does not hold stop() for long
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.rstrip("/") == "/v1/models":
            model = {"id": self.server.fake.model, "object": "model", "created": 0, "owned_by": "fake"}
            self._send_json(200, {"object": "list", "data": [model]})
        else:
            self._send_json(404, error_body(404, f"unknown path {self.path}"))

    def do_POST(self) -> None:
        fake = self.server.fake
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._send_json(404, error_body(404, f"unknown path {self.path}"))
            return
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            self._send_json(400, error_body(400, "the body must be a JSON object with a 'messages' list"))
            return
        ordinal = fake._record(body)
        if not fake._wait():
            self.close_connection = True
            return
        failure = fake._failure_for(ordinal)
        if failure is not None:
            message = f"fake failure {ordinal + 1} ({HTTPStatus(failure).phrase})"
            headers = {"retry-after-ms": str(fake.retry_after_ms)} if fake.retry_after_ms is not None else {}
            self._send_json(failure, error_body(failure, message), headers)
            return
        text = fake._reply_text(body)
        if body.get("stream"):
            self._send_stream(fake._chunks(body, text), fake.drop_stream_after)
        else:
            self._send_json(200, fake._completion(body, text))

    def _send_json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.close_connection = True
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _send_stream(self, chunks: Iterator[dict[str, Any]], drop_after: int | None) -> None:
        self.close_connection = True
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Connection", "close")
            self.end_headers()
            pieces = 0
            for chunk in chunks:
                if _is_piece(chunk):
                    if pieces == drop_after:
                        return  # hang up without the terminating chunk: the client sees an incomplete body
                    pieces += 1
                self._write_event(json.dumps(chunk, ensure_ascii=False))
            self._write_event("[DONE]")
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _write_event(self, data: str) -> None:
        event = f"data: {data}\n\n".encode()
        self.wfile.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
        self.wfile.flush()
