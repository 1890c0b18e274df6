/* Sales coach team dashboard: a manager's reps and their progress, a rep's sessions, the
 * transcript reader and coaching notes. Plain JavaScript, no build step and no CDN.
 * Texts and the names of stages, steps and techniques come from the catalogue (common.js). */
"use strict";

const MANAGER_ROLES = ["manager", "admin"];
// Bumped by every navigation: an answer that arrives after a newer navigation is dropped, so
// quick clicks or back presses never leave an older rep or session on the screen.
let navigation = 0;

const state = {
  lang: "zh",
  me: null,
  reps: [],
  rep: null, // the rep whose page is open
  session: null, // the session open in the reader
  sessions: [], // the open rep's sessions
  notes: [], // the open rep's notes
};

function explain(err) {
  if (err.status === 503) return t("web.common.dbDown");
  if (err.code === "too_many_attempts") return t("web.common.tooManyAttempts");
  if (err.code === "too_many_sign_ins") return t("web.common.tooManyAtOnce");
  if (err.status === 0) return t("web.manage.offline");
  if (err.status === 404) return t("web.manage.notFound");
  return err.message || t("web.common.genericError");
}


function stamp(iso) {
  return formatStamp(iso); // in the user's time zone (common.js)
}

const show = (value) => (value === null || value === undefined ? "—" : String(value));

/* ---------- language ---------- */

function applyLanguage(lang) {
  translatePage(lang, "web.manage.title");
  renderReps();
  if (state.rep) {
    renderRepHead();
    renderSessions(state.sessions || []);
    renderNotes();
    updateNoteForm();
  }
  if (state.session) renderReader(state.session);
  if (typeof renderSessionList === "function") renderSessionList();
}

/* ---------- views ---------- */

function showView(name) {
  for (const view of ["login", "denied", "team", "rep", "sessions"]) $(`view-${view}`).classList.toggle("hidden", view !== name);
  $("sign-out").classList.toggle("hidden", name === "login");
  window.scrollTo(0, 0);
}

function showLogin(message) {
  showView("login");
  $("login-error").textContent = message || "";
  $("login-error").classList.toggle("hidden", !message);
  $("login").focus();
}

async function route() {
  if (!state.me) return showLogin();
  if (!MANAGER_ROLES.includes(state.me.role)) return showView("denied");
  $("open-admin").classList.toggle("hidden", state.me.role !== "admin");
  await showTeam({ push: false });
  return followHash();
}

/* The open rep and session live in the address (#rep-3/session-ab12…), so the browser's back
 * button goes from a transcript to the rep and on to the team, and a link can be shared. */
function currentHash() {
  if (!state.rep) return "";
  return state.session ? `#rep-${state.rep.id}/session-${state.session.id}` : `#rep-${state.rep.id}`;
}

function pushHash() {
  const wanted = currentHash();
  if (location.hash !== wanted) history.pushState(null, "", wanted || location.pathname);
}

async function followHash() {
  if (!state.me || !MANAGER_ROLES.includes(state.me.role)) return;
  if (location.hash === "#sessions") return showSessionList();
  const match = /^#rep-(\d+)(?:\/session-([\w-]+))?$/.exec(location.hash);
  if (!match) {
    if (state.rep) await showTeam({ push: false });
    return;
  }
  const repId = Number(match[1]);
  if ((!state.rep || state.rep.id !== repId) && !(await openRep(repId, { push: false }))) return;
  if (match[2] && (!state.session || state.session.id !== match[2])) {
    await openSession(match[2], { push: false });
  } else if (!match[2] && state.session) {
    state.session = null;
    closeReader();
    renderSessions(state.sessions);
    updateNoteForm();
  }
}

