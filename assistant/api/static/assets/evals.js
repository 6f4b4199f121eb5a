// Evaluation screens of the editor: drafts (stage → evaluate → publish), what a save changed, and the QA tab.
// The service scores every manual update on its evaluation questions; these screens only read and show it.
// Gate messages and per-question changes come from the service in English; they are shown in Korean here.
import { ApiError, api, el, errorText, formatDate } from "/assets/api.js";

const $ = (id) => document.getElementById(id);

export const METRIC_LABEL = {
  "hit@1": "1위 적중률",
  "hit@3": "3위 내 적중률",
  "hit@5": "5위 내 적중률",
  "hit@10": "10위 내 적중률",
  "recall@5": "5위 내 재현율",
  "recall@10": "10위 내 재현율",
  "mrr@10": "MRR@10",
  "ndcg@10": "nDCG@10",
  key_fact_coverage: "핵심 정보 포함률",
  citation_precision: "인용 정확도",
  citation_recall: "인용 재현율",
  grounded_sentence_rate: "근거 있는 문장 비율",
  numeric_exactness: "숫자 정확도",
  abstention_precision: "보류 정밀도",
  abstention_recall: "범위 밖 질문 보류율",
  false_abstention_rate: "잘못된 보류율",
  unsupported_sentences: "근거 없는 문장 수",
};
// the scores a list shows first, in this order
const HEADLINE = ["retrieval.hit@1", "retrieval.hit@5", "retrieval.mrr@10", "answer.key_fact_coverage",
  "answer.citation_precision", "answer.grounded_sentence_rate", "answer.abstention_recall", "answer.false_abstention_rate"];
const STATUS_LABEL = { queued: "대기 중", running: "평가 중", done: "완료", failed: "실패" };
const TYPE_LABEL = { direct: "직접", region: "지역", colloquial: "구어체", paraphrase: "바꿔 말하기", foreign: "외국어", out_of_kb: "범위 밖" };
const LANG_LABEL = { ko: "한국어", en: "영어", zh: "중국어", ja: "일본어", vi: "베트남어" };
const POLL_MS = 800;

const lowerIsBetter = (key) => /false_abstention|unsupported|latency|p50|p95/.test(key);

/** "retrieval.hit@1" (or a gate path "retrieval.overall.hit@1") → "1위 적중률 (검색)". */
export function metricLabel(key) {
  const parts = String(key).split(".");
  const name = parts[parts.length - 1];
  const part = parts[0] === "retrieval" ? "검색" : parts[0] === "answer" ? "답변" : "";
  let group = "";
  if (parts.length >= 4 && parts[1].startsWith("by_")) {
    const g = parts.slice(2, -1).join(".");
    group = ` · ${TYPE_LABEL[g] || LANG_LABEL[g] || g}`;
  }
  return `${METRIC_LABEL[name] || name}${part ? ` (${part}${group})` : ""}`;
}

const isCount = (key) => /unsupported_sentences$/.test(key || "");

/** Scores with three decimals (1 is 1.000, so a column lines up); counts as they are. */
export function fmtScore(v, key = "") {
  if (v === null || v === undefined || Number.isNaN(v)) return "—";
  if (isCount(key)) return String(v);
  return Number(v).toFixed(3);
}

function fmtDelta(d, key = "") {
  if (!d || Math.abs(d) < 1e-9) return "0";
  return `${d > 0 ? "+" : "−"}${isCount(key) ? Math.abs(d) : Math.abs(d).toFixed(3)}`;
}

/** "worse", "better" or "" for a change of one score (some scores are better lower). */
function direction(key, delta) {
  if (!delta || Math.abs(delta) < 1e-9) return "";
  const up = delta > 0;
  return (lowerIsBetter(key) ? !up : up) ? "better" : "worse";
}

/** A failed gate in plain Korean: "1위 적중률 (검색)이 0.750으로, 최소 기준 0.832에 못 미칩니다." */
export function gateText(g) {
  const label = metricLabel(g.path || "");
  if (g.actual === null || g.actual === undefined) return `${label}: 이번 평가에 없는 점수라 기준을 확인할 수 없습니다.`;
  if (g.bound === "max") return `${label}: ${fmtScore(g.actual, g.path)} — 최대 기준 ${fmtScore(g.limit, g.path)}을(를) 넘었습니다.`;
  return `${label}: ${fmtScore(g.actual, g.path)} — 최소 기준 ${fmtScore(g.limit, g.path)}에 못 미칩니다.`;
}

