// Shows Parapet's notices in the page and holds uploads until Parapet
// decides them.
//
// Notices: the service worker sends them with chrome.tabs.sendMessage, and
// upload verdicts carry them too. Each notice lives in a closed shadow root,
// so page scripts cannot reach its parts. Its styles are !important inside
// the shadow tree, and those beat every page rule on the host element.
//
// The DOM, for tests that look for it:
//   <parapet-notice data-parapet-decision="block" data-parapet-event-id="act-1">
//     #shadow-root (closed): title, message, fix, link, reason, "Event ID: act-1", Dismiss button
//   </parapet-notice>
//
// Uploads: capture listeners on window, registered at document_start before
// any page script, stop a file input's input and change events, and drop
// and paste events that carry files, before the page sees them. Each file
// goes to the service worker on its own port (lib/uploads.js describes the
// messages). When every file is allowed, the page gets the same files in a
// new event; when one is blocked, the page gets nothing and the notice
// shows. page_hook.js, in the page's world, asks this script to check files
// that reach fetch, XMLHttpRequest or sendBeacon through window.postMessage;
// those messages come from the page's world, so each one is validated and
// grants nothing but a check.

(() => {
  const NOTICE_MESSAGE_TYPE = "parapet.notice";
  const HOST_TAG = "parapet-notice";
  const DEFAULT_MESSAGE = "Your organization does not allow this action.";

  const STYLE = globalThis.PARAPET_NOTICE_STYLE;

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
    if (notice.fix) {
      box.append(element("div", "fix", notice.fix));
    }
    const link = httpURL(notice.link);
    if (link) {
      const anchor = element("a", "link", "More help");
      anchor.href = link;
      anchor.target = "_blank";
      anchor.rel = "noopener noreferrer";
      box.append(anchor);
    }
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

  // Returns url when it is an absolute http or https URL, else "".
  function httpURL(url) {
    if (typeof url !== "string" || url === "") {
      return "";
    }
    try {
      const parsed = new URL(url);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : "";
    } catch {
      return "";
    }
  }

  function isNotice(message) {
    return message !== null && typeof message === "object" && message.type === NOTICE_MESSAGE_TYPE &&
      ["decision", "message", "reason", "event_id"].every((key) => typeof message[key] === "string") &&
      ["fix", "link"].every((key) => message[key] === undefined || typeof message[key] === "string");
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

  // ---- Upload hold ----

  const UPLOAD_PORT_NAME = "parapet.upload";
  const SCOPE_MESSAGE_TYPE = "parapet.upload.scope";
  const PAGE_CHANNEL = "parapet.page-hook";
  const CHECK_FAILED_MESSAGE = "Parapet could not check this file, so the upload was blocked. Reload the page and try again.";
  // A file allowed on one path (such as the file input) passes page_hook.js
  // without a second check for this long.
  const ALLOWED_RETENTION_MS = 10 * 60_000;
  const MAX_PAGE_CHECKS_QUEUED = 32;
  const MAX_FILES_PER_PAGE_CHECK = 64;

  // Whether this page is in a protected app: null until the service worker
  // replies. Events that arrive while it is null are held, and the worker
  // lets them through at once when the page is not protected.
  let protectedPage = null;
  function refreshScope() {
    chrome.runtime.sendMessage({ type: SCOPE_MESSAGE_TYPE }).then((reply) => {
      protectedPage = reply?.protected === true;
    }, () => {
      // The worker is restarting; the next event asks again.
    });
  }
  refreshScope();

  // Events this script dispatched to hand files to the page. The page cannot
  // add to this set, so a listener lets an event through only once, and only
  // one of ours.
  const ownEvents = new WeakSet();
  function isOwnEvent(event) {
    if (ownEvents.has(event)) {
      ownEvents.delete(event);
      return true;
    }
    return false;
  }

  const allowedFiles = new Map();
  function fileKey(file) {
    return [file.name, file.size, file.type, file.lastModified].join("\u0000");
  }
  function rememberAllowed(files) {
    const now = Date.now();
    for (const [key, time] of allowedFiles) {
      if (now - time > ALLOWED_RETENTION_MS) {
        allowedFiles.delete(key);
      }
    }
    for (const file of files) {
      allowedFiles.set(fileKey(file), now);
    }
  }
  function recentlyAllowed(file) {
    const time = allowedFiles.get(fileKey(file));
    return time !== undefined && Date.now() - time <= ALLOWED_RETENTION_MS;
  }

  function bytesToBase64(bytes) {
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x2000) {
      binary += String.fromCharCode(...bytes.subarray(i, i + 0x2000));
    }
    return btoa(binary);
  }

  function checkFailed(reason) {
    return { effect: "block", notice: { type: NOTICE_MESSAGE_TYPE, decision: "block", message: CHECK_FAILED_MESSAGE, reason, event_id: "" } };
  }

  // Resolves with {effect: "proceed" | "block", notice} for one file. The
  // service worker reads the file through "read" requests on the port.
  function checkFile(file) {
    return new Promise((resolve) => {
      let port;
      try {
        port = chrome.runtime.connect({ name: UPLOAD_PORT_NAME });
      } catch (err) {
        resolve(checkFailed(`the extension is not available: ${err.message}`));
        return;
      }
      let decided = false;
      port.onMessage.addListener(async (message) => {
        if (message?.type === "read" && Number.isSafeInteger(message.offset) && Number.isSafeInteger(message.length) &&
          message.offset >= 0 && message.length > 0) {
          try {
            const buffer = await file.slice(message.offset, message.offset + message.length).arrayBuffer();
            port.postMessage({ type: "data", offset: message.offset, data: bytesToBase64(new Uint8Array(buffer)) });
          } catch (err) {
            port.postMessage({ type: "error", message: String(err?.message ?? err) });
          }
        } else if (message?.type === "verdict") {
          decided = true;
          const notice = isNotice(message.notice) ? message.notice : null;
          resolve({ effect: message.effect === "proceed" ? "proceed" : "block", notice });
        }
      });
      port.onDisconnect.addListener(() => {
        if (!decided) {
          decided = true;
          resolve(checkFailed("the extension closed the check before deciding"));
        }
      });
      port.postMessage({ type: "start", file: { name: file.name ?? "", size: file.size, mime_type: file.type ?? "" } });
    });
  }

  // Checks files one after another and stops at the first that is blocked.
  async function checkFiles(files) {
    let warning = null;
    for (const file of files) {
      const result = await checkFile(file);
      if (result.effect !== "proceed") {
        return result;
      }
      warning ??= result.notice;
    }
    rememberAllowed(files);
    return { effect: "proceed", notice: warning };
  }

  function report(result) {
    if (result.notice) {
      showNotice(result.notice);
    }
  }

  function transferOf(files, strings = []) {
    const transfer = new DataTransfer();
    for (const [type, data] of strings) {
      transfer.setData(type, data);
    }
    for (const file of files) {
      transfer.items.add(file);
    }
    return transfer;
  }

  function dispatchOwn(target, event) {
    ownEvents.add(event);
    target.dispatchEvent(event);
  }

  // File inputs: the browser fires input and then change. The first one
  // takes the files out of the input, so the page cannot read them while
  // the check runs, and the second joins the same hold.
  const inputHolds = new WeakMap();
  function onFileInputEvent(event) {
    if (isOwnEvent(event)) {
      return;
    }
    const input = event.composedPath()[0];
    if (!(input instanceof HTMLInputElement) || input.type !== "file") {
      return;
    }
    const current = inputHolds.get(input);
    const files = Array.from(input.files ?? []);
    if (current && files.length === 0) {
      event.stopImmediatePropagation();
      current.events.add(event.type);
      return;
    }
    if (files.length === 0) {
      return;
    }
    if (protectedPage === false) {
      refreshScope();
      return;
    }
    event.stopImmediatePropagation();
    input.value = "";
    const hold = { events: new Set([event.type]) };
    inputHolds.set(input, hold);
    checkFiles(files).then((result) => {
      if (inputHolds.get(input) !== hold) {
        return; // the user picked other files meanwhile
      }
      inputHolds.delete(input);
      report(result);
      if (result.effect !== "proceed") {
        return;
      }
      input.files = transferOf(files).files;
      if (hold.events.has("input")) {
        dispatchOwn(input, new Event("input", { bubbles: true, composed: true }));
      }
      dispatchOwn(input, new Event("change", { bubbles: true }));
    });
  }

  // Copies what a drag or clipboard event carries besides files, while the
  // event runs: afterwards the browser empties its DataTransfer.
  function stringsOf(transfer) {
    const strings = [];
    for (const type of transfer.types) {
      if (type !== "Files") {
        strings.push([type, transfer.getData(type)]);
      }
    }
    return strings;
  }

  function onDrop(event) {
    if (isOwnEvent(event) || !event.dataTransfer || event.dataTransfer.files.length === 0) {
      return;
    }
    if (protectedPage === false) {
      refreshScope();
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    const target = event.composedPath()[0];
    const files = Array.from(event.dataTransfer.files);
    const strings = stringsOf(event.dataTransfer);
    const effectAllowed = event.dataTransfer.effectAllowed;
    const init = {
      bubbles: true, cancelable: true, composed: true,
      clientX: event.clientX, clientY: event.clientY, screenX: event.screenX, screenY: event.screenY,
      ctrlKey: event.ctrlKey, shiftKey: event.shiftKey, altKey: event.altKey, metaKey: event.metaKey,
      button: event.button, buttons: event.buttons,
    };
    checkFiles(files).then((result) => {
      report(result);
      if (result.effect !== "proceed" || !target.isConnected) {
        return;
      }
      const transfer = transferOf(files, strings);
      transfer.effectAllowed = effectAllowed;
      dispatchOwn(target, new DragEvent("drop", { ...init, dataTransfer: transfer }));
    });
  }

  function onPaste(event) {
    if (isOwnEvent(event) || !event.clipboardData || event.clipboardData.files.length === 0) {
      return;
    }
    if (protectedPage === false) {
      refreshScope();
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    const target = event.composedPath()[0];
    const files = Array.from(event.clipboardData.files);
    const strings = stringsOf(event.clipboardData);
    checkFiles(files).then((result) => {
      report(result);
      if (result.effect !== "proceed" || !target.isConnected) {
        return;
      }
      const init = { bubbles: true, cancelable: true, composed: true, clipboardData: transferOf(files, strings) };
      dispatchOwn(target, new ClipboardEvent("paste", init));
    });
  }

  window.addEventListener("input", onFileInputEvent, true);
  window.addEventListener("change", onFileInputEvent, true);
  window.addEventListener("drop", onDrop, true);
  window.addEventListener("paste", onPaste, true);

  // Requests from page_hook.js: {channel, kind: "check", id, files}. The
  // reply {channel, kind: "result", id, effect} is visible to the page,
  // which already holds those files.
  let pageChecks = Promise.resolve();
  let pageChecksQueued = 0;
  function replyToPage(id, effect) {
    window.postMessage({ channel: PAGE_CHANNEL, kind: "result", id, effect }, "/");
  }
  function isPageCheck(data) {
    return data !== null && typeof data === "object" && data.channel === PAGE_CHANNEL && data.kind === "check" &&
      typeof data.id === "string" && /^[0-9a-f]{1,64}$/.test(data.id) && Array.isArray(data.files) &&
      data.files.length > 0 && data.files.length <= MAX_FILES_PER_PAGE_CHECK && data.files.every((file) => file instanceof File);
  }
  window.addEventListener("message", (event) => {
    if (event.source !== window || !isPageCheck(event.data)) {
      return;
    }
    const { id, files } = event.data;
    const unchecked = files.filter((file) => !recentlyAllowed(file));
    if (unchecked.length === 0 || protectedPage === false) {
      replyToPage(id, "proceed");
      return;
    }
    if (pageChecksQueued >= MAX_PAGE_CHECKS_QUEUED) {
      replyToPage(id, "block");
      return;
    }
    pageChecksQueued++;
    pageChecks = pageChecks.then(() => checkFiles(unchecked)).then((result) => {
      pageChecksQueued--;
      report(result);
      replyToPage(id, result.effect);
    });
  });
})();
