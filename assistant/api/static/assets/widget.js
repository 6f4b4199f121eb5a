// The counselor's side panel: ask, read the grounded answer, open cited entries, give feedback, follow a live call.
import {
  ApiError, FACT_KEYS, MODE_LABEL, REASONS, api, apiStream, askToken, copyText, el, errorText, fillRegionSelect, formatDate, getToken,
  loadRegions, regionLabel, scopeBadge, whoAmI,
} from "/assets/api.js";
import { renderAnswerNotices, startLive } from "/assets/live.js";
import { dropClaimedTransfer, renderTransferSummary, transferSummaryOf } from "/assets/transfer.js";

const $ = (id) => document.getElementById(id);
const REGION_KEY = "ca_region";

const state = {
  advice: null,       // the answer on screen (advise JSON plus suggestion_id)
  hits: [],           // the cards on screen
  me: null,
  call: null,         // {call_id, region, status}
  speaker: "citizen",
  lastFocus: null,
  asking: 0,
  streaming: false,   // an answer is being written (its suggestion id is not known yet)
  pending: [],        // feedback given meanwhile, sent when it is
  answers: {},        // the caller's answers to clarifying questions, for the question on screen
  live: null,         // the live connection (pushed suggestions, notices, alerts)
  posting: 0,         // this widget's own utterance posts awaiting their answer
  asked: "",          // the question those answers belong to
};

// ---------- asking ----------

async function ask() {
  const question = $("question").value.trim();
  if (!question) {
    $("question").focus();
    $("ask-status").textContent = "질문을 입력하세요.";
    return;
  }
  const region = $("region").value;
  if (question !== state.asked) { state.answers = {}; state.asked = question; }  // a new question: no answers yet
  const ticket = ++state.asking;  // a newer question wins over a slower older one
  $("answer").dataset.suggestionId = "";
  $("ask-btn").disabled = true;
  $("ask-status").textContent = "찾는 중…";
  // Streamed: the cards show as soon as retrieval is done, the answer text as it is written (an LLM takes
  // seconds); the final "done" event carries the citations, the key facts and the suggestion id.
  let hits = [];
  let text = "";
  let finished = false;
  try {
    const answers = Object.keys(state.answers).length ? state.answers : null;
    await apiStream("/v1/advise", { question, region: region || null, top_k: 5, answers }, (name, data) => {
      if (ticket !== state.asking) return;
      if (name === "hits") {
        hits = data.hits || [];
        startStreaming(hits, data.other_agency_hits || []);
        renderAnswerNotices($("answer-notices"), data.active_notices);
        showSituation(data.caller_profile);
      } else if (name === "delta") {
        text += data.text || "";
        $("answer-text").textContent = text;
      } else if (name === "done") {
        finished = true;
        showAdvice({ ...data, hits });
      } else if (name === "json") {
        finished = true;
        showAdvice(data);
      }
    });
    if (ticket === state.asking) {
      $("ask-status").textContent = finished ? "" : "답변이 중간에 끊겼습니다. 다시 검색하세요.";
      if (!finished) $("answer-title").textContent = "답변 (끊김)";
    }
  } catch (err) {
    if (ticket === state.asking) $("ask-status").textContent = errorText(err);
  } finally {
    if (ticket === state.asking) {
      $("ask-btn").disabled = false;
      $("answer-live").setAttribute("aria-busy", "false");
    }
  }
}

/** '파악된 상황: 70대 · 기초수급': what the service understood of the caller, so the counselor can correct it. */
function showSituation(profile) {
  const label = profile?.label || "";
  $("situation-text").textContent = label;
  $("situation").hidden = !label;
}

/** Look-alike programmes that differ on something the caller has not said: the one question to ask, and what
 * each answer leads to (whom each entry is for, quoted). A click, or Alt+Y / Alt+N, re-ranks with the answer. */
function showClarify(c) {
  const box = $("clarify");
  state.clarify = c || null;
  box.hidden = !c;
  if (!c) return;
  $("clarify-question").textContent = c.question;
  $("clarify-options").replaceChildren(...c.options.map((o, i) => el("li", {},
    el("button", { type: "button", class: "small", "data-attribute": o.attribute, "data-value": o.value,
      title: i === 0 ? "Alt+Y" : "Alt+N", onclick: () => answerClarify(o) }, o.label),
    el("span", { class: "leads-to" }, ` → ${o.title}`),
    o.who ? el("q", { class: "who-for" }, o.who) : "")));
}

