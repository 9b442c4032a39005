(function () {
  // Counts every few seconds; a new code as soon as the current window ends. On
  // failure retry every 5 s and, meanwhile, make the event's codes here (below).
  var COUNTS_EVERY_MS = 4000;
  var qr = document.getElementById("qr"), offline = document.getElementById("offline");
  var retrying = document.getElementById("offline-retrying"), offlineCodes = document.getElementById("offline-codes");
  var closed = document.getElementById("closed"), countdownLine = document.getElementById("countdown-line");
  var stateUrl = qr.dataset.stateUrl;
  var codeAt = Date.now() + Number(qr.dataset.refreshInMs);

  // Offline codes. The server hands this screen an HMAC key that signs this event's codes only
  // (events.checkin_codes.make_kiosk_code); with it the screen keeps showing a valid code for
  // the current window while the network is down. Phones still need their own network to open
  // the code. The key stays in this page's memory only.
  var material = null, signingKey = null, clockOffsetMs = 0, reachable = true;
  function b64url(bytes) {
    var text = "";
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function unb64url(text) {
    var raw = atob(text.replace(/-/g, "+").replace(/_/g, "/")), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }
  function loadMaterial() {
    if (signingKey || !(window.crypto && crypto.subtle) || !qr.dataset.keyUrl) return;
    var asked = Date.now();
    fetch(qr.dataset.keyUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}, redirect: "error", cache: "no-store"})
      .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
      .then(function (body) {
        // Server clock minus ours, taken at the middle of the round trip: a code of the wrong window is refused.
        clockOffsetMs = body.server_time_ms - (asked + Date.now()) / 2;
        material = body;
        return crypto.subtle.importKey("raw", unb64url(body.key), {name: "HMAC", hash: "SHA-256"}, false, ["sign"]);
      })
      .then(function (key) { signingKey = key; })
      .catch(function () { /* offline already, or not allowed: the screen only warns, as before */ });
  }
  function openNow(now) {
    var span = material.open[qr.dataset.action];
    return Boolean(span) && Date.parse(span[0]) <= now && now <= Date.parse(span[1]);
  }
  function showOfflineCode() {
    if (!signingKey) return;
    var now = Date.now() + clockOffsetMs, windowMs = material.window_seconds * 1000;
    var windowNumber = Math.floor(now / windowMs);
    if (!openNow(now)) {
      retrying.hidden = false;
      offlineCodes.hidden = true;
      qr.hidden = true;
      countdownLine.hidden = true;
      return;
    }
    var body = "K1." + material.event + "." + qr.dataset.action + "." + windowNumber;
    crypto.subtle.sign("HMAC", signingKey, new TextEncoder().encode(body)).then(function (signature) {
      var url = material.checkin_url + body + "." + b64url(new Uint8Array(signature));
      if (reachable) return;
      retrying.hidden = true;
      offlineCodes.hidden = false;
      if (url === qr.dataset.url) return;
      var code = qrcode(0, "M");
      code.addData(url);
      code.make();
      qr.innerHTML = code.createSvgTag({cellSize: 10, margin: 20, scalable: true});
      qr.dataset.url = url;
      qr.hidden = false;
      countdownLine.hidden = false;
      closed.hidden = true;
    });
    codeAt = (windowNumber + 1) * windowMs - clockOffsetMs;
  }
  function show(state) {
    if (state.url !== qr.dataset.url) {
      qr.innerHTML = state.qr_svg;
      qr.dataset.url = state.url;
    }
    qr.hidden = !state.is_open;
    countdownLine.hidden = !state.is_open;
    closed.hidden = state.is_open;
    closed.textContent = state.closed_text;
    document.getElementById("count-signed-up").textContent = state.counts.signed_up;
    document.getElementById("count-checked-in").textContent = state.counts.checked_in;
    document.getElementById("count-checked-out").textContent = state.counts.checked_out;
    codeAt = Date.now() + state.refresh_in_ms;
  }
  var timer;
  function schedule(delay) { clearTimeout(timer); timer = setTimeout(refresh, Math.max(0, delay)); }
  function refresh() {
    fetch(stateUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}, redirect: "error", cache: "no-store"})
      .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
      .then(function (state) {
        reachable = true;
        offline.hidden = true;
        retrying.hidden = false;
        offlineCodes.hidden = true;
        show(state);
        schedule(Math.min(COUNTS_EVERY_MS, codeAt - Date.now()));
        loadMaterial();
      })
      .catch(function () {
        reachable = false;
        offline.hidden = false;
        showOfflineCode();
        schedule(Math.min(5000, Math.max(250, codeAt - Date.now())));
      });
  }
  setInterval(function () {
    document.getElementById("countdown").textContent = Math.max(0, Math.ceil((codeAt - Date.now()) / 1000));
  }, 250);
  window.addEventListener("online", refresh);
  loadMaterial();
  schedule(Math.min(COUNTS_EVERY_MS, codeAt - Date.now()));

  // Keep the venue screen awake where the browser allows it (Screen Wake Lock API).
  var lock = null;
  function keepAwake() {
    if (!("wakeLock" in navigator)) { document.getElementById("wake-note").hidden = false; return; }
    if (document.visibilityState !== "visible" || lock) return;
    navigator.wakeLock.request("screen").then(function (sentinel) {
      lock = sentinel;
      lock.addEventListener("release", function () { lock = null; });
    }).catch(function () { /* refused (battery saver, no gesture yet): try again on the next visit */ });
  }
  document.addEventListener("visibilitychange", keepAwake);
  document.addEventListener("click", keepAwake);
  keepAwake();

  document.getElementById("fullscreen").addEventListener("click", function () {
    var page = document.documentElement;
    if (document.fullscreenElement) document.exitFullscreen();
    else if (page.requestFullscreen) page.requestFullscreen().catch(function () {});
  });
})();
