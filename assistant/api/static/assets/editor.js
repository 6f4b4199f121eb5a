// The knowledge editor's screens: find, edit (every save is a new version), history and diffs, retire, create, gaps;
// drafts, what a save changed in the answers, and the QA tab live in evals.js.
// A stale save or draft (409 VersionConflict) never loses the editor's text: the form is left as it was.
import {
  ApiError, api, askToken, el, errorText, fillRegionSelect, formatDate, getToken, loadRegions,
  regionLabel, renderDiff, scopeBadge, whoAmI,
} from "/assets/api.js";
import {
  closeDraft, initEvalsTab, loadRuns, setupDrafts, showEntryDrafts, stageDraft, stopRunsPolling, stopSaveEval,
  watchSaveEval,
} from "/assets/evals.js";
import { initGapDrafts, openGapDraft } from "/assets/gapdraft.js";

const $ = (id) => document.getElementById(id);
const EDITABLE = [["title", "edit-title-input"], ["content", "edit-content"], ["department", "edit-department"], ["contact", "edit-contact"]];
const PAGE = 20;
const TABS = ["find", "new", "import", "gaps", "evals"];
const GAP_KIND = { abstained: "답변 보류", low_confidence: "낮은 신뢰도", thumbs_down: "부정 의견" };

const state = {
  entry: null,        // the version the form was loaded from (or rebased onto)
  findOffset: 0,
  me: null,
};

// ---------- tabs ----------

function showTab(name) {
  for (const tab of TABS) {
    $(`tab-${tab}`).setAttribute("aria-selected", String(tab === name));
    $(`tab-${tab}`).tabIndex = tab === name ? 0 : -1;
    $(`view-${tab}`).hidden = tab !== name;
  }
  if (name === "gaps") loadGaps();
  if (name === "evals") loadRuns();
  else stopRunsPolling();
}

// ---------- find ----------

async function find(offset = 0) {
  state.findOffset = offset;
  const params = new URLSearchParams({ q: $("find-q").value.trim(), status: $("find-status").value, offset: String(offset), limit: String(PAGE) });
  const region = $("find-region").value;
  if (region) params.set("region", region);
  $("find-status-line").textContent = "찾는 중…";
  try {
    const res = await api("GET", `/v1/entries?${params}`);
    const items = res.data.map((e) => el("li", {}, el("button", { type: "button", class: "item", dataset: { entryId: e.entry_id }, onclick: () => openEntry(e.entry_id) },
      el("div", {}, el("strong", {}, e.title)),
      el("div", { class: "sub" }, scopeBadge(e.scope), el("span", {}, regionLabel(e)), el("span", {}, `v${e.version}`),
        el("span", {}, e.entry_id), e.status === "retired" ? el("span", { class: "badge retired" }, "폐지됨") : null))));
    $("find-results").hidden = false;
    $("find-toggle").hidden = true;
    if (offset === 0) $("find-results").replaceChildren(...items);
    else $("find-results").append(...items);
    const shown = offset + res.data.length;
    $("find-status-line").textContent = res.count ? `${res.count}건 중 ${shown}건` : "찾은 항목이 없습니다.";
    $("find-more").hidden = shown >= res.count;
  } catch (err) {
    $("find-status-line").textContent = errorText(err);
  }
}

// ---------- edit ----------

async function openEntry(entryId) {
  showTab("find");
  setMessage("");
  $("saved-diff").replaceChildren();
  stopSaveEval();
  closeDraft();
  try {
    const entry = await api("GET", `/v1/entries/${encodeURIComponent(entryId)}`);
    loadIntoForm(entry);
    $("current-box").hidden = true;
    $("retire-form").hidden = true;
    $("edit-box").hidden = false;
    collapseResults();
    history.replaceState(null, "", `#entry=${encodeURIComponent(entryId)}`);
    if (!$("history-box").hidden) await loadHistory();
    if (!state.me || (state.me.permissions || []).includes("edit_kb")) showEntryDrafts(entryId);  // not awaited
    $("edit-title-input").focus();
  } catch (err) {
    $("find-status-line").textContent = errorText(err);
  }
}

/** On a narrow panel the editor matters more than the list it was picked from: fold the list away. */
function collapseResults() {
  const list = $("find-results");
  if (!list.children.length) return;
  list.hidden = true;
  $("find-more").hidden = true;
  $("find-toggle").hidden = false;
}

