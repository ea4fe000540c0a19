// Signs the user in to parapet-server and keeps the session token that
// every action.request carries. docs/identity.md describes the hand-off:
//
//   1. begin() stores a random state and opens SERVER/signin?ext=ID&state=S.
//   2. The server redirects the tab to SERVER/signin/done#token=…&state=S&….
//   3. onTabUpdated reads that URL, checks origin, path and state, stores
//      the token and closes the tab.
//
// The token and the pending state live in chrome.storage.session, which
// survives restarts of the service worker and is cleared when the browser
// quits. They are never written to chrome.storage.local, because local
// storage is a plain file in the profile and the token is a bearer
// credential. After a browser restart the user signs in again.

export const SIGNIN_KEY = "signin";
export const SIGNIN_STATE_KEY = "signin_state";
export const SIGNIN_MESSAGE_TYPE = "parapet.signin";
export const SIGNOUT_MESSAGE_TYPE = "parapet.signout";
export const SIGNIN_PATH = "/signin";
export const DONE_PATH = "/signin/done";
// A sign-in that has not finished after this long is abandoned, and a
// late done page for it is ignored.
export const STATE_LIFETIME_MS = 15 * 60_000;

const TOKEN_PATTERN = /^ppt_[A-Za-z0-9_-]{43}$/;
const STATE_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;
const DEVICE_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
const MAX_EMAIL_LENGTH = 256;

/** Returns 32 random bytes in base64url without padding: 43 characters. */
export function newState(random = globalThis.crypto) {
  const bytes = random.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * Returns the origin of a server URL, or null unless it is an absolute
 * https URL. The server always speaks TLS, so http is rejected.
 */
export function serverOrigin(value) {
  if (typeof value !== "string" || value === "") {
    return null;
  }
  let url;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== "https:" || url.username !== "" || url.password !== "") {
    return null;
  }
  return url.origin;
}

/**
 * Reads the server's origin: the admin's managed serverUrl first, then a
 * serverUrl in the extension's local storage (tests and development
 * setups), else null.
 */
export async function readServerOrigin(chrome, log = console) {
  for (const [area, name] of [[chrome.storage.managed, "managed"], [chrome.storage.local, "local"]]) {
    let value;
    try {
      ({ serverUrl: value } = await area.get("serverUrl"));
    } catch {
      // Chrome rejects the read when no managed storage exists for the profile.
      continue;
    }
    if (value === undefined) {
      continue;
    }
    const origin = serverOrigin(value);
    if (origin !== null) {
      return origin;
    }
    log.warn(`parapet: ${name} serverUrl ${JSON.stringify(value)} is not an https URL, ignoring it`);
  }
  return null;
}

/**
 * Returns {token, state, email, expires_at} from the URL of a done page,
 * or null when url is not exactly origin + DONE_PATH with a well-formed
 * token and state in the fragment.
 */
export function parseDoneURL(url, origin) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (origin === null || parsed.origin !== origin || parsed.pathname !== DONE_PATH) {
    return null;
  }
  const fragment = new URLSearchParams(parsed.hash.slice(1));
  const result = {
    token: fragment.get("token") ?? "",
    state: fragment.get("state") ?? "",
    email: fragment.get("email") ?? "",
    expires_at: fragment.get("expires_at") ?? "",
  };
  if (!TOKEN_PATTERN.test(result.token) || !STATE_PATTERN.test(result.state)) {
    return null;
  }
  if (result.email.length > MAX_EMAIL_LENGTH) {
    result.email = result.email.slice(0, MAX_EMAIL_LENGTH);
  }
  if (Number.isNaN(Date.parse(result.expires_at))) {
    result.expires_at = "";
  }
  return result;
}

export class SignIn {
  constructor({ chrome, log = console, random = globalThis.crypto, now = () => Date.now() }) {
    this.chrome = chrome;
    this.log = log;
    this.random = random;
    this.now = now;
    this.session = null;
    // Resolves once the stored session is loaded, so the bridge can wait
    // for it before its first action.request.
    this.ready = this.load();
  }

  /** Returns the session token, or "" when not signed in or expired. */
  get token() {
    if (this.session === null) {
      return "";
    }
    if (this.session.expires_at && Date.parse(this.session.expires_at) <= this.now()) {
      return "";
    }
    return this.session.token;
  }

  /** Returns {email, expires_at} of the current session, or null. */
  status() {
    if (this.token === "") {
      return null;
    }
    return { email: this.session.email, expires_at: this.session.expires_at };
  }

  async load() {
    try {
      const stored = await this.chrome.storage.session.get(SIGNIN_KEY);
      const session = stored[SIGNIN_KEY];
      if (session && typeof session.token === "string" && TOKEN_PATTERN.test(session.token)) {
        this.session = session;
      }
    } catch (err) {
      this.log.error(`parapet: reading the sign-in session failed: ${err.message}`);
    }
  }

  /**
   * Opens the server's sign-in page in a new tab. Resolves with the tab,
   * or rejects when no server URL is configured.
   */
  async begin({ deviceId = "" } = {}) {
    const origin = await readServerOrigin(this.chrome, this.log);
    if (origin === null) {
      throw new Error("no Parapet server is configured: set serverUrl in the extension's managed policy");
    }
    const state = newState(this.random);
    await this.chrome.storage.session.set({ [SIGNIN_STATE_KEY]: { state, origin, created_at: this.now() } });
    const url = new URL(SIGNIN_PATH, origin);
    url.searchParams.set("ext", this.chrome.runtime.id);
    url.searchParams.set("state", state);
    if (DEVICE_ID_PATTERN.test(deviceId)) {
      url.searchParams.set("device", deviceId);
    }
    this.log.info(`parapet: opening the sign-in page of ${origin}`);
    return this.chrome.tabs.create({ url: url.href });
  }

  /**
   * chrome.tabs.onUpdated listener. Accepts the token of a done page only
   * when the tab shows exactly the server's origin and DONE_PATH, and the
   * state matches the one begin() stored. Resolves with true when it
   * stored a token.
   */
  async onTabUpdated(tabId, changeInfo, tab) {
    const url = changeInfo?.url ?? tab?.url;
    if (typeof url !== "string" || !url.includes(DONE_PATH)) {
      return false;
    }
    const stored = (await this.chrome.storage.session.get(SIGNIN_STATE_KEY))[SIGNIN_STATE_KEY];
    if (!stored || this.now() - stored.created_at > STATE_LIFETIME_MS) {
      return false;
    }
    const done = parseDoneURL(url, stored.origin);
    if (done === null) {
      return false;
    }
    if (done.state !== stored.state) {
      this.log.warn(`parapet: ignoring a sign-in result in tab ${tabId} whose state does not match the pending sign-in`);
      return false;
    }
    this.session = { token: done.token, email: done.email, expires_at: done.expires_at, origin: stored.origin };
    await this.chrome.storage.session.set({ [SIGNIN_KEY]: this.session });
    await this.chrome.storage.session.remove(SIGNIN_STATE_KEY);
    this.log.info(`parapet: signed in as ${done.email || "(no email)"} at ${stored.origin}`);
    try {
      await this.chrome.tabs.remove(tabId);
    } catch (err) {
      this.log.info(`parapet: closing the sign-in tab ${tabId} failed: ${err.message}`);
    }
    return true;
  }

  /** Forgets the session token. The server session stays until it expires. */
  async signOut() {
    this.session = null;
    await this.chrome.storage.session.remove([SIGNIN_KEY, SIGNIN_STATE_KEY]);
  }
}
