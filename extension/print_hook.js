// Runs in the page's own JavaScript world (a "world": "MAIN" content
// script) at document_start, before any page script. It replaces
// window.print so that a page's print button goes through Parapet:
// actions.js receives the request, asks the service worker and calls the
// browser's real print when the print is allowed.
//
// NOTE: page scripts share this world, so a page can get the unwrapped
// print from a new iframe and skip this check. The print style sheet of
// actions.js still hides the page then.

(() => {
  const CHANNEL = "parapet.print-hook";
  // Saved before page scripts run, so later changes to postMessage do not
  // reach the hook.
  const post = window.postMessage.bind(window);

  // Like the browser's print, it returns undefined; the dialog opens once
  // Parapet allowed the print.
  window.print = function print() {
    post({ channel: CHANNEL, kind: "print" }, "/");
  };
})();