function loadIntoForm(entry) {
  state.entry = entry;
  for (const [field, id] of EDITABLE) $(id).value = entry[field] || "";
  $("edit-note").value = "";
  showBase(entry);
}

/** The badges and expected_version follow the version the form is based on, not the text in it. */
function showBase(entry) {
  $("edit-expected").value = String(entry.version);
  $("edit-id").textContent = entry.entry_id;
  $("edit-version").textContent = `v${entry.version}`;
  $("edit-scope").replaceChildren(scopeBadge(entry.scope));
  $("edit-region").textContent = regionLabel(entry);
  $("edit-retired").hidden = entry.status !== "retired";
}

function setMessage(kind, ...content) {
  const box = $("edit-message");
  box.replaceChildren();
  if (!kind) return;
  box.append(el("div", { class: `msg ${kind}` }, ...content));
}

function widgetLink(entry, label = "위젯에서 검색") {
  const region = entry.sido ? [entry.sido, entry.sigungu].filter(Boolean).join(" ") : "";
  const params = new URLSearchParams({ q: entry.title });
  if (region) params.set("region", region);
  return el("a", { class: "btn", href: `/widget/?${params}`, target: "_blank", rel: "noopener", id: "try-in-widget" }, label);
}

/** The fields the form changed against the version it is based on. */
function formChanges() {
  const changes = {};
  for (const [field, id] of EDITABLE) {
    if ($(id).value !== (state.entry[field] || "")) changes[field] = $(id).value;
  }
  return changes;
}

async function save(ev) {
  ev.preventDefault();
  if (!state.entry) return;
  const changes = formChanges();
  const body = { expected_version: Number($("edit-expected").value), ...changes };
  const note = $("edit-note").value.trim();
  if (!Object.keys(changes).length) {
    setMessage("warn", "바뀐 내용이 없습니다.");
    return;
  }
  if (note) body.note = note;
  const before = body.expected_version;
  $("save-btn").disabled = true;
  try {
    const change = await api("PATCH", `/v1/entries/${encodeURIComponent(state.entry.entry_id)}`, body);
    const saved = change.entry;
    loadIntoForm(saved);
    $("current-box").hidden = true;
    setMessage("ok",
      el("div", {}, "저장했습니다: 새 버전 ", el("strong", { id: "saved-version" }, `v${saved.version}`), ". ",
        `검색에 바로 반영되었습니다 (색인 KB 버전 ${change.indexed_kb_version}).`),
      el("div", { class: "actions" }, widgetLink(saved)));
    closeDraft();
    watchSaveEval(saved.entry_id);  // not awaited: the run takes seconds; the result appears when it is there
    await showSavedDiff(saved.entry_id, before, saved.version);
    if (!$("history-box").hidden) await loadHistory();
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) showConflict(err, before);
    else setMessage("bad", errorText(err));
  } finally {
    $("save-btn").disabled = false;
  }
}

/** "초안으로 검토": the form's changes as a draft, evaluated before anything is published. */
async function reviewDraft() {
  if (!state.entry) return;
  const changes = formChanges();
  if (!Object.keys(changes).length) {
    setMessage("warn", "바뀐 내용이 없습니다.");
    return;
  }
  setMessage("");
  stopSaveEval();
  $("draft-btn").disabled = true;
  try {
    await stageDraft({ entryId: state.entry.entry_id, baseVersion: Number($("edit-expected").value), changes,
      note: $("edit-note").value.trim() });
  } finally {
    $("draft-btn").disabled = false;
  }
}

/** A draft opened from the entry's list: its changes go into the form, on top of the version it started from. */
function loadDraftIntoForm(draft) {
  if (!state.entry || draft.entry_id !== state.entry.entry_id) return;
  for (const [field, id] of EDITABLE) $(id).value = field in draft.changes ? draft.changes[field] : (state.entry[field] || "");
  $("edit-note").value = draft.note || "";
  setMessage(draft.base_version === state.entry.version ? "ok" : "warn",
    `초안 #${draft.id}의 내용을 양식에 불러왔습니다 (v${draft.base_version}에서 시작한 초안)`
    + (draft.base_version === state.entry.version ? "." : `. 그사이 v${state.entry.version}이(가) 저장되어 게시하면 충돌합니다.`));
}

