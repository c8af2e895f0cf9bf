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

// A form that asks before doing something destructive: <form data-confirm="Delete it?">.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset?.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});

// The browse page's filters: always open on wide screens, folded away on narrow ones so
// the results come first.
(() => {
  const narrow = window.matchMedia("(max-width: 768px)");
  const fold = () => {
    for (const panel of document.querySelectorAll("details[data-collapse-narrow]")) {
      panel.open = !narrow.matches;
    }
  };
  document.addEventListener("DOMContentLoaded", fold);
  narrow.addEventListener("change", fold);
})();

// Lesson previews open in a dialog once htmx has loaded them; closing it empties the dialog
// so that a playing video stops.
document.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail.target;
  if (target?.id === "preview-dialog-body") {
    const dialog = target.closest("dialog");
    if (dialog && !dialog.open) dialog.showModal();
  }
});
document.addEventListener(
  "close",
  (event) => {
    if (event.target.id === "preview-dialog") {
      event.target.querySelector("#preview-dialog-body")?.replaceChildren();
    }
  },
  true,
);

// After htmx swaps in a new page of results, put focus where the link asks (the results
// heading), since the link that had it is gone.
document.addEventListener("htmx:afterSettle", (event) => {
  const selector = event.detail.requestConfig?.elt?.dataset?.focusAfterSwap;
  if (selector) document.querySelector(selector)?.focus();
});

// "Copy link" buttons (course pages): the address goes to the clipboard, and a status line
// says so (or shows the address to copy by hand where the clipboard is not allowed).
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-copy-link]") : null;
  if (!button) return;
  const link = button.dataset.copyLink;
  const status = button.closest(".share-course")?.querySelector("[data-copy-status]");
  const say = (text) => {
    if (status) status.textContent = text;
  };
  if (!navigator.clipboard) {
    say(`Copy this address: ${link}`);
    return;
  }
  navigator.clipboard.writeText(link).then(
    () => say("Link copied."),
    () => say(`Copy this address: ${link}`),
  );
});
