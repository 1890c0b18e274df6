/* Team analytics on the team page: the rep × technique heatmap, the score trend (a chart with its
 * table), the outcomes per rep, and the team's assignments with a form to assign a scenario.
 * Runs beside manage.js (its ``state``, ``stamp`` and ``explain``); texts from the catalogue. */
"use strict";

const coachTeam = { analytics: null, assignments: [], scenarios: [], loading: 0 };

function periodSince() {
  const value = $("analytics-period").value;
  if (value === "all") return null;
  return new Date(Date.now() - Number(value) * 86400000).toISOString();
}

async function loadAnalytics() {
  const current = ++coachTeam.loading;
  const since = periodSince();
  try {
    const [analytics, assignments] = await Promise.all([
      api("GET", `/api/manager/analytics${since ? `?since=${encodeURIComponent(since)}` : ""}`),
      api("GET", "/api/manager/assignments"),
    ]);
    if (current !== coachTeam.loading) return;
    coachTeam.analytics = analytics;
    coachTeam.assignments = assignments;
  } catch (err) {
    if (err.status !== 401 && err.status !== 403) showBanner(explain(err));
    return;
  }
  renderAnalytics();
  renderTeamAssignments();
}

function heatmap(data) {
  const columns = data.techniques;
  const cell = (rep, id) => {
    const total = Object.values(rep.techniques).reduce((a, b) => a + b, 0) || 1;
    const count = rep.techniques[id] || 0;
    const share = count / total;
    const bad = BAD_TECHNIQUES.has(id) || id === "statement";
    // Colour by the technique's share of the rep's lines; the number is always written.
    const level = count === 0 ? 0 : Math.min(5, 1 + Math.floor(share * 10));
    return el("td", { class: `num c-heat c-heat-${level}${bad ? " c-heat-bad" : ""}`, "data-technique": id, "data-count": String(count),
      title: `${rep.name} · ${term("technique", id)}: ${count} (${Math.round(share * 100)}%)` }, String(count));
  };
  return el("div", { class: "m-table-wrap c-scroll" }, el("table", { class: "c-table", id: "heatmap" },
    el("caption", {}, t("web.coach.heatmapCaption")),
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, t("web.manage.colRep")),
      ...columns.map((id) => el("th", { scope: "col", class: "c-rot" }, term("technique", id))))),
    el("tbody", {}, ...data.reps.map((rep) => el("tr", { "data-rep": String(rep.id) },
      el("th", { scope: "row" }, rep.name), ...columns.map((id) => cell(rep, id)))))));
}

function outcomes(data) {
  const head = [t("web.manage.colRep"), t("web.coach.colScored"), t("web.manage.colAverage"), t("web.coach.colFacts"),
    t("web.coach.colDeadline"), t("web.coach.colBudget"), t("web.coach.colConfirmed"), t("web.coach.colWalkOuts"),
    t("web.coach.colAbandoned"), t("web.coach.colOpen")];
  return el("div", { class: "m-table-wrap c-scroll" }, el("table", { class: "c-table", id: "outcomes" },
    el("caption", {}, t("web.coach.outcomesCaption")),
    el("thead", {}, el("tr", {}, ...head.map((text, i) => el("th", { scope: "col", class: i ? "num" : "" }, text)))),
    el("tbody", {}, ...data.reps.map((rep) => el("tr", { "data-rep": String(rep.id) },
      el("th", { scope: "row" }, rep.name),
      ...[rep.scored, show(rep.average_score), rep.facts, rep.deadline, rep.budget, rep.confirmed, rep.walk_outs, rep.abandoned, rep.open]
        .map((v) => el("td", { class: "num" }, String(v))))))));
}

function trend(box, data) {
  const days = [...new Set(data.reps.flatMap((r) => r.trend.map((p) => p.day)))].sort();
  const series = data.reps.filter((r) => r.trend.length).map((rep) => {
    const byDay = Object.fromEntries(rep.trend.map((p) => [p.day, Math.round(p.score)]));
    return { name: rep.name, values: days.map((day) => (day in byDay ? byDay[day] : null)) };
  });
  if (!series.length) {
    box.replaceChildren(el("p", { class: "muted small" }, t("web.coach.noScores")));
    return;
  }
  lineChart(box, { id: "trend-chart", caption: t("web.coach.trendCaption"), labels: days, series, xTitle: t("web.coach.day") });
}

function renderAnalytics() {
  const data = coachTeam.analytics;
  const body = $("analytics-body");
  if (!data || !body) return;
  if (!data.reps.length) {
    body.replaceChildren(el("p", { class: "muted" }, t("web.manage.repsEmpty")));
    return;
  }
  const chart = el("div", { class: "c-chart-box" });
  body.replaceChildren(
    el("h3", {}, t("web.coach.heatmapTitle")), heatmap(data),
    el("h3", {}, t("web.coach.trendTitle")), chart,
    el("h3", {}, t("web.coach.outcomesTitle")), outcomes(data),
    el("p", { class: "muted small" }, t("web.coach.averageNote")));
  trend(chart, data);
}

/* ---------- assignments ---------- */

function statusBadge(a) {
  return el("span", { class: `badge c-status c-${a.status}`, "data-status": a.status }, assignmentStatusText(a.status));
}

