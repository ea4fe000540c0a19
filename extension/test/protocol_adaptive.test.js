// The rules protocol/validate.go adds for access.changed, session tokens
// and paste text.

import { test } from "node:test";
import assert from "node:assert/strict";

import { decode, DecodeError, CODE_INVALID_FIELD, CODE_MALFORMED } from "../lib/protocol.js";
import { MAX_PASTE_TEXT } from "../lib/validate.js";

const envelope = (type, body) => JSON.stringify({ v: 1, type, id: "m-1", ts: "2026-12-03T10:00:00Z", body });
const paste = (extra) => envelope("action.request", { activity: "paste", app_host: "127.0.0.1:8080", page_url: "http://127.0.0.1:8080/", tab_id: 1, ...extra });
const access = (extra) => envelope("access.changed", { user: "ana@corp.test", state: "blocked", message: "Blocked.", ...extra });

function rejection(text) {
  try {
    decode(text);
  } catch (err) {
    assert.ok(err instanceof DecodeError, String(err));
    return err;
  }
  assert.fail("decode accepted the message");
}

test("paste text up to 32 KiB is valid", () => {
  assert.equal(decode(paste({ text: "a".repeat(MAX_PASTE_TEXT) })).body.text.length, MAX_PASTE_TEXT);
});

test("paste text over 32 KiB is rejected", () => {
  const err = rejection(paste({ text: "a".repeat(MAX_PASTE_TEXT + 1) }));
  assert.equal(err.code, CODE_INVALID_FIELD);
  assert.match(err.message, /body\.text: longer than 32768 bytes/);
});

test("text on a copy is rejected", () => {
  const err = rejection(paste({ activity: "copy", text: "x" }));
  assert.equal(err.code, CODE_INVALID_FIELD);
  assert.match(err.message, /body\.text: only a paste carries text/);
});

test("session token over 256 bytes is rejected", () => {
  const err = rejection(paste({ session_token: "p".repeat(257) }));
  assert.match(err.message, /body\.session_token: longer than 256 bytes/);
});

test("unknown source is rejected", () => {
  assert.match(rejection(paste({ source: "extension" })).message, /body\.source: must be empty or "watcher"/);
  assert.equal(decode(paste({ source: "watcher" })).body.source, "watcher");
});

test("access change needs user, known state and message", () => {
  assert.match(rejection(access({ user: "" })).message, /body\.user: missing/);
  assert.match(rejection(access({ state: "paused" })).message, /body\.state: unknown access state "paused"/);
  assert.match(rejection(access({ message: "" })).message, /body\.message: missing/);
  for (const state of ["blocked", "restored", "device_revoked", "step_up_required"]) {
    assert.equal(decode(access({ state })).body.state, state);
  }
});

test("access change until must be an RFC 3339 time", () => {
  assert.equal(decode(access({ until: "2026-12-03T10:35:00Z" })).body.until, "2026-12-03T10:35:00Z");
  assert.equal(decode(access({ until: null })).body.until, null);
  assert.equal(rejection(access({ until: "tomorrow" })).code, CODE_MALFORMED);
  assert.equal(rejection(access({ until: 5 })).code, CODE_MALFORMED);
});
