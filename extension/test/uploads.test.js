import { test } from "node:test";
import assert from "node:assert/strict";

import {
  UploadGuard, parseStart, readMaxInspectBytes, uploadFailModeVerdict, UPLOAD_PORT_NAME,
  DEFAULT_MAX_INSPECT_BYTES, UPLOAD_UNREACHABLE_MESSAGE, UNREADABLE_MESSAGE,
} from "../lib/uploads.js";
import { Bridge } from "../lib/bridge.js";
import { PolicyStore } from "../lib/policy.js";
import { decode, encode, MAX_CHUNK_SIZE } from "../lib/protocol.js";
import { fakeChrome, quietLog } from "./fake_chrome.js";

const APPS = [
  { id: "filestore", hosts: ["127.0.0.1:8080"], sensitive: true },
  { id: "wiki", hosts: ["127.0.0.1:8090"], sensitive: false },
];
const RUNTIME_ID = "ghbnpamloifnaljdabnaemelhpdehoae";

// Real timeouts, and no keepalive pings.
const timers = {
  setTimeout,
  clearTimeout,
  setInterval: () => 0,
  clearInterval: () => {},
};

// The agent's end of the bridge: it decodes every message the extension
// sends with the protocol decoder and replies to the upload's last chunk
// with the verdict that `decide` builds.
class FakeAgentSocket {
  static OPEN = 1;

  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    this.bufferedAmount = 0;
    this.decide = null;
    FakeAgentSocket.last = this;
  }

  send(text) {
    const message = decode(text);
    this.sent.push(message);
    if (this.decide && message.type === "upload.chunk" && message.body.last) {
      const request = this.sent.find((m) => m.id === message.body.request_id);
      const reply = this.decide(request, this.chunks());
      if (reply) {
        queueMicrotask(() => this.onmessage({ data: encode(reply.type, reply.body, "agt-9") }));
      }
    }
  }

  chunks() {
    return this.sent.filter((m) => m.type === "upload.chunk").map((m) => m.body);
  }

  close() {
    this.readyState = 3;
    this.onclose?.({ code: 1000 });
  }
}

// A content script's port: it replies to "read" requests from `bytes` (or
// with `onRead`) and records what the worker posts.
function contentPort({ url = "http://127.0.0.1:8080/", tabId = 7, frameId = 0, senderID = RUNTIME_ID, start, bytes, onRead } = {}) {
  const messageListeners = [];
  const disconnectListeners = [];
  const port = {
    name: UPLOAD_PORT_NAME,
    sender: { id: senderID, url, tab: { id: tabId }, frameId },
    posted: [],
    disconnected: false,
    // The start message goes out once the worker listens, as Chrome queues
    // messages posted before the other end's listener exists.
    onMessage: {
      addListener(fn) {
        messageListeners.push(fn);
        setImmediate(() => fn(start ?? { type: "start", file: { name: "q3.csv", size: bytes?.length ?? 0, mime_type: "text/csv" } }));
      },
    },
    onDisconnect: { addListener: (fn) => disconnectListeners.push(fn) },
    postMessage(message) {
      this.posted.push(message);
      if (message.type === "read") {
        const answer = onRead ? onRead(message) : {
          type: "data", offset: message.offset,
          data: Buffer.from(bytes.subarray(message.offset, message.offset + message.length)).toString("base64"),
        };
        if (answer) {
          setImmediate(() => port.send(answer));
        }
      }
    },
    disconnect() {
      this.disconnected = true;
    },
    send(message) {
      for (const fn of messageListeners) fn(message);
    },
    closeFromContent() {
      for (const fn of disconnectListeners) fn();
    },
    verdict() {
      return this.posted.find((m) => m.type === "verdict");
    },
  };
  return port;
}

const verdictFor = (decision, extra = {}) => (request) => ({
  type: "verdict",
  body: { request_id: request.id, decision, reason: `policy said ${decision}`, policy_ids: ["p1"], event_id: "act-1", ...extra },
});

async function setup({ apps = APPS, connected = true, decide = verdictFor("allow"), verdictTimeoutMs, contentWaitMs = 200 } = {}) {
  const chrome = fakeChrome();
  const policy = new PolicyStore(chrome);
  await policy.update({ revision: 1, apps });
  const bridge = new Bridge({ chrome, policy, WebSocketImpl: FakeAgentSocket, timers, log: quietLog });
  await bridge.connect();
  const socket = FakeAgentSocket.last;
  if (connected) {
    socket.readyState = FakeAgentSocket.OPEN;
    socket.onopen();
  }
  socket.decide = decide;
  const guard = new UploadGuard({ chrome, bridge, policy, log: quietLog, timers, verdictTimeoutMs, contentWaitMs });
  return { chrome, bridge, socket, guard };
}

