import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import { matchHost, findApp, hostOfURL, isIPv6 } from "../lib/hosts.js";

const vectors = JSON.parse(readFileSync(new URL("../../protocol/testdata/hosts.json", import.meta.url), "utf8"));

test("hosts.json has vectors", () => {
  assert.ok(vectors.length > 10);
});

for (const { pattern, host, match } of vectors) {
  test(`matchHost ${JSON.stringify(pattern)} ~ ${JSON.stringify(host)} is ${match}`, () => {
    assert.equal(matchHost(pattern, host), match);
  });
}

test("matchHost takes bare IPv6 without a port", () => {
  assert.equal(matchHost("::1", "::1"), true);
  assert.equal(matchHost("::1", "[::1]:8080"), true);
  assert.equal(matchHost("1::2::3", "1::2::3"), false);
});

test("matchHost rejects a bracket without its end", () => {
  assert.equal(matchHost("[::1", "[::1"), false);
  assert.equal(matchHost("[::1]x", "[::1]"), false);
});

test("isIPv6 forms", () => {
  assert.equal(isIPv6("::"), true);
  assert.equal(isIPv6("fe80::1:2"), true);
  assert.equal(isIPv6("::ffff:1.2.3.4"), true);
  assert.equal(isIPv6("1:2:3:4:5:6:7:8"), true);
  assert.equal(isIPv6("1:2:3:4:5:6:7:8:9"), false);
  assert.equal(isIPv6("::ffff:1.2.3.04"), false);
  assert.equal(isIPv6("fe80::1%eth0"), false);
  assert.equal(isIPv6("12345::"), false);
});

test("hostOfURL keeps non-default ports", () => {
  assert.equal(hostOfURL("http://127.0.0.1:8080/x"), "127.0.0.1:8080");
  assert.equal(hostOfURL("https://Files.Corp.Test:443/"), "files.corp.test");
  assert.equal(hostOfURL("http://[::1]:9000/"), "[::1]:9000");
  assert.equal(hostOfURL("blob:http://127.0.0.1/x"), "");
  assert.equal(hostOfURL("not a url"), "");
  assert.equal(hostOfURL(undefined), "");
});

test("findApp returns the first matching app", () => {
  const apps = [{ id: "a", hosts: ["*.corp.test"] }, { id: "b", hosts: ["127.0.0.1:8080"] }];
  assert.equal(findApp(apps, "wiki.corp.test").id, "a");
  assert.equal(findApp(apps, "127.0.0.1:8080").id, "b");
  assert.equal(findApp(apps, "127.0.0.1:9090"), null);
  assert.equal(findApp(apps, ""), null);
});
