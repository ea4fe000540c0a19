// Step-up, session tokens, page actions (copy, cut, paste, print) and
// access changes in the service worker, against a fake agent socket.

import { test } from "node:test";
import assert from "node:assert/strict";

import { Bridge } from "../lib/bridge.js";
import { PolicyStore } from "../lib/policy.js";
import { DownloadGuard } from "../lib/downloads.js";
import { encode, decode } from "../lib/protocol.js";
import { StepUpLinks, STEP_UP_TIMEOUT_MS, PROMPT_MESSAGE_TYPE } from "../lib/stepup.js";
import { PageActionGuard, fitPasteText, actionEffectOf } from "../lib/page_actions.js";
import { AccessNotifier, ACCESS_KEY } from "../lib/access.js";
import { MAX_PASTE_TEXT, utf8Length } from "../lib/validate.js";
import { fakeChrome, quietLog } from "./fake_chrome.js";

const APPS = [
  { id: "filestore", hosts: ["127.0.0.1:8080"], sensitive: true },
  { id: "wiki", hosts: ["127.0.0.1:8090"], sensitive: false },
];
const TOKEN = "ppt_" + "Z".repeat(43);
const LINK = "https://127.0.0.1:8443/stepup/h-1";

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
    this.sent.push(decode(text));
  }

  close() {
    this.readyState = 3;
    this.onclose?.({ code: 1000 });
  }

  open() {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }

  receive(type, body, id = `agt-${this.sent.length}`) {
    this.onmessage({ data: encode(type, body, id) });
  }

  requests() {
    return this.sent.filter((m) => m.type === "action.request");
  }
}

