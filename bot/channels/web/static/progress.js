/* The rep's progress page: what to practise next, the score trend (Chart.js, with the same
 * figures as a table for screen readers), the weakest technique and open assignments.
 * Everything comes from /api/progress; texts from the catalogue. */
"use strict";

const state = { lang: "zh", me: null, progress: null, scenarios: [], chart: null };

function explain(err) {
  if (err.status === 503) return t("web.common.dbDown");
  if (err.status === 0) return t("web.chat.offline");
  return err.message || t("web.common.genericError");
}

function showLogin() {
  $("signed-out").classList.remove("hidden");
  $("progress-body").classList.add("hidden");
}

function pick(dict, lang) {
  if (!dict) return "";
  return dict[lang] || dict.zh || dict.en || Object.values(dict)[0] || "";
}

function scenarioTitle(id) {
  const found = state.scenarios.find((s) => s.id === id);
  return found ? pick(found.title, state.lang) : id;
}

async function guide(technique) {
  try {
    return await api("GET", `/api/techniques/${encodeURIComponent(technique)}?lang=${state.lang}`);
  } catch (_) {
    return null; // the name alone still says what to practise
  }
}

async function renderNext(progress) {
  const box = $("next-body");
  const next = progress.next;
  if (!next) {
    box.replaceChildren(el("p", { class: "muted" }, progress.visits ? t("web.progress.nothingNext") : t("web.progress.noVisits")),
      el("a", { class: "btn btn-primary", href: "/chat" }, t("web.chat.newRehearsal")));
    return;
  }
  const about = await guide(next.technique);
  box.replaceChildren(
    el("p", { class: "next-line" },
      // TRANSLATORS: {technique} is a technique's name; {title} is a scenario's title.
      t("web.progress.nextLine", { technique: term("technique", next.technique), title: pick(next.title, state.lang) })),
    about ? el("p", { class: "muted" }, about.definition) : null,
    el("a", { class: "btn btn-primary", id: "practise-next", href: `/chat#scenario=${encodeURIComponent(next.scenario_id)}` },
      t("web.progress.practise")));
}

function renderTrend(progress) {
  const points = progress.trend.filter((p) => p.score !== null && p.score !== undefined);
  $("trend-empty").classList.toggle("hidden", points.length > 0);
  $("trend-box").classList.toggle("hidden", points.length === 0);
  const labels = points.map((p) => formatStamp(p.ended_at, { month: "short", day: "numeric" }));
  $("trend-table").replaceChildren(
    el("caption", { id: "trend-table-caption" }, t("web.progress.trendChart")),
    el("thead", {}, el("tr", {},
      el("th", { scope: "col" }, t("web.progress.axisVisit")),
      el("th", { scope: "col" }, t("web.progress.scenario")),
      el("th", { scope: "col" }, t("web.progress.state")),
      el("th", { scope: "col" }, t("web.progress.axisScore")))),
    el("tbody", {}, points.map((p, i) => el("tr", {},
      el("td", {}, labels[i]),
      el("td", {}, scenarioTitle(p.scenario_id)),
      el("td", {}, term("status", p.status)),
      el("td", {}, String(p.score))))));
  if (state.chart) state.chart.destroy();
  state.chart = null;
  if (!points.length || !window.Chart) return; // the table says it all without the chart
  state.chart = new window.Chart($("trend-chart"), {
    type: "line",
    data: {
      labels,
      datasets: [{ label: t("web.progress.axisScore"), data: points.map((p) => p.score), borderColor: "#1f4e79", backgroundColor: "#1f4e79", tension: 0.2 }],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      plugins: { legend: { display: false } },
      scales: {
        y: { min: 0, max: 100, title: { display: true, text: t("web.progress.axisScore"), color: "#4a5561" }, ticks: { color: "#4a5561" } },
        x: { title: { display: true, text: t("web.progress.axisVisit"), color: "#4a5561" }, ticks: { color: "#4a5561" } },
      },
    },
  });
}

async function renderWeakest(progress) {
  const box = $("weakest-body");
  if (!progress.weakest) {
    box.replaceChildren(el("p", { class: "muted" }, t("web.progress.noVisits")));
    return;
  }
  const stat = progress.techniques.find((s) => s.technique === progress.weakest);
  const about = await guide(progress.weakest);
  box.replaceChildren(
    el("p", { class: "weakest-name" }, el("strong", { "data-technique": progress.weakest }, term("technique", progress.weakest))),
    // TRANSLATORS: {used} and {visits} are counts of visits.
    el("p", {}, t("web.progress.usedIn", { used: stat ? stat.visits : 0, visits: progress.visits })),
    about ? el("p", {}, about.definition) : null,
    about && about.mistakes.length ? el("h3", {}, t("web.chat.explainMistakes")) : null,
    about && about.mistakes.length ? el("ul", {}, about.mistakes.map((m) => el("li", {}, m))) : null);
}

function renderTechniques(progress) {
  $("techniques-table").replaceChildren(
    el("thead", {}, el("tr", {},
      el("th", { scope: "col" }, t("web.progress.technique")),
      el("th", { scope: "col" }, t("web.progress.uses")),
      el("th", { scope: "col" }, t("web.progress.visitsUsed")),
      el("th", { scope: "col" }, t("web.progress.trustChange")))),
    el("tbody", {}, progress.techniques.map((s) => el("tr", { "data-technique": s.technique },
      el("td", {}, term("technique", s.technique)),
      el("td", {}, String(s.uses)),
      el("td", {}, String(s.visits)),
      el("td", {}, `${s.trust_change > 0 ? "+" : ""}${s.trust_change}`)))));
}

function renderAssignments(progress) {
  const items = progress.assignments || [];
  $("assignments-empty").classList.toggle("hidden", items.length > 0);
  $("assignments").replaceChildren(...items.map((a) => el("li", { "data-assignment": String(a.id) },
    el("strong", {}, a.title || scenarioTitle(a.scenario_id)),
    ` · ${assignmentStatusText(a.status)}`,
    a.due_at ? ` · ${formatStamp(a.due_at)}` : "")));
}

async function render() {
  const progress = state.progress;
  if (!progress) return;
  $("signed-out").classList.add("hidden");
  $("progress-body").classList.remove("hidden");
  renderTrend(progress);
  renderTechniques(progress);
  renderAssignments(progress);
  await Promise.all([renderNext(progress), renderWeakest(progress)]);
}

function applyLanguage(lang) {
  translatePage(lang, "web.progress.title");
  render();
}

async function init() {
  const language = startLanguage(applyLanguage);
  await language;
  try {
    state.me = await signedInUser();
    if (!state.me) {
      showLogin();
      return;
    }
    [state.progress, state.scenarios] = await Promise.all([api("GET", "/api/progress"), api("GET", "/api/scenarios")]);
    await render();
  } catch (err) {
    showBanner(explain(err));
  }
}

document.addEventListener("DOMContentLoaded", init);
