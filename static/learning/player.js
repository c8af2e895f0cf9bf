// The course player's video: resume where the learner stopped, report the position while
// playing (and on pause and when leaving), and mark the lesson complete when it ends.
(() => {
  const REPORT_EVERY_MS = 10000;

  function csrfToken() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
    return cookie ? decodeURIComponent(cookie.split("=")[1]) : "";
  }

  function setUp(video) {
    const url = video.dataset.positionUrl;
    // A note's link (?t=seconds) starts the video at the note's moment.
    const asked = new URLSearchParams(window.location.search).get("t");
    const saved = Number(asked !== null && /^\d+$/.test(asked) ? asked : video.dataset.position || 0);
    let lastReport = Date.now();
    let playing = false;

    video.addEventListener("loadedmetadata", () => {
      // Resume, unless the learner had reached the very end.
      if (saved > 0 && (!video.duration || saved < video.duration - 2)) {
        video.currentTime = saved;
      }
    });

    function report() {
      const now = Date.now();
      const spent = playing ? Math.round((now - lastReport) / 1000) : 0;
      lastReport = now;
      const body = new URLSearchParams({
        seconds: String(Math.floor(video.currentTime || 0)),
        spent_seconds: String(Math.max(0, spent)),
      });
      return fetch(url, {
        method: "POST",
        body,
        keepalive: true,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken() },
      }).catch(() => {});
    }

    video.addEventListener("play", () => {
      playing = true;
      lastReport = Date.now();
    });
    video.addEventListener("pause", () => {
      report();
      playing = false;
    });
    video.addEventListener("ended", () => {
      playing = false;
      report();
      const button = document.querySelector("#complete-form button[type=submit]");
      if (button) button.click();
    });
    setInterval(() => {
      if (playing) report();
    }, REPORT_EVERY_MS);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden" && playing) report();
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const video = document.getElementById("lesson-video");
    if (video && video.dataset.positionUrl) setUp(video);
  });

  // Notes: one taken during a video records the moment; clicking a note's time seeks there.
  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-note-form")) return;
      const video = document.getElementById("lesson-video");
      const field = form.querySelector("[data-note-seconds]");
      if (video && field) field.value = String(Math.floor(video.currentTime || 0));
    },
    true,
  );
  document.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest("[data-seek]") : null;
    const video = document.getElementById("lesson-video");
    if (!button || !video) return;
    video.currentTime = Number(button.dataset.seek);
    video.play().catch(() => {});
    video.scrollIntoView({ behavior: "smooth", block: "center" });
  });
})();
