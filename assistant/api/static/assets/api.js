// Shared by the widget and the editor: the API token, JSON requests, regions and small DOM helpers.
// The token lives in localStorage; a 401 asks for it again and then retries the request once.

const TOKEN_KEY = "ca_token";

export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

export const SCOPE_LABEL = { national: "전국", sido: "시도", sigungu: "시군구", agency: "기관" };
export const MODE_LABEL = { extractive: "추출 요약", llm: "AI 생성", abstain: "확인 불가" };
export const FACT_KEYS = ["대상", "지원내용", "신청방법", "문의처", "기한"];
export const REASONS = [
  ["wrong_entry", "다른 항목을 찾음"],
  ["outdated", "내용이 오래됨"],
  ["incomplete", "내용이 부족함"],
  ["wrong_region", "지역이 맞지 않음"],
  ["unclear", "이해하기 어려움"],
  ["other", "기타"],
];
// Seoul first: the 120 Dasan call center's own districts, shown even before /v1/regions answers.
export const SEOUL = "서울특별시";
export const SEOUL_DISTRICTS = [
  "강남구", "강동구", "강북구", "강서구", "관악구", "광진구", "구로구", "금천구", "노원구", "도봉구",
  "동대문구", "동작구", "마포구", "서대문구", "서초구", "성동구", "성북구", "송파구", "양천구", "영등포구",
  "용산구", "은평구", "종로구", "중구", "중랑구",
];

export function getToken() {
  return localStorage.getItem(TOKEN_KEY) || "";
}

export function setToken(token) {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

let pendingAsk = null;

/** Show the token dialog (once, however many requests wait for it) and resolve with the new token. */
export function askToken(message) {
  if (pendingAsk) return pendingAsk;
  const dlg = document.getElementById("token-dialog");
  const form = dlg.querySelector("form");
  const input = dlg.querySelector("input");
  const note = dlg.querySelector("[data-role=note]");
  note.textContent = message || "상담 지원 서비스의 API 토큰을 입력하세요. 이 PC의 브라우저에만 저장됩니다.";
  input.value = "";
  pendingAsk = new Promise((resolve) => {
    form.onsubmit = (ev) => {
      ev.preventDefault();
      const token = input.value.trim();
      if (!token) return;
      setToken(token);
      dlg.close();
      pendingAsk = null;
      resolve(token);
    };
  });
  dlg.oncancel = (ev) => ev.preventDefault();  // Esc must not leave waiting requests hanging
  if (!dlg.open) dlg.showModal();
  input.focus();
  return pendingAsk;
}

/** A JSON request to the service; throws ApiError with the contract's {error: {code, message}}. */
export async function api(method, path, body, { retry = true } = {}) {
  let token = getToken();
  if (!token) token = await askToken();
  const headers = { Authorization: `Bearer ${token}`, Accept: "application/json" };
  const init = { method, headers };
  if (body instanceof FormData) {
    init.body = body;  // multipart: the browser writes the boundary header itself
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, "NetworkError", "서버에 연결할 수 없습니다. 네트워크를 확인하세요.", null);
  }
  if (res.status === 401 && retry) {
    setToken("");
    await askToken("토큰이 없거나 만료되었습니다. 새 토큰을 입력하세요.");
    return api(method, path, body, { retry: false });
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const err = (data && data.error) || {};
    throw new ApiError(res.status, err.code || `HTTP${res.status}`, err.message || describeStatus(res.status), data);
  }
  return data;
}

/**
 * POST and read server-sent events (``Accept: text/event-stream``): ``onEvent(name, data)`` for each one.
 * Errors before the stream starts are thrown like ``api``'s; an ``error`` event is thrown as an ApiError.
 */
