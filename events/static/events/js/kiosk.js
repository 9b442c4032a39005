(function () {
  // Counts every few seconds; a new code as soon as the current window ends. On
  // failure warn and retry every 5 s.
  var COUNTS_EVERY_MS = 4000;
  var qr = document.getElementById("qr"), offline = document.getElementById("offline");
  var closed = document.getElementById("closed"), countdownLine = document.getElementById("countdown-line");
  var stateUrl = qr.dataset.stateUrl;
  var codeAt = Date.now() + Number(qr.dataset.refreshInMs);
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
      .then(function (state) { offline.hidden = true; show(state); schedule(Math.min(COUNTS_EVERY_MS, codeAt - Date.now())); })
      .catch(function () { offline.hidden = false; schedule(5000); });
  }
  setInterval(function () {
    document.getElementById("countdown").textContent = Math.max(0, Math.ceil((codeAt - Date.now()) / 1000));
  }, 250);
  window.addEventListener("online", refresh);
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
