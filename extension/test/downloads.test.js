import { test } from "node:test";
import assert from "node:assert/strict";

import { DownloadGuard, effectOf, failModeVerdict, fileNameOf, fitURL, AGENT_UNREACHABLE_MESSAGE } from "../lib/downloads.js";
import { PolicyStore } from "../lib/policy.js";
import { fakeChrome, quietLog, callNames } from "./fake_chrome.js";

const APPS = [
  { id: "filestore", hosts: ["127.0.0.1:8080"], sensitive: true },
  { id: "wiki", hosts: ["127.0.0.1:8090"], sensitive: false },
];
const TABS = [
  { id: 7, url: "http://127.0.0.1:8080/", active: true },
  { id: 9, url: "http://127.0.0.1:8090/page", active: false },
];

// A bridge stand-in: `reply` builds the verdict body for a request body, or
// throws to simulate a timeout or an error reply.
function fakeBridge({ connected = true, reply } = {}) {
  return {
    connected,
    requests: [],
    async request(type, body, timeoutMs) {
      this.requests.push({ type, body, timeoutMs });
      return { type: "verdict", body: reply(body) };
    },
  };
}

async function setup({ apps = APPS, bridge, item = {}, tabs = TABS } = {}) {
  const download = { id: 1, url: "http://127.0.0.1:8080/files/q3.docx", finalUrl: "http://127.0.0.1:8080/files/q3.docx",
    referrer: "http://127.0.0.1:8080/", filename: "", mime: "application/msword", totalBytes: 5, ...item };
  const chrome = fakeChrome({ tabs, downloads: [download] });
  const policy = new PolicyStore(chrome);
  if (apps) {
    await policy.update({ revision: 1, apps });
  }
  const guard = new DownloadGuard({ chrome, bridge, policy, log: quietLog, filenameWaitMs: 20 });
  return { chrome, guard, download };
}

const verdict = (decision, extra = {}) => () => ({ request_id: "x", decision, message: "", reason: `policy said ${decision}`, policy_ids: [], event_id: "act-1", ...extra });

test("unprotected download proceeds without a request", async () => {
  const bridge = fakeBridge({ reply: verdict("block") });
  const { chrome, guard, download } = await setup({ bridge, item: { referrer: "http://127.0.0.1:9999/", url: "http://127.0.0.1:9999/a.txt", finalUrl: "" } });
  let suggested = 0;
  await guard.onCreated(download);
  assert.equal(guard.onDeterminingFilename({ ...download, filename: "a.txt" }, () => suggested++), true);
  assert.equal(suggested, 1);
  assert.equal(bridge.requests.length, 0);
  assert.ok(!callNames(chrome).includes("downloads.pause"));
});

test("no policy means nothing is protected", async () => {
  const bridge = fakeBridge({ reply: verdict("block") });
  const { chrome, guard, download } = await setup({ apps: null, bridge });
  await guard.onCreated(download);
  assert.equal(bridge.requests.length, 0);
  assert.deepEqual(callNames(chrome), []);
});

test("protected download is paused and its filename held until the verdict", async () => {
  let release;
  const gate = new Promise((resolve) => { release = resolve; });
  const bridge = fakeBridge({ reply: verdict("allow") });
  bridge.request = async function (type, body) {
    this.requests.push({ type, body });
    await gate;
    return { body: verdict("allow")() };
  };
  const { chrome, guard, download } = await setup({ bridge });
  let suggested = 0;
  const created = guard.onCreated(download);
  guard.onDeterminingFilename({ ...download, filename: "Q3 Forecast.docx" }, () => suggested++);
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(suggested, 0, "suggest must wait for the verdict");
  assert.ok(callNames(chrome).includes("downloads.pause"));
  release();
  await created;
  assert.equal(suggested, 1);
  assert.ok(callNames(chrome).includes("downloads.resume"));
});

