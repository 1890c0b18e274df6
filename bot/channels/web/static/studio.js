/* Trainer studio: the scenarios with their published versions and drafts; an editor (CodeMirror 6,
 * vendored in static/vendor) that marks problems at their line as the trainer types; a side panel
 * with the scenario as a reader sees it, the trainer tests, a preview rehearsal of the draft and
 * the version history. Texts come from the catalogue (common.js). */
"use strict";

const TRAINER_ROLES = ["trainer", "admin"];

const state = {
  lang: "zh",
  me: null,
  scripts: [],
  script: null, // the open script's document
  editor: null,
  problems: [],
  tests: null,
  preview: null, // {state, lines: [{who, text}]}
  tab: "reader",
  dirty: false,
  editing: "", // the address of the editor with unsaved changes, to come back to
};

/* Unsaved edits in either editor: leaving asks first (a trainer loses no work to a stray click). */
function hasUnsavedEdits() {
  return state.dirty || Boolean(window.StudioBank && window.StudioBank.dirty());
}

function mayLeave() {
  if (!hasUnsavedEdits()) return true;
  if (!confirm(t("web.studio.leaveUnsaved"))) return false;
  state.dirty = false;
  if (window.StudioBank) window.StudioBank.forget();
  return true;
}

function markEditing() { state.editing = location.hash; }

function explain(err) {
  if (err.status === 503) return t("web.common.dbDown");
  if (err.code === "too_many_attempts") return t("web.common.tooManyAttempts");
  if (err.code === "too_many_sign_ins") return t("web.common.tooManyAtOnce");
  if (err.status === 0) return t("web.manage.offline");
  if (err.status === 404) return t("web.manage.notFound");
  const fields = err.code === "invalid_request" && Array.isArray(err.details.details) ? err.details.details : [];
  const tooLong = fields.find((d) => d.field === "text" && d.type === "string_too_long");
  if (tooLong) return t("web.studio.tooLong", { limit: (tooLong.max_length || 0).toLocaleString() });
  return err.message || t("web.common.genericError");
}

function stamp(iso) {
  if (!iso) return "";
  const when = new Date(iso);
  return isNaN(when) ? "" : when.toLocaleString(state.lang === "zh" ? "zh-CN" : "en", {
    month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
  });
}

/* Names looked up by key, written out so the catalogue extractor finds every key. */
const KIND_NAMES = {
  situation: () => t("web.studio.kindSituation"),
  problem: () => t("web.studio.kindProblem"),
  cause: () => t("web.studio.kindCause"),
  analysis: () => t("web.studio.kindAnalysis"),
};
const SPEAKER_NAMES = {
  rep: () => t("web.studio.whoRep"),
  customer: () => t("web.studio.whoCustomer"),
  coach: () => t("web.studio.whoCoach"),
};

function setStatus(text) { $("edit-status").textContent = text || ""; }

/* ---------- language and views ---------- */

function applyLanguage(lang) {
  translatePage(lang, "web.studio.title");
  renderList();
  if (window.StudioBank) window.StudioBank.applyLanguage();
  if (state.script) {
    renderHead();
    renderProblems();
    renderTests();
    refreshReader();
    // Panels built from the server's answer are asked again, in the new language.
    if (state.tab === "history") loadHistory();
    if (state.tab === "stats" && window.StudioBank) window.StudioBank.loadStats(state.script.id);
  }
}

const VIEWS = ["login", "denied", "list", "edit", "bank", "technique", "review", "model"];
const NAV_OF = { list: "list", edit: "list", bank: "bank", technique: "bank", review: "review", model: "model" };

