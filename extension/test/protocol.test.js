import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

import {
  decode, encode, marshalBody, newID, validID, DecodeError, MAX_MESSAGE_SIZE,
  CODE_MALFORMED, CODE_TOO_LARGE, CODE_INVALID_FIELD, CODE_UNSUPPORTED_VERSION, CODE_UNKNOWN_TYPE,
} from "../lib/protocol.js";
import { FieldError } from "../lib/validate.js";

const testdata = new URL("../../protocol/testdata/", import.meta.url).pathname;

function decodeError(data) {
  try {
    decode(data);
  } catch (err) {
    assert.ok(err instanceof DecodeError, `expected a DecodeError, got ${err}`);
    return err;
  }
  assert.fail(`decode accepted ${String(data).slice(0, 200)}`);
}

// Compares JSON values, ignoring key order.
function canonical(value) {
  if (Array.isArray(value)) {
    return value.map(canonical);
  }
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical(value[k])]));
  }
  return value;
}

const validFiles = readdirSync(join(testdata, "valid")).filter((f) => f.endsWith(".json"));

test("golden valid folder is not empty", () => {
  assert.ok(validFiles.length >= 10, `found ${validFiles.length} golden messages`);
});

for (const file of validFiles) {
  test(`golden valid ${file} decodes and re-encodes`, () => {
    const text = readFileSync(join(testdata, "valid", file), "utf8");
    const message = decode(text);
    const original = JSON.parse(text);
    assert.equal(message.type, original.type);
    assert.equal(message.id, original.id);
    assert.equal(message.ts, original.ts);
    assert.deepEqual(canonical(marshalBody(message.type, message.body)), canonical(original.body));
  });
}

test("golden valid files also decode from bytes", () => {
  for (const file of validFiles) {
    const bytes = readFileSync(join(testdata, "valid", file));
    assert.equal(decode(new Uint8Array(bytes)).type, JSON.parse(bytes.toString()).type, file);
  }
});

const expected = JSON.parse(readFileSync(join(testdata, "invalid", "expect.json"), "utf8"));

test("expect.json lists every invalid file", () => {
  const files = readdirSync(join(testdata, "invalid")).filter((f) => f.endsWith(".json") && f !== "expect.json");
  assert.deepEqual(files.sort(), Object.keys(expected).sort());
});

for (const [file, code] of Object.entries(expected)) {
  test(`golden invalid ${file} is rejected with ${code}`, () => {
    const err = decodeError(readFileSync(join(testdata, "invalid", file), "utf8"));
    assert.equal(err.code, code, err.message);
    const reply = err.reply();
    assert.equal(reply.code, code);
    assert.ok(reply.message.length > 0);
  });
}

test("version error keeps the ref id", () => {
  const err = decodeError(readFileSync(join(testdata, "invalid", "version_2.json"), "utf8"));
  assert.equal(err.refId, "ext-1");
  assert.match(err.message, /version 2/);
});

test("decode rejects messages over 64 KiB", () => {
  const big = `{"v":1,"type":"ping","id":"x","ts":"2026-12-03T10:00:00Z","body":{},"pad":"${"a".repeat(MAX_MESSAGE_SIZE)}"}`;
  assert.equal(decodeError(big).code, CODE_TOO_LARGE);
});

test("size limit counts UTF-8 bytes", () => {
  // Each "é" is one UTF-16 unit but two UTF-8 bytes.
  const pad = "é".repeat(MAX_MESSAGE_SIZE / 2);
  const text = `{"v":1,"type":"ping","id":"x","ts":"2026-12-03T10:00:00Z","body":{},"pad":"${pad}"}`;
  assert.ok(text.length < MAX_MESSAGE_SIZE);
  assert.equal(decodeError(text).code, CODE_TOO_LARGE);
});

const PING = (envelopeExtra = "", body = "{}") =>
  `{"v":1,"type":"ping","id":"e-1","ts":"2026-12-03T10:00:00Z","body":${body}${envelopeExtra}}`;