async function onLogin(event) {
  event.preventDefault();
  const submit = $("login-submit");
  submit.disabled = true;
  submit.textContent = t("web.common.signingIn");
  $("login-error").classList.add("hidden");
  try {
    await api("POST", "/api/auth/login", { login: $("login").value, password: $("password").value });
    $("password").value = "";
    state.me = await signedInUser();
    await route();
  } catch (err) {
    $("login-error").textContent = err.status === 401 ? t("web.common.wrongCredentials") : explain(err);
    $("login-error").classList.remove("hidden");
  } finally {
    submit.disabled = false;
    submit.textContent = t("web.common.signIn");
  }
}

async function onSignOut() {
  await api("POST", "/api/auth/logout").catch(() => null);
  state.me = null;
  state.rep = null;
  state.session = null;
  showLogin();
}

/* ---------- the team ---------- */

function sparkline(scores, { width = 96, height = 26 } = {}) {
  const values = (scores || []).filter((v) => typeof v === "number");
  if (!values.length) return el("span", { class: "muted" }, "—");
  const box = svg("svg", {
    viewBox: `0 0 ${width} ${height}`, width, height, class: "spark", role: "img",
    "aria-label": `${t("web.manage.trendLabel")}: ${values.join(", ")}`, "data-scores": values.join(","),
  });
  const pad = 3;
  const x = (i) => (values.length === 1 ? width / 2 : pad + (i * (width - 2 * pad)) / (values.length - 1));
  const y = (v) => height - pad - (Math.max(0, Math.min(100, v)) / 100) * (height - 2 * pad);
  box.append(svg("line", { x1: 0, x2: width, y1: y(50), y2: y(50), class: "spark-mid" }));
  if (values.length > 1) {
    box.append(svg("polyline", { points: values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" "), class: "spark-line" }));
  }
  const last = values[values.length - 1];
  box.append(svg("circle", { cx: x(values.length - 1), cy: y(last), r: 2.6, class: "spark-dot" }));
  return box;
}

async function showTeam({ push = true } = {}) {
  const current = ++navigation;
  state.rep = null;
  state.session = null;
  if (push) pushHash();
  showView("team");
  try {
    const reps = await api("GET", "/api/manager/reps");
    if (current !== navigation) return;
    state.reps = reps;
    showBanner("");
  } catch (err) {
    if (err.status === 403) return showView("denied");
    if (err.status === 401) return undefined; // api() has shown the sign-in form
    showBanner(explain(err));
  }
  renderReps();
}

function renderReps() {
  const body = $("reps");
  if (!body) return;
  const teams = [...new Set(state.reps.map((r) => r.team).filter(Boolean))];
  $("team-name").textContent = teams.length === 1 ? `· ${teams[0]}` : "";
  body.replaceChildren(...state.reps.map((rep) => el("tr", { "data-rep": String(rep.id) },
    el("th", { scope: "row", "data-label": t("web.manage.colRep") },
      el("button", { type: "button", class: "linklike m-rep-link", onclick: () => openRep(rep.id) }, rep.name),
      el("span", { class: "muted small m-login" }, rep.login)),
    el("td", { class: "num", "data-label": t("web.manage.colSessions") }, String(rep.sessions)),
    el("td", { class: "num", "data-label": t("web.manage.colFinished") }, el("span", { class: "m-value" }, String(rep.finished)),
      rep.walked_out || rep.abandoned
        // TRANSLATORS: {walked_out} and {abandoned} are counts of visits.
        ? el("span", { class: "muted small m-outcomes" },
          t("web.manage.otherOutcomes", { walked_out: rep.walked_out, abandoned: rep.abandoned }))
        : ""),
    el("td", { class: "num", "data-label": t("web.manage.colAverage") }, el("span", { class: "m-value" }, show(rep.average_score)),
      // TRANSLATORS: {scored} is how many visits with a scorecard the average is taken over.
      rep.scored ? el("span", { class: "muted small m-outcomes" }, t("web.manage.averageOf", { scored: rep.scored })) : ""),
    el("td", { class: "num", "data-label": t("web.manage.colBest") }, show(rep.best_score)),
    el("td", { class: "m-trend", "data-label": t("web.manage.colTrend") }, sparkline(rep.trend)),
    el("td", { "data-label": t("web.manage.colLast") }, rep.last_practised ? stamp(rep.last_practised) : t("web.manage.never")),
    el("td", { class: "num", "data-label": t("web.manage.colUnread") },
      rep.unread_notes ? el("span", { class: "badge unread" }, String(rep.unread_notes)) : "0"))));
  for (const row of body.querySelectorAll("tr")) {
    row.addEventListener("click", (event) => {
      if (!event.target.closest("button")) openRep(Number(row.dataset.rep));
    });
  }
  $("reps-empty").classList.toggle("hidden", state.reps.length > 0);
  document.dispatchEvent(new CustomEvent("coach:team", { detail: state.reps })); // analytics.js
  $("reps-table").classList.toggle("hidden", state.reps.length === 0);
}

