// Adaptive streaming for lesson videos: a <video data-hls="signed master playlist"> plays
// through the vendored hls.js where the browser has Media Source Extensions, and natively
// where it plays HLS itself (Safari). A quality picker ([data-quality-for=<video id>]) lists
// the renditions; a watermark (.video-watermark) with the viewer's email moves over the
// picture now and then to discourage screen recording.
(() => {
  const WATERMARK_MOVE_MS = 7000;

  function message(video, text) {
    const note = document.querySelector(`[data-stream-note-for="${video.id}"]`);
    if (!note) return;
    note.textContent = text;
    note.hidden = false;
  }

  function fillQualities(picker, levels, choose) {
    picker.replaceChildren();
    const auto = document.createElement("option");
    auto.value = "-1";
    auto.textContent = "Auto";
    picker.append(auto);
    levels
      .map((level, index) => ({ index, height: level.height }))
      .sort((a, b) => b.height - a.height)
      .forEach(({ index, height }) => {
        const option = document.createElement("option");
        option.value = String(index);
        option.textContent = `${height}p`;
        picker.append(option);
      });
    picker.disabled = false;
    picker.addEventListener("change", () => choose(Number(picker.value)));
  }

  function attach(video) {
    const source = video.dataset.hls;
    const picker = document.querySelector(`[data-quality-for="${video.id}"]`);
    const Hls = window.Hls;
    if (Hls && Hls.isSupported()) {
      // No worker: the page's Content-Security-Policy allows scripts from this site only.
      // No WebVTT renditions: the page's own <track> shows the subtitles (and feeds the
      // transcript); the playlist's copy, there for native HLS, would show every line twice.
      const hls = new Hls({ enableWorker: false, capLevelToPlayerSize: true, enableWebVTT: false });
      let recovered = false;
      hls.on(Hls.Events.MANIFEST_PARSED, () => {
        video.dataset.streamReady = "true";
        if (picker) fillQualities(picker, hls.levels, (level) => (hls.currentLevel = level));
      });
      hls.on(Hls.Events.ERROR, (_event, data) => {
        if (!data.fatal) return;
        if (data.type === Hls.ErrorTypes.MEDIA_ERROR && !recovered) {
          recovered = true;
          hls.recoverMediaError();
          return;
        }
        const expired = data.response && [403, 404].includes(data.response.code);
        message(
          video,
          expired
            ? "The video link has expired: reload the page to keep watching."
            : "The video could not be loaded: check your connection and reload the page.",
        );
      });
      hls.loadSource(source);
      hls.attachMedia(video);
      video.hls = hls;
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = source; // Safari: native HLS picks the quality itself
      video.dataset.streamReady = "true";
      if (picker) picker.closest("label").hidden = true;
    } else {
      message(video, "This browser cannot play streaming video: try a current browser.");
    }
  }

  function moveWatermark(mark) {
    const frame = mark.parentElement;
    if (!frame) return;
    const room = (total, used) => Math.max(0, total - used - 16);
    const left = 8 + Math.random() * room(frame.clientWidth, mark.offsetWidth);
    const top = 8 + Math.random() * room(frame.clientHeight, mark.offsetHeight);
    mark.style.transform = `translate(${Math.round(left)}px, ${Math.round(top)}px)`;
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("video[data-hls]").forEach(attach);
    document.querySelectorAll(".video-watermark").forEach((mark) => {
      moveWatermark(mark);
      window.setInterval(() => moveWatermark(mark), WATERMARK_MOVE_MS);
    });
  });
})();
