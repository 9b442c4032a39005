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

  // The document first: its number's hint, and the birth date and gender where the number does not state them.
  var idType = document.getElementById("id_id_type");
  var idNumber = document.getElementById("id_id_number");
  var holder = document.getElementById("holder-facts");
  var birthDate = document.getElementById("id_birth_date");
  var hint = document.getElementById("id-number-hint");
  function chosen() { return idType.options[idType.selectedIndex]; }
  function selfDescribing() { return chosen().dataset.selfDescribing === "1"; }

  // The guardian's section only for minors, from the birth date in the number or as typed.
  var guardian = document.getElementById("guardian");
  function birth() {
    if (selfDescribing()) {
      var match = /^\d{6}(\d{4})(\d{2})(\d{2})\d{3}[\dXx]$/.exec(idNumber.value.trim());
      return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : null;
    }
    var typed = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDate.value);
    return typed ? [Number(typed[1]), Number(typed[2]), Number(typed[3])] : null;
  }
  function age() {
    var date = birth();
    if (!date) return null;
    var today = new Date(), years = today.getFullYear() - date[0];
    if (today.getMonth() + 1 < date[1] || (today.getMonth() + 1 === date[1] && today.getDate() < date[2])) years -= 1;
    return years;
  }
  // What the number states, shown under it, so the holder sees what is taken from it.
  var facts = document.getElementById("id-number-facts");
  function genderOfNumber() {
    var match = /^\d{16}(\d)[\dXx]$/.exec(idNumber.value.trim());
    return match ? (Number(match[1]) % 2 ? facts.dataset.male : facts.dataset.female) : null;
  }
  function showFacts() {
    var date = selfDescribing() ? birth() : null;
    var valid = date && date[1] >= 1 && date[1] <= 12 && date[2] >= 1 && date[2] <= 31;
    facts.hidden = !valid;
    if (!valid) return;
    var iso = date[0] + "-" + String(date[1]).padStart(2, "0") + "-" + String(date[2]).padStart(2, "0");
    facts.textContent = facts.dataset.template.replace("{date}", iso).replace("{gender}", genderOfNumber());
  }
  function update() {
    holder.hidden = selfDescribing();
    hint.textContent = chosen().dataset.hint;
    showFacts();
    if (!guardian) return;
    var years = age();
    var hasValues = Array.prototype.some.call(guardian.querySelectorAll("input[type=text], input[type=tel]"), function (input) { return input.value; });
    guardian.hidden = !(hasValues || guardian.querySelector(".errorlist") || (years !== null && years < 18));
  }
  idType.addEventListener("change", update);
  idNumber.addEventListener("input", update);
  birthDate.addEventListener("input", update);
  birthDate.addEventListener("change", update);
  update();
})();
