/* A small properties panel for what our engine reads from a diagram (docs/process-authoring.md):
   lane → role, a user task's unit and form fields, timer expressions, scripts, flow conditions,
   the DMN decision a business rule task calls, names and documentation.

   Every change goes through bpmn-js commands (modeling.updateProperties / updateModdleProperties),
   so it can be undone with Ctrl+Z like any edit on the canvas. Inputs apply on "change" (leaving the
   field or pressing Enter), so the panel is never re-rendered under the user's cursor. All text
   comes translated from the server (config.text); values are written with textContent/value only. */
(function () {
  "use strict";

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; }
      else if (key === "className") { node.className = attrs[key]; }
      else if (attrs[key] !== undefined && attrs[key] !== null && attrs[key] !== false) {
        node.setAttribute(key, attrs[key] === true ? "" : attrs[key]);
      }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  var uid = 0;
  function labelled(labelText, control) {
    uid += 1;
    control.id = control.id || ("pp-" + uid);
    return el("div", { className: "pp-entry" }, [el("label", { "for": control.id, text: labelText }), control]);
  }

  function is(bo, type) { return bo && typeof bo.$instanceOf === "function" && bo.$instanceOf(type); }

  function extensionValue(bo, type) {
    var ext = bo.extensionElements;
    if (!ext || !ext.values) { return null; }
    for (var i = 0; i < ext.values.length; i += 1) {
      if (is(ext.values[i], type)) { return ext.values[i]; }
    }
    return null;
  }

  function PropertiesPanel(modeler, container, config) {
    this.modeler = modeler;
    this.container = container;
    this.config = config;
    this.t = config.text;
    this.modeling = modeler.get("modeling");
    this.moddle = modeler.get("moddle");
    this.current = null;
    var self = this;
    var eventBus = modeler.get("eventBus");
    eventBus.on("selection.changed", function (event) {
      var selected = event.newSelection || [];
      self.show(selected.length === 1 ? selected[0] : null);
    });
    eventBus.on("elements.changed", function (event) {
      if (!self.current) { return; }
      var touched = (event.elements || []).some(function (element) { return element.id === self.current.id; });
      var focused = self.container.contains(document.activeElement);
      if (touched && !focused) { self.show(self.current); }
    });
    eventBus.on("import.done", function () { self.show(null); });
    this.show(null);
  }

  PropertiesPanel.prototype.show = function (element) {
    this.current = element;
    this.container.textContent = "";
    if (!element || element.type === "label") {
      this.container.appendChild(el("p", { className: "meta", text: this.t.nothingSelected }));
      return;
    }
    var bo = element.businessObject;
    var parts = [this.general(element, bo)];
    if (is(bo, "bpmn:Lane")) { parts.push(this.laneRole(element, bo)); }
    if (is(bo, "bpmn:UserTask") || is(bo, "bpmn:ManualTask")) { parts.push(this.taskRole(element, bo)); }
    if (is(bo, "bpmn:UserTask")) { parts.push(this.unit(element, bo)); parts.push(this.form(element, bo)); }
    if (is(bo, "bpmn:ScriptTask")) { parts.push(this.script(element, bo)); }
    if (is(bo, "bpmn:BusinessRuleTask")) { parts.push(this.decision(element, bo)); }
    if (is(bo, "bpmn:SequenceFlow")) { parts.push(this.condition(element, bo)); }
    var timer = (bo.eventDefinitions || []).filter(function (d) { return is(d, "bpmn:TimerEventDefinition"); })[0];
    if (timer) { parts.push(this.timer(element, timer)); }
    parts.push(this.documentation(element, bo));
    var self = this;
    parts.forEach(function (part) { if (part) { self.container.appendChild(part); } });
  };

  PropertiesPanel.prototype.section = function (title, children) {
    return el("section", { className: "pp-section" }, [el("h3", { text: title })].concat(children));
  };

  PropertiesPanel.prototype.general = function (element, bo) {
    var modeling = this.modeling;
    var name = el("input", { value: bo.name || "", name: "pp-name" });
    name.addEventListener("change", function () { modeling.updateProperties(element, { name: name.value || undefined }); });
    return el("div", {}, [
      el("p", { className: "meta" }, [document.createTextNode(this.t.type + ": " + bo.$type)]),
      labelled(this.t.id, el("input", { value: bo.id, readonly: true, name: "pp-id" })),
      labelled(this.t.name, name)
    ]);
  };

  /* Who works on a human task: the engine takes the role of the lane holding it
     (docs/process-authoring.md "Lanes are roles"), so the task's role is its lane's, set here. */
  PropertiesPanel.prototype.taskRole = function (element, bo) {
    var registry = this.modeler.get("elementRegistry");
    var lanes = (bo.get ? bo.get("lanes") : bo.lanes) || [];
    var lane = lanes.length ? registry.get(lanes[lanes.length - 1].id) : null;
    if (!lane) {
      return this.section(this.t.taskRole, [el("p", { className: "hint pp-no-lane", text: this.t.taskNoLane })]);
    }
    var part = this.laneRole(lane, lane.businessObject, "pp-task-role");
    part.insertBefore(el("p", { className: "meta", text: this.t.taskRoleLane + ": " +
                                (lane.businessObject.name || lane.id) }), part.children[1]);
    part.querySelector("h3").textContent = this.t.taskRole;
    return part;
  };

  PropertiesPanel.prototype.laneRole = function (element, bo, fieldName) {
    var modeling = this.modeling;
    var select = el("select", { name: fieldName || "pp-role" }, [el("option", { value: "", text: this.t.noRole })]);
    var current = bo.get("petitions:role") || "";
    var known = false;
    this.config.roles.forEach(function (role) {
      known = known || role.code === current;
      select.appendChild(el("option", { value: role.code, text: role.label + " (" + role.code + ")", selected: role.code === current }));
    });
    if (current && !known) { select.appendChild(el("option", { value: current, text: current, selected: true })); }
    select.addEventListener("change", function () {
      modeling.updateProperties(element, { "petitions:role": select.value || undefined });
    });
    return this.section(this.t.laneRole, [labelled(this.t.laneRole, select)]);
  };

  PropertiesPanel.prototype.unit = function (element, bo) {
    var modeling = this.modeling;
    var input = el("input", { value: bo.get("petitions:unit") || "", name: "pp-unit", placeholder: "assigned_unit" });
    input.addEventListener("change", function () {
      modeling.updateProperties(element, { "petitions:unit": input.value.trim() || undefined });
    });
    return labelled(this.t.unit, input);
  };

  PropertiesPanel.prototype.ensureExtensions = function (element) {
    var bo = element.businessObject;
    if (!bo.extensionElements) {
      var ext = this.moddle.create("bpmn:ExtensionElements", { values: [] });
      ext.$parent = bo;
      this.modeling.updateProperties(element, { extensionElements: ext });
    }
    return bo.extensionElements;
  };

  PropertiesPanel.prototype.addExtension = function (element, value) {
    var ext = this.ensureExtensions(element);
    value.$parent = ext;
    this.modeling.updateModdleProperties(element, ext, { values: (ext.values || []).concat([value]) });
  };

  PropertiesPanel.prototype.removeExtension = function (element, value) {
    var ext = element.businessObject.extensionElements;
    if (!ext) { return; }
    this.modeling.updateModdleProperties(element, ext, {
      values: (ext.values || []).filter(function (v) { return v !== value; })
    });
  };

  PropertiesPanel.prototype.form = function (element, bo) {
    var self = this, t = this.t, modeling = this.modeling, moddle = this.moddle;
    var form = extensionValue(bo, "petitions:Form");
    var children = [];
    if (!form || !(form.fields || []).length) { children.push(el("p", { className: "meta", text: t.noForm })); }
    (form ? form.fields || [] : []).forEach(function (field, index) {
      children.push(self.fieldCard(element, form, field, index));
    });
    var add = el("button", { type: "button", className: "pp-add-field", text: t.addField });
    add.addEventListener("click", function () {
      var target = extensionValue(element.businessObject, "petitions:Form");
      var count = target ? (target.fields || []).length + 1 : 1;
      var field = moddle.create("petitions:Field", { name: "truong_" + count, type: "string",
                                                      label: t.fieldLabel + " " + count, required: "false" });
      if (!target) {
        target = moddle.create("petitions:Form", { fields: [field] });
        field.$parent = target;
        self.addExtension(element, target);
      } else {
        field.$parent = target;
        modeling.updateModdleProperties(element, target, { fields: (target.fields || []).concat([field]) });
      }
      self.show(element);
    });
    children.push(add);
    return this.section(t.form, children);
  };

  PropertiesPanel.prototype.fieldCard = function (element, form, field, index) {
    var self = this, t = this.t, modeling = this.modeling, moddle = this.moddle;
    function update(props) { modeling.updateModdleProperties(element, field, props); }
    var name = el("input", { value: field.name || "", name: "pp-field-name-" + index });
    name.addEventListener("change", function () { update({ name: name.value.trim() }); });
    var type = el("select", { name: "pp-field-type-" + index });
    this.config.fieldTypes.forEach(function (code) {
      type.appendChild(el("option", { value: code, text: code, selected: (field.type || "string") === code }));
    });
    type.addEventListener("change", function () { update({ type: type.value }); self.show(element); });
    var label = el("input", { value: field.label || "", name: "pp-field-label-" + index });
    label.addEventListener("change", function () { update({ label: label.value.trim() }); });
    var required = el("input", { type: "checkbox", name: "pp-field-required-" + index, checked: field.required === "true" });
    uid += 1;
    required.id = "pp-" + uid;
    required.addEventListener("change", function () { update({ required: required.checked ? "true" : "false" }); });
    var parts = [
      el("div", { className: "row" }, [labelled(t.fieldName, name), labelled(t.fieldType, type)]),
      labelled(t.fieldLabel, label),
      el("div", { className: "check" }, [required, el("label", { "for": required.id, text: t.fieldRequired })])
    ];
    if (field.type === "enum" || field.type === "multienum") {
      var choices = el("textarea", { name: "pp-field-choices-" + index, rows: "4" });
      choices.value = (field.choices || []).map(function (c) { return c.value + "|" + (c.label || c.value); }).join("\n");
      choices.addEventListener("change", function () {
        var list = choices.value.split("\n").map(function (line) { return line.trim(); })
          .filter(Boolean).map(function (line) {
            var cut = line.indexOf("|");
            var value = (cut < 0 ? line : line.slice(0, cut)).trim();
            var choice = moddle.create("petitions:Choice", { value: value, label: (cut < 0 ? value : line.slice(cut + 1)).trim() || value });
            choice.$parent = field;
            return choice;
          });
        update({ choices: list });
      });
      parts.push(labelled(t.fieldChoices, choices));
    }
    var remove = el("button", { type: "button", className: "pp-remove-field", text: t.removeField });
    remove.addEventListener("click", function () {
      var rest = (form.fields || []).filter(function (f) { return f !== field; });
      if (rest.length) { modeling.updateModdleProperties(element, form, { fields: rest }); }
      else { self.removeExtension(element, form); }  // an empty petitions:form is refused at deploy
      self.show(element);
    });
    parts.push(remove);
    return el("div", { className: "field-card" }, parts);
  };

  PropertiesPanel.prototype.timer = function (element, definition) {
    var t = this.t, modeling = this.modeling, moddle = this.moddle;
    var kinds = ["timeDate", "timeDuration", "timeCycle"];
    var kind = kinds.filter(function (k) { return definition[k]; })[0] || "timeDate";
    var select = el("select", { name: "pp-timer-kind" });
    kinds.forEach(function (k) { select.appendChild(el("option", { value: k, text: t[k], selected: k === kind })); });
    var expression = el("input", { name: "pp-timer-expression", value: definition[kind] ? definition[kind].body || "" : "" });
    function apply() {
      var props = { timeDate: undefined, timeDuration: undefined, timeCycle: undefined };
      var formal = moddle.create("bpmn:FormalExpression", { body: expression.value });
      formal.$parent = definition;
      props[select.value] = formal;
      modeling.updateModdleProperties(element, definition, props);
    }
    select.addEventListener("change", apply);
    expression.addEventListener("change", apply);
    var hint = el("div", { className: "hint" }, [el("p", { text: t.timerHint })]);
    var list = el("ul", {});
    this.config.helpers.forEach(function (helper) {
      list.appendChild(el("li", {}, [el("code", { text: helper.sig }), document.createTextNode(" — " + helper.text)]));
    });
    hint.appendChild(list);
    return this.section(t.timer, [labelled(t.timerKind, select), labelled(t.timerExpression, expression), hint]);
  };

  PropertiesPanel.prototype.script = function (element, bo) {
    var modeling = this.modeling;
    var area = el("textarea", { className: "code", name: "pp-script", spellcheck: "false" });
    area.value = bo.script || "";
    area.addEventListener("change", function () { modeling.updateProperties(element, { script: area.value }); });
    return this.section(this.t.script, [area, el("p", { className: "hint", text: this.t.scriptHint })]);
  };

  PropertiesPanel.prototype.condition = function (element, bo) {
    var modeling = this.modeling, moddle = this.moddle;
    var input = el("input", { name: "pp-condition", value: bo.conditionExpression ? bo.conditionExpression.body || "" : "" });
    input.addEventListener("change", function () {
      var value = input.value.trim();
      modeling.updateProperties(element, {
        conditionExpression: value ? moddle.create("bpmn:FormalExpression", { body: value }) : undefined
      });
    });
    return this.section(this.t.condition, [labelled(this.t.condition, input)]);
  };

  PropertiesPanel.prototype.decision = function (element, bo) {
    var self = this, modeling = this.modeling, moddle = this.moddle;
    var called = extensionValue(bo, "spiffworkflow:CalledDecisionId");
    var current = called ? (called.value || "").trim() : "";
    var select = el("select", { name: "pp-decision" }, [el("option", { value: "", text: this.t.noDecision })]);
    var ids = this.config.decisions.slice();
    if (current && ids.indexOf(current) < 0) { ids.push(current); }
    ids.forEach(function (id) { select.appendChild(el("option", { value: id, text: id, selected: id === current })); });
    select.addEventListener("change", function () {
      var existing = extensionValue(element.businessObject, "spiffworkflow:CalledDecisionId");
      if (existing && select.value) { modeling.updateModdleProperties(element, existing, { value: select.value }); }
      else if (existing) { self.removeExtension(element, existing); }
      else if (select.value) { self.addExtension(element, moddle.create("spiffworkflow:CalledDecisionId", { value: select.value })); }
    });
    return this.section(this.t.decision, [labelled(this.t.decision, select)]);
  };

  PropertiesPanel.prototype.documentation = function (element, bo) {
    var modeling = this.modeling, moddle = this.moddle;
    var area = el("textarea", { name: "pp-documentation", rows: "4" });
    area.value = (bo.documentation && bo.documentation[0] && bo.documentation[0].text) || "";
    area.addEventListener("change", function () {
      var text = area.value.trim();
      var docs = text ? [moddle.create("bpmn:Documentation", { text: text })] : [];
      docs.forEach(function (doc) { doc.$parent = element.businessObject; });
      modeling.updateModdleProperties(element, element.businessObject, { documentation: docs });
    });
    return this.section(this.t.documentation, [area]);
  };

  window.PetitionsPropertiesPanel = PropertiesPanel;
})();
