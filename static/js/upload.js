// Upload with a progress bar: large rosters take a while to travel over a county intranet.
// Without JavaScript the form still posts normally.
(function () {
  var form = document.querySelector("form[data-progress]");
  if (!form || !window.XMLHttpRequest || !window.FormData) return;
  var bar = document.getElementById("upload-progress");
  var status = document.getElementById("upload-status");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var request = new XMLHttpRequest();
    request.open("POST", form.action || window.location.href);
    bar.hidden = false;
    request.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) return;
      bar.value = Math.round((e.loaded / e.total) * 100);
      status.textContent = "上传中 " + bar.value + "%";
    });
    request.upload.addEventListener("load", function () {
      bar.removeAttribute("value");
      status.textContent = "上传完成，正在逐行检查…";
    });
    request.addEventListener("load", function () {
      if (request.responseURL && request.responseURL !== window.location.href) {
        window.location.href = request.responseURL;
      } else {
        document.open(); document.write(request.responseText); document.close();
      }
    });
    request.addEventListener("error", function () { status.textContent = "上传失败，请检查网络后重试。"; });
    form.querySelector("button[type=submit]").disabled = true;
    request.send(new FormData(form));
  });
})();
