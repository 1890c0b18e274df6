/* Admins: teams and users (create, move between teams, deactivate) and the CSV import.
 * Plain JavaScript on common.js; every text comes from the catalogue. */
"use strict";

const state = { lang: "zh", me: null, teams: [], users: [] };
const ROLES = ["rep", "trainer", "manager", "admin"];
const roleName = (role) => ({
  rep: t("web.admin.roleRep"), trainer: t("web.admin.roleTrainer"), manager: t("web.admin.roleManager"), admin: t("web.admin.roleAdmin"),
})[role] || role;

function showLogin() {
  show("out");
}

function show(name) {
  for (const view of ["out", "denied", "admin"]) $(`view-${view}`).classList.toggle("hidden", view !== name);
}

function explain(err) {
  if (err.status === 503) return t("web.common.dbDown");
  if (err.status === 0) return t("web.manage.offline");
  return err.message || t("web.common.genericError");
}

function fail(id, err) {
  $(id).textContent = explain(err);
  $(id).classList.remove("hidden");
}

function teamOptions(select, chosen) {
  select.replaceChildren(
    el("option", { value: "" }, t("web.admin.noTeam")),
    ...state.teams.map((team) => el("option", { value: String(team.id), selected: team.id === chosen }, team.name)));
}

function render() {
  $("teams").replaceChildren(...state.teams.map((team) => el("li", { "data-team": String(team.id) },
    el("strong", {}, team.name), " ", el("span", { class: "muted small" }, t("web.admin.members", { count: team.members })))));
  $("u-role").replaceChildren(...ROLES.map((role) => el("option", { value: role }, roleName(role))));
  teamOptions($("u-team"), null);
  $("users").replaceChildren(...state.users.map((user) => {
    const select = el("select", { "aria-label": `${t("web.admin.team")} ${user.login}`, "data-move": user.login });
    teamOptions(select, user.team_id);
    select.addEventListener("change", () => change(user, { move: true, team_id: select.value ? Number(select.value) : null }));
    const toggle = el("button", { type: "button", class: `btn btn-ghost${user.active ? " btn-danger" : ""}`, "data-toggle": user.login,
      onclick: () => change(user, { active: !user.active }) },
    user.active ? t("web.admin.deactivate") : t("web.admin.activate"));
    return el("tr", { "data-user": user.login, class: user.active ? "" : "a-inactive" },
      el("th", { scope: "row", "data-label": t("web.admin.name") }, user.name, el("span", { class: "muted small m-login" }, user.login)),
      el("td", { "data-label": t("web.admin.role") }, roleName(user.role)),
      el("td", { "data-label": t("web.admin.team") }, select),
      el("td", { "data-label": t("web.admin.status") },
        el("span", { class: "badge" }, user.active ? t("web.admin.active") : t("web.admin.inactive")), " ", toggle));
  }));
}

async function load() {
  try {
    [state.teams, state.users] = await Promise.all([api("GET", "/api/admin/teams"), api("GET", "/api/admin/users")]);
    showBanner("");
  } catch (err) {
    if (err.status === 401) return show("out");
    if (err.status === 403) return show("denied");
    showBanner(explain(err));
  }
  show("admin");
  return render();
}

async function change(user, body) {
  try {
    await api("PATCH", `/api/admin/users/${user.id}`, body);
    showBanner("");
  } catch (err) {
    showBanner(explain(err));
  }
  await load();
}

async function onTeam(event) {
  event.preventDefault();
  $("team-error").classList.add("hidden");
  try {
    await api("POST", "/api/admin/teams", { name: $("team-name").value.trim() });
    $("team-name").value = "";
    await load();
  } catch (err) {
    fail("team-error", err);
  }
}

async function onUser(event) {
  event.preventDefault();
  $("user-error").classList.add("hidden");
  const body = {
    login: $("u-login").value.trim(), name: $("u-name").value.trim(), role: $("u-role").value,
    team_id: $("u-team").value ? Number($("u-team").value) : null, language: $("u-lang").value, password: $("u-password").value,
  };
  try {
    await api("POST", "/api/admin/users", body);
    for (const id of ["u-login", "u-name", "u-password"]) $(id).value = "";
    await load();
  } catch (err) {
    fail("user-error", err);
  }
}

async function onImport(event) {
  event.preventDefault();
  $("import-error").classList.add("hidden");
  const file = $("import-file").files[0];
  if (!file) return fail("import-error", { message: t("web.admin.importChoose") });
  let answer;
  try {
    answer = await api("POST", "/api/admin/users/import", { csv: await file.text() });
  } catch (err) {
    return fail("import-error", err);
  }
  const items = answer.problems.length
    ? [el("li", { class: "form-error" }, t("web.admin.importNothing")),
      ...answer.problems.map((p) => el("li", { "data-row": String(p.row) }, `${t("web.admin.row", { row: p.row })}: ${p.reason}`))]
    : [el("li", { class: "m-ok" }, t("web.admin.imported", { count: answer.created.length })),
      ...answer.created.map((c) => el("li", { "data-created": c.login }, c.login, c.password ? ` — ${t("web.admin.password")} ${c.password}` : ""))];
  $("import-result").replaceChildren(...items);
  return load();
}

async function init() {
  const language = startLanguage((lang) => {
    translatePage(lang, "web.admin.title");
    if (state.me) render();
  });
  $("team-form").addEventListener("submit", onTeam);
  $("user-form").addEventListener("submit", onUser);
  $("import-form").addEventListener("submit", onImport);
  await language;
  try {
    state.me = await signedInUser(); // a 200 either way: no failed request in the console
  } catch (err) {
    return show("out");
  }
  if (!state.me) return show("out");
  if (state.me.role !== "admin") return show("denied");
  return load();
}

document.addEventListener("DOMContentLoaded", init);