/** A published draft is a saved version: the form moves to it, as after "저장". */
async function draftPublished(change, draft) {
  const saved = change.entry;
  loadIntoForm(saved);
  $("current-box").hidden = true;
  setMessage("ok",
    el("div", {}, "초안을 게시했습니다: 새 버전 ", el("strong", { id: "saved-version" }, `v${saved.version}`), ". ",
      `검색에 바로 반영되었습니다 (색인 KB 버전 ${change.indexed_kb_version}).`),
    el("div", { class: "actions" }, widgetLink(saved)));
  watchSaveEval(saved.entry_id);
  await showSavedDiff(saved.entry_id, draft.base_version, saved.version);
  if (!$("history-box").hidden) await loadHistory();
}

async function showSavedDiff(entryId, from, to) {
  const box = $("saved-diff");
  box.replaceChildren();
  try {
    const diff = await api("GET", `/v1/entries/${encodeURIComponent(entryId)}/diff?from_version=${from}&to_version=${to}`);
    box.append(el("div", { class: "box-title", style: "margin-top:10px" }, `변경 내용 v${from} → v${to}`), renderDiff(diff));
  } catch (err) {
    box.append(el("p", { class: "status" }, `변경 내용을 불러오지 못했습니다: ${errorText(err)}`));
  }
}

/** 409: someone saved first. Keep every character of the form; offer the current version beside it. */
function showConflict(err, expected) {
  const current = err.body?.error?.current_version;
  setMessage("bad",
    el("div", { id: "conflict-message" },
      el("strong", {}, "저장하지 못했습니다: 다른 사람이 먼저 이 항목을 수정했습니다."), " ",
      `편집을 시작한 버전은 v${expected}${current ? `, 지금 저장된 버전은 v${current}` : ""}입니다. `,
      "작성 중인 내용은 아래 양식에 그대로 남아 있습니다."),
    el("div", { class: "actions" },
      el("button", { type: "button", id: "load-current", onclick: () => showCurrent(expected) }, "현재 버전 불러와 나란히 보기")));
}

async function showCurrent(expected) {
  const id = state.entry.entry_id;
  try {
    const current = await api("GET", `/v1/entries/${encodeURIComponent(id)}`);
    const rows = [["제목", current.title], ["담당 부서", current.department], ["문의처", current.contact],
      ["작성자", current.author], ["사유", current.change_note], ["저장 시각", formatDate(current.created_at)]].filter(([, v]) => v);
    const body = $("current-body");
    body.replaceChildren(
      el("div", { class: "toolbar" }, el("span", { class: "badge", id: "current-version" }, `v${current.version}`)),
      el("dl", { class: "kv" }, rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])),
      el("div", { class: "entry-content", id: "current-content" }, current.content),
      el("div", { class: "toolbar", style: "margin-top:6px" },
        el("button", { type: "button", id: "rebase-btn", onclick: () => rebase(current) }, "내 내용으로 이어서 저장"),
        el("button", { type: "button", id: "take-current", onclick: () => takeCurrent(current) }, "현재 버전으로 바꾸기")));
    if (expected && expected !== current.version) {
      try {
        const diff = await api("GET", `/v1/entries/${encodeURIComponent(id)}/diff?from_version=${expected}&to_version=${current.version}`);
        body.append(el("div", { class: "box-title", style: "margin-top:8px" }, `그사이 바뀐 내용 v${expected} → v${current.version}`), renderDiff(diff));
      } catch {
        // the side-by-side view is enough without it
      }
    }
    $("current-box").hidden = false;
  } catch (err) {
    setMessage("bad", errorText(err));
  }
}

/** Keep the form's text and save it on top of the current version next time. */
function rebase(current) {
  state.entry = current;
  showBase(current);
  $("current-box").hidden = true;
  setMessage("warn", `이제 저장하면 작성 중인 내용이 현재 버전(v${current.version}) 다음 버전으로 저장됩니다. 그사이 바뀐 내용을 덮어쓰지 않는지 확인하세요.`);
  $("edit-content").focus();
}

function takeCurrent(current) {
  loadIntoForm(current);
  $("current-box").hidden = true;
  setMessage("ok", `현재 버전(v${current.version})을 불러왔습니다.`);
}

