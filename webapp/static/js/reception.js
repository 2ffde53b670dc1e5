/* Reception desk enhancements (the pages work without them):
   - province → ward selects filled from /reception/wards?province=CODE;
   - add / remove sender rows (from the <template id="sender-row-template">);
   - file count / size checks before sending;
   - focus the error summary; Print button on the receipt; no double submission. */
(function () {
  'use strict';
  document.documentElement.classList.add('js');

  function each(selector, fn, root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), fn);
  }

  /* Messages come from the page (translated there), with {placeholders}. */
  function message(form, key, fallback, values) {
    var text = (form && form.getAttribute('data-msg-' + key)) || fallback;
    Object.keys(values || {}).forEach(function (name) {
      text = text.split('{' + name + '}').join(String(values[name]));
    });
    return text;
  }

  /* -- wards ------------------------------------------------------------------------------ */
  function fillWards(provinceSelect, form) {
    var ward = document.getElementById(provinceSelect.getAttribute('data-ward-select'));
    if (!ward) { return; }
    var previous = ward.value;
    var placeholder = ward.options.length ? ward.options[0].cloneNode(true) : null;
    ward.innerHTML = '';
    if (placeholder) { ward.appendChild(placeholder); }
    var code = provinceSelect.value;
    if (!code) { return; }
    ward.disabled = true;
    ward.setAttribute('aria-busy', 'true');
    var url = form.getAttribute('data-wards-url') + '?province=' + encodeURIComponent(code);
    fetch(url, { headers: { 'Accept': 'application/json' }, credentials: 'same-origin' })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        (data.wards || []).forEach(function (w) {
          var option = document.createElement('option');
          option.value = w.code;
          option.textContent = w.name;
          if (w.code === previous) { option.selected = true; }
          ward.appendChild(option);
        });
      })
      .catch(function () {
        var option = document.createElement('option');
        option.value = '';
        option.textContent = message(form, 'wards-failed',
                                     'Không tải được danh sách phường, xã; vui lòng thử lại.');
        ward.appendChild(option);
      })
      .then(function () {
        ward.disabled = false;
        ward.removeAttribute('aria-busy');
      });
  }

  /* -- sender rows ------------------------------------------------------------------------ */
  function renumber(container) {
    var rows = container.querySelectorAll('.sender-row');
    Array.prototype.forEach.call(rows, function (row, i) {
      var number = row.querySelector('.sender-number');
      if (number) { number.textContent = String(i + 1); }
      var remove = row.querySelector('[data-remove-sender]');
      if (remove) {
        remove.hidden = false;
        remove.disabled = rows.length <= 1;
      }
    });
  }

  function nextIndex(container) {
    var max = -1;
    each('.sender-row', function (row) {
      var n = parseInt(row.getAttribute('data-index'), 10);
      if (!isNaN(n) && n > max) { max = n; }
    }, container);
    return max + 1;
  }

  function addRow(container, template) {
    var index = String(nextIndex(container));
    var html = template.innerHTML.replace(/__i__/g, index);
    var holder = document.createElement('div');
    holder.innerHTML = html;
    var row = holder.querySelector('.sender-row');
    container.appendChild(row);
    renumber(container);
    var first = row.querySelector('input, select');
    if (first) { first.focus(); }
  }

  /* As many blocks as the signers' count asks for (forms.sender_blocks on the server): one
     each up to four, then the representatives the law allows (2 for 5–10 signers, 5 above). */
  function blocksFor(value) {
    var count = parseInt(value, 10);
    if (isNaN(count) || count <= 1) { return 1; }
    if (count < 5) { return count; }
    return count <= 10 ? 2 : 5;
  }

  function isEmptyRow(row) {
    var filled = false;
    each('input:not([type=checkbox]), select', function (input) {
      if (input.value) { filled = true; }
    }, row);
    return !filled;
  }

  /* Add rows up to the count; remove only empty rows from the end (typed data is never lost). */
  function syncRows(container, template, count) {
    var rows = container.querySelectorAll('.sender-row');
    var added = false;
    for (var n = rows.length; n < count; n++) {
      var index = String(nextIndex(container));
      var holder = document.createElement('div');
      holder.innerHTML = template.innerHTML.replace(/__i__/g, index);
      container.appendChild(holder.querySelector('.sender-row'));
      added = true;
    }
    rows = container.querySelectorAll('.sender-row');
    for (var i = rows.length - 1; i >= count && i > 0 && isEmptyRow(rows[i]); i--) {
      rows[i].parentNode.removeChild(rows[i]);
    }
    if (added || rows.length !== container.querySelectorAll('.sender-row').length) {
      renumber(container);
    }
  }

  function initSenders(form) {
    var container = document.getElementById('sender-rows');
    var template = document.getElementById('sender-row-template');
    var add = document.getElementById('add-sender');
    if (!container || !template || !add) { return; }
    add.hidden = false;
    add.addEventListener('click', function () { addRow(container, template); });
    var signers = form.querySelector('[data-sender-count]');
    if (signers) {
      signers.addEventListener('input', function () {
        syncRows(container, template, blocksFor(signers.value));
      });
    }
    container.addEventListener('click', function (event) {
      var button = event.target.closest('[data-remove-sender]');
      if (!button) { return; }
      var row = button.closest('.sender-row');
      if (container.querySelectorAll('.sender-row').length > 1) {
        row.parentNode.removeChild(row);
        renumber(container);
        add.focus();
      }
    });
    renumber(container);
    form.addEventListener('change', function (event) {
      if (event.target.matches('select[data-province-select]')) { fillWards(event.target, form); }
    });
  }

  /* -- files ------------------------------------------------------------------------------ */
  function initFiles(form) {
    var input = document.getElementById('f-documents');
    var out = document.getElementById('documents-client-error');
    if (!input || !out) { return; }
    var maxFiles = parseInt(form.getAttribute('data-max-files'), 10) || 10;
    var maxFile = (parseInt(form.getAttribute('data-max-file-mb'), 10) || 20) * 1024 * 1024;
    var maxRequest = (parseInt(form.getAttribute('data-max-request-mb'), 10) || 25) * 1024 * 1024;
    input.addEventListener('change', function () {
      var problems = [];
      var total = 0;
      if (input.files.length > maxFiles) {
        problems.push(message(form, 'too-many', 'Tối đa {n} tệp cho một đơn.', { n: maxFiles }));
      }
      Array.prototype.forEach.call(input.files, function (file) {
        total += file.size;
        if (file.size > maxFile) {
          problems.push(message(form, 'too-big', 'Tệp “{name}” lớn hơn {mb} MB.',
                                { name: file.name, mb: maxFile / 1048576 }));
        }
      });
      if (total > maxRequest) {
        problems.push(message(form, 'total', 'Tổng dung lượng các tệp vượt quá {mb} MB.',
                              { mb: maxRequest / 1048576 }));
      }
      var text = problems.join(' ');
      input.setCustomValidity(text);
      out.textContent = text;
      out.hidden = !text;
    });
  }

  /* A second click while the first submission is on its way would register the letter twice. */
  function guardDoubleSubmit(form) {
    form.addEventListener('submit', function (event) {
      if (form.getAttribute('data-submitting') === '1') {
        event.preventDefault();
        return;
      }
      form.setAttribute('data-submitting', '1');
      form.setAttribute('aria-busy', 'true');
    });
  }

  /* Coming back with the browser's Back button restores the page as it was: allow sending again. */
  window.addEventListener('pageshow', function () {
    each('form[data-submitting]', function (form) {
      form.removeAttribute('data-submitting');
      form.removeAttribute('aria-busy');
    });
  });

  document.addEventListener('DOMContentLoaded', function () {
    var form = document.getElementById('reception-form');
    if (form) {
      initSenders(form);
      initFiles(form);
    }
    each('form.reception-form, form.confirm-form', guardDoubleSubmit);
    var summary = document.getElementById('error-summary');
    if (summary) { summary.focus(); }
    each('[data-print]', function (button) {
      button.hidden = false;
      button.addEventListener('click', function () { window.print(); });
    });
  });
})();
