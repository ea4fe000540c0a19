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
  if (f.sha256 !== "" && !/^[0-9a-f]{64}$/.test(f.sha256)) {
    throw new FieldError(`${prefix}.sha256`, "must be 64 lowercase hex digits");
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
  error: checkError,
};

/**
 * Validates a body of the given type, in the Go shape that decodeBody and
 * normalizeBody produce. Throws FieldError.
 */
export function validateBody(type, body) {
  CHECKS[type](body);
}
