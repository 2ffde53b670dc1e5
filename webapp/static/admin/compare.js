/* Compare page: the old and the new diagram side by side in bpmn-js viewers, with markers:
   removed (red) on the old diagram, added (green) on the new one, changed (orange) on both. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("compare-config").textContent);
  var statusLine = document.getElementById("compare-status");
  var Viewer = window.BpmnJS;
  var viewers = {};

  function show(containerId, url, markers) {
    var container = document.getElementById(containerId);
    if (!url) {
      container.textContent = config.text.missing;
      return Promise.resolve({ warnings: [] });
    }
    var viewer = new Viewer({ container: container });
    viewers[containerId] = viewer;
    return fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function (result) {
        var canvas = viewer.get("canvas"), registry = viewer.get("elementRegistry");
        window.PetitionsZoom.open(canvas);
        window.PetitionsZoom.controls(viewer, container, {
          group: config.text.zoomGroup, zoomIn: config.text.zoomIn, zoomOut: config.text.zoomOut,
          fit: config.text.zoomFit, fitShort: config.text.zoomFitShort });
        Object.keys(markers).forEach(function (marker) {
          markers[marker].forEach(function (id) {
            var element = registry.get(id);
            if (!element) { return; }
            // Lanes, pools, groups and expanded sub-processes get an outline only, not a fill
            // that would hide the elements inside them.
            var container = ["bpmn:Lane", "bpmn:Participant", "bpmn:Group"].indexOf(element.type) >= 0 ||
              (element.type === "bpmn:SubProcess" && element.collapsed === false);
            canvas.addMarker(id, container ? marker + "-container" : marker);
          });
        });
        return result;
      })
      .catch(function (err) {
        statusLine.textContent = config.text.loadFailed + ": " + (err && err.message ? err.message : err);
        throw err;
      });
  }

  Promise.all([
    show("canvas-old", config.oldUrl, { "diff-removed": config.removed, "diff-changed": config.changed }),
    show("canvas-new", config.newUrl, { "diff-added": config.added, "diff-changed": config.changed })
  ]).then(function (results) {
    document.body.dataset.compareReady = "1";
    document.body.dataset.importWarnings = String(results.reduce(function (n, r) { return n + (r.warnings || []).length; }, 0));
  }).catch(function () { document.body.dataset.compareReady = "error"; });

  // Clicking a row of the change list shows the element on the diagrams.
  Array.prototype.forEach.call(document.querySelectorAll(".diff-row"), function (row) {
    row.addEventListener("click", function () {
      Object.keys(viewers).forEach(function (key) {
        var viewer = viewers[key], element = viewer.get("elementRegistry").get(row.dataset.id);
        if (element) { viewer.get("canvas").scrollToElement(element); }
      });
    });
  });
  window.petitionsCompare = viewers;
})();
