// Decides uploads in protected apps. The content script holds each file
// the page is about to receive (file input, drop, paste, or a fetch or
// XMLHttpRequest body) and opens a port named UPLOAD_PORT_NAME for it. The
// port carries, in order:
//
//   content → worker  {type: "start", file: {name, size, mime_type}}
//   worker → content  {type: "read", offset, length}      (repeated)
//   content → worker  {type: "data", offset, data}         (base64 of those bytes)
//   content → worker  {type: "error", message}             (the file cannot be read)
//   worker → content  {type: "verdict", effect, notice}    (then the worker disconnects)
//
// The worker sends the agent an action.request for the file, then its bytes
// as upload.chunk messages, then waits for the verdict. The page URL, app
// and tab come from the port's sender, which Chrome sets, never from the
// content script's messages.

import { findApp, hostOfURL } from "./hosts.js";
import { base64ToBytes, MAX_CHUNK_SIZE } from "./protocol.js";
import { MAX_FILE_NAME_BYTES, utf8Length } from "./validate.js";
import { effectOf, fitURL, noticeOf } from "./downloads.js";

export const UPLOAD_PORT_NAME = "parapet.upload";
export const SCOPE_MESSAGE_TYPE = "parapet.upload.scope";
// Files larger than this are reported by name and size only. The admin
// sets it with the managed policy key maxInspectBytes.
export const DEFAULT_MAX_INSPECT_BYTES = 50 << 20;
// How long the worker waits for the agent's verdict after the last chunk.
export const UPLOAD_VERDICT_TIMEOUT_MS = 30_000;
// How long the worker waits for each message of the content script.
export const CONTENT_WAIT_MS = 10_000;
// The worker waits while more than this is queued on the websocket, so a
// large file is never held in memory at once.
export const MAX_BUFFERED_BYTES = 1 << 20;
export const UPLOAD_UNREACHABLE_MESSAGE =
  "Parapet's agent on this device cannot be reached, so uploads to this app are blocked. Try again once the agent is running, or contact your IT support.";
export const UNREADABLE_MESSAGE = "Parapet could not read this file to check it, so the upload was blocked. Select the file again.";

const MAX_MIME_BYTES = 256;

/** Returns the verdict body the extension applies to an upload when no verdict arrives. */
export function uploadFailModeVerdict(app, cause) {
  if (app.sensitive) {
    return {
      decision: "block",
      message: UPLOAD_UNREACHABLE_MESSAGE,
      reason: `parapet-agent cannot be reached (${cause}), and ${app.id} is a sensitive app, so the upload was blocked`,
      event_id: "",
      policy_ids: [],
    };
  }
  return {
    decision: "allow",
    message: "",
    reason: `parapet-agent cannot be reached (${cause}), and ${app.id} is not a sensitive app, so the upload was allowed`,
    event_id: "",
    policy_ids: [],
  };
}

/**
 * Returns {name, size, mime_type} from a start message, or null when it is
 * not one. The name loses any folder part and is trimmed to the protocol's
 * limit; a media type the protocol would reject becomes "".
 */
export function parseStart(message) {
  if (!isPlainObject(message) || message.type !== "start" || !isPlainObject(message.file)) {
    return null;
  }
  const { name, size, mime_type: mimeType } = message.file;
  if (typeof name !== "string" || !Number.isSafeInteger(size) || size < 0) {
    return null;
  }
  let base = name.split(/[/\\]/).pop().replace(/\0/g, "").trim();
  if (!base.isWellFormed()) {
    base = base.toWellFormed();
  }
  while (utf8Length(base) > MAX_FILE_NAME_BYTES) {
    base = base.slice(0, -1);
  }
  const mime = typeof mimeType === "string" && utf8Length(mimeType) <= MAX_MIME_BYTES && mimeType.isWellFormed() &&
    !mimeType.includes("\0") ? mimeType : "";
  return { name: base || "upload", size, mime_type: mime };
}

function isPlainObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Reads the inspection limit: the managed maxInspectBytes, then one in the
 * extension's local storage (tests and development setups), then the
 * default.
 */
