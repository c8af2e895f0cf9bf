// The studio's curriculum builder and quiz editor. Loaded only on those pages, after
// Sortable (static/vendor/sortable); everything here also works without it from the
// keyboard, and the pages work without script through plain form posts.
(() => {
  "use strict";

  const csrfToken = () => document.querySelector("input[name=csrfmiddlewaretoken]")?.value || "";
  const statusBox = () => document.getElementById("reorder-status");

  function announce(text, isError = false) {
    const box = statusBox();
    if (!box) return;
    box.classList.toggle("reorder-status-error", isError);
    // Clearing first makes screen readers read the same sentence twice in a row.
    box.textContent = "";
    window.setTimeout(() => {
      box.textContent = text;
    }, 50);
  }

  const itemsOf = (list) => Array.from(list.children).filter((child) => child.dataset.id);
  const moveFormOf = (item) =>
    Array.from(item.querySelectorAll("form[data-move-form]")).find(
      (form) => form.closest("[data-id]") === item,
    );

  // After any move: number the modules again and enable the right arrows.
  function refresh(list) {
    const items = itemsOf(list);
    items.forEach((item, index) => {
      const number = item.querySelector(":scope > .module-head .module-number");
      if (number) number.textContent = `Module ${index + 1}:`;
      const form = moveFormOf(item);
      if (!form) return;
      form.querySelector("button[value=up]").disabled = index === 0;
      form.querySelector("button[value=down]").disabled = index === items.length - 1;
    });
  }

  async function saveOrder(list) {
    const body = new URLSearchParams();
    for (const item of itemsOf(list)) body.append("ids", item.dataset.id);
    const response = await fetch(list.dataset.orderUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken() },
      body,
      credentials: "same-origin",
    });
    if (!response.ok) throw new Error(`saving the order answered ${response.status}`);
  }

  async function commit(list, item) {
    refresh(list);
    const items = itemsOf(list);
    const position = items.indexOf(item) + 1;
    list.setAttribute("aria-busy", "true");
    try {
      await saveOrder(list);
      announce(`Moved “${item.dataset.title}” to position ${position} of ${items.length}.`);
    } catch (error) {
      announce("The new order could not be saved. Reload the page and try again.", true);
    } finally {
      list.removeAttribute("aria-busy");
    }
  }

  // Move up / Move down buttons: move in place instead of reloading the page.
  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-move-form]");
    if (!form) return;
    const item = form.closest("[data-id]");
    const list = item?.parentElement;
    if (!list?.dataset.orderUrl) return;
    event.preventDefault();
    const direction = event.submitter?.value;
    const items = itemsOf(list);
    const index = items.indexOf(item);
    const neighbour = direction === "up" ? items[index - 1] : items[index + 1];
    if (!neighbour) return;
    list.insertBefore(item, direction === "up" ? neighbour : neighbour.nextSibling);
    commit(list, item);
    // Moving the element took focus away from its button: give it back (or to the other
    // arrow when this one has reached the end).
    const pressed = form.querySelector(`button[value=${direction}]`);
    const other = form.querySelector(`button[value=${direction === "up" ? "down" : "up"}]`);
    (pressed.disabled ? other : pressed).focus();
  });

  // A module without lessons shows "No lessons yet." in its list.
  function showEmptyState(list) {
    const placeholder = list.querySelector(":scope > .lesson-empty");
    const empty = itemsOf(list).length === 0;
    if (empty && !placeholder) {
      const item = document.createElement("li");
      item.className = "lesson-empty muted";
      item.textContent = "No lessons yet.";
      list.appendChild(item);
    } else if (!empty && placeholder) {
      placeholder.remove();
    }
  }

  // A lesson dropped into another module: the server moves it there, at that position, and
  // numbers both modules' lessons again.
  async function moveAcross(from, to, item) {
    const items = itemsOf(to);
    const position = items.indexOf(item) + 1;
    const body = new URLSearchParams({ module: to.dataset.moduleId, position: String(position) });
    showEmptyState(from);
    showEmptyState(to);
    refresh(from);
    refresh(to);
    from.setAttribute("aria-busy", "true");
    to.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(item.dataset.moveToUrl, {
        method: "POST",
        headers: { "X-CSRFToken": csrfToken() },
        body,
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(`moving the lesson answered ${response.status}`);
      const module = to.closest("[data-id]")?.dataset.title || "the module";
      announce(`Moved “${item.dataset.title}” to “${module}”, position ${position} of ${items.length}.`);
    } catch (error) {
      announce("The lesson could not be moved. Reload the page and try again.", true);
    } finally {
      from.removeAttribute("aria-busy");
      to.removeAttribute("aria-busy");
    }
  }

  // Drag and drop by the handle. Lesson lists share a group, so a lesson can be dragged
  // from one module into another.
  function enableDragging() {
    if (!window.Sortable) return;
    for (const list of document.querySelectorAll("[data-sortable]")) {
      window.Sortable.create(list, {
        handle: list.dataset.handle,
        draggable: "[data-id]",
        group: list.dataset.group || undefined,
        animation: 150,
        ghostClass: "sortable-ghost",
        chosenClass: "sortable-chosen",
        onEnd: (event) => {
          if (event.from !== event.to) {
            moveAcross(event.from, event.to, event.item);
          } else if (event.oldDraggableIndex !== event.newDraggableIndex) {
            commit(list, event.item);
          }
        },
      });
    }
  }

  // The quiz editor's "Add a question": a copy of the empty form Django rendered into a
  // <template>, numbered like the formset expects.
  function enableAddQuestion() {
    const button = document.querySelector("[data-add-question]");
    const template = document.getElementById("question-template");
    const container = document.getElementById("question-forms");
    const total = document.querySelector("input[name=questions-TOTAL_FORMS]");
    if (!button || !template || !container || !total) return;
    button.hidden = false;
    button.addEventListener("click", () => {
      const index = Number(total.value);
      const html = template.innerHTML
        .replaceAll("__prefix__", String(index))
        .replaceAll("__number__", String(index + 1));
      container.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      container.lastElementChild?.querySelector("textarea, input")?.focus();
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    enableDragging();
    enableAddQuestion();
  });
})();
