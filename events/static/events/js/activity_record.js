// The activity record page: photos go up one request each, so that a phone's several
// photos together stay within the server's request size limit; then the form saves the
// summary. Without this script the form still uploads everything in one request.
(function () {
  "use strict";
  var form = document.getElementById("record-form");
  if (!form || !window.fetch || !window.FormData) return;
  var input = document.getElementById("id_photos");
  var progress = document.getElementById("upload-progress");
  var button = document.getElementById("save-record");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  function say(text) {
    progress.textContent = text;
  }

  function uploadOne(file) {
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrf);
    body.append("photos", file, file.name);
    return fetch(form.dataset.uploadUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, Accept: "application/json" },
    }).then(function (response) {
      return response.json().then(
        function (answer) {
          if (!response.ok) throw new Error(answer.message || answer.detail || form.dataset.failed);
        },
        function () {
          throw new Error(form.dataset.failed);
        }
      );
    });
  }

  form.addEventListener("submit", function (event) {
    var files = Array.prototype.slice.call(input.files || []);
    if (!files.length) return;
    event.preventDefault();
    button.disabled = true;
    var done = 0;
    var chain = Promise.resolve();
    files.forEach(function (file) {
      chain = chain.then(function () {
        say(form.dataset.uploading.replace("{done}", done + 1).replace("{total}", files.length));
        return uploadOne(file).then(function () {
          done += 1;
        });
      });
    });
    chain
      .then(function () {
        input.value = "";
        form.submit();
      })
      .catch(function (error) {
        say(error.message || form.dataset.failed);
        button.disabled = false;
        // What was uploaded stays; choosing the files again would add them twice.
        if (done) input.value = "";
      });
  });
})();
