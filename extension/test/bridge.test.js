import { test } from "node:test";
import assert from "node:assert/strict";

import {
  Bridge, readBridgePort, SOFTWARE, AGENT_KEY, PING_INTERVAL_MS, UNREADABLE_VERDICT_MESSAGE, unreadableVerdictRequestID,
} from "../lib/bridge.js";
import { PolicyStore, POLICY_KEY } from "../lib/policy.js";
import { encode } from "../lib/protocol.js";
import { fakeChrome, quietLog } from "./fake_chrome.js";

class FakeSocket {
  static OPEN = 1;
  static instances = [];

  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    FakeSocket.instances.push(this);
  }

  send(text) {
    this.sent.push(JSON.parse(text));
  }

  close() {
    this.readyState = 3;
    this.onclose?.({ code: 1000 });
  }

  open() {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }

  receive(type, body, id = "agt-1") {
    this.onmessage({ data: encode(type, body, id) });
  }
}

// Timers that run only when the test calls fire().
function manualTimers() {
  const timers = new Map();
  let next = 1;
  return {
    timers,
    setTimeout(fn, ms) { timers.set(next, { fn, ms, repeat: false }); return next++; },
    setInterval(fn, ms) { timers.set(next, { fn, ms, repeat: true }); return next++; },
    clearTimeout(id) { timers.delete(id); },
    clearInterval(id) { timers.delete(id); },
    fire(ms) {
      for (const [id, timer] of [...timers]) {
        if (timer.ms === ms) {
          if (!timer.repeat) timers.delete(id);
          timer.fn();
        }
      }
    },
  };
}