/** The comparison's per-question changes ("rank of gold 3 → 1", "key facts 0/2 → 1/2", ...) in Korean. */
export function changeText(c) {
  let m = /^rank of gold (\S+) → (\S+)$/.exec(c);
  if (m) {
    const r = (x) => (x === "-" ? "10위 밖" : `${x}위`);
    return `정답 항목 순위 ${r(m[1])} → ${r(m[2])}`;
  }
  m = /^key facts (\S+) → (\S+)$/.exec(c);
  if (m) return `핵심 정보 ${m[1]} → ${m[2]}`;
  m = /^(abstained|answered) \(was (abstained|answered); (right|wrong) now\)$/.exec(c);
  if (m) {
    const w = (x) => (x === "abstained" ? "답변 보류" : "답변함");
    return `${w(m[2])} → ${w(m[1])} (${m[3] === "right" ? "지금이 맞음" : "지금이 틀림"})`;
  }
  return c;
}

function triggerText(t) {
  if (!t) return "—";
  return t.split("; ").map((part) => {
    const m = /^(entry\.create|entry\.update|entry\.retire|kb\.import) (.*)$/.exec(part);
    if (m) return `${{ "entry.create": "새 항목", "entry.update": "수정", "entry.retire": "폐지", "kb.import": "가져오기" }[m[1]]} ${m[2]}`;
    const manual = /^(.*) by (.+)$/.exec(part);
    if (manual) return `${manual[1] === "manual" ? "수동 실행" : manual[1]} (${manual[2]})`;
    return part;
  }).join("; ");
}

const VERDICT_LABEL = { "within noise": "우연 범위", better: "유의하게 좋아짐", worse: "유의하게 나빠짐" };

/** "0.926–0.981": the score's 95% bootstrap interval over questions, when the run has one. */
function intervalText(ci) {
  return ci ? `${fmtScore(ci.low)}–${fmtScore(ci.high)}` : "";
}

/** "우연 범위 · p 0.63 · ▲3 ▼1": whether a change is beyond what chance gives, and the questions it rests on. */
function verdictText(sig) {
  if (!sig || sig.verdict === "same") return "";
  return `${VERDICT_LABEL[sig.verdict] || sig.verdict} · p ${Number(sig.p).toFixed(2)} · ▲${sig.better} ▼${sig.worse}`;
}

function verdictTitle(sig) {
  return sig && sig.verdict !== "same" ? `좋아진 질문 ${sig.better}개, 나빠진 질문 ${sig.worse}개 (공통 질문 ${sig.n}개)` : null;
}

/** A table of scores: before, after and the change (worse in red, better in green). ``intervals``: a run's
 * 95% intervals (shown beside its scores); ``significance``: per score, whether the change is beyond noise. */
export function scoresTable(before, after, { id, keys, intervals, significance } = {}) {
  const all = keys || [...new Set([...HEADLINE.filter((k) => k in (after || {}) || k in (before || {})),
    ...Object.keys(after || {}), ...Object.keys(before || {})])];
  if (!before) {  // one run on its own: its scores, and how far each could move on another set of its size
    const ci = intervals || {};
    return el("table", { class: "scores", id },
      el("thead", {}, el("tr", {}, el("th", {}, "지표"), el("th", {}, "점수"),
        intervals ? el("th", { title: "같은 크기의 다른 질문 세트라면 점수가 95% 확률로 들어올 범위 (질문 부트스트랩)" }, "95% 구간") : null)),
      el("tbody", {}, all.map((k) => el("tr", { dataset: { metric: k } }, el("th", {}, metricLabel(k)), el("td", {}, fmtScore(after?.[k], k)),
        intervals ? el("td", { class: "ci" }, intervalText(ci[k])) : null))));
  }
  const sig = significance || {};
  return el("table", { class: "scores", id },
    el("thead", {}, el("tr", {}, el("th", {}, "지표"), el("th", {}, "이전"), el("th", {}, "이후"), el("th", {}, "변화"),
      significance ? el("th", { title: "같은 질문의 이전·이후를 짝지어 본 부호 뒤집기 검정 (양측, p < 0.05면 유의)" }, "판정") : null)),
    el("tbody", {}, all.map((k) => {
      const a = before?.[k];
      const b = after?.[k];
      const delta = typeof a === "number" && typeof b === "number" ? b - a : null;
      const dir = direction(k, delta);
      return el("tr", { class: dir, dataset: { metric: k, verdict: sig[k]?.verdict || "" } },
        el("th", {}, metricLabel(k)), el("td", {}, fmtScore(a, k)), el("td", {}, fmtScore(b, k)),
        el("td", { class: `delta ${dir}` }, delta === null ? "—" : fmtDelta(delta, k)),
        significance ? el("td", { class: "verdict", title: verdictTitle(sig[k]) }, verdictText(sig[k])) : null);
    })));
}

/** One question that changed: the question, what changed, and the answers before and after side by side. */
export function questionCase(q, kind = "regressed") {
  return el("li", { class: `qcase ${kind}`, dataset: { qid: q.qid } },
    el("div", { class: "q" }, el("span", { class: "badge" }, q.qid), " ", q.question),
    q.changes?.length ? el("div", { class: "changes-line" }, q.changes.map((c) => el("span", { class: "chip" }, changeText(c)))) : null,
    el("div", { class: "ab" },
      el("div", { class: "before" }, el("div", { class: "label" }, "이전 답변"), el("div", { class: "text" }, q.answer_before || "(답변 없음)")),
      el("div", { class: "after" }, el("div", { class: "label" }, "이후 답변"), el("div", { class: "text" }, q.answer_after || "(답변 없음)"))));
}

