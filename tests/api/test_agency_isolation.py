"""Agencies as tenants, over HTTP on SQLite and PostgreSQL: the permission table walked for every route ×
role × {no agency, agency A, agency B} on each agency's drafts, evaluation runs, suggestions (feedback, the
gap report and its drafts) and calls; the entry rules (an agency's editor edits only that agency's
entries); agencies' creation and deletion; and the bad inputs (unknown codes, foreign id prefixes, a
deleted agency's token)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from assistant.agencies.codes import readable, visible
from assistant.agencies.models import AgencyCreate
from assistant.api.security import ROUTE_PERMISSIONS
from assistant.auth.models import AuditEvent
from assistant.auth.roles import Permission as P
from assistant.auth.roles import Role, allowed
from assistant.auth.service import Principal
from assistant.runtime import Runtime
from assistant.types import EntryRecord, Scope
from tests.conftest import indexed_runtime, make_settings, postgres_database, write_quick_eval

pytestmark = pytest.mark.integration
A, B = "aa", "bb"
AGENCIES = ("", A, B)  # "" = a token of no agency


def records() -> list[EntryRecord]:
    return [EntryRecord(entry_id=f"{code}:own/1", title=f"{code} 기관 고유 안내", scope=Scope.national,
                        content=f"{code} 기관만 안내하는 내용입니다.\n\n신청은 전화로 합니다.", agency=code)
            for code in (A, B)]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def rt(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
       subset_records: list[EntryRecord]) -> Iterator[Runtime]:
    def make(url: str) -> Runtime:
        tmp = tmp_path_factory.mktemp("agency_iso")  # drafts are scored on a quick set of three questions
        runtime = Runtime(make_settings(tmp, database_url=url, **write_quick_eval(tmp, subset_records)))
        for code in (A, B):  # the agencies first: the importer checks codes only through the editor
            runtime.agencies.create(AgencyCreate(code=code, name=f"기관 {code}", contact="110"), actor="tests")
        return indexed_runtime(runtime.settings, subset_records + records())

    if request.param == "sqlite":
        runtime = make(f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'kb.db'}")
        yield runtime
        runtime.engine.dispose()
        return
    with postgres_database("assistant_agency") as url:
        runtime = make(url)
        yield runtime
        runtime.engine.dispose()


@pytest.fixture(scope="module")
def tokens(rt: Runtime) -> dict[tuple[Role, str], str]:
    return {(role, agency): rt.tokens.create(name=f"{role}-{agency or 'center'}", role=role, agency=agency,
                                             created_by="tests")
            for role in Role for agency in AGENCIES}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def principal(role: Role, agency: str) -> Principal:
    return Principal("x", role, agency=agency)


@pytest.fixture(scope="module")
def seeded(app: FastAPI, rt: Runtime, tokens: dict[tuple[Role, str], str]) -> dict[str, dict[str, Any]]:
    """Per agency ("" = the center): a draft, a queued evaluation run, a suggestion with a thumbs-down, a call."""
    out: dict[str, dict[str, Any]] = {}
    with TestClient(app) as client:
        for agency in AGENCIES:
            entry_id = f"{agency}:own/1" if agency else common_entry(rt)
            editor, counselor = auth(tokens[(Role.editor, agency)]), auth(tokens[(Role.counselor, agency)])
            d = client.post("/v1/drafts", headers=editor, json={
                "action": "update", "entry_id": entry_id, "base_version": 1, "changes": {"title": "새 제목"}})
            assert d.status_code == 201 and d.json()["agency"] == agency, d.text
            run = rt.evals.enqueue(f"edit by {agency or 'center'}", [entry_id], agency=agency)
            s = client.post("/v1/advise", headers=counselor, json={"question": "출산장려금 지원"})
            assert s.status_code == 200, s.text
            sid = s.json()["suggestion_id"]
            fb = client.post("/v1/feedback", headers=counselor, json={"suggestion_id": sid, "kind": "thumbs_down",
                                                                      "reason": "outdated"})
            assert fb.status_code == 201, fb.text
            call = client.post("/v1/calls", headers=counselor, json={})
            assert call.status_code == 201 and call.json()["agency"] == agency
            out[agency] = {"draft_id": d.json()["id"], "run_id": run, "suggestion_id": sid,
                           "call_id": call.json()["call_id"], "owner": call.json()["counselor"]}
    for items in out.values():  # the drafts' evaluations run in threads: done before the walk discards them
        assert rt.drafts.wait(items["draft_id"]).status == "ready"
    return out


def common_entry(rt: Runtime) -> str:
    """A common entry's id (one of the subset's, each at version 1)."""
    return next(r.entry_id for r in rt.manager.holder.snapshot.entries.values() if not r.agency)


def item_routes(param: str) -> list[tuple[str, str]]:
    return sorted(k for k in ROUTE_PERMISSIONS if "{" + param + "}" in k[1])


def test_every_role_and_agency_gets_exactly_what_the_table_grants(app, tokens):
    """The permission table does not depend on the agency: agency A's and B's tokens of a role get the same
    401/403 answers as a token of no agency (the walk of ``tests/api/test_security.py``)."""
    with TestClient(app) as client:
        for (method, path), permission in sorted(ROUTE_PERMISSIONS.items()):
            if permission is None or path in ("/metrics", "/"):
                continue
            url = path.replace("{entry_id:path}", "x").replace("{code}", "nope")
            for c in ("{call_id}", "{token_id}", "{alert_id}", "{term_id}", "{draft_id}", "{run_id}", "{notice_id}"):
                url = url.replace(c, "999999")
            for (role, agency), token in tokens.items():
                r = client.request(method, url, json={}, headers=auth(token))
                case = (role, agency, method, path, r.text[:200])
                if allowed(role, permission):
                    assert r.status_code not in (401, 403), case
                else:
                    assert r.status_code == 403, case


def test_no_token_reads_another_agencys_drafts_runs_or_suggestions(app, tokens, seeded):
    """Single items: another agency's is a 404 on every route that names one; one's own (or, for admins and
    tokens of no agency, any) is found. Lists leave the others out."""
    routes = [(m, p, param) for param in ("draft_id", "run_id") for m, p in item_routes(param)]
    routes += [("GET", "/v1/gaps/draft", "suggestion_id"), ("POST", "/v1/feedback", "suggestion_id")]
    with TestClient(app) as client:
        for (role, agency), token in tokens.items():
            me = principal(role, agency)
            for method, path, param in routes:
                permission = ROUTE_PERMISSIONS[(method, path)]
                assert permission is not None
                if not allowed(role, permission):
                    continue
                for owner, items in seeded.items():
                    ident = items[param]
                    if param == "suggestion_id":
                        r = (client.get(path, params={"suggestion_id": ident}, headers=auth(token)) if method == "GET"
                             else client.post(path, json={"suggestion_id": ident, "kind": "displayed"}, headers=auth(token)))
                    else:
                        body = {"with": None} if path.endswith("compare") else {}
                        r = client.request(method, path.replace("{" + param + "}", str(ident)), json=body,
                                           headers=auth(token))
                    seen = visible(owner, me, common=param == "run_id")
                    case = (role, agency or "none", f"on {owner or 'center'}'s", method, path, r.text[:200])
                    assert (r.status_code == 404) is (not seen), case
            if allowed(role, P.edit_kb):
                drafts = client.get("/v1/drafts", headers=auth(token)).json()
                assert {d["agency"] for d in drafts} == {a for a in AGENCIES if visible(a, me)}, (role, agency)
            if allowed(role, P.reports):
                runs = client.get("/v1/evals", headers=auth(token)).json()
                assert {r["agency"] for r in runs} == {a for a in AGENCIES if visible(a, me, common=True)}
                gaps = client.get("/v1/gaps", headers=auth(token)).json()["groups"]
                listed = {sid for g in gaps for sid in g["suggestion_ids"]}
                assert listed == {items["suggestion_id"] for a, items in seeded.items() if visible(a, me)}, (role, agency)


def test_no_token_reads_another_agencys_calls(app, tokens, seeded):
    """Every call route: another agency's call is a 404 whatever the role (``read_calls`` included); within what
    one may see, call ownership decides as before (the walk of ``tests/api/test_security.py``)."""
    names = {token: f"{role}-{agency or 'center'}" for (role, agency), token in tokens.items()}
    with TestClient(app) as client:
        for method, path in item_routes("call_id"):
            for (role, agency), token in tokens.items():
                me = principal(role, agency)
                for owner, items in seeded.items():
                    if method == "POST" and visible(owner, me):
                        continue  # writes that would change the call: the ownership walk covers them
                    body = {"speaker": "counselor", "text": "네"} if path.endswith("utterances") else {"to": "someone"}
                    r = client.request(method, path.replace("{call_id}", items["call_id"]),
                                       json=body if method == "POST" else None, headers=auth(token))
                    case = (role, agency or "none", f"on {owner or 'center'}'s call", method, path, r.text[:200])
                    if not visible(owner, me):
                        assert r.status_code == 404 and r.json()["error"]["code"] == "CallNotFound", case
                    elif names[token] == items["owner"] or allowed(role, P.read_calls):
                        assert r.status_code == 200, case
                    else:
                        assert r.status_code == 404, case


def test_an_agency_editor_edits_only_that_agencys_entries(app, tokens, rt):
    common = common_entry(rt)
    with TestClient(app) as client:
        ed = auth(tokens[(Role.editor, A)])
        body = {"title": "A 기관 새 안내", "content": "A 기관만 안내합니다.", "scope": "national"}
        made = client.post("/v1/entries", headers=ed, json={**body, "entry_id": f"{A}:new/1", "agency": ""})
        assert made.status_code == 201 and made.json()["entry"]["agency"] == A, made.text
        for entry_id in (f"{B}:new/1", "new/1"):
            r = client.post("/v1/entries", headers=ed, json={**body, "entry_id": entry_id})
            assert r.status_code == 422, (entry_id, r.text)
        assert client.post("/v1/entries", headers=ed, json={**body, "entry_id": f"{B}:n", "agency": B}).status_code == 403
        patch = {"title": "고침", "expected_version": 1}
        assert client.patch(f"/v1/entries/{B}:own/1", headers=ed, json=patch).status_code == 404
        assert client.post(f"/v1/entries/{B}:own/1/retire", headers=ed, json={"expected_version": 1}).status_code == 404
        assert client.patch(f"/v1/entries/{common}", headers=ed, json=patch).status_code == 403
        assert client.post("/v1/drafts", headers=ed, json={"action": "update", "entry_id": f"{B}:own/1",
                                                           "base_version": 1, "changes": {}}).status_code == 404
        ok = client.patch(f"/v1/entries/{A}:new/1", headers=ed, json=patch)
        assert ok.status_code == 200 and ok.json()["entry"]["version"] == 2
        # an admin of agency A and an editor of no agency edit every agency's entries
        for who in (tokens[(Role.admin, A)], tokens[(Role.editor, "")]):
            r = client.post("/v1/entries", headers=auth(who), json={**body, "entry_id": f"{B}:by-{who[:6]}", "agency": B})
            assert r.status_code == 201 and r.json()["entry"]["agency"] == B, r.text
            claim = client.post("/v1/entries", headers=auth(who), json={**body, "entry_id": f"{B}:common-{who[:6]}"})
            assert claim.status_code == 422 and "claims agency 'bb'" in claim.json()["error"]["message"]


def test_unknown_codes_are_422_listing_the_valid_ones(app, tokens):
    admin = auth(tokens[(Role.admin, "")])
    with TestClient(app) as client:
        for r in (client.post("/v1/tokens", headers=admin, json={"name": "x", "role": "counselor", "agency": "zz"}),
                  client.get("/v1/entries", headers=admin, params={"agency": "zz"}),
                  client.post("/v1/entries", headers=admin, json={"entry_id": "zz:1", "title": "t", "content": "c",
                                                                  "scope": "national", "agency": "zz"})):
            assert r.status_code == 422 and "valid: aa, bb" in r.json()["error"]["message"], r.text
        listed = client.get("/v1/entries", headers=admin, params={"agency": B}).json()
        assert listed["count"] >= 1 and all(e["agency"] == B for e in listed["data"])


def test_agencies_are_created_listed_and_deleted_and_a_deleted_agencys_token_is_401(app, tokens, rt):
    admin = auth(tokens[(Role.admin, "")])
    with TestClient(app) as client:
        assert client.post("/v1/agencies", headers=auth(tokens[(Role.editor, "")]),
                           json={"code": "cc", "name": "C"}).status_code == 403
        made = client.post("/v1/agencies", headers=admin, json={"code": "cc", "name": "기관 C", "contact": "1577"})
        assert made.status_code == 201 and made.json()["created_by"] == "admin-center"
        assert client.post("/v1/agencies", headers=admin, json={"code": "cc", "name": "again"}).status_code == 409
        assert client.post("/v1/agencies", headers=admin, json={"code": "Bad Code", "name": "x"}).status_code == 422
        listed = client.get("/v1/agencies", headers=auth(tokens[(Role.counselor, A)])).json()
        assert [a["code"] for a in listed] == [A, B, "cc"]
        issued = client.post("/v1/tokens", headers=admin, json={"name": "c-counselor", "role": "counselor", "agency": "cc"})
        assert issued.status_code == 201 and issued.json()["agency"] == "cc"
        theirs = auth(issued.json()["token"])
        assert client.get("/v1/me", headers=theirs).json()["agency"] == "cc"
        assert client.delete("/v1/agencies/cc", headers=admin).status_code == 200
        gone = client.get("/v1/me", headers=theirs)
        assert gone.status_code == 401 and "deleted" in gone.json()["error"]["message"]
        assert [a["code"] for a in client.get("/v1/agencies", headers=admin).json()] == [A, B]
        assert client.delete("/v1/agencies/cc", headers=admin).status_code == 404
    with Session(rt.engine) as s:
        actions = [e.action for e in s.exec(select(AuditEvent).where(AuditEvent.target == "cc"))]
    assert actions == ["agency.create", "agency.delete"]


def test_readable_matches_what_the_routes_filter():
    """The lists above are compared with ``visible``; ``readable`` (the SQL filter) must agree with it."""
    for role in Role:
        for agency in AGENCIES:
            me = principal(role, agency)
            for common in (False, True):
                allowed_values = readable(me, common=common)
                assert {a for a in AGENCIES if visible(a, me, common=common)} == (
                    set(AGENCIES) if allowed_values is None else set(allowed_values))


def test_metrics_count_answers_and_searches_per_agency(app, tokens, seeded):
    with TestClient(app) as client:
        assert client.post("/v1/search", headers=auth(tokens[(Role.counselor, B)]),
                           json={"question": "출산장려금"}).status_code == 200
        text = client.get("/metrics").text
    for agency in AGENCIES:  # each agency's counselor asked once while seeding
        assert f'agency="{agency}"' in text and "assistant_answers_total{" in text
    assert 'assistant_searches_total{agency="bb"} 1.0' in text


def test_demand_trends_count_only_the_agencys_own_questions(app, tokens, seeded):
    """Each agency's counselor asked once while seeding: agency A's QA counts one question, the center's all."""
    with TestClient(app) as client:
        rows = {agency: client.get("/v1/trends", headers=auth(tokens[(Role.qa, agency)])).json()["questions"]
                for agency in AGENCIES}
    assert rows[A] == rows[B] == 1 and rows[""] == len(seeded)


