// Holds copy, cut, paste and print in protected apps until Parapet decides
// them, and shows Parapet's interactive prompts: step-up ("Confirm it's
// you"), warnings that need a justification, and access changes.
//
// Clipboard: capture listeners on window, registered at document_start
// before any page script, cancel the trusted copy, cut and paste events
// and ask the service worker (lib/page_actions.js). Events that page
// scripts dispatch are ignored, because they cannot touch the clipboard.
// An original clipboard event cannot be resumed after an asynchronous
// check, so an allowed action is redone:
//   - copy and cut: the saved selection is restored and
//     document.execCommand("copy" | "cut") runs again, which the
//     clipboardWrite permission allows without a fresh user gesture; the
//     page's own listeners see that second event.
//   - paste: the page gets a synthetic paste event with the same text.
//     Unless a page listener cancels it, document.execCommand("insertText")
//     inserts the text into the saved target and fires the usual
//     beforeinput and input events.
// NOTE: a selection or focus that the page changed during the check is
// restored from the saved copy, so the redone action uses what the user
// selected. Pastes that carry files are left to content.js.
//
// Print: keydown capture stops Ctrl+P and Cmd+P, and print_hook.js (in
// the page's world) turns window.print() into a request to this script.
// An allowed print calls the real window.print() of this isolated world.
// The browser's own menu cannot be stopped (beforeprint cannot be
// cancelled), so while a protected page has no allowed print pending, a
// print style sheet hides the page body and prints a note instead.
//
// The prompts use the <parapet-notice> element of content.js, with the
// decision in data-parapet-decision: "step_up", "confirmed", "warn",
// "block" or "access".

