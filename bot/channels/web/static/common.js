/* Shared by the chat and manage pages: DOM helpers, terms, the JSON API client.
 * Each page defines I18N, state and showLogin(); they are looked up when called. */
"use strict";

const $ = (id) => document.getElementById(id);
const t = (key, values) => {
  let text = (I18N[state.lang] && I18N[state.lang][key]) || I18N.zh[key] || key;
  for (const [name, value] of Object.entries(values || {})) text = text.replace(`{${name}}`, String(value));
  return text;
};
const term = (id) => (id ? (TERMS[state.lang][id] || TERMS.zh[id] || String(id).replace(/_/g, " ")) : "");
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
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
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
      showLogin(t("expired"));
    }
    throw new ApiError(response.status, error.code || "http_error", error.message || response.statusText);
  }
  return data;
}

function showBanner(text) {
  $("banner").textContent = text || "";
  $("banner").classList.toggle("hidden", !text);
}

/* Switch the page's language: remembered, set on <html>, applied to every data-i18n node. */
function translatePage(lang, titles) {
  state.lang = lang === "en" ? "en" : "zh";
  try { localStorage.setItem("coach.lang", state.lang); } catch (_) { /* private mode */ }
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  document.title = titles[state.lang];
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-placeholder]")) node.placeholder = t(node.dataset.i18nPlaceholder);
  for (const node of document.querySelectorAll("[data-i18n-aria]")) node.setAttribute("aria-label", t(node.dataset.i18nAria));
  for (const button of document.querySelectorAll("[data-set-lang]")) {
    button.setAttribute("aria-pressed", String(button.dataset.setLang === state.lang));
  }
}

/* The remembered language (else the server's default), and the 中文 / EN buttons. */
function startLanguage(apply) {
  let saved = null;
  try { saved = localStorage.getItem("coach.lang"); } catch (_) { /* private mode */ }
  apply(saved || document.body.dataset.lang || "zh");
  for (const button of document.querySelectorAll("[data-set-lang]")) {
    button.addEventListener("click", () => apply(button.dataset.setLang));
  }
}
