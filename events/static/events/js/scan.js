(function () {
  var form = document.getElementById("typed");
  var scanUrl = form.dataset.scanUrl, csrf = form.dataset.csrf;
  var text = JSON.parse(document.getElementById("scan-messages").textContent);
  var action = "in", lastKey = "", lastAt = 0, pendingWalkIn = null;
  var results = document.getElementById("results");
  var panel = document.getElementById("panel"), panelName = document.getElementById("panel-name");
  var panelMessage = document.getElementById("panel-message"), walkIn = document.getElementById("walk-in");
  function setAction(value) {
    action = value;
    document.getElementById("mode-in").className = value === "in" ? "primary" : "secondary";
    document.getElementById("mode-out").className = value === "out" ? "primary" : "secondary";
    document.getElementById("code").focus();
  }
  document.getElementById("mode-in").onclick = function () { setAction("in"); };
  document.getElementById("mode-out").onclick = function () { setAction("out"); };

  var audio = null;
  function beep(ok) {
    // Like a ticket scanner: one high tone for yes, two low ones for no; a buzz where phones can.
    if (navigator.vibrate) navigator.vibrate(ok ? 120 : [200, 100, 200]);
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      [0, ok ? null : 0.25].forEach(function (delay) {
        if (delay === null) return;
        var tone = audio.createOscillator(), gain = audio.createGain();
        tone.frequency.value = ok ? 1320 : 330;
        gain.gain.value = 0.2;
        tone.connect(gain); gain.connect(audio.destination);
        tone.start(audio.currentTime + delay); tone.stop(audio.currentTime + delay + 0.18);
      });
    } catch (error) { /* no audio: the panel and the vibration remain */ }
  }
  function show(kind, name, message, answer) {
    panel.className = "panel " + kind;
    panel.dataset.kind = answer ? answer.kind : kind;
    panelName.textContent = name || "";
    panelMessage.textContent = message;
    walkIn.hidden = !(answer && answer.walk_in_offer);
    var risk = document.getElementById("walk-in-risk");
    risk.hidden = !(answer && answer.risk_notice);
    risk.textContent = answer && answer.risk_notice ? answer.risk_notice : "";
  }
  function report(ok, name, message) {
    var item = document.createElement("li");
    var left = document.createElement("span"), right = document.createElement("span");
    left.textContent = (name ? name + " " : "") + new Date().toLocaleTimeString("zh-CN", {hour12: false});
    right.textContent = message;
    item.className = ok ? "ok" : "refused";
    item.appendChild(left); item.appendChild(right);
    results.insertBefore(item, results.firstChild);
  }
  function submit(code, options) {
    code = code.trim();
    var key = code + " " + action;
    options = options || {};
    if (!code) return;
    // A camera sees the same code many times a second: it sends each code and action once
    // in a short while (the panel keeps showing its answer). A scanner or a typed code is
    // always sent, so a deliberate repeat is answered 「已签到（10:02）」, never dropped.
    if (options.camera && key === lastKey && Date.now() - lastAt < 3000) return;
    lastKey = key; lastAt = Date.now();
    var body = {volunteer_token: code, action: action};
    if (options.walkIn) body.walk_in = true;
    fetch(scanUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (answer) { return {status: response.status, answer: answer}; });
    }).then(function (reply) {
      var answer = reply.answer;
      if (answer.ok) {
        var repeat = answer.kind === "already_in" || answer.kind === "checked_out_again";
        show(repeat ? "repeat" : "ok", answer.name, answer.message, answer);
        beep(true);
      } else {
        show("refused", answer.name, answer.message || text.failed, answer);
        beep(false);
      }
      pendingWalkIn = answer.walk_in_offer ? code : null;
      report(answer.ok, answer.name, answer.message || text.failed);
    }).catch(function () { show("refused", "", text.offline); beep(false); });
  }
  document.getElementById("walk-in-button").onclick = function () {
    if (pendingWalkIn) submit(pendingWalkIn, {walkIn: true});
  };
  form.addEventListener("submit", function (event) {
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
            detector.detect(video).then(function (codes) { if (codes.length) submit(codes[0].rawValue, {camera: true}); });
          } else {
            canvas.width = video.videoWidth; canvas.height = video.videoHeight;
            context.drawImage(video, 0, 0);
            var found = jsQR(context.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height);
            if (found) submit(found.data, {camera: true});
          }
        }
        setTimeout(tick, 250);
      }
      tick();
    }).catch(function () { note.hidden = false; note.textContent = text.no_camera; });
  };
})();
