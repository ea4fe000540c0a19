// The websocket link to parapet-agent on ws://127.0.0.1:PORT/bridge. It
// sends hello and keepalive pings, reconnects with backoff, relays
// policy.update into the PolicyStore and matches replies to requests.

import { decode, encode, DecodeError, DEFAULT_BRIDGE_PORT, BRIDGE_PATH } from "./protocol.js";

export const SOFTWARE = "parapet-extension 0.1.0";
export const AGENT_KEY = "agent";
// Chrome stops an idle MV3 service worker after 30 s, and websocket traffic
// resets that timer (Chrome 116 and later), so pings come well inside it.
export const PING_INTERVAL_MS = 20_000;
// A link that has received nothing for this long is treated as dead.
export const IDLE_TIMEOUT_MS = 45_000;
const RECONNECT_DELAYS_MS = [500, 1000, 2000, 4000, 8000];

/**
 * Reads the agent's port: the admin's managed bridgePort first, then a
 * bridgePort in the extension's local storage (which only the extension's
 * own pages and scripts can write, and which tests and development setups
 * use), then the default port.
 */
export async function readBridgePort(chrome, log = console) {
  const managed = await readPort(chrome.storage.managed, "managed", log);
  if (managed !== undefined) {
    return managed;
  }
  const local = await readPort(chrome.storage.local, "local", log);
  return local ?? DEFAULT_BRIDGE_PORT;
}

async function readPort(area, name, log) {
  let port;
  try {
    ({ bridgePort: port } = await area.get("bridgePort"));
  } catch (err) {
    // Chrome rejects the read when no managed storage exists for the profile.
    return undefined;
  }
  if (port === undefined) {
    return undefined;
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    log.warn(`parapet: ${name} bridgePort ${JSON.stringify(port)} is not a port number, ignoring it`);
    return undefined;
  }
  return port;
}

export const UNREADABLE_VERDICT_MESSAGE =
  "Parapet received an answer to this action that it could not read, so the action is blocked. " +
  "Update the Parapet extension or contact IT.";

// unreadableVerdictRequestID returns the request_id of a message that looks
// like a verdict, read without the decoder's checks, or undefined.
export function unreadableVerdictRequestID(data) {
  if (typeof data !== "string" || data.length > 64 * 1024) {
    return undefined;
  }
  try {
    const value = JSON.parse(data);
    const id = value?.type === "verdict" ? value.body?.request_id : undefined;
    return typeof id === "string" ? id : undefined;
  } catch {
    return undefined;
  }
}

export class Bridge {
  constructor({ chrome, policy, signIn = null, WebSocketImpl = globalThis.WebSocket, timers = globalThis, log = console }) {
    this.chrome = chrome;
    this.policy = policy;
    // Supplies the session_token of every action.request (lib/signin.js).
    this.signIn = signIn;
    // Receives the body of every access.changed from the agent.
    this.onAccessChanged = null;
    this.WebSocketImpl = WebSocketImpl;
    this.timers = timers;
    this.log = log;
    this.socket = null;
    this.connecting = null;
    this.pending = new Map();
    // Follow-up message id to the id of the request it belongs to.
    this.aliases = new Map();
    this.pingTimer = null;
    this.reconnectTimer = null;
    this.failures = 0;
    this.lastReceived = 0;
  }

  /** Reports whether the websocket to the agent is open. */
  get connected() {
    return this.socket !== null && this.socket.readyState === this.WebSocketImpl.OPEN;
  }

