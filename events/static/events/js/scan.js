(function () {
  var form = document.getElementById("typed");
  var scanUrl = form.dataset.scanUrl, csrf = form.dataset.csrf;
  var text = JSON.parse(document.getElementById("scan-messages").textContent);
  var config = JSON.parse(document.getElementById("scanner-config").textContent);
  var action = "in", lastKey = "", lastAt = 0, pendingWalkIn = null;
  var results = document.getElementById("results");
  var panel = document.getElementById("panel"), panelName = document.getElementById("panel-name");
  var panelMessage = document.getElementById("panel-message"), walkIn = document.getElementById("walk-in");
  var modeLine = document.getElementById("offline-status"), packLine = document.getElementById("pack-status");
  var registerForm = document.getElementById("register"), prepareButton = document.getElementById("prepare-button");
  var scanner = window.ScannerOffline(config, csrf), store = window.ScannerStore;
  var offline = false, uploading = false;

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (all, name) { return values[name]; });
  }
  function hhmm(when) {
    return new Date(when).toLocaleTimeString("zh-CN", {hour12: false, hour: "2-digit", minute: "2-digit"});
  }
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
  function report(kind, name, message, at) {
    var item = document.createElement("li");
    var left = document.createElement("span"), right = document.createElement("span");
    left.textContent = (name ? name + " " : "") + (at ? hhmm(at) : new Date().toLocaleTimeString("zh-CN", {hour12: false}));
    right.textContent = message;
    item.className = kind;
    item.appendChild(left); item.appendChild(right);
    results.insertBefore(item, results.firstChild);
  }

  // The mode line: plain words on whether scans go to the server now or wait on this phone.
  function refreshStatus() {
    return store.queued().then(function (queue) {
      var walkIns = queue.filter(function (scan) { return scan.walk_in; }).length;
      var line = "";
      if (offline) line = format(text.offline_mode, {count: queue.length});
      else if (uploading) line = format(text.uploading, {count: queue.length});
      else if (queue.length) line = format(text.waiting, {count: queue.length});
      if (line && walkIns) line += format(text.with_walk_ins, {count: walkIns});
      modeLine.textContent = line;
      modeLine.className = offline ? "offline" : "";
      modeLine.hidden = !line;
    });
  }
  function showPack() {
    if (!scanner.pack) { packLine.textContent = ""; return; }
    packLine.textContent = format(text.ready_offline, {signups: scanner.pack.signups.length, time: hhmm(scanner.downloadedAt)});
    var clock = document.getElementById("clock-warning");
    clock.hidden = !scanner.clockOff();
    clock.textContent = format(text.clock_off, {minutes: Math.round(Math.abs(scanner.offset) / 60000)});
  }
  function goOffline() {
    offline = true;
    refreshStatus();
  }
  function goOnline() {
    offline = false;
    refreshStatus();
  }
  function wiped() {
    scanner.wipe().then(function () {
      registerForm.hidden = true; prepareButton.hidden = true;
      packLine.textContent = text.revoked;
      show("refused", "", text.revoked);
      refreshStatus();
    });
  }
  function refused(reply) {
    var detail = reply.answer && (reply.answer.detail || Object.values(reply.answer).join(" "));
    packLine.textContent = format(text.refused, {detail: detail || reply.status});
    if (reply.status === 401 || reply.status === 403) document.getElementById("login-link").hidden = false;
  }

  var preparing = false;
  function prepare() {
    if (preparing) return Promise.resolve();
    if (!scanner.device) {
      registerForm.hidden = !config.units.length;
      document.getElementById("managers-only").hidden = !!config.units.length;
      return Promise.resolve();
    }
    packLine.textContent = text.preparing;
    preparing = true;
    return scanner.download().then(function (reply) {
      preparing = false;
      if (reply.status === 410) return wiped();
      if (reply.status !== 200) {
        refused(reply);
        // Registering anew while scans wait would send them as another device's: upload them first.
        return store.count().then(function (waiting) { registerForm.hidden = !config.units.length || waiting > 0; });
      }
      registerForm.hidden = true; prepareButton.hidden = false;
      showPack();
      return store.count().then(function (waiting) { if (waiting) upload(); else goOnline(); });
    }, function () { preparing = false; showPack(); goOffline(); });
  }
  registerForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var unit = +document.getElementById("device-unit").value, name = document.getElementById("device-name").value;
    scanner.register(unit, name).then(function (reply) {
      if (reply.status === 201) return prepare();
      refused(reply);
      return null;
    }, function () { packLine.textContent = text.no_network; });
  });
  prepareButton.onclick = function () { pausedUntil = 0; prepare(); };

  function uploaded(results) {
    results.forEach(function (result) {
      var scan = result.scan, at = result.scanned_at || scan.device_time, message;
      if (result.outcome === "conflict") message = format(text.review, {reason: result.reason_text || result.reason});
      else if (result.outcome === "applied") message = format(scan.action === "in" ? text.checked_in : text.checked_out, {time: hhmm(at)});
      else if (result.outcome === "no_effect") message = text.no_effect;
      else message = text.stored;
      report(result.outcome === "conflict" ? "refused" : "ok", result.name || scan.name, message, at);
    });
  }
  // After a refusal (logged out, a scan the server cannot take) the probe retries only now and then;
  // logging in again or a tap on the button retries at once.
  var pausedUntil = 0;
  function upload() {
    if (uploading || !scanner.device || Date.now() < pausedUntil) return Promise.resolve();
    uploading = true;
    refreshStatus();
    return scanner.upload(uploaded).then(function (reply) {
      uploading = false;
      if (reply.status === 410) return wiped();
      if (reply.status !== 200) {
        pausedUntil = Date.now() + 300000;
        refused(reply);
        return refreshStatus();
      }
      return goOnline();
    }, function () { uploading = false; goOffline(); });
  }
  // Back online: the browser's "online" event is the fast path; the probe catches a network that
  // came back without it (or a server that was down), and retries what the server refused for now.
  function probe() {
    if (!navigator.onLine || uploading || preparing) return;
    store.count().then(function (waiting) {
      if (waiting) return upload();
      if (!offline) return null;
      if (!scanner.device) return goOnline();  // nothing to judge offline with: the next scan tries the server
      return scanner.ping().then(function (reply) {
        if (reply.status === 410) return wiped();
        return reply.status === 200 ? prepare() : null;
      }, function () { /* still offline */ });
    });
  }
  window.addEventListener("online", probe);
  window.addEventListener("offline", goOffline);
  setInterval(probe, 10000);

  function name(verdict) {
    return verdict.name || (verdict.volunteer ? format(text.volunteer_no, {id: verdict.volunteer}) : "");
  }
  // Judged here, without the server, and queued. While anything is queued, scans made online
  // queue too, behind it: the server builds attendance from scans in order, and a check-out sent
  // online ahead of the queued check-in it follows would be refused as "not checked in".
  function scanOffline(code, options, queue) {
    return scanner.judge(code, action, !!options.walkIn, queue).then(function (verdict) {
      if (!verdict.ok) {
        var answer = {kind: verdict.kind, walk_in_offer: verdict.walk_in_offer, risk_notice: verdict.walk_in_offer ? config.risk_notice : ""};
        var message = text.refusals[verdict.kind] || text.failed;
        show("refused", name(verdict), message, answer);
        pendingWalkIn = verdict.walk_in_offer ? code : null;
        report("refused", name(verdict), message);
        beep(false);
        return null;
      }
      return scanner.enqueue(code, action, verdict).then(function (scan) {
        var repeat = action === "in" && queue.some(function (other) {
          return other.action === "in" && other.event === scan.event && other.volunteer === scan.volunteer;
        });
        var message = format(repeat ? text.queued_again : text.queued, {time: hhmm(scan.device_time)});
        show(repeat ? "repeat" : "ok", name(verdict), message, {kind: "queued"});
        report("ok", name(verdict), message);
        beep(true);
        pendingWalkIn = null;
        return refreshStatus().then(function () { if (!offline) upload(); });
      });
    });
  }
  function scanOnline(code, options) {
    var body = {volunteer_token: code, action: action};
    if (options.walkIn) body.walk_in = true;
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, config.timeout_ms);
    return fetch(scanUrl, {
      method: "POST", credentials: "same-origin", signal: controller.signal,
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
      body: JSON.stringify(body)
    }).then(function (response) {
      clearTimeout(timer);
      if (response.status >= 500) throw new Error("server unavailable");
      // Not JSON is the login page after the session ended: judged offline, uploaded after logging in.
      return response.json();
    }).then(function (answer) {
      if (answer.ok) {
        var repeat = answer.kind === "already_in" || answer.kind === "checked_out_again";
        show(repeat ? "repeat" : "ok", answer.name, answer.message, answer);
        beep(true);
      } else {
        show("refused", answer.name, answer.message || text.failed, answer);
        beep(false);
      }
      pendingWalkIn = answer.walk_in_offer ? code : null;
      report(answer.ok ? "ok" : "refused", answer.name, answer.message || text.failed);
    });
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
    store.queued().then(function (queue) {
      if (queue.length || (offline && scanner.pack)) return scanOffline(code, options, queue);
      // A request that fails or outlasts the timeout switches to offline, and this scan is judged
      // offline. Had it reached the server after all, the queued copy of it changes nothing: a
      // second check-in has no effect, a second check-out moves the time by the seconds between.
      return scanOnline(code, options).catch(function () {
        goOffline();
        return scanOffline(code, options, queue);
      });
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

  // The page keeps itself and its files for offline use: the worker serves them when the network
  // does not answer. The first visit stores the page itself (no worker controls it yet).
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(config.urls.worker, {scope: "/events/"}).catch(function () { /* not installable: still scans online */ });
    if (navigator.onLine && !navigator.serviceWorker.controller && window.caches) {
      caches.open(config.pages_cache).then(function (cache) { return cache.add(location.pathname); }).catch(function () { /* kept on the next visit */ });
    }
  }
  scanner.load().then(function () {
    showPack();
    refreshStatus();
    if (navigator.onLine) prepare(); else goOffline();
  });
})();
