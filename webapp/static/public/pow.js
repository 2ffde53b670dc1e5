// Proof-of-work for the public letter form (webapp/public/abuse.py): find a counter such that
// SHA-256(challenge ":" counter) starts with `bits` zero bits, then hide the sum question.
// Without JavaScript (or WebCrypto) the question stays and is answered by hand.
(function () {
  "use strict";
  var challenge = document.getElementById("pow_challenge");
  var counter = document.getElementById("pow_counter");
  var status = document.getElementById("pow-status");
  var box = document.getElementById("question-box");
  if (!challenge || !counter || !window.crypto || !window.crypto.subtle || !window.TextEncoder) {
    return;
  }
  var bits = parseInt(challenge.getAttribute("data-bits"), 10) || 16;
  var encoder = new TextEncoder();
  function zeroBits(bytes) {
    var n = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { n += 8; continue; }
      var b = bytes[i];
      while ((b & 0x80) === 0) { n++; b <<= 1; }
      return n;
    }
    return n;
  }
  function tryFrom(start) {
    var tries = [];
    for (var i = start; i < start + 256; i++) {
      tries.push(i);
    }
    return Promise.all(tries.map(function (i) {
      return window.crypto.subtle.digest("SHA-256", encoder.encode(challenge.value + ":" + i))
        .then(function (digest) { return zeroBits(new Uint8Array(digest)) >= bits ? i : -1; });
    })).then(function (found) {
      for (var j = 0; j < found.length; j++) { if (found[j] >= 0) { return found[j]; } }
      return tryFrom(start + 256);
    });
  }
  if (status) { status.textContent = "Đang kiểm tra tự động, vui lòng chờ trong giây lát…"; }
  tryFrom(0).then(function (value) {
    counter.value = String(value);
    if (box) { box.hidden = true; }
    if (status) { status.textContent = "Đã kiểm tra tự động: không cần trả lời câu hỏi."; }
  });
})();
