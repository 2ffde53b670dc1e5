/* Moddle extension descriptors for the modeler: our petitions: namespace (lane roles, user-task
   units and forms) and SpiffWorkflow's spiffworkflow: extension elements (every element of its
   XSD, so nothing a diagram carries is dropped or reported as unknown on import/export). */
(function () {
  "use strict";

  function attr(name, type) { return { name: name, isAttr: true, type: type || "String" }; }
  function bodyType(name) {
    return { name: name, superClass: ["Element"], properties: [{ name: "value", isBody: true, type: "String" }] };
  }

  window.PetitionsModdle = {
    petitions: {
      name: "Petitions",
      uri: "urn:petitions:bpmn:1",
      prefix: "petitions",
      xml: { tagAlias: "lowerCase" },
      associations: [],
      types: [
        { name: "LaneRole", "extends": ["bpmn:Lane"], properties: [attr("role")] },
        { name: "TaskUnit", "extends": ["bpmn:UserTask"], properties: [attr("unit")] },
        { name: "Form", superClass: ["Element"],
          properties: [{ name: "fields", type: "Field", isMany: true }] },
        { name: "Field", superClass: ["Element"],
          properties: [attr("name"), attr("type"), attr("label"), attr("required"), attr("help"),
                       attr("min"), attr("max"), attr("max_length"), attr("default"), attr("document"),
                       // cross-field rules (engine/definitions/form_rules.py RULE_ATTRS)
                       attr("not_before"), attr("not_after"), attr("when"), attr("required_when"),
                       { name: "choices", type: "Choice", isMany: true }] },
        { name: "Choice", superClass: ["Element"], properties: [attr("value"), attr("label")] }
      ]
    },
    spiffworkflow: {
      name: "SpiffWorkflow",
      uri: "http://spiffworkflow.org/bpmn/schema/1.0/core",
      prefix: "spiffworkflow",
      xml: { tagAlias: "lowerCase" },
      associations: [],
      types: [
        bodyType("CalledDecisionId"), bodyType("InstructionsForEndUser"), bodyType("MessagePayload"),
        bodyType("MessageVariable"), bodyType("PayloadExpression"), bodyType("VariableName"),
        bodyType("PreScript"), bodyType("PostScript"),
        { name: "Properties", superClass: ["Element"],
          properties: [{ name: "properties", type: "Property", isMany: true }] },
        { name: "Property", superClass: ["Element"],
          properties: [attr("name"), attr("value"), { name: "text", isBody: true, type: "String" }] },
        { name: "UnitTests", superClass: ["Element"],
          properties: [{ name: "unitTests", type: "UnitTest", isMany: true }] },
        { name: "UnitTest", superClass: ["Element"],
          properties: [attr("id"), { name: "inputJson", type: "String" },
                       { name: "expectedOutputJson", type: "String" }] },
        { name: "ServiceTaskOperator", superClass: ["Element"],
          properties: [attr("id"), attr("resultVariable"), { name: "parameters", type: "Parameters" },
                       { name: "retry", type: "Retry" }] },
        { name: "Parameters", superClass: ["Element"],
          properties: [{ name: "parameters", type: "Parameter", isMany: true }] },
        { name: "Parameter", superClass: ["Element"],
          properties: [attr("id"), attr("type"), attr("value"), { name: "text", isBody: true, type: "String" }] },
        { name: "Retry", superClass: ["Element"],
          properties: [attr("retries", "Integer"), attr("backoff_base", "Integer")] }
      ]
    }
  };
})();