function bytesOf(length) {
  return Uint8Array.from({ length }, (_, i) => (i * 7) % 251);
}

test("upload in an unprotected page proceeds without a request", async () => {
  const { socket, guard } = await setup();
  const port = contentPort({ url: "http://127.0.0.1:9999/", bytes: bytesOf(10) });
  await guard.onConnect(port);
  assert.deepEqual(port.verdict(), { type: "verdict", effect: "proceed", notice: null });
  assert.ok(!socket.sent.some((m) => m.type === "action.request"));
  assert.ok(port.disconnected);
});

test("upload request carries the sender's page and tab", async () => {
  const { socket, guard } = await setup();
  const port = contentPort({
    url: "http://127.0.0.1:8080/folder?x=1", tabId: 12, bytes: bytesOf(5),
    start: { type: "start", file: { name: "C:\\Users\\ana\\q3.csv", size: 5, mime_type: "text/csv" }, page_url: "http://evil.test/" },
  });
  await guard.onConnect(port);
  const request = socket.sent.find((m) => m.type === "action.request");
  assert.deepEqual(request.body, {
    activity: "upload",
    app_host: "127.0.0.1:8080",
    page_url: "http://127.0.0.1:8080/folder?x=1",
    target_url: "",
    file: { name: "q3.csv", size: 5, mime_type: "text/csv", sha256: "", label: null, detectors: null, inspection: "" },
    tab_id: 12,
    session_token: "",
    text: "",
    source: "",
  });
});

test("upload bytes arrive as ordered chunks of at most 32 KiB", async () => {
  const { socket, guard } = await setup();
  const bytes = bytesOf(2 * MAX_CHUNK_SIZE + 4464);
  const port = contentPort({ bytes });
  await guard.onConnect(port);
  const request = socket.sent.find((m) => m.type === "action.request");
  const chunks = socket.chunks();
  assert.deepEqual(chunks.map((c) => c.offset), [0, MAX_CHUNK_SIZE, 2 * MAX_CHUNK_SIZE]);
  assert.deepEqual(chunks.map((c) => c.data.length), [MAX_CHUNK_SIZE, MAX_CHUNK_SIZE, 4464]);
  assert.deepEqual(chunks.map((c) => c.last), [false, false, true]);
  assert.ok(chunks.every((c) => c.request_id === request.id));
  assert.deepEqual(Buffer.concat(chunks.map((c) => c.data)), Buffer.from(bytes));
  assert.equal(port.verdict().effect, "proceed");
});

test("chunks follow the request on the link", async () => {
  const { socket, guard } = await setup();
  await guard.onConnect(contentPort({ bytes: bytesOf(40_000) }));
  const types = socket.sent.map((m) => m.type).filter((type) => type !== "hello");
  assert.deepEqual(types, ["action.request", "upload.chunk", "upload.chunk"]);
});

test("blocked upload returns the notice with fix and link", async () => {
  const { guard } = await setup({
    decide: verdictFor("block", { message: "Label it first.", fix: "Apply the Confidential label.", link: "http://127.0.0.1:8443/help/labels" }),
  });
  const port = contentPort({ bytes: bytesOf(3) });
  await guard.onConnect(port);
  assert.deepEqual(port.verdict(), {
    type: "verdict",
    effect: "block",
    notice: {
      type: "parapet.notice", decision: "block", message: "Label it first.", reason: "policy said block",
      event_id: "act-1", fix: "Apply the Confidential label.", link: "http://127.0.0.1:8443/help/labels",
    },
  });
  assert.ok(port.disconnected);
});

test("upload decisions map to proceed or block", async () => {
  const cases = [["allow", "proceed", false], ["monitor", "proceed", false], ["warn", "proceed", true], ["step_up", "block", true], ["block", "block", true]];
  for (const [decision, effect, noticed] of cases) {
    const { guard } = await setup({ decide: verdictFor(decision) });
    const port = contentPort({ bytes: bytesOf(3) });
    await guard.onConnect(port);
    assert.equal(port.verdict().effect, effect, decision);
    assert.equal(port.verdict().notice !== null, noticed, `${decision} notice`);
  }
});

