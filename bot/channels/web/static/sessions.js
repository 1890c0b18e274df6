/* The managers' sessions list on the team page: filters, transcript search, sorting, "more"
 * pages (the API's cursor) and the CSV / JSON Lines downloads of what the filters select.
 * Uses manage.js (state, showView, followHash, stamp) and common.js. */
"use strict";

const list = { options: null, rows: [], total: 0, next: null, query: "", loading: 0 };
const FILTERS = [
  ["q", "s-q"], ["rep", "s-rep"], ["team", "s-team"], ["scenario", "s-scenario"], ["mode", "s-mode"],
  ["outcome", "s-outcome"], ["since", "s-since"], ["until", "s-until"], ["min_score", "s-min"],
  ["max_score", "s-max"], ["private", "s-private"], ["sort", "s-sort"],
];

function outcomeName(id) {
  return term("status", id);
}

function choices(select, items, keep) {
  const chosen = keep ? select.value : "";
  select.replaceChildren(...items.map(([value, label]) => el("option", { value }, label)));
  if (chosen && items.some(([value]) => value === chosen)) select.value = chosen;
}

function fillChoices() {
  const o = list.options;
  if (!o) return;
  const any = ["", t("web.sessions.any")];
  choices($("s-rep"), [any, ...o.reps.map((r) => [String(r.id), `${r.name} (${r.login})`])], true);
  choices($("s-team"), [any, ...o.teams.map((team) => [String(team.id), team.name])], true);
  $("s-team-wrap").classList.toggle("hidden", o.teams.length < 2);
  choices($("s-scenario"), [any, ...o.scenarios.map((s) => [s.id, s.title[state.lang] || s.title.zh || s.id])], true);
  choices($("s-mode"), [any, ["practice", t("web.common.practice")], ["exam", t("web.common.exam")]], true);
  choices($("s-outcome"), [any, ...o.outcomes.map((id) => [id, outcomeName(id)])], true);
  choices($("s-private"), [any, ["false", t("web.sessions.shared")], ["true", t("web.sessions.private")]], true);
  choices($("s-sort"), [
    ["newest", t("web.sessions.sortNewest")], ["oldest", t("web.sessions.sortOldest")],
    ["score_high", t("web.sessions.sortHigh")], ["score_low", t("web.sessions.sortLow")],
  ], true);
}

/* The query string of the filters as they are on the form now. */
function filterQuery() {
  const params = new URLSearchParams();
  for (const [name, id] of FILTERS) {
    const value = $(id).value.trim();
    if (value && !(name === "sort" && value === "newest")) params.set(name, value);
  }
  return params.toString();
}

function checkFilters() {
  const low = $("s-min").value, high = $("s-max").value;
  if (low && high && Number(low) > Number(high)) return t("web.sessions.badScores");
  const since = $("s-since").value, until = $("s-until").value;
  if (since && until && since > until) return t("web.sessions.badDates");
  return "";
}

function updateDownloads() {
  const query = filterQuery();
  $("s-csv").href = `/api/manager/export?format=csv${query ? `&${query}` : ""}`;
  $("s-jsonl").href = `/api/manager/export?format=jsonl${query ? `&${query}` : ""}`;
}

async function loadPage({ more = false } = {}) {
  const problem = checkFilters();
  $("s-error").textContent = problem;
  $("s-error").classList.toggle("hidden", !problem);
  if (problem) return;
  const current = ++list.loading;
  if (!more) list.query = filterQuery();
  const params = new URLSearchParams(list.query);
  params.set("limit", "50");
  if (more && list.next) params.set("cursor", list.next);
  try {
    const page = await api("GET", `/api/manager/sessions?${params}`);
    if (current !== list.loading) return;
    list.rows = more ? [...list.rows, ...page.sessions] : page.sessions;
    list.total = page.total;
    list.next = page.next_cursor;
    showBanner("");
  } catch (err) {
    if (current === list.loading) showBanner(explain(err));
  }
  updateDownloads();
  renderSessionList();
}

function renderSessionList() {
  if (!$("s-rows")) return;
  fillChoices();
  $("s-rows").replaceChildren(...list.rows.map((row) => el("tr", { "data-session": row.id, "data-rep": String(row.rep_id) },
    el("td", { "data-label": t("web.sessions.started") }, stamp(row.started_at)),
    el("th", { scope: "row", "data-label": t("web.manage.colRep") },
      el("button", { type: "button", class: "linklike m-rep-link", onclick: () => openFromList(row) }, row.rep_name),
      el("span", { class: "muted small m-login" }, row.team || "")),
    el("td", { "data-label": t("web.sessions.scenario") }, row.title,
      row.private ? el("span", { class: "badge s-private-badge", title: t("web.sessions.privateHint") }, t("web.sessions.private")) : null),
    el("td", { "data-label": t("web.sessions.mode") }, row.mode === "exam" ? t("web.common.exam") : t("web.common.practice")),
    el("td", { "data-label": t("web.sessions.outcome") }, el("span", { class: `badge s-outcome-${row.status}` }, outcomeName(row.status))),
    el("td", { class: "num", "data-label": t("web.sessions.score") }, row.score === null ? "—" : String(row.score)))));
  for (const tr of $("s-rows").querySelectorAll("tr")) {
    tr.addEventListener("click", (event) => {
      if (!event.target.closest("button")) openFromList(list.rows.find((r) => r.id === tr.dataset.session));
    });
  }
  $("s-total").textContent = t("web.sessions.total", { count: list.total });
  $("s-empty").classList.toggle("hidden", list.rows.length > 0);
  $("s-table").classList.toggle("hidden", list.rows.length === 0);
  $("s-more").classList.toggle("hidden", !list.next);
}

/* A row opens the transcript in the rep's page (#rep-N/session-ID): back returns here. */
async function openFromList(row) {
  if (!row) return;
  history.pushState(null, "", `#rep-${row.rep_id}/session-${row.id}`);
  await followHash();
}

async function showSessionList() {
  showView("sessions");
  state.rep = null;
  state.session = null;
  if (!list.options) {
    try {
      list.options = await api("GET", "/api/manager/filters");
    } catch (err) {
      return showBanner(explain(err));
    }
  }
  fillChoices();
  return loadPage();
}

function resetFilters() {
  for (const [, id] of FILTERS) $(id).value = "";
  $("s-sort").value = "newest";
  loadPage();
}

document.addEventListener("DOMContentLoaded", () => {
  $("s-filters").addEventListener("submit", (event) => {
    event.preventDefault();
    loadPage();
  });
  $("s-reset").addEventListener("click", resetFilters);
  $("s-more").addEventListener("click", () => loadPage({ more: true }));
  $("s-filters").addEventListener("change", updateDownloads);
  $("s-filters").addEventListener("input", updateDownloads);
  $("open-sessions").addEventListener("click", (event) => {
    event.preventDefault();
    if (location.hash !== "#sessions") history.pushState(null, "", "#sessions");
    showSessionList();
  });
  $("sessions-back").addEventListener("click", () => showTeam());
});
