// The wire protocol between the extension and parapet-agent, with the rules
// of protocol/codec.go: a versioned JSON envelope {v, type, id, ts, body}
// of at most 64 KiB, strict field checks, and the same error codes.

import { parseJSON, JSONSyntaxError } from "./json.js";
import { parseGoTime, isZeroTime, ZERO_TIME } from "./goTime.js";
import { validateBody, validID, FieldError, MAX_CHUNK_SIZE } from "./validate.js";

export { matchHost } from "./hosts.js";
export { validID, FieldError, MAX_CHUNK_SIZE };

export const VERSION = 1;
export const MAX_MESSAGE_SIZE = 64 << 10;
export const DEFAULT_BRIDGE_PORT = 47801;
export const BRIDGE_PATH = "/bridge";

export const CODE_TOO_LARGE = "too_large";
export const CODE_MALFORMED = "malformed";
export const CODE_UNSUPPORTED_VERSION = "unsupported_version";
export const CODE_UNKNOWN_TYPE = "unknown_type";
export const CODE_INVALID_FIELD = "invalid_field";

// Schemas mirror the Go structs in protocol/bodies.go, fields in Go's order.
// A field is [name, schema, omitempty].
const STRING = { kind: "string", zero: () => "" };
const INT = { kind: "int", zero: () => 0 };
const BOOL = { kind: "bool", zero: () => false };
const TIME = { kind: "time", zero: () => ZERO_TIME };
const RAW = { kind: "raw", zero: () => null };
const sliceOf = (element) => ({ kind: "slice", element, zero: () => null });
const pointerTo = (target) => ({ kind: "pointer", target, zero: () => null });
const struct = (fields) => ({ kind: "struct", fields, zero: () => zeroStruct(fields) });

// BYTES is Go's []byte: base64 in JSON, a Uint8Array (or null for nil) here.
const BYTES = { kind: "bytes", zero: () => null };

const FILE_LABEL = struct([["id", STRING], ["tenant_id", STRING], ["name", STRING, true]]);
const FILE_INFO = struct([
  ["name", STRING],
  ["size", INT],
  ["mime_type", STRING, true],
  ["sha256", STRING, true],
  ["label", pointerTo(FILE_LABEL), true],
  ["detectors", sliceOf(STRING), true],
  ["inspection", STRING, true],
]);
const POSTURE_CHECK = struct([["state", STRING], ["detail", STRING, true], ["reason", STRING, true]]);
const EXTENSION_CHECK_IN = struct([["recent", BOOL], ["last_seen", pointerTo(TIME), true]]);
const PROTECTION = struct([["label", FILE_LABEL], ["encrypt", STRING], ["recipients", sliceOf(STRING), true]]);
const ACTION_REQUEST = struct([
  ["activity", STRING],
  ["app_host", STRING],
  ["page_url", STRING],
  ["target_url", STRING, true],
  ["file", pointerTo(FILE_INFO), true],
  ["tab_id", INT],
  ["session_token", STRING, true],
  ["text", STRING, true],
  ["source", STRING, true],
]);
const APP = struct([["id", STRING], ["hosts", sliceOf(STRING)], ["sensitive", BOOL]]);

const BODIES = {
  hello: struct([["peer", STRING], ["software", STRING], ["device_id", STRING, true], ["user", STRING, true]]),
  ping: struct([]),
  pong: struct([]),
  "action.request": ACTION_REQUEST,
  verdict: struct([
    ["request_id", STRING],
    ["decision", STRING],
    ["message", STRING, true],
    ["reason", STRING],
    ["policy_ids", sliceOf(STRING)],
    ["event_id", STRING],
    ["fix", STRING, true],
    ["link", STRING, true],
    ["protect", pointerTo(PROTECTION), true],
  ]),
  "posture.report": struct([
    ["os", STRING],
    ["platform", STRING],
    ["platform_version", STRING],
    ["kernel_version", STRING, true],
    ["hostname", STRING],
    ["host_id", STRING],
    ["agent_version", STRING],
    ["collected_at", TIME],
    ["agent_uptime_seconds", INT, true],
    ["credential_store", STRING, true],
    ["disk_encryption", pointerTo(POSTURE_CHECK), true],
    ["firewall", pointerTo(POSTURE_CHECK), true],
    ["screen_lock", pointerTo(POSTURE_CHECK), true],
    ["auto_updates", pointerTo(POSTURE_CHECK), true],
    ["extension", pointerTo(EXTENSION_CHECK_IN), true],
  ]),
  "policy.update": struct([["revision", INT], ["apps", sliceOf(APP)]]),
  "activity.report": struct([
    ["request", ACTION_REQUEST],
    ["request_id", STRING],
    ["decision", STRING],
    ["reason", STRING],
    ["decided_at", TIME],
  ]),
  ack: struct([["ref_id", STRING]]),
  "upload.chunk": struct([["request_id", STRING], ["offset", INT], ["data", BYTES], ["last", BOOL]]),
  "activity.update": struct([
    ["event_id", STRING],
    ["label", pointerTo(FILE_LABEL), true],
    ["encrypted", STRING],
    ["sha256", STRING],
    ["file_name", STRING],
  ]),
  "access.changed": struct([["user", STRING], ["state", STRING], ["message", STRING], ["until", pointerTo(TIME), true]]),
  error: struct([["code", STRING], ["message", STRING], ["ref_id", STRING, true]]),
};

