// The trends screen (supervisors, editors, QA): questions per hour and day by topic and district, the most-asked
// entries, the questions with no good answer, abstentions; every table as CSV. The 현행화 tab lives in currency.js.
import { api, askToken, el, errorText, fillRegionSelect, getToken, loadRegions, whoAmI } from "/assets/api.js";
import { initCurrency, loadCurrency } from "/assets/currency.js";
import { download } from "/assets/download.js";
import { plotAbstentions, plotSeries, resizeCharts } from "/assets/trends-charts.js";

const $ = (id) => document.getElementById(id);
const TABS = ["trends", "currency"];
const KIND = { abstained: "답변 보류", low_confidence: "낮은 신뢰도", thumbs_down: "부정 의견" };
let last = null;  // the last report shown: the plots switch between topic and district without asking again

function kstToday() {
  return new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 10);
}

function daysBefore(day, n) {
  return new Date(Date.parse(`${day}T00:00:00Z`) - n * 86400_000).toISOString().slice(0, 10);
}

function showTab(name) {
  for (const tab of TABS) {
    $(`tab-${tab}`).setAttribute("aria-selected", String(tab === name));
    $(`tab-${tab}`).tabIndex = tab === name ? 0 : -1;
    $(`view-${tab}`).hidden = tab !== name;
  }
  if (name === "currency") loadCurrency();
  else if (last) drawPlots();
}

function params() {
  const p = new URLSearchParams({ from: $("trends-from").value, to: $("trends-to").value });
  if ($("trends-region").value) p.set("region", $("trends-region").value);
  return p;
}

async function loadTrends() {
  $("trends-status").textContent = "불러오는 중…";
  try {
    last = await api("GET", `/v1/trends?${params()}`);
    const region = last.region || "전체 지역";
    $("trends-status").textContent = `${last.from} ~ ${last.to} · ${region} · 질문 ${last.questions}건 · 답변 보류 ${last.abstained}건`
      + (last.truncated ? " (너무 많아 일부만 셌습니다)" : "");
    document.body.dataset.questions = String(last.questions);
    drawPlots();
    drawTables();
  } catch (err) {
    $("trends-status").textContent = errorText(err);
  }
}

function drawPlots() {
  plotSeries($("chart-hourly"), last[`hourly_${$("hourly-by").value}`]);
  plotSeries($("chart-daily"), last[`daily_${$("daily-by").value}`]);
  plotAbstentions($("chart-abstentions"), last.abstentions);
}

function row(...cells) {
  return el("tr", {}, cells);
}

function drawTables() {
  const entries = last.entries.map((e) => row(
    el("td", {}, el("a", { href: `/editor/#entry=${encodeURIComponent(e.entry_id)}` }, e.title || e.entry_id),
      el("div", { class: "sub" }, e.entry_id)),
    el("td", {}, e.topic), el("td", { class: "n" }, e.count), el("td", { class: "n" }, e.not_good)));
  $("entries-table").tBodies[0].replaceChildren(...(entries.length ? entries : [row(el("td", { colspan: 4 }, "없음"))]));
  const groups = last.unanswered.map((g) => row(
    el("td", {}, el("strong", {}, g.label), el("ul", {}, g.questions.map((q) => el("li", {}, q)))),
    el("td", { class: "n" }, g.count),
    el("td", {}, Object.entries(g.kinds).filter(([, n]) => n).map(([k, n]) => `${KIND[k] || k} ${n}`).join(", ")),
    el("td", {}, g.districts.join(", "))));
  $("unanswered-table").tBodies[0].replaceChildren(...(groups.length ? groups : [row(el("td", { colspan: 4 }, "없음"))]));
}

async function csv(table) {
  const p = params();
  p.set("format", "csv");
  p.set("table", table);
  try {
    await download(`/v1/trends?${p}`, `trends-${table}-${p.get("from")}-${p.get("to")}.csv`);
  } catch (err) {
    $("trends-status").textContent = errorText(err);
  }
}

async function showWho() {
  try {
    const me = await whoAmI();
    $("who").textContent = me ? `${me.name} · ${me.role}` : "";
    if (me && !(me.permissions || []).includes("trends")) {
      $("trends-status").textContent = "이 토큰의 역할로는 수요 동향과 현행화 보고서를 볼 수 없습니다 (감독자·편집자·품질 담당·관리자).";
      return false;
    }
  } catch (err) {
    $("trends-status").textContent = errorText(err);
    return false;
  }
  return true;
}

async function init() {
  const today = kstToday();
  $("trends-to").value = today;
  $("trends-from").value = daysBefore(today, 6);
  for (const id of ["trends-region", "currency-region"]) fillRegionSelect($(id), { sido: [], districts: {} }, { emptyLabel: "전체 지역" });
  for (const tab of TABS) $(`tab-${tab}`).addEventListener("click", () => showTab(tab));
  $("trends-form").addEventListener("submit", (ev) => { ev.preventDefault(); loadTrends(); });
  for (const id of ["hourly-by", "daily-by"]) $(id).addEventListener("change", () => last && drawPlots());
  for (const b of document.querySelectorAll("[data-csv]")) b.addEventListener("click", () => csv(b.dataset.csv));
  $("change-token").addEventListener("click", async () => { await askToken("새 API 토큰을 입력하세요."); if (await showWho()) loadTrends(); });
  window.addEventListener("resize", resizeCharts);
  initCurrency();

  if (!getToken()) await askToken();
  const ok = await showWho();
  const regions = await loadRegions();
  for (const id of ["trends-region", "currency-region"]) fillRegionSelect($(id), regions, { emptyLabel: "전체 지역" });
  if (ok) await loadTrends();
  document.body.dataset.ready = "true";
  if (location.hash === "#currency") showTab("currency");
}

init();
