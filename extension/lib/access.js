// Shows an access.changed from the server (an admin blocked the user, the
// device was revoked, …) in every open tab of a protected app, and keeps
// the latest one in chrome.storage.session for the popup.

import { findApp, hostOfURL } from "./hosts.js";
import { PROMPT_MESSAGE_TYPE } from "./stepup.js";

export const ACCESS_KEY = "access";

/** Returns the prompt that actions.js shows for an access.changed body. */
export function accessPrompt(body) {
  return { type: PROMPT_MESSAGE_TYPE, kind: "access", state: body.state, message: body.message, until: body.until ?? "" };
}

export class AccessNotifier {
  constructor({ chrome, policy, log = console }) {
    this.chrome = chrome;
    this.policy = policy;
    this.log = log;
  }

  /** Sends the prompt to every tab of a protected app. Resolves with their ids. */
  async notify(body) {
    await this.chrome.storage.session.set({ [ACCESS_KEY]: { ...body, received_at: new Date().toISOString() } });
    const apps = await this.policy.apps();
    const tabs = await this.chrome.tabs.query({});
    const prompt = accessPrompt(body);
    const shown = [];
    for (const tab of tabs) {
      if (!Number.isInteger(tab.id) || findApp(apps, hostOfURL(tab.url)) === null) {
        continue;
      }
      try {
        await this.chrome.tabs.sendMessage(tab.id, prompt);
        shown.push(tab.id);
      } catch (err) {
        // A tab that loaded before the extension has no content script.
        this.log.info(`parapet: showing the access change in tab ${tab.id} failed: ${err.message}`);
      }
    }
    return shown;
  }
}