function questionList(items, kind, id) {
  return el("ul", { class: "qcases", id }, items.map((q) => questionCase(q, kind)));
}

function gatesBox(gates, id) {
  return el("div", { class: "msg bad", id },
    el("strong", {}, "품질 기준을 통과하지 못했습니다."),
    el("ul", { class: "gates" }, gates.map((g) => el("li", {}, gateText(g)))));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** replaceChildren that skips null and false (optional parts) and flattens arrays, as el() does. */
function put(node, ...children) {
  node.replaceChildren(...children.flat(2).filter((c) => c !== null && c !== undefined && c !== false));
}

// ---------- drafts ----------

let hooks = { isAdmin: () => false, onPublished: () => {}, onConflict: () => {}, onOpenDraft: () => {} };
let draftSeq = 0;
let draft = null;  // the draft on screen

/** editor.js tells this module who is signed in and what to do after a publish or a stale draft. */
export function setupDrafts(h) {
  hooks = { ...hooks, ...h };
}

/** Forget the draft on screen (another entry was opened); the draft itself stays on the server. */
export function closeDraft() {
  draftSeq += 1;
  draft = null;
  $("draft-box").hidden = true;
  $("draft-body").replaceChildren();
}

function draftMessage(kind, ...content) {
  const box = $("draft-message");
  if (!box) return;
  box.replaceChildren(kind ? el("div", { class: `msg ${kind}` }, ...content) : "");
}

/** Stage the form's changes as a draft, wait for its evaluation and show it. */
export async function stageDraft({ entryId, baseVersion, changes, note }) {
  const seq = ++draftSeq;
  const body = $("draft-body");
  $("draft-box").hidden = false;
  body.replaceChildren(el("p", { class: "status busy", id: "draft-creating" }, "초안을 만드는 중…"));
  let d;
  try {
    d = await api("POST", "/v1/drafts", { action: "update", entry_id: entryId, base_version: baseVersion, changes, note });
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) {
      body.replaceChildren(el("div", { class: "msg bad", id: "draft-stale" },
        "초안을 만들지 못했습니다: 편집을 시작한 뒤 다른 사람이 이 항목을 수정했습니다. 작성 중인 내용은 양식에 그대로 남아 있습니다."));
      hooks.onConflict(err, baseVersion);
    } else {
      body.replaceChildren(el("div", { class: "msg bad" }, `초안을 만들지 못했습니다: ${errorText(err)}`));
    }
    return;
  }
  draft = d;
  $("draft-box").scrollIntoView({ block: "start" });
  const started = Date.now();
  while (d.status === "evaluating") {
    body.replaceChildren(el("p", { class: "status busy", id: "draft-status" },
      `평가 중… 초안 #${d.id}을(를) 평가 질문으로 채점하고 있습니다 (${Math.round((Date.now() - started) / 1000)}초).`));
    await sleep(POLL_MS);
    if (seq !== draftSeq) return;
    try {
      d = await api("GET", `/v1/drafts/${d.id}`);
    } catch (err) {
      body.replaceChildren(el("div", { class: "msg bad" }, `평가 결과를 불러오지 못했습니다: ${errorText(err)}`));
      return;
    }
    if (Date.now() - started > 300_000) {
      body.replaceChildren(el("div", { class: "msg warn" }, "평가가 5분 넘게 끝나지 않았습니다. 잠시 뒤 다시 초안으로 검토해 보세요."));
      return;
    }
  }
  if (seq !== draftSeq) return;
  draft = d;
  renderDraft(d);
}

/** When an entry is opened: its drafts still waiting to be published (staged earlier, or by someone else). */
export async function showEntryDrafts(entryId) {
  const seq = draftSeq;
  let drafts;
  try {
    const lists = await Promise.all(["ready", "evaluating"].map((st) => api("GET", `/v1/drafts?status=${st}&limit=200`)));
    drafts = lists.flat().filter((d) => d.entry_id === entryId).sort((a, b) => b.id - a.id);
  } catch {
    return;  // a token without edit_kb: no drafts to show
  }
  if (seq !== draftSeq || !drafts.length) return;
  $("draft-box").hidden = false;
  put($("draft-body"), el("div", { id: "entry-drafts" },
    el("p", { class: "status" }, `이 항목에 아직 게시되지 않은 초안이 ${drafts.length}개 있습니다.`),
    el("ul", { class: "list" }, drafts.map((d) => el("li", {},
      el("button", { type: "button", class: "item", dataset: { draftId: String(d.id) }, onclick: () => openDraft(d.id) },
        el("div", { class: "toolbar" }, el("strong", {}, `초안 #${d.id}`),
          d.status === "evaluating" ? el("span", { class: "badge run-running" }, "평가 중")
            : el("span", { class: `badge ${d.passed === false ? "fail" : "pass"}` }, d.passed === false ? "기준 미달" : "기준 통과"),
          el("span", { class: "spacer" }), el("span", { class: "quiet" }, `${d.author} · ${formatDate(d.created_at)}`)),
        el("div", { class: "sub" }, `v${d.base_version}에서 · ${d.note || "사유 없음"}`)))))));
}