function answerClarify(option) {
  state.answers = { ...state.answers, [option.attribute]: option.value };
  ask();
}

/** Retrieval is done, the answer is being written: cards now, a placeholder for the text. */
function startStreaming(hits, others = []) {
  state.advice = null;
  state.streaming = true;
  state.pending = [];
  const box = $("answer");
  box.hidden = false;
  box.classList.remove("abstained");
  box.dataset.suggestionId = "";
  $("answer-live").setAttribute("aria-busy", "true");
  $("answer-title").textContent = "답변 작성 중…";
  $("answer-mode").textContent = "";
  $("abstain-title").hidden = true;
  $("answer-check").hidden = true;
  $("clarify").hidden = true;
  $("answer-text").textContent = "";
  $("facts").replaceChildren();
  $("answer-details").hidden = true;
  for (const id of ["up-btn", "down-btn"]) $(id).disabled = true;
  showCards(hits, false, others);
}

/** Render an advise response (from /v1/advise or a live call's suggestion) in the answer panel and the cards. */
function showAdvice(data) {
  state.advice = data;
  const box = $("answer");
  const abstained = Boolean(data.abstained) || data.mode === "abstain";
  box.hidden = false;
  box.classList.toggle("abstained", abstained);
  box.dataset.mode = data.mode || "";
  box.dataset.suggestionId = data.suggestion_id ?? "";
  const mode = $("answer-mode");
  mode.textContent = MODE_LABEL[data.mode] || data.mode || "";
  mode.className = `badge mode-${data.mode}`;
  $("answer-title").textContent = abstained ? "답변 보류" : "답변";
  $("abstain-title").hidden = !abstained;
  // why: the manuals gave too little (evidence), or the question's topic is outside them (topic)
  $("abstain-title").textContent = data.declined_by === "topic"
    ? "상담 매뉴얼 범위 밖의 주제로 보임" : "매뉴얼에서 확인되지 않음";
  $("abstain-title").dataset.declinedBy = data.declined_by || "";
  // answered, but only just above the point where it would have been declined: check before reading out
  $("answer-check").hidden = abstained || data.confidence_level !== "low";
  renderAnswerNotices($("answer-notices"), data.active_notices);
  renderAnswerText($("answer-text"), data.answer || "", data.citations || []);
  showSituation(data.caller_profile);
  showClarify(abstained ? null : data.clarification);

  const facts = $("facts");
  facts.replaceChildren();
  for (const key of FACT_KEYS) {
    const value = data.key_facts?.[key];
    if (value) facts.append(el("li", { class: "chip", title: `${key}: ${value}` }, el("b", {}, key), value));
  }
  facts.hidden = !facts.children.length;

  const notes = [...(data.notices || []).map((n) => ["알림", n]), ...(data.errors || []).map((e) => ["오류", e])];
  const removed = data.grounding?.unsupported || 0;
  if (removed) notes.push(["근거 확인", `근거가 확인되지 않은 문장 ${removed}개를 뺐습니다.`]);
  $("answer-notes").replaceChildren(...notes.map(([k, v]) => el("li", {}, `${k}: ${v}`)));
  $("answer-details").hidden = !notes.length;

  resetFeedback();
  showCards(data.hits || [], abstained, data.other_agency_hits || []);
  state.streaming = false;
  if (data.suggestion_id != null) {
    sendFeedback("displayed");
    for (const [kind, extra] of state.pending.splice(0)) sendFeedback(kind, extra);
  }
  state.pending = [];
}

function renderAnswerText(node, text, citations) {
  node.replaceChildren();
  const byN = new Map(citations.map((c) => [Number(c.n), c]));
  let last = 0;
  for (const m of text.matchAll(/\[(\d+)\]/g)) {
    const cite = byN.get(Number(m[1]));
    if (!cite) continue;
    node.append(text.slice(last, m.index));
    node.append(el("button", {
      type: "button", class: "cite", dataset: { n: cite.n },
      title: `${cite.title} (v${cite.version}) 열기`, "aria-label": `출처 ${cite.n}: ${cite.title} 열기`,
      onclick: () => openCited(cite),
    }, `[${cite.n}]`));
    last = m.index + m[0].length;
  }
  node.append(text.slice(last));
}

