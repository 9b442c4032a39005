(function () {
  var form = document.getElementById("typed");
  var scanUrl = form.dataset.scanUrl, csrf = form.dataset.csrf;
  var text = JSON.parse(document.getElementById("scan-messages").textContent);
  var action = "in", lastCode = "", lastAt = 0;
  var results = document.getElementById("results");
  function setAction(value) {
    action = value;
    document.getElementById("mode-in").className = value === "in" ? "primary" : "secondary";
    document.getElementById("mode-out").className = value === "out" ? "primary" : "secondary";
    document.getElementById("code").focus();
  }
  document.getElementById("mode-in").onclick = function () { setAction("in"); };
  document.getElementById("mode-out").onclick = function () { setAction("out"); };
  function mask(name) { return name ? name.charAt(0) + "*".repeat(Math.max(1, name.length - 1)) : "?"; }
  function report(ok, line) {
    var item = document.createElement("li");
    var left = document.createElement("span"), right = document.createElement("span");
    left.textContent = line[0]; right.textContent = line[1];
    item.className = ok ? "ok" : "refused";
    item.appendChild(left); item.appendChild(right);
    results.insertBefore(item, results.firstChild);
  }
  function submit(code) {
    code = code.trim();
    // A camera sees the same code many times a second: send it once.
    if (!code || (code === lastCode && Date.now() - lastAt < 5000)) return;
    lastCode = code; lastAt = Date.now();
    fetch(scanUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
      body: JSON.stringify({volunteer_token: code, action: action})
    }).then(function (response) {
      return response.json().then(function (body) { return {status: response.status, body: body}; });
    }).then(function (answer) {
      var time = new Date().toLocaleTimeString("zh-CN", {hour12: false});
      if (answer.status === 200 || answer.status === 201) {
        var done = action === "in" ? text.checked_in : text.checked_out + " " + answer.body.credited_hours + text.hours;
        report(true, [mask(answer.body.volunteer_name) + " " + time, done]);
      } else {
        report(false, [time, answer.body.detail || text.failed]);
      }
    }).catch(function () { report(false, ["", text.offline]); });
  }
  document.getElementById("typed").addEventListener("submit", function (event) {
    event.preventDefault();
    var field = document.getElementById("code");
    submit(field.value);
    field.value = "";
  });
  document.getElementById("camera-button").onclick = function () {
    var video = document.getElementById("video"), canvas = document.getElementById("canvas");
    var note = document.getElementById("camera-note");
    var detector = ("BarcodeDetector" in window) ? new BarcodeDetector({formats: ["qr_code"]}) : null;
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}}).then(function (stream) {
      video.srcObject = stream; video.hidden = false; video.play();
      var context = canvas.getContext("2d", {willReadFrequently: true});
      function tick() {
        if (video.readyState >= 2) {
          if (detector) {
            detector.detect(video).then(function (codes) { if (codes.length) submit(codes[0].rawValue); });
          } else {
            canvas.width = video.videoWidth; canvas.height = video.videoHeight;
            context.drawImage(video, 0, 0);
            var found = jsQR(context.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height);
            if (found) submit(found.data);
          }
        }
        setTimeout(tick, 250);
      }
      tick();
    }).catch(function () { note.hidden = false; note.textContent = text.no_camera; });
  };
})();
