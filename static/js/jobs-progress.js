// A job's page follows its progress: ask the server every two seconds until the job has finished.
(function () {
  var box = document.querySelector("[data-job-status]");
  if (!box || box.dataset.finished === "1" || !window.fetch) return;
  var url = box.dataset.jobStatus;
  function show(selector, text) {
    var node = box.querySelector(selector);
    if (node) node.textContent = text;
    return node;
  }
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { setTimeout(poll, 5000); return; }
        box.querySelector("[data-job-progress]").value = data.progress;
        show("[data-job-percent]", data.progress + "%");
        show("[data-job-state]", data.state_label);
        show("[data-job-message]", data.message);
        var error = show("[data-job-error]", data.error);
        if (error) error.hidden = !data.error;
        if (data.download) {
          var link = box.querySelector("[data-job-download]");
          link.hidden = false;
          link.querySelector("a").href = data.download;
        }
        if (data.finished && data.link) {
          var next = box.querySelector("[data-job-link]");
          next.hidden = false;
          next.querySelector("a").href = data.link;
          // A finished job with a result page (an import's record) leads there; a failed one stays to show why.
          if (data.state === "done" && data.link.charAt(0) === "/" && data.link.charAt(1) !== "/") {
            setTimeout(function () { window.location.assign(data.link); }, 1500);
          }
        }
        if (!data.finished) setTimeout(poll, 2000);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();
