// Popup: the link state to parapet-agent, the user and device id from the
// agent's hello, the number of protected apps, and the Parapet sign-in
// with its Sign in and Sign out buttons.

import { AGENT_KEY } from "./lib/bridge.js";
import { POLICY_KEY } from "./lib/policy.js";
import { SIGNIN_KEY, SIGNIN_MESSAGE_TYPE, SIGNOUT_MESSAGE_TYPE } from "./lib/signin.js";

const STATUS_MESSAGE_TYPE = "parapet.status";

function renderSignIn(session) {
  const expired = session?.expires_at && Date.parse(session.expires_at) <= Date.now();
  const signedIn = Boolean(session?.token) && !expired;
  document.getElementById("signed-in").textContent = signedIn ? session.email || "(no email)" : "Not signed in";
  document.getElementById("signin").hidden = signedIn;
  document.getElementById("signout").hidden = !signedIn;
}

function showError(text) {
  const error = document.getElementById("signin-error");
  error.textContent = text;
  error.hidden = text === "";
}

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
  const session = await chrome.storage.session.get([AGENT_KEY, POLICY_KEY, SIGNIN_KEY]);
  const policy = session[POLICY_KEY] ?? (await chrome.storage.local.get(POLICY_KEY))[POLICY_KEY];
  render(session[AGENT_KEY], policy);
  renderSignIn(session[SIGNIN_KEY]);
}

chrome.storage.onChanged.addListener((changes, area) => {
  if ((area === "session" || area === "local") && (changes[AGENT_KEY] || changes[POLICY_KEY] || changes[SIGNIN_KEY])) {
    refresh();
  }
});

// The service worker opens the sign-in tab, so the sign-in survives this
// popup closing when the tab takes focus.
document.getElementById("signin").addEventListener("click", async () => {
  showError("");
  const reply = await chrome.runtime.sendMessage({ type: SIGNIN_MESSAGE_TYPE });
  if (reply?.error) {
    showError(`Signing in failed: ${reply.error}`);
  }
});

document.getElementById("signout").addEventListener("click", async () => {
  showError("");
  await chrome.runtime.sendMessage({ type: SIGNOUT_MESSAGE_TYPE });
});

// Wakes the service worker, which reconnects if the link is down.
chrome.runtime.sendMessage({ type: STATUS_MESSAGE_TYPE }).then(refresh, refresh);
refresh();
