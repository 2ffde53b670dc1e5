/* Zoom controls for a bpmn-js canvas (modeler and read-only viewers): zoom in, zoom out, fit.
   The diagram opens fitted to its box but never below a legible scale (a wide process fitted into
   the box is unreadable): fitted when that is legible, otherwise at MIN_OPEN_SCALE from the start.
   Labels come from the page (Vietnamese or English); the buttons are real <button>s. */
(function () {
  "use strict";

  var MIN_OPEN_SCALE = 0.6;
  var STEP = 1.2;

  function open(canvas) {
    canvas.zoom("fit-viewport", "auto");
    var box = canvas.viewbox();
    if (box.scale < MIN_OPEN_SCALE && box.inner && box.outer) {
      // Too big to read when fitted: legible scale, from the diagram's top left corner, where a
      // process starts (the palette's width kept free on the left).
      var width = box.outer.width / MIN_OPEN_SCALE, height = box.outer.height / MIN_OPEN_SCALE;
      canvas.viewbox({ x: box.inner.x - 110 / MIN_OPEN_SCALE, y: box.inner.y - 20,
                       width: width, height: height });
    }
    return canvas.zoom();
  }

  function button(action, label, text) {
    var node = document.createElement("button");
    node.type = "button";
    node.className = "zoom-" + action;
    node.dataset.zoom = action;
    node.setAttribute("aria-label", label);
    node.title = label;
    node.textContent = text;
    return node;
  }

  /* Adds the controls inside ``container`` (the canvas's box) and returns them. */
  function controls(viewer, container, labels) {
    var canvas = viewer.get("canvas");
    var bar = document.createElement("div");
    bar.className = "zoom-controls";
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", labels.group);
    var zoomIn = button("in", labels.zoomIn, "+");
    var zoomOut = button("out", labels.zoomOut, "−");
    var fit = button("fit", labels.fit, labels.fitShort || "⤢");
    zoomIn.addEventListener("click", function () { canvas.zoom(canvas.zoom() * STEP); });
    zoomOut.addEventListener("click", function () { canvas.zoom(canvas.zoom() / STEP); });
    fit.addEventListener("click", function () { canvas.zoom("fit-viewport", "auto"); });
    bar.appendChild(zoomIn);
    bar.appendChild(zoomOut);
    bar.appendChild(fit);
    container.appendChild(bar);
    return bar;
  }

  window.PetitionsZoom = { open: open, controls: controls, MIN_OPEN_SCALE: MIN_OPEN_SCALE };
})();
