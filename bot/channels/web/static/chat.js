/* Sales coach web chat: sign in, pick a scenario, rehearse, read the scorecard.
 * Plain JavaScript, no build step and no CDN, so the page works offline.
 * The transcript is rendered from stored turns (numbered by seq), whether they arrive as the
 * reply to our own request or over the event stream (e.g. a line sent from Telegram). */
"use strict";

const state = {
  lang: "zh",
  me: null,
  scenarios: [],
  selectedScenario: null,
  languageChosen: false, // the rep picked the rehearsal language (else it follows the interface)
  session: null, // {id, title, mode, status, language}
  lastSeq: 0,
  speakers: {}, // seq -> speaker of the turns shown, to find the rep line a coach note is about
  techniquesOf: {}, // seq -> the techniques of a rep line shown (for "explain" under its note)
  trust: [], // the trust after each customer line shown (the live curve)
  pending: null, // the optimistic bubble of a line being sent
  events: null,
  busy: false,
};

function explain(err) {
  if (err.status === 503) return t("web.common.dbDown");
  if (err.code === "too_many_attempts") return t("web.common.tooManyAttempts");
  if (err.code === "too_many_sign_ins") return t("web.common.tooManyAtOnce");
  if (err.status === 0) return t("web.chat.offline");
  return err.message || t("web.common.genericError");
}


function newMessageId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

/* ---------- language ---------- */

function applyLanguage(lang) {
  translatePage(lang, "web.chat.title");
  if (!state.languageChosen) { // the rehearsal language follows the interface until the rep picks one
    const radio = $(`lang-${state.lang}`);
    if (radio) radio.checked = true;
  }
  updateModeHelp();
  if (state.me) {
    renderScenarios();
    loadHistory();
    loadNotes();
    if (state.session) rerenderSession();
  }
}

/* ---------- views ---------- */

function showView(name) {
  for (const view of ["login", "setup", "chat"]) $(`view-${view}`).classList.toggle("hidden", view !== name);
  const signedIn = name !== "login";
  $("sidebar").classList.toggle("hidden", !signedIn || (name === "chat" && window.innerWidth < 900));
  $("sign-out").classList.toggle("hidden", !signedIn);
  $("progress-link").classList.toggle("hidden", !signedIn);
  const manager = signedIn && state.me && ["manager", "admin"].includes(state.me.role);
  $("manage-link").classList.toggle("hidden", !manager);
  const trainer = signedIn && state.me && ["trainer", "admin"].includes(state.me.role);
  $("studio-link").classList.toggle("hidden", !trainer);
  if (!signedIn) $("notes-pill").classList.add("hidden");
}

function showLogin(message) {
  closeEvents();
  state.session = null;
  showView("login");
  const error = $("login-error");
  error.textContent = message || "";
  error.classList.toggle("hidden", !message);
  $("login").focus();
}

async function showHome() {
  closeEvents();
  state.session = null;
  showView("setup");
  document.dispatchEvent(new CustomEvent("coach:home")); // assignments.js lists my assignments
  await Promise.all([loadScenarios(), loadHistory(), loadNotes()]);
  followScenarioLink();
}

/* /chat#scenario=ID (the progress page's "practise this"): the rep chose it there, so it is
 * chosen here, in a language it has. */
function followScenarioLink() {
  const match = /^#scenario=([\w-]+)$/.exec(window.location.hash);
  const scenario = match && scenarioById(match[1]);
  if (!scenario) return;
  history.replaceState(null, "", window.location.pathname);
  if (!scenario.languages.includes(selectedLanguage())) $(`lang-${scenario.languages[0]}`).checked = true;
  chooseScenario(scenario.id);
}

/* ---------- sign in ---------- */

async function onLogin(event) {
  event.preventDefault();
  const submit = $("login-submit");
  const error = $("login-error");
  submit.disabled = true;
  submit.textContent = t("web.common.signingIn");
  error.classList.add("hidden");
  try {
    await api("POST", "/api/auth/login", { login: $("login").value, password: $("password").value });
    $("password").value = "";
    state.me = await signedInUser();
    await showHome();
  } catch (err) {
    error.textContent = err.status === 401 ? t("web.common.wrongCredentials") : explain(err);
    error.classList.remove("hidden");
  } finally {
    submit.disabled = false;
    submit.textContent = t("web.common.signIn");
  }
}

