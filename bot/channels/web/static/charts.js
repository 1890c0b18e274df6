/* Charts drawn with the vendored Chart.js (static/vendor/chart.umd.js, no CDN), each with a data
 * table beside it: screen readers read the table (the canvas is only a picture), and the table is
 * shown instead when the library did not load. */
"use strict";

const CHART_COLOURS = ["#1f4e79", "#c0392b", "#2e8b57", "#b7791f", "#6b46c1", "#0f766e", "#9d174d", "#4a5568"];

/* A line chart in ``box``: ``labels`` along x, one line per series ({name, values}), y from 0 to
 * ``yMax``. ``caption`` names the chart and its table. Returns the figure. */
function lineChart(box, { id, caption, labels, series, yMax = 100, xTitle = "" }) {
  if (box._chart) box._chart.destroy();
  box._chart = null;
  const tableId = `${id}-table`;
  const canvas = el("canvas", { id, role: "img", "aria-label": caption, "aria-describedby": tableId });
  const table = el("table", { id: tableId, class: "c-fallback", "data-chart": id },
    el("caption", {}, caption),
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, xTitle), ...series.map((s) => el("th", { scope: "col" }, s.name)))),
    el("tbody", {}, ...labels.map((label, i) => el("tr", {},
      el("th", { scope: "row" }, String(label)),
      ...series.map((s) => el("td", { class: "num" }, s.values[i] === null || s.values[i] === undefined ? "—" : String(s.values[i])))))));
  const drawn = typeof window.Chart === "function";
  table.classList.toggle("visually-hidden", drawn);
  const figure = el("figure", { class: "c-chart" }, el("div", { class: "c-canvas" }, canvas), table);
  box.replaceChildren(figure);
  if (!drawn) {
    canvas.parentElement.classList.add("hidden");
    return figure;
  }
  box._chart = new window.Chart(canvas, {
    type: "line",
    data: {
      labels,
      datasets: series.map((s, i) => ({
        label: s.name, data: s.values, borderColor: CHART_COLOURS[i % CHART_COLOURS.length],
        backgroundColor: CHART_COLOURS[i % CHART_COLOURS.length], spanGaps: true, tension: 0.25, pointRadius: 3,
      })),
    },
    options: {
      responsive: true, maintainAspectRatio: false, animation: false,
      scales: { y: { min: 0, max: yMax } },
      plugins: { legend: { display: series.length > 1 } },
    },
  });
  return figure;
}
