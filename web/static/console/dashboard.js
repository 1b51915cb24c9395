// Draws the dashboard's charts from the JSON block the page renders; the same numbers are in the
// table below, so without Chart.js (or without scripts) nothing is lost.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("dashboard-data");
    if (!source || typeof window.Chart !== "function") { return; }
    var data = JSON.parse(source.textContent);
    var brand = "#0b5cad";
    var common = { responsive: true, maintainAspectRatio: false, animation: false,
                   plugins: { legend: { display: false } } };
    new window.Chart(document.getElementById("chart-served"), {
      type: "bar",
      data: { labels: data.served.labels, datasets: [{ label: "小时", data: data.served.hours, backgroundColor: brand }] },
      options: Object.assign({}, common, { scales: { y: { beginAtZero: true } } })
    });
    new window.Chart(document.getElementById("chart-states"), {
      type: "doughnut",
      data: { labels: data.states.labels, datasets: [{ data: data.states.counts, backgroundColor: data.states.colours }] },
      options: Object.assign({}, common, { plugins: { legend: { display: true, position: "right" } } })
    });
    new window.Chart(document.getElementById("chart-stars"), {
      type: "bar",
      data: { labels: data.stars.labels, datasets: [{ label: "条", data: data.stars.counts,
              backgroundColor: ["#b42318", "#cf222e", "#9a6700", "#2da44e", "#1a7f37"] }] },
      options: Object.assign({}, common, { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } })
    });
    document.body.setAttribute("data-charts", "drawn");
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
}());
