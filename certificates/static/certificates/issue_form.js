// The certificate form: choosing another volunteer reloads the form with that volunteer's
// units and events (the server narrows the choices and checks them again on submit).
document.addEventListener("DOMContentLoaded", () => {
  const select = document.getElementById("id_volunteer");
  if (!select) return;
  select.addEventListener("change", () => {
    const url = new URL(window.location.href);
    if (select.value) url.searchParams.set("volunteer", select.value);
    else url.searchParams.delete("volunteer");
    window.location.assign(url.toString());
  });
});