const cases = [
  ["empty input", "", CODE_MALFORMED],
  ["whitespace only", "  \n", CODE_MALFORMED],
  ["top-level array", "[1]", CODE_MALFORMED],
  ["top-level null is version 0", "null", CODE_UNSUPPORTED_VERSION],
  ["trailing value", PING() + " {}", CODE_MALFORMED],
  ["trailing garbage", PING() + "x", CODE_MALFORMED],
  ["leading BOM", "\ufeff" + PING(), CODE_MALFORMED],
  ["version as string", PING().replace('"v":1', '"v":"1"'), CODE_MALFORMED],
  ["version as float", PING().replace('"v":1', '"v":1.0'), CODE_MALFORMED],
  ["version null", PING().replace('"v":1', '"v":null'), CODE_UNSUPPORTED_VERSION],
  ["unknown field beats version", PING(',"x":1').replace('"v":1', '"v":2'), CODE_MALFORMED],
  ["id with space", PING().replace('"e-1"', '"e 1"'), CODE_INVALID_FIELD],
  ["id too long", PING().replace('"e-1"', `"${"a".repeat(65)}"`), CODE_INVALID_FIELD],
  ["ts missing", '{"v":1,"type":"ping","id":"e-1","body":{}}', CODE_INVALID_FIELD],
  ["ts zero", PING().replace("2026-12-03T10:00:00Z", "0001-01-01T00:00:00Z"), CODE_INVALID_FIELD],
  ["ts not RFC 3339", PING().replace("2026-12-03T10:00:00Z", "2026-12-03 10:00:00"), CODE_MALFORMED],
  ["ts with escape", PING().replace("2026-12-03T10:00:00Z", "2026\\u002d12-03T10:00:00Z"), CODE_MALFORMED],
  ["ts as number", PING().replace('"2026-12-03T10:00:00Z"', "5"), CODE_MALFORMED],
  ["ts February 30", PING().replace("2026-12-03", "2026-02-30"), CODE_MALFORMED],
  ["body unknown field", PING("", '{"a":1}'), CODE_MALFORMED],
  ["body as number", PING("", "5"), CODE_MALFORMED],
  ["unknown type before body", PING("", "5").replace('"ping"', '"nope"'), CODE_UNKNOWN_TYPE],
  ["type case differs", PING().replace('"ping"', '"Ping"'), CODE_UNKNOWN_TYPE],
  ["raw control character", PING().replace('"e-1"', '"e\n1"'), CODE_MALFORMED],
  ["bad escape", PING().replace('"e-1"', '"e\\x1"'), CODE_MALFORMED],
  ["leading zero number", PING().replace('"v":1', '"v":01'), CODE_MALFORMED],
  ["deep nesting", PING("", "[".repeat(10001) + "]".repeat(10001)), CODE_MALFORMED],
];

for (const [name, text, code] of cases) {
  test(`decode ${name} gives ${code}`, () => {
    assert.equal(decodeError(text).code, code);
  });
}

test("decode rejects envelope keys in another case", () => {
  const err = decodeError('{"V":1,"TYPE":"ping","Id":"e-1","tS":"2026-12-03T10:00:00Z","Body":{}}');
  assert.equal(err.code, CODE_MALFORMED);
  assert.match(err.message, /unknown field "V"/);
});

test("decode rejects a Kelvin sign for k", () => {
  const text = '{"v":1,"type":"ack","id":"e-1","ts":"2026-12-03T10:00:00Z","body":{"ref_id":"a","\u212a":1}}';
  assert.equal(decodeError(text).code, CODE_MALFORMED);
});

test("decode rejects a duplicate envelope key", () => {
  const err = decodeError('{"v":1,"type":"ack","id":"e-1","id":"e-2","ts":"2026-12-03T10:00:00Z","body":{"ref_id":"a"}}');
  assert.equal(err.code, CODE_MALFORMED);
  assert.match(err.message, /duplicate field "id"/);
});