def test_an_agencys_currency_report_holds_only_its_own_entries_and_questions(app, tokens, seeded):
    """The 현행화 report judges who keeps which entries current: agency A's supervisor sees A's entries, in the
    JSON and in the downloadable report, not B's or the common layer's; the center sees every entry."""
    with TestClient(app) as client:
        got = {agency: client.get("/v1/currency", headers=auth(tokens[(Role.supervisor, agency)]),
                                  params={"limit": 1000}).json() for agency in AGENCIES}
        units = client.get("/v1/reports/currency", headers=auth(tokens[(Role.supervisor, A)]),
                           params={"format": "csv", "table": "units"}).text.lstrip("\ufeff").splitlines()
    ids = {agency: {e["entry_id"] for e in body["by_last_update"]} for agency, body in got.items()}
    for agency in (A, B):  # an agency's entry ids carry its code (other tests of the module add more)
        assert f"{agency}:own/1" in ids[agency] and all(e.startswith(f"{agency}:") for e in ids[agency])
    assert got[A]["entries"] == len(ids[A]) and ids[A] | ids[B] < ids[""]
    assert any(":" not in e for e in ids[""]), "the center's report holds the common layer"
    counted = sum(int(row.split(",")[3]) for row in units[1:])  # 항목 수 per unit of the downloadable report
    assert counted == len(ids[A])


