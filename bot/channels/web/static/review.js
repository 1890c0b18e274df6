/* Review 3.0 on the rep page: the transcript's trust curve (a chart with its table), the stage and
 * step track and comments on single lines; the coaching review (ASK gaps pre-filled by technique,
 * what improving means, the plan with a colleague to learn from, a practice assignment) and the
 * rep's reviews with their assignments and before/after scores (plan, do, check, act).
 * Runs beside manage.js (its ``state``, ``stamp``, ``explain``) and analytics.js (the fields). */
"use strict";

const coachReview = { comments: [], reviews: [], draft: null };

/* ---------- the transcript: trust curve, track, comments ---------- */

function trustFigure(view) {
  const box = el("div", { class: "c-chart-box c-trust" });
  const turns = view.turns.filter((turn) => typeof turn.trust === "number");
  if (turns.length < 2) return box;
  lineChart(box, {
    id: "trust-chart", caption: t("web.coach.trustCaption"), xTitle: t("web.coach.line"),
    labels: turns.map((turn) => turn.seq), series: [{ name: t("web.coach.trust"), values: turns.map((turn) => Math.round(turn.trust)) }],
  });
  return box;
}

function annotateTranscript(view) {
  let last = "";
  for (const turn of view.turns) {
    const item = document.querySelector(`#transcript li[data-seq="${turn.seq}"]`);
    if (!item) continue;
    const track = [term("stage", turn.stage), term("step", turn.step)].filter(Boolean).join(" · ");
    if (track && track !== last) {
      item.prepend(el("span", { class: "c-track", "data-stage": turn.stage || "", "data-step": turn.step || "" }, track));
      last = track;
    }
    if (turn.speaker === "rep" || turn.speaker === "customer") {
      item.append(el("button", { type: "button", class: "linklike small c-comment-open", "data-comment-seq": String(turn.seq),
        onclick: () => openCommentForm(item, turn.seq) }, t("web.coach.commentLine")));
    }
  }
}

function renderComments() {
  for (const old of document.querySelectorAll("#transcript .c-comment")) old.remove();
  for (const comment of coachReview.comments) {
    const item = document.querySelector(`#transcript li[data-seq="${comment.seq}"]`);
    if (item) item.append(commentNode(comment));
  }
}

function commentNode(comment) {
  return el("div", { class: "c-comment", "data-comment": String(comment.id), role: "note" },
    el("b", {}, `${comment.author_name}${state.lang === "zh" ? "：" : ": "}`), comment.text);
}

function openCommentForm(item, seq) {
  if (item.querySelector(".c-comment-form")) return;
  const input = el("textarea", { rows: 2, maxlength: 2000, "aria-label": t("web.coach.commentLabel") });
  const error = el("p", { class: "form-error hidden", role: "alert" });
  const form = el("form", { class: "c-comment-form" }, input, error,
    el("button", { type: "submit", class: "btn btn-primary" }, t("web.coach.commentSave")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) {
      error.textContent = t("web.coach.commentEmpty");
      error.classList.remove("hidden");
      return;
    }
    try {
      const comment = await api("POST", `/api/manager/sessions/${encodeURIComponent(state.session.id)}/comments`, { seq, text });
      coachReview.comments.push(comment);
      form.remove();
      renderComments();
    } catch (err) {
      error.textContent = explain(err);
      error.classList.remove("hidden");
    }
  });
  item.append(form);
  input.focus();
}

document.addEventListener("coach:reader", async (event) => {
  const view = event.detail;
  $("reader-extras").replaceChildren(trustFigure(view));
  annotateTranscript(view);
  renderReviewStart();
  try {
    coachReview.comments = await api("GET", `/api/manager/sessions/${encodeURIComponent(view.id)}/comments`);
  } catch (_) {
    coachReview.comments = [];
  }
  if (state.session && state.session.id === view.id) renderComments();
});

/* ---------- writing a review ---------- */

function renderReviewStart() {
  const box = $("review-form-box");
  if (!box || box.querySelector("form")) return;
  const open = state.session && state.session.status !== "active";
  box.replaceChildren(open
    ? el("button", { type: "button", class: "btn btn-primary btn-block", id: "review-start", onclick: startReview }, t("web.coach.reviewStart"))
    : el("p", { class: "muted small" }, t("web.coach.reviewPick")));
}