function showView(name) {
  for (const view of VIEWS) $(`view-${view}`).classList.toggle("hidden", view !== name);
  $("sign-out").classList.toggle("hidden", name === "login");
  $("studio-nav").classList.toggle("hidden", !NAV_OF[name]);
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === NAV_OF[name]) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
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
  if (!TRAINER_ROLES.includes(state.me.role)) return showView("denied");
  const wanted = decodeURIComponent(location.hash.replace(/^#/, ""));
  if (window.StudioBank && window.StudioBank.route(wanted)) return;
  if (wanted) return openScript(wanted, { push: false });
  return showList({ push: false });
}

async function onLogin(event) {
  event.preventDefault();
  const submit = $("login-submit");
  submit.disabled = true;
  $("login-error").classList.add("hidden");
  try {
    state.me = await api("POST", "/api/auth/login", { login: $("login").value, password: $("password").value });
    $("password").value = "";
    await route();
  } catch (err) {
    $("login-error").textContent = err.status === 401 ? t("web.common.wrongCredentials") : explain(err);
    $("login-error").classList.remove("hidden");
  } finally {
    submit.disabled = false;
  }
}

async function onSignOut() {
  await api("POST", "/api/auth/logout").catch(() => null);
  state.me = null;
  state.script = null;
  showLogin();
}

/* ---------- the list ---------- */

async function showList({ push = true } = {}) {
  if (push && location.hash) history.pushState(null, "", location.pathname);
  state.script = null;
  showView("list");
  try {
    state.scripts = await api("GET", "/api/studio/scripts");
  } catch (err) {
    showBanner(explain(err));
  }
  renderList();
}

function titleOf(item) {
  return (item.title && (item.title[state.lang] || item.title.zh || item.title.en)) || item.id;
}

function renderList() {
  const body = $("scripts");
  body.replaceChildren();
  for (const item of state.scripts) {
    const open = () => openScript(item.id);
    const published = item.version
      ? t("web.studio.publishedBy", { who: item.published_by || "—", when: stamp(item.published_at) })
      : "—";
    const draft = item.draft_by ? t("web.studio.draftBy", { who: item.draft_by, when: stamp(item.draft_at) }) : "—";
    body.append(el("tr", { onclick: open, "data-script": item.id },
      el("th", { scope: "row" }, el("a", { href: `#${item.id}`, class: "m-rep-link", onclick: (e) => { e.preventDefault(); open(); } }, titleOf(item)),
        el("span", { class: "muted small m-login" }, item.id)),
      el("td", { class: "num" }, item.version ? `v${item.version}` : "—"),
      el("td", { class: "small" }, published),
      el("td", { class: "small" }, draft)));
  }
}

/* A new scenario: a draft under a new id, opened in the editor (published once it is ready). */
async function onNewScript(event) {
  event.preventDefault();
  const error = $("new-script-error");
  error.classList.add("hidden");
  const id = $("new-script-id").value.trim();
  if (!/^[a-z][a-z0-9_-]*$/.test(id)) {
    error.textContent = t("web.studio.newScenarioBadId");
    error.classList.remove("hidden");
    return;
  }
  try {
    await api("POST", "/api/studio/scripts", { id });
  } catch (err) {
    error.textContent = err.code === "script_exists" ? t("web.studio.newScenarioExists") : explain(err);
    error.classList.remove("hidden");
    return;
  }
  $("new-script-id").value = "";
  await openScript(id);
}

/* ---------- the editor ---------- */

async function openScript(scriptId, { push = true } = {}) {
  let documentData;
  try {
    documentData = await api("GET", `/api/studio/scripts/${encodeURIComponent(scriptId)}`);
  } catch (err) {
    showBanner(explain(err));
    return showList({ push: false });
  }
  if (push) history.pushState(null, "", `#${scriptId}`);
  showBanner("");
  state.script = documentData;
  state.tests = null;
  state.preview = null;
  state.dirty = false;
  showView("edit");
  renderHead();
  state.editor = window.CoachEditor.create($("editor"), {
    doc: documentData.text,
    label: t("web.studio.editorLabel"),
    check: checkText,
    onChange: () => { state.dirty = true; markEditing(); setStatus(t("web.studio.unsaved")); },
  });
  renderTests();
  renderPreview();
  $("publish-error").classList.add("hidden");
  $("publish-ok").classList.add("hidden");
  selectTab("reader");
}

function renderHead() {
  const doc = state.script;
  $("script-title").textContent = titleOf(doc);
  const parts = [doc.id, doc.version ? t("web.studio.publishedVersion", { version: doc.version }) : ""];
  if (doc.draft_by) parts.push(t("web.studio.draftBy", { who: doc.draft_by, when: stamp(doc.draft_at) }));
  $("script-sub").textContent = parts.filter(Boolean).join(" · ");
}

/* Asked by the editor once typing pauses: the problems come back with their lines and are
 * marked in the gutter; the list under the editor repeats them, each a link to its line. */
async function checkText(text) {
  try {
    const answer = await api("POST", "/api/studio/check", { text, script_id: state.script && state.script.id, lang: state.lang });
    state.problems = answer.problems;
  } catch (err) {
    setStatus(explain(err));
    return [];
  }
  renderProblems();
  if (!state.problems.length) refreshReader(text);
  return state.problems;
}

function problemItem(problem) {
  const where = problem.line ? t("web.studio.atLine", { line: problem.line }) : "";
  return el("li", { class: "s-problem", "data-line": problem.line || "" },
    el("button", { type: "button", class: "s-line", onclick: () => problem.line && state.editor.goToLine(problem.line) }, where || "—"),
    el("span", {}, problem.path ? `${problem.path}: ` : "", problem.message));
}

function renderProblems() {
  $("problems").replaceChildren(...state.problems.map(problemItem));
  $("problems-none").classList.toggle("hidden", state.problems.length > 0);
}

/* ---------- side panel ---------- */

function selectTab(name) {
  state.tab = name;
  for (const button of document.querySelectorAll("[data-tab]")) button.setAttribute("aria-selected", String(button.dataset.tab === name));
  for (const panel of ["reader", "tests", "preview", "history", "stats"]) $(`panel-${panel}`).classList.toggle("hidden", panel !== name);
  if (name === "history") loadHistory();
  if (name === "stats" && window.StudioBank) window.StudioBank.loadStats(state.script.id);
  if (name === "reader") refreshReader();
}

async function refreshReader(text) {
  if (!state.script || state.tab !== "reader") return;
  try {
    const view = await api("POST", "/api/studio/reader", { text: text || state.editor.text(), lang: state.lang });
    renderReader(view);
  } catch (err) {
    if (err.code !== "script_rejected") setStatus(explain(err));
  }
}

function renderReader(view) {
  const c = view.customer;
  const facts = el("table", { class: "s-facts" },
    el("thead", {}, el("tr", {}, el("th", {}, t("web.studio.factTopic")), el("th", {}, t("web.studio.factKind")), el("th", { class: "num" }, t("web.studio.factTrust")))),
    el("tbody", {}, view.facts.map((f) => el("tr", { title: (f.says || []).join(" ") },
      el("td", {}, f.topic), el("td", {}, KIND_NAMES[f.kind] ? KIND_NAMES[f.kind]() : f.kind), el("td", { class: "num" }, f.min_trust)))));
  const angles = Object.entries(view.implications).map(([angle, items]) => el("li", {},
    el("strong", {}, term("angle", angle)), el("ul", {}, items.map((i) => el("li", {}, (i.says || [])[0] || i.id)))));
  const tests = view.tests.map((test) => el("li", {}, el("strong", {}, test.name), " ", el("span", { class: "muted small" }, t("web.studio.testTurns", { count: test.turns.length }))));
  $("panel-reader").replaceChildren(
    el("h2", {}, view.title),
    el("p", { class: "muted small" }, view.purpose),
    el("h3", {}, t("web.studio.customer")),
    el("p", {}, `${c.name} · ${c.title} · ${c.company}`),
    el("p", { class: "small" }, c.personality),
    el("p", { class: "small muted" }, t("web.studio.initialTrust", { trust: c.initial_trust })),
    el("h3", {}, t("web.studio.facts")), facts,
    el("h3", {}, t("web.studio.implications")), el("ul", { class: "s-angles" }, angles),
    el("h3", {}, t("web.studio.trainerTests")), el("ul", {}, tests));
}

async function onRunTests() {
  selectTab("tests");
  $("tests-summary").textContent = t("web.studio.testsRunning");
  $("run-tests").disabled = true;
  try {
    state.tests = await api("POST", `/api/studio/scripts/${state.script.id}/tests`, { text: state.editor.text() });
  } catch (err) {
    state.tests = null;
    $("tests-summary").textContent = err.code === "script_rejected" ? t("web.studio.fixFirst") : explain(err);
    return;
  } finally {
    $("run-tests").disabled = false;
  }
  renderTests();
}

function renderTests() {
  const run = state.tests;
  $("tests-empty").classList.toggle("hidden", Boolean(run));
  $("tests").replaceChildren();
  $("tests-summary").textContent = "";
  if (!run) return;
  const passed = run.tests.filter((x) => x.passed).length;
  $("tests-summary").textContent = t("web.studio.testsSummary", { passed, total: run.tests.length });
  for (const test of run.tests) {
    $("tests").append(el("li", { class: test.passed ? "s-pass" : "s-fail" },
      el("strong", {}, test.passed ? t("web.studio.pass") : t("web.studio.fail")), " ", test.name,
      test.score === null ? "" : el("span", { class: "muted small" }, ` · ${t("web.studio.score", { score: test.score })}`),
      el("ul", {}, test.failures.map(problemItem))));
  }
}

/* ---------- try it ---------- */

function renderPreview() {
  const lines = state.preview ? state.preview.lines : [];
  $("preview-lines").replaceChildren(...lines.map((line) => el("li", { class: `msg ${line.who}` },
    el("span", { class: "who" }, SPEAKER_NAMES[line.who]()), el("div", { class: "bubble" }, line.text))));
  $("preview-form").classList.toggle("hidden", !state.preview || state.preview.status !== "active");
}

function addPreview(turn, repLine) {
  state.preview.state = turn.state;
  state.preview.status = turn.status;
  if (repLine) state.preview.lines.push({ who: "rep", text: repLine });
  if (turn.reply) state.preview.lines.push({ who: "customer", text: turn.reply });
  if (turn.note) state.preview.lines.push({ who: "coach", text: turn.note });
  renderPreview();
}

async function onPreviewStart() {
  selectTab("preview");
  try {
    const turn = await api("POST", "/api/studio/preview/start", { text: state.editor.text(), lang: state.lang });
    state.preview = { state: null, status: "active", lines: [] };
    addPreview(turn);
    $("preview-line").focus();
  } catch (err) {
    showBanner(err.code === "script_rejected" ? t("web.studio.fixFirst") : explain(err));
  }
}

async function onPreviewSend(event) {
  event.preventDefault();
  const line = $("preview-line").value.trim();
  if (!line || !state.preview) return;
  $("preview-send").disabled = true;
  try {
    const turn = await api("POST", "/api/studio/preview/say", { text: state.editor.text(), state: state.preview.state, line });
    $("preview-line").value = "";
    addPreview(turn, line);
  } catch (err) {
    showBanner(err.code === "script_rejected" ? t("web.studio.fixFirst") : explain(err));
  } finally {
    $("preview-send").disabled = false;
  }
}

/* ---------- saving, publishing, history ---------- */

async function onSaveDraft() {
  try {
    state.script = await api("PUT", `/api/studio/scripts/${state.script.id}/draft`, { text: state.editor.text() });
    state.dirty = false;
    setStatus(t("web.studio.draftSaved"));
    renderHead();
  } catch (err) {
    setStatus(explain(err));
  }
}

async function onPublish(event) {
  event.preventDefault();
  const error = $("publish-error");
  const ok = $("publish-ok");
  error.classList.add("hidden");
  ok.classList.add("hidden");
  $("publish").disabled = true;
  setStatus(t("web.studio.publishing"));
  try {
    const stored = await api("POST", `/api/studio/scripts/${state.script.id}/publish`, {
      text: state.editor.text(), message: $("publish-message").value, base_version: state.script.version || null,
    });
    ok.textContent = stored.created
      ? t("web.studio.published", { version: stored.version })
      : t("web.studio.unchanged", { version: stored.version });
    ok.classList.remove("hidden");
    $("publish-message").value = "";
    const reopened = await api("GET", `/api/studio/scripts/${state.script.id}`);
    state.script = reopened;
    state.editor.setText(reopened.text);
    state.dirty = false;
    renderHead();
    setStatus("");
  } catch (err) {
    setStatus("");
    if (err.code === "script_rejected") {
      const answer = err.details || {};
      error.textContent = t("web.studio.publishRefused");
      if (answer.problems) { state.problems = answer.problems; renderProblems(); }
      if (answer.tests && answer.tests.length) { state.tests = { tests: answer.tests }; renderTests(); }
    } else if (err.code === "version_conflict") {
      // Someone published while this edit was open: say so instead of undoing their version.
      error.textContent = t("web.studio.versionConflict");
    } else {
      error.textContent = explain(err);
    }
    error.classList.remove("hidden");
  } finally {
    $("publish").disabled = false;
  }
}

async function loadHistory() {
  if (!state.script) return;
  let entries = [];
  try {
    entries = await api("GET", `/api/studio/scripts/${state.script.id}/versions`);
  } catch (err) {
    $("versions").replaceChildren(el("li", { class: "muted" }, explain(err)));
    return;
  }
  $("versions").replaceChildren(...entries.map((entry, index) => el("li", { class: "s-version", "data-version": entry.version },
    el("div", { class: "s-version-head" },
      el("strong", {}, `v${entry.version}`), " ",
      el("span", { class: "muted small" }, `${entry.author || "—"} · ${stamp(entry.created_at)}`),
      index === 0 ? el("span", { class: "s-current small" }, t("web.studio.current"))
        : el("button", { type: "button", class: "btn btn-ghost small", onclick: () => onRollback(entry.version) }, t("web.studio.rollback"))),
    entry.message ? el("p", { class: "small" }, entry.message) : null,
    el("details", {}, el("summary", {}, t("web.studio.diff")), el("pre", { class: "s-diff" }, entry.diff)))));
}

async function onRollback(version) {
  if (!confirm(t("web.studio.rollbackConfirm", { version }))) return;
  try {
    const stored = await api("POST", `/api/studio/scripts/${state.script.id}/rollback`, { version });
    setStatus(t("web.studio.published", { version: stored.version }));
    const reopened = await api("GET", `/api/studio/scripts/${state.script.id}`);
    state.script = reopened;
    state.editor.setText(reopened.text);
    renderHead();
    loadHistory();
  } catch (err) {
    setStatus(err.code === "script_rejected" ? t("web.studio.publishRefused") : explain(err));
  }
}

/* ---------- start ---------- */

async function init() {
  const language = startLanguage(applyLanguage);
  $("login-form").addEventListener("submit", onLogin);
  $("sign-out").addEventListener("click", onSignOut);
  $("back-list").addEventListener("click", () => { if (mayLeave()) showList(); });
  $("save-draft").addEventListener("click", onSaveDraft);
  $("run-tests").addEventListener("click", onRunTests);
  $("try-it").addEventListener("click", onPreviewStart);
  $("preview-start").addEventListener("click", onPreviewStart);
  $("show-history").addEventListener("click", () => selectTab("history"));
  $("preview-form").addEventListener("submit", onPreviewSend);
  $("publish-form").addEventListener("submit", onPublish);
  $("new-script-form").addEventListener("submit", onNewScript);
  for (const button of document.querySelectorAll("[data-tab]")) button.addEventListener("click", () => selectTab(button.dataset.tab));
  window.addEventListener("popstate", () => {
    // The browser's back button has already moved: stay on the editor unless the trainer agrees.
    if (location.hash !== state.editing && !mayLeave()) {
      history.pushState(null, "", state.editing || location.pathname);
      return;
    }
    route();
  });
  window.addEventListener("beforeunload", (event) => { if (hasUnsavedEdits()) event.preventDefault(); });
  await language;
  try {
    state.me = await signedInUser(); // a 200 either way: no failed request in the console
  } catch (err) {
    showBanner(explain(err));
  }
  await route();
}

document.addEventListener("DOMContentLoaded", init);