const ENVELOPE = struct([["v", INT], ["type", STRING], ["id", STRING], ["ts", TIME], ["body", RAW]]);

/** The message types of protocol.go. */
export const TYPES = Object.keys(BODIES);

/** A rejected message, with the code and ref_id of protocol.DecodeError. */
export class DecodeError extends Error {
  constructor(code, refId, message) {
    super(`${code}: ${message}`);
    this.code = code;
    this.refId = refId;
    this.detail = message;
  }

  /** Returns the error body to send back to the peer. */
  reply() {
    const body = { code: this.code, message: this.detail };
    if (this.refId) {
      body.ref_id = this.refId;
    }
    return body;
  }
}

class TypeMismatch extends Error {}

/**
 * Decodes and validates one message, a string or UTF-8 bytes. Returns
 * {v, type, id, ts, body} with every body field present, as Go's struct
 * would have it. Throws DecodeError with the code Go's protocol.Decode gives.
 */
export function decode(data) {
  const { text, size } = toText(data);
  if (size > MAX_MESSAGE_SIZE) {
    throw new DecodeError(CODE_TOO_LARGE, "", `message is ${size} bytes, limit is ${MAX_MESSAGE_SIZE}`);
  }
  let envelope;
  try {
    envelope = decodeValue(ENVELOPE, parseJSON(text), ENVELOPE.zero());
  } catch (err) {
    throw new DecodeError(CODE_MALFORMED, "", `decoding envelope: ${describe(err)}`);
  }

  const ref = validID(envelope.id) ? envelope.id : "";
  if (envelope.v !== VERSION) {
    throw new DecodeError(CODE_UNSUPPORTED_VERSION, ref,
      `protocol version ${envelope.v} is not supported, this peer speaks version ${VERSION}`);
  }
  if (ref === "") {
    throw new DecodeError(CODE_INVALID_FIELD, "", "id: missing or not a valid id");
  }
  if (isZeroTime(envelope.ts)) {
    throw new DecodeError(CODE_INVALID_FIELD, ref, "ts: missing");
  }
  const schema = Object.hasOwn(BODIES, envelope.type) ? BODIES[envelope.type] : null;
  if (schema === null) {
    throw new DecodeError(CODE_UNKNOWN_TYPE, ref, `message type ${JSON.stringify(truncate(envelope.type, 64))} is not known`);
  }

  const raw = envelope.body === null || envelope.body.kind === "null" ? { kind: "object", pairs: [] } : envelope.body;
  let body;
  try {
    body = decodeValue(schema, raw, schema.zero());
  } catch (err) {
    throw new DecodeError(CODE_MALFORMED, ref, `decoding ${envelope.type} body: ${describe(err)}`);
  }

  try {
    validateBody(envelope.type, body);
  } catch (err) {
    if (err instanceof FieldError) {
      throw new DecodeError(CODE_INVALID_FIELD, ref, err.message);
    }
    throw err;
  }
  return { v: envelope.v, type: envelope.type, id: envelope.id, ts: envelope.ts, body };
}

/**
 * Builds a message around body, which may leave out fields that are zero.
 * An empty id gets a fresh random one. Like Go's protocol.Encode it
 * validates the body first and rejects messages over 64 KiB, throwing
 * FieldError or Error.
 */