async function startReview() {
  const chosen = [state.session.id];
  try {
    coachReview.draft = await api("GET", `/api/manager/review-draft?${chosen.map((id) => `session=${encodeURIComponent(id)}`).join("&")}`);
  } catch (err) {
    showBanner(explain(err));
    return;
  }
  await renderReviewForm();
}

function area(id, label, rows = 2) {
  return el("div", { class: "c-field" }, el("label", { for: id }, label), el("textarea", { id, rows, maxlength: 2000 }));
}

async function renderReviewForm() {
  const draft = coachReview.draft;
  const colleagues = Object.fromEntries(draft.colleagues.map((c) => [c.technique, c]));
  const mates = state.reps.filter((r) => r.id !== draft.rep_id);
  const others = state.sessions.filter((s) => s.status !== "active" && !draft.sessions.some((d) => d.id === s.id));
  const skills = draft.skills.map((gap) => {
    const mate = colleagues[gap.technique];
    const select = el("select", { id: `plan-mate-${gap.technique}`, "aria-label": `${t("web.coach.learnFrom")} · ${term("technique", gap.technique)}` },
      el("option", { value: "" }, "—"), ...mates.map((m) => el("option", { value: String(m.id), selected: mate && mate.rep_id === m.id }, m.name)));
    return el("fieldset", { class: `c-skill${gap.gap ? " c-gap" : ""}`, "data-skill": gap.technique },
      el("legend", {}, el("label", {}, el("input", { type: "checkbox", id: `skill-${gap.technique}`, checked: gap.gap }), " ",
        term("technique", gap.technique)),
      el("span", { class: "muted small" }, ` ${t("web.coach.usedWorked", { used: gap.used, worked: gap.worked })}`)),
      el("input", { id: `skill-note-${gap.technique}`, maxlength: 2000, placeholder: t("web.coach.skillNote"), "aria-label": t("web.coach.skillNote") }),
      el("div", { class: "c-plan" },
        el("label", { for: `plan-mate-${gap.technique}` }, t("web.coach.learnFrom")), select,
        mate ? el("span", { class: "muted small c-mate-record" }, t("web.coach.mateRecord", { worked: mate.worked, facts: mate.facts })) : null,
        el("input", { id: `plan-action-${gap.technique}`, maxlength: 2000, placeholder: t("web.coach.planAction"), "aria-label": t("web.coach.planAction") })));
  });
  const error = el("p", { class: "form-error hidden", id: "review-error", role: "alert" });
  const form = el("form", { class: "card c-form", id: "review-form", novalidate: true },
    el("h3", {}, t("web.coach.reviewTitle")),
    el("p", { class: "muted small" }, draft.sessions.map((s) => `${s.title} (${show(s.score)})`).join(" · ")),
    others.length ? el("details", {}, el("summary", {}, t("web.coach.moreSessions")),
      ...others.map((s) => el("label", { class: "m-check" }, el("input", { type: "checkbox", class: "c-more", value: s.id }), ` ${s.title} ${stamp(s.started_at)}`))) : null,
    el("h4", {}, t("web.coach.ask")),
    area("review-attitude", t("web.coach.attitude")),
    el("p", { class: "c-label" }, t("web.coach.skills")), ...skills,
    area("review-knowledge", t("web.coach.knowledge")),
    area("review-improving", t("web.coach.improving"), 3),
    el("h4", {}, t("web.coach.practice")),
    el("label", { class: "m-check" }, el("input", { type: "checkbox", id: "review-assign", checked: true }), ` ${t("web.coach.assignWithReview")}`),
    await assignmentFields("review-assign"),
    coachReview.reviews.length ? el("div", { class: "c-field" }, el("label", { for: "review-follow" }, t("web.coach.followUpOf")),
      el("select", { id: "review-follow" }, el("option", { value: "" }, "—"),
        ...coachReview.reviews.map((r) => el("option", { value: String(r.id) }, `#${r.id} ${stamp(r.created_at)}`)))) : null,
    error,
    el("div", { class: "c-actions" },
      el("button", { type: "submit", class: "btn btn-primary", id: "review-send" }, t("web.coach.reviewSave")),
      el("button", { type: "button", class: "btn btn-ghost", onclick: () => { $("review-form-box").replaceChildren(); renderReviewStart(); } }, t("web.coach.cancel"))));
  form.addEventListener("submit", onSendReview);
  $("review-form-box").replaceChildren(form);
}

