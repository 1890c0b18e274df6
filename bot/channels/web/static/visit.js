/* During a visit: the customer card, the stage and step track, the trust curve with axes, and
 * the "explain" under a coach note. Exam mode shows only the conversation and the customer card
 * until the scorecard (the body's class "exam-live" hides the rest, see chat.css).
 * Loaded after common.js and before chat.js, which calls these functions. */
"use strict";

const TRACK_STEPS = ["opener", "curiosity", "analysis", "what_if", "how_do_you_see", "need_confirmation"];

/* ---------- the customer card ---------- */

function renderCustomerCard(view) {
  const scenario = scenarioById(view.scenario_id);
  const box = $("customer-card");
  if (!scenario) {
    box.classList.add("hidden");
    return;
  }
  const card = cardOf(scenario, state.lang);
  box.classList.remove("hidden");
  $("cc-summary").textContent = [card.name, card.title, card.company].filter(Boolean).join(" · ");
  $("cc-facts").replaceChildren(...briefingRows(scenario, state.lang));
  // Open beside the conversation on a desktop; one tap away on a phone.
  if (!box.dataset.touched) box.open = window.innerWidth >= 900;
}

/* ---------- where the visit stands ---------- */

function renderTrack(step, stage) {
  const reached = TRACK_STEPS.indexOf(step);
  const ended = step === "ended" || step === "closed_by_customer";
  $("track").replaceChildren(...TRACK_STEPS.map((id, index) => {
    const done = index < reached;
    const current = index === reached && !ended;
    return el("li", {
      class: `track-step${done ? " done" : ""}${current ? " current" : ""}`,
      "aria-current": current ? "step" : false,
      "data-step": id,
    }, el("span", { class: "track-dot", "aria-hidden": "true" }, done ? "✓" : String(index + 1)),
    el("span", { class: "track-name" }, term("step", id)));
  }));
  $("track-stage").textContent = stage ? `${t("web.chat.stageNow")} ${term("stage", stage)}` : "";
}

/* The trust after each of the customer's lines (each turn stores the visit's trust then). */
function trustPoints(turns) {
  return turns.filter((turn) => turn.speaker === "customer" && typeof turn.trust === "number")
    .map((turn) => trustPercent(turn.trust));
}

/* A line chart of trust (0-100) over the customer's lines, with both axes labelled, and a table
 * with the same figures for screen readers. */
function trustChart(values, caption) {
  const width = 320;
  const height = 120;
  const left = 30;
  const bottom = 22;
  const top = 8;
  const right = 8;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const x = (i) => left + (values.length > 1 ? (i * plotW) / (values.length - 1) : plotW / 2);
  const y = (v) => top + plotH - (v / 100) * plotH;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "axis-chart", "aria-hidden": "true", focusable: "false" });
  for (const tick of [0, 50, 100]) {
    chart.append(svg("line", { x1: left, x2: width - right, y1: y(tick), y2: y(tick), class: tick ? "grid" : "axis" }));
    const label = svg("text", { x: left - 5, y: y(tick) + 4, "text-anchor": "end", class: "tick" });
    label.textContent = String(tick);
    chart.append(label);
  }
  chart.append(svg("line", { x1: left, x2: left, y1: top, y2: top + plotH, class: "axis" }));
  const every = Math.max(1, Math.ceil(values.length / 8));
  values.forEach((_, i) => {
    if (i % every && i !== values.length - 1) return;
    const label = svg("text", { x: x(i), y: height - 6, "text-anchor": "middle", class: "tick" });
    label.textContent = String(i + 1);
    chart.append(label);
  });
  if (values.length) {
    const path = values.map((v, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    chart.append(svg("path", { d: path, class: "line" }));
    values.forEach((v, i) => chart.append(svg("circle", { cx: x(i), cy: y(v), r: 2.5, class: "dot" })));
  }
  const table = el("table", { class: "visually-hidden" },
    el("caption", {}, caption),
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, t("web.chat.axisLine")), el("th", { scope: "col" }, t("web.chat.trust")))),
    el("tbody", {}, values.map((v, i) => el("tr", {}, el("td", {}, String(i + 1)), el("td", {}, String(v))))));
  return el("div", { class: "axis-chart-box" },
    el("span", { class: "axis-title y", "aria-hidden": "true" }, t("web.chat.trust")),
    chart,
    el("span", { class: "axis-title x", "aria-hidden": "true" }, t("web.chat.axisLine")),
    table);
}

function renderLiveCurve() {
  const values = state.trust || [];
  $("live-curve").replaceChildren(trustChart(values, t("web.chat.trustCurve")));
}

/* Everything beside the conversation, from the session's status (a reply, an event, a reload). */
function renderVisitAids(status) {
  const exam = state.session && state.session.mode === "exam";
  const live = !status.status || status.status === "active";
  document.body.classList.toggle("exam-live", Boolean(exam && live));
  renderTrack(status.step, status.stage);
  renderLiveCurve();
}

/* ---------- "explain" under a coach note ---------- */

function explainControl(repSeq) {
  const techniques = state.techniquesOf[repSeq] || [];
  const id = techniques[0];
  if (!id || !state.session || state.session.mode !== "practice") return null;
  return el("button", {
    type: "button", class: "linklike explain-open", "data-technique": id,
    onclick: (event) => openExplanation(id, event.currentTarget),
  // TRANSLATORS: {technique} is a technique's name.
  }, t("web.chat.explain", { technique: term("technique", id) }));
}

async function openExplanation(id, opener) {
  const dialog = $("explain-dialog");
  let found;
  try {
    found = await api("GET", `/api/techniques/${encodeURIComponent(id)}?lang=${state.lang}`);
  } catch (err) {
    showBanner(explain(err));
    return;
  }
  const section = (title, items) => (items && items.length
    ? [el("h3", {}, title), el("ul", {}, items.map((item) => el("li", {}, item)))] : []);
  $("explain-title").textContent = found.name;
  $("explain-body").replaceChildren(
    el("p", { class: "explain-definition" }, found.definition),
    ...section(t("web.chat.explainExample"), found.examples.slice(0, 2)),
    ...section(t("web.chat.explainMistakes"), found.mistakes),
  );
  dialog.showModal();
  dialog.addEventListener("close", () => opener && opener.focus(), { once: true });
}