/** The counselor's own cards (common and own agency's entries), then, apart and marked, another agency's entries
 * that answer clearly better, each with where to transfer the call ('이관 권장: 국세청 (126)'). */
function showCards(hits, abstained, others = []) {
  state.hits = hits;
  $("cards-box").hidden = !hits.length && !others.length;
  $("cards-title").textContent = abstained ? "가장 가까운 매뉴얼 (참고용)" : "관련 매뉴얼";
  $("cards").replaceChildren(...hits.map((hit, i) => card(hit, String(i + 1), i < 5 ? `열기 (Alt+${i + 1})` : "열기")));
  let box = $("other-agency-box");
  if (!box) {
    box = el("div", { id: "other-agency-box", class: "other-agency-box" },
      el("h3", { id: "other-agency-title" }, "다른 기관 매뉴얼 (이관 검토)"),
      el("ol", { class: "cards", id: "other-agency-cards", "aria-labelledby": "other-agency-title" }));
    $("cards-box").append(box);
  }
  box.hidden = !others.length;
  $("other-agency-cards").replaceChildren(...others.map((hit) => card(hit, "↗", "열기 (다른 기관)")));
}

/** One card; an entry of another agency (``other_agency``) is marked as that agency's, with the transfer hint. */
function card(hit, number, title) {
  const other = hit.other_agency || "";
  const meta = el("div", { class: "meta" },
    other ? el("span", { class: "badge agency-other", title: `다른 기관(${other})의 매뉴얼` }, `타 기관 · ${other}`) : null,
    scopeBadge(hit.scope),
    el("span", {}, regionLabel(hit)),
    el("span", {}, `v${hit.version}`),
    hit.updated ? el("span", {}, `수정 ${formatDate(hit.updated)}`) : null);
  const attrs = { class: other ? "card other-agency" : "card", dataset: { entryId: hit.entry_id } };
  if (other) attrs.dataset.otherAgency = other;
  return el("li", attrs,
    el("button", { type: "button", class: "open", title, onclick: () => openHit(hit) },
      el("div", { class: "t" }, el("span", { class: "n" }, number), el("span", {}, hit.title)),
      meta,
      other && hit.transfer_hint ? el("div", { class: "transfer-hint" }, hit.transfer_hint) : null,
      hit.snippet ? el("div", { class: "snip" }, hit.snippet) : null));
}

function openHit(hit) {
  sendFeedback("clicked", { entry_id: hit.entry_id });
  openEntry(hit.entry_id, hit.version);
}

function openCited(cite) {
  sendFeedback("clicked", { entry_id: cite.entry_id });
  openEntry(cite.entry_id, cite.version);
}

// ---------- the entry panel ----------

async function openEntry(entryId, version) {
  const panel = $("entry-panel");
  if (panel.hidden) state.lastFocus = document.activeElement;
  panel.hidden = false;
  panel.dataset.entryId = entryId;
  panel.dataset.version = version ?? "";
  $("entry-title").textContent = "불러오는 중…";
  const body = $("entry-body");
  body.replaceChildren(el("p", { class: "status" }, "매뉴얼을 불러오는 중…"));
  $("entry-close").focus();
  try {
    const q = version ? `?version=${encodeURIComponent(version)}` : "";
    const e = await api("GET", `/v1/entries/${encodeURIComponent(entryId)}${q}`);
    if (panel.dataset.entryId !== entryId) return;
    $("entry-title").textContent = e.title;
    const rows = [
      ["담당 부서", e.department], ["문의처", e.contact], ["분야", e.category],
      ["수정일", formatDate(e.updated)], ["항목 ID", e.entry_id],
    ].filter(([, v]) => v);
    body.replaceChildren(
      el("div", { class: "meta toolbar" },
        scopeBadge(e.scope), el("span", { class: "badge" }, regionLabel(e)),
        el("span", { class: "badge", id: "entry-version" }, `v${e.version}`),
        e.status === "retired" ? el("span", { class: "badge retired" }, "폐지됨") : null),
      el("dl", { class: "kv" }, rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])),
      el("div", { class: "entry-content" }, e.content),
      // only web links: an entry's source_url is editor-supplied text (a javascript: URL must never be a link)
      /^https?:\/\//i.test(e.source_url || "") ? el("p", { class: "quiet" }, el("a", { href: e.source_url, target: "_blank", rel: "noopener noreferrer" }, "출처 보기")) : null,
    );
    if (version) noteNewerVersion(entryId, e.version);
  } catch (err) {
    $("entry-title").textContent = "매뉴얼";
    body.replaceChildren(el("p", { class: "msg bad" }, errorText(err)));
  }
}