function reviewBody() {
  const draft = coachReview.draft;
  const more = [...document.querySelectorAll("#review-form .c-more:checked")].map((box) => box.value);
  const picked = draft.skills.filter((gap) => $(`skill-${gap.technique}`).checked);
  const body = {
    session_ids: [...draft.sessions.map((s) => s.id), ...more],
    attitude: $("review-attitude").value.trim(), knowledge: $("review-knowledge").value.trim(),
    improving: $("review-improving").value.trim(),
    skills: picked.map((gap) => ({ technique: gap.technique, used: gap.used, worked: gap.worked, note: $(`skill-note-${gap.technique}`).value.trim() })),
    plan: picked.map((gap) => ({
      technique: gap.technique, action: $(`plan-action-${gap.technique}`).value.trim(),
      colleague_id: $(`plan-mate-${gap.technique}`).value ? Number($(`plan-mate-${gap.technique}`).value) : null,
    })),
    assignments: [],
  };
  const follow = $("review-follow");
  if (follow && follow.value) body.follow_up_of = Number(follow.value);
  if ($("review-assign").checked) {
    const order = assignmentOf("review-assign");
    if (!order) return null;
    body.assignments.push(order);
  }
  return body;
}

async function onSendReview(event) {
  event.preventDefault();
  const error = $("review-error");
  error.classList.add("hidden");
  const body = reviewBody();
  if (!body) {
    error.textContent = t("web.coach.assignmentIncomplete");
    error.classList.remove("hidden");
    return;
  }
  $("review-send").disabled = true;
  try {
    const review = await api("POST", "/api/manager/reviews", body);
    coachReview.reviews = [review, ...coachReview.reviews];
    $("review-form-box").replaceChildren(el("p", { class: "m-ok", role: "status", id: "review-ok" }, t("web.coach.reviewSaved")));
    renderReviews();
  } catch (err) {
    error.textContent = explain(err);
    error.classList.remove("hidden");
    $("review-send").disabled = false;
  }
}

/* ---------- the rep's reviews: PDCA with before/after ---------- */

function reviewItem(review) {
  const line = (label, value) => (value ? el("p", { class: "small" }, el("b", {}, `${label}${state.lang === "zh" ? "：" : ": "}`), value) : null);
  const skills = review.skills.map((g) => `${term("technique", g.technique)}${g.note ? ` (${g.note})` : ""}`).join("; ");
  const plan = review.plan.map((p) => [term("technique", p.technique), p.colleague_name ? `${t("web.coach.learnFrom")} ${p.colleague_name}` : "", p.action]
    .filter(Boolean).join(" · ")).join("; ");
  return el("li", { class: "note c-review", "data-review": String(review.id) },
    el("p", { class: "note-meta" }, el("span", {}, `#${review.id} ${review.author_name}`), el("span", {}, stamp(review.created_at)),
      review.follow_up_of ? el("span", { class: "badge" }, `${t("web.coach.followUp")} #${review.follow_up_of}`) : null),
    el("p", { class: "small c-before-after", "data-before": show(review.before), "data-after": show(review.after) },
      t("web.coach.beforeAfter", { before: show(review.before), after: show(review.after) })),
    line(t("web.coach.attitude"), review.attitude), line(t("web.coach.skills"), skills),
    line(t("web.coach.knowledge"), review.knowledge), line(t("web.coach.improving"), review.improving),
    line(t("web.coach.plan"), plan),
    review.assignments.length ? assignmentRows(review.assignments, { withRep: false }) : null);
}

function renderReviews() {
  const list = $("rep-reviews");
  if (!list) return;
  list.replaceChildren(...coachReview.reviews.map(reviewItem));
  if (!coachReview.reviews.length) list.append(el("li", { class: "muted small" }, t("web.coach.noReviews")));
}

document.addEventListener("coach:rep", async (event) => {
  const rep = event.detail;
  coachReview.reviews = [];
  $("review-form-box").replaceChildren();
  renderReviewStart();
  try {
    coachReview.reviews = await api("GET", `/api/manager/reps/${rep.id}/reviews`);
  } catch (_) {
    coachReview.reviews = [];
  }
  if (state.rep && state.rep.id === rep.id) renderReviews();
});
