// A small in-memory stand-in for the parts of the chrome API that the
// service worker modules use. Each call is recorded in `calls`.

class FakeStorageArea {
  constructor() {
    this.data = {};
  }

  async get(keys) {
    const list = keys === undefined ? Object.keys(this.data) : [keys].flat();
    return Object.fromEntries(list.filter((k) => k in this.data).map((k) => [k, structuredClone(this.data[k])]));
  }

  async set(items) {
    Object.assign(this.data, structuredClone(items));
  }
}

export function fakeChrome({ tabs = [], downloads = [] } = {}) {
  const calls = [];
  const items = new Map(downloads.map((item) => [item.id, { state: "in_progress", ...item }]));
  const record = (name, ...args) => calls.push([name, ...args]);
  const chrome = {
    calls,
    items,
    runtime: { id: "ghbnpamloifnaljdabnaemelhpdehoae" },
    storage: {
      session: new FakeStorageArea(),
      local: new FakeStorageArea(),
      managed: { get: async () => ({}) },
    },
    tabs: {
      async query(filter) {
        record("tabs.query", filter);
        return tabs.filter((tab) => (filter.active === undefined || tab.active === filter.active));
      },
      async sendMessage(tabId, message) {
        record("tabs.sendMessage", tabId, message);
        return { shown: true };
      },
    },
    downloads: {
      async pause(id) {
        record("downloads.pause", id);
        if (items.get(id)?.state !== "in_progress") {
          throw new Error("Download must be in progress");
        }
      },
      async resume(id) {
        record("downloads.resume", id);
      },
      async cancel(id) {
        record("downloads.cancel", id);
        items.get(id).state = "interrupted";
      },
      async removeFile(id) {
        record("downloads.removeFile", id);
      },
      async erase(query) {
        record("downloads.erase", query);
        items.delete(query.id);
        return [query.id];
      },
      async search(query) {
        return items.has(query.id) ? [structuredClone(items.get(query.id))] : [];
      },
    },
  };
  return chrome;
}

export const quietLog = { info() {}, warn() {}, error() {} };

/** Returns the names of the recorded calls, in order. */
export function callNames(chrome) {
  return chrome.calls.map(([name]) => name);
}
