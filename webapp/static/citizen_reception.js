// The visit form: a citizen's earlier visits and letters appear as soon as a full ID number is
// typed. The number goes by POST (never in a URL); the server audits each lookup.
(function () {
  "use strict";
  var form = document.getElementById("visit-form");
  if (!form) { return; }
  var box = document.getElementById("earlier");
  var token = form.querySelector("input[name=csrf_token]").value;
  var last = "";

  function line(text) { var li = document.createElement("li"); li.textContent = text; return li; }

  function show(data) {
    box.replaceChildren();
    box.hidden = false;
    if (data.error) { box.appendChild(line(data.error)); return; }
    if (!data.visits.length && !data.letters.length) {
      var p = document.createElement("p"); p.textContent = form.dataset.msgNone; box.appendChild(p); return;
    }
    [["msgVisits", data.visits, function (v) { return v.visited_on + " — " + v.kind_label + (v.leader_name ? ", " + v.leader_name : "") + ": " + v.content + " (" + v.outcome_label + ")"; }],
     ["msgLetters", data.letters, function (p) { return p.number + " — " + p.received_on + " — " + p.petition_type_label + ": " + p.summary; }]]
      .forEach(function (part) {
        if (!part[1].length) { return; }
        var h = document.createElement("h3"); h.textContent = form.dataset[part[0]]; box.appendChild(h);
        var ul = document.createElement("ul"); part[1].forEach(function (item) { ul.appendChild(line(part[2](item))); });
        box.appendChild(ul);
      });
  }

  form.addEventListener("input", function (event) {
    if (!event.target.classList.contains("cr-id-number")) { return; }
    var value = event.target.value.replace(/\D/g, "");
    if ((value.length !== 9 && value.length !== 12) || value === last) { return; }
    last = value;
    var body = new URLSearchParams({ id_number: value, csrf_token: token });
    fetch(form.dataset.lookupUrl, { method: "POST", body: body, credentials: "same-origin",
                                    headers: { "X-CSRFToken": token } })
      .then(function (r) { return r.json(); })
      // A slower answer for an earlier number (9 digits typed on the way to 12) must not
      // replace the answer for the number now in the field.
      .then(function (data) { if (value === last) { show(data); } })
      .catch(function () { box.hidden = true; });
  });

  // The administrative-unit picker: wards of the chosen province (the reception desk's list).
  form.addEventListener("change", function (event) {
    if (!event.target.classList.contains("cr-province") || !form.dataset.wardsUrl) { return; }
    var ward = event.target.closest(".cr-citizen").querySelector(".cr-ward");
    fetch(form.dataset.wardsUrl + "?province=" + encodeURIComponent(event.target.value), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (wards) {
        ward.replaceChildren(new Option("—", ""));
        (wards.wards || wards).forEach(function (w) { ward.appendChild(new Option(w.name, w.code)); });
      }).catch(function () {});
  });
}());