def test_an_agency_editor_imports_only_that_agencys_entries(app, tokens):
    import json

    def upload(client: TestClient, who: str, rows: list[dict[str, str]], **data: str):
        body = "\n".join(json.dumps({"title": "수영장 할인", "content": "구민 수영장 할인 안내", "scope": "national",
                                     **r}, ensure_ascii=False) for r in rows).encode()
        return client.post("/v1/entries/import", headers=auth(who), data=data,
                           files={"file": ("rows.jsonl", body, "application/x-ndjson")})

    ed = tokens[(Role.editor, A)]
    with TestClient(app) as client:
        ok = upload(client, ed, [{"entry_id": f"{A}:import/1"}])
        assert ok.status_code == 200 and ok.json()["reports"][0]["added"] == [f"{A}:import/1"], ok.text
        assert client.get(f"/v1/entries/{A}:import/1", headers=auth(ed)).json()["agency"] == A
        for rows in ([{"entry_id": "import/2"}], [{"entry_id": f"{B}:import/2"}], [{"entry_id": f"{B}:own/1"}],
                     [{"entry_id": f"{A}:import/3"}, {"entry_id": f"{B}:import/3", "agency": B}]):
            r = upload(client, ed, rows)
            assert r.status_code in (403, 404, 422), (rows, r.text)
            assert client.get(f"/v1/entries/{A}:import/3", headers=auth(ed)).status_code == 404, "all or nothing"
        assert upload(client, ed, [{"entry_id": f"{A}:import/1"}], prune="true").status_code == 403
        mixed = upload(client, tokens[(Role.admin, "")], [{"entry_id": f"{B}:import/4", "agency": B},
                                                            {"entry_id": "common/import-4"}])
        assert mixed.status_code == 200, mixed.text
        assert client.get(f"/v1/entries/{B}:import/4", headers=auth(ed)).json()["agency"] == B


def test_an_agencys_qa_reads_only_what_its_agencys_tokens_did_in_the_audit_log(app, tokens, seeded):
    """Seeding drafted and filed feedback as each agency's tokens: agency A's QA reads A's rows only, and
    the center's QA (no agency) reads every agency's."""
    with TestClient(app) as client:
        pages = {agency: client.get("/v1/audit", headers=auth(tokens[(Role.qa, agency)]),
                                    params={"limit": 500}).json() for agency in AGENCIES}
    for code in (A, B):
        assert pages[code]["data"], f"agency {code} acted while seeding"
        assert {row["agency"] for row in pages[code]["data"]} == {code}
        assert {row["actor"] for row in pages[code]["data"]} <= {f"{role}-{code}" for role in Role}
    assert {A, B} <= {row["agency"] for row in pages[""]["data"]}
    assert pages[""]["count"] > pages[A]["count"] + pages[B]["count"]
