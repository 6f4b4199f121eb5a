// The transfer summary (이관 요약): what the counselor who receives a call reads first, before the transcript.
// The summary comes from the call's transfer event (GET /v1/calls/{id}) or is pushed with a "transfer" event
// (GET /v1/events) the moment the call is handed over; it is stored masked, so it is shown as it comes.
import { MODE_LABEL, el } from "/assets/api.js";

const $ = (id) => document.getElementById(id);
const OPEN_LABEL = { abstained: "매뉴얼에서 확인되지 않음", uncited: "근거 없는 답변", clarify: "확인할 질문", unanswered: "답변 전" };

/** The summary handed over with the call: its latest transfer event's (null when it was never transferred). */
export function transferSummaryOf(events) {
  const last = [...(events || [])].reverse().find((e) => e.kind === "transfer" && e.payload?.summary);
  return last ? { ...last.payload, note: last.text || "" } : null;
}

function cited(c) {
  return el("li", { class: "transfer-cite", dataset: { entryId: c.entry_id, version: String(c.version) } },
    c.title, " ", el("span", { class: "quiet" }, `${c.entry_id} v${c.version}`));
}

/** Show ``handover`` (a transfer event's payload, or a pushed transfer: {summary, from, call_id, queued}) first;
 * ``onOpen(callId)``, when given, adds a button that opens the call (a pushed transfer not yet opened; for a
 * call queued for the agency, the button takes it first). */
export function renderTransferSummary(handover, { onOpen } = {}) {
  const box = $("transfer-summary");
  box.dataset.callId = handover?.call_id || "";
  box.dataset.queued = String(Boolean(handover?.queued));
  const s = handover?.summary;
  if (!s) { box.hidden = true; box.replaceChildren(); return; }
  const from = [handover.from_agency_name || handover.from_agency, handover.from].filter(Boolean).join(" · ");
  const parts = [
    el("div", { class: "head" }, el("strong", {}, "이관 요약"), " ",
      el("span", { class: "badge", id: "transfer-mode", dataset: { mode: s.mode } }, MODE_LABEL[s.mode] || s.mode),
      from ? el("span", { class: "quiet" }, ` ${from}에게서`) : null),
    el("p", { id: "transfer-question" }, el("b", {}, "문의: "), s.question || "(시민 발화 없음)"),
  ];
  if (s.mode === "llm" && s.text) parts.push(el("p", { id: "transfer-text", class: "transfer-text" }, s.text));
  if (s.told?.length) {
    parts.push(el("b", {}, "이미 안내한 내용"), el("ul", { id: "transfer-told" }, ...s.told.map((t) =>
      el("li", {}, t.answer, el("ul", { class: "transfer-cites" }, ...t.citations.map(cited))))));
  }
  if (s.open?.length) {
    parts.push(el("b", {}, "아직 해결되지 않은 것"), el("ul", { id: "transfer-open" }, ...s.open.map((o) =>
      el("li", { dataset: { kind: o.kind } }, el("span", { class: "badge" }, OPEN_LABEL[o.kind] || o.kind), " ", o.text))));
  }
  if (s.situation?.label) parts.push(el("p", { id: "transfer-situation" }, "파악된 상황: ", el("b", {}, s.situation.label)));
  if (handover.note) parts.push(el("p", { class: "quiet" }, `인계 메모: ${handover.note}`));
  if (onOpen && handover.call_id) {
    parts.push(el("div", { class: "toolbar" }, el("button", { type: "button", class: "primary small", id: "transfer-open-call",
      onclick: () => onOpen(handover.call_id) }, handover.queued ? "대기 통화 가져오기" : "이관 받은 통화 열기"),
      el("span", { class: "quiet", id: "transfer-claim-status", role: "status" })));
  }
  box.replaceChildren(...parts);
  box.hidden = false;
  box.scrollIntoView({ block: "start" });
}

/** Another counselor of the agency took the queued call shown here: take it down. */
export function dropClaimedTransfer(callId, by) {
  const box = $("transfer-summary");
  if (box.hidden || box.dataset.queued !== "true" || box.dataset.callId !== callId) return;
  box.replaceChildren(el("p", { class: "quiet", id: "transfer-claimed" }, `대기 통화를 ${by} 상담사가 가져갔습니다.`));
  box.dataset.queued = "false";
}
