import threading
import time

import openai
import pytest

from tests.fakes import FakeChatServer

pytestmark = pytest.mark.integration

REPLY = "기초연금은 만 65세 이상 어르신 중 소득인정액이 선정기준액 이하인 분이 받습니다."
MESSAGES = [
    {"role": "system", "content": "상담 매뉴얼에 근거해 답하세요."},
    {"role": "user", "content": "기초연금 받을 수 있나요?"},
]


def client(server: FakeChatServer, max_retries: int = 0, timeout: float = 5.0) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=max_retries, timeout=timeout)


def ask(server: FakeChatServer, **kw):
    with client(server, **kw) as c:
        return c.chat.completions.create(model="gpt-test", messages=MESSAGES, temperature=0)


def test_non_streaming_reply_and_the_request_is_recorded():
    with FakeChatServer(REPLY) as server:
        r = ask(server)
    assert r.choices[0].message.content == REPLY
    assert r.choices[0].finish_reason == "stop" and r.model == "gpt-test"
    assert r.usage is not None and r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens > 0
    assert server.requests == [{"model": "gpt-test", "messages": MESSAGES, "temperature": 0}]


def test_streaming_chunks_join_to_the_reply():
    with FakeChatServer(REPLY) as server, client(server) as c:
        stream = c.chat.completions.create(model="gpt-test", messages=MESSAGES, stream=True,
                                           stream_options={"include_usage": True})
        chunks = list(stream)
    pieces = [ch.choices[0].delta.content for ch in chunks if ch.choices and ch.choices[0].delta.content]
    assert len(pieces) == len(REPLY.split()) and "".join(pieces) == REPLY
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [ch.choices[0].finish_reason for ch in chunks if ch.choices][-1] == "stop"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == len(pieces)
    assert server.requests[0]["stream"] is True


def test_reply_can_depend_on_the_request():
    def echo(body):
        return f"{body['model']}: {body['messages'][-1]['content']}"

    with FakeChatServer(echo) as server:
        assert ask(server).choices[0].message.content == "gpt-test: 기초연금 받을 수 있나요?"


def test_server_error_raises_internal_server_error_with_the_message():
    with FakeChatServer(status=500) as server, pytest.raises(openai.InternalServerError) as err:
        ask(server, max_retries=0)
    assert err.value.status_code == 500 and "fake failure 1" in err.value.message
    assert isinstance(err.value.body, dict) and err.value.body["type"] == "server_error"
    assert len(server.requests) == 1


def test_rate_limit_is_retried_then_raised():
    with FakeChatServer(status=429) as server, pytest.raises(openai.RateLimitError):
        ask(server, max_retries=2)
    assert len(server.requests) == 3


def test_a_failure_then_success_is_absorbed_by_one_retry():
    with FakeChatServer(REPLY, fail_times=1) as server:
        r = ask(server, max_retries=1)
    assert r.choices[0].message.content == REPLY
    assert len(server.requests) == 2 and server.requests[0] == server.requests[1]


def test_too_many_failures_exhaust_the_retries():
    with FakeChatServer(REPLY, fail_times=2, status=503) as server, pytest.raises(openai.InternalServerError):
        ask(server, max_retries=1)
    assert len(server.requests) == 2


def test_a_slow_server_times_the_client_out_and_still_stops_at_once():
    threads, started = threading.active_count(), time.monotonic()
    with FakeChatServer(REPLY, delay=30) as server, pytest.raises(openai.APITimeoutError):
        ask(server, timeout=0.2)
    assert time.monotonic() - started < 3
    assert len(server.requests) == 1 and not server.running
    assert threading.active_count() == threads  # the handler still waiting out its delay was joined


def test_a_stream_dropped_midway_raises_after_the_pieces_sent():
    with FakeChatServer(REPLY, drop_stream_after=2) as server, client(server) as c:
        pieces = []
        with pytest.raises(openai.APIConnectionError):
            for ch in c.chat.completions.create(model="gpt-test", messages=MESSAGES, stream=True):
                if ch.choices and ch.choices[0].delta.content:
                    pieces.append(ch.choices[0].delta.content)
    assert "".join(pieces) == " ".join(REPLY.split()[:2])


def test_models_are_listed():
    with FakeChatServer(model="qwen-test") as server, client(server) as c:
        assert [m.id for m in c.models.list()] == ["qwen-test"]


def test_bad_requests_get_openai_style_errors():
    with FakeChatServer() as server, client(server) as c:
        with pytest.raises(openai.BadRequestError):
            c.post("/chat/completions", body={"model": "m"}, cast_to=object)
        with pytest.raises(openai.NotFoundError):
            c.post("/embeddings", body={"input": "x"}, cast_to=object)
    assert server.requests == []


def test_after_the_block_the_port_is_closed():
    with FakeChatServer() as server:
        base_url = server.base_url
    assert not server.running
    with openai.OpenAI(base_url=base_url, api_key="x", max_retries=0, timeout=1) as c, \
            pytest.raises(openai.APIConnectionError):
        c.chat.completions.create(model="m", messages=MESSAGES)
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.base_url