/* ---------- one rep ---------- */

async function openRep(repId, { push = true } = {}) {
  const current = ++navigation;
  state.rep = state.reps.find((r) => r.id === repId) || { id: repId, name: "", login: "" };
  state.session = null;
  state.sessions = [];
  state.notes = [];
  if (push) pushHash();
  showView("rep");
  renderRepHead();
  closeReader();
  $("note-text").value = "";
  $("note-ok").classList.add("hidden");
  $("note-error").classList.add("hidden");
  updateNoteForm();
  try {
    const [sessions, notes] = await Promise.all([
      api("GET", `/api/manager/reps/${repId}/sessions`),
      api("GET", `/api/manager/reps/${repId}/notes`),
    ]);
    if (current !== navigation) return false;
    state.sessions = sessions;
    state.notes = notes;
    showBanner("");
  } catch (err) {
    if (current !== navigation) return false;
    showBanner(explain(err));
  }
  renderSessions(state.sessions);
  renderNotes();
  document.dispatchEvent(new CustomEvent("coach:rep", { detail: state.rep }));
  return true;
}

function renderRepHead() {
  const rep = state.rep;
  $("rep-name").textContent = rep.name || rep.login;
  $("rep-report").href = `/manage/reps/${rep.id}/report?lang=${state.lang}`;
  const values = {
    sessions: rep.sessions, finished: rep.finished, average: show(rep.average_score), best: show(rep.best_score),
  };
  // TRANSLATORS: {sessions} and {finished} are counts; {average} and {best} are scores out of 100.
  const figures = t("web.manage.figures", values);
  $("rep-figures").textContent = rep.sessions === undefined ? "" : figures;
  $("rep-trend").replaceChildren(
    el("span", { class: "muted small" }, t("web.manage.trendLabel")), sparkline(rep.trend, { width: 160, height: 40 }));
}

function renderSessions(sessions) {
  const list = $("sessions");
  list.replaceChildren(...sessions.map((s) => el("li", {},
    el("button", {
      type: "button", "data-session": s.id,
      "aria-current": state.session && state.session.id === s.id ? "true" : false,
      onclick: () => openSession(s.id),
    },
    el("span", { class: "h-title" }, s.title),
    el("span", { class: "h-meta" },
      el("span", {}, stamp(s.started_at)),
      el("span", { class: "badge" }, s.mode === "exam" ? t("web.common.exam") : t("web.common.practice")),
      s.status === "active"
        ? el("span", { class: "badge active" }, t("web.common.active"))
        : (typeof s.score === "number" ? el("span", { class: "badge score" }, String(Math.round(s.score))) : el("span", { class: "badge" }, term("status", s.status))))))));
  $("sessions-empty").classList.toggle("hidden", sessions.length > 0);
}