async function retire(ev) {
  ev.preventDefault();
  if (!state.entry) return;
  const expected = Number($("edit-expected").value);
  try {
    const change = await api("POST", `/v1/entries/${encodeURIComponent(state.entry.entry_id)}/retire`,
      { expected_version: expected, note: $("retire-note").value.trim() });
    loadIntoForm(change.entry);
    $("retire-form").hidden = true;
    setMessage("ok", `폐지했습니다 (새 버전 v${change.entry.version}). 이력은 그대로 남고, 더 이상 검색되지 않습니다.`);
    if (!$("history-box").hidden) await loadHistory();
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) showConflict(err, expected);
    else setMessage("bad", errorText(err));
  }
}

// ---------- history ----------

async function loadHistory() {
  if (!state.entry) return;
  $("history-box").hidden = false;
  $("history-diff").replaceChildren();
  const rows = $("history-rows");
  try {
    const res = await api("GET", `/v1/entries/${encodeURIComponent(state.entry.entry_id)}/history`);
    const versions = [...res.data].sort((a, b) => b.version - a.version);
    rows.replaceChildren(...versions.map((v, i) => el("tr", {},
      el("td", {}, el("input", { type: "radio", name: "from", value: v.version, "aria-label": `이전: v${v.version}`, checked: i === 1 || versions.length === 1 })),
      el("td", {}, el("input", { type: "radio", name: "to", value: v.version, "aria-label": `이후: v${v.version}`, checked: i === 0 })),
      el("td", {}, `v${v.version}`, v.status === "retired" ? " (폐지)" : ""),
      el("td", {}, v.author || "—"),
      el("td", {}, v.change_note || "—"),
      el("td", {}, formatDate(v.created_at)))));
  } catch (err) {
    rows.replaceChildren(el("tr", {}, el("td", { colspan: 6 }, errorText(err))));
  }
}

async function compareSelected() {
  const from = document.querySelector("#history-rows input[name=from]:checked")?.value;
  const to = document.querySelector("#history-rows input[name=to]:checked")?.value;
  const box = $("history-diff");
  if (!from || !to) {
    box.replaceChildren(el("p", { class: "status" }, "두 버전을 고르세요."));
    return;
  }
  try {
    const diff = await api("GET", `/v1/entries/${encodeURIComponent(state.entry.entry_id)}/diff?from_version=${from}&to_version=${to}`);
    box.replaceChildren(el("div", { class: "box-title", style: "margin-top:8px" }, `v${from} → v${to}`), renderDiff(diff));
  } catch (err) {
    box.replaceChildren(el("p", { class: "msg bad" }, errorText(err)));
  }
}

// ---------- create ----------

async function create(ev) {
  ev.preventDefault();
  const scope = $("new-scope").value;
  const [sido = "", ...rest] = ($("new-region").value || "").split(" ");
  const body = {
    entry_id: $("new-id").value.trim(),
    title: $("new-title-input").value.trim(),
    content: $("new-content").value,
    scope,
    sido: scope === "national" ? "" : sido,
    sigungu: scope === "sigungu" ? rest.join(" ") : "",
  };
  for (const [key, id] of [["department", "new-department"], ["contact", "new-contact"], ["category", "new-category"],
    ["source_url", "new-source"], ["note", "new-note"]]) {
    const v = $(id).value.trim();
    if (v) body[key] = v;
  }
  const box = $("new-message");
  if (scope === "sigungu" && !body.sigungu) {
    box.replaceChildren(el("div", { class: "msg bad" }, "시군구 항목은 시군구까지 지역을 고르세요."));
    return;
  }
  if (scope === "sido" && !body.sido) {
    box.replaceChildren(el("div", { class: "msg bad" }, "시도 항목은 시도를 고르세요."));
    return;
  }
  try {
    const change = await api("POST", "/v1/entries", body);
    const entry = change.entry;
    box.replaceChildren(el("div", { class: "msg ok" },
      el("div", {}, `새 항목을 만들었습니다: ${entry.entry_id} (v${entry.version}). 검색에 바로 반영되었습니다 (색인 KB 버전 ${change.indexed_kb_version}).`),
      el("div", { class: "actions" }, widgetLink(entry),
        el("button", { type: "button", onclick: () => openEntry(entry.entry_id) }, "편집 화면에서 열기"))));
    $("new-form").reset();
  } catch (err) {
    box.replaceChildren(el("div", { class: "msg bad" }, errorText(err)));
  }
}

// ---------- import ----------

