// The QR code on a survey slip opens /survey/#CODE: fill the code in from the fragment, which the browser
// never sends to the server (so the code never lands in an access log).
(function () {
  var input = document.querySelector("input[name=code]");
  var code = window.location.hash.slice(1);
  if (input && !input.value && /^[A-Za-z0-9-]{12,20}$/.test(code)) {
    input.value = code;
  }
})();
