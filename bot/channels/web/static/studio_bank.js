/* Trainer studio, second half (loaded after studio.js, whose state, views and helpers it uses):
 * the question bank (every technique with its published version, draft and last editor; a
 * technique's YAML in the same editor, problems at their line as the trainer types; publish,
 * history with diffs, rollback), the review queue of lines reps flagged as misjudged (accept
 * with a corrected technique, or reject), the technique model (retrain as a background job,
 * polled; rollback to an earlier model) and a scenario's statistics (a tab of the editor). */
"use strict";

(function () {
  const bank = {
    techniques: [],
    version: "",
    doc: null, // the open technique's document
    editor: null,
    problems: [],
    flags: [],
    models: null,
    job: null, // the retrain job being polled
    dirty: false, // the open technique has edits not saved as a draft nor published
    stats: null,
  };

  function nameOf(item) {
    return (item.name && (item.name[state.lang] || item.name.zh)) || term("technique", item.id) || item.id;
  }

  function techniqueStatus(text) { $("technique-status").textContent = text || ""; }

  async function loadTechniques() {
    const answer = await api("GET", "/api/studio/bank");
    bank.techniques = answer.techniques;
    bank.version = answer.version;
  }

  /* ---------- the bank's list ---------- */

  async function showBank({ push = true } = {}) {
    if (push) history.pushState(null, "", "#bank");
    showView("bank");
    try {
      await loadTechniques();
    } catch (err) {
      showBanner(explain(err));
    }
    renderBank();
  }

  function renderBank() {
    $("bank-version").textContent = bank.version ? t("web.studio.bankVersion", { version: bank.version }) : "";
    $("techniques").replaceChildren(...bank.techniques.map((item) => {
      const open = () => openTechnique(item.id);
      const published = item.version
        ? t("web.studio.publishedBy", { who: item.published_by || "—", when: stamp(item.published_at) })
        : "—";
      const draft = item.draft_by ? t("web.studio.draftBy", { who: item.draft_by, when: stamp(item.draft_at) }) : "—";
      return el("tr", { onclick: open, "data-technique": item.id },
        el("th", { scope: "row" },
          el("a", { href: `#bank/${item.id}`, class: "m-rep-link", onclick: (e) => { e.preventDefault(); e.stopPropagation(); open(); } }, nameOf(item)),
          el("span", { class: "muted small m-login" }, item.id)),
        el("td", { class: "num" }, item.version ? `v${item.version}` : "—"),
        el("td", { class: "small" }, published),
        el("td", { class: "small" }, draft));
    }));
  }

  /* ---------- a technique in the editor ---------- */

  async function openTechnique(id, { push = true } = {}) {
    let documentData;
    try {
      documentData = await api("GET", `/api/studio/bank/${encodeURIComponent(id)}`);
    } catch (err) {
      showBanner(explain(err));
      return showBank({ push: false });
    }
    if (push) history.pushState(null, "", `#bank/${id}`);
    showBanner("");
    bank.doc = documentData;
    bank.problems = [];
    bank.dirty = false;
    showView("technique");
    renderTechniqueHead();
    bank.editor = window.CoachEditor.create($("technique-editor"), {
      doc: documentData.text,
      label: t("web.studio.editorLabel"),
      check: checkTechnique,
      onChange: () => { bank.dirty = true; markEditing(); techniqueStatus(t("web.studio.unsaved")); },
    });
    window.bankEditor = bank.editor; // for tests and the console, like state.editor
    $("technique-publish-error").classList.add("hidden");
    $("technique-publish-ok").classList.add("hidden");
    techniqueStatus("");
    loadTechniqueVersions();
  }

  function renderTechniqueHead() {
    const doc = bank.doc;
    if (!doc) return;
    $("technique-title").textContent = nameOf(doc);
    const parts = [doc.id, doc.version ? t("web.studio.publishedVersion", { version: doc.version }) : ""];
    if (doc.draft_by) parts.push(t("web.studio.draftBy", { who: doc.draft_by, when: stamp(doc.draft_at) }));
    $("technique-sub").textContent = parts.filter(Boolean).join(" · ");
  }

  /* The editor marks the errors at their line; the list under it shows warnings too. */
  async function checkTechnique(text) {
    try {
      const answer = await api("POST", `/api/studio/bank/${bank.doc.id}/check`, { text, lang: state.lang });
      bank.problems = answer.problems;
    } catch (err) {
      techniqueStatus(explain(err));
      return [];
    }
    renderTechniqueProblems();
    return bank.problems.filter((p) => p.severity !== "warning");
  }

  function renderTechniqueProblems() {
    $("technique-problems").replaceChildren(...bank.problems.map((problem) => {
      const where = problem.line ? t("web.studio.atLine", { line: problem.line }) : "";
      return el("li", { class: problem.severity === "warning" ? "s-problem s-warning" : "s-problem", "data-line": problem.line || "" },
        el("button", { type: "button", class: "s-line", onclick: () => problem.line && bank.editor.goToLine(problem.line) }, where || "—"),
        el("span", {}, problem.path ? `${problem.path}: ` : "", problem.message));
    }));
    $("technique-problems-none").classList.toggle("hidden", bank.problems.length > 0);
  }

  async function reopenTechnique() {
    bank.doc = await api("GET", `/api/studio/bank/${bank.doc.id}`);
    bank.editor.setText(bank.doc.text);
    bank.dirty = false;
    renderTechniqueHead();
  }

  async function onSaveTechnique() {
    try {
      bank.doc = await api("PUT", `/api/studio/bank/${bank.doc.id}/draft`, { text: bank.editor.text() });
      bank.dirty = false;
      techniqueStatus(t("web.studio.draftSaved"));
      renderTechniqueHead();
    } catch (err) {
      techniqueStatus(explain(err));
    }
  }

  async function onDiscardTechnique() {
    if (!confirm(t("web.studio.discardConfirm"))) return;
    try {
      await api("DELETE", `/api/studio/bank/${bank.doc.id}/draft`);
      await reopenTechnique();
      techniqueStatus(t("web.studio.draftDiscarded"));
    } catch (err) {
      techniqueStatus(explain(err));
    }
  }

  async function onPublishTechnique(event) {
    event.preventDefault();
    const error = $("technique-publish-error");
    const ok = $("technique-publish-ok");
    error.classList.add("hidden");
    ok.classList.add("hidden");
    $("technique-publish").disabled = true;
    techniqueStatus(t("web.studio.publishing"));
    try {
      const stored = await api("POST", `/api/studio/bank/${bank.doc.id}/publish`, {
        text: bank.editor.text(), message: $("technique-message").value, lang: state.lang,
        base_version: bank.doc.version || null,
      });
      ok.textContent = stored.created
        ? t("web.studio.published", { version: stored.version })
        : t("web.studio.unchanged", { version: stored.version });
      ok.classList.remove("hidden");
      $("technique-message").value = "";
      await reopenTechnique();
      techniqueStatus("");
      loadTechniqueVersions();
    } catch (err) {
      techniqueStatus("");
      if (err.code === "script_rejected") {
        error.textContent = t("web.studio.publishRefused");
        const answer = err.details || {};
        if (answer.problems) { bank.problems = answer.problems; renderTechniqueProblems(); }
      } else if (err.code === "version_conflict") {
        // Someone published while this edit was open: say so instead of undoing their version.
        error.textContent = t("web.studio.techniqueVersionConflict");
      } else {
        error.textContent = explain(err);
      }
      error.classList.remove("hidden");
    } finally {
      $("technique-publish").disabled = false;
    }
  }

  async function loadTechniqueVersions() {
    let entries = [];
    try {
      entries = await api("GET", `/api/studio/bank/${bank.doc.id}/versions`);
    } catch (err) {
      $("technique-versions").replaceChildren(el("li", { class: "muted" }, explain(err)));
      return;
    }
    $("technique-versions").replaceChildren(...entries.map((entry, index) => el("li", { class: "s-version", "data-version": entry.version },
      el("div", { class: "s-version-head" },
        el("strong", {}, `v${entry.version}`), " ",
        el("span", { class: "muted small" }, `${entry.author || "—"} · ${stamp(entry.created_at)}`),
        index === 0 ? el("span", { class: "s-current small" }, t("web.studio.current"))
          : el("button", { type: "button", class: "btn btn-ghost small", onclick: () => onRollbackTechnique(entry.version) }, t("web.studio.rollback"))),
      entry.message ? el("p", { class: "small" }, entry.message) : null,
      el("details", {}, el("summary", {}, t("web.studio.diff")), el("pre", { class: "s-diff" }, entry.diff)))));
  }

  async function onRollbackTechnique(version) {
    if (!confirm(t("web.studio.rollbackConfirm", { version }))) return;
    try {
      const stored = await api("POST", `/api/studio/bank/${bank.doc.id}/rollback`, { version });
      techniqueStatus(t("web.studio.published", { version: stored.version }));
      await reopenTechnique();
      loadTechniqueVersions();
    } catch (err) {
      techniqueStatus(err.code === "script_rejected" ? t("web.studio.publishRefused") : explain(err));
    }
  }

  /* ---------- the review queue ---------- */

  async function showReview({ push = true } = {}) {
    if (push) history.pushState(null, "", "#review");
    showView("review");
    try {
      if (!bank.techniques.length) await loadTechniques();
      bank.flags = await api("GET", "/api/studio/review");
    } catch (err) {
      showBanner(explain(err));
    }
    renderReview();
  }

  function techniqueOptions(selected) {
    return bank.techniques.map((item) => el("option", { value: item.id, selected: item.id === selected ? "" : null }, nameOf(item)));
  }

  function renderReview() {
    $("review-empty").classList.toggle("hidden", bank.flags.length > 0);
    $("review").replaceChildren(...bank.flags.map((flag) => {
      const selectId = `label-${flag.id}`;
      const predicted = (flag.predicted || []).map((id) => term("technique", id)).join(" · ") || "—";
      const status = el("p", { class: "small", role: "status" });
      const select = el("select", { id: selectId }, ...techniqueOptions(flag.suggested || (flag.predicted || [])[0]));
      const decide = async (verb) => {
        try {
          const body = verb === "accept" ? { label: select.value } : undefined;
          await api("POST", `/api/studio/review/${flag.id}/${verb}`, body);
          bank.flags = bank.flags.filter((f) => f.id !== flag.id);
          renderReview();
          showBanner("");
          $("review-empty").textContent = verb === "accept"
            ? t("web.studio.reviewAccepted", { label: term("technique", body.label) })
            : t("web.studio.reviewRejected");
          $("review-empty").classList.remove("hidden");
        } catch (err) {
          status.textContent = explain(err);
        }
      };
      return el("li", { class: "card s-flag", "data-flag": flag.id },
        el("p", { class: "s-flag-text" }, flag.text),
        el("p", { class: "small muted" }, t("web.studio.reviewPredicted", { label: predicted })),
        flag.suggested ? el("p", { class: "small" }, t("web.studio.reviewSuggested", { label: term("technique", flag.suggested) })) : null,
        el("div", { class: "s-flag-actions" },
          el("label", { for: selectId }, t("web.studio.reviewLabel")), select,
          el("button", { type: "button", class: "btn btn-primary", "data-accept": flag.id, onclick: () => decide("accept") }, t("web.studio.reviewAccept")),
          el("button", { type: "button", class: "btn", "data-reject": flag.id, onclick: () => decide("reject") }, t("web.studio.reviewReject"))),
        status);
    }));
  }

  /* ---------- the model ---------- */

  async function showModel({ push = true } = {}) {
    if (push) history.pushState(null, "", "#model");
    showView("model");
    await loadModels();
  }

  async function loadModels() {
    try {
      bank.models = await api("GET", "/api/studio/models");
    } catch (err) {
      showBanner(explain(err));
      return;
    }
    renderModels();
    if (bank.models.running && !bank.job) poll(bank.models.running.id);
  }

  function modelLine(model) {
    return model.id === null
      ? t("web.studio.modelShipped", { bank: model.bank_version })
      : t("web.studio.modelStored", { id: model.id, who: model.author || "—", when: stamp(model.created_at), bank: model.bank_version });
  }

  function renderModels() {
    const data = bank.models;
    if (!data) return;
    $("model-current").textContent = modelLine(data.current);
    const stale = data.current.bank_version !== data.bank_version;
    $("model-bank").textContent = stale
      ? t("web.studio.modelStale", { bank: data.bank_version })
      : t("web.studio.modelUpToDate", { bank: data.bank_version });
    $("model-bank").classList.toggle("s-warning", stale);
    const items = data.models.map((model, index) => el("li", { class: "s-version", "data-model": model.id },
      el("div", { class: "s-version-head" },
        el("strong", {}, `#${model.id}`), " ",
        el("span", { class: "muted small" }, t("web.studio.modelRow", { who: model.author || "—", when: stamp(model.created_at), bank: model.bank_version, lines: model.lines })),
        index === 0 ? el("span", { class: "s-current small" }, t("web.studio.current"))
          : el("button", { type: "button", class: "btn btn-ghost small", onclick: () => onRollbackModel(model.id) }, t("web.studio.rollback")))));
    if (data.current.id !== null) {
      items.push(el("li", { class: "s-version", "data-model": "0" },
        el("div", { class: "s-version-head" },
          el("strong", {}, t("web.studio.modelShippedName")),
          el("button", { type: "button", class: "btn btn-ghost small", onclick: () => onRollbackModel(0) }, t("web.studio.rollback")))));
    }
    $("models").replaceChildren(...items);
    $("retrain").disabled = Boolean(bank.job);
  }

  async function onRetrain() {
    if (!bank.models) return;
    $("retrain").disabled = true;
    try {
      const job = await api("POST", "/api/studio/models", { bank_version: bank.models.bank_version });
      poll(job.id);
    } catch (err) {
      $("retrain-status").textContent = err.code === "bank_version_mismatch" ? t("web.studio.retrainStale") : explain(err);
      $("retrain").disabled = false;
    }
  }

  /* The job runs in the server's background: asked every two seconds until it is done. */
  function poll(jobId) {
    bank.job = jobId;
    $("retrain").disabled = true;
    $("retrain-status").textContent = t("web.studio.retrainRunning");
    const ask = async () => {
      let job;
      try {
        job = await api("GET", `/api/studio/models/jobs/${jobId}`);
      } catch (err) {
        $("retrain-status").textContent = explain(err);
        setTimeout(ask, 5000);
        return;
      }
      if (job.status === "running") {
        setTimeout(ask, 2000);
        return;
      }
      bank.job = null;
      $("retrain-status").textContent = job.status === "done"
        ? t("web.studio.retrainDone", { id: job.model_id })
        : t("web.studio.retrainFailed", { error: job.error || "" });
      $("retrain-status").dataset.status = job.status;
      await loadModels();
    };
    setTimeout(ask, 1000);
  }

  async function onRollbackModel(modelId) {
    const name = modelId === 0 ? t("web.studio.modelShippedName") : `#${modelId}`;
    if (!confirm(t("web.studio.modelRollbackConfirm", { model: name }))) return;
    try {
      const model = await api("POST", `/api/studio/models/${modelId}/rollback`);
      $("retrain-status").textContent = t("web.studio.modelRolledBack", { id: model.id, model: name });
      await loadModels();
    } catch (err) {
      $("retrain-status").textContent = explain(err);
    }
  }

  /* ---------- a scenario's statistics (a tab of the scenario editor) ---------- */

  const percent = (share) => `${Math.round(share * 100)}%`;
  const place = (item) => [term("stage", item.stage), term("step", item.step)].filter(Boolean).join(" · ") || "—";

  async function loadStats(scriptId) {
    const panel = $("panel-stats");
    panel.replaceChildren(el("p", { class: "muted small" }, t("web.studio.statsLoading")));
    let s;
    try {
      s = await api("GET", `/api/studio/scenarios/${encodeURIComponent(scriptId)}/statistics?lang=${state.lang}`);
    } catch (err) {
      panel.replaceChildren(el("p", { class: "muted" }, explain(err)));
      return;
    }
    bank.stats = s;
    const facts = el("table", { class: "s-facts", id: "stats-facts" },
      el("thead", {}, el("tr", {}, el("th", {}, t("web.studio.factTopic")), el("th", { class: "num" }, t("web.studio.statsUncovered")), el("th", { class: "num" }, t("web.studio.statsTurns")))),
      el("tbody", {}, s.facts.map((f) => el("tr", { "data-fact": f.id },
        el("td", {}, f.topic || f.id), el("td", { class: "num" }, `${percent(f.share)} (${f.visits})`),
        el("td", { class: "num" }, f.median_rep_lines === null ? "—" : String(f.median_rep_lines))))));
    const list = (items, render) => (items.length ? el("ul", {}, items.map((i) => el("li", {}, render(i)))) : el("p", { class: "muted small" }, "—"));
    panel.replaceChildren(
      el("p", { id: "stats-summary" }, t("web.studio.statsSummary", { visits: s.visits, finished: s.finished, walked: s.walked_out, score: s.average_score === null ? "—" : Math.round(s.average_score) })),
      el("h3", {}, t("web.studio.statsFacts")), facts,
      el("h3", {}, t("web.studio.statsStops")), list(s.stops, (i) => t("web.studio.statsPlace", { place: place(i), visits: i.visits })),
      el("h3", {}, t("web.studio.statsWalkOuts")), list(s.walk_outs, (i) => t("web.studio.statsWalkOut", { place: place(i), visits: i.visits, lines: i.median_rep_lines })),
      el("h3", {}, t("web.studio.statsFlagged")), list(s.flagged, (i) => `${i.text} · ${t("web.studio.statsFlags", { count: i.flags })}`));
  }

  /* ---------- routing and language ---------- */

  function route(wanted) {
    if (wanted === "bank") { showBank({ push: false }); return true; }
    if (wanted.startsWith("bank/")) { openTechnique(wanted.slice(5), { push: false }); return true; }
    if (wanted === "review") { showReview({ push: false }); return true; }
    if (wanted === "model") { showModel({ push: false }); return true; }
    return false;
  }

  function applyLanguage() {
    renderBank();
    renderTechniqueHead();
    if (bank.doc) renderTechniqueProblems();
    if (bank.doc && !$("view-technique").classList.contains("hidden")) loadTechniqueVersions();
    renderReview();
    renderModels();
  }

  function navigate(event) {
    const target = event.currentTarget.dataset.nav;
    event.preventDefault();
    if (!mayLeave()) return;
    if (target === "list") return showList();
    if (target === "bank") return showBank();
    if (target === "review") return showReview();
    return showModel();
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const link of document.querySelectorAll("[data-nav]")) link.addEventListener("click", navigate);
    $("back-bank").addEventListener("click", () => { if (mayLeave()) showBank(); });
    $("technique-save").addEventListener("click", onSaveTechnique);
    $("technique-discard").addEventListener("click", onDiscardTechnique);
    $("technique-publish-form").addEventListener("submit", onPublishTechnique);
    $("retrain").addEventListener("click", onRetrain);
  });

  window.StudioBank = {
    route, applyLanguage, loadStats,
    dirty: () => bank.dirty,
    forget: () => { bank.dirty = false; },
  };
})();