async function onSignOut() {
  closeEvents();
  await api("POST", "/api/auth/logout").catch(() => null);
  state.me = null;
  showLogin();
}

async function onLinkTelegram() {
  try {
    const link = await api("POST", "/api/telegram/link-code");
    $("link-code").textContent = link.command;
    $("link-dialog").showModal();
  } catch (err) {
    showBanner(explain(err));
  }
}

/* ---------- scenario setup ---------- */

function selectedLanguage() {
  return document.querySelector('input[name="language"]:checked').value;
}

function selectedMode() {
  return document.querySelector('input[name="mode"]:checked').value;
}

function updateModeHelp() {
  const help = $("mode-help");
  if (help) help.textContent = selectedMode() === "exam" ? t("web.chat.examHelp") : t("web.chat.practiceHelp");
  updatePrivacyHelp();
}

/* What managers will see of this visit, said before it starts. */
function updatePrivacyHelp() {
  const help = $("privacy-help");
  if (help) help.textContent = $("private").checked ? t("web.chat.privacyPrivate") : t("web.chat.privacyShared");
}

async function loadScenarios() {
  try {
    state.scenarios = await api("GET", "/api/scenarios");
    showBanner("");
  } catch (err) {
    state.scenarios = [];
    showBanner(explain(err));
  }
  renderScenarios();
}

function pick(dict, lang) {
  if (!dict) return "";
  return dict[lang] || dict.zh || dict.en || Object.values(dict)[0] || "";
}

/* The scenario's customer and briefing in the interface language (its first language when it
 * has no text in that one). */
function cardOf(scenario, lang) {
  const cards = (scenario && scenario.cards) || {};
  return cards[lang] || cards[(scenario && scenario.languages[0]) || "zh"] || (scenario && scenario.customer) || {};
}

function scenarioById(id) {
  return state.scenarios.find((s) => s.id === id) || null;
}

/* The scenarios that can be rehearsed in the chosen language; nothing is chosen for the rep. */
function shownScenarios() {
  const language = selectedLanguage();
  return state.scenarios.filter((s) => (s.languages || []).includes(language));
}

function renderScenarios() {
  const box = $("scenarios");
  box.replaceChildren();
  const shown = shownScenarios();
  if (!shown.some((s) => s.id === state.selectedScenario)) state.selectedScenario = null;
  for (const scenario of shown) {
    const checked = scenario.id === state.selectedScenario;
    const card = cardOf(scenario, state.lang);
    const button = el(
      "button",
      {
        type: "button", class: "scenario", role: "radio", "aria-checked": String(checked),
        "data-scenario": scenario.id,
        onclick: () => chooseScenario(scenario.id),
      },
      el("span", { class: "s-title" }, pick(scenario.title, state.lang)),
      el("span", { class: "s-customer" }, [card.name, card.title, card.company].filter(Boolean).join(" · ")),
      el("span", { class: "s-tags" },
        el("span", { class: "badge" }, term("scenario.kind", scenario.sales_mode)),
        el("span", { class: "badge" }, term("scenario.difficulty", scenario.difficulty))),
    );
    box.append(button);
  }
  $("scenarios-empty").classList.toggle("hidden", shown.length > 0);
  $("start").disabled = !state.selectedScenario;
  renderBriefing();
}

function chooseScenario(id) {
  state.selectedScenario = id;
  renderScenarios();
  const chosen = document.querySelector(`.scenario[data-scenario="${CSS.escape(id)}"]`);
  if (chosen) chosen.focus();
  // On a phone the briefing is below the list: bring it up, above the start button.
  $("briefing").scrollIntoView({ block: "nearest" });
}

function briefingRows(scenario, lang) {
  const card = cardOf(scenario, lang);
  const rows = [
    [t("web.chat.briefingCustomer"), card.name],
    [t("web.chat.briefingRole"), card.title],
    [t("web.chat.briefingCompany"), card.company],
    [t("web.chat.briefingIndustry"), card.industry],
    [t("web.chat.briefingPurpose"), card.purpose || pick(scenario.purpose, lang)],
    [t("web.chat.briefingKnown"), card.briefing],
    [t("web.chat.briefingDifficulty"), term("scenario.difficulty", scenario.difficulty)],
  ];
  return rows.filter(([, value]) => value).flatMap(([key, value]) => [el("dt", {}, key), el("dd", {}, value)]);
}