async function openDraft(draftId) {
  const seq = ++draftSeq;
  let d;
  try {
    d = await api("GET", `/v1/drafts/${draftId}`);
    while (d.status === "evaluating") {
      put($("draft-body"), el("p", { class: "status busy", id: "draft-status" }, `평가 중… 초안 #${d.id}`));
      await sleep(POLL_MS);
      if (seq !== draftSeq) return;
      d = await api("GET", `/v1/drafts/${draftId}`);
    }
  } catch (err) {
    put($("draft-body"), el("div", { class: "msg bad" }, errorText(err)));
    return;
  }
  if (seq !== draftSeq) return;
  draft = d;
  hooks.onOpenDraft(d);  // the form shows what the draft would publish
  renderDraft(d);
}

function renderDraft(d) {
  const body = $("draft-body");
  const ev = d.evaluation || {};
  if (d.status === "failed") {
    body.replaceChildren(el("div", { class: "msg bad", id: "draft-error" }, `평가하지 못했습니다: ${ev.error || "알 수 없는 오류"}`),
      draftActions(d));
    return;
  }
  const regressed = ev.regressed || [];
  const improved = ev.improved || [];
  const passed = d.passed !== false;
  put(body,
    el("div", { class: "toolbar", id: "draft-verdict", dataset: { passed: String(passed) } },
      el("span", { class: `badge ${passed ? "pass" : "fail"}` }, passed ? "기준 통과" : "기준 미달"),
      el("span", {}, `초안 #${d.id} · 평가 질문 ${ev.n_questions ?? "?"}개 · 나빠짐 ${regressed.length} · 좋아짐 ${improved.length}`)),
    ev.gates?.length ? gatesBox(ev.gates, "draft-gates") : null,
    el("div", { class: "box-title", style: "margin-top:8px" }, "점수: 지금 → 초안을 게시하면"),
    scoresTable(ev.scores?.before, ev.scores?.after, { id: "draft-scores" }),
    regressed.length ? [el("div", { class: "box-title", style: "margin-top:8px" }, `나빠진 질문 ${regressed.length}개`),
      questionList(regressed, "regressed", "draft-regressed")]
      : el("p", { class: "msg ok", id: "draft-regressed", style: "margin-top:8px" }, "나빠진 질문 없음"),
    improved.length ? el("details", { class: "quiet-details" }, el("summary", {}, `좋아진 질문 ${improved.length}개`),
      questionList(improved, "improved", "draft-improved")) : null,
    el("div", { id: "draft-message", role: "alert" }),
    draftActions(d));
}

function draftActions(d) {
  const ready = d.status === "ready";
  const overrideForm = el("form", { class: "reasons", id: "override-form", hidden: true, onsubmit: (ev) => { ev.preventDefault(); publish(true); } },
    el("div", { class: "field" },
      el("label", { for: "override-reason" }, "게시 사유 (필수, 감사 기록에 남습니다)"),
      el("input", { type: "text", id: "override-reason", maxlength: 500, placeholder: "예: 사업 종료 공지를 먼저 내보내야 함",
        oninput: () => draftMessage("") })),
    el("div", { class: "toolbar" },
      el("button", { type: "submit", class: "danger small", id: "override-confirm" }, "사유를 남기고 게시"),
      el("button", { type: "button", class: "small", onclick: () => { $("override-form").hidden = true; } }, "취소")));
  return el("div", { id: "draft-actions" },
    el("div", { class: "toolbar", style: "margin-top:8px" },
      ready ? el("button", { type: "button", class: "primary", id: "draft-publish", onclick: () => publish(false) }, "게시") : null,
      ready && d.passed === false && hooks.isAdmin()
        ? el("button", { type: "button", class: "danger", id: "draft-override",
          onclick: () => { $("override-form").hidden = false; $("override-reason").focus(); } }, "관리자 권한으로 게시") : null,
      el("span", { class: "spacer" }),
      el("button", { type: "button", id: "draft-discard", onclick: discard }, "초안 삭제")),
    overrideForm);
}

