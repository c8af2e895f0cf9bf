// The course player's video: resume where the learner stopped, report the position while
// playing (and on pause and when leaving), and mark the lesson complete when it ends; then
// play the next lesson (unless turned off). Also: the transcript from the subtitles, theatre
// mode and keyboard shortcuts. Preferences stay in this browser (localStorage).
(() => {
  const REPORT_EVERY_MS = 10000;
  const AUTOPLAY_SECONDS = 5;
  const AUTOPLAY_KEY = "agora.player.autoplay";
  const THEATRE_KEY = "agora.player.theatre";
  const SPEED_KEY = "agora.player.speed";

  function stored(key) {
    try {
      return window.localStorage.getItem(key);
    } catch (error) {
      return null; // storage refused (private mode): defaults apply
    }
  }

  function store(key, value) {
    try {
      window.localStorage.setItem(key, value);
    } catch (error) {
      // nothing to do: the choice lasts for this page only
    }
  }

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
      playNextSoon();
    });
    setInterval(() => {
      if (playing) report();
    }, REPORT_EVERY_MS);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden" && playing) report();
    });
  }

  // --- the next lesson, after a short countdown that can be cancelled ----------------------
  let countdown = null;

  function playNextSoon() {
    const toggle = document.getElementById("autoplay-next");
    const next = document.querySelector("a[rel=next]");
    const note = document.getElementById("autoplay-note");
    if (!toggle || !toggle.checked || !next || !note) return;
    let left = AUTOPLAY_SECONDS;
    note.hidden = false;
    note.replaceChildren();
    const text = document.createElement("span");
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "link-button";
    cancel.textContent = "Cancel";
    cancel.addEventListener("click", () => {
      window.clearInterval(countdown);
      countdown = null;
      note.textContent = "The next lesson waits for you.";
    });
    note.append(text, " ", cancel);
    const tick = () => {
      text.textContent = `Next lesson in ${left} s.`;
      if (left === 0) {
        window.clearInterval(countdown);
        window.location.assign(next.href);
      }
      left -= 1;
    };
    tick();
    countdown = window.setInterval(tick, 1000);
  }

  function setUpAutoplay() {
    const toggle = document.getElementById("autoplay-next");
    if (!toggle) return;
    toggle.checked = stored(AUTOPLAY_KEY) !== "off";
    toggle.addEventListener("change", () => store(AUTOPLAY_KEY, toggle.checked ? "on" : "off"));
  }

  // --- the transcript: the subtitles' lines, each a button that plays from there -----------
  function setUpTranscript(video) {
    const list = document.getElementById("transcript-cues");
    const element = video.querySelector("track");
    if (!list || !element) return;
    const track = element.track;
    if (track.mode === "disabled") track.mode = "hidden"; // load the cues without showing them
    function build() {
      if (!track.cues || list.children.length) return;
      for (const cue of Array.from(track.cues)) {
        const item = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "transcript-cue";
        button.dataset.seek = String(cue.startTime);
        const time = document.createElement("span");
        time.className = "transcript-time";
        const whole = Math.floor(cue.startTime);
        time.textContent = `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
        button.append(time, " ", cue.text);
        item.append(button);
        list.append(item);
      }
    }
    element.addEventListener("load", build);
    build();
    track.addEventListener("cuechange", () => {
      const active = track.activeCues && track.activeCues[0];
      for (const button of list.querySelectorAll(".transcript-cue")) {
        const current = active && Number(button.dataset.seek) === active.startTime;
        if (current) button.setAttribute("aria-current", "true");
        else button.removeAttribute("aria-current");
      }
    });
  }

  // --- theatre mode: the curriculum steps aside -------------------------------------------
  function setTheatre(on) {
    const player = document.querySelector(".player");
    const button = document.getElementById("theatre-toggle");
    if (!player || !button) return;
    player.classList.toggle("is-theatre", on);
    button.setAttribute("aria-pressed", on ? "true" : "false");
    store(THEATRE_KEY, on ? "on" : "off");
  }

  // --- speed and full screen ---------------------------------------------------------------
  function setSpeed(video, rate) {
    const speed = Math.min(2, Math.max(0.5, Math.round(rate * 4) / 4));
    video.playbackRate = speed;
    store(SPEED_KEY, String(speed));
    const picker = document.getElementById("player-speed");
    if (picker) picker.value = String(speed);
  }

  function setUpSpeed(video) {
    const picker = document.getElementById("player-speed");
    const saved = Number(stored(SPEED_KEY));
    if (saved) setSpeed(video, saved);
    // A new source (the stream attaching) resets the rate: keep the learner's choice.
    video.addEventListener("loadedmetadata", () => {
      const rate = Number(stored(SPEED_KEY));
      if (rate) video.playbackRate = rate;
    });
    if (picker) picker.addEventListener("change", () => setSpeed(video, Number(picker.value)));
  }

  function toggleFullscreen() {
    // The frame, not the bare video, goes full screen: the watermark stays over the picture.
    const frame = document.getElementById("video-frame");
    if (!frame) return;
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    else if (frame.requestFullscreen) frame.requestFullscreen().catch(() => {});
  }

  // --- keyboard shortcuts (not while typing) ----------------------------------------------
  function typing(target) {
    return (
      target instanceof HTMLElement &&
      (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))
    );
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const video = document.getElementById("lesson-video");
    const go = (selector) => {
      const link = document.querySelector(selector);
      if (link) window.location.assign(link.href);
    };
    const actions = {
      k: () => video && (video.paused ? video.play().catch(() => {}) : video.pause()),
      j: () => video && (video.currentTime = Math.max(0, video.currentTime - 10)),
      l: () => video && (video.currentTime = Math.min(video.duration || 0, video.currentTime + 10)),
      m: () => video && (video.muted = !video.muted),
      f: () => toggleFullscreen(),
      "<": () => video && setSpeed(video, video.playbackRate - 0.25),
      ">": () => video && setSpeed(video, video.playbackRate + 0.25),
      c: () => {
        const track = video && video.textTracks[0];
        if (track) track.mode = track.mode === "showing" ? "hidden" : "showing";
      },
      t: () => setTheatre(!document.querySelector(".player.is-theatre")),
      n: () => go("a[rel=next]"),
      p: () => go("a[rel=prev]"),
      "?": () => {
        const help = document.getElementById("player-shortcuts");
        if (help) help.open = !help.open;
      },
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const video = document.getElementById("lesson-video");
    if (video && video.dataset.positionUrl) setUp(video);
    if (video) setUpTranscript(video);
    if (video) setUpSpeed(video);
    const fullscreen = document.getElementById("fullscreen-toggle");
    if (fullscreen) fullscreen.addEventListener("click", toggleFullscreen);
    setUpAutoplay();
    const theatre = document.getElementById("theatre-toggle");
    if (theatre) {
      setTheatre(stored(THEATRE_KEY) === "on");
      theatre.addEventListener("click", () =>
        setTheatre(theatre.getAttribute("aria-pressed") !== "true"),
      );
    }
    if (document.querySelector(".player")) document.addEventListener("keydown", onKey);
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
