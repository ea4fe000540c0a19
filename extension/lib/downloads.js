// Holds downloads that start in a protected app until the agent's verdict
// arrives, then lets them finish or cancels and erases them.
//
// A download is held two ways. onCreated pauses it, and
// onDeterminingFilename keeps back Chrome's filename decision until the
// verdict is known. Chrome can finish a small download before the pause
// takes effect, but without a filename decision the file stays under its
// temporary .crdownload name, and cancelling removes it.

import { findApp, hostOfURL } from "./hosts.js";
import { isAbsoluteURL } from "./goURL.js";
import { MAX_URL_LENGTH, MAX_FILE_NAME_BYTES, utf8Length } from "./validate.js";
import { requestWithStepUp, confirmedPrompt, stepUpTimeoutVerdict } from "./stepup.js";

export const VERDICT_TIMEOUT_MS = 10_000;
// How long a held download waits for onDeterminingFilename, which carries
// the Content-Disposition name, before the request goes out with the name
// taken from the URL.
export const FILENAME_WAIT_MS = 1_000;
export const NOTICE_MESSAGE_TYPE = "parapet.notice";
export const AGENT_UNREACHABLE_MESSAGE =
  "Parapet's agent on this device cannot be reached, so downloads from this app are blocked. Try again once the agent is running, or contact your IT support.";

// Decisions that let the download finish. A step_up verdict is not final
// (lib/stepup.js); a step_up that is still the answer after the wait blocks.
// NOTE: warn and protect let the download finish. warn shows the admin's
// message as a notice without a confirmation step, and protect adds nothing.
const PROCEED = new Set(["allow", "monitor", "protect", "warn"]);

/**
 * Returns the notice message that content.js shows for a verdict: the
 * admin's message, the reason, the event id, and the fix and link that
 * tell the user how to make the action acceptable.
 */
export function noticeOf(verdict) {
  return {
    type: NOTICE_MESSAGE_TYPE,
    decision: verdict.decision,
    message: verdict.message ?? "",
    reason: verdict.reason ?? "",
    event_id: verdict.event_id ?? "",
    fix: verdict.fix ?? "",
    link: verdict.link ?? "",
  };
}

/** Returns "proceed" or "block" for a verdict's decision. */
export function effectOf(decision) {
  return PROCEED.has(decision) ? "proceed" : "block";
}

/** Returns the verdict body the extension applies when no verdict arrives. */
export function failModeVerdict(app, cause) {
  if (app.sensitive) {
    return {
      decision: "block",
      message: AGENT_UNREACHABLE_MESSAGE,
      reason: `parapet-agent cannot be reached (${cause}), and ${app.id} is a sensitive app, so the download was blocked`,
      event_id: "",
      policy_ids: [],
    };
  }
  return {
    decision: "allow",
    message: "",
    reason: `parapet-agent cannot be reached (${cause}), and ${app.id} is not a sensitive app, so the download was allowed`,
    event_id: "",
    policy_ids: [],
  };
}

/**
 * Returns the file's base name: the name Chrome chose (item.filename, a
 * path once known), else the last segment of the final or original URL,
 * else "download". Trimmed to the protocol's 1024-byte limit.
 */
export function fileNameOf(item) {
  const candidates = [item.filename, lastPathSegment(item.finalUrl), lastPathSegment(item.url)];
  for (const candidate of candidates) {
    const name = baseName(candidate ?? "");
    if (name !== "") {
      return trimToBytes(name, MAX_FILE_NAME_BYTES);
    }
  }
  return "download";
}

function baseName(path) {
  return path.split(/[/\\]/).pop().replace(/\0/g, "").trim();
}

function lastPathSegment(url) {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:" && parsed.protocol !== "ftp:") {
      return "";
    }
    return decodeURIComponent(parsed.pathname.split("/").pop());
  } catch {
    return "";
  }
}

function trimToBytes(s, limit) {
  let result = s;
  while (utf8Length(result) > limit) {
    result = result.slice(0, -1);
  }
  return result;
}

/**
 * Returns url in a form the protocol accepts (an absolute URL of at most
 * 4096 bytes), dropping the query and fragment or keeping only the origin
 * when it is too long, or "" when no such form exists. A data: URL keeps
 * only its media type.
 */
export function fitURL(url) {
  if (!url) {
    return "";
  }
  if (utf8Length(url) <= MAX_URL_LENGTH && isAbsoluteURL(url)) {
    return url;
  }
  if (url.startsWith("data:")) {
    const comma = url.indexOf(",");
    const header = comma < 0 ? "data:" : url.slice(0, comma + 1);
    return fitURL(header.length < url.length ? header : "");
  }
  try {
    const parsed = new URL(url);
    const shorter = [parsed.origin + parsed.pathname, parsed.origin + "/"];
    return shorter.find((candidate) => utf8Length(candidate) <= MAX_URL_LENGTH && isAbsoluteURL(candidate)) ?? "";
  } catch {
    return "";
  }
}

