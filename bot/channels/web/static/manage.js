/* Sales coach team dashboard: a manager's reps and their progress, a rep's sessions, the
 * transcript reader and coaching notes. Plain JavaScript, no build step and no CDN.
 * Stage, step and technique names come from terms.js (shared with the chat page). */
"use strict";

const I18N = {
  zh: {
    skip: "跳到主要内容", brand: "团队看板", chatLink: "去演练", signOut: "退出",
    signInTitle: "经理登录", signInLead: "查看团队的演练记录和进步，给销售写辅导留言。",
    login: "账号", password: "密码", signIn: "登录", signingIn: "正在登录…",
    wrongCredentials: "账号或密码不对。",
    deniedTitle: "这个页面只对经理开放",
    deniedLead: "你的账号是销售账号。经理的留言会显示在演练页面的侧栏里。",
    teamTitle: "团队进度",
    teamLead: "得分来自每次结束的演练的评分卡；小图是最近 10 次的得分。点一位销售查看详情。",
    colRep: "销售", colSessions: "演练", colFinished: "完成", colAverage: "平均分", colBest: "最高分",
    colTrend: "趋势", colLast: "最近练习", colUnread: "未读留言", repsEmpty: "你的团队里还没有销售。",
    never: "从未练习", backTeam: "返回团队", sessionsTitle: "演练记录", sessionsEmpty: "还没有演练。",
    readerEmpty: "选择一次演练，阅读完整对话和评分。",
    noteTitle: "写辅导留言", noteLabel: "留言内容",
    notePlaceholder: "先肯定做得好的地方，再指出下一次要试的一个问题……",
    noteAbout: "关于这次演练：", noteSend: "发送留言", noteSent: "留言已发送。",
    noteEmpty: "留言不能为空。", noteTooLong: "留言最多 {max} 个字。",
    repNotesTitle: "已写的留言", repNotesEmpty: "还没有留言。", unread: "未读", readAt: "已读",
    about: "关于：", figures: "{sessions} 次演练 · {finished} 次完成 · 平均 {average} · 最高 {best}",
    customer: "客户", rep: "销售", coach: "教练", practice: "练习", exam: "考核", active: "进行中",
    scorecard: "评分卡", score: "得分", reached: "到达阶段", stepReached: "提问步骤",
    techniquesUsed: "用到的技巧", problems: "发现的问题", questionShare: "提问占比", keep: "保持",
    startDoing: "开始", stop: "停止", none: "无", trendLabel: "最近得分",
    dbDown: "服务暂时不可用（数据库无响应），请稍后再试。", offline: "连接中断，请重试。",
    expired: "登录已过期，请重新登录。", genericError: "出错了，请重试。", notFound: "找不到这位销售或这次演练。",
  },
  en: {
    skip: "Skip to main content", brand: "Team dashboard", chatLink: "Rehearse", signOut: "Sign out",
    signInTitle: "Manager sign-in", signInLead: "Read your team's rehearsals, follow their progress and write coaching notes.",
    login: "Login", password: "Password", signIn: "Sign in", signingIn: "Signing in…",
    wrongCredentials: "Wrong login or password.",
    deniedTitle: "This page is for managers",
    deniedLead: "Yours is a rep account. Your manager's notes appear in the sidebar of the rehearsal page.",
    teamTitle: "Team progress",
    teamLead: "Scores come from the scorecard of each finished rehearsal; the small chart shows the last 10. Pick a rep for details.",
    colRep: "Rep", colSessions: "Sessions", colFinished: "Finished", colAverage: "Average", colBest: "Best",
    colTrend: "Trend", colLast: "Last practised", colUnread: "Unread notes", repsEmpty: "No reps in your team yet.",
    never: "never", backTeam: "Back to the team", sessionsTitle: "Sessions", sessionsEmpty: "No sessions yet.",
    readerEmpty: "Pick a session to read the whole conversation and its scorecard.",
    noteTitle: "Write a coaching note", noteLabel: "The note",
    notePlaceholder: "Say what went well, then one question to try next time…",
    noteAbout: "About this session: ", noteSend: "Send the note", noteSent: "Note sent.",
    noteEmpty: "The note is empty.", noteTooLong: "A note may have at most {max} characters.",
    repNotesTitle: "Notes written", repNotesEmpty: "No notes yet.", unread: "unread", readAt: "read",
    about: "About: ", figures: "{sessions} sessions · {finished} finished · average {average} · best {best}",
    customer: "Customer", rep: "Rep", coach: "Coach", practice: "Practice", exam: "Exam", active: "in progress",
    scorecard: "Scorecard", score: "Score", reached: "Stage reached", stepReached: "Questioning step",
    techniquesUsed: "Techniques used", problems: "Problems uncovered", questionShare: "Share of questions",
    keep: "Keep", startDoing: "Start", stop: "Stop", none: "none", trendLabel: "Recent scores",
    dbDown: "The service is briefly unavailable (database not answering). Try again shortly.",
    offline: "Connection lost; try again.", expired: "Your sign-in has expired; sign in again.",
    genericError: "Something went wrong; try again.", notFound: "No such rep or session.",
  },
};
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
  if (err.status === 503) return t("dbDown");
  if (err.status === 0) return t("offline");
  if (err.status === 404) return t("notFound");
  return err.message || t("genericError");
}