test("file over the inspection limit sends no content", async () => {
  const { chrome, socket, guard } = await setup();
  await chrome.storage.local.set({ maxInspectBytes: 100 });
  const port = contentPort({ bytes: bytesOf(101) });
  await guard.onConnect(port);
  assert.ok(!port.posted.some((m) => m.type === "read"), "no bytes are read");
  const request = socket.sent.find((m) => m.type === "action.request");
  assert.equal(request.body.file.size, 101);
  const chunks = socket.chunks();
  assert.equal(chunks.length, 1);
  assert.deepEqual({ offset: chunks[0].offset, length: chunks[0].data.length, last: chunks[0].last }, { offset: 0, length: 0, last: true });
  assert.equal(port.verdict().effect, "proceed");
});

test("file at the inspection limit is sent whole", async () => {
  const { chrome, socket, guard } = await setup();
  await chrome.storage.local.set({ maxInspectBytes: 100 });
  await guard.onConnect(contentPort({ bytes: bytesOf(100) }));
  assert.equal(socket.chunks()[0].data.length, 100);
});

test("empty file sends one empty last chunk", async () => {
  const { socket, guard } = await setup();
  const port = contentPort({ bytes: new Uint8Array(0) });
  await guard.onConnect(port);
  assert.deepEqual(socket.chunks().map((c) => [c.offset, c.data.length, c.last]), [[0, 0, true]]);
  assert.equal(port.verdict().effect, "proceed");
});

test("sensitive app blocks uploads when the agent is not connected", async () => {
  const { socket, guard } = await setup({ connected: false });
  const port = contentPort({ bytes: bytesOf(3) });
  await guard.onConnect(port);
  assert.equal(socket.sent.length, 0);
  assert.equal(port.verdict().effect, "block");
  assert.equal(port.verdict().notice.message, UPLOAD_UNREACHABLE_MESSAGE);
});

test("non-sensitive app allows uploads when the agent is not connected", async () => {
  const { guard } = await setup({ connected: false });
  const port = contentPort({ url: "http://127.0.0.1:8090/", bytes: bytesOf(3) });
  await guard.onConnect(port);
  assert.deepEqual(port.verdict(), { type: "verdict", effect: "proceed", notice: null });
});

test("sensitive app blocks when no verdict comes", async () => {
  const { guard } = await setup({ decide: () => null, verdictTimeoutMs: 30 });
  const port = contentPort({ bytes: bytesOf(3) });
  await guard.onConnect(port);
  assert.equal(port.verdict().effect, "block");
  assert.match(port.verdict().notice.reason, /within 0.03 s/);
});

test("agent error for a chunk ends the upload in fail mode", async () => {
  const { socket, guard } = await setup();
  socket.decide = () => ({
    type: "error",
    body: { code: "unknown_type", message: "message type \"upload.chunk\" is not known", ref_id: socket.sent.at(-1).id },
  });
  const port = contentPort({ bytes: bytesOf(3) });
  await guard.onConnect(port);
  assert.equal(port.verdict().effect, "block");
  assert.match(port.verdict().notice.reason, /unknown_type/);
});

test("unreadable file is blocked and its upload ended", async () => {
  const { socket, guard } = await setup();
  const port = contentPort({
    start: { type: "start", file: { name: "gone.csv", size: 40_000, mime_type: "text/csv" } },
    onRead: (read) => (read.offset === 0
      ? { type: "data", offset: 0, data: Buffer.alloc(MAX_CHUNK_SIZE).toString("base64") }
      : { type: "error", message: "NotReadableError: the file changed on disk" }),
  });
  await guard.onConnect(port);
  assert.equal(port.verdict().effect, "block");
  assert.equal(port.verdict().notice.message, UNREADABLE_MESSAGE);
  assert.match(port.verdict().notice.reason, /the file changed on disk/);
  const chunks = socket.chunks();
  assert.deepEqual(chunks.map((c) => [c.offset, c.last]), [[0, false], [MAX_CHUNK_SIZE, true]]);
});

test("chunk of the wrong length is blocked", async () => {
  const { guard } = await setup();
  const port = contentPort({
    start: { type: "start", file: { name: "a.csv", size: 10, mime_type: "" } },
    onRead: (read) => ({ type: "data", offset: read.offset, data: Buffer.alloc(11).toString("base64") }),
  });
  await guard.onConnect(port);
  assert.equal(port.verdict().effect, "block");
});

test("chunk that is not base64 is blocked", async () => {
  const { guard } = await setup();
  const port = contentPort({
    start: { type: "start", file: { name: "a.csv", size: 3, mime_type: "" } },
    onRead: (read) => ({ type: "data", offset: read.offset, data: "not base64!" }),
  });
  await guard.onConnect(port);
  assert.equal(port.verdict().effect, "block");
});

