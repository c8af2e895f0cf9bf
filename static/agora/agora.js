// Agora's small progressive enhancements. Loaded as a file: the CSP allows no inline script.
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (token) event.detail.headers["X-CSRFToken"] = token.value;
});

// A form that came back with errors: move focus to its error summary (or, without one, to
// the first invalid field) so keyboard and screen-reader users land on the problem.
document.addEventListener("DOMContentLoaded", () => {
  const target =
    document.querySelector("[data-focus-on-load]") ||
    document.querySelector("form [aria-invalid=true]");
  if (target) target.focus();
});

// Close the account menu with Escape or a click elsewhere, like a native menu would.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  for (const menu of document.querySelectorAll("details.dropdown[open]")) {
    menu.open = false;
    menu.querySelector("summary")?.focus();
  }
});
document.addEventListener("click", (event) => {
  for (const menu of document.querySelectorAll("details.dropdown[open]")) {
    if (!menu.contains(event.target)) menu.open = false;
  }
});