/** A citation points at the version the answer used; say so when the entry has changed since. */
async function noteNewerVersion(entryId, shown) {
  try {
    const current = await api("GET", `/v1/entries/${encodeURIComponent(entryId)}`);
    const panel = $("entry-panel");
    if (panel.hidden || panel.dataset.entryId !== entryId || current.version <= shown) return;
    $("entry-body").prepend(el("div", { class: "msg warn", id: "entry-newer" },
      `이 답변이 인용한 것은 v${shown}이고, 지금은 v${current.version}까지 수정되었습니다. `,
      el("button", { type: "button", class: "small", onclick: () => openEntry(entryId, current.version) }, "현재 버전 보기")));
  } catch {
    // the cited version is still shown; the hint is a nicety
  }
}

function closeEntry() {
  const panel = $("entry-panel");
  if (panel.hidden) return false;
  panel.hidden = true;
  if (state.lastFocus && document.contains(state.lastFocus)) state.lastFocus.focus();
  return true;
}

// ---------- feedback ----------

async function sendFeedback(kind, extra = {}) {
  const id = state.advice?.suggestion_id;
  if (id == null) {
    // a card opened while the answer is still being written: record it once the answer has its id
    if (state.streaming && (kind === "clicked" || kind === "copied")) state.pending.push([kind, extra]);
    return null;
  }
  try {
    return await api("POST", "/v1/feedback", { suggestion_id: id, kind, ...extra });
  } catch (err) {
    if (kind !== "displayed" && kind !== "clicked") throw err;
    console.warn("feedback", kind, err);  // never interrupt the counselor for a lost view/click event
    return null;
  }
}

function resetFeedback() {
  $("up-btn").setAttribute("aria-pressed", "false");
  $("down-btn").setAttribute("aria-pressed", "false");
  $("down-btn").setAttribute("aria-expanded", "false");
  $("reasons").hidden = true;
  $("feedback-status").textContent = "";
  const noId = state.advice?.suggestion_id == null;
  for (const id of ["up-btn", "down-btn"]) $(id).disabled = noId;
}

async function copyAnswer() {
  if (!state.advice) return;
  const text = $("answer-text").textContent.trim();
  const ok = await copyText(text);
  $("feedback-status").textContent = ok ? "답변을 복사했습니다." : "복사하지 못했습니다.";
  if (ok) {
    try {
      await sendFeedback("copied");
    } catch (err) {
      $("feedback-status").textContent = `복사했지만 기록하지 못했습니다: ${errorText(err)}`;
    }
  }
}

async function thumbsUp() {
  try {
    await sendFeedback("thumbs_up");
    $("up-btn").setAttribute("aria-pressed", "true");
    $("down-btn").setAttribute("aria-pressed", "false");
    $("reasons").hidden = true;
    $("feedback-status").textContent = "의견 감사합니다.";
  } catch (err) {
    $("feedback-status").textContent = errorText(err);
  }
}

function thumbsDown() {
  const form = $("reasons");
  form.hidden = !form.hidden;
  $("down-btn").setAttribute("aria-expanded", String(!form.hidden));
  if (!form.hidden) form.querySelector("input[type=radio]").focus();
}

async function submitReason(ev) {
  ev.preventDefault();
  const reason = new FormData($("reasons")).get("reason");
  if (!reason) {
    $("feedback-status").textContent = "이유를 하나 고르세요.";
    return;
  }
  const comment = $("reason-comment").value.trim();
  try {
    await sendFeedback("thumbs_down", { reason, ...(comment ? { comment } : {}) });
    $("reasons").hidden = true;
    $("down-btn").setAttribute("aria-pressed", "true");
    $("down-btn").setAttribute("aria-expanded", "false");
    $("up-btn").setAttribute("aria-pressed", "false");
    $("feedback-status").textContent = "의견을 보냈습니다. 편집팀이 확인합니다.";
  } catch (err) {
    $("feedback-status").textContent = errorText(err);
  }
}

