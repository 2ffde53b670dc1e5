/* Dashboard charts (chart.js 4). Each <canvas class="sv-chart"> carries its data in
   data-chart = {"labels": [...], "values": [...]} and its kind in data-kind (bar | doughnut). */
(function () {
  "use strict";
  var COLORS = ["#a4161a", "#1a73e8", "#1b7f3b", "#b26a00", "#6a1b9a", "#00838f", "#5b6778",
                "#c2185b", "#2e7d32", "#ef6c00"];

  function draw(canvas) {
    var data = JSON.parse(canvas.getAttribute("data-chart") || "{}");
    var kind = canvas.getAttribute("data-kind") || "bar";
    var label = canvas.getAttribute("data-label") || "";
    new window.Chart(canvas, {
      type: kind,
      data: {
        labels: data.labels || [],
        datasets: [{ label: label, data: data.values || [],
                     backgroundColor: kind === "bar" ? "#a4161a" : COLORS }]
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        plugins: { legend: { display: kind !== "bar", position: "bottom" } },
        scales: kind === "bar" ? { y: { beginAtZero: true, ticks: { precision: 0 },
                                        max: canvas.getAttribute("data-max") ? Number(canvas.getAttribute("data-max")) : undefined } } : {}
      }
    });
    canvas.setAttribute("data-drawn", "true");
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.Chart) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("canvas.sv-chart"), draw);
  });
})();