function renderNotes() {
  $("rep-notes").replaceChildren(...state.notes.map((note) => el("li", { class: `note${note.read_at ? "" : " unread"}`, "data-note": String(note.id) },
    el("p", { class: "note-text" }, note.text),
    el("p", { class: "note-meta" },
      el("span", {}, note.author_name),
      el("span", {}, stamp(note.created_at)),
      el("span", { class: note.read_at ? "" : "badge unread" }, note.read_at ? `${t("web.manage.readAt")} ${stamp(note.read_at)}` : t("web.manage.unread")),
      note.session_id
        ? el("button", { type: "button", class: "linklike", onclick: () => openSession(note.session_id) },
          `${t("web.manage.about")}${note.session_title || ""}`)
        : null))));
  $("rep-notes-empty").classList.toggle("hidden", state.notes.length > 0);
}

/* ---------- the transcript reader ---------- */

function closeReader() {
  $("reader-body").classList.add("hidden");
  $("reader-empty").classList.remove("hidden");
}

async function openSession(sessionId, { push = true } = {}) {
  const current = ++navigation;
  let view;
  try {
    view = await api("GET", `/api/manager/sessions/${encodeURIComponent(sessionId)}`);
    showBanner("");
  } catch (err) {
    if (current === navigation) showBanner(explain(err));
    return;
  }
  if (current !== navigation || !state.rep || view.rep.id !== state.rep.id) return;
  state.session = view;
  if (push) pushHash();
  renderReader(view);
  renderSessions(state.sessions || []);
  updateNoteForm();
  $("reader").scrollIntoView({ block: "start", behavior: "smooth" });
}

function renderReader(view) {
  $("reader-empty").classList.add("hidden");
  $("reader-body").classList.remove("hidden");
  $("reader-title").textContent = view.title;
  $("reader-sub").textContent = [
    stamp(view.started_at), view.mode === "exam" ? t("web.common.exam") : t("web.common.practice"),
    view.language === "en" ? "English" : "中文", view.status === "active" ? t("web.common.active") : term("status", view.status),
  ].filter(Boolean).join(" · ");
  $("reader-private").classList.toggle("hidden", !view.private);
  renderSummary(view.scorecard);
  const speakers = { rep: t("web.manage.rep"), customer: t("web.common.customer"), coach: t("web.common.coach") };
  $("transcript").replaceChildren(...view.turns.map((turn) => {
    const speaker = speakers[turn.speaker] ? turn.speaker : "system";
    const techniques = speaker === "rep" && turn.techniques && turn.techniques.length
      ? el("span", { class: "techs" }, turn.techniques.map((id) =>
        el("span", { class: `tech${BAD_TECHNIQUES.has(id) ? " bad" : ""}`, "data-technique": id }, term("technique", id))))
      : null;
    return el("li", { class: `msg ${speaker}`, "data-seq": String(turn.seq) },
      speakers[speaker] ? el("span", { class: "who" }, speakers[speaker]) : null,
      el("span", { class: `bubble${turn.text ? "" : " s-pruned"}` }, turn.text || t("web.sessions.pruned")),
      techniques);
  }));
  // review.js adds the trust curve, the stage/step track and the line comments.
  document.dispatchEvent(new CustomEvent("coach:reader", { detail: view }));
}

