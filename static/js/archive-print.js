// The 打印 button of the archive and the yearly report: the browser's print dialog, A4 from the print stylesheet.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