// ---------- live call ----------

function transcriptLine(kind, text, who) {
  const li = el("li", { class: kind }, who ? el("span", { class: "who" }, who) : null, text);
  $("transcript").append(li);
  li.scrollIntoView({ block: "nearest" });
}

async function startCall() {
  const region = $("region").value;
  $("call-status").textContent = "통화를 여는 중…";
  try {
    const call = await api("POST", "/v1/calls", { region: region || null });  // the call is the token holder's
    $("transcript").replaceChildren();
    renderTransferSummary(null);
    transcriptLine("system", `통화 시작 · ${call.region || "지역 모름"}`);
    openCall(call, "통화 중");
  } catch (err) {
    $("call-status").textContent = errorText(err);
  }
}

function openCall(call, label) {
  state.call = call;
  $("call-state").textContent = label;
  $("call-start").textContent = "새 통화";
  $("call-id").textContent = call.call_id;
  $("call-id-line").hidden = false;
  $("line-form").hidden = false;
  $("record-box").hidden = true;
  $("transfer-form").hidden = true;
  $("resume-form").hidden = true;
  $("call-transfer").disabled = false;
  $("call-record").disabled = false;
  $("call-status").textContent = "";
  $("line").focus();
}

/** Open a call handed to this counselor; one queued for the agency is taken first (409: a colleague was quicker). */
async function openTransferred(id, queued) {
  if (queued) {
    try {
      await api("POST", `/v1/calls/${encodeURIComponent(id)}/claim`);
    } catch (err) {
      const status = $("transfer-claim-status");
      const taken = err instanceof ApiError && (err.status === 404 || err.status === 409);
      if (status) status.textContent = taken ? "다른 상담사가 이미 가져갔습니다." : errorText(err);
      return;
    }
  }
  $("resume-id").value = id;
  $("resume-form").requestSubmit();
}

/** The counselor a call was transferred to reads everything said and suggested so far, then carries on. */
async function resumeCall(ev) {
  ev.preventDefault();
  const id = $("resume-id").value.trim();
  if (!id) return;
  try {
    const { call, events } = await api("GET", `/v1/calls/${encodeURIComponent(id)}`);
    renderTransferSummary(transferSummaryOf(events));  // the summary first, then the transcript
    $("transcript").replaceChildren();
    transcriptLine("system", `이어받은 통화 · ${call.region || "지역 모름"}`);
    let last = null;
    for (const e of events) {
      if (e.kind === "utterance") transcriptLine(e.speaker, e.text, e.speaker === "citizen" ? "시민" : "상담사");
      else if (e.kind === "suggestion") {
        last = e.payload;
        const first = e.payload?.citations?.[0];
        transcriptLine("system", `제안: ${first ? first.title : "매뉴얼에서 확인되지 않음"}`);
      } else if (e.kind === "transfer") {
        const p = e.payload || {};
        for (const h of p.history || []) transcriptLine(h.speaker, h.text, h.speaker === "citizen" ? "시민" : "상담사");
        transcriptLine("system", `이관 ${p.from || ""} → ${p.to || p.to_agency_name || ""}${e.text ? ` · ${e.text}` : ""}`);
      }
    }
    if (call.region && [...$("region").options].some((o) => o.value === call.region)) $("region").value = call.region;
    openCall(call, "이어받음");
    if (last) showAdvice(last);
  } catch (err) {
    $("call-status").textContent = errorText(err);
  }
}

function setSpeaker(speaker) {
  state.speaker = speaker;
  $("spk-citizen").setAttribute("aria-pressed", String(speaker === "citizen"));
  $("spk-counselor").setAttribute("aria-pressed", String(speaker === "counselor"));
  $("line").placeholder = speaker === "citizen" ? "민원인 발화를 입력하고 Enter" : "상담사 발화를 입력하고 Enter";
}