test("decode rejects a duplicate nested key", () => {
  const text = '{"v":1,"type":"action.request","id":"e-1","ts":"2026-12-03T10:00:00Z","body":{"activity":"download",' +
    '"app_host":"a.test","page_url":"http://a.test/","file":{"name":"x.txt"},"file":{"size":4},"tab_id":1}}';
  const err = decodeError(text);
  assert.equal(err.code, CODE_MALFORMED);
  assert.equal(err.refId, "e-1");
});

test("decode accepts a missing body for ping", () => {
  assert.equal(decode('{"v":1,"type":"ping","id":"e-1","ts":"2026-12-03T10:00:00Z"}').type, "ping");
});

test("decode accepts a null body for ping", () => {
  assert.equal(decode(PING("", "null")).type, "ping");
});

test("decode accepts 10000 nested arrays in a raw body", () => {
  const text = '{"v":1,"type":"ping","id":"e-1","ts":"2026-12-03T10:00:00Z","body":' + "[".repeat(9999) + "]".repeat(9999) + "}";
  // The body is syntactically fine, so the error comes from the body type.
  assert.equal(decodeError(text).code, CODE_MALFORMED);
  assert.match(decodeError(text).message, /body/);
});

const VERDICT = (body) => `{"v":1,"type":"verdict","id":"a-1","ts":"2026-12-03T10:00:00Z","body":${JSON.stringify(body)}}`;
const verdictCases = [
  ["missing reason", { request_id: "e-1", decision: "block", policy_ids: [], event_id: "" }, "body.reason"],
  ["bad request id", { request_id: "e 1", decision: "block", reason: "r", policy_ids: [], event_id: "" }, "body.request_id"],
  ["bad policy id", { request_id: "e-1", decision: "allow", reason: "r", policy_ids: ["a b"], event_id: "" }, "body.policy_ids"],
  ["bad event id", { request_id: "e-1", decision: "allow", reason: "r", policy_ids: [], event_id: "a/b" }, "body.event_id"],
  ["long message", { request_id: "e-1", decision: "block", message: "m".repeat(2049), reason: "r", policy_ids: [], event_id: "" }, "body.message"],
  ["NUL in reason", { request_id: "e-1", decision: "block", reason: "r\u0000", policy_ids: [], event_id: "" }, "body.reason"],
];
for (const [name, body, field] of verdictCases) {
  test(`verdict with ${name} is invalid_field on ${field}`, () => {
    const err = decodeError(VERDICT(body));
    assert.equal(err.code, CODE_INVALID_FIELD);
    assert.ok(err.message.includes(field), err.message);
    assert.equal(err.refId, "a-1");
  });
}

const POLICY = (body) => `{"v":1,"type":"policy.update","id":"a-1","ts":"2026-12-03T10:00:00Z","body":${JSON.stringify(body)}}`;
test("policy.update without hosts is invalid", () => {
  const err = decodeError(POLICY({ revision: 1, apps: [{ id: "a", hosts: [], sensitive: true }] }));
  assert.equal(err.code, CODE_INVALID_FIELD);
  assert.match(err.message, /body\.apps\[0\]\.hosts/);
});

test("policy.update with negative revision is invalid", () => {
  assert.equal(decodeError(POLICY({ revision: -1, apps: [] })).code, CODE_INVALID_FIELD);
});

test("policy.update with sensitive as string is malformed", () => {
  assert.equal(decodeError(POLICY({ revision: 1, apps: [{ id: "a", hosts: ["a.test"], sensitive: "yes" }] })).code, CODE_MALFORMED);
});

test("hello from an unknown peer is invalid", () => {
  const text = '{"v":1,"type":"hello","id":"a-1","ts":"2026-12-03T10:00:00Z","body":{"peer":"browser","software":"x"}}';
  assert.equal(decodeError(text).code, CODE_INVALID_FIELD);
});

test("error without message is invalid", () => {
  const text = '{"v":1,"type":"error","id":"a-1","ts":"2026-12-03T10:00:00Z","body":{"code":"x"}}';
  assert.equal(decodeError(text).code, CODE_INVALID_FIELD);
});

