// Shows Parapet's notices in the page. The service worker sends them with
// chrome.tabs.sendMessage. Each notice lives in a closed shadow root, so page
// scripts cannot reach its parts. Its styles are !important inside the
// shadow tree, and those beat every page rule on the host element.
//
// The DOM, for tests that look for it:
//   <parapet-notice data-parapet-decision="block" data-parapet-event-id="act-1">
//     #shadow-root (closed): title, message, reason, "Event ID: act-1", Dismiss button
//   </parapet-notice>

(() => {
  const NOTICE_MESSAGE_TYPE = "parapet.notice";
  const HOST_TAG = "parapet-notice";
  const DEFAULT_MESSAGE = "Your organization does not allow this action.";

  const STYLE = `
    :host {
      all: initial !important;
      display: block !important;
      position: fixed !important;
      top: 16px !important;
      right: 16px !important;
      left: auto !important;
      bottom: auto !important;
      z-index: 2147483647 !important;
      width: 380px !important;
      max-width: calc(100vw - 32px) !important;
      margin: 0 !important;
      padding: 0 !important;
      opacity: 1 !important;
      visibility: visible !important;
      transform: none !important;
      filter: none !important;
      clip-path: none !important;
      pointer-events: auto !important;
    }
    .notice {
      all: initial;
      display: block;
      box-sizing: border-box;
      padding: 16px 18px;
      border-left: 6px solid #b3261e;
      border-radius: 8px;
      background: #ffffff;
      color: #1f1f1f;
      box-shadow: 0 6px 24px rgba(0, 0, 0, 0.25);
      font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
    }
    .notice.warn { border-left-color: #b26a00; }
    .title { all: initial; display: block; margin: 0 0 8px; font: 600 16px/1.3 system-ui, sans-serif; color: #1f1f1f; }
    .message, .reason, .event { all: initial; display: block; margin: 0 0 6px; font: inherit; color: inherit; white-space: pre-wrap; overflow-wrap: anywhere; }
    .reason, .event { font-size: 12px; color: #5f5f5f; }
    .event { font-family: ui-monospace, Menlo, Consolas, monospace; }
    button {
      all: initial;
      display: inline-block;
      margin-top: 8px;
      padding: 6px 14px;
      border-radius: 4px;
      background: #1f1f1f;
      color: #ffffff;
      font: 600 13px/1.2 system-ui, sans-serif;
      cursor: pointer;
    }
    button:focus-visible { outline: 2px solid #0b57d0; outline-offset: 2px; }
  `;

  function element(tag, className, text) {
    const node = document.createElement(tag);
    node.className = className;
    node.textContent = text;
    return node;
  }

  function titleFor(decision) {
    return decision === "warn" ? "Warning from your organization" : "Blocked by your organization";
  }

  function showNotice(notice) {
    for (const old of document.querySelectorAll(HOST_TAG)) {
      old.remove();
    }
    const host = document.createElement(HOST_TAG);
    host.setAttribute("data-parapet-decision", notice.decision);
    host.setAttribute("data-parapet-event-id", notice.event_id);
    const root = host.attachShadow({ mode: "closed" });

    const style = document.createElement("style");
    style.textContent = STYLE;
    const box = element("div", notice.decision === "warn" ? "notice warn" : "notice", "");
    box.setAttribute("role", "alert");
    box.append(element("div", "title", titleFor(notice.decision)));
    box.append(element("div", "message", notice.message || DEFAULT_MESSAGE));
    if (notice.reason) {
      box.append(element("div", "reason", notice.reason));
    }
    if (notice.event_id) {
      box.append(element("div", "event", `Event ID: ${notice.event_id}`));
    }
    const dismiss = element("button", "dismiss", "Dismiss");
    dismiss.type = "button";
    dismiss.addEventListener("click", () => host.remove());
    box.append(dismiss);
    root.append(style, box);

    // At document_start the body may not exist yet, but the root element does.
    (document.body ?? document.documentElement).append(host);
  }

  function isNotice(message) {
    return message !== null && typeof message === "object" && message.type === NOTICE_MESSAGE_TYPE &&
      ["decision", "message", "reason", "event_id"].every((key) => typeof message[key] === "string");
  }

  chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
    // Only the extension's own service worker may show a notice. Messages
    // from other extensions arrive on onMessageExternal, but the check keeps
    // that true even if the manifest gains externally_connectable.
    if (sender.id !== chrome.runtime.id || sender.tab || !isNotice(message)) {
      return false;
    }
    showNotice(message);
    sendResponse({ shown: true });
    return false;
  });
})();