async function postLine(ev) {
  ev.preventDefault();
  const text = $("line").value.trim();
  if (!text || !state.call) return;
  const speaker = state.speaker;
  $("line").value = "";
  transcriptLine(speaker, text, speaker === "citizen" ? "시민" : "상담사");
  $("call-status").textContent = speaker === "citizen" ? "제안을 찾는 중…" : "";
  state.posting += 1;
  try {
    const out = await api("POST", `/v1/calls/${encodeURIComponent(state.call.call_id)}/utterances`,
      { speaker, text, final: true });
    if (out?.suggestion && out.suggestion_id != null && state.advice?.suggestion_id === out.suggestion_id) {
      $("call-status").textContent = "새 제안을 표시했습니다.";  // pushed to this widget already
    } else if (out?.suggestion) {
      showAdvice({ ...out.suggestion, suggestion_id: out.suggestion_id ?? out.suggestion.suggestion_id });
      $("call-status").textContent = "새 제안을 표시했습니다.";
    } else {
      $("call-status").textContent = "";
    }
  } catch (err) {
    $("call-status").textContent = errorText(err);
  } finally {
    state.posting -= 1;
  }
}

/** A suggestion pushed for one of this counselor's calls (the speech-to-text posted a citizen's line): the
 * call is opened here if it is not, the line added, the suggestion shown, each once. */
function pushedSuggestion(data) {
  if (data.suggestion_id != null && state.advice?.suggestion_id === data.suggestion_id) return;
  const own = state.call?.call_id === data.call_id;
  if (!own) {
    $("transcript").replaceChildren();
    transcriptLine("system", "통화 연결 (음성 인식)");
    openCall({ call_id: data.call_id, region: "", status: "open" }, "통화 중");
  }
  if (!own || !state.posting) transcriptLine("citizen", data.utterance, "시민");
  showAdvice({ ...data.suggestion, suggestion_id: data.suggestion_id });
  $("call-status").textContent = "새 제안을 표시했습니다.";
}

function toggleTransfer() {
  const form = $("transfer-form");
  form.hidden = !form.hidden;
  if (!form.hidden) $("transfer-to").focus();
}

async function transfer(ev) {
  ev.preventDefault();
  const to = $("transfer-to").value.trim();
  const toAgency = $("transfer-agency").value.trim();
  if ((!to && !toAgency) || !state.call) return;
  try {
    const call = await api("POST", `/v1/calls/${encodeURIComponent(state.call.call_id)}/transfer`,
      { to, to_agency: toAgency, note: $("transfer-note").value.trim() });
    state.call = { ...state.call, ...call };
    transcriptLine("system", `${[toAgency, to].filter(Boolean).join(" · ")}(으)로 이관했습니다`);
    $("transfer-form").hidden = true;
    $("call-state").textContent = "이관됨";
    $("call-status").textContent = "통화 기록 전체가 함께 넘어갔습니다.";
  } catch (err) {
    $("call-status").textContent = errorText(err);
  }
}

async function showRecord() {
  if (!state.call) return;
  try {
    const rec = await api("GET", `/v1/calls/${encodeURIComponent(state.call.call_id)}/record`);
    const keys = ["문의", "답변", "안내", "결과", ...(rec.이관 ? ["이관"] : [])];  // 이관: the other side of a transfer
    $("record").replaceChildren(...keys.flatMap((k) => [el("dt", {}, k), el("dd", {}, rec[k] || "—")]));
    $("record-box").hidden = false;
    $("record").dataset.text = keys.map((k) => `${k}: ${rec[k] || ""}`).join("\n");
  } catch (err) {
    $("call-status").textContent = errorText(err);
  }
}

// ---------- keyboard ----------

