// The code exercise editor: CodeMirror 6 (vendored, one ES module) over the plain textarea,
// which stays the form's field (kept in step with the editor) and the fallback without
// JavaScript. Run and Submit post the form with htmx; the results poll themselves.
const mount = document.getElementById("code-editor");
const textarea = document.getElementById("code-input");

async function start() {
  if (!mount || !textarea) return;
  const cm = await import(mount.dataset.codemirror);
  const language = mount.dataset.language === "javascript" ? cm.javascript() : cm.python();
  const view = new cm.EditorView({
    parent: mount,
    state: cm.EditorState.create({
      doc: textarea.value,
      extensions: [
        // CodeMirror writes its styles into a <style> element: the page's CSP nonce lets it.
        cm.EditorView.cspNonce.of(mount.dataset.cspNonce || ""),
        cm.basicSetup,
        cm.keymap.of([cm.indentWithTab]),
        language,
        cm.EditorView.contentAttributes.of({ "aria-label": "Your program" }),
        cm.EditorView.updateListener.of((update) => {
          if (update.docChanged) textarea.value = update.state.doc.toString();
        }),
      ],
    }),
  });
  textarea.hidden = true;
  mount.hidden = false;
  mount.editorView = view; // for tests and other scripts
  // Ctrl/Cmd+Enter runs the example tests from the editor.
  mount.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      document.getElementById("code-run-button")?.click();
    }
  });
}

start().catch(() => {
  // Without the editor the textarea still works.
  if (textarea) textarea.hidden = false;
});