export class DownloadGuard {
  constructor({ chrome, bridge, policy, stepUpLinks = null, log = console, timers = globalThis, verdictTimeoutMs = VERDICT_TIMEOUT_MS, filenameWaitMs = FILENAME_WAIT_MS }) {
    this.chrome = chrome;
    this.bridge = bridge;
    this.policy = policy;
    this.stepUpLinks = stepUpLinks;
    this.log = log;
    this.timers = timers;
    this.verdictTimeoutMs = verdictTimeoutMs;
    this.filenameWaitMs = filenameWaitMs;
    // Download id to its hold record, while a decision is pending.
    this.holds = new Map();
  }

  /** chrome.downloads.onCreated listener. Returns the processing promise. */
  onCreated(item) {
    const hold = this.holdFor(item.id);
    hold.item = { ...item, ...hold.item, filename: hold.item?.filename || item.filename };
    return this.start(hold);
  }

  /**
   * chrome.downloads.onDeterminingFilename listener. Always returns true,
   * so that Chrome waits for a later call of suggest.
   */
  onDeterminingFilename(item, suggest) {
    const hold = this.holdFor(item.id);
    hold.item = { ...hold.item, ...item };
    hold.suggest = suggest;
    hold.filenameSeen();
    if (hold.outcome === "proceed") {
      this.callSuggest(hold);
    } else if (hold.outcome === "block") {
      hold.suggest = null;
    } else {
      this.start(hold);
    }
    return true;
  }

  holdFor(id) {
    let hold = this.holds.get(id);
    if (!hold) {
      let filenameSeen;
      const filenameKnown = new Promise((resolve) => {
        filenameSeen = resolve;
      });
      hold = { id, item: null, suggest: null, paused: false, outcome: null, processing: null, filenameKnown, filenameSeen };
      this.holds.set(id, hold);
    }
    return hold;
  }

  start(hold) {
    if (!hold.processing) {
      hold.processing = this.process(hold).catch((err) => {
        this.log.error(`parapet: handling download ${hold.id} failed: ${err.stack ?? err}`);
      });
    }
    return hold.processing;
  }

  async process(hold) {
    const target = await this.classify(hold.item);
    if (target === null) {
      this.release(hold);
      return;
    }
    await this.pause(hold);
    await this.waitForFilename(hold);
    const verdict = await this.requestVerdict(hold, target);
    if (effectOf(verdict.decision) === "proceed") {
      this.log.info(`parapet: download ${hold.id} from ${target.appHost}: ${verdict.decision} (${verdict.reason})`);
      await this.release(hold);
      if (verdict.decision === "warn") {
        await this.showNotice(target.tabId, verdict);
      } else if (hold.steppedUp) {
        await this.showNotice(target.tabId, null, confirmedPrompt(hold.requestId));
      }
    } else {
      this.log.info(`parapet: download ${hold.id} from ${target.appHost}: blocked (${verdict.reason})`);
      await this.block(hold);
      await this.showNotice(target.tabId, verdict);
    }
  }

  /**
   * Returns {app, appHost, pageUrl, tabId} when the download belongs to a
   * protected app, or null. The page is the download's referrer, else the
   * tab it came from. NOTE: a download whose page is no protected app but
   * whose own URL is on a protected host (a file link pasted into a new
   * tab) counts as that app's too, with the download URL as the page.
   */
  async classify(item) {
    const apps = await this.policy.apps();
    if (apps.length === 0) {
      return null;
    }
    const source = await this.findSource(item);
    const pageHost = hostOfURL(source.pageUrl);
    let app = findApp(apps, pageHost);
    if (app) {
      return { app, appHost: pageHost, pageUrl: source.pageUrl, tabId: source.tabId };
    }
    const targetUrl = item.finalUrl || item.url;
    const targetHost = hostOfURL(targetUrl);
    app = findApp(apps, targetHost);
    if (app) {
      return { app, appHost: targetHost, pageUrl: source.pageUrl || targetUrl, tabId: source.tabId };
    }
    return null;
  }

  /**
   * Returns {pageUrl, tabId} of the page that started the download. The
   * DownloadItem has no tab id, so the tab is the one showing the referrer
   * (the active one first), else the active tab of the last focused window.
   */
  async findSource(item) {
    const referrer = hostOfURL(item.referrer) ? item.referrer : "";
    if (referrer) {
      const tabs = await this.chrome.tabs.query({});
      const byActive = (a, b) => Number(b.active) - Number(a.active);
      const exact = tabs.filter((tab) => tab.url === referrer).sort(byActive);
      const sameHost = tabs.filter((tab) => hostOfURL(tab.url) === hostOfURL(referrer)).sort(byActive);
      const tab = exact[0] ?? sameHost[0];
      return { pageUrl: referrer, tabId: tab?.id ?? -1 };
    }
    const [tab] = await this.chrome.tabs.query({ active: true, lastFocusedWindow: true });
    if (tab && hostOfURL(tab.url)) {
      return { pageUrl: tab.url, tabId: tab.id };
    }
    return { pageUrl: "", tabId: -1 };
  }