function stamp(iso) {
  if (!iso) return "";
  const when = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
  return isNaN(when) ? "" : when.toLocaleString(state.lang === "zh" ? "zh-CN" : "en", {
    month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
  });
}

const show = (value) => (value === null || value === undefined ? "—" : String(value));

/* ---------- language ---------- */

function applyLanguage(lang) {
  translatePage(lang, { zh: "团队看板 · Team dashboard", en: "Team dashboard · 团队看板" });
  renderReps();
  if (state.rep) {
    renderRepHead();
    renderSessions(state.sessions || []);
    renderNotes();
    updateNoteForm();
  }
  if (state.session) renderReader(state.session);
}

/* ---------- views ---------- */

function showView(name) {
  for (const view of ["login", "denied", "team", "rep"]) $(`view-${view}`).classList.toggle("hidden", view !== name);
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
  submit.textContent = t("signingIn");
  $("login-error").classList.add("hidden");
  try {
    state.me = await api("POST", "/api/auth/login", { login: $("login").value, password: $("password").value });
    $("password").value = "";
    await route();
  } catch (err) {
    $("login-error").textContent = err.status === 401 ? t("wrongCredentials") : explain(err);
    $("login-error").classList.remove("hidden");
  } finally {
    submit.disabled = false;
    submit.textContent = t("signIn");
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
    "aria-label": `${t("trendLabel")}: ${values.join(", ")}`, "data-scores": values.join(","),
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
    el("th", { scope: "row", "data-label": t("colRep") },
      el("button", { type: "button", class: "linklike m-rep-link", onclick: () => openRep(rep.id) }, rep.name),
      el("span", { class: "muted small m-login" }, rep.login)),
    el("td", { class: "num", "data-label": t("colSessions") }, String(rep.sessions)),
    el("td", { class: "num", "data-label": t("colFinished") }, String(rep.finished)),
    el("td", { class: "num", "data-label": t("colAverage") }, show(rep.average_score)),
    el("td", { class: "num", "data-label": t("colBest") }, show(rep.best_score)),
    el("td", { class: "m-trend", "data-label": t("colTrend") }, sparkline(rep.trend)),
    el("td", { "data-label": t("colLast") }, rep.last_practised ? stamp(rep.last_practised) : t("never")),
    el("td", { class: "num", "data-label": t("colUnread") },
      rep.unread_notes ? el("span", { class: "badge unread" }, String(rep.unread_notes)) : "0"))));
  for (const row of body.querySelectorAll("tr")) {
    row.addEventListener("click", (event) => {
      if (!event.target.closest("button")) openRep(Number(row.dataset.rep));
    });
  }
  $("reps-empty").classList.toggle("hidden", state.reps.length > 0);
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
  return true;
}

function renderRepHead() {
  const rep = state.rep;
  $("rep-name").textContent = rep.name || rep.login;
  $("rep-figures").textContent = rep.sessions === undefined ? "" : t("figures", {
    sessions: rep.sessions, finished: rep.finished, average: show(rep.average_score), best: show(rep.best_score),
  });
  $("rep-trend").replaceChildren(
    el("span", { class: "muted small" }, t("trendLabel")), sparkline(rep.trend, { width: 160, height: 40 }));
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
      el("span", { class: "badge" }, t(s.mode === "exam" ? "exam" : "practice")),
      s.status === "active"
        ? el("span", { class: "badge active" }, t("active"))
        : (typeof s.score === "number" ? el("span", { class: "badge score" }, String(Math.round(s.score))) : el("span", { class: "badge" }, term(s.status))))))));
  $("sessions-empty").classList.toggle("hidden", sessions.length > 0);
}

