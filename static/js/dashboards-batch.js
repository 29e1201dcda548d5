// 待办: a "select all" box per batch table.
(function () {
  document.querySelectorAll("[data-check-all]").forEach(function (all) {
    var group = all.dataset.checkAll;
    all.addEventListener("change", function () {
      document.querySelectorAll("input[data-group='" + group + "']").forEach(function (box) {
        box.checked = all.checked;
      });
    });
  });
})();
