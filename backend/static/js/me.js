(function () {
  var box = document.getElementById("my-code"), offline = document.getElementById("my-code-offline");
  function refresh() {
    fetch(box.dataset.codeUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
      .then(function (code) { box.innerHTML = code.qr_svg; box.dataset.token = code.token; offline.hidden = true; setTimeout(refresh, 30000); })
      .catch(function () { offline.hidden = false; setTimeout(refresh, 5000); });
  }
  refresh();
})();
