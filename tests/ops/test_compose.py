"""compose.yaml is checked without a Docker engine: structure, health checks, wiring, profiles."""

from __future__ import annotations

import re

import pytest
import yaml

from assistant.config import ROOT, Settings

pytestmark = pytest.mark.unit
REPLICAS = ("assistant-1", "assistant-2")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def test_postgres_two_replicas_and_an_optional_llm(compose):
    services = compose["services"]
    assert set(services) == {"postgres", *REPLICAS, "llm"}
    assert services["llm"]["profiles"] == ["llm"]
    assert all("profiles" not in services[s] for s in ("postgres", *REPLICAS))
    for name, svc in services.items():
        for volume in svc.get("volumes", []):
            assert volume.split(":", 1)[0] in compose["volumes"], f"{name}: undeclared volume {volume}"


def test_every_service_has_a_health_check(compose):
    for name, svc in compose["services"].items():
        hc = svc.get("healthcheck")
        assert hc and hc["test"][0] in ("CMD", "CMD-SHELL"), name
        assert re.fullmatch(r"\d+s", hc["interval"]) and re.fullmatch(r"\d+s", hc["timeout"]), name


def test_replicas_share_postgres_and_each_keeps_its_own_index(compose):
    services = compose["services"]
    pg = services["postgres"]["environment"]
    ports, volumes = set(), set()
    for name in REPLICAS:
        svc = services[name]
        assert (ROOT / svc["build"] / "Dockerfile").exists()
        env = svc["environment"]
        url = env["DATABASE_URL"]
        assert url.startswith("postgresql://") and "@postgres:5432/" in url
        assert url.rsplit("/", 1)[1] == pg["POSTGRES_DB"] and f"//{pg['POSTGRES_USER']}:" in url
        assert svc["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert "/readyz" in " ".join(svc["healthcheck"]["test"])
        assert {"ASSISTANT_LLM_BASE_URL", "ASSISTANT_LLM_MODEL"} <= set(env)
        # every ASSISTANT_ variable names a real setting
        fields = set(Settings.model_fields)
        for key in env:
            if key.startswith("ASSISTANT_"):
                assert key.removeprefix("ASSISTANT_").lower() in fields, key
        command = " ".join(svc["entrypoint"])
        assert command.index("assistant setup") < command.index("exec assistant serve")
        assert "0.0.0.0" in command
        ports.add(svc["ports"][0].split(":")[0])
        volumes.update(v for v in svc["volumes"] if v.endswith(":/app/var"))
    assert len(ports) == 2 and len(volumes) == 2


def test_the_llm_server_is_openai_compatible_and_named_like_the_docs_say(compose):
    llm = compose["services"]["llm"]
    assert llm["image"].startswith("vllm/vllm-openai:") and not llm["image"].endswith(":latest")
    command = llm["command"]
    assert command[command.index("--served-model-name") + 1] == "advisor"
    text = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    assert "ASSISTANT_LLM_BASE_URL=http://llm:8000/v1 ASSISTANT_LLM_MODEL=advisor" in text


def test_variable_references_are_well_formed():
    text = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    for ref in re.findall(r"\$\{[^}]*\}?", text):
        assert re.fullmatch(r"\$\{[A-Z_][A-Z0-9_]*(:-[^}]*)?\}", ref), ref