async function publish(override) {
  if (!draft) return;
  const reason = override ? $("override-reason").value.trim() : "";
  if (override && !reason) {
    draftMessage("bad", "관리자 권한으로 게시하려면 사유를 입력하세요.");
    $("override-reason").focus();
    return;
  }
  const d = draft;
  for (const id of ["draft-publish", "draft-override", "override-confirm"]) if ($(id)) $(id).disabled = true;
  try {
    const change = await api("POST", `/v1/drafts/${d.id}/publish`, override ? { override: true, reason } : { override: false });
    // the draft's evaluation is history now: what the published version does is shown above, under the save
    put($("draft-body"), el("div", { class: "msg ok", id: "draft-published" },
      `초안 #${d.id}을(를) 게시했습니다: 새 버전 v${change.entry.version}${override ? " (관리자 권한으로, 사유는 감사 기록에 남았습니다)" : ""}. `
      + "실제 평가 결과는 위 ‘이 변경이 답변에 준 영향’에 나옵니다."));
    draft = null;
    hooks.onPublished(change, d);
  } catch (err) {
    for (const id of ["draft-publish", "draft-override", "override-confirm"]) if ($(id)) $(id).disabled = false;
    const code = err instanceof ApiError ? err.code : "";
    if (code === "GateFailed") {
      draftMessage("bad", el("div", { id: "publish-refused" },
        el("strong", {}, "게시할 수 없습니다: 이 초안은 품질 기준을 통과하지 못했습니다."),
        el("ul", { class: "gates" }, (d.evaluation?.gates || []).map((g) => el("li", {}, gateText(g)))),
        hooks.isAdmin() ? "관리자 권한으로 사유를 남기고 게시할 수 있습니다." : "내용을 고쳐 다시 초안으로 검토하거나, 관리자에게 게시를 요청하세요."));
    } else if (code === "VersionConflict") {
      draftMessage("bad", el("div", { id: "draft-stale" },
        "게시하지 못했습니다: 초안을 만든 뒤 다른 사람이 이 항목을 수정했습니다. 작성 중인 내용은 양식에 그대로 남아 있습니다."));
      hooks.onConflict(err, d.base_version);
    } else if (err instanceof ApiError && err.status === 403) {
      draftMessage("bad", "관리자만 품질 기준을 통과하지 못한 초안을 게시할 수 있습니다.");
    } else if (err instanceof ApiError && err.status === 422) {
      draftMessage("bad", "게시 사유를 입력하세요.");
    } else {
      draftMessage("bad", `게시하지 못했습니다: ${errorText(err)}`);
    }
  }
}

async function discard() {
  if (!draft) {
    closeDraft();
    return;
  }
  try {
    await api("DELETE", `/v1/drafts/${draft.id}`);
    $("draft-actions").replaceChildren();
    draftMessage("ok", el("span", { id: "draft-discarded" }, `초안 #${draft.id}을(를) 삭제했습니다. 편집 중인 내용은 양식에 그대로 있습니다.`));
    draft = null;
  } catch (err) {
    draftMessage("bad", `초안을 삭제하지 못했습니다: ${errorText(err)}`);
  }
}

// ---------- what a save changed ----------

let watchSeq = 0;

export function stopSaveEval() {
  watchSeq += 1;
  $("save-eval").replaceChildren();
}

/** After a save: find the evaluation run queued for this entry and show its result as it arrives. */
export async function watchSaveEval(entryId) {
  const seq = ++watchSeq;
  const box = $("save-eval");
  const status = el("p", { class: "status busy", id: "save-eval-status" }, "이 변경의 평가를 찾는 중…");
  const result = el("div", { id: "save-eval-result" });
  box.replaceChildren(el("div", { class: "box-title", style: "margin-top:10px" }, "이 변경이 답변에 준 영향"), status, result);
  const started = Date.now();
  let shownAffected = false;
  for (;;) {
    let runs;
    try {
      runs = await api("GET", "/v1/evals?limit=20");
    } catch (err) {
      if (seq !== watchSeq) return;
      status.classList.remove("busy");
      status.textContent = err instanceof ApiError && err.status === 403
        ? "이 토큰으로는 평가 결과를 볼 수 없습니다." : `평가 결과를 불러오지 못했습니다: ${errorText(err)}`;
      return;
    }
    if (seq !== watchSeq) return;
    const run = runs.find((r) => (r.changed || []).includes(entryId));
    const waited = Date.now() - started;
    if (!run) {
      if (waited > 15_000) {
        status.classList.remove("busy");
        status.textContent = "이 변경에 대한 평가 실행이 없습니다 (변경 시 평가가 꺼져 있을 수 있습니다). 품질 평가 탭에서 ‘지금 평가’로 실행할 수 있습니다.";
        return;
      }
    } else if (run.status === "queued") {
      status.textContent = `평가 대기 중… (실행 #${run.id})`;
    } else if (run.status === "running") {
      const n = (run.affected || []).length;
      status.textContent = run.phase === "affected" || !run.phase
        ? `영향 받는 질문 ${n}개를 먼저 평가 중… (실행 #${run.id})`
        : `전체 질문 평가 중… (실행 #${run.id}; 영향 받는 질문 ${n}개는 채점 끝)`;
      if (run.phase === "full" && !shownAffected && Object.keys(run.affected_scores || {}).length) {
        shownAffected = true;
        result.replaceChildren(el("div", { class: "quiet" }, `영향 받는 질문 ${n}개의 점수`),
          scoresTable(null, run.affected_scores, { id: "save-eval-affected" }));
      }
    } else if (run.status === "failed") {
      status.classList.remove("busy");
      status.textContent = `평가가 실패했습니다 (실행 #${run.id}): ${run.error || ""}`;
      return;
    } else if (run.status === "done") {
      status.classList.remove("busy");
      status.hidden = true;
      await showRunOutcome(run, result, seq);
      return;
    }
    if (waited > 300_000) {
      status.classList.remove("busy");
      status.textContent = "평가가 5분 넘게 끝나지 않았습니다. 품질 평가 탭에서 나중에 확인하세요.";
      return;
    }
    await sleep(POLL_MS);
    if (seq !== watchSeq) return;
  }
}