export function encode(type, body = {}, id = "") {
  const normalized = normalizeBody(type, body);
  validateBody(type, normalized);
  const envelope = { v: VERSION, type, id: id || newID(), ts: new Date().toISOString(), body: marshal(BODIES[type], normalized) };
  const text = JSON.stringify(envelope);
  const size = new TextEncoder().encode(text).length;
  if (size > MAX_MESSAGE_SIZE) {
    throw new Error(`encoding ${type}: ${size} bytes exceeds the ${MAX_MESSAGE_SIZE} byte limit`);
  }
  return text;
}

/**
 * Returns body in the Go shape of its type: every field present, zero
 * values filled in. Throws on an unknown type, an unknown field or a value
 * of the wrong JavaScript type.
 */
export function normalizeBody(type, body) {
  if (!Object.hasOwn(BODIES, type)) {
    throw new Error(`message type ${JSON.stringify(type)} is not known`);
  }
  return normalizeValue(BODIES[type], body ?? {}, "body");
}

/**
 * Returns the JSON value that Go's encoding/json writes for a body in Go
 * shape: omitempty fields that are empty are left out.
 */
export function marshalBody(type, body) {
  return marshal(BODIES[type], body);
}

/** Returns a random 128-bit id in hex, like protocol.NewID. */
export function newID() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function toText(data) {
  if (typeof data === "string") {
    return { text: data, size: new TextEncoder().encode(data).length };
  }
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  // ignoreBOM keeps a leading BOM in the text, so it is rejected as Go does.
  return { text: new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes), size: bytes.length };
}

function describe(err) {
  if (err instanceof JSONSyntaxError || err instanceof TypeMismatch) {
    return err.message;
  }
  throw err;
}

function truncate(s, n) {
  return s.length <= n ? s : s.slice(0, n) + "…";
}

