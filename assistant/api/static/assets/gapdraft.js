// 지식 공백 → 새 항목: a gap group's questions and calls prefill a new entry (GET /v1/gaps/draft); the editor rewrites
// it and stages it as a create draft, which is evaluated and published like any draft (POST /v1/drafts, publish).
import { ApiError, api, el, errorText, regionLabel } from "/assets/api.js";
import { gateText, questionCase, scoresTable } from "/assets/evals.js";

const $ = (id) => document.getElementById(id);
const POLL_MS = 800;
let seq = 0;
let proposal = null;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function message(kind, ...content) {
  $("gapdraft-message").replaceChildren(kind ? el("div", { class: `msg ${kind}` }, ...content) : "");
}

/** "새 항목 초안" on a gap group: fetch the proposal and show it in the form. */
export async function openGapDraft(group) {
  const mine = ++seq;
  const box = $("gapdraft-box");
  box.hidden = false;
  message("");
  $("gapdraft-result").replaceChildren();
  $("gapdraft-source").textContent = "불러오는 중…";
  const params = new URLSearchParams();
  for (const id of group.suggestion_ids) params.append("suggestion_id", String(id));
  try {
    proposal = await api("GET", `/v1/gaps/draft?${params}`);
  } catch (err) {
    $("gapdraft-source").textContent = errorText(err);
    return;
  }
  if (mine !== seq) return;
  $("gapdraft-id").value = proposal.entry_id;
  $("gapdraft-title").value = proposal.title;
  $("gapdraft-content").value = proposal.content;
  $("gapdraft-category").value = proposal.category;
  $("gapdraft-region").textContent = `${{ national: "전국", sido: "시도", sigungu: "시군구" }[proposal.scope]} · ${regionLabel(proposal)}`;
  $("gapdraft-source").textContent = `질문 ${proposal.questions.length}건, 통화 기록 ${proposal.records.length}건에서 만들었습니다. 본문을 안내할 내용으로 고쳐 쓴 뒤 초안으로 검토하세요.`;
  $("gapdraft-stage").disabled = false;
  box.scrollIntoView({ block: "start" });
  $("gapdraft-title").focus();
}

async function stage(ev) {
  ev.preventDefault();
  if (!proposal) return;
  const mine = ++seq;
  const changes = {
    title: $("gapdraft-title").value.trim(), content: $("gapdraft-content").value, scope: proposal.scope,
    sido: proposal.sido, sigungu: proposal.sigungu, category: $("gapdraft-category").value.trim(),
  };
  const entryId = $("gapdraft-id").value.trim();
  $("gapdraft-stage").disabled = true;
  const out = $("gapdraft-result");
  out.replaceChildren(el("p", { class: "status busy" }, "초안을 만드는 중…"));
  let d;
  try {
    d = await api("POST", "/v1/drafts", { action: "create", entry_id: entryId, base_version: 0, changes, note: proposal.note });
    while (d.status === "evaluating") {
      out.replaceChildren(el("p", { class: "status busy", id: "gapdraft-status" }, `평가 중… 초안 #${d.id}을(를) 평가 질문으로 채점하고 있습니다.`));
      await sleep(POLL_MS);
      if (mine !== seq) return;
      d = await api("GET", `/v1/drafts/${d.id}`);
    }
  } catch (err) {
    $("gapdraft-stage").disabled = false;
    const taken = err instanceof ApiError && err.status === 409;
    out.replaceChildren(el("div", { class: "msg bad" }, taken ? `항목 ID ${entryId}은(는) 이미 있습니다. 다른 ID를 쓰세요.` : errorText(err)));
    return;
  }
  const ev2 = d.evaluation || {};
  if (d.status === "failed") {
    $("gapdraft-stage").disabled = false;
    out.replaceChildren(el("div", { class: "msg bad" }, `평가하지 못했습니다: ${ev2.error || "알 수 없는 오류"}`));
    return;
  }
  const passed = d.passed !== false;
  out.replaceChildren(
    el("div", { class: "toolbar", id: "gapdraft-verdict", dataset: { passed: String(passed), draftId: String(d.id) } },
      el("span", { class: `badge ${passed ? "pass" : "fail"}` }, passed ? "기준 통과" : "기준 미달"),
      el("span", {}, `초안 #${d.id} · 평가 질문 ${ev2.n_questions ?? "?"}개 · 나빠짐 ${(ev2.regressed || []).length}`)),
    ev2.gates?.length ? el("ul", { class: "gates msg bad" }, ev2.gates.map((g) => el("li", {}, gateText(g)))) : "",
    scoresTable(ev2.scores?.before, ev2.scores?.after, { id: "gapdraft-scores" }),
    (ev2.regressed || []).length ? el("ul", { class: "qcases" }, ev2.regressed.map((q) => questionCase(q))) : "",
    el("div", { class: "toolbar mt-6" },
      el("button", { type: "button", class: "primary", id: "gapdraft-publish", disabled: !passed, onclick: () => publish(d) }, "게시")));
}

async function publish(d) {
  $("gapdraft-publish").disabled = true;
  try {
    const change = await api("POST", `/v1/drafts/${d.id}/publish`, { override: false });
    message("ok", el("span", { id: "gapdraft-published" }, `새 항목을 게시했습니다: ${change.entry.entry_id} (v${change.entry.version}). 검색에 바로 반영되었습니다.`), " ",
      el("a", { href: `/editor/?opened=${encodeURIComponent(change.entry.entry_id)}#entry=${encodeURIComponent(change.entry.entry_id)}` },
        "편집 화면에서 열기"));  // another query string: the page loads again and opens the entry from the hash
    proposal = null;
    $("gapdraft-stage").disabled = true;
  } catch (err) {
    $("gapdraft-publish").disabled = false;
    message("bad", `게시하지 못했습니다: ${errorText(err)}`);
  }
}

export function initGapDrafts() {
  $("gapdraft-form").addEventListener("submit", stage);
  $("gapdraft-close").addEventListener("click", () => { seq += 1; proposal = null; $("gapdraft-box").hidden = true; });
}