async function connected() {
  FakeSocket.instances = [];
  const chrome = fakeChrome();
  const policy = new PolicyStore(chrome);
  const timers = manualTimers();
  const bridge = new Bridge({ chrome, policy, WebSocketImpl: FakeSocket, timers, log: quietLog });
  await bridge.connect();
  const socket = FakeSocket.instances[0];
  socket.open();
  return { chrome, policy, timers, bridge, socket };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

test("bridge connects to the loopback bridge and sends hello", async () => {
  const { socket, bridge } = await connected();
  assert.equal(socket.url, "ws://127.0.0.1:47801/bridge");
  assert.equal(bridge.connected, true);
  assert.equal(socket.sent[0].type, "hello");
  assert.deepEqual(socket.sent[0].body, { peer: "extension", software: SOFTWARE });
  assert.equal(socket.sent[0].v, 1);
});

test("bridge uses the managed port", async () => {
  const chrome = fakeChrome();
  chrome.storage.managed.get = async () => ({ bridgePort: 50000 });
  assert.equal(await readBridgePort(chrome, quietLog), 50000);
  chrome.storage.managed.get = async () => ({ bridgePort: 70000 });
  assert.equal(await readBridgePort(chrome, quietLog), 47801);
  chrome.storage.managed.get = async () => { throw new Error("no managed storage"); };
  assert.equal(await readBridgePort(chrome, quietLog), 47801);
});

test("bridge port from local storage yields to managed", async () => {
  const chrome = fakeChrome();
  await chrome.storage.local.set({ bridgePort: 51000 });
  chrome.storage.managed.get = async () => { throw new Error("no managed storage"); };
  assert.equal(await readBridgePort(chrome, quietLog), 51000);
  chrome.storage.managed.get = async () => ({ bridgePort: 50000 });
  assert.equal(await readBridgePort(chrome, quietLog), 50000);
  await chrome.storage.local.set({ bridgePort: "x" });
  chrome.storage.managed.get = async () => ({});
  assert.equal(await readBridgePort(chrome, quietLog), 47801);
});

test("bridge pings on the keepalive interval", async () => {
  const { socket, timers } = await connected();
  timers.fire(PING_INTERVAL_MS);
  assert.equal(socket.sent.at(-1).type, "ping");
  assert.ok(PING_INTERVAL_MS <= 20_000);
});

test("bridge stores the agent hello in session storage", async () => {
  const { socket, chrome } = await connected();
  socket.receive("hello", { peer: "agent", software: "parapet-agent 0.1.0", device_id: "dev-1", user: "ana@corp.test" });
  await settle();
  const { [AGENT_KEY]: agent } = await chrome.storage.session.get(AGENT_KEY);
  assert.equal(agent.connected, true);
  assert.equal(agent.user, "ana@corp.test");
  assert.equal(agent.device_id, "dev-1");
});

test("bridge stores policy.update in session and local storage", async () => {
  const { socket, chrome, policy } = await connected();
  socket.receive("policy.update", { revision: 4, apps: [{ id: "fs", hosts: ["127.0.0.1:8080"], sensitive: true }] });
  await settle();
  for (const area of [chrome.storage.session, chrome.storage.local]) {
    const { [POLICY_KEY]: stored } = await area.get(POLICY_KEY);
    assert.equal(stored.revision, 4);
    assert.deepEqual(stored.apps, [{ id: "fs", hosts: ["127.0.0.1:8080"], sensitive: true }]);
  }
  assert.equal((await policy.apps()).length, 1);
});

test("policy falls back to the local cache", async () => {
  const chrome = fakeChrome();
  await chrome.storage.local.set({ [POLICY_KEY]: { revision: 2, apps: [{ id: "a", hosts: ["x.test"], sensitive: true }] } });
  const apps = await new PolicyStore(chrome).apps();
  assert.equal(apps[0].id, "a");
});

test("bridge answers ping with pong", async () => {
  const { socket } = await connected();
  socket.receive("ping", {});
  assert.equal(socket.sent.at(-1).type, "pong");
});

test("request resolves with the verdict for its id", async () => {
  const { socket, bridge } = await connected();
  const pending = bridge.request("action.request", { activity: "download", app_host: "a.test", page_url: "http://a.test/", tab_id: -1 }, 10_000);
  const id = socket.sent.at(-1).id;
  socket.receive("verdict", { request_id: "other", decision: "allow", reason: "r", policy_ids: [], event_id: "" });
  socket.receive("verdict", { request_id: id, decision: "block", reason: "r", policy_ids: [], event_id: "act-1" });
  const reply = await pending;
  assert.equal(reply.body.decision, "block");
  assert.equal(bridge.pending.size, 0);
});

test("undecodable verdict blocks its request", async () => {
  const { socket, bridge } = await connected();
  const pending = bridge.request("action.request", { activity: "download", app_host: "a.test", page_url: "http://a.test/", tab_id: -1 }, 10_000);
  const id = socket.sent.at(-1).id;
  // A field this extension does not know makes the verdict undecodable.
  const verdict = JSON.parse(encode("verdict", { request_id: id, decision: "allow", reason: "r", policy_ids: [], event_id: "act-2" }, "agt-9"));
  verdict.body.future_field = true;
  socket.onmessage({ data: JSON.stringify(verdict) });
  const reply = await pending;
  assert.equal(reply.body.decision, "block");
  assert.equal(reply.body.message, UNREADABLE_VERDICT_MESSAGE);
  assert.equal(socket.sent.at(-1).type, "error");
  assert.equal(bridge.pending.size, 0);
});

test("unreadable message without a pending request changes nothing", async () => {
  const { socket, bridge } = await connected();
  const pending = bridge.request("ping", {}, 10_000);
  socket.onmessage({ data: '{"v":1,"type":"verdict","id":"x","ts":"2026-12-03T10:00:00Z","body":{"request_id":"nobody","x":1}}' });
  assert.equal(bridge.pending.size, 1);
  assert.equal(unreadableVerdictRequestID("not json"), undefined);
  assert.equal(unreadableVerdictRequestID('{"type":"error","body":{"request_id":"a"}}'), undefined);
  bridge.pending.clear();
  void pending.catch(() => {});
});

test("request rejects on an error reply for its id", async () => {
  const { socket, bridge } = await connected();
  const pending = bridge.request("ping", {}, 10_000);
  const id = socket.sent.at(-1).id;
  socket.receive("error", { code: "invalid_field", message: "body.x: bad", ref_id: id });
  await assert.rejects(pending, /invalid_field/);
});

test("request rejects on timeout", async () => {
  const { bridge, timers } = await connected();
  const pending = bridge.request("ping", {}, 10_000);
  timers.fire(10_000);
  await assert.rejects(pending, /within 10 s/);
});

test("request rejects when the link closes", async () => {
  const { bridge, socket } = await connected();
  const pending = bridge.request("ping", {}, 10_000);
  socket.close();
  await assert.rejects(pending, /closed/);
  assert.equal(bridge.connected, false);
});

test("request rejects at once when not connected", async () => {
  const { bridge, socket } = await connected();
  socket.close();
  await assert.rejects(bridge.request("ping", {}, 10_000), /not connected/);
});

test("bridge replies with an error to an invalid message", async () => {
  const { socket } = await connected();
  socket.onmessage({ data: '{"v":2,"type":"ping","id":"agt-5","ts":"2026-12-03T10:00:00Z","body":{}}' });
  const reply = socket.sent.at(-1);
  assert.equal(reply.type, "error");
  assert.equal(reply.body.code, "unsupported_version");
  assert.equal(reply.body.ref_id, "agt-5");
});

test("bridge reconnects after close", async () => {
  const { socket, timers, chrome } = await connected();
  socket.close();
  await settle();
  const { [AGENT_KEY]: agent } = await chrome.storage.session.get(AGENT_KEY);
  assert.equal(agent.connected, false);
  const retry = [...timers.timers.values()].find((t) => !t.repeat);
  assert.ok(retry, "a reconnect timer is scheduled");
  assert.ok(retry.ms <= 1000, `first retry after ${retry.ms} ms`);
  retry.fn();
  await settle();
  assert.equal(FakeSocket.instances.length, 2);
});

test("connect does nothing while a socket exists", async () => {
  const { bridge } = await connected();
  await bridge.connect();
  assert.equal(FakeSocket.instances.length, 1);
});

test("openRequest starts no timer until startTimer", async () => {
  const { bridge, timers, socket } = await connected();
  const pending = bridge.openRequest("ping", {});
  assert.equal(socket.sent.at(-1).id, pending.id);
  assert.ok(![...timers.timers.values()].some((t) => t.ms === 30_000));
  pending.startTimer(30_000);
  timers.fire(30_000);
  await assert.rejects(pending.reply, /within 30 s/);
  assert.equal(bridge.pending.size, 0);
});

test("error for a follow-up message rejects its request", async () => {
  const { bridge, socket } = await connected();
  const pending = bridge.openRequest("ping", {});
  assert.equal(pending.send("upload.chunk", { request_id: pending.id, offset: 0, data: new Uint8Array([1]), last: true }), true);
  const chunk = socket.sent.at(-1);
  assert.equal(chunk.type, "upload.chunk");
  assert.equal(chunk.body.data, "AQ==");
  socket.receive("error", { code: "unknown_type", message: "message type \"upload.chunk\" is not known", ref_id: chunk.id });
  await assert.rejects(pending.reply, /unknown_type/);
  assert.equal(bridge.aliases.size, 0);
  assert.equal(pending.send("ping", {}), false, "no follow-up after the request settled");
});
