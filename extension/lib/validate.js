// Body validation with the rules of protocol/validate.go. Each check throws
// a FieldError that names the field, so the caller can send the agent an
// invalid_field error as Go's Decode would.

import { isAbsoluteURL } from "./goURL.js";
import { isZeroTime } from "./goTime.js";

// Field limits in bytes of UTF-8, as in protocol/validate.go.
export const MAX_ID_LENGTH = 64;
const MAX_SHORT_TEXT = 256;
const MAX_URL_LENGTH = 4096;
const MAX_MESSAGE_TEXT = 2048;
const MAX_POLICY_IDS = 64;
const MAX_APPS = 1024;
const MAX_HOSTS_PER_APP = 64;
export const MAX_FILE_NAME_BYTES = 1024;
export { MAX_URL_LENGTH };

export const ACTIVITIES = ["download", "upload", "copy", "cut", "paste", "print", "navigate", "sign_in"];
export const DECISIONS = ["allow", "monitor", "protect", "warn", "step_up", "block"];
export const INSPECTIONS = ["complete", "oversized", "failed"];
export const ENCRYPTS = ["none", "org", "user"];
export const ACCESS_STATES = ["blocked", "restored", "device_revoked", "step_up_required"];
// The longest action.request text of a paste, in bytes (protocol.MaxPasteText).
export const MAX_PASTE_TEXT = 32 << 10;
// The largest decoded upload.chunk data (protocol.MaxChunkSize).
export const MAX_CHUNK_SIZE = 32 << 10;
const PEERS = ["extension", "agent", "server"];

export class FieldError extends Error {
  constructor(field, problem) {
    super(`${field}: ${problem}`);
    this.field = field;
    this.problem = problem;
  }
}

const encoder = new TextEncoder();

/** Returns the length of s in bytes of UTF-8. */
export function utf8Length(s) {
  return encoder.encode(s).length;
}

/** Reports whether id is a usable message or record id (protocol.ValidID). */
export function validID(id) {
  return typeof id === "string" && id.length > 0 && id.length <= MAX_ID_LENGTH && /^[A-Za-z0-9._:-]+$/.test(id);
}

function checkText(field, s, limit, required) {
  if (required && s === "") {
    throw new FieldError(field, "missing");
  }
  if (utf8Length(s) > limit) {
    throw new FieldError(field, `longer than ${limit} bytes`);
  }
  if (!s.isWellFormed()) {
    throw new FieldError(field, "not valid UTF-8");
  }
  if (s.includes("\0")) {
    throw new FieldError(field, "contains a NUL byte");
  }
}

function checkURL(field, s, required) {
  checkText(field, s, MAX_URL_LENGTH, required);
  if (s !== "" && !isAbsoluteURL(s)) {
    throw new FieldError(field, "not an absolute URL");
  }
}

function checkRequestID(field, id) {
  if (!validID(id)) {
    throw new FieldError(field, "missing or not a valid id");
  }
}

function checkHello(h) {
  if (!PEERS.includes(h.peer)) {
    throw new FieldError("body.peer", `must be extension, agent or server, not ${JSON.stringify(h.peer)}`);
  }
  checkText("body.software", h.software, MAX_SHORT_TEXT, true);
  if (h.device_id !== "" && !validID(h.device_id)) {
    throw new FieldError("body.device_id", "not a valid id");
  }
  checkText("body.user", h.user, MAX_SHORT_TEXT, false);
}

function checkFile(prefix, f) {
  checkText(`${prefix}.name`, f.name, MAX_FILE_NAME_BYTES, true);
  if (/[/\\]/.test(f.name)) {
    throw new FieldError(`${prefix}.name`, "must be a base name without folders");
  }
  if (f.size < -1) {
    throw new FieldError(`${prefix}.size`, "must be -1 (unknown) or a byte count");
  }
  checkText(`${prefix}.mime_type`, f.mime_type, MAX_SHORT_TEXT, false);
  if (f.sha256 !== "" && !isHex64(f.sha256)) {
    throw new FieldError(`${prefix}.sha256`, "must be 64 lowercase hex digits");
  }
  if (f.label !== null) {
    checkLabel(`${prefix}.label`, f.label);
  }
  const detectors = f.detectors ?? [];
  if (detectors.length > MAX_POLICY_IDS) {
    throw new FieldError(`${prefix}.detectors`, `more than ${MAX_POLICY_IDS} ids`);
  }
  for (const id of detectors) {
    if (!validID(id)) {
      throw new FieldError(`${prefix}.detectors`, `invalid id ${JSON.stringify(id)}`);
    }
  }
  if (f.inspection !== "" && !INSPECTIONS.includes(f.inspection)) {
    throw new FieldError(`${prefix}.inspection`, `unknown inspection result ${JSON.stringify(f.inspection)}`);
  }
}

function isHex64(s) {
  return /^[0-9a-f]{64}$/.test(s);
}

