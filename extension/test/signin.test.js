import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import { SignIn, parseDoneURL, serverOrigin, newState, readServerOrigin, SIGNIN_KEY, SIGNIN_STATE_KEY, STATE_LIFETIME_MS } from "../lib/signin.js";
import { fakeChrome, quietLog } from "./fake_chrome.js";

const ORIGIN = "https://127.0.0.1:8443";
const TOKEN = "ppt_" + "A".repeat(43);

// fakeChrome plus the calls the sign-in uses: tabs.create, tabs.remove and
// storage.session.remove.
export function signInChrome({ serverUrl = `${ORIGIN}/`, managed = {} } = {}) {
  const chrome = fakeChrome();
  chrome.storage.managed = { get: async () => managed };
  if (serverUrl !== null) {
    chrome.storage.local.data.serverUrl = serverUrl;
  }
  chrome.storage.session.remove = async (keys) => {
    for (const key of [keys].flat()) {
      delete chrome.storage.session.data[key];
    }
  };
  chrome.tabs.create = async (props) => {
    chrome.calls.push(["tabs.create", props]);
    return { id: 41, ...props };
  };
  chrome.tabs.remove = async (id) => {
    chrome.calls.push(["tabs.remove", id]);
  };
  return chrome;
}

function doneURL({ origin = ORIGIN, path = "/signin/done", token = TOKEN, state, email = "ana@corp.test" }) {
  const fragment = new URLSearchParams({ token, expires_at: "2099-01-01T00:00:00Z", state, email });
  return `${origin}${path}#${fragment}`;
}

async function begun(options) {
  const chrome = signInChrome(options);
  const signIn = new SignIn({ chrome, log: quietLog });
  await signIn.ready;
  const tab = await signIn.begin({ deviceId: "dev-1" });
  const state = new URL(tab.url).searchParams.get("state");
  return { chrome, signIn, tab, state };
}

