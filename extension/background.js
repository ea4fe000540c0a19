// Service worker of the Parapet extension. Chrome may stop and restart it at
// any time, so every listener is registered synchronously at the top level,
// and each start connects to parapet-agent again.

import { Bridge, AGENT_KEY } from "./lib/bridge.js";
import { PolicyStore } from "./lib/policy.js";
import { DownloadGuard } from "./lib/downloads.js";
import { UploadGuard, SCOPE_MESSAGE_TYPE } from "./lib/uploads.js";
import { SignIn, SIGNIN_MESSAGE_TYPE, SIGNOUT_MESSAGE_TYPE } from "./lib/signin.js";
import { StepUpLinks, OPEN_STEP_UP_MESSAGE_TYPE } from "./lib/stepup.js";
import { PageActionGuard, ACTION_MESSAGE_TYPE, JUSTIFICATION_MESSAGE_TYPE } from "./lib/page_actions.js";
import { AccessNotifier } from "./lib/access.js";

// Reconnects while the socket is down, including after Chrome stopped the
// worker. 0.5 minutes is the shortest period Chrome allows (Chrome 120+).
const RECONNECT_ALARM = "parapet-reconnect";
const STATUS_MESSAGE_TYPE = "parapet.status";

const policy = new PolicyStore(chrome);
const signIn = new SignIn({ chrome });
const bridge = new Bridge({ chrome, policy, signIn });
const stepUpLinks = new StepUpLinks({ chrome });
const downloads = new DownloadGuard({ chrome, bridge, policy, stepUpLinks });
const uploads = new UploadGuard({ chrome, bridge, policy });
const pageActions = new PageActionGuard({ chrome, bridge, policy, stepUpLinks });
const access = new AccessNotifier({ chrome, policy });
bridge.onAccessChanged = (body) => {
  access.notify(body).catch((err) => console.error(`parapet: showing an access change failed: ${err.message}`));
};

chrome.tabs.onUpdated.addListener((tabId, changeInfo, tab) => {
  signIn.onTabUpdated(tabId, changeInfo, tab).catch((err) => console.error(`parapet: reading a sign-in result failed: ${err.message}`));
});

chrome.downloads.onCreated.addListener((item) => {
  downloads.onCreated(item);
});

chrome.downloads.onDeterminingFilename.addListener((item, suggest) => downloads.onDeterminingFilename(item, suggest));

// Each file that a content script stopped on its way into the page
// arrives on its own port.
chrome.runtime.onConnect.addListener((port) => {
  uploads.onConnect(port);
});

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
  if (sender.id === chrome.runtime.id && handlePageMessage(message, sender, sendResponse)) {
    return true;
  }
  if (sender.id === chrome.runtime.id && message?.type === SCOPE_MESSAGE_TYPE) {
    uploads.scope(sender).then(sendResponse);
    return true;
  }
  if (sender.id !== chrome.runtime.id || message?.type !== STATUS_MESSAGE_TYPE) {
    return false;
  }
  if (!bridge.connected) {
    bridge.connect();
  }
  Promise.all([chrome.storage.session.get(AGENT_KEY), policy.load(), signIn.ready]).then(([session, current]) => {
    sendResponse({ connected: bridge.connected, agent: session[AGENT_KEY] ?? null, policy: current, signin: signIn.status() });
  });
  return true;
});

function isExtensionPage(sender) {
  return typeof sender.url === "string" && sender.url.startsWith(chrome.runtime.getURL("/"));
}

// Messages of actions.js and the popup that get an asynchronous reply.
// Returns true when it took the message.
function handlePageMessage(message, sender, sendResponse) {
  const reply = (promise) => {
    promise.then(sendResponse, (err) => {
      console.error(`parapet: handling ${message.type} failed: ${err.message}`);
      sendResponse({ error: err.message });
    });
    return true;
  };
  switch (message?.type) {
    case ACTION_MESSAGE_TYPE:
      return reply(pageActions.decide(message, sender));
    case JUSTIFICATION_MESSAGE_TYPE:
      return reply(Promise.resolve(pageActions.justify(message, sender)));
    case OPEN_STEP_UP_MESSAGE_TYPE:
      return reply(stepUpLinks.open(message, sender));
    case SIGNIN_MESSAGE_TYPE:
      // Only the popup may start a sign-in. Content scripts send the URL of
      // their web page, the popup one under the extension's origin.
      if (!isExtensionPage(sender)) {
        return false;
      }
      return reply(chrome.storage.session.get(AGENT_KEY).then((s) => signIn.begin({ deviceId: s[AGENT_KEY]?.device_id ?? "" })).then(() => ({ started: true })));
    case SIGNOUT_MESSAGE_TYPE:
      if (!isExtensionPage(sender)) {
        return false;
      }
      return reply(signIn.signOut().then(() => ({ signed_out: true })));
  }
  return false;
}

chrome.alarms.create(RECONNECT_ALARM, { periodInMinutes: 0.5 });
bridge.connect();
