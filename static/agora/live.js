// Live updates over /ws/ for signed-in pages (<body data-live="on">): the notification bell,
// new messages in the open thread, typing and read marks, and sending without a reload.
// Every page works without it: the bell and the inbox are plain links and forms.
(() => {
  const body = document.body;
  if (!body || body.dataset.live !== "on" || !("WebSocket" in window)) return;

  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/`;
  const PING_MS = 25000;
  const TYPING_MS = 3000;
  let socket = null;
  let retries = 0;
  let pingTimer = null;
  const pending = new Map(); // client_id -> the form that sent it
  const shown = new Set(); // ids of messages added to the open thread

  const thread = () => document.getElementById("thread");
  const messageList = () => document.getElementById("messages");

  function setUnread(count) {
    if (typeof count !== "number") return;
    for (const badge of document.querySelectorAll("#notification-bell [data-unread-count]")) {
      badge.dataset.unread = String(count);
      badge.textContent = count > 99 ? "99+" : String(count);
      badge.hidden = count === 0;
    }
    const bell = document.getElementById("notification-bell");
    if (bell) {
      bell.setAttribute(
        "aria-label",
        count ? `Notifications: ${count} unread` : "Notifications: none unread",
      );
    }
  }

  function announce(text) {
    const region = document.getElementById("live-announcer");
    if (region && text) region.textContent = text;
  }

  function isOpenThread(conversationId) {
    const open = thread();
    return open && open.dataset.conversationId === String(conversationId);
  }

  async function showMessage(message) {
    if (!isOpenThread(message.conversation_id)) {
      const row = document.querySelector(
        `[data-conversation-row="${message.conversation_id}"] [data-unread-count]`,
      );
      if (row) setBadge(row, Number(row.dataset.unread || 0) + 1);
      return;
    }
    const list = messageList();
    // The sender hears of its message twice (the ack and the broadcast): show it once.
    if (!list || shown.has(message.id)) return;
    if (list.querySelector(`[data-message-id="${message.id}"]`)) return;
    shown.add(message.id);
    const response = await fetch(
      `/messages/${message.conversation_id}/m/${message.id}/`,
      { headers: { "HX-Request": "true" }, credentials: "same-origin" },
    );
    if (!response.ok) {
      shown.delete(message.id);
      return;
    }
    const html = await response.text();
    list.querySelector(".empty-thread")?.remove();
    list.insertAdjacentHTML("beforeend", html);
    const typingStatus = document.getElementById("typing-status");
    if (typingStatus) typingStatus.textContent = "";
    list.lastElementChild?.scrollIntoView({ block: "nearest" });
    const me = Number(body.dataset.userId);
    if (message.sender?.id !== me) {
      announce(`New message from ${message.sender?.name || "someone"}`);
      if (document.visibilityState === "visible") {
        send({ type: "read", conversation_id: message.conversation_id, message_id: message.id });
      }
    }
  }

  function setBadge(badge, count) {
    badge.dataset.unread = String(count);
    badge.textContent = String(count);
    badge.hidden = count === 0;
  }

  function showTyping(frame) {
    if (!isOpenThread(frame.conversation_id)) return;
    const status = document.getElementById("typing-status");
    if (!status) return;
    status.textContent = `${frame.user?.name || "Someone"} is typing…`;
    clearTimeout(status._clear);
    status._clear = setTimeout(() => {
      status.textContent = "";
    }, TYPING_MS + 1000);
  }

  function showRead(frame) {
    if (!isOpenThread(frame.conversation_id)) return;
    const mark = document.getElementById("read-status");
    if (mark) mark.textContent = "Seen";
  }

  function acknowledged(frame) {
    const form = pending.get(frame.client_id);
    pending.delete(frame.client_id);
    if (form) {
      form.reset();
      form.querySelector("[name=body]")?.focus();
    }
    if (frame.message) showMessage(frame.message);
  }

  function refused(frame) {
    const form = pending.get(frame.client_id);
    pending.delete(frame.client_id);
    const error = form?.querySelector("[data-send-error]");
    if (error) {
      error.textContent = frame.message;
      error.hidden = false;
    }
  }

  // XP and badges: a short toast, and the figures of "My progress" when it is open.
  let toastTimer = null;
  function toast(text) {
    let element = document.getElementById("xp-toast");
    if (!element) {
      element = document.createElement("div");
      element.id = "xp-toast";
      element.className = "xp-toast";
      element.setAttribute("role", "status");
      document.body.appendChild(element);
    }
    element.textContent = text;
    element.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => {
      element.hidden = true;
    }, 5000);
  }

  function earned(frame) {
    toast(`+${frame.points} XP · ${frame.reason} · level ${frame.level}`);
    const xp = document.getElementById("my-xp");
    if (xp) xp.textContent = String(frame.xp);
    const level = document.getElementById("my-level");
    if (level) level.textContent = String(frame.level);
    const bar = document.getElementById("level-bar");
    const span = frame.next_level_xp - frame.level_xp;
    if (bar && span > 0) bar.value = Math.floor(((frame.xp - frame.level_xp) * 100) / span);
  }

  const handlers = {
    xp: earned,
    badge: (frame) => toast(`Badge earned: ${frame.badge?.name}`),
    ready: () => {
      retries = 0;
    },
    notification: (frame) => {
      setUnread(frame.unread);
      announce(frame.notification?.title);
    },
    "notification.read": (frame) => setUnread(frame.unread),
    message: (frame) => showMessage(frame.message),
    "message.ack": acknowledged,
    typing: showTyping,
    read: showRead,
    error: (frame) => {
      if (frame.client_id) refused(frame);
    },
  };

  function send(frame) {
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  function connect() {
    socket = new WebSocket(url);
    socket.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      handlers[frame.type]?.(frame);
    });
    socket.addEventListener("open", () => {
      clearInterval(pingTimer);
      pingTimer = setInterval(() => send({ type: "ping" }), PING_MS);
    });
    socket.addEventListener("close", (event) => {
      clearInterval(pingTimer);
      if (event.code === 4401) return; // signed out: the next page load starts again
      retries += 1;
      const wait = Math.min(30000, 1000 * 2 ** Math.min(retries, 5)) * (0.5 + Math.random());
      setTimeout(connect, wait);
    });
  }

  // Sending from the thread's form over the socket; without one the form posts as usual.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.matches("[data-live-send]")) return;
    const text = form.querySelector("[name=body]")?.value || "";
    const conversationId = thread()?.dataset.conversationId;
    if (!text.trim() || !conversationId) return;
    const clientId = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    const frame = {
      type: "message.send",
      conversation_id: Number(conversationId),
      body: text,
      client_id: clientId,
    };
    if (send(frame)) {
      event.preventDefault();
      pending.set(clientId, form);
      const error = form.querySelector("[data-send-error]");
      if (error) error.hidden = true;
    }
  });

  let lastTyping = 0;
  document.addEventListener("input", (event) => {
    if (!event.target.closest?.("[data-live-send]")) return;
    const conversationId = thread()?.dataset.conversationId;
    if (!conversationId || Date.now() - lastTyping < TYPING_MS) return;
    lastTyping = Date.now();
    send({ type: "typing", conversation_id: Number(conversationId) });
  });

  connect();
})();
