// The studio's video upload: a resumable (tus) upload to /api/v1/uploads/ with a progress
// bar, pause and resume (also after a dropped connection or a reload: the browser remembers
// the upload and carries on from the last byte the server has). Once the whole file is
// there, the lesson's video is made from it and the page follows the processing bar.
// Without the tus client (or JavaScript) the form posts the file in one request.
(() => {
  const CHUNK_BYTES = 16 * 1024 * 1024; // unless the form names its own size
  const POLL_MS = 1500;

  function csrfToken(form) {
    const input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function megabytes(bytes) {
    return `${(bytes / 1048576).toFixed(1)} MB`;
  }

  function setUpUpload(form) {
    const tus = window.tus;
    if (!tus || !tus.isSupported) return; // the plain form still works
    const input = form.querySelector("input[type=file]");
    const box = document.getElementById("video-upload-progress");
    const bar = document.getElementById("video-upload-bar");
    const percent = box.querySelector("[data-upload-percent]");
    const bytes = box.querySelector("[data-upload-bytes]");
    const note = box.querySelector("[data-upload-note]");
    const start = document.getElementById("video-upload-start");
    const pause = document.getElementById("video-upload-pause");
    const resume = document.getElementById("video-upload-resume");
    let upload = null;

    function paused(isPaused) {
      pause.hidden = isPaused;
      resume.hidden = !isPaused;
    }

    function attach(uploadId) {
      note.textContent = "Uploaded. Starting to prepare the video…";
      const body = new URLSearchParams({ upload_id: uploadId });
      fetch(form.action, {
        method: "POST",
        body,
        redirect: "manual", // the page's reload shows the answer (and its message)
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(form) },
      })
        .then(() => window.location.assign(`${window.location.pathname}#lesson-media`))
        .then(() => window.location.reload())
        .catch(() => {
          note.textContent = "The upload is complete, but the page could not say so: reload.";
        });
    }

    form.addEventListener("submit", (event) => {
      const file = input.files && input.files[0];
      if (!file) return;
      event.preventDefault();
      box.hidden = false;
      start.disabled = true;
      input.disabled = true;
      note.textContent = "";
      upload = new tus.Upload(file, {
        endpoint: form.dataset.tusEndpoint,
        chunkSize: Number(form.dataset.chunkBytes) || CHUNK_BYTES,
        retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
        removeFingerprintOnSuccess: true,
        metadata: { filename: file.name, filetype: file.type },
        headers: { "X-CSRFToken": csrfToken(form) },
        onProgress(sent, total) {
          const share = total ? Math.floor((sent / total) * 100) : 0;
          bar.value = share;
          percent.textContent = String(share);
          bytes.textContent = `(${megabytes(sent)} of ${megabytes(total)})`;
        },
        onError(error) {
          paused(true);
          const response = error.originalResponse;
          let text = "The upload stopped. Choose Resume to carry on.";
          if (response) {
            try {
              text = JSON.parse(response.getBody()).error.message;
              resume.hidden = true;
              start.disabled = false;
              input.disabled = false;
            } catch (parseError) {
              // not one of our JSON errors: offer to resume
            }
          }
          note.textContent = text;
        },
        onSuccess() {
          pause.hidden = true;
          resume.hidden = true;
          attach(upload.url.split("/").pop());
        },
      });
      upload.findPreviousUploads().then((previous) => {
        if (previous.length) {
          upload.resumeFromPreviousUpload(previous[0]);
          note.textContent = "Carrying on from where the last try stopped.";
        }
        paused(false);
        upload.start();
      });
    });
    pause.addEventListener("click", () => {
      if (!upload) return;
      upload.abort();
      paused(true);
      note.textContent = "Paused.";
    });
    resume.addEventListener("click", () => {
      if (!upload) return;
      paused(false);
      note.textContent = "";
      upload.start();
    });
  }

  function followProcessing(box) {
    const bar = box.querySelector("progress");
    const percent = box.querySelector("[data-processing-percent]");
    const poll = () =>
      fetch(box.dataset.statusUrl, { credentials: "same-origin" })
        .then((response) => response.json())
        .then((state) => {
          bar.value = state.progress;
          percent.textContent = String(state.progress);
          if (state.status === "processing") window.setTimeout(poll, POLL_MS);
          else window.location.reload();
        })
        .catch(() => window.setTimeout(poll, POLL_MS * 4));
    window.setTimeout(poll, POLL_MS);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("video-upload-form");
    if (form) setUpUpload(form);
    const processing = document.getElementById("video-processing");
    if (processing) followProcessing(processing);
  });
})();
