(function () {
  // County → township → village: each list shows only the children of the choice above.
  var center = document.getElementById("id_center");
  var institute = document.getElementById("id_institute");
  var station = document.getElementById("id_home_station");
  function narrow(select, parentId) {
    Array.prototype.forEach.call(select.options, function (option) {
      if (!option.value) return;
      var show = !parentId || option.dataset.parent === parentId;
      option.hidden = !show; option.disabled = !show;
      if (!show && option.selected) select.value = "";
    });
  }
  function parentOf(select) {
    var option = select.options[select.selectedIndex];
    return option && option.dataset.parent;
  }
  // Coming back with an error: set the upper lists from the chosen station.
  if (station.value) {
    institute.value = parentOf(station) || "";
    center.value = parentOf(institute) || "";
  }
  narrow(institute, center.value);
  narrow(station, institute.value);
  center.addEventListener("change", function () { narrow(institute, center.value); narrow(station, institute.value); });
  institute.addEventListener("change", function () { narrow(station, institute.value); });

  // The guardian's section only for minors, from the birth date in the ID number.
  var guardian = document.getElementById("guardian");
  var idNumber = document.getElementById("id_id_number");
  if (!guardian) return;
  function age() {
    var match = /^\d{6}(\d{4})(\d{2})(\d{2})\d{3}[\dXx]$/.exec(idNumber.value.trim());
    if (!match) return null;
    var today = new Date(), years = today.getFullYear() - Number(match[1]);
    if (today.getMonth() + 1 < Number(match[2]) || (today.getMonth() + 1 === Number(match[2]) && today.getDate() < Number(match[3]))) years -= 1;
    return years;
  }
  function update() {
    var years = age();
    var hasValues = Array.prototype.some.call(guardian.querySelectorAll("input[type=text], input[type=tel]"), function (input) { return input.value; });
    guardian.hidden = !(hasValues || guardian.querySelector(".errorlist") || (years !== null && years < 18));
  }
  idNumber.addEventListener("input", update);
  update();
})();