async function showRunOutcome(run, box, seq) {
  const verdict = el("div", { class: "toolbar", id: "save-eval-verdict", dataset: { runId: String(run.id), passed: String(run.passed) } },
    el("span", { class: `badge ${run.passed === false ? "fail" : "pass"}` }, run.passed === false ? "기준 미달" : "기준 통과"),
    el("span", {}, `실행 #${run.id} 완료 · 영향 받은 질문 ${(run.affected || []).length}개`));
  let compare = null;
  try {
    compare = await api("GET", `/v1/evals/${run.id}/compare`);
  } catch {
    compare = null;  // the first run has nothing before it
  }
  if (seq !== watchSeq) return;
  const parts = [verdict];
  if (run.gates?.length) parts.push(gatesBox(run.gates, "save-eval-gates"));
  if (compare) {
    const before = Object.fromEntries(Object.entries(compare.scores).map(([k, s]) => [k, s.a]));
    const keys = HEADLINE.filter((k) => k in run.scores);
    parts.push(el("div", { class: "quiet" }, `이전 실행 #${compare.with_id}과(와) 비교`),
      scoresTable(before, run.scores, { id: "save-eval-scores", keys }));
    const regressed = compare.questions.regressed || [];
    parts.push(regressed.length
      ? el("div", {}, el("div", { class: "box-title", style: "margin-top:8px" }, `나빠진 질문 ${regressed.length}개`),
        questionList(regressed, "regressed", "save-eval-regressed"))
      : el("p", { class: "msg ok", id: "save-eval-regressed" }, "나빠진 질문 없음"));
  } else {
    parts.push(el("div", { class: "quiet" }, "비교할 이전 평가가 없어 점수만 보여 줍니다."),
      scoresTable(null, run.scores, { id: "save-eval-scores" }));
  }
  box.replaceChildren(...parts);
}

// ---------- QA tab ----------

let runsTimer = null;
let shownRun = null;

export function initEvalsTab() {
  $("evals-run").addEventListener("click", runNow);
  $("evals-refresh").addEventListener("click", () => loadRuns());
}

/** Called when the tab is shown (and again while a run is waiting or running). */
export async function loadRuns() {
  clearTimeout(runsTimer);
  const list = $("evals-list");
  $("evals-status").textContent = list.children.length ? $("evals-status").textContent : "불러오는 중…";
  let runs;
  try {
    runs = await api("GET", "/v1/evals?limit=30");
  } catch (err) {
    $("evals-status").textContent = errorText(err);
    return;
  }
  $("evals-status").textContent = runs.length ? `최근 ${runs.length}회` : "아직 평가 실행이 없습니다. ‘지금 평가’를 눌러 보세요.";
  list.replaceChildren(el("ul", { class: "list runs", id: "evals-runs" }, runs.map(runItem)));
  const busy = runs.some((r) => r.status === "queued" || r.status === "running");
  if (busy && !$("view-evals").hidden) runsTimer = setTimeout(loadRuns, 1500);
  if (shownRun) {
    const again = runs.find((r) => r.id === shownRun.id);
    if (again && again.status !== shownRun.status) showRun(again.id, { scroll: false });  // it finished meanwhile
  }
}

function runItem(r) {
  const s = r.scores || {};
  const verdict = r.status !== "done" ? null
    : el("span", { class: `badge ${r.passed === false ? "fail" : "pass"}` }, r.passed === false ? `기준 미달 ${r.gates.length}` : "기준 통과");
  return el("li", {}, el("button", { type: "button", class: "item", dataset: { runId: String(r.id), status: r.status }, onclick: () => showRun(r.id) },
    el("div", { class: "toolbar" }, el("strong", {}, `#${r.id}`),
      el("span", { class: `badge run-${r.status}` }, STATUS_LABEL[r.status] || r.status), verdict,
      el("span", { class: "spacer" }), el("span", { class: "quiet" }, formatDate(r.finished_at || r.created_at))),
    el("div", { class: "sub" }, el("span", { class: "trigger" }, triggerText(r.trigger))),
    r.status === "done" ? el("div", { class: "sub" },
      el("span", {}, `1위 적중 ${fmtScore(s["retrieval.hit@1"])}`), el("span", {}, `MRR ${fmtScore(s["retrieval.mrr@10"])}`),
      el("span", {}, `핵심 정보 ${fmtScore(s["answer.key_fact_coverage"])}`)) : null,
    r.status === "failed" && r.error ? el("div", { class: "sub bad-text" }, r.error.slice(0, 200)) : null));
}