test("newState is 43 base64url characters", () => {
  const state = newState();
  assert.match(state, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(newState(), state);
});

test("serverOrigin accepts only https", () => {
  assert.equal(serverOrigin("https://parapet.corp.test/x?y"), "https://parapet.corp.test");
  assert.equal(serverOrigin("https://127.0.0.1:8443"), ORIGIN);
  assert.equal(serverOrigin("http://127.0.0.1:8443"), null);
  assert.equal(serverOrigin("https://user:pw@127.0.0.1/"), null);
  assert.equal(serverOrigin("not a url"), null);
  assert.equal(serverOrigin(8443), null);
});

test("managed serverUrl wins over local", async () => {
  const chrome = signInChrome({ managed: { serverUrl: "https://parapet.corp.test" } });
  assert.equal(await readServerOrigin(chrome, quietLog), "https://parapet.corp.test");
});

test("invalid managed serverUrl falls back to local", async () => {
  const chrome = signInChrome({ managed: { serverUrl: "http://plain.test" } });
  assert.equal(await readServerOrigin(chrome, quietLog), ORIGIN);
});

test("begin opens the sign-in page with a stored state", async () => {
  const { chrome, tab, state } = await begun();
  const url = new URL(tab.url);
  assert.equal(url.origin, ORIGIN);
  assert.equal(url.pathname, "/signin");
  assert.equal(url.searchParams.get("ext"), chrome.runtime.id);
  assert.equal(url.searchParams.get("device"), "dev-1");
  assert.match(state, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(chrome.storage.session.data[SIGNIN_STATE_KEY].state, state);
});

test("begin without a server URL rejects", async () => {
  const chrome = signInChrome({ serverUrl: null });
  const signIn = new SignIn({ chrome, log: quietLog });
  await assert.rejects(signIn.begin(), /no Parapet server is configured/);
});

test("done page with the matching state signs in", async () => {
  const { chrome, signIn, state } = await begun();
  const url = doneURL({ state });
  assert.equal(await signIn.onTabUpdated(41, { url }, { id: 41, url }), true);
  assert.equal(signIn.token, TOKEN);
  assert.deepEqual(signIn.status(), { email: "ana@corp.test", expires_at: "2099-01-01T00:00:00Z" });
  assert.equal(chrome.storage.session.data[SIGNIN_KEY].token, TOKEN);
  assert.equal(chrome.storage.session.data[SIGNIN_STATE_KEY], undefined, "the state is used once");
  assert.equal(chrome.storage.local.data[SIGNIN_KEY], undefined, "the token never goes to local storage");
  assert.deepEqual(chrome.calls.find(([name]) => name === "tabs.remove"), ["tabs.remove", 41]);
});

test("done page is ignored on other origins, paths and states", async () => {
  const { chrome, signIn, state } = await begun();
  const cases = [
    ["other origin", doneURL({ origin: "https://127.0.0.1:9443", state })],
    ["http origin", doneURL({ origin: "http://127.0.0.1:8443", state })],
    ["other path", doneURL({ path: "/x/signin/done", state })],
    ["path suffix", doneURL({ path: "/signin/done/", state })],
    ["wrong state", doneURL({ state: "B".repeat(43) })],
    ["bad token", doneURL({ token: "ppt_short", state })],
  ];
  for (const [name, url] of cases) {
    assert.equal(await signIn.onTabUpdated(41, { url }, { id: 41, url }), false, name);
  }
  assert.equal(signIn.token, "");
  assert.ok(!chrome.calls.some(([name]) => name === "tabs.remove"));
  assert.ok(chrome.storage.session.data[SIGNIN_STATE_KEY], "a rejected page leaves the pending sign-in");
});

test("done page without a pending sign-in is ignored", async () => {
  const chrome = signInChrome();
  const signIn = new SignIn({ chrome, log: quietLog });
  const url = doneURL({ state: "C".repeat(43) });
  assert.equal(await signIn.onTabUpdated(41, { url }, { id: 41, url }), false);
  assert.equal(signIn.token, "");
});

test("expired pending state is ignored", async () => {
  let now = 1_000_000;
  const chrome = signInChrome();
  const signIn = new SignIn({ chrome, log: quietLog, now: () => now });
  const tab = await signIn.begin();
  const state = new URL(tab.url).searchParams.get("state");
  now += STATE_LIFETIME_MS + 1;
  const url = doneURL({ state });
  assert.equal(await signIn.onTabUpdated(41, { url }, { id: 41, url }), false);
});

test("expired session gives no token", async () => {
  const chrome = signInChrome();
  chrome.storage.session.data[SIGNIN_KEY] = { token: TOKEN, email: "ana@corp.test", expires_at: "2000-01-01T00:00:00Z" };
  const signIn = new SignIn({ chrome, log: quietLog });
  await signIn.ready;
  assert.equal(signIn.token, "");
  assert.equal(signIn.status(), null);
});

test("stored session survives a worker restart", async () => {
  const chrome = signInChrome();
  chrome.storage.session.data[SIGNIN_KEY] = { token: TOKEN, email: "ana@corp.test", expires_at: "2099-01-01T00:00:00Z" };
  const signIn = new SignIn({ chrome, log: quietLog });
  await signIn.ready;
  assert.equal(signIn.token, TOKEN);
});

test("signOut forgets the token", async () => {
  const { signIn, state } = await begun();
  const url = doneURL({ state });
  await signIn.onTabUpdated(41, { url }, { id: 41, url });
  await signIn.signOut();
  assert.equal(signIn.token, "");
});

test("parseDoneURL reads the form-encoded fragment", () => {
  const url = doneURL({ state: "s".repeat(20), email: "a+b@corp.test" });
  assert.deepEqual(parseDoneURL(url, ORIGIN), { token: TOKEN, state: "s".repeat(20), email: "a+b@corp.test", expires_at: "2099-01-01T00:00:00Z" });
  assert.equal(parseDoneURL(url, null), null);
});

test("managed schema defines serverUrl", () => {
  const schema = JSON.parse(readFileSync(new URL("../managed_schema.json", import.meta.url), "utf8"));
  assert.equal(schema.properties.serverUrl.type, "string");
});