export async function apiStream(path, body, onEvent, { retry = true } = {}) {
  let token = getToken();
  if (!token) token = await askToken();
  let res;
  try {
    res = await fetch(path, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, Accept: "text/event-stream", "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "NetworkError", "서버에 연결할 수 없습니다. 네트워크를 확인하세요.", null);
  }
  if (res.status === 401 && retry) {
    setToken("");
    await askToken("토큰이 없거나 만료되었습니다. 새 토큰을 입력하세요.");
    return apiStream(path, body, onEvent, { retry: false });
  }
  const type = res.headers.get("content-type") || "";
  if (!res.ok || !type.includes("text/event-stream")) {
    let data = null;
    try { data = await res.json(); } catch { data = null; }
    if (res.ok && data) { onEvent("json", data); return; }  // a server that answers JSON anyway
    const err = (data && data.error) || {};
    throw new ApiError(res.status, err.code || `HTTP${res.status}`, err.message || describeStatus(res.status), data);
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (value) buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let name = "message";
      const data = [];
      for (const line of frame.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (!data.length) continue;
      const parsed = JSON.parse(data.join("\n"));
      if (name === "error") throw new ApiError(res.status, parsed.code || "Error", parsed.message || "답변을 만들지 못했습니다.", { error: parsed });
      onEvent(name, parsed);
    }
    if (done) return;
  }
}

function describeStatus(status) {
  if (status === 401) return "인증이 필요합니다.";
  if (status === 403) return "이 작업을 할 권한이 없습니다.";
  if (status === 404) return "찾을 수 없습니다.";
  if (status === 409) return "다른 변경과 충돌했습니다.";
  if (status >= 500) return "서버 오류가 발생했습니다. 잠시 후 다시 시도하세요.";
  return `요청이 실패했습니다 (HTTP ${status}).`;
}

/** A readable Korean line for an error, for status lines. */
export function errorText(err) {
  if (err instanceof ApiError) {
    if (err.status === 403) return "권한이 없습니다: 이 토큰의 역할로는 할 수 없는 작업입니다.";
    return err.message;
  }
  return String(err && err.message ? err.message : err);
}

let regionsCache = null;

/** {sido: [...], districts: {sido: [...]}} from the service, Seoul's 25 districts if it cannot answer. */
export async function loadRegions() {
  if (regionsCache) return regionsCache;
  try {
    regionsCache = await api("GET", "/v1/regions");
  } catch {
    regionsCache = { sido: [SEOUL], districts: { [SEOUL]: SEOUL_DISTRICTS } };
  }
  return regionsCache;
}

/** Fill a <select> with "지역 모름" (or another empty label), Seoul's districts, then every other region. */
export function fillRegionSelect(select, regions, { emptyLabel = "지역 모름", selected = "" } = {}) {
  select.replaceChildren();
  select.append(new Option(emptyLabel, ""));
  const seoul = el("optgroup", { label: SEOUL });
  seoul.append(new Option(`${SEOUL} (구 모름)`, SEOUL));
  const seoulDistricts = regions.districts?.[SEOUL]?.length ? regions.districts[SEOUL] : SEOUL_DISTRICTS;
  for (const d of [...seoulDistricts].sort((a, b) => a.localeCompare(b, "ko"))) {
    seoul.append(new Option(`${SEOUL} ${d}`, `${SEOUL} ${d}`));
  }
  select.append(seoul);
  for (const sido of regions.sido || []) {
    if (sido === SEOUL) continue;
    const group = el("optgroup", { label: sido });
    group.append(new Option(`${sido} (시군구 모름)`, sido));
    for (const d of regions.districts?.[sido] || []) group.append(new Option(`${sido} ${d}`, `${sido} ${d}`));
    select.append(group);
  }
  if (selected && ![...select.options].some((o) => o.value === selected)) select.append(new Option(selected, selected));
  select.value = selected;
}

export function regionLabel(item) {
  if (!item.sido) return "전국";
  return [item.sido, item.sigungu].filter(Boolean).join(" ");
}

export function formatDate(value) {
  if (!value) return "";
  const s = String(value);
  // the manuals' own "updated" field is a date as the source wrote it: 2023, 202607, 20260716 or 2026-07-16
  if (/^\d{4}$/.test(s)) return s;
  if (/^\d{6}$/.test(s)) return `${s.slice(0, 4)}-${s.slice(4, 6)}`;
  if (/^\d{8}$/.test(s)) return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
  if (/^\d{4}-\d{2}(-\d{2})?$/.test(s)) return s;
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return s;
  return d.toLocaleString("ko-KR", { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
}

/** el("div", {class: "x", onclick: f}, child, "text") */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
    else if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    // through the CSSOM: the Content-Security-Policy refuses style attributes, not style properties
    else if (k === "style") node.style.cssText = String(v);
    else if (v === true) node.setAttribute(k, "");
    else node.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

export function scopeBadge(scope) {
  return el("span", { class: `badge scope-${scope}` }, SCOPE_LABEL[scope] || scope || "—");
}

/** Who the token belongs to, shown in the header; null when the route is not there. */
export async function whoAmI() {
  try {
    return await api("GET", "/v1/me");
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

/** Copy text; falls back to a hidden textarea where the clipboard API is refused. */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const ta = el("textarea", { style: "position:fixed;left:-9999px", "aria-hidden": "true" });
    ta.value = text;
    document.body.append(ta);
    ta.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch {
      ok = false;
    }
    ta.remove();
    return ok;
  }
}

/** Render a unified diff (the contract's content_diff lines) and the per-field changes. */
export function renderDiff(diff) {
  const wrap = el("div", { class: "diff-view" });
  const fields = (diff.changes || []).filter((c) => c.field !== "content");
  if (fields.length) {
    const table = el("table", { class: "changes" },
      el("thead", {}, el("tr", {}, el("th", {}, "항목"), el("th", {}, "이전"), el("th", {}, "이후"))),
      el("tbody", {}, fields.map((c) => el("tr", {},
        el("th", {}, FIELD_LABEL[c.field] || c.field),
        el("td", { class: "before" }, fmtValue(c.before)),
        el("td", { class: "after" }, fmtValue(c.after))))));
    wrap.append(table);
  }
  const lines = diff.content_diff || [];
  if (lines.length) {
    const pre = el("pre", { class: "diff", "aria-label": "본문 변경 내용" });
    for (const line of lines) {
      let cls = "ctx";
      if (line.startsWith("+++") || line.startsWith("---")) cls = "hunk";
      else if (line.startsWith("@@")) cls = "hunk";
      else if (line.startsWith("+")) cls = "add";
      else if (line.startsWith("-")) cls = "del";
      pre.append(el("span", { class: cls }, line));
    }
    wrap.append(pre);
  }
  if (!fields.length && !lines.length) wrap.append(el("p", { class: "status" }, "두 버전의 내용이 같습니다."));
  return wrap;
}

export const FIELD_LABEL = {
  title: "제목", content: "본문", department: "담당 부서", contact: "문의처", status: "상태", scope: "적용 범위",
  sido: "시도", sigungu: "시군구", source_url: "출처", category: "분야", tags: "태그", updated: "갱신일",
};

function fmtValue(v) {
  if (v === null || v === undefined || v === "") return "—";
  if (Array.isArray(v)) return v.join(", ");
  return String(v);
}