function assignmentRows(list, { withRep = true } = {}) {
  return el("div", { class: "m-table-wrap c-scroll" }, el("table", { class: "c-table c-assignments" },
    el("thead", {}, el("tr", {},
      withRep ? el("th", { scope: "col" }, t("web.manage.colRep")) : null,
      el("th", { scope: "col" }, t("web.coach.scenario")),
      el("th", { scope: "col" }, t("web.coach.due")),
      el("th", { scope: "col", class: "num" }, t("web.coach.passMark")),
      el("th", { scope: "col" }, t("web.coach.status")),
      el("th", { scope: "col", class: "num" }, t("web.coach.bestScore")))),
    el("tbody", {}, ...list.map((a) => el("tr", { "data-assignment": String(a.id) },
      withRep ? el("th", { scope: "row" }, a.rep_name) : null,
      el("td", {}, `${a.title} · ${a.mode === "exam" ? t("web.common.exam") : t("web.common.practice")}`),
      el("td", {}, stamp(a.due_at)),
      el("td", { class: "num" }, String(a.pass_mark)),
      el("td", {}, statusBadge(a)),
      el("td", { class: "num" }, show(a.best_score)))))));
}

function renderTeamAssignments() {
  const body = $("assignments-body");
  if (!body) return;
  const list = coachTeam.assignments || [];
  const counts = {};
  for (const a of list) counts[a.status] = (counts[a.status] || 0) + 1;
  body.replaceChildren(
    el("p", { class: "small", id: "assignment-counts" }, ["open", "in_progress", "done", "passed", "overdue"]
      .map((s) => `${assignmentStatusText(s)} ${counts[s] || 0}`).join(" · ")),
    list.length ? assignmentRows(list) : el("p", { class: "muted small" }, t("web.coach.noAssignments")));
  renderAssignForm();
}

async function scenarioOptions() {
  if (!coachTeam.scenarios.length) {
    try {
      coachTeam.scenarios = await api("GET", "/api/scenarios");
    } catch (_) {
      coachTeam.scenarios = [];
    }
  }
  return coachTeam.scenarios.map((s) => el("option", { value: s.id }, (s.title && (s.title[state.lang] || Object.values(s.title)[0])) || s.id));
}

/* The fields of one assignment (scenario, mode, language, due date, pass mark), ids prefixed. */
async function assignmentFields(prefix) {
  const due = new Date(Date.now() + 7 * 86400000).toISOString().slice(0, 10);
  const field = (name, label, control) => el("div", { class: "c-field" }, el("label", { for: `${prefix}-${name}` }, label), control);
  return el("div", { class: "c-fields" },
    field("scenario", t("web.coach.scenario"), el("select", { id: `${prefix}-scenario` }, ...(await scenarioOptions()))),
    field("mode", t("web.coach.mode"), el("select", { id: `${prefix}-mode` },
      el("option", { value: "practice" }, t("web.common.practice")), el("option", { value: "exam" }, t("web.common.exam")))),
    field("language", t("web.coach.language"), el("select", { id: `${prefix}-language` },
      el("option", { value: state.lang === "en" ? "en" : "zh" }, state.lang === "en" ? "English" : "中文"),
      el("option", { value: state.lang === "en" ? "zh" : "en" }, state.lang === "en" ? "中文" : "English"))),
    field("due", t("web.coach.due"), el("input", { id: `${prefix}-due`, type: "date", value: due, required: true })),
    field("pass", t("web.coach.passMark"), el("input", { id: `${prefix}-pass`, type: "number", min: 0, max: 100, value: 60, required: true })));
}

function assignmentOf(prefix) {
  const day = $(`${prefix}-due`).value;
  const pass = Number($(`${prefix}-pass`).value);
  if (!day || !$(`${prefix}-scenario`).value || !(pass >= 0 && pass <= 100)) return null;
  return {
    scenario_id: $(`${prefix}-scenario`).value, mode: $(`${prefix}-mode`).value, language: $(`${prefix}-language`).value,
    due_at: new Date(`${day}T23:59:00`).toISOString(), pass_mark: Math.round(pass),
  };
}

async function renderAssignForm() {
  const box = $("assign-team");
  if (!box || box.dataset.lang === state.lang) return;
  box.dataset.lang = state.lang;
  const who = el("select", { id: "assign-who" }, el("option", { value: "team" }, t("web.coach.wholeTeam")),
    ...state.reps.map((r) => el("option", { value: String(r.id) }, r.name)));
  const error = el("p", { class: "form-error hidden", id: "assign-error", role: "alert" });
  const ok = el("p", { class: "m-ok hidden", id: "assign-ok", role: "status" }, t("web.coach.assigned"));
  const form = el("form", { class: "card c-form", id: "assign-form", novalidate: true },
    el("h3", {}, t("web.coach.assignTitle")),
    el("div", { class: "c-field" }, el("label", { for: "assign-who" }, t("web.coach.assignTo")), who),
    await assignmentFields("assign"), error, ok,
    el("button", { type: "submit", class: "btn btn-primary", id: "assign-send" }, t("web.coach.assign")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.classList.add("hidden");
    ok.classList.add("hidden");
    const order = assignmentOf("assign");
    if (!order) {
      error.textContent = t("web.coach.assignmentIncomplete");
      error.classList.remove("hidden");
      return;
    }
    const target = who.value === "team" ? { team: true } : { rep_ids: [Number(who.value)] };
    try {
      await api("POST", "/api/manager/assignments", { ...order, ...target });
      ok.classList.remove("hidden");
      await loadAnalytics();
    } catch (err) {
      error.textContent = explain(err);
      error.classList.remove("hidden");
    }
  });
  box.replaceChildren(form);
}

document.addEventListener("coach:team", () => {
  if (!$("analytics-period")) return;
  if ($("assign-team")) delete $("assign-team").dataset.lang; // names and language may have changed
  loadAnalytics();
});
document.addEventListener("DOMContentLoaded", () => {
  const period = $("analytics-period");
  if (period) period.addEventListener("change", loadAnalytics);
});
