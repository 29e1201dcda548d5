// Scheme editing: add dimension rows and show the running weight totals. Without JavaScript the form
// still works (one blank row is always offered) and the server checks the totals anyway.
(function () {
  var rows = document.getElementById("dimension-rows");
  var template = document.getElementById("dimension-template");
  var button = document.getElementById("add-dimension");
  var total = document.getElementById("id_dimensions-TOTAL_FORMS");
  var max = document.getElementById("id_dimensions-MAX_NUM_FORMS");
  if (!rows || !template || !button || !total) return;

  function number(input) {
    var value = parseFloat(input.value);
    return isNaN(value) ? 0 : value;
  }

  function refresh() {
    var channels = 0;
    document.querySelectorAll("[data-sum=channels] input.weight").forEach(function (input) { channels += number(input); });
    var dimensions = 0;
    rows.querySelectorAll("tr.dimension").forEach(function (row) {
      var deleted = row.querySelector("input[name$='-DELETE']");
      var weight = row.querySelector("input[name$='-weight']");
      if (weight && !(deleted && deleted.checked)) dimensions += number(weight);
    });
    show("channels", channels);
    show("dimensions", dimensions);
    button.disabled = max && Number(total.value) >= Number(max.value);
  }

  function show(name, sum) {
    var label = document.querySelector("[data-total=" + name + "]");
    var rounded = Math.round(sum * 100) / 100;
    label.textContent = rounded + "%";
    label.className = "total " + (rounded === 100 ? "" : "error");
  }

  button.hidden = false;
  button.addEventListener("click", function () {
    var index = Number(total.value);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    rows.insertAdjacentHTML("beforeend", html);  // no number: it goes last, and an untouched row is ignored
    total.value = index + 1;
    refresh();
  });
  document.querySelector("form.scheme-form").addEventListener("input", refresh);
  document.querySelector("form.scheme-form").addEventListener("change", refresh);
  refresh();
})();
