/* bpmn-js's translate service, overridden with the page's catalogue (webapp/admin/bpmn_catalogue.py,
   delivered in the page config as "bpmnCatalogue"): the palette, context pad, replace menu and
   modeling feedback speak the page's language. The English page gets an empty table, so bpmn-js
   keeps its own English. Replacements ({element}) work as in bpmn-js's default translate.
   Usage: additionalModules: [window.PetitionsTranslate(config.bpmnCatalogue)]. */
(function () {
  "use strict";

  window.PetitionsTranslate = function (catalogue) {
    var table = catalogue || {};
    function translate(template, replacements) {
      var text = Object.prototype.hasOwnProperty.call(table, template) ? table[template] : template;
      replacements = replacements || {};
      return text.replace(/{([^}]+)}/g, function (_, key) {
        return Object.prototype.hasOwnProperty.call(replacements, key) ? replacements[key] : "{" + key + "}";
      });
    }
    return { translate: ["value", translate] };
  };
})();