/** Preview (dry run) first; "가져오기" is enabled only for the file and options just previewed. */
async function runImport(dryRun) {
  const file = $("import-file").files[0];
  if (!file) {
    $("import-status").textContent = "파일을 고르세요.";
    return;
  }
  const form = new FormData();
  form.append("file", file);
  form.append("format", $("import-format").value);
  form.append("dry_run", String(dryRun));
  form.append("prune", String($("import-prune").checked));
  const mapping = $("import-mapping").files[0];
  if (mapping) form.append("mapping", mapping);
  $("import-status").textContent = dryRun ? "확인 중…" : "가져오는 중…";
  $("import-apply").disabled = true;
  const box = $("import-result");
  try {
    const res = await api("POST", "/v1/entries/import", form);
    $("import-status").textContent = "";
    box.replaceChildren(
      el("div", { class: `msg ${dryRun ? "warn" : "ok"}`, id: "import-summary" }, dryRun
        ? "미리 보기입니다: 아직 아무것도 바뀌지 않았습니다. 내용을 확인하고 가져오기를 누르세요."
        : `가져왔습니다. 검색에 바로 반영되었습니다 (색인 KB 버전 ${res.indexed_kb_version}).`),
      ...res.reports.map(importReport));
    $("import-apply").disabled = !dryRun;
  } catch (err) {
    $("import-status").textContent = "";
    box.replaceChildren(el("div", { class: "msg bad pre", id: "import-error" }, errorText(err)));
  }
}

function importReport(r) {
  const list = (label, ids) => (ids.length
    ? el("details", {}, el("summary", {}, `${label} ${ids.length}건`), el("ul", {}, ids.slice(0, 200).map((id) => el("li", {}, id))))
    : null);
  return el("div", { class: "report", dataset: { source: r.source } },
    el("strong", {}, r.source || "가져온 파일"),
    el("div", { class: "counts" },
      el("span", { class: "badge scope-sido" }, `추가 ${r.added.length}`),
      el("span", { class: "badge scope-national" }, `변경 ${r.changed.length}`),
      el("span", { class: "badge retired" }, `폐지 ${r.removed.length}`),
      el("span", { class: "badge" }, `그대로 ${r.unchanged}`)),
    list("추가", r.added), list("변경", r.changed), list("폐지", r.removed));
}

// ---------- gaps ----------

async function loadGaps() {
  $("gaps-status").textContent = "불러오는 중…";
  try {
    const res = await api("GET", `/v1/gaps?days=${$("gaps-days").value}&limit=50`);
    $("gaps-status").textContent = res.groups.length ? `${formatDate(res.since)} 이후` : "이 기간에 모인 공백이 없습니다.";
    $("gaps-list").replaceChildren(...res.groups.map((g) => el("div", { class: "gap-group" },
      el("div", { class: "toolbar" }, el("span", { class: `badge ${g.kind === "thumbs_down" ? "retired" : "mode-abstain"}` }, GAP_KIND[g.kind] || g.kind),
        el("strong", {}, g.label), el("span", { class: "spacer" }), el("span", { class: "quiet" }, `${g.count}건 · 최근 ${formatDate(g.last_seen)}`)),
      g.questions?.length ? el("ul", {}, g.questions.map((q) => el("li", {}, q))) : null,
      g.entries?.length ? el("div", { class: "toolbar", style: "margin-top:4px" }, el("span", { class: "quiet" }, "관련 항목:"),
        g.entries.map((e) => el("button", { type: "button", class: "small", onclick: () => openEntry(e.entry_id) }, e.title || e.entry_id))) : null,
      // a question the manuals could not answer: draft the entry they lack from it and its calls
      g.kind !== "thumbs_down" && g.suggestion_ids?.length && (!state.me || (state.me.permissions || []).includes("edit_kb"))
        ? el("div", { class: "toolbar", style: "margin-top:4px" },
          el("button", { type: "button", class: "small primary", dataset: { gapDraft: g.label }, onclick: () => openGapDraft(g) }, "새 항목 초안"))
        : null)));
  } catch (err) {
    $("gaps-status").textContent = errorText(err);
  }
}

// ---------- start ----------