(() => {
  const HOST_TAG = "parapet-notice";
  const PROMPT_MESSAGE_TYPE = "parapet.prompt";
  const ACTION_MESSAGE_TYPE = "parapet.action";
  const JUSTIFICATION_MESSAGE_TYPE = "parapet.justification";
  const OPEN_STEP_UP_MESSAGE_TYPE = "parapet.stepup.open";
  const SCOPE_MESSAGE_TYPE = "parapet.upload.scope";
  const PRINT_CHANNEL = "parapet.print-hook";
  const DEFAULT_MESSAGE = "Your organization does not allow this action.";
  const CHECK_FAILED_MESSAGE = "Parapet could not check this action, so it was blocked. Reload the page and try again.";
  const PRINT_HIDDEN_NOTE = "Printing from this app goes through Parapet. Close this dialog and print with Ctrl+P (Cmd+P on a Mac) or the app's print button.";

  const STYLE = globalThis.PARAPET_NOTICE_STYLE;

  const TITLES = {
    block: "Blocked by your organization",
    warn: "Warning from your organization",
    step_up: "Confirm it's you",
    confirmed: "Confirmed — continuing",
    access: "Message from your organization",
  };

  function element(tag, className, text) {
    const node = document.createElement(tag);
    node.className = className;
    node.textContent = text;
    return node;
  }

  function button(text, className, onClick) {
    const node = element("button", className, text);
    node.type = "button";
    node.addEventListener("click", onClick);
    return node;
  }

  // Shows one notice and returns {host, box, close}. kind selects the
  // title and the colour. Every earlier notice goes, as in content.js.
  function render(kind, { message, reason = "", eventId = "", requestId = "" }) {
    for (const old of document.querySelectorAll(HOST_TAG)) {
      old.remove();
    }
    const host = document.createElement(HOST_TAG);
    host.setAttribute("data-parapet-decision", kind);
    host.setAttribute("data-parapet-event-id", eventId);
    if (requestId) {
      host.setAttribute("data-parapet-request-id", requestId);
    }
    const root = host.attachShadow({ mode: "closed" });
    const style = document.createElement("style");
    style.textContent = STYLE;
    const box = element("div", `notice ${kind}`, "");
    box.setAttribute("role", kind === "block" ? "alert" : "dialog");
    box.append(element("div", "title", TITLES[kind] ?? TITLES.block));
    if (message) {
      box.append(element("div", "message", message));
    }
    if (reason) {
      box.append(element("div", "reason", reason));
    }
    if (eventId) {
      box.append(element("div", "event", `Event ID: ${eventId}`));
    }
    root.append(style, box);
    (document.body ?? document.documentElement).append(host);
    return { host, box, close: () => host.remove() };
  }

  function showBlock(notice) {
    const shown = render("block", { message: notice?.message || DEFAULT_MESSAGE, reason: notice?.reason ?? "", eventId: notice?.event_id ?? "" });
    shown.box.append(button("Dismiss", "dismiss", shown.close));
  }

  // Shows the step-up prompt: its button asks the worker to open the
  // verdict's link, which the worker keeps, in a new tab.
  function showStepUp(prompt) {
    const shown = render("step_up", { message: prompt.message, reason: prompt.reason, eventId: prompt.event_id, requestId: prompt.request_id });
    shown.box.append(element("div", "message", "The action waits until you confirm it's you."));
    shown.box.append(button("Confirm it's you", "primary open-step-up", () => {
      chrome.runtime.sendMessage({ type: OPEN_STEP_UP_MESSAGE_TYPE, request_id: prompt.request_id }).catch(() => {
        // The worker restarted and lost the link. The final verdict still decides the action.
      });
    }));
  }

  function showConfirmed(prompt) {
    const current = document.querySelector(`${HOST_TAG}[data-parapet-decision="step_up"]`);
    if (current && current.getAttribute("data-parapet-request-id") !== prompt.request_id) {
      return;
    }
    const shown = render("confirmed", { message: "You confirmed it's you, so the action continues.", requestId: prompt.request_id });
    shown.box.append(button("Dismiss", "dismiss", shown.close));
  }

  function showAccess(prompt) {
    const until = prompt.until && !Number.isNaN(Date.parse(prompt.until)) ? ` Until ${new Date(prompt.until).toLocaleString()}.` : "";
    const shown = render("access", { message: `Your access changed: ${prompt.message}${until}` });
    shown.host.setAttribute("data-parapet-access-state", String(prompt.state));
    shown.box.append(button("Dismiss", "dismiss", shown.close));
  }

  // Shows a warning with a justification box. Resolves with the
  // justification when the user continues, or null when they cancel.
  function askJustification(notice) {
    return new Promise((resolve) => {
      const shown = render("warn", { message: notice?.message || DEFAULT_MESSAGE, reason: notice?.reason ?? "", eventId: notice?.event_id ?? "" });
      const label = element("label", "justification-label", "Why do you need to continue?");
      const text = document.createElement("textarea");
      text.className = "justification";
      text.maxLength = 1000;
      label.append(text);
      const proceed = button("Continue", "primary continue", () => {
        const justification = text.value.trim();
        if (justification !== "") {
          shown.close();
          resolve(justification);
        }
      });
      proceed.disabled = true;
      text.addEventListener("input", () => {
        proceed.disabled = text.value.trim() === "";
      });
      shown.box.append(label, proceed, button("Cancel", "cancel", () => {
        shown.close();
        resolve(null);
      }));
    });
  }

  function isPrompt(message) {
    return message !== null && typeof message === "object" && message.type === PROMPT_MESSAGE_TYPE &&
      ["step_up", "confirmed", "access"].includes(message.kind);
  }

  chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
    // Only the extension's own service worker sends prompts.
    if (sender.id !== chrome.runtime.id || sender.tab || !isPrompt(message)) {
      return false;
    }
    const text = (value) => (typeof value === "string" ? value : "");
    const prompt = {
      kind: message.kind, request_id: text(message.request_id), message: text(message.message), reason: text(message.reason),
      event_id: text(message.event_id), state: text(message.state), until: text(message.until),
    };
    if (prompt.kind === "step_up") {
      showStepUp(prompt);
    } else if (prompt.kind === "confirmed") {
      showConfirmed(prompt);
    } else {
      showAccess(prompt);
    }
    sendResponse({ shown: true });
    return false;
  });

  // ---- Scope ----

  // Whether this page is in a protected app: null until the worker
  // replies. Actions that arrive while it is null are held and decided.
  let protectedPage = null;
  function refreshScope() {
    chrome.runtime.sendMessage({ type: SCOPE_MESSAGE_TYPE }).then((reply) => {
      protectedPage = reply?.protected === true;
      updatePrintGuard();
    }, () => {
      // The worker is restarting, so the next action requests the scope again.
    });
  }
  refreshScope();

  // Resolves with {effect, request_id, notice} from the worker.
  async function decide(activity, text) {
    const message = { type: ACTION_MESSAGE_TYPE, activity };
    if (activity === "paste") {
      message.text = text;
    }
    try {
      const reply = await chrome.runtime.sendMessage(message);
      if (reply && ["proceed", "warn", "block"].includes(reply.effect)) {
        return reply;
      }
      return { effect: "block", request_id: "", notice: { message: CHECK_FAILED_MESSAGE, reason: String(reply?.error ?? "no reply from the extension"), event_id: "" } };
    } catch (err) {
      return { effect: "block", request_id: "", notice: { message: CHECK_FAILED_MESSAGE, reason: `the extension is not available: ${err.message}`, event_id: "" } };
    }
  }

  // Resolves with true when the action may happen: proceed, or warn and the
  // user gave a justification. Shows the block notice otherwise.
  async function allowed(activity, text) {
    const reply = await decide(activity, text);
    if (reply.effect === "proceed") {
      return true;
    }
    if (reply.effect === "block") {
      showBlock(reply.notice);
      return false;
    }
    const justification = await askJustification(reply.notice);
    if (justification === null) {
      return false;
    }
    chrome.runtime.sendMessage({ type: JUSTIFICATION_MESSAGE_TYPE, request_id: reply.request_id, activity, justification }).catch(() => {});
    return true;
  }

  // ---- Selection ----

  function deepActiveElement() {
    let active = document.activeElement;
    while (active?.shadowRoot?.activeElement) {
      active = active.shadowRoot.activeElement;
    }
    return active;
  }

  function isTextControl(node) {
    return (node instanceof HTMLTextAreaElement || node instanceof HTMLInputElement) && typeof node.selectionStart === "number";
  }

  function saveSelection() {
    const active = deepActiveElement();
    if (isTextControl(active)) {
      return { control: active, start: active.selectionStart, end: active.selectionEnd, direction: active.selectionDirection };
    }
    const selection = document.getSelection();
    const ranges = [];
    for (let i = 0; i < (selection?.rangeCount ?? 0); i++) {
      ranges.push(selection.getRangeAt(i).cloneRange());
    }
    return { active, ranges };
  }

  // Returns false when the saved target left the page.
  function restoreSelection(saved) {
    if (saved.control) {
      if (!saved.control.isConnected) {
        return false;
      }
      saved.control.focus({ preventScroll: true });
      saved.control.setSelectionRange(saved.start, saved.end, saved.direction ?? "none");
      return true;
    }
    if (saved.active && saved.active !== document.body && typeof saved.active.focus === "function") {
      if (!saved.active.isConnected) {
        return false;
      }
      saved.active.focus({ preventScroll: true });
    }
    const selection = document.getSelection();
    selection?.removeAllRanges();
    for (const range of saved.ranges) {
      selection?.addRange(range);
    }
    return true;
  }

  // ---- Clipboard ----

  // The clipboard event this script is about to cause itself, which the
  // listener lets through once.
  let passThrough = null;
  // One held action per kind: further ones while it waits are dropped.
  const holding = new Set();

  function onClipboard(event) {
    if (!event.isTrusted) {
      return;
    }
    if (passThrough === event.type) {
      passThrough = null;
      return;
    }
    if (event.type === "paste" && (event.clipboardData?.files.length ?? 0) > 0) {
      return; // content.js checks pastes of files
    }
    if (protectedPage === false) {
      refreshScope();
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    if (holding.has(event.type)) {
      return;
    }
    holding.add(event.type);
    const saved = saveSelection();
    const work = event.type === "paste" ? holdPaste(event, saved) : holdCopy(event.type, saved);
    work.finally(() => holding.delete(event.type));
  }

  async function holdCopy(activity, saved) {
    if (!(await allowed(activity, ""))) {
      return;
    }
    if (!restoreSelection(saved)) {
      return;
    }
    passThrough = activity;
    const done = document.execCommand(activity);
    passThrough = null;
    if (!done) {
      showBlock({ message: `Parapet allowed the ${activity}, but the browser did not carry it out. Select the text and try again.`, reason: "", event_id: "" });
    }
  }

  async function holdPaste(event, saved) {
    const target = event.composedPath()[0];
    const text = event.clipboardData?.getData("text/plain") ?? "";
    const html = event.clipboardData?.getData("text/html") ?? "";
    if (!(await allowed("paste", text))) {
      return;
    }
    if (!(target instanceof Node) || !target.isConnected || !restoreSelection(saved)) {
      return;
    }
    const data = new DataTransfer();
    data.setData("text/plain", text);
    if (html) {
      data.setData("text/html", html);
    }
    const replay = new ClipboardEvent("paste", { bubbles: true, cancelable: true, composed: true, clipboardData: data });
    // Untrusted, so onClipboard lets it pass to the page's listeners.
    target.dispatchEvent(replay);
    if (!replay.defaultPrevented && text !== "") {
      document.execCommand("insertText", false, text);
    }
  }

  window.addEventListener("copy", onClipboard, true);
  window.addEventListener("cut", onClipboard, true);
  window.addEventListener("paste", onClipboard, true);

  // ---- Print ----

  // True from an allowed print until the browser's afterprint.
  let printAllowed = false;
  let printStyle = null;

  // Keeps the print style sheet in the page while it is protected and no
  // allowed print is running.
  function updatePrintGuard() {
    const wanted = protectedPage === true && !printAllowed;
    if (wanted && !printStyle?.isConnected) {
      printStyle = document.createElement("style");
      printStyle.setAttribute("data-parapet", "print-guard");
      printStyle.textContent = `@media print {
        body { display: none !important; }
        html::after { content: ${JSON.stringify(PRINT_HIDDEN_NOTE)}; display: block; padding: 2cm; font: 14pt system-ui, sans-serif; }
      }`;
      (document.head ?? document.documentElement).append(printStyle);
    } else if (!wanted && printStyle) {
      printStyle.remove();
      printStyle = null;
    }
  }

  async function holdPrint() {
    if (holding.has("print")) {
      return;
    }
    holding.add("print");
    try {
      if (protectedPage !== false && !(await allowed("print", ""))) {
        return;
      }
      printAllowed = true;
      updatePrintGuard();
      window.print();
    } finally {
      holding.delete("print");
    }
  }

  window.addEventListener("keydown", (event) => {
    const isPrintKey = (event.key === "p" || event.key === "P") && (event.ctrlKey || event.metaKey) && !event.altKey;
    if (!event.isTrusted || !isPrintKey || protectedPage === false) {
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    holdPrint();
  }, true);

  window.addEventListener("afterprint", () => {
    printAllowed = false;
    updatePrintGuard();
  });

  // window.print() calls from the page, relayed by print_hook.js. They
  // carry nothing but the request, so they grant nothing but a check.
  window.addEventListener("message", (event) => {
    const data = event.data;
    if (event.source === window && data !== null && typeof data === "object" && data.channel === PRINT_CHANNEL && data.kind === "print") {
      holdPrint();
    }
  });
})();