test("encode builds a message decode accepts", () => {
  const text = encode("action.request", {
    activity: "download", app_host: "127.0.0.1:8080", page_url: "http://127.0.0.1:8080/",
    target_url: "http://127.0.0.1:8080/f.txt", file: { name: "f.txt", size: -1, mime_type: "text/plain" }, tab_id: 3,
  });
  const message = decode(text);
  assert.equal(message.type, "action.request");
  assert.equal(message.body.file.name, "f.txt");
  assert.ok(validID(message.id));
  assert.deepEqual(Object.keys(JSON.parse(text)), ["v", "type", "id", "ts", "body"]);
});

test("encode leaves out empty omitempty fields", () => {
  const body = JSON.parse(encode("hello", { peer: "extension", software: "parapet-extension 0.1.0" })).body;
  assert.deepEqual(body, { peer: "extension", software: "parapet-extension 0.1.0" });
});

test("encode keeps the given id", () => {
  assert.equal(JSON.parse(encode("ping", {}, "ext-7")).id, "ext-7");
});

test("encode rejects a file name with a folder", () => {
  assert.throws(
    () => encode("action.request", { activity: "download", app_host: "a.test", page_url: "http://a.test/", file: { name: "a/b", size: 1 }, tab_id: 1 }),
    (err) => err instanceof FieldError && err.field === "body.file.name",
  );
});

test("encode rejects an unknown body field", () => {
  assert.throws(() => encode("ping", { extra: 1 }), FieldError);
});

test("encode rejects an unknown type", () => {
  assert.throws(() => encode("download.start", {}), /not known/);
});

test("newID is 32 hex digits and valid", () => {
  const id = newID();
  assert.match(id, /^[0-9a-f]{32}$/);
  assert.ok(validID(id));
  assert.notEqual(newID(), id);
});

const CHUNK = (body) => `{"v":1,"type":"upload.chunk","id":"e-2","ts":"2026-12-03T10:00:00Z","body":${JSON.stringify(body)}}`;

test("upload.chunk data decodes to bytes", () => {
  const { body } = decode(CHUNK({ request_id: "e-1", offset: 3, data: "AAEC/w==", last: false }));
  assert.deepEqual(body.data, new Uint8Array([0, 1, 2, 255]));
  assert.equal(body.offset, 3);
});

test("upload.chunk base64 skips line breaks like Go", () => {
  const { body } = decode(CHUNK({ request_id: "e-1", offset: 0, data: "AA\r\nEC", last: true }));
  assert.deepEqual(body.data, new Uint8Array([0, 1, 2]));
});

test("upload.chunk data may be an array of bytes", () => {
  const { body } = decode(CHUNK({ request_id: "e-1", offset: 0, data: [1, 2, 3], last: true }));
  assert.deepEqual(body.data, new Uint8Array([1, 2, 3]));
});

const chunkErrors = [
  ["unpadded base64", { request_id: "e-1", offset: 0, data: "AAE", last: true }, CODE_MALFORMED],
  ["URL-safe base64", { request_id: "e-1", offset: 0, data: "-_8=", last: true }, CODE_MALFORMED],
  ["byte over 255", { request_id: "e-1", offset: 0, data: [256], last: true }, CODE_MALFORMED],
  ["data as number", { request_id: "e-1", offset: 0, data: 5, last: true }, CODE_MALFORMED],
  ["empty data not last", { request_id: "e-1", offset: 0, data: "", last: false }, CODE_INVALID_FIELD],
  ["null data not last", { request_id: "e-1", offset: 0, data: null, last: false }, CODE_INVALID_FIELD],
  ["data over 32 KiB", { request_id: "e-1", offset: 0, data: Buffer.alloc(32769).toString("base64"), last: false }, CODE_INVALID_FIELD],
  ["bad request id", { request_id: "", offset: 0, data: "AA==", last: true }, CODE_INVALID_FIELD],
];
for (const [name, body, code] of chunkErrors) {
  test(`upload.chunk with ${name} gives ${code}`, () => {
    assert.equal(decodeError(CHUNK(body)).code, code);
  });
}