function zeroStruct(fields) {
  const value = {};
  for (const [name, schema] of fields) {
    value[name] = schema.zero();
  }
  return value;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

// Decodes a parsed JSON node into a value of the schema the way Go's
// encoding/json with DisallowUnknownFields does. current is the field's value
// so far: Go leaves it alone for null.
function decodeValue(schema, node, current) {
  if (node.kind === "null" && schema.kind !== "raw") {
    return schema.kind === "slice" || schema.kind === "pointer" || schema.kind === "bytes" ? null : current;
  }
  switch (schema.kind) {
    case "raw":
      return node;
    case "string":
      return expect(node, "string").value;
    case "bool":
      return expect(node, "bool").value;
    case "int":
      return decodeInt(expect(node, "number").raw);
    case "time":
      return decodeTime(node);
    case "bytes":
      return decodeBytes(node);
    case "pointer":
      return decodeValue(schema.target, node, current ?? schema.target.zero());
    case "slice": {
      const items = expect(node, "array").items;
      return items.map((item, i) => decodeValue(schema.element, item, current && i < current.length ? current[i] : schema.element.zero()));
    }
    case "struct":
      return decodeStruct(schema, expect(node, "object"), current);
  }
  throw new Error(`unknown schema kind ${schema.kind}`);
}

// protocol.strictUnmarshal accepts a key only when it equals a field name
// exactly, so unlike plain encoding/json it rejects a key in another case
// and a key that appears twice.
function decodeStruct(schema, node, current) {
  const value = { ...current };
  const seen = new Set();
  for (const { key, value: child } of node.pairs) {
    const field = schema.fields.find(([name]) => name === key);
    if (!field) {
      throw new TypeMismatch(`unknown field ${JSON.stringify(truncate(key, 64))}`);
    }
    if (seen.has(key)) {
      throw new TypeMismatch(`duplicate field ${JSON.stringify(truncate(key, 64))}`);
    }
    seen.add(key);
    const [name, fieldSchema] = field;
    value[name] = decodeValue(fieldSchema, child, value[name]);
  }
  return value;
}

function expect(node, kind) {
  if (node.kind !== kind) {
    throw new TypeMismatch(`json: cannot unmarshal ${node.kind} into a field of kind ${kind}`);
  }
  return node;
}

function decodeInt(raw) {
  if (!/^-?(0|[1-9][0-9]*)$/.test(raw)) {
    throw new TypeMismatch(`json: cannot unmarshal number ${raw} into an integer field`);
  }
  const n = BigInt(raw);
  if (n < INT64_MIN || n > INT64_MAX) {
    throw new TypeMismatch(`json: cannot unmarshal number ${raw} into an int64 field`);
  }
  // NOTE: integers beyond 2^53 lose precision here. Only file sizes could be
  // that large, and the extension does not read them back.
  return Number(n);
}

// Go's encoding/json decodes a []byte from a base64 string (StdEncoding,
// which skips \r and \n) or, like any other slice, from an array of
// numbers that each fit in a uint8.
function decodeBytes(node) {
  if (node.kind === "array") {
    return Uint8Array.from(node.items, (item) => {
      const raw = expect(item, "number").raw;
      if (!/^(0|[1-9][0-9]*)$/.test(raw) || Number(raw) > 255) {
        throw new TypeMismatch(`json: cannot unmarshal number ${raw} into a uint8 field`);
      }
      return Number(raw);
    });
  }
  const bytes = base64ToBytes(expect(node, "string").value.replace(/[\r\n]/g, ""));
  if (bytes === null) {
    throw new TypeMismatch("illegal base64 data");
  }
  return bytes;
}

// time.Time.UnmarshalJSON parses the raw token text between the quotes,
// without resolving escapes.
function decodeTime(node) {
  if (node.kind !== "string") {
    throw new TypeMismatch("Time.UnmarshalJSON: input is not a JSON string");
  }
  const text = node.raw.slice(1, -1);
  if (parseGoTime(text) === null) {
    throw new TypeMismatch(`parsing time ${node.raw} as RFC 3339 failed`);
  }
  return text;
}

function normalizeValue(schema, value, path) {
  if (value === undefined) {
    return schema.zero();
  }
  switch (schema.kind) {
    case "string":
      return checkType(value, typeof value === "string", path, "a string");
    case "bool":
      return checkType(value, typeof value === "boolean", path, "a boolean");
    case "int":
      return checkType(value, Number.isSafeInteger(value), path, "an integer");
    case "time":
      return checkType(value, typeof value === "string" && parseGoTime(value) !== null, path, "an RFC 3339 time");
    case "bytes":
      return checkType(value, value === null || value instanceof Uint8Array, path, "a Uint8Array or null");
    case "pointer":
      return value === null ? null : normalizeValue(schema.target, value, path);
    case "slice":
      if (value === null) {
        return null;
      }
      checkType(value, Array.isArray(value), path, "an array");
      return value.map((item, i) => normalizeValue(schema.element, item, `${path}[${i}]`));
    case "struct": {
      checkType(value, typeof value === "object" && value !== null && !Array.isArray(value), path, "an object");
      for (const key of Object.keys(value)) {
        if (!schema.fields.some(([name]) => name === key)) {
          throw new FieldError(`${path}.${key}`, "unknown field");
        }
      }
      const result = {};
      for (const [name, fieldSchema] of schema.fields) {
        result[name] = normalizeValue(fieldSchema, value[name], `${path}.${name}`);
      }
      return result;
    }
  }
  throw new Error(`unknown schema kind ${schema.kind}`);
}

function checkType(value, ok, path, what) {
  if (!ok) {
    throw new FieldError(path, `must be ${what}`);
  }
  return value;
}

function marshal(schema, value) {
  if (schema.kind === "bytes") {
    return value === null ? null : bytesToBase64(value);
  }
  if (schema.kind === "pointer") {
    return value === null ? null : marshal(schema.target, value);
  }
  if (schema.kind === "slice") {
    return value === null ? null : value.map((item) => marshal(schema.element, item));
  }
  if (schema.kind !== "struct") {
    return value;
  }
  const result = {};
  for (const [name, fieldSchema, omitEmpty] of schema.fields) {
    const fieldValue = value[name];
    if (omitEmpty && isEmpty(fieldValue)) {
      continue;
    }
    result[name] = marshal(fieldSchema, fieldValue);
  }
  return result;
}

// Go's omitempty leaves out "", 0, false, nil pointers and empty slices.
function isEmpty(value) {
  return value === "" || value === 0 || value === false || value === null ||
    (Array.isArray(value) && value.length === 0) || (value instanceof Uint8Array && value.length === 0);
}

// Padded standard base64, the only form Go's base64.StdEncoding accepts.
// It does not require the unused bits of the last character to be zero.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Returns the bytes of padded standard base64 text, or null if it is not that. */
export function base64ToBytes(text) {
  if (!BASE64.test(text)) {
    return null;
  }
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) {
    bytes[i] = binary.charCodeAt(i);
  }
  return bytes;
}

/** Returns bytes as padded standard base64, as Go's encoding/json writes a []byte. */
export function bytesToBase64(bytes) {
  let binary = "";
  // Chunks keep the argument list of String.fromCharCode short.
  for (let i = 0; i < bytes.length; i += 0x2000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x2000));
  }
  return btoa(binary);
}
