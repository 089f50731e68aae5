/* Copy buttons: <button data-copy-target="input-id" data-copied-text="Copied" data-failed-text="...">.
   One listener on the document, so rows swapped in by htmx work too; loading the script again
   (a boosted page change) does not add a second listener.
   A button with data-copy-report="URL" also tells the server, once per page, that it was used
   (a tracking link's button: the first-run checklist counts the copy). */
(function () {
  if (window.affCopyButtons) return;
  window.affCopyButtons = true;

  function legacyCopy(input) {
    // Pages served over plain http have no navigator.clipboard.
    input.focus();
    input.select();
    input.setSelectionRange(0, input.value.length);
    try {
      return document.execCommand("copy");
    } catch (e) {
      return false;
    }
  }

  function show(button, text) {
    var status = button.parentNode.querySelector("[data-copy-status]");
    if (!button.dataset.label) button.dataset.label = button.textContent;
    button.textContent = text;
    if (status) status.textContent = text;
    clearTimeout(button.copyTimer);
    button.copyTimer = setTimeout(function () {
      button.textContent = button.dataset.label;
      if (status) status.textContent = "";
    }, 2000);
  }

  function report(button) {
    var url = button.dataset.copyReport;
    if (!url || button.dataset.copyReported) return;
    button.dataset.copyReported = "yes";
    var token = document.querySelector('meta[name="csrf-token"]');
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"X-CSRFToken": token ? token.content : ""}
    }).catch(function () {
      // Not recorded this time: the next click tries again.
      delete button.dataset.copyReported;
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) return;
    var input = document.getElementById(button.dataset.copyTarget);
    if (!input) return;
    report(button);
    var copied = button.dataset.copiedText || "Copied";
    var failed = button.dataset.failedText || "Press Ctrl+C to copy";
    var fallback = function () {
      if (legacyCopy(input)) {
        show(button, copied);
      } else {
        input.select();
        show(button, failed);
      }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(function () { show(button, copied); }, fallback);
    } else {
      fallback();
    }
  });
})();