test("action.request carries the download's fields", async () => {
  const bridge = fakeBridge({ reply: verdict("allow") });
  const { guard, download } = await setup({ bridge });
  const created = guard.onCreated(download);
  guard.onDeterminingFilename({ ...download, filename: "Q3 Forecast.docx" }, () => {});
  await created;
  assert.equal(bridge.requests.length, 1);
  const { type, body, timeoutMs } = bridge.requests[0];
  assert.equal(type, "action.request");
  assert.equal(timeoutMs, 10_000);
  assert.deepEqual(body, {
    activity: "download",
    app_host: "127.0.0.1:8080",
    page_url: "http://127.0.0.1:8080/",
    target_url: "http://127.0.0.1:8080/files/q3.docx",
    file: { name: "Q3 Forecast.docx", size: 5, mime_type: "application/msword" },
    tab_id: 7,
  });
});

test("request uses the URL name when no filename event comes", async () => {
  const bridge = fakeBridge({ reply: verdict("monitor") });
  const { guard, download } = await setup({ bridge, item: { totalBytes: -1 } });
  await guard.onCreated(download);
  assert.equal(bridge.requests[0].body.file.name, "q3.docx");
  assert.equal(bridge.requests[0].body.file.size, -1);
});

test("blocked download is cancelled, erased and noticed", async () => {
  const bridge = fakeBridge({ reply: verdict("block", { message: "Not here.", event_id: "act-9" }) });
  const { chrome, guard, download } = await setup({ bridge });
  let suggested = 0;
  const created = guard.onCreated(download);
  guard.onDeterminingFilename({ ...download, filename: "q3.docx" }, () => suggested++);
  await created;
  const names = callNames(chrome);
  assert.ok(names.indexOf("downloads.cancel") >= 0, "cancel was not called");
  assert.ok(names.indexOf("downloads.cancel") < names.indexOf("downloads.erase"), "erase must follow cancel");
  assert.ok(!names.includes("downloads.resume"));
  assert.ok(!names.includes("downloads.removeFile"));
  assert.equal(suggested, 0, "a blocked download never gets its filename");
  const [, tabId, notice] = chrome.calls.find(([name]) => name === "tabs.sendMessage");
  assert.equal(tabId, 7);
  assert.deepEqual(notice, { type: "parapet.notice", decision: "block", message: "Not here.", reason: "policy said block", event_id: "act-9", fix: "", link: "" });
});

test("blocked download that completed has its file removed", async () => {
  const bridge = fakeBridge({ reply: verdict("block") });
  const { chrome, guard, download } = await setup({ bridge });
  chrome.items.get(1).state = "complete";
  await guard.onCreated({ ...download, state: "complete" });
  const names = callNames(chrome);
  assert.ok(names.includes("downloads.removeFile"));
  assert.ok(!names.includes("downloads.cancel"));
  assert.ok(names.includes("downloads.erase"));
});

test("step_up blocks and warn proceeds with a notice", async () => {
  for (const [decision, blocked] of [["step_up", true], ["warn", false]]) {
    const bridge = fakeBridge({ reply: verdict(decision) });
    const { chrome, guard, download } = await setup({ bridge });
    await guard.onCreated(download);
    const names = callNames(chrome);
    assert.equal(names.includes("downloads.cancel"), blocked, decision);
    assert.equal(names.includes("downloads.resume"), !blocked, decision);
    assert.ok(names.includes("tabs.sendMessage"), `${decision} shows a notice`);
  }
});

test("sensitive app fails closed when the agent is not connected", async () => {
  const bridge = fakeBridge({ connected: false, reply: verdict("allow") });
  const { chrome, guard, download } = await setup({ bridge });
  await guard.onCreated(download);
  assert.equal(bridge.requests.length, 0);
  assert.ok(callNames(chrome).includes("downloads.cancel"));
  const [, , notice] = chrome.calls.find(([name]) => name === "tabs.sendMessage");
  assert.equal(notice.message, AGENT_UNREACHABLE_MESSAGE);
  assert.match(notice.reason, /sensitive/);
});

test("non-sensitive app fails open when the agent is not connected", async () => {
  const bridge = fakeBridge({ connected: false, reply: verdict("block") });
  const { chrome, guard, download } = await setup({
    bridge, item: { referrer: "http://127.0.0.1:8090/page", url: "http://127.0.0.1:8090/a.txt", finalUrl: "" },
  });
  await guard.onCreated(download);
  const names = callNames(chrome);
  assert.ok(names.includes("downloads.resume"));
  assert.ok(!names.includes("downloads.cancel"));
  assert.ok(!names.includes("tabs.sendMessage"));
});