function renderBriefing() {
  const scenario = scenarioById(state.selectedScenario);
  $("briefing-empty").classList.toggle("hidden", Boolean(scenario));
  $("briefing-facts").classList.toggle("hidden", !scenario);
  $("briefing-facts").replaceChildren(...(scenario ? briefingRows(scenario, state.lang) : []));
}

async function onStart(event) {
  event.preventDefault();
  if (!state.selectedScenario || state.busy) return;
  const button = $("start");
  const error = $("setup-error");
  state.busy = true;
  button.disabled = true;
  button.textContent = t("web.chat.starting");
  error.classList.add("hidden");
  try {
    // One visit at a time: a visit still open (here or in Telegram) is continued or ended first.
    const { session: active } = await api("GET", "/api/active-session");
    const choice = active ? await askAboutActive(active) : "start";
    if (choice === "continue") {
      await openSession(active.id);
      return;
    }
    if (choice === "cancel") return;
    const result = await api("POST", "/api/sessions", {
      scenario_id: state.selectedScenario, language: selectedLanguage(), mode: selectedMode(),
      end_active: choice === "end",
      private: $("private").checked,
    });
    await openSession(result.session_id);
    loadHistory();
  } catch (err) {
    error.textContent = explain(err);
    error.classList.remove("hidden");
  } finally {
    state.busy = false;
    button.disabled = false;
    button.textContent = t("web.chat.start");
  }
}

/* The choice when a visit is still open: "continue", "end" (and start the new one) or "cancel". */
function askAboutActive(active) {
  const dialog = $("active-dialog");
  // TRANSLATORS: {title} is the open visit's scenario; {channel} is where it began (channel.*).
  $("active-lead").textContent = t("web.chat.activeLead", { title: active.title, channel: term("channel", active.channel) });
  return new Promise((resolve) => {
    const done = (choice) => {
      for (const [id, handler] of handlers) $(id).removeEventListener("click", handler);
      dialog.removeEventListener("cancel", onCancel);
      if (dialog.open) dialog.close();
      resolve(choice);
    };
    const onCancel = () => done("cancel");
    const handlers = [["active-continue", () => done("continue")], ["active-end", () => done("end")], ["active-cancel", onCancel]];
    for (const [id, handler] of handlers) $(id).addEventListener("click", handler);
    dialog.addEventListener("cancel", onCancel);
    dialog.showModal();
    $("active-continue").focus();
  });
}

/* ---------- history ---------- */

async function loadHistory() {
  let sessions = [];
  try {
    sessions = await api("GET", "/api/sessions");
  } catch (err) {
    return;
  }
  const list = $("history");
  list.replaceChildren();
  for (const s of sessions) {
    const stamp = formatStamp(s.started_at);
    const current = state.session && state.session.id === s.id;
    list.append(el("li", {},
      el("button", { type: "button", "data-session": s.id, "aria-current": current ? "true" : false, onclick: () => openSession(s.id) },
        el("span", { class: "h-title" }, s.title),
        el("span", { class: "h-meta" },
          el("span", {}, stamp),
          el("span", { class: "badge" }, s.mode === "exam" ? t("web.chat.examBadge") : t("web.chat.practiceBadge")),
          s.private ? el("span", { class: "badge private" }, t("web.chat.privateBadge")) : null,
          // The visit's state in words (in progress, ended, walked out, abandoned), then its score.
          el("span", { class: `badge status ${s.status}`, "data-status": s.status }, term("status", s.status)),
          s.score !== null && s.score !== undefined ? el("span", { class: "badge score" }, `${Math.round(s.score)}`) : null,
          s.channel !== "web" ? el("span", {}, `${t("web.chat.sessionFrom")} ${term("channel", s.channel)}`) : null))));
  }
  $("history-empty").classList.toggle("hidden", sessions.length > 0);
}

/* ---------- coaching notes from managers ---------- */

async function loadNotes() {
  let notes;
  try {
    notes = await api("GET", "/api/notes");
  } catch (_) {
    return; // the notes are a side panel: the rehearsal works without them
  }
  renderNotes(notes);
}

