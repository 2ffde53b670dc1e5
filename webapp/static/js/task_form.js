// Task forms: hide a field whose condition ("when") is false, mark a field required when its
// "required_when" holds (engine/definitions/form_rules.py). Progressive enhancement only: the
// server applies the same rules, and without script every field shows.
(function () {
  'use strict';

  function valuesOf(form, name) {
    var values = [];
    var inputs = form.querySelectorAll('[name="' + name + '"]');
    Array.prototype.forEach.call(inputs, function (input) {
      if (input.disabled) { return; }
      if ((input.type === 'radio' || input.type === 'checkbox') && !input.checked) { return; }
      if (input.value !== '') { values.push(input.value); }
    });
    return values;
  }

  function holds(form, cond, hidden) {
    if (hidden[cond.field]) { return false; }
    var present = valuesOf(form, cond.field);
    if (present.length === 0) { return false; }
    if (cond.op === 'set') { return !(present.length === 1 && present[0] === 'false'); }
    var hit = present.some(function (v) { return cond.values.indexOf(v) !== -1; });
    return cond.op === 'in' ? hit : !hit;
  }

  function wrapperOf(form, name) {
    var input = form.querySelector('#f-' + name);
    return input ? input.closest('.form-field') : null;
  }

  function apply(form, rules) {
    var hidden = {};
    rules.forEach(function (rule) {
      var box = wrapperOf(form, rule.name);
      if (!box) { return; }
      var shown = !rule.when || holds(form, rule.when, hidden);
      hidden[rule.name] = !shown;
      box.hidden = !shown;
      box.querySelectorAll('input, select, textarea').forEach(function (input) {
        input.disabled = !shown;  // a hidden field is not sent (the server drops it anyway)
        if (rule.required_when && input.type !== 'checkbox') {
          var required = holds(form, rule.required_when, hidden);
          input.required = required;
          input.setAttribute('aria-required', required ? 'true' : 'false');
        }
      });
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    var form = document.querySelector('form.declared-form[data-rules]');
    if (!form) { return; }
    var rules;
    try { rules = JSON.parse(form.getAttribute('data-rules')); } catch (e) { return; }
    if (!rules.length) { return; }
    apply(form, rules);
    form.addEventListener('change', function () { apply(form, rules); });
  });
}());
