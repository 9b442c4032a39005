(function () {
  var form = document.getElementById("typed");
  if (!form) return;
  var answerUrl = form.dataset.answerUrl, csrf = form.dataset.csrf;
  var text = JSON.parse(document.getElementById("shop-messages").textContent);
  var panel = document.getElementById("panel"), panelName = document.getElementById("panel-name");
  var panelMessage = document.getElementById("panel-message"), results = document.getElementById("results");
  var itemSelect = document.getElementById("item"), quantityField = document.getElementById("quantity");
  // The camera sees a code many times a second and the volunteer holds it up while the goods are
  // handed over: a code is sent once, and the camera sends again only after it has seen no code for
  // a moment (the next volunteer) or the keeper picks another item. Goods go per request.
  var armed = true, seenAt = 0, busy = false;

  function beep(ok) {
    if (navigator.vibrate) navigator.vibrate(ok ? 120 : [200, 100, 200]);
  }
  function show(ok, name, message) {
    panel.className = "panel " + (ok ? "ok" : "refused");
    panelName.textContent = name || "";
    panelMessage.textContent = message;
  }
  function report(name, message) {
    var item = document.createElement("li");
    var left = document.createElement("span"), right = document.createElement("span");
    left.textContent = new Date().toLocaleTimeString("zh-CN", {hour12: false}) + " " + (name || "");
    right.textContent = message;
    item.appendChild(left); item.appendChild(right);
    results.insertBefore(item, results.firstChild);
  }
  function updateStock(itemId, stock) {
    var option = itemSelect.querySelector('option[value="' + itemId + '"]');
    if (!option) return;
    option.dataset.stock = stock;
    option.textContent = option.dataset.label + " · " + text.in_stock.replace("%(stock)s", stock);
  }
  function submit(code) {
    code = code.trim();
    if (!code || busy) return false;
    if (!itemSelect.value) { show(false, "", text.pick_item); return false; }
    busy = true;
    var body = {item: parseInt(itemSelect.value, 10), quantity: parseInt(quantityField.value, 10) || 1, code: code};
    fetch(answerUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
      body: JSON.stringify(body)
    }).then(function (response) { return response.json(); }).then(function (answer) {
      busy = false;
      show(answer.ok, answer.name, answer.message || text.failed);
      beep(answer.ok);
      if (answer.ok) {
        updateStock(answer.item, answer.stock); report(answer.name, answer.message);
        // The next volunteer most often takes one: a quantity left at 3 would charge them for 3.
        quantityField.value = 1;
      }
    }).catch(function () { busy = false; show(false, "", text.offline); beep(false); });
    return true;
  }
  function seen(code) {
    var now = Date.now();
    if (!code) { if (now - seenAt > 1500) armed = true; return; }
    seenAt = now;
    if (armed && submit(code)) armed = false;
  }
  itemSelect.addEventListener("change", function () { armed = true; });
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
            detector.detect(video).then(function (codes) { seen(codes.length ? codes[0].rawValue : ""); });
          } else {
            canvas.width = video.videoWidth; canvas.height = video.videoHeight;
            context.drawImage(video, 0, 0);
            var found = jsQR(context.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height);
            seen(found ? found.data : "");
          }
        }
        setTimeout(tick, 250);
      }
      tick();
    }).catch(function () { note.hidden = false; note.textContent = text.no_camera; });
  };
})();