function renderNotes(notes) {
  const unread = notes.filter((n) => !n.read_at).length;
  const badge = $("notes-unread");
  badge.textContent = String(unread);
  badge.classList.toggle("hidden", unread === 0);
  const pill = $("notes-pill");
  pill.textContent = `✉ ${unread}`;
  pill.setAttribute("aria-label", `${unread} ${t("web.chat.notesUnread")}`);
  pill.classList.toggle("hidden", unread === 0 || !state.me);
  $("notes-empty").classList.toggle("hidden", notes.length > 0);
  $("notes").replaceChildren(...notes.map((note) => el("li", { class: `note${note.read_at ? "" : " unread"}`, "data-note": String(note.id) },
    el("p", { class: "note-text" }, note.text),
    el("p", { class: "note-meta" },
      el("span", {}, note.author_name),
      el("span", {}, formatStamp(note.created_at)),
      note.session_id
        ? el("button", { type: "button", class: "linklike", onclick: () => openSession(note.session_id) },
          `${t("web.chat.noteAbout")}${note.session_title || ""}`)
        : null),
    note.read_at ? null : el("button", {
      type: "button", class: "btn btn-ghost note-read", onclick: () => markNoteRead(note.id),
    }, t("web.chat.noteRead")))));
}

async function markNoteRead(noteId) {
  try {
    await api("POST", `/api/notes/${encodeURIComponent(noteId)}/read`);
  } catch (err) {
    showBanner(explain(err));
  }
  await loadNotes();
}

/* ---------- the rehearsal ---------- */

function closeEvents() {
  if (state.events) state.events.close();
  state.events = null;
}

async function openSession(sessionId) {
  closeEvents();
  showBanner("");
  let view;
  try {
    view = await api("GET", `/api/sessions/${encodeURIComponent(sessionId)}`);
  } catch (err) {
    showBanner(explain(err));
    return;
  }
  state.session = view;
  state.lastSeq = 0;
  state.speakers = {};
  state.techniquesOf = {};
  state.trust = [];
  state.pending = null;
  $("messages").replaceChildren();
  showView("chat");
  renderHeader(view);
  for (const turn of view.turns) renderTurn(turn);
  applyStatus(view);
  for (const button of document.querySelectorAll("#history button")) {
    button.setAttribute("aria-current", String(button.dataset.session === sessionId));
  }
  if (view.status === "active") {
    openEvents();
    $("text").focus();
  }
  document.dispatchEvent(new CustomEvent("coach:session", { detail: view })); // my manager's line comments
}

function rerenderSession() {
  const view = state.session;
  if (!view) return;
  renderHeader(view);
  openSession(view.id);
}

function renderHeader(view) {
  $("chat-title").textContent = view.title;
  const parts = [view.mode === "exam" ? t("web.chat.examBadge") : t("web.chat.practiceBadge"), view.language === "en" ? "English" : "中文"];
  if (view.channel && view.channel !== "web") parts.push(`${t("web.chat.sessionFrom")} ${term("channel", view.channel)}`);
  $("chat-sub").textContent = parts.join(" · ");
  renderCustomerCard(view);
}

function trustPercent(trust) {
  // The engine keeps trust on a 0-100 scale.
  if (typeof trust !== "number" || isNaN(trust)) return 0;
  return Math.max(0, Math.min(100, Math.round(trust)));
}

