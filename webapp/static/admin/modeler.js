/* The process modeler page: bpmn-js Modeler with our moddle extensions and properties panel, its
   menus in the page's language (translate.js), zoom buttons (zoom.js); drafts (server files,
   offered on reopening), validation with the deploy rules (errors highlighted on the diagram),
   deploy as a new version, download. Configuration and every text come from #modeler-config. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("modeler-config").textContent);
  var t = config.text;
  var statusLine = document.getElementById("modeler-status");
  var errorsBox = document.getElementById("validation-errors");
  var errorsList = document.getElementById("validation-list");
  var csrfToken = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  var modeler = new window.BpmnJS({
    container: "#canvas",
    moddleExtensions: window.PetitionsModdle,
    // bpmn-js menus, tooltips and the replace menu in the page's language (static/admin/translate.js).
    additionalModules: [window.PetitionsTranslate(config.bpmnCatalogue)]
  });
  keepPopupsOnScreen(modeler.get("popupMenu"));
  window.PetitionsZoom.controls(modeler, document.getElementById("canvas"), {
    group: t.zoomGroup, zoomIn: t.zoomIn, zoomOut: t.zoomOut, fit: t.zoomFit, fitShort: t.zoomFitShort });
  window.petitionsModeler = modeler;  // for tests and power users (page.evaluate)
  // Edits not yet saved as a draft nor deployed: leaving the page asks first.
  var unsaved = false;
  modeler.get("eventBus").on("commandStack.changed", function () { unsaved = true; });
  window.addEventListener("beforeunload", function (event) {
    if (unsaved) { event.preventDefault(); event.returnValue = ""; }
  });
  new window.PetitionsPropertiesPanel(modeler, document.getElementById("properties-body"), config);

  /* "Change element" seemed to do nothing: the replace menu is position:fixed, and diagram-js
     keeps it inside the *document* (document.documentElement's box), not the window. Under an
     element in the lower half of a laptop screen it opened below the window's bottom edge, where
     no scrolling reaches it. Keep every popup menu inside the window instead. */
  function keepPopupsOnScreen(popupMenu) {
    var margin = 8;
    popupMenu._ensureVisible = function (container, position) {
      var box = container.getBoundingClientRect();
      var width = document.documentElement.clientWidth, height = window.innerHeight;
      var left = position.x, top = position.y;
      if (left + box.width > width - margin) { left = Math.max(margin, width - box.width - margin); }
      if (top + box.height > height - margin) { top = Math.max(margin, height - box.height - margin); }
      return { x: left, y: top };
    };
  }

  function status(text, kind) {
    statusLine.textContent = text;
    statusLine.className = "modeler-status" + (kind ? " " + kind : "");
  }

  function request(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        data.httpStatus = response.status;
        return data;
      });
    });
  }

  function importXML(xml) {
    clearErrors();
    return modeler.importXML(xml).then(function (result) {
      var warnings = (result.warnings || []).map(function (w) { return w.message; });
      document.body.dataset.importWarnings = String(warnings.length);
      window.PetitionsZoom.open(modeler.get("canvas"));
      unsaved = false;
      status(warnings.length ? t.importWarnings + ": " + warnings.join("; ") : t.loaded, warnings.length ? "fail" : "");
      return warnings;
    }).catch(function (err) {
      status(t.importFailed + ": " + (err && err.message ? err.message : err), "fail");
      throw err;
    });
  }

  function currentXML() {
    return modeler.saveXML({ format: true }).then(function (result) { return result.xml; });
  }

  // ---- validation errors on the diagram -------------------------------------------------------
  var marked = [];
  function clearErrors() {
    var canvas = modeler.get("canvas"), overlays = modeler.get("overlays");
    marked.forEach(function (id) { canvas.removeMarker(id, "validation-error"); });
    marked = [];
    overlays.remove({ type: "validation" });
    errorsList.textContent = "";
    errorsBox.hidden = true;
  }

  function location(error) {
    var parts = [];
    if (error.file) { parts.push(t.file + " " + error.file); }
    if (error.element_id) { parts.push(t.element + " " + error.element_id); }
    if (error.line) { parts.push(t.line + " " + error.line); }
    return parts.length ? " (" + parts.join(", ") + ")" : "";
  }

  function showErrors(errors) {
    clearErrors();
    var registry = modeler.get("elementRegistry"), canvas = modeler.get("canvas");
    var overlays = modeler.get("overlays"), selection = modeler.get("selection");
    errors.forEach(function (error) {
      var item = document.createElement("li");
      item.className = "validation-error-item";
      item.dataset.elementId = error.element_id || "";
      item.textContent = error.message + location(error);
      var element = error.element_id && (!error.file || error.file === config.file) ? registry.get(error.element_id) : null;
      if (element) {
        canvas.addMarker(element.id, "validation-error");
        marked.push(element.id);
        var note = document.createElement("div");
        note.className = "validation-overlay";
        note.textContent = error.message;
        overlays.add(element.id, "validation", { position: { top: -30, left: 0 }, html: note });
        var focus = document.createElement("button");
        focus.type = "button";
        focus.className = "link";
        focus.textContent = " → " + error.element_id;
        focus.addEventListener("click", function () { canvas.scrollToElement(element); selection.select(element); });
        item.appendChild(focus);
        canvas.scrollToElement(element);
        selection.select(element);
      }
      errorsList.appendChild(item);
    });
    errorsBox.hidden = errors.length === 0;
  }

  // ---- actions ------------------------------------------------------------------------------------
  function validate() {
    status(t.validating);
    return currentXML().then(function (xml) {
      return request("POST", config.validateUrl, { xml: xml, key: config.key, version: config.version, file: config.file });
    }).then(function (data) {
      if (data.ok) { clearErrors(); status(t.valid, "ok"); }
      else if (data.errors) { showErrors(data.errors); status(t.invalid, "fail"); }
      else { status(data.message || t.networkError, "fail"); }
      return data;
    }).catch(function () { status(t.networkError, "fail"); });
  }

  function saveDraft() {
    return currentXML().then(function (xml) {
      return request("PUT", config.draftUrl, { xml: xml, version: config.version, file: config.file });
    }).then(function (data) {
      if (data.ok) { unsaved = false; status(t.draftSaved + " " + data.savedAt, "ok"); }
      else if (data.errors) { showErrors(data.errors); status(t.invalid, "fail"); }
      else { status(data.message || t.networkError, "fail"); }
      return data;
    }).catch(function () { status(t.networkError, "fail"); });
  }

  function deploy() {
    if (!window.confirm(t.confirmDeploy)) { return Promise.resolve(null); }
    status(t.deploying);
    var tag = document.getElementById("deploy-tag").value;
    return currentXML().then(function (xml) {
      return request("POST", config.deployUrl, { xml: xml, file: config.file, tag: tag });
    }).then(function (data) {
      if (data.ok) {
        unsaved = false;
        clearErrors();
        statusLine.textContent = "";
        statusLine.className = "modeler-status ok";
        // The version before this deploy (the latest one then), not the version shown twice.
        var text = data.new
          ? t.deployed + ": " + t.version + " " + data.previous + " → " + t.version + " " + data.version
          : t.unchanged + " (" + t.version + " " + data.version + ")";
        statusLine.appendChild(document.createTextNode(text + " "));
        if (data.editUrl) {
          var link = document.createElement("a");
          link.href = data.editUrl;
          link.id = "deployed-link";
          link.textContent = t.openVersion + " " + data.version;
          statusLine.appendChild(link);
        }
        var banner = document.getElementById("draft-banner");
        if (banner) { banner.remove(); }
        document.body.dataset.deployedVersion = String(data.version);
      } else if (data.errors) {
        showErrors(data.errors);
        status(t.deployFailed + ": " + data.errors[0].message + location(data.errors[0]), "fail");
      } else {
        status(t.deployFailed + ": " + (data.message || t.networkError), "fail");
      }
      return data;
    }).catch(function () { status(t.networkError, "fail"); });
  }

  function download() {
    return currentXML().then(function (xml) {
      var blob = new Blob([xml], { type: "application/xml" });
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = config.file.split("/").pop();
      document.body.appendChild(link);
      link.click();
      setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
    });
  }

  function openDraft() {
    if (config.draft && !config.draft.here && config.draft.openUrl) {
      window.location.href = config.draft.openUrl;  // the draft's own version and file
      return Promise.resolve();
    }
    return request("GET", config.draftUrl).then(function (data) {
      if (!data.xml) { status(data.message || t.networkError, "fail"); return; }
      return importXML(data.xml).then(function () { status(t.draftLoaded, "ok"); });
    });
  }

  function discardDraft(confirmed) {
    if (!confirmed && !window.confirm(t.confirmDiscard)) { return Promise.resolve(); }
    return request("DELETE", config.draftUrl).then(function () {
      var banner = document.getElementById("draft-banner");
      if (banner) { banner.remove(); }
      closeDraftDialog();
      status(t.draftDeleted, "ok");
    });
  }

  // A saved draft of this very file is offered as soon as the page opens (restore or discard):
  // the deployed diagram is never shown in its place without a word.
  var draftDialog = document.getElementById("draft-dialog");
  function closeDraftDialog() {
    if (draftDialog && draftDialog.open) { draftDialog.close(); }
  }
  function offerDraft() {
    if (!draftDialog || !config.draft || !config.draft.here) { return; }
    if (typeof draftDialog.showModal === "function") { draftDialog.showModal(); }
    else { draftDialog.setAttribute("open", ""); }
    var restore = document.getElementById("draft-restore");
    if (restore) { restore.focus(); }
  }
  function on(id, handler) {
    var node = document.getElementById(id);
    if (node) { node.addEventListener("click", function () { handler(); }); }
  }
  on("draft-restore", function () { closeDraftDialog(); return openDraft(); });
  on("draft-dialog-discard", function () { return discardDraft(true); });
  on("draft-later", function () { closeDraftDialog(); });

  on("btn-validate", validate);
  on("btn-save-draft", saveDraft);
  on("btn-deploy", deploy);
  on("btn-download", download);
  on("draft-open", openDraft);
  on("draft-discard", discardDraft);

  status(t.loading);
  fetch(config.xmlUrl, { credentials: "same-origin" })
    .then(function (response) { return response.text(); })
    .then(importXML)
    .then(function () {
      if (config.draft && config.draft.autoOpen) { return openDraft(); }
      offerDraft();
      return null;
    })
    .then(function () { document.body.dataset.modelerReady = "1"; })
    .catch(function () { document.body.dataset.modelerReady = "error"; });
})();
