// Long choice lists become searchable: a filter box above every <select data-search>, and above any list of more
// than 30 options. Typing keeps the options whose text contains what was typed (村名、镇街、姓名、单位 alike);
// chosen options stay visible so a selection is never hidden. No library, nothing from the internet.
(function () {
  "use strict";
  var LONG = 30;

  function attach(select) {
    if (select.dataset.searchReady) return;
    select.dataset.searchReady = "1";
    var box = document.createElement("input");
    box.type = "search";
    box.className = "select-search";
    box.placeholder = "输入文字筛选（共 " + select.options.length + " 项）";
    box.setAttribute("aria-label", "筛选" + (select.labels && select.labels[0] ? select.labels[0].textContent : "选项"));
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      var words = box.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      Array.prototype.forEach.call(select.options, function (option) {
        var text = (option.text + " " + (option.parentNode.label || "")).toLowerCase();
        var match = option.selected || !option.value || words.every(function (w) { return text.indexOf(w) !== -1; });
        option.hidden = !match;
        if (match) shown += 1;
      });
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        group.hidden = !group.querySelector("option:not([hidden])");
      });
      box.title = "显示 " + shown + " 项";
    });
  }

  function init(root) {
    Array.prototype.forEach.call(root.querySelectorAll("select"), function (select) {
      if (select.hasAttribute("data-search") || select.options.length > LONG) attach(select);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
})();