function applyStatus(status) {
  // An exam shows the rep no stage, step or trust until the scorecard: reading the customer is the test.
  const sealed = Boolean(state.session && state.session.mode === "exam") && (!status.status || status.status === "active");
  if (status.stage !== undefined) $("chip-stage").textContent = term("stage", status.stage);
  if (status.step !== undefined) $("chip-step").textContent = term("step", status.step);
  $("chip-stage").classList.toggle("hidden", sealed || !status.stage);
  $("chip-step").classList.toggle("hidden", sealed || !status.step);
  $("trust").classList.toggle("hidden", sealed);
  if (typeof status.trust === "number") {
    const percent = trustPercent(status.trust);
    $("trust-fill").style.width = `${percent}%`;
    $("trust-value").textContent = String(percent);
    $("trust").setAttribute("aria-valuenow", String(percent));
    $("trust").title = `${t("web.chat.trust")} ${percent}%`;
  }
  const active = !status.status || status.status === "active";
  const changed = Boolean(state.session && status.status && state.session.status !== status.status);
  if (state.session && status.status) state.session.status = status.status;
  if (changed) loadHistory(); // the list shows the visit's new state (ended, walked out)
  renderVisitAids(status);
  $("composer").classList.toggle("hidden", !active);
  if (!active) {
    closeEvents();
    if (!document.querySelector(".msg.system.end")) {
      const ending = { closed_by_customer: t("web.chat.closedByCustomer"), abandoned: t("web.chat.abandoned") }[status.status];
      addSystem(ending || t("web.chat.ended"), "end");
    }
    if (status.scorecard) renderScorecard(status.scorecard);
    else if (state.session) loadScorecard(state.session.id);
  } else {
    $("scorecard").classList.add("hidden");
  }
}

async function loadScorecard(sessionId) {
  try {
    const view = await api("GET", `/api/sessions/${encodeURIComponent(sessionId)}`);
    if (view.scorecard) renderScorecard(view.scorecard);
  } catch (_) { /* the banner already says why */ }
}

function scrollToEnd() {
  const body = $("chat-body");
  body.scrollTop = body.scrollHeight;
}

function addSystem(text, kind) {
  $("messages").append(el("li", { class: `msg system ${kind || ""}` }, el("span", { class: "bubble" }, text)));
  scrollToEnd();
}

function renderTurn(turn) {
  if (turn.seq <= state.lastSeq) return; // already shown (reply and event stream may both carry it)
  state.lastSeq = turn.seq;
  if (turn.speaker === "rep" && state.pending && state.pending.text === turn.text) {
    state.pending.node.remove();
    state.pending = null;
  }
  const speaker = ["rep", "customer", "coach"].includes(turn.speaker) ? turn.speaker : "system";
  const who = { rep: t("web.chat.you"), customer: t("web.common.customer"), coach: t("web.common.coach"), system: "" }[speaker];
  const techniques = speaker === "rep" && turn.techniques && turn.techniques.length
    ? el("span", { class: "techs" }, turn.techniques.map((id) =>
      el("span", { class: `tech${BAD_TECHNIQUES.has(id) ? " bad" : ""}` }, term("technique", id))))
    : null;
  if (speaker === "rep") state.techniquesOf[turn.seq] = turn.techniques || [];
  if (speaker === "customer" && typeof turn.trust === "number") {
    state.trust.push(trustPercent(turn.trust));
    renderLiveCurve();
  }
  const aboutLine = speaker === "coach" && state.speakers[turn.seq - 2] === "rep" && state.speakers[turn.seq - 1] === "customer";
  const item = el("li", { class: `msg ${speaker}`, "data-seq": String(turn.seq), "data-speaker": turn.speaker },
    who ? el("span", { class: "who" }, who) : null,
    el("span", { class: "bubble" }, turn.text),
    techniques,
    aboutLine ? el("div", { class: "note-tools" }, explainControl(turn.seq - 2), flagControl(turn.seq)) : null);
  state.speakers[turn.seq] = speaker;
  const typing = document.querySelector(".msg.typing");
  $("messages").insertBefore(item, typing || null);
  scrollToEnd();
}

/* ---------- "judged wrong?" under a coach note ---------- */

/* The coach's note on a line follows the rep's line and the customer's reply; a hint does not. */
function flagControl(coachSeq) {
  const repSeq = coachSeq - 2;
  if (!state.session || state.session.mode !== "practice") return null;
  if (state.speakers[repSeq] !== "rep" || state.speakers[coachSeq - 1] !== "customer") return null;
  const box = el("div", { class: "flag", "data-flag-seq": String(repSeq) });
  const open = el("button", { type: "button", class: "linklike flag-open" }, t("web.chat.flagWrong"));
  open.addEventListener("click", () => box.replaceChildren(flagForm(box, repSeq)));
  box.append(open);
  return box;
}

