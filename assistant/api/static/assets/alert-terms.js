// The urgent-term dictionary on the supervisor's alert screen: every phrasing in use (topic, what callers
// say, region), a form to add one and a button to stop matching one. The service checks each row (an
// empty topic, an unknown region, a phrasing with nothing to match on is a 422 naming the row) and audits
// every change; a change takes effect for the next question, so nothing here waits for a restart.
import { ApiError, api, askToken, el, errorText, fillRegionSelect, formatDate, loadRegions } from "/assets/api.js";

const $ = (id) => document.getElementById(id);
let rows = [];

function matches(term, needle) {
  if (!needle) return true;
  return [term.topic, term.phrase, term.region || "전국"].some((v) => v.toLowerCase().includes(needle));
}

function render() {
  const needle = $("term-filter").value.trim().toLowerCase();
  const shown = rows.filter((t) => matches(t, needle));
  $("terms").tBodies[0].replaceChildren(...shown.map((t) => el("tr", { dataset: { termId: String(t.id) } },
    el("td", { class: "topic" }, t.topic),
    el("td", { class: "phrase" }, t.phrase),
    el("td", { class: "region" }, t.region || "전국"),
    el("td", { class: "sub" }, `${t.created_by} · ${formatDate(t.created_at)}`),
    el("td", {}, el("button", { type: "button", class: "retire", title: "이 표현을 더는 세지 않기 (기록은 남음)",
      onclick: () => retire(t) }, "중지")))));
  $("term-count").textContent = needle ? `${shown.length} / ${rows.length}개` : `${rows.length}개`;
  document.body.dataset.terms = String(rows.length);
}

function problem(err) {
  const box = $("term-problem");
  box.textContent = err instanceof ApiError && err.status === 403
    ? "이 토큰으로는 긴급 용어 사전을 고칠 수 없습니다 (상황실장·편집자·관리자 전용)." : errorText(err);
  box.hidden = false;
  $("term-done").hidden = true;
}

function done(text) {
  $("term-done").textContent = text;
  $("term-done").hidden = false;
  $("term-problem").hidden = true;
}

async function load() {
  try {
    rows = (await api("GET", "/v1/alerts/terms")).data;
    $("terms-box").dataset.state = "ready";
    render();
  } catch (err) {
    $("terms-box").dataset.state = "refused";
    $("term-form").hidden = true;
    problem(err);
  }
}

async function add(ev) {
  ev.preventDefault();
  const row = { topic: $("term-topic").value.trim(), phrase: $("term-phrase").value.trim(), region: $("term-region").value };
  $("term-add").disabled = true;
  try {
    await api("POST", "/v1/alerts/terms", { rows: [row] });
    $("term-phrase").value = "";
    done(`추가했습니다: ${row.topic} · "${row.phrase}" (${row.region || "전국"})`);
    await load();
  } catch (err) {
    problem(err);  // the form keeps what was typed, to be corrected
  } finally {
    $("term-add").disabled = false;
  }
}

async function retire(term) {
  if (!window.confirm(`"${term.phrase}" (${term.topic})를 더는 세지 않을까요? 기록은 남습니다.`)) return;
  try {
    await api("DELETE", `/v1/alerts/terms/${term.id}`);
    done(`중지했습니다: ${term.topic} · "${term.phrase}"`);
    await load();
  } catch (err) {
    problem(err);
  }
}

async function main() {
  fillRegionSelect($("term-region"), await loadRegions(), { emptyLabel: "전국 (모든 지역)" });
  $("term-form").addEventListener("submit", add);
  $("term-filter").addEventListener("input", render);
  $("change-token").addEventListener("click", async () => {
    await askToken("새 API 토큰을 입력하세요.");  // the alert list asks too: one dialog, both wait for it
    $("term-form").hidden = false;
    $("term-problem").hidden = true;
    await load();
  });
  await load();
}

main();