/** Reports whether s is a lowercase GUID without braces (protocol.ValidGUID). */
export function validGUID(s) {
  return typeof s === "string" && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(s);
}

function checkLabel(prefix, l) {
  if (!validGUID(l.id)) {
    throw new FieldError(`${prefix}.id`, "must be a lowercase GUID without braces");
  }
  if (!validGUID(l.tenant_id)) {
    throw new FieldError(`${prefix}.tenant_id`, "must be a lowercase GUID without braces");
  }
  checkText(`${prefix}.name`, l.name, MAX_SHORT_TEXT, false);
}

function checkEncrypt(field, e) {
  if (!ENCRYPTS.includes(e)) {
    throw new FieldError(field, `must be none, org or user, not ${JSON.stringify(e)}`);
  }
}

function checkProtection(prefix, p) {
  checkLabel(`${prefix}.label`, p.label);
  checkEncrypt(`${prefix}.encrypt`, p.encrypt);
  const recipients = p.recipients ?? [];
  if (p.encrypt === "none" && recipients.length > 0) {
    throw new FieldError(`${prefix}.recipients`, "must be empty when encrypt is none");
  }
  if (p.encrypt !== "none" && recipients.length === 0) {
    throw new FieldError(`${prefix}.recipients`, `missing for encrypt ${JSON.stringify(p.encrypt)}`);
  }
  if (recipients.length > MAX_POLICY_IDS) {
    throw new FieldError(`${prefix}.recipients`, `more than ${MAX_POLICY_IDS} recipients`);
  }
  for (const r of recipients) {
    if (!r.startsWith("age1") || utf8Length(r) > MAX_SHORT_TEXT) {
      throw new FieldError(`${prefix}.recipients`, `invalid age recipient ${JSON.stringify(r.length <= 16 ? r : r.slice(0, 16) + "…")}`);
    }
  }
}

