// The 현행화 tab of the trends screen: per district and city department, how much was brought up to date in the
// quarter, the much-asked entries that were not, the ones whose contact or dates look stale; the quarterly report
// as HTML and CSV files for the city's district evaluation.
import { api, el, errorText, formatDate } from "/assets/api.js";
import { download } from "/assets/download.js";

const $ = (id) => document.getElementById(id);

function currentQuarter() {
  const kst = new Date(Date.now() + 9 * 3600_000);
  return `${kst.getUTCFullYear()}Q${Math.floor(kst.getUTCMonth() / 3) + 1}`;
}

function query() {
  const p = new URLSearchParams({ quarter: $("currency-quarter").value.trim().toUpperCase() });
  if ($("currency-region").value) p.set("region", $("currency-region").value);
  return p;
}

const pct = (r) => `${Math.round(r * 100)}%`;
const entryCell = (e) => el("td", {}, el("a", { href: `/editor/#entry=${encodeURIComponent(e.entry_id)}` }, e.title || e.entry_id),
  el("div", { class: "sub" }, e.entry_id));

function reasons(e) {
  const out = e.high_demand && !e.updated_in_quarter ? ["수요 많음·이번 분기 미갱신"] : [];
  return out.concat(e.findings.map((f) => f.label));
}

export async function loadCurrency() {
  const status = $("currency-status");
  status.textContent = "불러오는 중…";
  try {
    const res = await api("GET", `/v1/currency?${query()}&limit=50`);
    status.textContent = `${res.quarter} (${res.start} ~ ${res.end}) · ${res.region || "전체 지역"} · 항목 ${res.entries}개 중 분기 내 갱신 ${res.updated_in_quarter}개`;
    const none = (n) => [el("tr", {}, el("td", { colspan: n }, "없음"))];
    const units = res.units.map((u) => el("tr", { dataset: { unit: u.unit } },
      el("td", {}, u.unit), el("td", { class: "n" }, u.entries), el("td", { class: "n" }, u.updated_in_quarter),
      el("td", { class: u.rate < 0.5 ? "n low" : "n" }, pct(u.rate)), el("td", { class: "n" }, u.high_demand_not_updated),
      el("td", { class: "n" }, u.stale), el("td", {}, u.oldest_update || "—")));
    $("units-table").tBodies[0].replaceChildren(...(units.length ? units : none(7)));
    const todo = res.attention.map((e) => el("tr", { dataset: { entryId: e.entry_id } },
      entryCell(e), el("td", {}, e.unit), el("td", {}, e.last_update || "—"), el("td", { class: "n" }, e.demand),
      el("td", {}, el("ul", {}, reasons(e).map((r) => el("li", {}, r))))));
    $("attention-table").tBodies[0].replaceChildren(...(todo.length ? todo : none(5)));
    const oldest = res.by_last_update.map((e) => el("tr", {},
      entryCell(e), el("td", {}, e.unit), el("td", {}, e.last_update ? formatDate(e.last_update) : "—"), el("td", { class: "n" }, e.demand)));
    $("oldest-table").tBodies[0].replaceChildren(...(oldest.length ? oldest : none(4)));
    document.body.dataset.currency = res.quarter;
  } catch (err) {
    status.textContent = errorText(err);
  }
}

async function report(format, table) {
  const p = query();
  p.set("format", format);
  if (table) p.set("table", table);
  const name = format === "html" ? `현행화-${p.get("quarter")}.html` : `현행화-${p.get("quarter")}-${table}.csv`;
  try {
    await download(`/v1/reports/currency?${p}`, name);
  } catch (err) {
    $("currency-status").textContent = errorText(err);
  }
}

export function initCurrency() {
  $("currency-quarter").value = currentQuarter();
  $("currency-form").addEventListener("submit", (ev) => { ev.preventDefault(); loadCurrency(); });
  $("report-html").addEventListener("click", () => report("html"));
  $("report-csv").addEventListener("click", () => report("csv", "units"));
  $("report-entries-csv").addEventListener("click", () => report("csv", "entries"));
}
