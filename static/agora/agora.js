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

// The header's search box: suggestions as one types come from the server (htmx); with an
// empty box it offers the recent searches of this browser. Arrow keys move through them,
// Escape or a click elsewhere closes them.
(() => {
  const RECENT_KEY = "agora.search.recent";
  const KEEP = 5;

  function recent() {
    try {
      const list = JSON.parse(window.localStorage.getItem(RECENT_KEY) || "[]");
      return Array.isArray(list) ? list.filter((item) => typeof item === "string") : [];
    } catch (error) {
      return [];
    }
  }

  function remember(query) {
    const words = query.trim().replace(/\s+/g, " ");
    if (!words) return;
    const list = [words, ...recent().filter((item) => item !== words)].slice(0, KEEP);
    try {
      window.localStorage.setItem(RECENT_KEY, JSON.stringify(list));
    } catch (error) {
      // storage refused: nothing is remembered
    }
  }

  function showRecent(box, action) {
    const list = recent();
    box.replaceChildren();
    if (!list.length) return;
    const panel = document.createElement("div");
    panel.className = "search-suggestions-box";
    panel.setAttribute("role", "region");
    panel.setAttribute("aria-label", "Recent searches");
    const heading = document.createElement("p");
    heading.className = "suggest-heading";
    heading.textContent = "Recent searches";
    const items = document.createElement("ul");
    items.setAttribute("role", "list");
    for (const query of list) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = `${action}?q=${encodeURIComponent(query)}`;
      link.textContent = query;
      item.append(link);
      items.append(item);
    }
    panel.append(heading, items);
    box.append(panel);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.querySelector(".site-search");
    const input = document.getElementById("site-search-q");
    const box = document.getElementById("search-suggestions");
    if (!form || !input || !box) return;
    const action = form.getAttribute("action") || "/courses/";
    const links = () => Array.from(box.querySelectorAll("a"));
    form.addEventListener("submit", () => remember(input.value));
    input.addEventListener("focus", () => {
      if (!input.value.trim()) showRecent(box, action);
    });
    input.addEventListener("input", () => {
      if (!input.value.trim()) showRecent(box, action);
    });
    form.addEventListener("keydown", (event) => {
      const all = links();
      const index = all.indexOf(document.activeElement);
      if (event.key === "Escape") {
        box.replaceChildren();
        input.focus();
      } else if (event.key === "ArrowDown" && all.length) {
        event.preventDefault();
        all[Math.min(index + 1, all.length - 1)].focus();
      } else if (event.key === "ArrowUp" && index >= 0) {
        event.preventDefault();
        if (index === 0) input.focus();
        else all[index - 1].focus();
      }
    });
    document.addEventListener("click", (event) => {
      if (!form.contains(event.target)) box.replaceChildren();
    });
    // A suggestion answered after the box was emptied is dropped.
    document.body.addEventListener("htmx:beforeSwap", (event) => {
      if (event.detail.target === box && !input.value.trim()) event.detail.shouldSwap = false;
    });
  });
})();
