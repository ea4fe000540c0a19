import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, existsSync } from "node:fs";

const root = new URL("../", import.meta.url);
const manifest = JSON.parse(readFileSync(new URL("manifest.json", root), "utf8"));

// Chrome's extension id: the first 128 bits of the SHA-256 of the public
// key (DER), written with the letters a-p for the hex digits 0-f.
function extensionID(base64Key) {
  const digest = createHash("sha256").update(Buffer.from(base64Key, "base64")).digest("hex");
  return [...digest.slice(0, 32)].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join("");
}

test("manifest key gives the development id", () => {
  assert.equal(extensionID(manifest.key), "ghbnpamloifnaljdabnaemelhpdehoae");
});

test("manifest is MV3 with a module worker", () => {
  assert.equal(manifest.manifest_version, 3);
  assert.equal(manifest.name, "Parapet");
  assert.equal(manifest.version, "0.1.0");
  assert.equal(manifest.background.service_worker, "background.js");
  assert.equal(manifest.background.type, "module");
});

test("manifest permissions", () => {
  // clipboardWrite lets actions.js redo an allowed copy or cut after the
  // asynchronous check, when the user's gesture may have expired.
  assert.deepEqual([...manifest.permissions].sort(), ["alarms", "clipboardWrite", "downloads", "storage", "tabs"]);
  assert.deepEqual(manifest.host_permissions, ["<all_urls>"]);
});

test("content scripts run at document_start in the top frame", () => {
  const [isolated, main] = manifest.content_scripts;
  assert.equal(manifest.content_scripts.length, 2);
  for (const script of [isolated, main]) {
    assert.equal(script.run_at, "document_start");
    assert.equal(script.all_frames, false);
    assert.deepEqual(script.matches, ["<all_urls>"]);
  }
  assert.deepEqual(isolated.js, ["notice_style.js", "content.js", "actions.js"]);
  assert.equal(isolated.world, undefined, "content.js needs the isolated world for chrome.runtime");
  assert.deepEqual(main.js, ["page_hook.js", "print_hook.js"]);
  assert.equal(main.world, "MAIN");
});

test("managed schema defines bridgePort", () => {
  const schema = JSON.parse(readFileSync(new URL(manifest.storage.managed_schema, root), "utf8"));
  assert.equal(schema.properties.bridgePort.type, "integer");
  assert.equal(schema.properties.bridgePort.default, 47801);
});

test("managed schema defines maxInspectBytes", () => {
  const schema = JSON.parse(readFileSync(new URL(manifest.storage.managed_schema, root), "utf8"));
  assert.equal(schema.properties.maxInspectBytes.type, "integer");
  assert.equal(schema.properties.maxInspectBytes.default, 50 << 20);
});

test("every file the manifest names exists", () => {
  const files = [manifest.background.service_worker, manifest.action.default_popup, manifest.storage.managed_schema, ...manifest.content_scripts.flatMap((script) => script.js)];
  for (const file of files) {
    assert.ok(existsSync(new URL(file, root)), `${file} is missing`);
  }
});

test("sources point only at loopback hosts", () => {
  const files = ["background.js", "content.js", "popup.js", "popup.html", "lib/bridge.js", "lib/downloads.js", "lib/protocol.js", "lib/uploads.js", "page_hook.js",
    "actions.js", "print_hook.js", "notice_style.js", "lib/signin.js", "lib/stepup.js", "lib/page_actions.js", "lib/access.js"];
  for (const file of files) {
    const text = readFileSync(new URL(file, root), "utf8");
    for (const [url] of text.matchAll(/\b(?:wss?|https?):\/\/[^\s"'`)]+/g)) {
      assert.match(url, /^(?:wss?|https?):\/\/(?:127\.0\.0\.1|localhost|\[::1\])(?:[:/$]|$)/, `${file} names ${url}`);
    }
  }
});
