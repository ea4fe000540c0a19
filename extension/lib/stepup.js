// Step-up: a verdict with decision step_up is not final. The action stays
// held, and the tab shows a "Confirm it's you" prompt whose button opens
// the verdict's link (the server's step-up page) in a new tab. The server
// sends a second verdict for the same request_id once the user passed,
// failed or let the step-up expire.
//
// Prompts go to content scripts as {type: PROMPT_MESSAGE_TYPE, kind, …}:
//   kind "step_up"    request_id, message, reason, event_id (the button)
//   kind "confirmed"  request_id (the step-up passed, the action continues)
//   kind "warn"       request_id, message, reason, event_id (see actions.js)
//   kind "access"     state, message, until (an access.changed)
// A content script asks for the step-up page with
// {type: OPEN_STEP_UP_MESSAGE_TYPE, request_id}; the worker opens only a
// link it received in a verdict for that tab.

export const PROMPT_MESSAGE_TYPE = "parapet.prompt";
export const OPEN_STEP_UP_MESSAGE_TYPE = "parapet.stepup.open";
// The server keeps a step-up pending for 2 minutes by default (stepup.Registry
// Timeout). The extension waits a little longer for the final verdict, so
// the server's decision, not this timer, normally ends the hold.
export const STEP_UP_TIMEOUT_MS = 130_000;
export const STEP_UP_TITLE = "Confirm it's you";
export const DEFAULT_STEP_UP_MESSAGE = "Your organization asks you to confirm it's you before this action continues.";

/** Returns the prompt for a step_up verdict body. */
export function stepUpPrompt(requestId, verdict) {
  return {
    type: PROMPT_MESSAGE_TYPE,
    kind: "step_up",
    request_id: requestId,
    message: verdict.message || DEFAULT_STEP_UP_MESSAGE,
    reason: verdict.reason ?? "",
    event_id: verdict.event_id ?? "",
  };
}

/** Returns the prompt that replaces a step-up prompt once the step-up passed. */
export function confirmedPrompt(requestId) {
  return { type: PROMPT_MESSAGE_TYPE, kind: "confirmed", request_id: requestId };
}

/**
 * Returns the block verdict body for an action whose step-up got no final
 * verdict in time. noun names the action, such as "download".
 */
export function stepUpTimeoutVerdict(noun, cause) {
  return {
    decision: "block",
    message: `You did not confirm it's you in time, so the ${noun} was blocked. Try it again.`,
    reason: `no final verdict after the step-up prompt (${cause})`,
    event_id: "",
    policy_ids: [],
  };
}

/**
 * The step-up links of held actions, by request id, so that the worker
 * opens a link only for the tab that shows its prompt.
 */
export class StepUpLinks {
  constructor({ chrome, log = console }) {
    this.chrome = chrome;
    this.log = log;
    this.links = new Map();
  }

  /** Records the link of a step_up verdict for tabId. */
  add(requestId, tabId, link) {
    if (isHTTPURL(link)) {
      this.links.set(requestId, { tabId, link });
    } else {
      this.log.warn(`parapet: the step_up verdict for ${requestId} has no http(s) link, so the prompt cannot open the step-up page`);
    }
  }

  /** Forgets the link once the action is decided. */
  delete(requestId) {
    this.links.delete(requestId);
  }

  /** Reports whether a prompt for requestId can open a page. */
  has(requestId) {
    return this.links.has(requestId);
  }

  /**
   * Handles OPEN_STEP_UP_MESSAGE_TYPE from a content script: opens the
   * link in a new tab next to the sender's. Returns whether it opened one.
   */
  async open(message, sender) {
    const entry = this.links.get(message?.request_id);
    if (!entry || sender?.id !== this.chrome.runtime.id || sender.tab?.id !== entry.tabId) {
      this.log.warn(`parapet: ignoring a request to open a step-up page for ${String(message?.request_id).slice(0, 64)}`);
      return false;
    }
    await this.chrome.tabs.create({ url: entry.link, openerTabId: entry.tabId, index: (sender.tab.index ?? -1) + 1 });
    return true;
  }
}

function isHTTPURL(value) {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

/**
 * Sends an action.request through bridge and resolves with the final
 * verdict message. A step_up verdict shows its prompt in tabId and extends
 * the wait to STEP_UP_TIMEOUT_MS; a later step_up verdict for the same
 * request is shown again. Resolves with {verdict, steppedUp} or rejects
 * like Bridge.request. prompts has show(tabId, prompt).
 */
export async function requestWithStepUp({ bridge, links, prompts, body, timeoutMs, tabId, stepUpTimeoutMs = STEP_UP_TIMEOUT_MS }) {
  let steppedUp = false;
  let requestId = "";
  const onStepUp = (message) => {
    steppedUp = true;
    requestId = message.body.request_id;
    links?.add(requestId, tabId, message.body.link);
    prompts.show(tabId, stepUpPrompt(requestId, message.body));
  };
  try {
    const reply = await bridge.request("action.request", body, timeoutMs, "", { onStepUp, stepUpTimeoutMs });
    return { verdict: reply.body, steppedUp };
  } catch (err) {
    err.steppedUp = steppedUp;
    throw err;
  } finally {
    if (requestId) {
      links?.delete(requestId);
    }
  }
}
