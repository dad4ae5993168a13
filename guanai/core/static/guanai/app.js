// Small behaviours of the pages, kept out of the markup (the CSP allows no inline script).
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit")) {
    target.form.requestSubmit();
  }
});

// Fields that matter only for some answers (the disability category for a disabled child,
// the work place of a parent who is away) carry data-show-when="name=value|value"; their
// wrapper is hidden otherwise. A checkbox's value is "on" when ticked, "off" when not.
function controlValue(form, name) {
  const control = form.elements.namedItem(name);
  if (control instanceof HTMLInputElement && control.type === "checkbox") {
    return control.checked ? "on" : "off";
  }
  return control ? control.value : "";
}

function applyShowWhen(root) {
  root.querySelectorAll("[data-show-when]").forEach((element) => {
    const [name, values] = element.getAttribute("data-show-when").split("=");
    const wrapper = element.closest("[id^='f-']") || element;
    const shown = values.split("|").includes(controlValue(element.form, name));
    wrapper.classList.toggle("d-none", !shown);
  });
}

document.addEventListener("DOMContentLoaded", () => applyShowWhen(document));
document.addEventListener("change", () => applyShowWhen(document));
document.addEventListener("htmx:afterSettle", () => applyShowWhen(document));
