/* Shared by the chat and manage pages: DOM helpers, texts, the JSON API client.
 * Each page defines state and showLogin(); they are looked up when called.
 * Every text comes from the catalogue (bot/locale/*.po), served as /i18n/<lang>.json. */
"use strict";

const $ = (id) => document.getElementById(id);
const BAD_TECHNIQUES = new Set(["pitch", "private_topic"]);
const CATALOGUES = {}; // lang -> {key: text}, filled by loadCatalogue
const catalogue = () => CATALOGUES[state.lang] || CATALOGUES.zh || {};
const t = (key, values) => {
  let text = catalogue()[key] || key;
  for (const [name, value] of Object.entries(values || {})) text = text.replace(`{${name}}`, String(value));
  return text;
};
/* The name of an id of one kind ("stage", "step", "technique", "angle", "status", "channel", ...). */
const term = (kind, id) => (id ? (catalogue()[`${kind}.${id}`] || String(id).replace(/_/g, " ")) : "");

/* Fetch a language's catalogue once; the URL carries the release, so browsers may cache it. */
async function loadCatalogue(lang) {
  if (CATALOGUES[lang]) return;
  try {
    const response = await fetch(`/i18n/${lang}.json?v=${document.body.dataset.version || ""}`);
    if (response.ok) CATALOGUES[lang] = await response.json();
  } catch (_) {
    /* offline: the page keeps the texts it was rendered with, and keys for the rest */
  }
}
const SVG = "http://www.w3.org/2000/svg";

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}

class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || {}; // the rest of the error body (e.g. a script's problems)
  }
}

async function api(method, path, body) {
  const options = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch (err) {
    throw new ApiError(0, "network", String(err));
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = (data && data.error) || {};
    if (response.status === 401 && error.code === "not_signed_in" && state.me) {
      state.me = null;
      showLogin(t("web.common.expired"));
    }
    throw new ApiError(response.status, error.code || "http_error", error.message || response.statusText, error);
  }
  return data;
}

function showBanner(text) {
  $("banner").textContent = text || "";
  $("banner").classList.toggle("hidden", !text);
}

/* Switch the page's language: remembered, set on <html>, applied to every data-i18n node. */
function translatePage(lang, titleKey) {
  state.lang = lang === "en" ? "en" : "zh";
  try { localStorage.setItem("coach.lang", state.lang); } catch (_) { /* private mode */ }
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  // Without a catalogue (offline) the server-rendered texts stay rather than turning into keys.
  const texts = catalogue();
  if (texts[titleKey]) document.title = texts[titleKey];
  for (const node of document.querySelectorAll("[data-i18n]")) {
    if (texts[node.dataset.i18n]) node.textContent = texts[node.dataset.i18n];
  }
  for (const node of document.querySelectorAll("[data-i18n-placeholder]")) {
    if (texts[node.dataset.i18nPlaceholder]) node.placeholder = texts[node.dataset.i18nPlaceholder];
  }
  for (const node of document.querySelectorAll("[data-i18n-aria]")) {
    if (texts[node.dataset.i18nAria]) node.setAttribute("aria-label", texts[node.dataset.i18nAria]);
  }
  for (const button of document.querySelectorAll("[data-set-lang]")) {
    button.setAttribute("aria-pressed", String(button.dataset.setLang === state.lang));
  }
}

/* The remembered language (else the server's default), and the 中文 / EN buttons; a language's
 * catalogue is loaded before the page is drawn in it. */
async function startLanguage(apply) {
  const choose = async (lang) => {
    const wanted = lang === "en" ? "en" : "zh";
    await loadCatalogue(wanted);
    apply(wanted);
  };
  let saved = null;
  try { saved = localStorage.getItem("coach.lang"); } catch (_) { /* private mode */ }
  for (const button of document.querySelectorAll("[data-set-lang]")) {
    button.addEventListener("click", () => choose(button.dataset.setLang));
  }
  await choose(saved || document.body.dataset.lang || "zh");
}

/* ---------- who is signed in, and the time zone times are shown in ---------- */

/* The signed-in user, or null: /api/auth/state answers 200 either way, so a page opened signed
 * out logs no failed request in the console. */
async function signedInUser() {
  const found = await api("GET", "/api/auth/state");
  if (!found.signed_in) return null;
  const me = found.me;
  if (!me.time_zone) { // first visit: the browser's zone becomes the user's (Telegram uses it too)
    const browserZone = (Intl.DateTimeFormat().resolvedOptions() || {}).timeZone;
    if (browserZone) {
      try {
        const saved = await api("PUT", "/api/me/settings", { time_zone: browserZone, only_if_unset: true });
        me.time_zone = saved.time_zone;
      } catch (_) { /* a zone the server does not know: the browser's is used below anyway */ }
    }
  }
  return me;
}

/* A stored time (UTC; SQLite hands it back without an offset) in the user's zone. */
function formatStamp(iso, options) {
  if (!iso) return "";
  const when = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
  if (isNaN(when)) return "";
  const format = options || { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" };
  const zone = state.me && state.me.time_zone;
  try {
    return when.toLocaleString(state.lang === "zh" ? "zh-CN" : "en", zone ? { ...format, timeZone: zone } : format);
  } catch (_) { // an unknown zone name: the browser's own
    return when.toLocaleString(state.lang === "zh" ? "zh-CN" : "en", format);
  }
}

/* Where an assignment stands, in words (the chat's and the team page's assignment lists). */
function assignmentStatusText(status) {
  const names = {
    open: t("web.coach.status_open"), in_progress: t("web.coach.status_in_progress"), done: t("web.coach.status_done"),
    passed: t("web.coach.status_passed"), overdue: t("web.coach.status_overdue"),
  };
  return names[status] || status;
}