test("sensitive app fails closed on a verdict timeout", async () => {
  const bridge = fakeBridge({ reply: () => { throw new Error("no reply from parapet-agent within 10 s"); } });
  const { chrome, guard, download } = await setup({ bridge });
  await guard.onCreated(download);
  assert.equal(bridge.requests.length, 1);
  assert.ok(callNames(chrome).includes("downloads.cancel"));
});

test("tab falls back to the active tab without a referrer", async () => {
  const bridge = fakeBridge({ reply: verdict("allow") });
  const { guard, download } = await setup({ bridge, item: { referrer: "" } });
  await guard.onCreated(download);
  assert.equal(bridge.requests[0].body.tab_id, 7);
  assert.equal(bridge.requests[0].body.page_url, "http://127.0.0.1:8080/");
});

test("download URL on a protected host counts without a protected page", async () => {
  const bridge = fakeBridge({ reply: verdict("allow") });
  const { guard, download } = await setup({ bridge, item: { referrer: "" }, tabs: [] });
  await guard.onCreated(download);
  assert.equal(bridge.requests.length, 1);
  assert.equal(bridge.requests[0].body.app_host, "127.0.0.1:8080");
  assert.equal(bridge.requests[0].body.page_url, download.url);
  assert.equal(bridge.requests[0].body.tab_id, -1);
});

test("filename event before onCreated is held too", async () => {
  const bridge = fakeBridge({ reply: verdict("block") });
  const { chrome, guard, download } = await setup({ bridge });
  let suggested = 0;
  guard.onDeterminingFilename({ ...download, filename: "q3.docx" }, () => suggested++);
  await guard.onCreated(download);
  await guard.holds.get(1).processing;
  assert.equal(bridge.requests.length, 1, "one request per download");
  assert.ok(callNames(chrome).includes("downloads.cancel"));
  assert.equal(suggested, 0);
});

test("effectOf maps every decision", () => {
  assert.deepEqual(
    ["allow", "monitor", "protect", "warn", "step_up", "block", "unknown"].map(effectOf),
    ["proceed", "proceed", "proceed", "proceed", "block", "block", "block"],
  );
});

test("failModeVerdict names the app", () => {
  assert.equal(failModeVerdict({ id: "fs", sensitive: true }, "down").decision, "block");
  assert.equal(failModeVerdict({ id: "fs", sensitive: false }, "down").decision, "allow");
  assert.match(failModeVerdict({ id: "fs", sensitive: true }, "down").reason, /fs is a sensitive app/);
});

test("fileNameOf prefers Chrome's filename", () => {
  assert.equal(fileNameOf({ filename: "/home/ana/Downloads/report.pdf", url: "http://a.test/x" }), "report.pdf");
  assert.equal(fileNameOf({ filename: "C:\\Users\\ana\\report.pdf" }), "report.pdf");
  assert.equal(fileNameOf({ filename: "", finalUrl: "http://a.test/d/na%20me.txt?x=1", url: "http://a.test/r" }), "na me.txt");
  assert.equal(fileNameOf({ filename: "", url: "http://a.test/" }), "download");
  assert.equal(fileNameOf({ filename: "", url: "data:text/plain,abc" }), "download");
  assert.equal(new TextEncoder().encode(fileNameOf({ filename: "é".repeat(600) })).length <= 1024, true);
});

test("fitURL shortens what the protocol rejects", () => {
  assert.equal(fitURL("http://127.0.0.1:8080/a?b=1"), "http://127.0.0.1:8080/a?b=1");
  assert.equal(fitURL(`http://127.0.0.1:8080/a?q=${"x".repeat(5000)}`), "http://127.0.0.1:8080/a");
  assert.equal(fitURL(`data:text/plain;base64,${"A".repeat(5000)}`), "data:text/plain;base64,");
  assert.equal(fitURL(""), "");
  assert.equal(fitURL("no scheme"), "");
});
