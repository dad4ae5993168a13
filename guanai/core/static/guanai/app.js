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

// An ID number typed into the child search is looked up by POST (#child-find) when the
// search is submitted (Enter), so it never appears in a URL, the browser's history or a
// server log; while it is being typed, nothing is sent.
function looksLikeIdNumber(text) {
  const compact = text.normalize("NFKC").replace(/[\s-]/g, "");
  return /^\d{15}$/.test(compact) || /^\d{17}[\dXx]$/.test(compact) ? compact : "";
}

document.addEventListener("htmx:configRequest", (event) => {
  const params = event.detail.parameters;
  const query = String((params.get ? params.get("q") : params.q) || "");
  const idNumber = looksLikeIdNumber(query);
  if (!idNumber || event.detail.verb !== "get") return;
  event.preventDefault();
  const find = document.getElementById("child-find");
  const trigger = event.detail.triggeringEvent;
  if (find && trigger && trigger.type === "submit") {
    find.elements.namedItem("id_number").value = idNumber;
    find.submit();
  }
});

// <form data-confirm="…">: asks before an action that is hard to take back (undoing an import).
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form instanceof HTMLFormElement ? form.dataset.confirm : "";
  if (question && !window.confirm(question)) event.preventDefault();
});

// htmx leaves 4xx answers unswapped. Requests from an element marked data-show-errors show
// the server's refusal in its place: a 422 (what to correct, retargeted by the server), a
// 429 (wait) or a 403 (the page expired).
document.addEventListener("htmx:beforeSwap", (event) => {
  const status = event.detail.xhr.status;
  const element = event.detail.requestConfig && event.detail.requestConfig.elt;
  if ([403, 422, 429].includes(status) && element instanceof Element && element.closest("[data-show-errors]")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// Words typed for a reveal's reason mean 其他: tick it.
document.addEventListener("input", (event) => {
  const target = event.target;
  if (!(target instanceof HTMLInputElement) || target.name !== "reason_other") return;
  const other = target.form && target.form.querySelector("input[name=reason][value=other]");
  if (other && target.value.trim()) other.checked = true;
});
