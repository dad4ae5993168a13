// The review queue: a box that ticks or clears every entry of the page (data-check-all).
document.addEventListener("change", (event) => {
  const box = event.target;
  if (!(box instanceof HTMLInputElement) || !box.dataset.checkAll) return;
  document.querySelectorAll(`input[name="${box.dataset.checkAll}"]`).forEach((entry) => {
    entry.checked = box.checked;
  });
  document.querySelectorAll("[data-check-all]").forEach((other) => {
    other.checked = box.checked;
  });
});
