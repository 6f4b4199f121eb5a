// The supervisor's alert screen: the urgent-issue alerts, acknowledged and resolved from here (each action
// is audited by the service). It follows the live stream (GET /v1/events): a new alert refreshes the list at
// once; a slow poll catches what the stream does not carry (another supervisor's acknowledgement, a count
// that grew) and stands in while the stream is down.
import { ApiError, api, askToken, el, errorText, formatDate, whoAmI } from "/assets/api.js";
import { EventStream } from "/assets/events.js";

const $ = (id) => document.getElementById(id);
const REFRESH_MS = 60000;
const LIVE_LABEL = { open: "실시간", closed: "다시 연결하는 중…", unauthorized: "실시간 연결 안 됨" };
let stream = null;
const STATUS_LABEL = { open: "열림", acknowledged: "확인", resolved: "해결" };
const KIND_LABEL = { urgent: "긴급", topic: "일반" };
let timer = null;

function minutes(seconds) {
  return `${Math.round(seconds / 60)}분`;
}

function card(alert) {
  const actions = [];
  if (alert.status === "open") {
    actions.push(el("button", { type: "button", class: "ack", onclick: () => act(alert.id, "acknowledge") }, "확인"));
  }
  if (alert.status !== "resolved") {
    actions.push(el("button", { type: "button", class: "resolve primary", onclick: () => act(alert.id, "resolve") }, "해결"));
  }
  const who = alert.resolved_by ? `해결 ${alert.resolved_by}` : alert.acknowledged_by ? `확인 ${alert.acknowledged_by}` : "";
  return el("li", { class: "card", dataset: { alertId: alert.id, status: alert.status } },
    el("div", { class: "open" },
      el("div", { class: "t" },
        el("span", { class: "topic" }, alert.topic),
        el("span", { class: "region" }, alert.region || "지역 미상"),
        el("span", { class: "badge" }, KIND_LABEL[alert.kind] || alert.kind),
        el("span", { class: "badge status" }, STATUS_LABEL[alert.status] || alert.status)),
      el("div", { class: "meta" },
        el("span", { class: "count" }, `최근 ${minutes(alert.window_seconds)} ${alert.count}건`),
        el("span", { class: "baseline" }, `평소 ${alert.baseline.toFixed(1)}건`),
        el("span", {}, `처음 ${formatDate(alert.first_seen)}`),
        el("span", {}, `마지막 ${formatDate(alert.last_seen)}`),
        who && el("span", {}, who)),
      el("ul", { class: "chips samples" }, alert.samples.map((s) => el("li", { class: "chip" }, s))),
      actions.length ? el("div", { class: "toolbar" }, actions) : null));
}

async function refresh() {
  const status = $("status-filter").value;
  try {
    const out = await api("GET", `/v1/alerts${status ? `?status=${encodeURIComponent(status)}` : ""}`);
    $("alerts").replaceChildren(...out.data.map(card));
    $("empty").hidden = out.data.length > 0;
    $("problem").hidden = true;
    $("refreshed").textContent = `갱신 ${new Date().toLocaleTimeString("ko-KR")}`;
    document.body.dataset.count = String(out.data.length);
  } catch (err) {
    showProblem(err);
  }
}

function showProblem(err) {
  const box = $("problem");
  box.textContent = err instanceof ApiError && err.status === 403
    ? "이 토큰으로는 알림을 볼 수 없습니다 (상황실장·관리자 전용)." : errorText(err);
  box.hidden = false;
}

async function act(id, action) {
  try {
    await api("POST", `/v1/alerts/${id}/${action}`);
  } catch (err) {
    showProblem(err);
  }
  await refresh();
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(async () => {
    if (!document.hidden) await refresh();
    schedule();
  }, REFRESH_MS);
}

async function main() {
  $("change-token").addEventListener("click", async () => {
    await askToken("새 API 토큰을 입력하세요.");
    await start();
  });
  $("status-filter").addEventListener("change", refresh);
  await start();
}

async function start() {
  try {
    const me = await whoAmI();
    $("who").textContent = me ? `${me.name} (${me.role})` : "";
  } catch (err) {
    showProblem(err);
  }
  await refresh();
  if (stream) stream.stop();
  stream = new EventStream({
    onEvent: (name) => { if (name === "alert") refresh(); },
    onState: (state) => {
      document.body.dataset.live = state;
      $("live-state").textContent = LIVE_LABEL[state] || state;
    },
  });
  stream.run();
  document.body.dataset.ready = "true";
  schedule();
}

main();