  /** Opens the link unless it is open or opening. */
  connect() {
    if (this.socket || this.connecting) {
      return this.connecting ?? Promise.resolve();
    }
    this.connecting = this.open().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  async open() {
    this.timers.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const port = await readBridgePort(this.chrome, this.log);
    // Until the stored session is loaded, requests would go out without
    // the user's session token.
    await this.signIn?.ready;
    const url = `ws://127.0.0.1:${port}${BRIDGE_PATH}`;
    let socket;
    try {
      socket = new this.WebSocketImpl(url);
    } catch (err) {
      this.log.error(`parapet: opening ${url} failed: ${err.message}`);
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => this.handleOpen(socket, url);
    socket.onmessage = (event) => {
      if (socket === this.socket) {
        this.handleMessage(event.data);
      }
    };
    socket.onclose = (event) => this.handleClose(socket, url, event);
  }

  handleOpen(socket, url) {
    if (socket !== this.socket) {
      return;
    }
    this.log.info(`parapet: connected to the agent at ${url}`);
    this.failures = 0;
    this.lastReceived = Date.now();
    this.send("hello", { peer: "extension", software: SOFTWARE });
    this.pingTimer = this.timers.setInterval(() => this.keepAlive(), PING_INTERVAL_MS);
    this.saveAgentState({ connected: true, url, software: "", device_id: "", user: "" });
  }

  handleClose(socket, url, event) {
    if (socket !== this.socket) {
      return;
    }
    this.socket = null;
    this.timers.clearInterval(this.pingTimer);
    this.pingTimer = null;
    for (const [id, request] of this.pending) {
      this.pending.delete(id);
      request.fail(new Error("the link to parapet-agent closed"));
    }
    this.failures++;
    // Log the first failure and then every tenth, so a stopped agent does
    // not fill the log.
    if (this.failures === 1 || this.failures % 10 === 0) {
      this.log.warn(`parapet: link to the agent at ${url} closed (code ${event?.code ?? "unknown"}), attempt ${this.failures}; reconnecting`);
    }
    this.saveAgentState({ connected: false, url, software: "", device_id: "", user: "" });
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    if (this.reconnectTimer !== null) {
      return;
    }
    const delay = RECONNECT_DELAYS_MS[Math.min(this.failures, RECONNECT_DELAYS_MS.length) - 1] ?? RECONNECT_DELAYS_MS[0];
    this.reconnectTimer = this.timers.setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }

  keepAlive() {
    if (Date.now() - this.lastReceived > IDLE_TIMEOUT_MS) {
      this.log.warn(`parapet: nothing received from the agent for ${IDLE_TIMEOUT_MS / 1000} s, closing the link`);
      this.socket?.close();
      return;
    }
    this.send("ping", {});
  }

  /** Encodes and sends one message. Returns false when the link is down. */
  send(type, body, id = "") {
    if (!this.connected) {
      return false;
    }
    this.socket.send(encode(type, body, id));
    return true;
  }

  /**
   * Sends a message and resolves with the agent's reply to it: a verdict
   * whose request_id is the message id. Rejects when the agent replies
   * with an error for it, the link closes or timeoutMs passes first.
   */
  request(type, body, timeoutMs, id = "", { onStepUp = null, stepUpTimeoutMs = timeoutMs } = {}) {
    let pending;
    try {
      pending = this.openRequest(type, body, id);
    } catch (err) {
      return Promise.reject(err);
    }
    if (onStepUp) {
      // A step_up verdict is not final (lib/stepup.js): the request stays
      // pending for the second verdict, with a longer timeout.
      pending.onStepUp = (message) => {
        pending.startTimer(stepUpTimeoutMs);
        onStepUp(message);
      };
    }
    pending.startTimer(timeoutMs);
    return pending.reply;
  }

  /**
   * Sends a message like request does, but the timeout runs only once
   * startTimer(ms) is called, so that follow-up messages (the upload.chunk
   * messages of an upload) can go out first. Returns {id, reply, send,
   * startTimer, settled}. send(type, body) sends a follow-up message and
   * returns false when the link is down. An error reply that refers to a
   * follow-up message rejects reply too. The body is encoded before
   * anything is sent, so an invalid body throws FieldError.
   */
  openRequest(type, body, id = "") {
    const token = this.signIn?.token ?? "";
    if (type === "action.request" && token !== "" && !body.session_token) {
      body = { ...body, session_token: token };
    }
    const text = encode(type, body, id);
    const messageID = JSON.parse(text).id;
    const pending = { id: messageID, settled: false, timer: null, followUps: [], onStepUp: null };
    pending.reply = new Promise((resolve, reject) => {
      const finish = (settle) => (value) => {
        if (pending.settled) {
          return;
        }
        pending.settled = true;
        this.timers.clearTimeout(pending.timer);
        this.pending.delete(messageID);
        for (const followUp of pending.followUps) {
          this.aliases.delete(followUp);
        }
        settle(value);
      };
      pending.resolve = finish(resolve);
      pending.fail = finish(reject);
    });
    pending.startTimer = (timeoutMs) => {
      if (pending.settled) {
        return;
      }
      this.timers.clearTimeout(pending.timer);
      pending.timer = this.timers.setTimeout(() => {
        pending.fail(new Error(`no reply from parapet-agent within ${timeoutMs / 1000} s`));
      }, timeoutMs);
    };
    pending.send = (followType, followBody) => {
      if (pending.settled || !this.connected) {
        return false;
      }
      const followText = encode(followType, followBody);
      const followID = JSON.parse(followText).id;
      pending.followUps.push(followID);
      this.aliases.set(followID, messageID);
      this.socket.send(followText);
      return true;
    };
    if (!this.connected) {
      pending.fail(new Error("parapet-agent is not connected"));
      return pending;
    }
    this.pending.set(messageID, pending);
    this.socket.send(text);
    return pending;
  }

  /** Returns the bytes queued on the websocket but not yet sent, or 0. */
  get bufferedAmount() {
    return this.socket?.bufferedAmount ?? 0;
  }

  handleMessage(data) {
    this.lastReceived = Date.now();
    let message;
    try {
      message = decode(data);
    } catch (err) {
      if (!(err instanceof DecodeError)) {
        throw err;
      }
      this.log.warn(`parapet: rejected a message from the agent: ${err.message}`);
      this.send("error", err.reply());
      this.blockUnreadableVerdict(data);
      return;
    }
    switch (message.type) {
      case "hello":
        this.saveAgentState({
          connected: true, url: this.socket?.url ?? "", software: message.body.software,
          device_id: message.body.device_id, user: message.body.user,
        });
        break;
      case "ping":
        this.send("pong", {});
        break;
      case "policy.update":
        this.policy.update(message.body).catch((err) => this.log.error(`parapet: storing policy revision ${message.body.revision} failed: ${err.message}`));
        break;
      case "verdict":
        if (message.body.decision === "step_up" && this.holdForStepUp(message)) {
          break;
        }
        this.settle(message.body.request_id, (request) => request.resolve(message));
        break;
      case "access.changed":
        this.log.info(`parapet: access of ${message.body.user} changed to ${message.body.state}`);
        this.onAccessChanged?.(message.body);
        break;
      case "error":
        this.log.warn(`parapet: the agent rejected message ${message.body.ref_id || "(no id)"}: ${message.body.code}: ${message.body.message}`);
        this.settle(message.body.ref_id, (request) => request.fail(new Error(`parapet-agent returned ${message.body.code}: ${message.body.message}`)));
        break;
      case "pong":
        break;
      default:
        this.log.warn(`parapet: ignoring a ${message.type} message from the agent`);
    }
  }

  // Settles the pending request that an undecodable verdict answered with
  // a block. The agent did answer, so falling back to the fail mode, which
  // allows actions in apps that fail open, would let through an action
  // that the answer may have blocked.
  blockUnreadableVerdict(data) {
    const requestID = unreadableVerdictRequestID(data);
    if (requestID === undefined || !this.pending.has(requestID)) {
      return;
    }
    this.settle(requestID, (request) => request.resolve({
      type: "verdict",
      body: {
        request_id: requestID, decision: "block", policy_ids: [], event_id: "",
        message: UNREADABLE_VERDICT_MESSAGE,
        reason: "The agent's answer to this action could not be read by this version of the extension.",
      },
    }));
  }

  // Passes a step_up verdict to its request's onStepUp and keeps the
  // request pending. Returns false when the request has no such handler,
  // so the verdict settles it like any other.
  holdForStepUp(message) {
    const request = this.pending.get(message.body.request_id);
    if (!request?.onStepUp) {
      return false;
    }
    request.onStepUp(message);
    return true;
  }

  settle(id, action) {
    const request = this.pending.get(id) ?? this.pending.get(this.aliases.get(id));
    if (!request) {
      return;
    }
    this.pending.delete(request.id);
    action(request);
  }

  saveAgentState(state) {
    this.agentState = { ...state, changed_at: new Date().toISOString() };
    this.chrome.storage.session.set({ [AGENT_KEY]: this.agentState }).catch((err) => this.log.error(`parapet: saving the agent state failed: ${err.message}`));
  }
}
