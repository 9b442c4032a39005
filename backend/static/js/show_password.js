(function () {
  // 显示密码: a toggle button (aria-pressed) for the password fields it names in aria-controls.
  // Without JavaScript it stays hidden and the fields stay masked.
  Array.prototype.forEach.call(document.querySelectorAll("button[data-show-password]"), function (toggle) {
    var fields = toggle.getAttribute("aria-controls").split(" ").map(function (id) { return document.getElementById(id); });
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var show = toggle.getAttribute("aria-pressed") !== "true";
      toggle.setAttribute("aria-pressed", show ? "true" : "false");
      fields.forEach(function (input) { input.type = show ? "text" : "password"; });
    });
  });
})();