export async function readMaxInspectBytes(chrome, log = console) {
  for (const [area, name] of [[chrome.storage.managed, "managed"], [chrome.storage.local, "local"]]) {
    let value;
    try {
      ({ maxInspectBytes: value } = await area.get("maxInspectBytes"));
    } catch {
      // Chrome rejects the read when no managed storage exists for the profile.
      continue;
    }
    if (value === undefined) {
      continue;
    }
    if (Number.isSafeInteger(value) && value >= 0) {
      return value;
    }
    log.warn(`parapet: ${name} maxInspectBytes ${JSON.stringify(value)} is not a byte count, ignoring it`);
  }
  return DEFAULT_MAX_INSPECT_BYTES;
}

// Messages from one content script port, read one at a time.
class PortReader {
  constructor(port, timers) {
    this.timers = timers;
    this.queue = [];
    this.waiting = null;
    this.closed = false;
    port.onMessage.addListener((message) => this.push(message));
    port.onDisconnect.addListener(() => {
      this.closed = true;
      this.push(null);
    });
  }

  push(message) {
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve(message);
    } else {
      this.queue.push(message);
    }
  }

  // Resolves with the next message, or null when the port closed or
  // timeoutMs passed.
  next(timeoutMs) {
    if (this.queue.length > 0) {
      return Promise.resolve(this.queue.shift());
    }
    if (this.closed) {
      return Promise.resolve(null);
    }
    return new Promise((resolve) => {
      const timer = this.timers.setTimeout(() => {
        this.waiting = null;
        resolve(null);
      }, timeoutMs);
      this.waiting = (message) => {
        this.timers.clearTimeout(timer);
        resolve(message);
      };
    });
  }
}

// The content script went away before the check finished.
class UploadAborted extends Error {}
// The content script could not deliver the file's bytes.
class ReadFailed extends Error {}

export class UploadGuard {
  constructor({ chrome, bridge, policy, log = console, timers = globalThis,
    verdictTimeoutMs = UPLOAD_VERDICT_TIMEOUT_MS, contentWaitMs = CONTENT_WAIT_MS }) {
    this.chrome = chrome;
    this.bridge = bridge;
    this.policy = policy;
    this.log = log;
    this.timers = timers;
    this.verdictTimeoutMs = verdictTimeoutMs;
    this.contentWaitMs = contentWaitMs;
  }

  /** Reports whether a sender (a content script) may use the upload check. */
  trustedSender(sender) {
    return sender?.id === this.chrome.runtime.id && Number.isInteger(sender.tab?.id) && sender.frameId === 0 &&
      typeof sender.url === "string";
  }

  /** Returns the protected app of the page that sender shows, or null. */
  async appOf(sender) {
    const apps = await this.policy.apps();
    return findApp(apps, hostOfURL(sender.url));
  }

  /**
   * chrome.runtime.onMessage handler for SCOPE_MESSAGE_TYPE. Resolves
   * with {protected} for the sender's page.
   */
  async scope(sender) {
    if (!this.trustedSender(sender)) {
      return { protected: false };
    }
    return { protected: (await this.appOf(sender)) !== null };
  }

  /** chrome.runtime.onConnect listener. Returns the processing promise. */
  onConnect(port) {
    if (port.name !== UPLOAD_PORT_NAME) {
      return Promise.resolve();
    }
    if (!this.trustedSender(port.sender)) {
      this.log.warn("parapet: rejected an upload port from an unexpected sender");
      port.disconnect();
      return Promise.resolve();
    }
    const reader = new PortReader(port, this.timers);
    return this.process(port, reader).catch((err) => {
      this.log.error(`parapet: handling an upload failed: ${err.stack ?? err}`);
      this.finish(port, reader, { decision: "block", message: UNREADABLE_MESSAGE, reason: `the upload check failed: ${err.message}`, event_id: "", policy_ids: [] });
    });
  }

  async process(port, reader) {
    const file = parseStart(await reader.next(this.contentWaitMs));
    if (file === null) {
      this.log.warn("parapet: the upload port sent no valid start message");
      port.disconnect();
      return;
    }
    const app = await this.appOf(port.sender);
    if (app === null) {
      this.reply(port, { effect: "proceed", notice: null });
      port.disconnect();
      return;
    }
    const verdict = await this.requestVerdict(port, reader, app, file);
    if (verdict === null) {
      return;
    }
    this.log.info(`parapet: upload of ${file.name} (${file.size} bytes) to ${hostOfURL(port.sender.url)}: ${verdict.decision} (${verdict.reason})`);
    this.finish(port, reader, verdict);
  }

