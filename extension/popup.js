// Popup: the link state to parapet-agent, the user and device id from the
// agent's hello, and the number of protected apps.

import { AGENT_KEY } from "./lib/bridge.js";
import { POLICY_KEY } from "./lib/policy.js";

const STATUS_MESSAGE_TYPE = "parapet.status";

function render(agent, policy) {
  const status = document.getElementById("status");
  const connected = agent?.connected === true;
  status.textContent = connected ? "Connected" : "Not connected";
  status.className = connected ? "status connected" : "status disconnected";
  document.getElementById("user").textContent = connected && agent.user ? agent.user : "–";
  document.getElementById("device").textContent = connected && agent.device_id ? agent.device_id : "–";
  const count = policy?.apps?.length ?? 0;
  document.getElementById("apps").textContent = String(count);
}

async function refresh() {
  const session = await chrome.storage.session.get([AGENT_KEY, POLICY_KEY]);
  const policy = session[POLICY_KEY] ?? (await chrome.storage.local.get(POLICY_KEY))[POLICY_KEY];
  render(session[AGENT_KEY], policy);
}

chrome.storage.onChanged.addListener((changes, area) => {
  if ((area === "session" || area === "local") && (changes[AGENT_KEY] || changes[POLICY_KEY])) {
    refresh();
  }
});

// Wakes the service worker, which reconnects if the link is down.
chrome.runtime.sendMessage({ type: STATUS_MESSAGE_TYPE }).then(refresh, refresh);
refresh();
