// The protected apps from the agent's latest policy.update. They are kept in
// memory, in chrome.storage.session for the browser session, and in
// chrome.storage.local so that a restarted browser can still tell which
// apps are sensitive and must fail closed while the agent is down.

export const POLICY_KEY = "policy";

export class PolicyStore {
  constructor(chrome) {
    this.chrome = chrome;
    this.current = null;
  }

  /** Returns the protected apps, loading them from storage on first use. */
  async apps() {
    const policy = await this.load();
    return policy?.apps ?? [];
  }

  /** Returns {revision, apps, received_at} or null when no policy is known. */
  async load() {
    if (this.current) {
      return this.current;
    }
    const session = await this.chrome.storage.session.get(POLICY_KEY);
    if (session[POLICY_KEY]) {
      this.current = session[POLICY_KEY];
      return this.current;
    }
    const local = await this.chrome.storage.local.get(POLICY_KEY);
    // A later update replaces this; current stays null until then only
    // when both stores are empty.
    this.current = local[POLICY_KEY] ?? null;
    return this.current;
  }

  /** Stores the body of a policy.update from the agent. */
  async update(body) {
    const policy = {
      revision: body.revision,
      apps: (body.apps ?? []).map((app) => ({ id: app.id, hosts: [...(app.hosts ?? [])], sensitive: app.sensitive })),
      received_at: new Date().toISOString(),
    };
    this.current = policy;
    await Promise.all([
      this.chrome.storage.session.set({ [POLICY_KEY]: policy }),
      this.chrome.storage.local.set({ [POLICY_KEY]: policy }),
    ]);
  }
}