test("upload.chunk of 32 KiB fits in one message", () => {
  const data = new Uint8Array(32 << 10).fill(7);
  const text = encode("upload.chunk", { request_id: "e-1", offset: 0, data, last: true });
  assert.ok(text.length < MAX_MESSAGE_SIZE);
  assert.deepEqual(decode(text).body.data, data);
});

test("encode rejects upload.chunk data as a string", () => {
  assert.throws(() => encode("upload.chunk", { request_id: "e-1", data: "AA==", last: true }), FieldError);
});

const LABEL = { id: "2096f6a2-d2f7-48be-b329-b73aaa526e5d", tenant_id: "cb46c030-1825-4e81-a295-151c039dbf02" };
const protectVerdict = (protect) => ({ request_id: "e-1", decision: "protect", reason: "r", policy_ids: [], event_id: "", protect });
const newFieldCases = [
  ["protect with encrypt none and recipients", protectVerdict({ label: LABEL, encrypt: "none", recipients: ["age1x"] }), "body.protect.recipients"],
  ["protect with encrypt user and no recipients", protectVerdict({ label: LABEL, encrypt: "user" }), "body.protect.recipients"],
  ["protect with a non-age recipient", protectVerdict({ label: LABEL, encrypt: "org", recipients: ["ssh-ed25519 AAAA"] }), "body.protect.recipients"],
  ["protect with unknown encrypt", protectVerdict({ label: LABEL, encrypt: "all", recipients: ["age1x"] }), "body.protect.encrypt"],
  ["protect with an uppercase tenant", protectVerdict({ label: { ...LABEL, tenant_id: LABEL.tenant_id.toUpperCase() }, encrypt: "none" }), "body.protect.label.tenant_id"],
  ["protect on a block", { ...protectVerdict({ label: LABEL, encrypt: "none" }), decision: "block" }, "body.protect"],
  ["relative link", { request_id: "e-1", decision: "block", reason: "r", policy_ids: [], event_id: "", link: "/help" }, "body.link"],
  ["long fix", { request_id: "e-1", decision: "block", reason: "r", policy_ids: [], event_id: "", fix: "f".repeat(2049) }, "body.fix"],
];
for (const [name, body, field] of newFieldCases) {
  test(`verdict with ${name} is invalid_field on ${field}`, () => {
    const err = decodeError(VERDICT(body));
    assert.equal(err.code, CODE_INVALID_FIELD);
    assert.ok(err.message.includes(field), err.message);
  });
}

const UPLOAD = (file) => `{"v":1,"type":"action.request","id":"e-1","ts":"2026-12-03T10:00:00Z","body":${JSON.stringify({
  activity: "upload", app_host: "a.test", page_url: "http://a.test/", file: { name: "a.csv", size: 1, ...file }, tab_id: 1,
})}}`;
const fileCases = [
  ["unknown inspection", { inspection: "partial" }, "body.file.inspection"],
  ["detector id with a space", { detectors: ["payment card"] }, "body.file.detectors"],
  ["65 detectors", { detectors: Array.from({ length: 65 }, (_, i) => `d${i}`) }, "body.file.detectors"],
  ["label without tenant", { label: { id: LABEL.id } }, "body.file.label.tenant_id"],
];
for (const [name, file, field] of fileCases) {
  test(`action.request with ${name} is invalid_field on ${field}`, () => {
    const err = decodeError(UPLOAD(file));
    assert.equal(err.code, CODE_INVALID_FIELD);
    assert.ok(err.message.includes(field), err.message);
  });
}

test("activity.update with a folder in file_name is invalid", () => {
  const text = `{"v":1,"type":"activity.update","id":"a-1","ts":"2026-12-03T10:00:00Z","body":${JSON.stringify({
    event_id: "act-1", encrypted: "none", sha256: "0".repeat(64), file_name: "a/b.docx",
  })}}`;
  const err = decodeError(text);
  assert.equal(err.code, CODE_INVALID_FIELD);
  assert.match(err.message, /body\.file_name/);
});
