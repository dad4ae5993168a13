// The record form: only the ways a kind of record can be done are offered (a parents'
// meeting is for contacting guardians, a parent–child contact is a call or a video call);
// the form's data-methods holds them by kind. The server checks the same rule.
function offerMethods(form) {
  const methods = JSON.parse(form.dataset.methods);
  const kind = form.elements.namedItem("kind").value;
  const allowed = methods[kind] || methods[""];
  let checked = null;
  form.querySelectorAll("[data-method]").forEach((option) => {
    const shown = allowed.includes(option.dataset.method);
    option.classList.toggle("d-none", !shown);
    const input = option.querySelector("input");
    if (!shown && input.checked) input.checked = false;
    if (input.checked) checked = input;
  });
  if (!checked) {
    const first = form.querySelector(`[data-method="${allowed[0]}"] input`);
    if (first) first.checked = true;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-methods]");
  if (!form) return;
  offerMethods(form);
  form.elements.namedItem("kind").addEventListener("change", () => offerMethods(form));
});