  async pause(hold) {
    try {
      await this.chrome.downloads.pause(hold.id);
      hold.paused = true;
    } catch (err) {
      // Chrome rejects pausing a download that has already completed or
      // failed. The withheld filename decision still keeps the file back.
      this.log.info(`parapet: pausing download ${hold.id} failed: ${err.message}`);
    }
  }

  waitForFilename(hold) {
    if (hold.suggest) {
      return Promise.resolve();
    }
    let timer;
    const timeout = new Promise((resolve) => {
      timer = this.timers.setTimeout(resolve, this.filenameWaitMs);
    });
    return Promise.race([hold.filenameKnown, timeout]).finally(() => this.timers.clearTimeout(timer));
  }

  async requestVerdict(hold, target) {
    const item = hold.item;
    const body = {
      activity: "download",
      app_host: target.appHost,
      page_url: fitURL(target.pageUrl),
      target_url: fitURL(item.finalUrl || item.url),
      file: {
        name: fileNameOf(item),
        size: Number.isSafeInteger(item.totalBytes) && item.totalBytes >= 0 ? item.totalBytes : -1,
        mime_type: item.mime ?? "",
      },
      tab_id: Number.isInteger(target.tabId) && target.tabId >= 0 ? target.tabId : -1,
    };
    if (!this.bridge.connected) {
      return failModeVerdict(target.app, "not connected");
    }
    const prompts = { show: (tabId, prompt) => {
      hold.requestId = prompt.request_id;
      this.log.info(`parapet: download ${hold.id} waits for step-up ${prompt.request_id}`);
      return this.showNotice(tabId, null, prompt);
    } };
    try {
      const { verdict, steppedUp } = await requestWithStepUp({
        bridge: this.bridge, links: this.stepUpLinks, prompts, body, timeoutMs: this.verdictTimeoutMs, tabId: body.tab_id,
      });
      hold.steppedUp = steppedUp;
      return verdict;
    } catch (err) {
      this.log.warn(`parapet: no verdict for download ${hold.id}: ${err.message}`);
      if (err.steppedUp) {
        return stepUpTimeoutVerdict("download", err.message);
      }
      return failModeVerdict(target.app, err.message);
    }
  }

  callSuggest(hold) {
    const suggest = hold.suggest;
    hold.suggest = null;
    if (!suggest) {
      return;
    }
    try {
      suggest();
    } catch (err) {
      this.log.info(`parapet: suggesting the filename of download ${hold.id} failed: ${err.message}`);
    }
  }

  async release(hold) {
    hold.outcome = "proceed";
    this.callSuggest(hold);
    if (hold.paused) {
      try {
        await this.chrome.downloads.resume(hold.id);
      } catch (err) {
        this.log.warn(`parapet: resuming download ${hold.id} failed: ${err.message}`);
      }
    }
    this.forgetLater(hold);
  }

  // Cancels an unfinished download, or removes the file of a completed one,
  // then erases the download from the history.
  async block(hold) {
    hold.outcome = "block";
    const [current] = await this.chrome.downloads.search({ id: hold.id });
    if (current?.state === "complete") {
      await this.attempt(`removing the file of download ${hold.id}`, () => this.chrome.downloads.removeFile(hold.id));
    } else if (current) {
      await this.attempt(`cancelling download ${hold.id}`, () => this.chrome.downloads.cancel(hold.id));
    }
    // suggest is never called for a blocked download, so its file never gets
    // its final name. Chrome drops the pending filename step on cancel.
    hold.suggest = null;
    await this.attempt(`erasing download ${hold.id}`, () => this.chrome.downloads.erase({ id: hold.id }));
    this.forgetLater(hold);
  }

  async attempt(what, action) {
    try {
      await action();
    } catch (err) {
      this.log.warn(`parapet: ${what} failed: ${err.message}`);
    }
  }

  // Keeps the record for a while, so a late onDeterminingFilename for a
  // decided download is handled at once.
  forgetLater(hold) {
    const timer = this.timers.setTimeout(() => this.holds.delete(hold.id), 60_000);
    // Under Node (the unit tests) the timer must not keep the process alive;
    // in the browser setTimeout returns a number, which has no unref.
    timer?.unref?.();
  }

  // Shows the notice of verdict, or prompt when given (lib/stepup.js).
  async showNotice(tabId, verdict, prompt = null) {
    if (!Number.isInteger(tabId) || tabId < 0) {
      this.log.warn("parapet: no tab found for the download, so no notice is shown");
      return;
    }
    const notice = prompt ?? noticeOf(verdict);
    await this.attempt(`showing the notice in tab ${tabId}`, () => this.chrome.tabs.sendMessage(tabId, notice));
  }
}
