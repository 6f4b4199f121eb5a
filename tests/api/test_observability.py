"""Request ids, JSON access logs without personal data, Prometheus metrics."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.api.observability import JsonFormatter
from tests.conftest import auth_headers

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def client(built_runtime):
    with TestClient(create_app(built_runtime.settings, runtime=built_runtime),
                    headers=auth_headers(built_runtime, "counselor")) as c:
        yield c


def test_request_ids_are_returned_and_generated(client):
    assert client.get("/healthz", headers={"X-Request-ID": "call-42.a"}).headers["x-request-id"] == "call-42.a"
    generated = client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"}).headers["x-request-id"]
    assert generated and "\n" not in generated and generated != "bad id\nwith newline"


def test_access_log_is_json_with_the_route_template_and_no_question_text(client, caplog):
    caplog.set_level(logging.INFO, logger="assistant.access")
    question = "주민번호 900101-1234567 출산장려금 신청"
    client.post("/v1/advise", json={"question": question}, headers={"X-Request-ID": "req-1"})
    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "assistant.access"]
    line = next(x for x in lines if x["request_id"] == "req-1")
    assert line["http"]["route"] == "/v1/advise" and line["http"]["status"] == 200
    assert line["http"]["actor"].startswith("test-counselor")
    assert "900101" not in json.dumps(lines, ensure_ascii=False) and "출산장려금" not in json.dumps(lines, ensure_ascii=False)


def test_metrics_count_requests_by_route_and_report_the_index(client, built_runtime):
    client.post("/v1/search", json={"question": "기초연금"})
    client.post("/v1/advise", json={"question": "기초연금 신청"})
    text = client.get("/metrics").text
    assert 'assistant_http_requests_total{method="POST",route="/v1/search",status="200"}' in text
    assert "assistant_http_request_duration_seconds_bucket" in text
    assert 'assistant_stage_duration_seconds_count{stage="retrieval"}' in text
    assert f"assistant_index_kb_version {float(built_runtime.manager.holder.snapshot.kb_version)}" in text
    assert "assistant_answers_total" in text
    assert 'assistant_query_vector_cache_total{result="miss"}' in text
