// The widget's live connection (GET /v1/events): suggestions pushed for the counselor's calls, the center's
// notices (공지) for the regions followed, alert banners, and the summaries of calls handed to the counselor.
//
// Why fetch and not EventSource: EventSource cannot send the Authorization header, and a token in the URL
// ends up in proxy logs and browser history. fetch sends the header like every other request; the stream
// reader (assets/events.js, shared with the alert screen) does what EventSource would otherwise do:
// remember the last event id, reconnect with backoff and send it back as Last-Event-ID, so nothing
// published while the connection was down is lost. This module shows what arrives.
import { askToken, el, getToken } from "/assets/api.js";
import { EventStream } from "/assets/events.js";

const $ = (id) => document.getElementById(id);
const RETRY_MS = [1000, 2000, 4000, 8000, 15000];

function timeLabel(iso) {
  const d = new Date(iso);
  // Korean time whatever the PC's zone, as the notices' own citations write it
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleString("ko-KR", { timeZone: "Asia/Seoul", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false });
}

/** One notice as a banner: its region, text, who posted it when, and until when it holds. */
function noticeItem(n) {
  return el("li", { class: "msg warn notice", dataset: { noticeId: n.id } },
    el("b", { class: "notice-region" }, `공지 · ${n.region}`), " ", el("span", { class: "notice-text" }, n.text),
    el("div", { class: "quiet notice-cite" }, `${n.cite || n.author} · ${timeLabel(n.ends_at)}까지`));
}

/** The notices an answer comes with (those in force that the question matches), above the answer text. */
export function renderAnswerNotices(node, notices) {
  const list = notices || [];
  node.replaceChildren(...list.map((n) => el("div", { class: "msg warn answer-notice", dataset: { noticeId: n.id } },
    el("b", {}, "공지 먼저 안내: "), n.text, el("div", { class: "quiet" }, n.cite))));
  node.hidden = !list.length;
}

class Live {
  constructor({ regions, onSuggestion, onTransfer, onTransferClaimed }) {
    this.regions = regions;            // () => the regions the widget follows (its caller-region picker)
    this.onSuggestion = onSuggestion;  // (data) => show a pushed suggestion
    this.onTransfer = onTransfer;      // (data) => show the summary of a call handed to this counselor
    this.onTransferClaimed = onTransferClaimed;  // (data) => a queued call of the agency was taken by someone
    this.timers = new Map();           // notice id → the timer that takes it down when it expires
    this.stream = new EventStream({
      params: () => {
        const params = new URLSearchParams();
        for (const r of this.regions()) params.append("region", r);
        return params;
      },
      onEvent: (name, data) => this.dispatch(name, data),
      onState: (state) => {
        if (state === "open") return;  // said by the "ready" event, with what it carries
        if (state === "unauthorized") { this.setState("closed", "토큰 확인 필요"); return; }
        document.body.dataset.liveConnections = String(Number(document.body.dataset.liveConnections || 0) + 1);
        this.setState("closed", "다시 연결하는 중…");
      },
      onUnauthorized: () => askToken("토큰이 없거나 만료되었습니다. 새 토큰을 입력하세요."),
    });
  }

  setState(value, text) {
    const box = $("live-state");
    document.body.dataset.live = value;
    box.dataset.state = value;
    box.textContent = text;
  }

  /** Start again with the current regions, resuming after the last event seen (a region was changed). */
  reconnect() {
    this.loadNotices();
    this.stream.restart();
  }

  async loadNotices() {
    const params = new URLSearchParams({ status: "active" });
    const region = this.regions()[0];
    if (region) params.set("region", region);
    try {
      const res = await fetch(`/v1/notices?${params}`, { headers: { Authorization: `Bearer ${getToken()}`, Accept: "application/json" } });
      if (!res.ok) return;
      const { data } = await res.json();
      for (const li of [...$("live-notices").children]) this.dropNotice(li.dataset.noticeId);
      for (const n of data.reverse()) this.showNotice(n);
    } catch {
      // the pushed notices still arrive; the list is reloaded on the next reconnect
    }
  }

  showNotice(n) {
    if (n.status && n.status !== "active") return;
    this.dropNotice(String(n.id));
    $("live-notices").prepend(noticeItem(n));
    const ms = new Date(n.ends_at).getTime() - Date.now();
    if (ms > 0 && ms < 2 ** 31) this.timers.set(String(n.id), setTimeout(() => this.dropNotice(String(n.id)), ms));
    $("live-box").hidden = false;
  }

  dropNotice(id) {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    for (const li of $("live-notices").querySelectorAll(`[data-notice-id="${CSS.escape(String(id))}"]`)) li.remove();
  }

  showAlert(a) {
    const li = el("li", { class: "msg bad alert-banner", dataset: { alertId: a.id ?? "" } },
      el("b", {}, `긴급 민원 · ${a.topic}`), ` ${a.region || "지역 모름"} · ${a.count ?? "?"}건`,
      el("button", { type: "button", class: "small", title: "닫기", onclick: () => li.remove() }, "닫기"));
    $("live-alerts").prepend(li);
    $("live-box").hidden = false;
  }

  dispatch(name, data) {
    if (name === "ready") {
      this.setState("open", "실시간 연결됨");
      if (data.lost) this.loadNotices();  // away too long: some events were dropped, read the list again
    } else if (name === "suggestion") {
      this.onSuggestion(data);
    } else if (name === "notice") {
      this.showNotice(data);
    } else if (name === "notice_end") {
      this.dropNotice(String(data.id));
    } else if (name === "alert") {
      this.showAlert(data);
    } else if (name === "transfer") {
      this.onTransfer?.(data);
    } else if (name === "transfer_claimed") {
      this.onTransferClaimed?.(data);
    }
  }

  async run() {
    this.loadNotices();
    await this.stream.run();
  }
}

/** Open the live connection; returns the controller (``reconnect()`` after the regions change). */
export function startLive(options) {
  const live = new Live(options);
  live.run();
  return live;
}