test("content script that never answers is blocked", async () => {
  const { guard } = await setup({ contentWaitMs: 20 });
  const port = contentPort({ start: { type: "start", file: { name: "a.csv", size: 3, mime_type: "" } }, onRead: () => null });
  await guard.onConnect(port);
  assert.equal(port.verdict().effect, "block");
});

test("closed port ends the upload without a verdict", async () => {
  const { socket, guard } = await setup();
  let port;
  port = contentPort({
    start: { type: "start", file: { name: "a.csv", size: 3, mime_type: "" } },
    onRead: () => {
      setImmediate(() => port.closeFromContent());
      return null;
    },
  });
  await guard.onConnect(port);
  assert.equal(port.verdict(), undefined);
  assert.deepEqual(socket.chunks().map((c) => [c.offset, c.data.length, c.last]), [[0, 0, true]]);
});

test("port from another sender is rejected", async () => {
  for (const sender of [{ senderID: "otherextensionidotherextensionid" }, { frameId: 2 }]) {
    const { socket, guard } = await setup();
    const port = contentPort({ bytes: bytesOf(3), ...sender });
    await guard.onConnect(port);
    assert.ok(port.disconnected, JSON.stringify(sender));
    assert.equal(port.verdict(), undefined);
    assert.ok(!socket.sent.some((m) => m.type === "action.request"));
  }
});

test("invalid start message is rejected", async () => {
  for (const start of [{ type: "begin" }, { type: "start", file: { name: "a", size: -1 } }, { type: "start", file: { name: 5, size: 1 } }, "start"]) {
    const { socket, guard } = await setup();
    const port = contentPort({ start });
    await guard.onConnect(port);
    assert.ok(port.disconnected, JSON.stringify(start));
    assert.ok(!socket.sent.some((m) => m.type === "action.request"));
  }
});

test("parseStart keeps a base name within the limits", () => {
  assert.deepEqual(parseStart({ type: "start", file: { name: "/tmp/x/report.pdf", size: 1, mime_type: "application/pdf" } }),
    { name: "report.pdf", size: 1, mime_type: "application/pdf" });
  assert.equal(parseStart({ type: "start", file: { name: "", size: 1 } }).name, "upload");
  assert.equal(parseStart({ type: "start", file: { name: "a\u0000b", size: 1 } }).name, "ab");
  assert.equal(new TextEncoder().encode(parseStart({ type: "start", file: { name: "é".repeat(600), size: 1 } }).name).length <= 1024, true);
  assert.equal(parseStart({ type: "start", file: { name: "a", size: 1, mime_type: "x".repeat(300) } }).mime_type, "");
  assert.equal(parseStart({ type: "start", file: { name: "a", size: 1.5 } }), null);
  assert.equal(parseStart(null), null);
});

test("readMaxInspectBytes prefers managed over local", async () => {
  const chrome = fakeChrome();
  assert.equal(await readMaxInspectBytes(chrome, quietLog), DEFAULT_MAX_INSPECT_BYTES);
  await chrome.storage.local.set({ maxInspectBytes: 10 });
  assert.equal(await readMaxInspectBytes(chrome, quietLog), 10);
  chrome.storage.managed.get = async () => ({ maxInspectBytes: 20 });
  assert.equal(await readMaxInspectBytes(chrome, quietLog), 20);
  chrome.storage.managed.get = async () => ({ maxInspectBytes: "big" });
  assert.equal(await readMaxInspectBytes(chrome, quietLog), 10);
});

test("scope reports protected pages to their own content script only", async () => {
  const { guard } = await setup();
  const sender = { id: RUNTIME_ID, url: "http://127.0.0.1:8080/", tab: { id: 1 }, frameId: 0 };
  assert.deepEqual(await guard.scope(sender), { protected: true });
  assert.deepEqual(await guard.scope({ ...sender, url: "http://127.0.0.1:9999/" }), { protected: false });
  assert.deepEqual(await guard.scope({ ...sender, tab: undefined }), { protected: false });
});

test("uploadFailModeVerdict follows the app's sensitivity", () => {
  assert.equal(uploadFailModeVerdict({ id: "fs", sensitive: true }, "down").decision, "block");
  assert.equal(uploadFailModeVerdict({ id: "fs", sensitive: false }, "down").decision, "allow");
  assert.match(uploadFailModeVerdict({ id: "fs", sensitive: true }, "down").reason, /upload was blocked/);
});