// Timers that run only when the test calls fire(ms).
function manualTimers() {
  const timers = new Map();
  let next = 1;
  return {
    timers,
    setTimeout(fn, ms) { timers.set(next, { fn, ms }); return next++; },
    setInterval() { return next++; },
    clearTimeout(id) { timers.delete(id); },
    clearInterval() {},
    pending() { return [...timers.values()].map((t) => t.ms); },
    fire(ms) {
      for (const [id, timer] of [...timers]) {
        if (timer.ms === ms) {
          timers.delete(id);
          timer.fn();
        }
      }
    },
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

async function setup({ token = "", tabs = [{ id: 7, url: "http://127.0.0.1:8080/", active: true }] } = {}) {
  FakeSocket.instances = [];
  const chrome = fakeChrome({ tabs, downloads: [{ id: 1, url: "http://127.0.0.1:8080/files/q3.docx", referrer: "http://127.0.0.1:8080/", mime: "application/msword", totalBytes: 5 }] });
  chrome.tabs.create = async (props) => {
    chrome.calls.push(["tabs.create", props]);
    return { id: 99, ...props };
  };
  const policy = new PolicyStore(chrome);
  await policy.update({ revision: 1, apps: APPS });
  const timers = manualTimers();
  const signIn = { ready: Promise.resolve(), token };
  const bridge = new Bridge({ chrome, policy, signIn, WebSocketImpl: FakeSocket, timers, log: quietLog });
  await bridge.connect();
  const socket = FakeSocket.instances[0];
  socket.open();
  const links = new StepUpLinks({ chrome, log: quietLog });
  return { chrome, policy, timers, bridge, socket, links };
}

const verdictBody = (requestId, decision, extra = {}) => ({
  request_id: requestId, decision, message: "", reason: `decided ${decision}`, policy_ids: [], event_id: "act-1", ...extra,
});

const sentMessages = (chrome) => chrome.calls.filter(([name]) => name === "tabs.sendMessage").map(([, tabId, message]) => ({ tabId, message }));

test("bridge adds the session token to action requests", async () => {
  const { bridge, socket } = await setup({ token: TOKEN });
  bridge.request("action.request", { activity: "copy", app_host: "127.0.0.1:8080", page_url: "http://127.0.0.1:8080/", tab_id: 7 }, 1000).catch(() => {});
  bridge.send("ping", {});
  assert.equal(socket.requests()[0].body.session_token, TOKEN);
  assert.equal(socket.sent.at(-1).type, "ping");
});

test("bridge sends no session token when signed out", async () => {
  const { bridge, socket } = await setup();
  bridge.request("action.request", { activity: "copy", app_host: "127.0.0.1:8080", page_url: "http://127.0.0.1:8080/", tab_id: 7 }, 1000).catch(() => {});
  assert.equal(socket.requests()[0].body.session_token, "");
});

test("step_up verdict keeps the request pending", async () => {
  const { bridge, socket, timers } = await setup();
  const interim = [];
  const reply = bridge.request("action.request", { activity: "copy", app_host: "127.0.0.1:8080", page_url: "http://127.0.0.1:8080/", tab_id: 7 }, 1000, "",
    { onStepUp: (message) => interim.push(message.body), stepUpTimeoutMs: STEP_UP_TIMEOUT_MS });
  const id = socket.requests()[0].id;
  socket.receive("verdict", verdictBody(id, "step_up", { link: LINK }));
  assert.equal(interim.length, 1);
  assert.equal(interim[0].link, LINK);
  assert.deepEqual(timers.pending(), [STEP_UP_TIMEOUT_MS], "the wait is extended to the step-up timeout");
  socket.receive("verdict", verdictBody(id, "allow"));
  assert.equal((await reply).body.decision, "allow");
});

test("step_up verdict without a handler settles the request", async () => {
  const { bridge, socket } = await setup();
  const reply = bridge.request("action.request", { activity: "copy", app_host: "127.0.0.1:8080", page_url: "http://127.0.0.1:8080/", tab_id: 7 }, 1000);
  socket.receive("verdict", verdictBody(socket.requests()[0].id, "step_up", { link: LINK }));
  assert.equal((await reply).body.decision, "step_up");
});

test("step-up wait times out after the step-up timeout", async () => {
  const { bridge, socket, timers } = await setup();
  const reply = bridge.request("action.request", { activity: "copy", app_host: "127.0.0.1:8080", page_url: "http://127.0.0.1:8080/", tab_id: 7 }, 1000, "",
    { onStepUp: () => {}, stepUpTimeoutMs: STEP_UP_TIMEOUT_MS });
  socket.receive("verdict", verdictBody(socket.requests()[0].id, "step_up", { link: LINK }));
  timers.fire(1000);
  timers.fire(STEP_UP_TIMEOUT_MS);
  await assert.rejects(reply, /no reply from parapet-agent within 130 s/);
});

async function downloadSetup() {
  const env = await setup();
  const guard = new DownloadGuard({ chrome: env.chrome, bridge: env.bridge, policy: env.policy, stepUpLinks: env.links, log: quietLog, filenameWaitMs: 5 });
  return { ...env, guard };
}

// Starts the held download and returns its processing promise once the
// action.request is out.
async function startDownload(guard, chrome, socket) {
  const item = chrome.items.get(1);
  const done = guard.onCreated(item);
  let suggested = 0;
  guard.onDeterminingFilename({ ...item, filename: "q3.docx" }, () => suggested++);
  while (socket.requests().length === 0) {
    await tick();
  }
  return { done, suggested: () => suggested };
}

test("download step-up shows the prompt and proceeds after confirmation", async () => {
  const { guard, chrome, socket, links } = await downloadSetup();
  const { done, suggested } = await startDownload(guard, chrome, socket);
  const id = socket.requests()[0].id;
  socket.receive("verdict", verdictBody(id, "step_up", { message: "Confirm it is you to continue.", link: LINK }));
  await tick();
  const [prompt] = sentMessages(chrome);
  assert.equal(prompt.tabId, 7);
  assert.deepEqual(prompt.message, {
    type: PROMPT_MESSAGE_TYPE, kind: "step_up", request_id: id, message: "Confirm it is you to continue.", reason: "decided step_up", event_id: "act-1",
  });
  assert.equal(suggested(), 0, "the download stays held during step-up");
  assert.equal(links.has(id), true);

  assert.equal(await links.open({ request_id: id }, { id: chrome.runtime.id, tab: { id: 7, index: 2 } }), true);
  assert.deepEqual(chrome.calls.find(([name]) => name === "tabs.create")[1], { url: LINK, openerTabId: 7, index: 3 });

  socket.receive("verdict", verdictBody(id, "allow"));
  await done;
  assert.equal(suggested(), 1);
  assert.deepEqual(sentMessages(chrome).at(-1).message, { type: PROMPT_MESSAGE_TYPE, kind: "confirmed", request_id: id });
  assert.equal(links.has(id), false, "the link is forgotten once decided");
});

test("download step-up that fails is blocked with the server's message", async () => {
  const { guard, chrome, socket } = await downloadSetup();
  const { done, suggested } = await startDownload(guard, chrome, socket);
  const id = socket.requests()[0].id;
  socket.receive("verdict", verdictBody(id, "step_up", { link: LINK }));
  socket.receive("verdict", verdictBody(id, "block", { message: "Step-up failed after too many wrong attempts, so this action is blocked." }));
  await done;
  assert.equal(suggested(), 0);
  assert.ok(chrome.calls.some(([name]) => name === "downloads.cancel"));
  const last = sentMessages(chrome).at(-1).message;
  assert.equal(last.type, "parapet.notice");
  assert.equal(last.decision, "block");
  assert.match(last.message, /too many wrong attempts/);
});

test("download step-up without a final verdict is blocked", async () => {
  const { guard, chrome, socket, timers } = await downloadSetup();
  const { done } = await startDownload(guard, chrome, socket);
  socket.receive("verdict", verdictBody(socket.requests()[0].id, "step_up", { link: LINK }));
  await tick();
  timers.fire(STEP_UP_TIMEOUT_MS);
  await done;
  const last = sentMessages(chrome).at(-1).message;
  assert.equal(last.decision, "block");
  assert.match(last.message, /did not confirm it's you in time/);
});

test("step-up link opens only for the prompt's tab", async () => {
  const { chrome, links } = await setup();
  links.add("req-1", 7, LINK);
  assert.equal(await links.open({ request_id: "req-1" }, { id: chrome.runtime.id, tab: { id: 8 } }), false);
  assert.equal(await links.open({ request_id: "req-2" }, { id: chrome.runtime.id, tab: { id: 7 } }), false);
  assert.equal(await links.open({ request_id: "req-1" }, { id: "other-extension", tab: { id: 7 } }), false);
  links.add("req-3", 7, "javascript:alert(1)");
  assert.equal(links.has("req-3"), false);
  assert.ok(!chrome.calls.some(([name]) => name === "tabs.create"));
});

const sender = (url = "http://127.0.0.1:8080/doc", tabId = 7) => ({ id: "ghbnpamloifnaljdabnaemelhpdehoae", tab: { id: tabId }, frameId: 0, url });

async function pageSetup(options) {
  const env = await setup(options);
  const guard = new PageActionGuard({ chrome: env.chrome, bridge: env.bridge, policy: env.policy, stepUpLinks: env.links, log: quietLog });
  return { ...env, guard };
}

test("paste request carries the pasted text", async () => {
  const { guard, socket } = await pageSetup({ token: TOKEN });
  const decided = guard.decide({ type: "parapet.action", activity: "paste", text: "card 4111 1111 1111 1111" }, sender());
  await tick();
  const [request] = socket.requests();
  assert.equal(request.body.activity, "paste");
  assert.equal(request.body.text, "card 4111 1111 1111 1111");
  assert.equal(request.body.app_host, "127.0.0.1:8080");
  assert.equal(request.body.page_url, "http://127.0.0.1:8080/doc");
  assert.equal(request.body.tab_id, 7);
  assert.equal(request.body.session_token, TOKEN);
  socket.receive("verdict", verdictBody(request.id, "block", { message: "Card numbers cannot be pasted here." }));
  const reply = await decided;
  assert.equal(reply.effect, "block");
  assert.equal(reply.notice.message, "Card numbers cannot be pasted here.");
});

test("copy request carries no text", async () => {
  const { guard, socket } = await pageSetup();
  const decided = guard.decide({ type: "parapet.action", activity: "copy", text: "secret" }, sender());
  await tick();
  const [request] = socket.requests();
  assert.equal(request.body.activity, "copy");
  assert.equal(request.body.text, "");
  socket.receive("verdict", verdictBody(request.id, "monitor"));
  assert.deepEqual(await decided, { effect: "proceed", request_id: request.id, notice: null });
});

test("page action in an unprotected page proceeds without a request", async () => {
  const { guard, socket } = await pageSetup();
  const reply = await guard.decide({ type: "parapet.action", activity: "print" }, sender("http://127.0.0.1:9999/"));
  assert.equal(reply.effect, "proceed");
  assert.equal(socket.requests().length, 0);
});

test("page action from an untrusted sender is blocked", async () => {
  const { guard, socket } = await pageSetup();
  for (const bad of [{ ...sender(), id: "other" }, { ...sender(), frameId: 3 }, { ...sender(), tab: undefined }]) {
    assert.equal((await guard.decide({ type: "parapet.action", activity: "copy" }, bad)).effect, "block");
  }
  assert.equal((await guard.decide({ type: "parapet.action", activity: "download" }, sender())).effect, "block");
  assert.equal(socket.requests().length, 0);
});

test("warned page action returns the notice for a justification", async () => {
  const { guard, socket } = await pageSetup();
  const decided = guard.decide({ type: "parapet.action", activity: "print" }, sender());
  await tick();
  const [request] = socket.requests();
  socket.receive("verdict", verdictBody(request.id, "warn", { message: "Printed copies must stay in the office." }));
  const reply = await decided;
  assert.equal(reply.effect, "warn");
  assert.equal(reply.request_id, request.id);
  assert.equal(reply.notice.message, "Printed copies must stay in the office.");
  assert.equal(guard.justify({ activity: "print", request_id: request.id, justification: "board meeting" }, sender()), true);
  assert.equal(guard.justify({ activity: "print", justification: 5 }, sender()), false);
});

test("page action step-up prompts and proceeds", async () => {
  const { guard, socket, chrome } = await pageSetup();
  const decided = guard.decide({ type: "parapet.action", activity: "cut" }, sender());
  await tick();
  const [request] = socket.requests();
  socket.receive("verdict", verdictBody(request.id, "step_up", { link: LINK }));
  await tick();
  assert.equal(sentMessages(chrome)[0].message.kind, "step_up");
  socket.receive("verdict", verdictBody(request.id, "allow"));
  const reply = await decided;
  assert.equal(reply.effect, "proceed");
  assert.equal(sentMessages(chrome).at(-1).message.kind, "confirmed");
});

test("page action fails closed in a sensitive app without the agent", async () => {
  const { guard, bridge } = await pageSetup();
  bridge.socket.close();
  const sensitive = await guard.decide({ type: "parapet.action", activity: "copy" }, sender());
  assert.equal(sensitive.effect, "block");
  assert.match(sensitive.notice.message, /cannot be reached/);
  const open = await guard.decide({ type: "parapet.action", activity: "copy" }, sender("http://127.0.0.1:8090/"));
  assert.equal(open.effect, "proceed");
});

test("fitPasteText keeps at most 32 KiB of valid text", () => {
  assert.equal(fitPasteText("a\0b"), "ab");
  assert.equal(fitPasteText("x\ud800y"), "x\ufffdy");
  const long = fitPasteText("é".repeat(MAX_PASTE_TEXT));
  assert.equal(utf8Length(long), MAX_PASTE_TEXT);
  const emoji = fitPasteText("😀".repeat(MAX_PASTE_TEXT));
  assert.ok(utf8Length(emoji) <= MAX_PASTE_TEXT);
  assert.equal(emoji.isWellFormed(), true);
  assert.doesNotThrow(() => encode("action.request", { activity: "paste", app_host: "h", page_url: "http://h/", tab_id: 1, text: long }));
});

test("actionEffectOf maps decisions", () => {
  assert.deepEqual(["allow", "monitor", "protect", "warn", "step_up", "block"].map(actionEffectOf),
    ["proceed", "proceed", "proceed", "warn", "block", "block"]);
});

test("access change reaches every tab of a protected app", async () => {
  const tabs = [
    { id: 7, url: "http://127.0.0.1:8080/", active: true },
    { id: 8, url: "http://127.0.0.1:8090/wiki", active: false },
    { id: 9, url: "http://127.0.0.1:9999/", active: false },
  ];
  const { chrome, policy, bridge, socket } = await setup({ tabs });
  const notifier = new AccessNotifier({ chrome, policy, log: quietLog });
  let shown;
  bridge.onAccessChanged = (body) => {
    shown = notifier.notify(body);
  };
  socket.receive("access.changed", { user: "ana@corp.test", state: "blocked", message: "Your access to protected apps was blocked by your administrator." });
  assert.deepEqual(await shown, [7, 8]);
  const messages = sentMessages(chrome);
  assert.deepEqual(messages.map((m) => m.tabId), [7, 8]);
  assert.deepEqual(messages[0].message, {
    type: PROMPT_MESSAGE_TYPE, kind: "access", state: "blocked", message: "Your access to protected apps was blocked by your administrator.", until: "",
  });
  assert.equal(chrome.storage.session.data[ACCESS_KEY].state, "blocked");
});