function flagForm(box, repSeq) {
  // The technique names come from the catalogue, so the list is the product's techniques.
  const ids = Object.keys(catalogue()).filter((key) => key.startsWith("technique.")).map((key) => key.slice(10));
  ids.sort((a, b) => term("technique", a).localeCompare(term("technique", b)));
  const select = el("select", { class: "flag-technique", "aria-label": t("web.chat.flagPick") },
    el("option", { value: "" }, t("web.chat.flagJustWrong")),
    ids.map((id) => el("option", { value: id }, term("technique", id))));
  const send = el("button", { type: "submit", class: "btn btn-ghost flag-send" }, t("web.chat.flagSend"));
  const form = el("form", { class: "flag-form" },
    el("label", {}, t("web.chat.flagPick"), " ", select), send);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    send.disabled = true;
    const body = select.value ? { suggested: select.value } : {};
    try {
      await api("POST", `/api/sessions/${encodeURIComponent(state.session.id)}/turns/${repSeq}/flag`, body);
      box.replaceChildren(el("p", { class: "flag-done", role: "status" }, t("web.chat.flagThanks")));
    } catch (err) {
      send.disabled = false;
      showBanner(explain(err));
    }
  });
  return form;
}

function showTyping(on) {
  const existing = document.querySelector(".msg.typing");
  if (on && !existing) {
    $("messages").append(el("li", { class: "msg customer typing", "aria-label": t("web.chat.typing") },
      el("span", { class: "who" }, t("web.common.customer")), el("span", { class: "bubble" }, el("span", { class: "dots" }, ""))));
    scrollToEnd();
  } else if (!on && existing) {
    existing.remove();
  }
}

async function syncTurns() {
  if (!state.session) return;
  const turns = await api("GET", `/api/sessions/${encodeURIComponent(state.session.id)}/turns?after=${state.lastSeq}`);
  for (const turn of turns) renderTurn(turn);
}

function openEvents() {
  if (!window.EventSource || !state.session) return;
  const id = state.session.id;
  const source = new EventSource(`/api/sessions/${encodeURIComponent(id)}/events?after=${state.lastSeq}`);
  state.events = source;
  const clearOutage = () => { if ($("banner").textContent === t("web.common.dbDown")) showBanner(""); };
  source.addEventListener("turn", (event) => {
    if (!state.session || state.session.id !== id) return;
    clearOutage();
    renderTurn(JSON.parse(event.data));
  });
  source.addEventListener("status", (event) => {
    if (!state.session || state.session.id !== id) return;
    clearOutage();
    applyStatus(JSON.parse(event.data));
  });
  source.addEventListener("unavailable", () => showBanner(t("web.common.dbDown")));
  source.addEventListener("open", () => showBanner(""));
}

async function postWithRetry(path, body) {
  // The same client_message_id on every attempt: a retry after a lost reply stores nothing twice.
  let delay = 600;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await api("POST", path, body);
    } catch (err) {
      const retryable = err.status === 0 || err.status === 503;
      if (!retryable || attempt >= 4) throw err;
      showBanner(explain(err));
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay *= 2;
    }
  }
}

async function onSend(event) {
  if (event) event.preventDefault();
  const input = $("text");
  const text = input.value.trim();
  if (!text || state.busy || !state.session) return;
  const maxChars = Number(document.body.dataset.maxChars || 2000);
  if (text.length > maxChars) {
    // TRANSLATORS: {max} is the longest message, in characters.
    showBanner(t("web.chat.tooLong", { max: maxChars }));
    return;
  }
  state.busy = true;
  $("send").disabled = true;
  input.value = "";
  autoGrow();
  const node = el("li", { class: "msg rep pending" }, el("span", { class: "who" }, t("web.chat.you")), el("span", { class: "bubble" }, text));
  $("messages").append(node);
  state.pending = { text, node };
  showTyping(true);
  const sessionId = state.session.id;
  let stored = false;
  try {
    const result = await postWithRetry(`/api/sessions/${encodeURIComponent(sessionId)}/messages`, {
      text, client_message_id: newMessageId(),
    });
    stored = true;
    showBanner("");
    showTyping(false);
    // The line is stored; if fetching the new turns fails, the event stream brings them later.
    await syncTurns().catch(() => null);
    applyStatus(result);
  } catch (err) {
    showTyping(false);
    if (!stored && state.pending && state.pending.node === node) {
      node.remove();
      state.pending = null;
      input.value = text; // give the line back so nothing typed is lost
    }
    showBanner(err.code === "session_closed" ? t("web.chat.readOnly") : explain(err));
    if (err.code === "session_closed") loadScorecard(sessionId);
  } finally {
    showTyping(false);
    state.busy = false;
    $("send").disabled = false;
    input.focus();
  }
}

