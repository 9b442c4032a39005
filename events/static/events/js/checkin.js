(function () {
  var form = document.getElementById("checkin-form");
  var button = document.getElementById("action-button");
  if (!form || !button || !button.dataset.needsPosition) return;
  // Ask for the position before sending; send anyway if it is refused so the server can explain.
  form.addEventListener("submit", function (event) {
    if (form.dataset.located) return;
    event.preventDefault();
    button.disabled = true;
    function send() { form.dataset.located = "1"; form.submit(); }
    if (!navigator.geolocation) return send();
    navigator.geolocation.getCurrentPosition(function (position) {
      document.getElementById("latitude").value = position.coords.latitude;
      document.getElementById("longitude").value = position.coords.longitude;
      send();
    }, send, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
  });
})();
