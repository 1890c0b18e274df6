/* The rep's side of coaching in the web chat: my assignments (start one from here; done, passed
 * and overdue ones show their best score), and my manager's comments beside the lines of a past
 * visit. Runs beside chat.js (its ``state``, ``openSession``, ``explain``, ``formatStamp``). */
"use strict";

async function loadMyAssignments() {
  let list;
  try {
    list = await api("GET", "/api/assignments");
  } catch (_) {
    return; // a side panel: the rehearsal works without it
  }
  const open = list.filter((a) => a.status !== "passed");
  const shown = [...open, ...list.filter((a) => a.status === "passed")];
  $("my-assignments").replaceChildren(...shown.map((a) => el("li", { "data-assignment": String(a.id), "data-status": a.status },
    el("div", { class: "c-my-assignment" },
      el("span", { class: "h-title" }, a.title),
      el("span", { class: "h-meta" },
        el("span", {}, `${t("web.coach.due")} ${formatStamp(a.due_at)}`),
        el("span", { class: "badge" }, a.mode === "exam" ? t("web.chat.examBadge") : t("web.chat.practiceBadge")),
        el("span", {}, `${t("web.coach.passMark")} ${a.pass_mark}`),
        el("span", { class: `badge c-status c-${a.status}` }, assignmentStatusText(a.status)),
        a.best_score !== null ? el("span", { class: "badge score" }, String(a.best_score)) : null),
      a.status === "passed" ? null : el("button", {
        type: "button", class: "btn btn-primary c-start", "data-start": String(a.id), onclick: () => startAssignment(a),
      }, a.active_session_id ? t("web.coach.continue") : t("web.coach.startAssignment"))))));
  $("my-assignments-empty").classList.toggle("hidden", list.length > 0);
}

/* The coaching reviews written about me: what improving means, the plan, before → after. */
async function loadMyReviews() {
  let reviews;
  try {
    reviews = await api("GET", "/api/reviews");
  } catch (_) {
    return;
  }
  const colon = state.lang === "zh" ? "：" : ": ";
  const line = (label, value) => (value ? el("p", { class: "small" }, el("b", {}, `${label}${colon}`), value) : null);
  $("my-reviews-title").classList.toggle("hidden", reviews.length === 0);
  $("my-reviews").replaceChildren(...reviews.map((r) => el("li", { class: "note c-review", "data-review": String(r.id) },
    el("p", { class: "note-meta" }, el("span", {}, r.author_name), el("span", {}, formatStamp(r.created_at))),
    el("p", { class: "small c-before-after" }, t("web.coach.beforeAfter", {
      before: r.before === null ? "—" : String(r.before), after: r.after === null ? "—" : String(r.after),
    })),
    line(t("web.coach.improving"), r.improving),
    line(t("web.coach.plan"), r.plan.map((p) => [term("technique", p.technique),
      p.colleague_name ? `${t("web.coach.learnFrom")} ${p.colleague_name}` : "", p.action].filter(Boolean).join(" · ")).join("; ")))));
}

async function startAssignment(assignment) {
  if (assignment.active_session_id) {
    await openSession(assignment.active_session_id);
    return;
  }
  try {
    const result = await api("POST", `/api/assignments/${assignment.id}/start`);
    await openSession(result.session_id);
    loadHistory();
  } catch (err) {
    showBanner(explain(err));
  }
}

async function showLineComments(view) {
  let comments;
  try {
    comments = await api("GET", `/api/sessions/${encodeURIComponent(view.id)}/comments`);
  } catch (_) {
    return;
  }
  if (!state.session || state.session.id !== view.id) return;
  for (const old of document.querySelectorAll("#messages .c-comment")) old.remove();
  for (const comment of comments) {
    const item = document.querySelector(`#messages li[data-seq="${comment.seq}"]`);
    if (!item) continue;
    item.append(el("div", { class: "c-comment", "data-comment": String(comment.id), role: "note" },
      el("b", {}, `${t("web.coach.managerComment")} · ${comment.author_name}${state.lang === "zh" ? "：" : ": "}`), comment.text));
  }
}

document.addEventListener("coach:home", () => {
  loadMyAssignments();
  loadMyReviews();
});
document.addEventListener("coach:session", (event) => showLineComments(event.detail));