async function onHint() {
  if (!state.session || state.busy) return;
  const button = $("hint");
  button.disabled = true;
  try {
    // The engine stores the hint as a coach turn, so it shows up in the transcript like a note.
    await api("POST", `/api/sessions/${encodeURIComponent(state.session.id)}/hint`);
    await syncTurns();
  } catch (err) {
    showBanner(explain(err));
  } finally {
    button.disabled = false;
  }
}

let endArmed = null;
async function onEnd() {
  const button = $("end");
  if (!endArmed) { // a second press within 4 s confirms: ending a visit cannot be undone
    button.textContent = t("web.chat.endConfirm");
    endArmed = setTimeout(() => { endArmed = null; button.textContent = t("web.chat.end"); }, 4000);
    return;
  }
  clearTimeout(endArmed);
  endArmed = null;
  button.textContent = t("web.chat.end");
  if (!state.session || state.busy) return;
  state.busy = true;
  try {
    const result = await postWithRetry(`/api/sessions/${encodeURIComponent(state.session.id)}/end`);
    await syncTurns().catch(() => null);
    applyStatus(result);
    loadHistory();
  } catch (err) {
    showBanner(explain(err));
  } finally {
    state.busy = false;
  }
}

/* ---------- scorecard ---------- */

function list(values, empty) {
  const items = (values || []).filter((v) => v !== null && v !== undefined && v !== "");
  return items.length ? el("ul", {}, items.map((v) => el("li", {}, v))) : el("p", { class: "muted" }, empty || t("web.common.none"));
}

function scoreRing(score) {
  const value = Math.max(0, Math.min(100, Math.round(Number(score) || 0)));
  const radius = 40;
  const circumference = 2 * Math.PI * radius;
  const color = value >= 70 ? "#1e7a46" : value >= 40 ? "#c77700" : "#b3261e";
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 100 100");
  svg.setAttribute("class", "score-ring");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `${t("web.common.score")} ${value}`);
  svg.innerHTML = `<circle cx="50" cy="50" r="${radius}" fill="none" stroke="#e4e8ec" stroke-width="10"/>`
    + `<circle cx="50" cy="50" r="${radius}" fill="none" stroke="${color}" stroke-width="10" stroke-linecap="round" `
    + `stroke-dasharray="${(circumference * value) / 100} ${circumference}" transform="rotate(-90 50 50)"/>`
    + `<text x="50" y="59" text-anchor="middle" data-score="${value}">${value}</text>`;
  return svg;
}

function coachingPoint(kind, label, point) {
  if (!point) return null;
  const text = typeof point === "string" ? point : point.text || "";
  return el("div", { class: `point ${kind}`, "data-point": kind }, el("b", {}, label), text);
}

function factRow(label, value) {
  return el("div", {}, el("span", { class: "muted" }, `${label}${state.lang === "zh" ? "：" : ": "}`), el("strong", {}, value || "—"));
}