async function runNow() {
  $("evals-run").disabled = true;
  try {
    const res = await api("POST", "/v1/evals", { note: "manual" });
    $("evals-status").textContent = `평가를 대기열에 넣었습니다 (실행 #${res.run_id}).`;
    await loadRuns();
    $("evals-status").textContent = `평가를 대기열에 넣었습니다 (실행 #${res.run_id}).`;
  } catch (err) {
    $("evals-status").textContent = errorText(err);
  } finally {
    $("evals-run").disabled = false;
  }
}

function failedRow(r) {
  if (r.gold?.length && r.rank !== 1) return true;
  if ((r.key_facts_found || []).some((f) => !f)) return true;
  return Boolean(r.abstained) === Boolean(r.gold?.length);  // abstaining is right only without a gold entry
}

/** Scores by a group (type, lang, region) as one compact table: n, hit@1, MRR@10, key facts. */
function groupTable(summary, by, label, names, id) {
  const ret = summary?.retrieval?.[by] || {};
  const ans = summary?.answer?.[by] || {};
  const groups = [...new Set([...Object.keys(ret), ...Object.keys(ans)])];
  if (!groups.length) return null;
  return el("table", { class: "scores compact", id },
    el("thead", {}, el("tr", {}, el("th", {}, label), el("th", {}, "질문"), el("th", {}, "1위"), el("th", {}, "MRR"), el("th", {}, "핵심 정보"))),
    el("tbody", {}, groups.map((g) => el("tr", {},
      el("th", {}, names[g] ? `${names[g]}` : g),
      el("td", {}, ans[g]?.n ?? ret[g]?.n ?? "—"),
      el("td", {}, fmtScore(ret[g]?.["hit@1"])), el("td", {}, fmtScore(ret[g]?.["mrr@10"])),
      el("td", {}, fmtScore(ans[g]?.key_fact_coverage))))));
}

async function showRun(runId, { scroll = true } = {}) {
  const box = $("eval-detail");
  const body = $("eval-detail-body");
  box.hidden = false;
  $("eval-detail-title").textContent = `평가 실행 #${runId}`;
  body.replaceChildren(el("p", { class: "status" }, "불러오는 중…"));
  let run;
  try {
    run = await api("GET", `/v1/evals/${runId}?results=true`);
  } catch (err) {
    body.replaceChildren(el("div", { class: "msg bad" }, errorText(err)));
    return;
  }
  shownRun = run;
  const rows = run.results || [];
  const onlyFailed = el("input", { type: "checkbox", id: "eval-only-failed" });
  const qlist = el("ul", { class: "qrows", id: "eval-questions" });
  const fill = () => {
    const shown = onlyFailed.checked ? rows.filter(failedRow) : rows;
    qlist.replaceChildren(...shown.map(questionRow));
    $("eval-questions-count").textContent = `${shown.length} / ${rows.length}개`;
  };
  onlyFailed.addEventListener("change", fill);
  const compareBox = el("div", { id: "eval-compare" });
  const meta = run.meta || {};
  put(body,
    el("div", { class: "toolbar", id: "eval-detail-head", dataset: { runId: String(run.id), status: run.status } },
      el("span", { class: `badge run-${run.status}` }, STATUS_LABEL[run.status] || run.status),
      run.status === "done" ? el("span", { class: `badge ${run.passed === false ? "fail" : "pass"}` }, run.passed === false ? "기준 미달" : "기준 통과") : null,
      el("span", { class: "quiet" }, `${triggerText(run.trigger)} · ${formatDate(run.created_at)}`)),
    el("dl", { class: "kv" },
      el("dt", {}, "KB 버전"), el("dd", {}, String(run.kb_version || meta.kb_version || "—")),
      el("dt", {}, "바뀐 항목"), el("dd", {}, run.changed?.length ? run.changed.join(", ") : "—"),
      el("dt", {}, "질문 수"), el("dd", {}, `${rows.length || meta.dataset?.n || "—"} (영향 받은 질문 ${(run.affected || []).length})`),
      meta.code?.git_commit ? [el("dt", {}, "코드"), el("dd", {}, String(meta.code.git_commit).slice(0, 10))] : null),
    run.error ? el("div", { class: "msg bad" }, run.error) : null,
    run.gates?.length ? gatesBox(run.gates, "eval-gates") : null,
    run.status === "done" ? [
      el("div", { class: "box-title", style: "margin-top:8px" }, "주요 점수"),
      scoresTable(null, run.scores, { id: "eval-scores", intervals: run.summary?.intervals }),
      el("div", { class: "box-title", style: "margin-top:8px" }, "유형별"),
      groupTable(run.summary, "by_type", "유형", TYPE_LABEL, "eval-by-type"),
      el("div", { class: "box-title", style: "margin-top:8px" }, "언어별"),
      groupTable(run.summary, "by_lang", "언어", LANG_LABEL, "eval-by-lang"),
      el("div", { class: "toolbar", style: "margin-top:8px" },
        el("button", { type: "button", id: "eval-compare-btn", onclick: () => showCompare(run.id, compareBox) }, "이전 실행과 비교")),
      compareBox,
      el("div", { class: "toolbar", style: "margin-top:8px" },
        el("span", { class: "box-title", style: "margin:0" }, "질문별 결과"),
        el("span", { class: "quiet", id: "eval-questions-count" }),
        el("span", { class: "spacer" }),
        el("label", { class: "inline", for: "eval-only-failed" }, onlyFailed, "실패만")),
      qlist,
    ] : el("p", { class: "status" }, run.status === "failed" ? "" : "평가가 끝나면 점수와 질문별 결과가 여기에 나옵니다."));
  if (run.status === "done") fill();
  if (scroll) box.scrollIntoView({ block: "start" });
}

