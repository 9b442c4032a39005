(function () {
  // Fetch a fresh code when the current window ends; on failure warn and retry every 5 s.
  var qr = document.getElementById("qr"), offline = document.getElementById("offline");
  var stateUrl = qr.dataset.stateUrl;
  var nextAt = Date.now() + Number(qr.dataset.refreshInMs);
  function show(state) {
    qr.innerHTML = state.qr_svg;
    qr.dataset.url = state.url;
    document.getElementById("count-signed-up").textContent = state.counts.signed_up;
    document.getElementById("count-checked-in").textContent = state.counts.checked_in;
    document.getElementById("count-checked-out").textContent = state.counts.checked_out;
    document.getElementById("closed").hidden = state.is_open;
    nextAt = Date.now() + state.refresh_in_ms;
  }
  function refresh() {
    fetch(stateUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}, redirect: "error"})
      .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
      .then(function (state) { offline.hidden = true; show(state); schedule(); })
      .catch(function () { offline.hidden = false; nextAt = Date.now() + 5000; schedule(); });
  }
  var timer;
  function schedule() { clearTimeout(timer); timer = setTimeout(refresh, Math.max(0, nextAt - Date.now())); }
  setInterval(function () {
    document.getElementById("countdown").textContent = Math.max(0, Math.ceil((nextAt - Date.now()) / 1000));
  }, 250);
  window.addEventListener("online", refresh);
  schedule();
})();
