// Decides copy, cut, paste and print in protected apps. actions.js, the
// content script, holds the action and sends
//
//   {type: ACTION_MESSAGE_TYPE, activity, text}      text only for paste
//
// and gets back {effect: "proceed" | "warn" | "block", request_id, notice}.
// For "warn" the content script shows the admin's message with a
// Continue button that needs a justification, then sends
// {type: JUSTIFICATION_MESSAGE_TYPE, request_id, activity, justification},
// which the worker only logs: the protocol has no message for it yet.
// The page URL, app and tab come from the sender, which Chrome sets.

import { findApp, hostOfURL } from "./hosts.js";
import { fitURL, noticeOf } from "./downloads.js";
import { MAX_PASTE_TEXT, utf8Length } from "./validate.js";
import { requestWithStepUp, confirmedPrompt, stepUpTimeoutVerdict } from "./stepup.js";

export const ACTION_MESSAGE_TYPE = "parapet.action";
export const JUSTIFICATION_MESSAGE_TYPE = "parapet.justification";
export const PAGE_ACTIVITIES = ["copy", "cut", "paste", "print"];
export const ACTION_VERDICT_TIMEOUT_MS = 10_000;
const MAX_JUSTIFICATION_LENGTH = 1000;

const NOUNS = { copy: "copy", cut: "cut", paste: "paste", print: "print" };

/** Returns the verdict body for a page action when no verdict arrives. */
export function actionFailModeVerdict(app, activity, cause) {
  if (app.sensitive) {
    return {
      decision: "block",
      message: `Parapet's agent on this device cannot be reached, so ${activity} is blocked in this app. Try again once the agent is running, or contact your IT support.`,
      reason: `parapet-agent cannot be reached (${cause}), and ${app.id} is a sensitive app, so the ${activity} was blocked`,
      event_id: "",
      policy_ids: [],
    };
  }
  return {
    decision: "allow",
    message: "",
    reason: `parapet-agent cannot be reached (${cause}), and ${app.id} is not a sensitive app, so the ${activity} was allowed`,
    event_id: "",
    policy_ids: [],
  };
}

/**
 * Returns the longest prefix of text that is at most MAX_PASTE_TEXT bytes
 * of UTF-8, without NUL bytes and unpaired surrogates, which the protocol
 * rejects.
 */
export function fitPasteText(text) {
  let result = text.replace(/\0/g, "").toWellFormed();
  if (utf8Length(result) <= MAX_PASTE_TEXT) {
    return result;
  }
  // A UTF-16 unit is at most 3 bytes of UTF-8, so this cut is close.
  result = result.slice(0, MAX_PASTE_TEXT);
  while (utf8Length(result) > MAX_PASTE_TEXT) {
    result = result.slice(0, -1);
  }
  // Slicing can split a surrogate pair at the end.
  return result.toWellFormed() === result ? result : result.slice(0, -1);
}

/** Returns "proceed", "warn" or "block" for a page action's decision. */
export function actionEffectOf(decision) {
  switch (decision) {
    case "allow":
    case "monitor":
    case "protect":
      return "proceed";
    case "warn":
      return "warn";
    default:
      return "block";
  }
}

export class PageActionGuard {
  constructor({ chrome, bridge, policy, stepUpLinks = null, log = console, verdictTimeoutMs = ACTION_VERDICT_TIMEOUT_MS }) {
    this.chrome = chrome;
    this.bridge = bridge;
    this.policy = policy;
    this.stepUpLinks = stepUpLinks;
    this.log = log;
    this.verdictTimeoutMs = verdictTimeoutMs;
  }

  /** Reports whether sender is this extension's content script in a tab's top frame. */
  trustedSender(sender) {
    return sender?.id === this.chrome.runtime.id && Number.isInteger(sender.tab?.id) && sender.frameId === 0 &&
      typeof sender.url === "string";
  }

  /**
   * chrome.runtime.onMessage handler for ACTION_MESSAGE_TYPE. Resolves
   * with {effect, request_id, notice}.
   */
  async decide(message, sender) {
    if (!this.trustedSender(sender) || !PAGE_ACTIVITIES.includes(message?.activity)) {
      this.log.warn("parapet: rejected a page action message from an unexpected sender or with an unknown activity");
      return { effect: "block", request_id: "", notice: null };
    }
    const app = findApp(await this.policy.apps(), hostOfURL(sender.url));
    if (app === null) {
      return { effect: "proceed", request_id: "", notice: null };
    }
    const activity = message.activity;
    const body = {
      activity,
      app_host: hostOfURL(sender.url),
      page_url: fitURL(sender.url),
      tab_id: sender.tab.id,
    };
    if (activity === "paste" && typeof message.text === "string") {
      // NOTE: text past MAX_PASTE_TEXT (32 KiB) is not inspected.
      body.text = fitPasteText(message.text);
    }
    const { verdict, requestId, steppedUp } = await this.requestVerdict(app, body);
    const effect = actionEffectOf(verdict.decision);
    this.log.info(`parapet: ${activity} in ${body.app_host}: ${verdict.decision} (${verdict.reason})`);
    if (steppedUp && effect === "proceed") {
      await this.show(sender.tab.id, confirmedPrompt(requestId));
    }
    const notice = effect === "proceed" ? null : noticeOf(verdict);
    return { effect, request_id: requestId, notice };
  }

  async requestVerdict(app, body) {
    const nothing = { requestId: "", steppedUp: false };
    if (!this.bridge.connected) {
      return { verdict: actionFailModeVerdict(app, body.activity, "not connected"), ...nothing };
    }
    let requestId = "";
    const prompts = { show: (tabId, prompt) => {
      requestId = prompt.request_id;
      return this.show(tabId, prompt);
    } };
    try {
      const { verdict, steppedUp } = await requestWithStepUp({
        bridge: this.bridge, links: this.stepUpLinks, prompts, body, timeoutMs: this.verdictTimeoutMs, tabId: body.tab_id,
      });
      return { verdict, requestId: verdict.request_id ?? requestId, steppedUp };
    } catch (err) {
      this.log.warn(`parapet: no verdict for ${body.activity} in ${body.app_host}: ${err.message}`);
      if (err.steppedUp) {
        return { verdict: stepUpTimeoutVerdict(NOUNS[body.activity], err.message), requestId, steppedUp: true };
      }
      return { verdict: actionFailModeVerdict(app, body.activity, err.message), ...nothing };
    }
  }

  async show(tabId, prompt) {
    try {
      await this.chrome.tabs.sendMessage(tabId, prompt);
    } catch (err) {
      this.log.info(`parapet: showing a prompt in tab ${tabId} failed: ${err.message}`);
    }
  }

  /** chrome.runtime.onMessage handler for JUSTIFICATION_MESSAGE_TYPE. */
  justify(message, sender) {
    if (!this.trustedSender(sender) || !PAGE_ACTIVITIES.includes(message?.activity) || typeof message.justification !== "string") {
      return false;
    }
    const requestId = typeof message.request_id === "string" ? message.request_id.slice(0, 64) : "";
    const justification = message.justification.slice(0, MAX_JUSTIFICATION_LENGTH);
    // TODO: send the justification to the server once the protocol has a
    // message for it; until then only this log has it.
    this.log.info(`parapet: user continued a warned ${message.activity} in ${hostOfURL(sender.url)} (request ${requestId || "unknown"}), justification: ${JSON.stringify(justification)}`);
    return true;
  }
}