function isTyping(target) {
  return target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

function onKey(ev) {
  if (ev.key === "Escape") {
    if (closeEntry()) { ev.preventDefault(); return; }
    if (!$("reasons").hidden) { $("reasons").hidden = true; $("down-btn").focus(); ev.preventDefault(); }
    return;
  }
  if (ev.ctrlKey && ev.key === "Enter") {
    ev.preventDefault();
    ask();
    return;
  }
  if (ev.altKey && !ev.ctrlKey && !ev.metaKey) {
    const digit = /^Digit([1-5])$/.exec(ev.code);
    if (digit) {
      const hit = state.hits[Number(digit[1]) - 1];
      if (hit) { ev.preventDefault(); openHit(hit); }
      return;
    }
    if (ev.code === "KeyC") { ev.preventDefault(); copyAnswer(); return; }
    if ((ev.code === "KeyY" || ev.code === "KeyN") && state.clarify && !$("clarify").hidden) {
      ev.preventDefault();
      const option = state.clarify.options[ev.code === "KeyY" ? 0 : 1];
      if (option) answerClarify(option);
      return;
    }
    if (ev.code === "KeyL" && !$("line-form").hidden) { ev.preventDefault(); $("line").focus(); return; }
    if (ev.code === "KeyS" && !$("line-form").hidden) {
      ev.preventDefault();
      setSpeaker(state.speaker === "citizen" ? "counselor" : "citizen");
      return;
    }
  }
  if (ev.key === "/" && !isTyping(ev.target) && !ev.ctrlKey && !ev.altKey) {
    ev.preventDefault();
    $("question").focus();
    $("question").select();
  }
}

// ---------- start ----------

async function init() {
  const params = new URLSearchParams(location.search);
  const stored = params.get("region") ?? localStorage.getItem(REGION_KEY) ?? "";
  fillRegionSelect($("region"), { sido: [], districts: {} }, { selected: stored });

  const fieldset = $("reasons").querySelector("fieldset");
  for (const [value, label] of REASONS) {
    fieldset.append(el("label", {}, el("input", { type: "radio", name: "reason", value }), label));
  }

  $("ask-form").addEventListener("submit", (ev) => { ev.preventDefault(); ask(); });
  $("question").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.ctrlKey && !ev.isComposing) { ev.preventDefault(); ask(); }
  });
  $("region").addEventListener("change", () => {
    localStorage.setItem(REGION_KEY, $("region").value);
    state.live?.reconnect();  // follow the new region's notices (resuming: nothing is lost meanwhile)
    if (state.call) $("call-status").textContent = "지역 변경은 다음 통화부터 적용됩니다.";
  });
  $("copy-btn").addEventListener("click", copyAnswer);
  $("up-btn").addEventListener("click", thumbsUp);
  $("down-btn").addEventListener("click", thumbsDown);
  $("reasons").addEventListener("submit", submitReason);
  $("reason-cancel").addEventListener("click", () => { $("reasons").hidden = true; $("down-btn").focus(); });
  $("entry-close").addEventListener("click", closeEntry);
  $("call-start").addEventListener("click", startCall);
  $("call-resume").addEventListener("click", () => {
    $("resume-form").hidden = !$("resume-form").hidden;
    if (!$("resume-form").hidden) $("resume-id").focus();
  });
  $("resume-cancel").addEventListener("click", () => { $("resume-form").hidden = true; });
  $("resume-form").addEventListener("submit", resumeCall);
  $("spk-citizen").addEventListener("click", () => setSpeaker("citizen"));
  $("spk-counselor").addEventListener("click", () => setSpeaker("counselor"));
  $("line-form").addEventListener("submit", postLine);
  $("call-transfer").addEventListener("click", toggleTransfer);
  $("transfer-cancel").addEventListener("click", () => { $("transfer-form").hidden = true; });
  $("transfer-form").addEventListener("submit", transfer);
  $("call-record").addEventListener("click", showRecord);
  $("record-copy").addEventListener("click", async () => {
    const ok = await copyText($("record").dataset.text || "");
    $("call-status").textContent = ok ? "상담 기록을 복사했습니다." : "복사하지 못했습니다.";
  });
  $("change-token").addEventListener("click", async () => {
    await askToken("새 API 토큰을 입력하세요.");
    await showWho();
  });
  document.addEventListener("keydown", onKey);

  if (!getToken()) await askToken();
  await showWho();
  fillRegionSelect($("region"), await loadRegions(), { selected: $("region").value || stored });
  state.live = startLive({ regions: () => ($("region").value ? [$("region").value] : []), onSuggestion: pushedSuggestion,
    // a call handed to this counselor: its summary at once, with a button that opens the call
    onTransfer: (data) => renderTransferSummary(data, { onOpen: (id) => openTransferred(id, data.queued) }),
    onTransferClaimed: (data) => { if (data.by !== state.me?.name) dropClaimedTransfer(data.call_id, data.by); } });
  document.body.dataset.ready = "true";

  const q = params.get("q");
  if (q) {
    $("question").value = q;
    await ask();
  } else {
    $("question").focus();
  }
}

async function showWho() {
  try {
    state.me = await whoAmI();
    $("who").textContent = state.me ? `${state.me.name} · ${state.me.role}` : "";
  } catch (err) {
    $("who").textContent = "";
    $("ask-status").textContent = errorText(err);
  }
}

init();
