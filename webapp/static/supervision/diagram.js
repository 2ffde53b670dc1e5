/* The history page's diagrams: bpmn-js (navigated viewer) with the path taken and the state of
   each element as markers. Data comes from data-* attributes (no inline script: CSP). */
(function () {
  "use strict";
  var KINDS = ["completed", "active", "overdue", "failed"];

  function mark(viewer, markers) {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    KINDS.forEach(function (kind) {
      (markers[kind] || []).forEach(function (id) {
        if (registry.get(id)) { canvas.addMarker(id, "sv-" + kind); }
      });
    });
    (markers.flows || []).forEach(function (id) {
      if (registry.get(id)) { canvas.addMarker(id, "sv-flow-taken"); }
    });
  }

  function show(container) {
    var markers = JSON.parse(container.getAttribute("data-markers") || "{}");
    var viewer = new window.BpmnJS({ container: container });
    fetch(container.getAttribute("data-url"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        var canvas = viewer.get("canvas");
        if (window.PetitionsZoom) {  // legible opening scale and zoom buttons (admin/zoom.js)
          window.PetitionsZoom.open(canvas);
          window.PetitionsZoom.controls(viewer, container, {
            group: container.getAttribute("data-zoom-group"),
            zoomIn: container.getAttribute("data-zoom-in"),
            zoomOut: container.getAttribute("data-zoom-out"),
            fit: container.getAttribute("data-zoom-fit") });
        } else {
          canvas.zoom("fit-viewport");
        }
        mark(viewer, markers);
        container.setAttribute("data-loaded", "true");
      })
      .catch(function (err) {
        container.textContent = container.getAttribute("data-error") + " (" + err.message + ")";
        container.setAttribute("data-loaded", "error");
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.BpmnJS) { return; }
    Array.prototype.forEach.call(document.querySelectorAll(".sv-diagram"), show);
  });
})();