function questionRow(r) {
  const facts = r.key_facts_found || [];
  const bad = failedRow(r);
  return el("li", { class: bad ? "failed" : "", dataset: { qid: r.qid } },
    el("details", {},
      el("summary", {},
        el("span", { class: `badge ${bad ? "fail" : "pass"}` }, bad ? "실패" : "통과"), " ",
        el("span", { class: "badge" }, r.qid), " ", r.question),
      el("div", { class: "sub" },
        el("span", {}, r.gold?.length ? `정답 순위 ${r.rank ? `${r.rank}위` : "10위 밖"}` : "범위 밖 질문"),
        facts.length ? el("span", {}, `핵심 정보 ${facts.filter(Boolean).length}/${facts.length}`) : null,
        el("span", {}, r.abstained ? "답변 보류" : "답변함"),
        el("span", {}, `${TYPE_LABEL[r.type] || r.type} · ${LANG_LABEL[r.lang] || r.lang}`)),
      el("div", { class: "entry-content" }, r.answer || "(답변 없음)")));
}

async function showCompare(runId, box) {
  box.replaceChildren(el("p", { class: "status" }, "비교하는 중…"));
  let c;
  try {
    c = await api("GET", `/v1/evals/${runId}/compare`);
  } catch (err) {
    box.replaceChildren(el("div", { class: "msg warn", id: "eval-compare-none" },
      err instanceof ApiError && err.status < 500 ? "비교할 이전 실행이 없습니다 (이전에 끝난 평가가 있어야 합니다)." : errorText(err)));
    return;
  }
  const before = Object.fromEntries(Object.entries(c.scores).map(([k, s]) => [k, s.a]));
  const after = Object.fromEntries(Object.entries(c.scores).map(([k, s]) => [k, s.b]));
  const keys = [...HEADLINE.filter((k) => k in after), ...Object.keys(c.scores).filter((k) => !HEADLINE.includes(k) && c.scores[k].delta)];
  const q = c.questions;
  put(box,
    el("div", { class: "quiet" }, `실행 #${c.with_id} → #${c.run_id} · KB 버전 ${c.kb_version.a} → ${c.kb_version.b} · 공통 질문 ${c.n_shared}개`
      + (c.same_dataset ? "" : " · 질문 파일이 다릅니다")),
    scoresTable(before, after, { id: "eval-compare-scores", keys, significance: c.significance || {} }),
    el("div", { class: "box-title", style: "margin-top:8px" }, `나빠진 질문 ${q.regressed.length}개`),
    q.regressed.length ? questionList(q.regressed, "regressed", "eval-compare-regressed")
      : el("p", { class: "status", id: "eval-compare-regressed" }, "나빠진 질문 없음"),
    q.mixed.length ? el("details", {}, el("summary", {}, `엇갈린 질문 ${q.mixed.length}개`), questionList(q.mixed, "mixed")) : null,
    q.improved.length ? el("details", {}, el("summary", {}, `좋아진 질문 ${q.improved.length}개`), questionList(q.improved, "improved")) : null,
    c.entries_changed.length ? el("details", {}, el("summary", {}, `버전이 바뀐 항목 ${c.entries_changed.length}개`),
      el("ul", {}, c.entries_changed.map((e) => el("li", {}, `${e.entry_id}: v${e.version_a} → v${e.version_b}`)))) : null);
}

export function stopRunsPolling() {
  clearTimeout(runsTimer);
}
