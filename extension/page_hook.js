// Runs in the page's own JavaScript world (a "world": "MAIN" content
// script) at document_start, before any page script. It wraps fetch,
// XMLHttpRequest.prototype.send and navigator.sendBeacon so that a request
// body carrying files waits until content.js has checked them. This is
// defense in depth behind the file input, drop and paste holds in
// content.js.
//
// NOTE: page scripts share this world, so a page can get unwrapped
// functions (from a new iframe, for example) and skip this check. Plain
// Blob bodies and a Request object passed as fetch's first argument are
// not checked either, because only File objects carry a user's file name
// and reading a Request's body would consume it.

(() => {
  const CHANNEL = "parapet.page-hook";
  // A check that content.js never replies to (the extension was reloaded)
  // blocks the request after this long.
  const CHECK_TIMEOUT_MS = 120_000;

  // Saved before page scripts run, so later changes to these globals do not
  // reach the hook.
  const post = window.postMessage.bind(window);
  const addListener = window.addEventListener.bind(window);
  const setTimer = window.setTimeout.bind(window);
  const clearTimer = window.clearTimeout.bind(window);
  const getRandomValues = crypto.getRandomValues.bind(crypto);
  const FileClass = File;
  const FormDataClass = FormData;
  const formDataValues = FormData.prototype.values;
  const originalFetch = window.fetch;
  const originalOpen = XMLHttpRequest.prototype.open;
  const originalSend = XMLHttpRequest.prototype.send;
  const originalBeacon = Navigator.prototype.sendBeacon;

  const pending = new Map();

  function newID() {
    const bytes = getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // Returns the File objects a request body carries.
  function filesOf(body) {
    if (body instanceof FileClass) {
      return [body];
    }
    if (body instanceof FormDataClass) {
      return Array.from(formDataValues.call(body)).filter((value) => value instanceof FileClass);
    }
    return [];
  }

  // Resolves with "proceed" or "block".
  function check(files) {
    return new Promise((resolve) => {
      const id = newID();
      const timer = setTimer(() => {
        pending.delete(id);
        resolve("block");
      }, CHECK_TIMEOUT_MS);
      pending.set(id, (effect) => {
        clearTimer(timer);
        resolve(effect === "proceed" ? "proceed" : "block");
      });
      post({ channel: CHANNEL, kind: "check", id, files }, "/");
    });
  }

  addListener("message", (event) => {
    const data = event.data;
    if (event.source !== window || data === null || typeof data !== "object" || data.channel !== CHANNEL || data.kind !== "result") {
      return;
    }
    const resolve = pending.get(data.id);
    if (resolve) {
      pending.delete(data.id);
      resolve(data.effect);
    }
  });

  function blockedError() {
    return new TypeError("Parapet blocked this upload. Your organization does not allow this file here.");
  }

  window.fetch = function fetch(input, init) {
    const files = filesOf(init?.body);
    if (files.length === 0) {
      return Reflect.apply(originalFetch, this, arguments);
    }
    return check(files).then((effect) => {
      if (effect !== "proceed") {
        throw blockedError();
      }
      return Reflect.apply(originalFetch, this, [input, init]);
    });
  };

  const asyncRequests = new WeakMap();
  XMLHttpRequest.prototype.open = function open(...args) {
    asyncRequests.set(this, args.length < 3 || Boolean(args[2]));
    return Reflect.apply(originalOpen, this, args);
  };

  XMLHttpRequest.prototype.send = function send(body) {
    const files = filesOf(body);
    if (files.length === 0) {
      return Reflect.apply(originalSend, this, arguments);
    }
    if (asyncRequests.get(this) === false) {
      throw new DOMException("Parapet cannot check files sent by a synchronous XMLHttpRequest, so it blocked the request.", "NetworkError");
    }
    check(files).then((effect) => {
      if (effect === "proceed") {
        Reflect.apply(originalSend, this, [body]);
        return;
      }
      // The request never went out, so it fails like a network error.
      this.dispatchEvent(new ProgressEvent("error"));
      this.dispatchEvent(new ProgressEvent("loadend"));
    });
    return undefined;
  };

  Navigator.prototype.sendBeacon = function sendBeacon(url, data) {
    const files = filesOf(data);
    if (files.length === 0) {
      return Reflect.apply(originalBeacon, this, arguments);
    }
    // A beacon cannot wait, so it is queued here and sent once allowed.
    check(files).then((effect) => {
      if (effect === "proceed") {
        Reflect.apply(originalBeacon, this, [url, data]);
      }
    });
    return true;
  };
})();