function renderScorecard(card) {
  const box = $("scorecard");
  const techniques = Object.entries((card.techniques && card.techniques.counts) || {});
  const problems = card.problems || {};
  const topics = problems.topics || problems.uncovered || [];
  const angles = card.motivation_angles || [];
  const need = card.explicit_need || {};
  const coaching = card.coaching || {};
  const facts = [
    factRow(t("web.common.reached"), term("stage", card.stage_reached)),
    factRow(t("web.common.stepReached"), term("step", card.step_reached)),
    factRow(t("web.common.questionShare"), `${Math.round(Number(card.question_share || 0) * 100)}%`),
    factRow(t("web.chat.deepestWhy"), String(card.deepest_why_chain ?? 0)),
    factRow(t("web.chat.pitches"), String(card.pitches_before_need ?? 0)),
  ];
  const needPill = (key, label) => el("span", { class: `pill ${need[key] ? "yes" : "off"}` },
    `${need[key] ? "✓" : "○"} ${label} · ${need[key] ? t("web.chat.confirmed") : t("web.chat.notConfirmed")}`);
  box.replaceChildren(
    el("h2", { id: "score-title" }, t("web.common.scorecard")),
    el("div", { class: "score-top" }, scoreRing(card.score), el("div", { class: "score-facts" }, facts)),
    el("div", { class: "score-grid" },
      el("div", {}, el("h3", {}, t("web.common.techniquesUsed")),
        techniques.length
          ? el("div", { class: "pills" }, techniques.map(([id, count]) =>
            el("span", { class: `pill${BAD_TECHNIQUES.has(id) ? " bad" : ""}` }, `${term("technique", id)} ×${count}`)))
          : el("p", { class: "muted" }, t("web.common.none"))),
      el("div", {}, el("h3", {}, `${t("web.common.problems")} (${(problems.uncovered || []).length}/${problems.total ?? "?"})`),
        list(topics)),
      el("div", {}, el("h3", {}, t("web.chat.angles")),
        angles.length
          ? el("div", { class: "pills" }, angles.map((a) => el("span", { class: "pill" }, term("angle", a))))
          : el("p", { class: "muted" }, t("web.common.none"))),
      el("div", {}, el("h3", {}, t("web.chat.need")), el("div", { class: "pills" }, needPill("deadline", t("web.chat.deadline")), needPill("budget", t("web.chat.budget")))),
      el("div", { class: "wide" }, el("h3", {}, t("web.chat.trustCurve")),
        trustChart((card.trust_curve || []).map((v) => trustPercent(typeof v === "number" ? v : v && (v.trust ?? v.value))), t("web.chat.trustCurve")))),
    el("div", { class: "points" },
      coachingPoint("keep", t("web.common.keep"), coaching.keep),
      coachingPoint("start", t("web.common.startDoing"), coaching.start),
      coachingPoint("stop", t("web.common.stop"), coaching.stop)),
  );
  box.classList.remove("hidden");
  box.scrollIntoView({ block: "start" }); // the score first; the details are a scroll away
}

/* ---------- composer ---------- */

function autoGrow() {
  const input = $("text");
  input.style.height = "auto";
  input.style.height = `${Math.min(input.scrollHeight, 144)}px`;
}

function onKeyDown(event) {
  // Enter sends; Shift+Enter adds a line; an IME composing Chinese must not send early.
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
    event.preventDefault();
    onSend();
  }
}

/* ---------- start ---------- */

async function init() {
  // Listeners first, so a click during the catalogue's fetch is not lost.
  const language = startLanguage(applyLanguage);
  $("login-form").addEventListener("submit", onLogin);
  $("sign-out").addEventListener("click", onSignOut);
  $("link-telegram").addEventListener("click", onLinkTelegram);
  $("link-close").addEventListener("click", () => $("link-dialog").close());
  $("explain-close").addEventListener("click", () => $("explain-dialog").close());
  // Once the rep opened or closed the card, it stays that way for the visit.
  $("customer-card").querySelector("summary").addEventListener("click", () => { $("customer-card").dataset.touched = "1"; });
  $("setup-form").addEventListener("submit", onStart);
  for (const radio of document.querySelectorAll('input[name="language"]')) {
    radio.addEventListener("change", () => { state.languageChosen = true; renderScenarios(); });
  }
  for (const radio of document.querySelectorAll('input[name="mode"]')) radio.addEventListener("change", updateModeHelp);
  $("private").addEventListener("change", updatePrivacyHelp);
  $("new-rehearsal").addEventListener("click", showHome);
  $("back").addEventListener("click", showHome);
  $("composer").addEventListener("submit", onSend);
  $("text").addEventListener("keydown", onKeyDown);
  $("text").addEventListener("input", autoGrow);
  $("hint").addEventListener("click", onHint);
  $("end").addEventListener("click", onEnd);
  $("notes-pill").addEventListener("click", () => {
    if ($("sidebar").classList.contains("hidden")) showHome(); // a phone in a rehearsal
    $("notes").scrollIntoView({ block: "start" });
    $("notes").focus();
  });
  await language;
  try {
    state.me = await signedInUser();
  } catch (err) {
    showLogin(explain(err));
    return;
  }
  if (state.me) await showHome();
  else showLogin("");
}

document.addEventListener("DOMContentLoaded", init);