function checkActionRequest(prefix, a) {
  if (!ACTIVITIES.includes(a.activity)) {
    throw new FieldError(`${prefix}.activity`, `unknown activity ${JSON.stringify(a.activity)}`);
  }
  checkText(`${prefix}.app_host`, a.app_host, MAX_SHORT_TEXT, true);
  if (/[/ @?#]/.test(a.app_host)) {
    throw new FieldError(`${prefix}.app_host`, "must be a host with an optional port");
  }
  checkURL(`${prefix}.page_url`, a.page_url, true);
  checkURL(`${prefix}.target_url`, a.target_url, false);
  if (a.file !== null) {
    checkFile(`${prefix}.file`, a.file);
  }
  if (a.tab_id < -1) {
    throw new FieldError(`${prefix}.tab_id`, "must be -1 (no tab) or a tab id");
  }
  checkText(`${prefix}.session_token`, a.session_token, MAX_SHORT_TEXT, false);
  checkText(`${prefix}.text`, a.text, MAX_PASTE_TEXT, false);
  if (a.text !== "" && a.activity !== "paste") {
    throw new FieldError(`${prefix}.text`, "only a paste carries text");
  }
  if (a.source !== "" && a.source !== "watcher") {
    throw new FieldError(`${prefix}.source`, `must be empty or "watcher", not ${JSON.stringify(a.source)}`);
  }
}

// protocol.AccessChanged.Validate. Go does not check Until beyond
// decoding it as an RFC 3339 time.
function checkAccessChanged(c) {
  checkText("body.user", c.user, MAX_SHORT_TEXT, true);
  if (!ACCESS_STATES.includes(c.state)) {
    throw new FieldError("body.state", `unknown access state ${JSON.stringify(c.state)}`);
  }
  checkText("body.message", c.message, MAX_MESSAGE_TEXT, true);
}

function checkDecision(d) {
  if (!DECISIONS.includes(d)) {
    throw new FieldError("body.decision", `unknown decision ${JSON.stringify(d)}`);
  }
}

function checkVerdict(v) {
  checkRequestID("body.request_id", v.request_id);
  checkDecision(v.decision);
  checkText("body.message", v.message, MAX_MESSAGE_TEXT, false);
  checkText("body.reason", v.reason, MAX_MESSAGE_TEXT, true);
  const ids = v.policy_ids ?? [];
  if (ids.length > MAX_POLICY_IDS) {
    throw new FieldError("body.policy_ids", `more than ${MAX_POLICY_IDS} ids`);
  }
  for (const id of ids) {
    if (!validID(id)) {
      throw new FieldError("body.policy_ids", `invalid id ${JSON.stringify(id)}`);
    }
  }
  if (v.event_id !== "" && !validID(v.event_id)) {
    throw new FieldError("body.event_id", "not a valid id");
  }
  checkText("body.fix", v.fix, MAX_MESSAGE_TEXT, false);
  checkURL("body.link", v.link, false);
  if ((v.protect !== null) !== (v.decision === "protect")) {
    throw new FieldError("body.protect", "must be set exactly when the decision is protect");
  }
  if (v.protect !== null) {
    checkProtection("body.protect", v.protect);
  }
}

function checkUploadChunk(c) {
  checkRequestID("body.request_id", c.request_id);
  if (c.offset < 0) {
    throw new FieldError("body.offset", "must not be negative");
  }
  const length = c.data?.length ?? 0;
  if (length > MAX_CHUNK_SIZE) {
    throw new FieldError("body.data", `longer than ${MAX_CHUNK_SIZE} bytes`);
  }
  if (length === 0 && !c.last) {
    throw new FieldError("body.data", "empty in a chunk that is not the last");
  }
}

function checkActivityUpdate(u) {
  checkRequestID("body.event_id", u.event_id);
  if (u.label !== null) {
    checkLabel("body.label", u.label);
  }
  checkEncrypt("body.encrypted", u.encrypted);
  if (!isHex64(u.sha256)) {
    throw new FieldError("body.sha256", "must be 64 lowercase hex digits");
  }
  checkText("body.file_name", u.file_name, MAX_FILE_NAME_BYTES, true);
  if (/[/\\]/.test(u.file_name)) {
    throw new FieldError("body.file_name", "must be a base name without folders");
  }
}

function checkPostureReport(p) {
  const fields = [
    ["body.os", p.os, true],
    ["body.platform", p.platform, false],
    ["body.platform_version", p.platform_version, false],
    ["body.kernel_version", p.kernel_version, false],
    ["body.hostname", p.hostname, false],
    ["body.host_id", p.host_id, false],
    ["body.agent_version", p.agent_version, true],
  ];
  for (const [name, value, required] of fields) {
    checkText(name, value, MAX_SHORT_TEXT, required);
  }
  if (p.agent_uptime_seconds < 0) {
    throw new FieldError("body.agent_uptime_seconds", "must not be negative");
  }
  if (!["", "keyring", "file"].includes(p.credential_store)) {
    throw new FieldError("body.credential_store", `must be keyring or file, not ${JSON.stringify(p.credential_store)}`);
  }
  for (const name of ["disk_encryption", "firewall", "screen_lock", "auto_updates"]) {
    if (p[name] !== null) {
      checkPostureCheck(`body.${name}`, p[name]);
    }
  }
}

function checkPostureCheck(prefix, c) {
  if (!["enabled", "disabled", "unknown"].includes(c.state)) {
    throw new FieldError(`${prefix}.state`, `must be enabled, disabled or unknown, not ${JSON.stringify(c.state)}`);
  }
  checkText(`${prefix}.detail`, c.detail, MAX_SHORT_TEXT, false);
  checkText(`${prefix}.reason`, c.reason, MAX_MESSAGE_TEXT, false);
}

function checkPolicyUpdate(u) {
  if (u.revision < 0) {
    throw new FieldError("body.revision", "must not be negative");
  }
  const apps = u.apps ?? [];
  if (apps.length > MAX_APPS) {
    throw new FieldError("body.apps", `more than ${MAX_APPS} apps`);
  }
  apps.forEach((app, i) => {
    const prefix = `body.apps[${i}]`;
    if (!validID(app.id)) {
      throw new FieldError(`${prefix}.id`, "missing or not a valid id");
    }
    const hosts = app.hosts ?? [];
    if (hosts.length === 0 || hosts.length > MAX_HOSTS_PER_APP) {
      throw new FieldError(`${prefix}.hosts`, `must list 1 to ${MAX_HOSTS_PER_APP} host patterns`);
    }
    for (const host of hosts) {
      checkText(`${prefix}.hosts`, host, MAX_SHORT_TEXT, true);
    }
  });
}

function checkActivityReport(r) {
  checkActionRequest("body.request", r.request);
  checkRequestID("body.request_id", r.request_id);
  checkDecision(r.decision);
  checkText("body.reason", r.reason, MAX_MESSAGE_TEXT, true);
  if (isZeroTime(r.decided_at)) {
    throw new FieldError("body.decided_at", "missing");
  }
}

function checkError(e) {
  checkText("body.code", e.code, MAX_SHORT_TEXT, true);
  checkText("body.message", e.message, MAX_MESSAGE_TEXT, true);
  if (e.ref_id !== "" && !validID(e.ref_id)) {
    throw new FieldError("body.ref_id", "not a valid id");
  }
}

const CHECKS = {
  hello: checkHello,
  ping: () => {},
  pong: () => {},
  "action.request": (a) => checkActionRequest("body", a),
  verdict: checkVerdict,
  "posture.report": checkPostureReport,
  "policy.update": checkPolicyUpdate,
  "activity.report": checkActivityReport,
  ack: (a) => checkRequestID("body.ref_id", a.ref_id),
  "upload.chunk": checkUploadChunk,
  "activity.update": checkActivityUpdate,
  "access.changed": checkAccessChanged,
  error: checkError,
};

/**
 * Validates a body of the given type, in the Go shape that decodeBody and
 * normalizeBody produce. Throws FieldError.
 */
export function validateBody(type, body) {
  CHECKS[type](body);
}