async function init() {
  fillRegionSelect($("find-region"), { sido: [], districts: {} }, { emptyLabel: "전체 지역" });
  fillRegionSelect($("new-region"), { sido: [], districts: {} }, { emptyLabel: "지역 없음 (전국)" });
  const tabs = TABS;
  for (const tab of tabs) {
    $(`tab-${tab}`).addEventListener("click", () => showTab(tab));
    $(`tab-${tab}`).addEventListener("keydown", (ev) => {  // arrow keys move between tabs (WAI-ARIA tabs)
      if (ev.key !== "ArrowRight" && ev.key !== "ArrowLeft") return;
      const visible = tabs.filter((t) => !$(`tab-${t}`).hidden);
      const next = visible[(visible.indexOf(tab) + (ev.key === "ArrowRight" ? 1 : visible.length - 1)) % visible.length];
      showTab(next);
      $(`tab-${next}`).focus();
    });
  }
  $("find-form").addEventListener("submit", (ev) => { ev.preventDefault(); find(0); });
  $("find-next").addEventListener("click", () => find(state.findOffset + PAGE));
  $("find-toggle").addEventListener("click", () => { $("find-results").hidden = false; $("find-toggle").hidden = true; });
  $("edit-form").addEventListener("submit", save);
  $("draft-btn").addEventListener("click", reviewDraft);
  setupDrafts({
    isAdmin: () => state.me?.role === "admin",
    onPublished: draftPublished,
    onConflict: (err, base) => showConflict(err, base),
    onOpenDraft: loadDraftIntoForm,
  });
  initEvalsTab();
  initGapDrafts();
  $("history-btn").addEventListener("click", () => ($("history-box").hidden ? loadHistory() : ($("history-box").hidden = true)));
  $("compare-btn").addEventListener("click", compareSelected);
  $("retire-btn").addEventListener("click", () => { $("retire-form").hidden = !$("retire-form").hidden; if (!$("retire-form").hidden) $("retire-note").focus(); });
  $("retire-cancel").addEventListener("click", () => { $("retire-form").hidden = true; });
  $("retire-form").addEventListener("submit", retire);
  $("new-form").addEventListener("submit", create);
  $("import-preview").addEventListener("click", () => runImport(true));
  $("import-form").addEventListener("submit", (ev) => { ev.preventDefault(); runImport(false); });
  for (const id of ["import-file", "import-format", "import-mapping", "import-prune"]) {
    $(id).addEventListener("change", () => { $("import-apply").disabled = true; $("import-result").replaceChildren(); });
  }
  for (const id of ["import-file", "import-mapping"]) {  // the browser's own file box would speak its UI language
    $(id).addEventListener("change", () => {
      const name = $(id).files[0]?.name;
      document.querySelector(`[data-for=${id}]`).textContent = name || (id === "import-file" ? "선택한 파일 없음" : "없음");
    });
  }
  $("gaps-form").addEventListener("submit", (ev) => { ev.preventDefault(); loadGaps(); });
  $("change-token").addEventListener("click", async () => { await askToken("새 API 토큰을 입력하세요."); await showWho(); });
  document.addEventListener("keydown", (ev) => {
    if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === "s" && !$("edit-box").hidden) {
      ev.preventDefault();
      $("edit-form").requestSubmit();
    }
  });

  if (!getToken()) await askToken();
  await showWho();
  const regions = await loadRegions();
  fillRegionSelect($("find-region"), regions, { emptyLabel: "전체 지역" });
  fillRegionSelect($("new-region"), regions, { emptyLabel: "지역 없음 (전국)" });
  document.body.dataset.ready = "true";

  const m = /#entry=(.+)$/.exec(location.hash);
  if (m) await openEntry(decodeURIComponent(m[1]));
  else $("find-q").focus();
}

async function showWho() {
  try {
    state.me = await whoAmI();
    $("who").textContent = state.me ? `${state.me.name} · ${state.me.role}` : "";
    const canEdit = !state.me || (state.me.permissions || []).includes("edit_kb");
    for (const id of ["save-btn", "retire-btn", "draft-btn"]) $(id).disabled = !canEdit;
    $("tab-evals").hidden = !(!state.me || (state.me.permissions || []).includes("reports"));
    $("tab-new").hidden = !canEdit;
    $("tab-import").hidden = !canEdit;
    if (!canEdit) $("find-status-line").textContent = "이 토큰은 읽기 전용입니다: 항목을 보고 이력을 비교할 수 있지만 저장할 수 없습니다.";
  } catch (err) {
    $("find-status-line").textContent = errorText(err);
  }
}

init();
