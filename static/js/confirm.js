// Small behaviours that templates ask for with data-* attributes (the CSP forbids inline on*= handlers):
//   <form data-confirm="确定…？">  or  <button data-confirm="…">  ask before submitting;
//   <select data-autosubmit>  submits its form when the choice changes.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var button = event.submitter;
  var question = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form) {
    field.form.submit();
  }
});