function renderSummary(card) {
  const box = $("summary");
  if (!card) {
    box.classList.add("hidden");
    box.replaceChildren();
    return;
  }
  const score = Math.max(0, Math.min(100, Math.round(Number(card.score) || 0)));
  const level = score >= 70 ? "good" : score >= 40 ? "fair" : "low";
  const counts = Object.entries((card.techniques && card.techniques.counts) || {});
  const problems = card.problems || {};
  const coaching = card.coaching || {};
  const fact = (label, value) => el("div", {}, el("span", { class: "muted" }, `${label}${state.lang === "zh" ? "：" : ": "}`), el("strong", {}, value || "—"));
  const point = (kind, label, value) => {
    if (!value) return null;
    const text = typeof value === "string" ? value : value.text || "";
    return el("div", { class: `point ${kind}`, "data-point": kind }, el("b", {}, label), text);
  };
  box.replaceChildren(
    el("h3", { id: "summary-title", class: "visually-hidden" }, t("web.common.scorecard")),
    el("div", { class: "m-summary-top" },
      el("div", { class: `m-score ${level}`, "data-score": String(score), "aria-label": `${t("web.common.score")} ${score}` },
        el("span", { class: "m-score-value" }, String(score)), el("span", { class: "m-score-label" }, t("web.common.score"))),
      el("div", { class: "score-facts" },
        fact(t("web.common.reached"), term("stage", card.stage_reached)),
        fact(t("web.common.stepReached"), term("step", card.step_reached)),
        fact(t("web.common.questionShare"), `${Math.round(Number(card.question_share || 0) * 100)}%`),
        fact(t("web.common.problems"), `${(problems.uncovered || []).length}/${problems.total ?? "?"}`))),
    el("div", { class: "pills m-pills" }, counts.length
      ? counts.map(([id, count]) => el("span", { class: `pill${BAD_TECHNIQUES.has(id) ? " bad" : ""}` }, `${term("technique", id)} ×${count}`))
      : el("span", { class: "muted" }, `${t("web.common.techniquesUsed")}: ${t("web.common.none")}`)),
    el("div", { class: "points" },
      point("keep", t("web.common.keep"), coaching.keep),
      point("start", t("web.common.startDoing"), coaching.start),
      point("stop", t("web.common.stop"), coaching.stop)),
  );
  box.classList.remove("hidden");
}

/* ---------- coaching notes ---------- */

function noteMax() {
  return Number(document.body.dataset.noteMax || 2000);
}

function updateNoteForm() {
  const open = state.session;
  $("note-about-wrap").classList.toggle("hidden", !open);
  $("note-about-text").textContent = open ? `${t("web.manage.noteAbout")}${open.title}` : "";
  $("note-count").textContent = `${$("note-text").value.length} / ${noteMax()}`;
}

async function onSendNote(event) {
  event.preventDefault();
  if (!state.rep) return;
  const text = $("note-text").value.trim();
  const error = $("note-error");
  $("note-ok").classList.add("hidden");
  error.classList.add("hidden");
  if (!text || text.length > noteMax()) {
    // TRANSLATORS: {max} is the longest note, in characters.
    error.textContent = text ? t("web.manage.noteTooLong", { max: noteMax() }) : t("web.manage.noteEmpty");
    error.classList.remove("hidden");
    return;
  }
  const body = { text };
  if (state.session && $("note-about").checked) body.session_id = state.session.id;
  const button = $("note-send");
  button.disabled = true;
  try {
    const note = await api("POST", `/api/manager/reps/${state.rep.id}/notes`, body);
    state.notes = [note, ...state.notes];
    state.rep.unread_notes = (state.rep.unread_notes || 0) + 1;
    $("note-text").value = "";
    $("note-ok").classList.remove("hidden");
    renderNotes();
    updateNoteForm();
  } catch (err) {
    error.textContent = explain(err);
    error.classList.remove("hidden");
  } finally {
    button.disabled = false;
  }
}

/* ---------- start ---------- */

async function init() {
  // Listeners first, so a click during the catalogue's fetch is not lost.
  const language = startLanguage(applyLanguage);
  $("login-form").addEventListener("submit", onLogin);
  $("sign-out").addEventListener("click", onSignOut);
  $("back-team").addEventListener("click", () => showTeam());
  window.addEventListener("popstate", followHash);
  $("note-form").addEventListener("submit", onSendNote);
  $("note-text").addEventListener("input", updateNoteForm);
  await language;
  try {
    state.me = await signedInUser();
  } catch (err) {
    showBanner(explain(err));
  }
  await route();
}

document.addEventListener("DOMContentLoaded", init);