function renderNotes() {
  $("rep-notes").replaceChildren(...state.notes.map((note) => el("li", { class: `note${note.read_at ? "" : " unread"}`, "data-note": String(note.id) },
    el("p", { class: "note-text" }, note.text),
    el("p", { class: "note-meta" },
      el("span", {}, note.author_name),
      el("span", {}, stamp(note.created_at)),
      el("span", { class: note.read_at ? "" : "badge unread" }, note.read_at ? `${t("readAt")} ${stamp(note.read_at)}` : t("unread")),
      note.session_id
        ? el("button", { type: "button", class: "linklike", onclick: () => openSession(note.session_id) },
          `${t("about")}${note.session_title || ""}`)
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
    stamp(view.started_at), t(view.mode === "exam" ? "exam" : "practice"),
    view.language === "en" ? "English" : "中文", view.status === "active" ? t("active") : term(view.status),
  ].filter(Boolean).join(" · ");
  renderSummary(view.scorecard);
  const speakers = { rep: t("rep"), customer: t("customer"), coach: t("coach") };
  $("transcript").replaceChildren(...view.turns.map((turn) => {
    const speaker = speakers[turn.speaker] ? turn.speaker : "system";
    const techniques = speaker === "rep" && turn.techniques && turn.techniques.length
      ? el("span", { class: "techs" }, turn.techniques.map((id) =>
        el("span", { class: `tech${BAD_TECHNIQUES.has(id) ? " bad" : ""}`, "data-technique": id }, term(id))))
      : null;
    return el("li", { class: `msg ${speaker}`, "data-seq": String(turn.seq) },
      speakers[speaker] ? el("span", { class: "who" }, speakers[speaker]) : null,
      el("span", { class: "bubble" }, turn.text),
      techniques);
  }));
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
    el("h3", { id: "summary-title", class: "visually-hidden" }, t("scorecard")),
    el("div", { class: "m-summary-top" },
      el("div", { class: `m-score ${level}`, "data-score": String(score), "aria-label": `${t("score")} ${score}` },
        el("span", { class: "m-score-value" }, String(score)), el("span", { class: "m-score-label" }, t("score"))),
      el("div", { class: "score-facts" },
        fact(t("reached"), term(card.stage_reached)),
        fact(t("stepReached"), term(card.step_reached)),
        fact(t("questionShare"), `${Math.round(Number(card.question_share || 0) * 100)}%`),
        fact(t("problems"), `${(problems.uncovered || []).length}/${problems.total ?? "?"}`))),
    el("div", { class: "pills m-pills" }, counts.length
      ? counts.map(([id, count]) => el("span", { class: `pill${BAD_TECHNIQUES.has(id) ? " bad" : ""}` }, `${term(id)} ×${count}`))
      : el("span", { class: "muted" }, `${t("techniquesUsed")}: ${t("none")}`)),
    el("div", { class: "points" },
      point("keep", t("keep"), coaching.keep),
      point("start", t("startDoing"), coaching.start),
      point("stop", t("stop"), coaching.stop)),
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
  $("note-about-text").textContent = open ? `${t("noteAbout")}${open.title}` : "";
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
    error.textContent = text ? t("noteTooLong", { max: noteMax() }) : t("noteEmpty");
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
  startLanguage(applyLanguage);
  $("login-form").addEventListener("submit", onLogin);
  $("sign-out").addEventListener("click", onSignOut);
  $("back-team").addEventListener("click", () => showTeam());
  window.addEventListener("popstate", followHash);
  $("note-form").addEventListener("submit", onSendNote);
  $("note-text").addEventListener("input", updateNoteForm);
  try {
    state.me = await api("GET", "/api/me");
  } catch (err) {
    if (err.status !== 401) showBanner(explain(err));
  }
  await route();
}

document.addEventListener("DOMContentLoaded", init);
