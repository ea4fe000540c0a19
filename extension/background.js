// Service worker of the Parapet extension. Chrome may stop and restart it at
// any time, so every listener is registered synchronously at the top level,
// and each start connects to parapet-agent again.

import { Bridge, AGENT_KEY } from "./lib/bridge.js";
import { PolicyStore } from "./lib/policy.js";
import { DownloadGuard } from "./lib/downloads.js";

// Reconnects while the socket is down, including after Chrome stopped the
// worker. 0.5 minutes is the shortest period Chrome allows (Chrome 120+).
const RECONNECT_ALARM = "parapet-reconnect";
const STATUS_MESSAGE_TYPE = "parapet.status";

const policy = new PolicyStore(chrome);
const bridge = new Bridge({ chrome, policy });
const downloads = new DownloadGuard({ chrome, bridge, policy });

chrome.downloads.onCreated.addListener((item) => {
  downloads.onCreated(item);
});

chrome.downloads.onDeterminingFilename.addListener((item, suggest) => downloads.onDeterminingFilename(item, suggest));

chrome.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === RECONNECT_ALARM && !bridge.connected) {
    bridge.connect();
  }
});

chrome.storage.onChanged.addListener((changes, area) => {
  if ((area === "managed" || area === "local") && changes.bridgePort) {
    console.info(`parapet: ${area} bridgePort changed, reconnecting`);
    if (bridge.socket) {
      bridge.socket.close();
    } else {
      bridge.connect();
    }
  }
});

// The popup requests the state, which also wakes this worker and starts a
// connection attempt when the link is down.
chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (sender.id !== chrome.runtime.id || message?.type !== STATUS_MESSAGE_TYPE) {
    return false;
  }
  if (!bridge.connected) {
    bridge.connect();
  }
  Promise.all([chrome.storage.session.get(AGENT_KEY), policy.load()]).then(([session, current]) => {
    sendResponse({ connected: bridge.connected, agent: session[AGENT_KEY] ?? null, policy: current });
  });
  return true;
});

chrome.alarms.create(RECONNECT_ALARM, { periodInMinutes: 0.5 });
bridge.connect();