  finish(port, reader, verdict) {
    if (reader.closed) {
      return;
    }
    const effect = effectOf(verdict.decision);
    const notice = effect === "block" || verdict.decision === "warn" ? noticeOf(verdict) : null;
    this.reply(port, { effect, notice });
    port.disconnect();
  }

  reply(port, message) {
    try {
      port.postMessage({ type: "verdict", ...message });
    } catch (err) {
      // The tab navigated or closed; there is nobody to tell.
      this.log.info(`parapet: sending an upload verdict failed: ${err.message}`);
    }
  }

  // Returns the verdict body, or null when the content script went away.
  async requestVerdict(port, reader, app, file) {
    if (!this.bridge.connected) {
      return uploadFailModeVerdict(app, "not connected");
    }
    const limit = await readMaxInspectBytes(this.chrome, this.log);
    const pending = this.bridge.openRequest("action.request", {
      activity: "upload",
      app_host: hostOfURL(port.sender.url),
      page_url: fitURL(port.sender.url),
      file,
      tab_id: port.sender.tab.id,
    });
    try {
      await this.sendContent(port, reader, pending, file, limit);
    } catch (err) {
      if (err instanceof UploadAborted) {
        this.log.info(`parapet: upload of ${file.name} ended before its check finished: ${err.message}`);
        return null;
      }
      if (err instanceof ReadFailed) {
        this.log.warn(`parapet: blocking the upload of ${file.name}: ${err.message}`);
        return { decision: "block", message: UNREADABLE_MESSAGE, reason: err.message, event_id: "", policy_ids: [] };
      }
      throw err;
    }
    pending.startTimer(this.verdictTimeoutMs);
    try {
      const reply = await pending.reply;
      return reply.body;
    } catch (err) {
      this.log.warn(`parapet: no verdict for the upload of ${file.name}: ${err.message}`);
      return uploadFailModeVerdict(app, err.message);
    }
  }

  // Streams the file as upload.chunk messages. A file over the inspection
  // limit, or an empty one, gets a single empty last chunk. When the
  // content script cannot deliver the bytes, the upload still ends with a
  // last chunk, so the agent can drop what it holds, and ReadFailed or
  // UploadAborted is thrown.
  async sendContent(port, reader, pending, file, limit) {
    const end = (offset) => pending.send("upload.chunk", { request_id: pending.id, offset, data: new Uint8Array(0), last: true });
    if (file.size === 0 || file.size > limit) {
      end(0);
      return;
    }
    let offset = 0;
    while (offset < file.size && !pending.settled) {
      const length = Math.min(MAX_CHUNK_SIZE, file.size - offset);
      port.postMessage({ type: "read", offset, length });
      const message = await reader.next(this.contentWaitMs);
      const data = this.chunkData(message, offset, length);
      if (data === null) {
        end(offset);
        if (reader.closed) {
          throw new UploadAborted("the page closed the upload port");
        }
        const detail = message?.type === "error" && typeof message.message === "string" ? message.message.slice(0, 200) : "no valid data";
        throw new ReadFailed(`reading ${file.name} at offset ${offset} failed: ${detail}`);
      }
      await this.drain();
      const last = offset + length === file.size;
      if (!pending.send("upload.chunk", { request_id: pending.id, offset, data, last })) {
        return;
      }
      offset += length;
    }
  }

  chunkData(message, offset, length) {
    if (!isPlainObject(message) || message.type !== "data" || message.offset !== offset || typeof message.data !== "string") {
      return null;
    }
    const data = base64ToBytes(message.data);
    return data !== null && data.length === length ? data : null;
  }

  async drain() {
    while (this.bridge.bufferedAmount > MAX_BUFFERED_BYTES && this.bridge.connected) {
      await new Promise((resolve) => this.timers.setTimeout(resolve, 10));
    }
  }
}
