// Plots of the trends screen, drawn by uPlot (vendored: /assets/vendor/uPlot.iife.min.js, loaded before this
// module as a classic script, so it is window.uPlot). Times are the service's KST buckets, shown in KST.
const PALETTE = ["#1f4e8c", "#d9534f", "#2e8b57", "#e69f00", "#7b3fa0", "#0090b0", "#8a5a00", "#c2185b", "#5d6778"];
const charts = new Map();  // container id → uPlot, replaced on each draw

/** "2026-11-02T13:00" or "2026-11-02" (KST) → unix seconds. */
export function kstSeconds(label) {
  const iso = label.length === 10 ? `${label}T00:00:00+09:00` : `${label}:00+09:00`;
  return Date.parse(iso) / 1000;
}

function width(box) {
  return Math.max(300, Math.floor(box.clientWidth || box.parentElement.clientWidth || 600));
}

function mount(box, opts, data) {
  const old = charts.get(box.id);
  if (old) old.destroy();
  box.replaceChildren();
  const chart = new window.uPlot(opts, data, box);
  charts.set(box.id, chart);
  return chart;
}

function empty(box, text) {
  const old = charts.get(box.id);
  if (old) old.destroy();
  charts.delete(box.id);
  const p = document.createElement("p");
  p.className = "empty";
  p.textContent = text;
  box.replaceChildren(p);
  box.dataset.total = "0";
}

const tz = (ts) => window.uPlot.tzDate(new Date(ts * 1000), "Asia/Seoul");

/** One line per name of a SeriesOut ({buckets, series: [{name, counts}]}); dataset.total = every count drawn. */
export function plotSeries(box, s, { title = "" } = {}) {
  const total = s.series.reduce((n, line) => n + line.total, 0);
  if (!total) {
    empty(box, "이 기간에 들어온 질문이 없습니다.");
    return null;
  }
  const xs = s.buckets.map(kstSeconds);
  const opts = {
    title, width: width(box), height: 240, tzDate: tz,
    scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max)] } },
    axes: [{}, { label: "질문 수", size: 50 }],
    series: [{ label: s.unit === "hour" ? "시각" : "날짜" },
      ...s.series.map((line, i) => ({
        label: line.name, stroke: PALETTE[i % PALETTE.length], width: 1.6,
        points: { show: s.buckets.length <= 62 }, value: (u, v) => (v == null ? "" : `${v}건`),
      }))],
  };
  mount(box, opts, [xs, ...s.series.map((line) => line.counts)]);
  box.dataset.total = String(total);
  box.dataset.lines = String(s.series.length);
  return total;
}

/** The daily abstention rate (%) with the day's questions on a second axis. */
export function plotAbstentions(box, days) {
  const asked = days.reduce((n, d) => n + d.questions, 0);
  if (!asked) {
    empty(box, "이 기간에 들어온 질문이 없습니다.");
    return;
  }
  const opts = {
    width: width(box), height: 220, tzDate: tz,
    scales: { x: { time: true }, rate: { range: [0, 100] }, n: { range: (u, min, max) => [0, Math.max(1, max)] } },
    axes: [{}, { scale: "rate", label: "보류 비율 (%)", size: 50 }, { scale: "n", side: 1, label: "질문 수", grid: { show: false } }],
    series: [{ label: "날짜" },
      { label: "보류 비율", scale: "rate", stroke: PALETTE[1], width: 2, value: (u, v) => (v == null ? "" : `${v.toFixed(1)}%`) },
      { label: "질문 수", scale: "n", stroke: PALETTE[8], width: 1, dash: [4, 4], value: (u, v) => (v == null ? "" : `${v}건`) }],
  };
  mount(box, opts, [days.map((d) => kstSeconds(d.day)), days.map((d) => d.rate * 100), days.map((d) => d.questions)]);
  box.dataset.total = String(days.reduce((n, d) => n + d.abstained, 0));
}

/** Redraw at the new width when the window is resized. */
export function resizeCharts() {
  for (const [id, chart] of charts) {
    const box = document.getElementById(id);
    if (box) chart.setSize({ width: width(box), height: chart.height });
  }
}
