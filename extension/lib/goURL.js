// The checks of Go's net/url.Parse (Go 1.26, net/url/url.go) that decide
// whether a URL field is valid. protocol.checkURL rejects a URL when Parse
// returns an error or the URL has no scheme, so the extension checks the
// same rules before it sends a URL to the agent.

import { isIPv6 } from "./hosts.js";

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
// ASCII bytes that Go allows unescaped in a host, besides letters and digits.
const HOST_PUNCTUATION = new Set("!$&'()*+,;=:[]<>\"-_.~");
const USERINFO_PUNCTUATION = new Set("-._:~!$&'()*+,;=%@");

/**
 * Reports whether Go's url.Parse accepts s and the result has a scheme,
 * which is what protocol.checkURL requires of an absolute URL.
 */
export function isAbsoluteURL(s) {
  const hash = s.indexOf("#");
  const beforeFragment = hash < 0 ? s : s.slice(0, hash);
  if (hasControlByte(beforeFragment) || !SCHEME.test(beforeFragment)) {
    return false;
  }
  if (!parseHierarchical(beforeFragment)) {
    return false;
  }
  if (hash >= 0 && !percentEscapesValid(s.slice(hash + 1))) {
    return false;
  }
  return true;
}

function hasControlByte(s) {
  return /[\x00-\x1f\x7f]/.test(s);
}

function parseHierarchical(url) {
  const colon = url.indexOf(":");
  const scheme = url.slice(0, colon).toLowerCase();
  let rest = url.slice(colon + 1);
  if (rest.endsWith("?") && rest.split("?").length === 2) {
    rest = rest.slice(0, -1);
  } else if (rest.includes("?")) {
    rest = rest.slice(0, rest.indexOf("?"));
  }
  if (!rest.startsWith("/")) {
    // An opaque URL such as "mailto:a@b" or "blob:http://…".
    return true;
  }
  if (rest.startsWith("//")) {
    let authority = rest.slice(2);
    const slash = authority.indexOf("/");
    rest = slash < 0 ? "" : authority.slice(slash);
    authority = slash < 0 ? authority : authority.slice(0, slash);
    if (!authorityValid(scheme, authority)) {
      return false;
    }
  }
  return percentEscapesValid(rest);
}

function authorityValid(scheme, authority) {
  const at = authority.lastIndexOf("@");
  if (!hostValid(scheme, authority.slice(at + 1))) {
    return false;
  }
  if (at < 0) {
    return true;
  }
  const userinfo = authority.slice(0, at);
  for (const c of userinfo) {
    if (!/[A-Za-z0-9]/.test(c) && !USERINFO_PUNCTUATION.has(c)) {
      return false;
    }
  }
  return percentEscapesValid(userinfo);
}

function hostValid(scheme, host) {
  const open = host.lastIndexOf("[");
  if (open > 0) {
    return false;
  }
  if (open === 0) {
    const close = host.lastIndexOf("]");
    if (close < 0 || !optionalPortValid(host.slice(close + 1))) {
      return false;
    }
    const name = host.slice(1, close);
    const zone = name.indexOf("%25");
    const address = zone < 0 ? name : name.slice(0, zone);
    if (!hostBytesValid(address, false)) {
      return false;
    }
    if (zone >= 0) {
      if (!hostBytesValid(name.slice(zone), true) || name.length === zone + 3) {
        return false;
      }
    }
    // Go unescapes the address before netip.ParseAddr, but an address
    // with a %-escape never parses, so the escaped text decides the same.
    return isIPv6(address);
  }
  const first = host.indexOf(":");
  if (first >= 0) {
    const last = host.lastIndexOf(":");
    const portStart = scheme === "http" || scheme === "https" ? first : last;
    if (!optionalPortValid(host.slice(portStart))) {
      return false;
    }
  }
  return hostBytesValid(host, false);
}

function optionalPortValid(port) {
  return port === "" || /^:[0-9]*$/.test(port);
}

// Checks a host (or, when zone is true, an IPv6 zone) the way Go's
// unescape does in encodeHost and encodeZone mode.
function hostBytesValid(s, zone) {
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "%") {
      const escape = s.slice(i, i + 3);
      if (!/^%[0-9a-fA-F]{2}$/.test(escape)) {
        return false;
      }
      const value = parseInt(escape.slice(1), 16);
      if (!zone && value < 0x80 && escape !== "%25") {
        return false;
      }
      if (zone && escape !== "%25" && value !== 0x20 && !(value < 0x80 && hostByteAllowed(String.fromCharCode(value)))) {
        return false;
      }
      i += 2;
    } else if (c.charCodeAt(0) < 0x80 && !hostByteAllowed(c)) {
      return false;
    }
  }
  return true;
}

function hostByteAllowed(c) {
  return /[A-Za-z0-9]/.test(c) || HOST_PUNCTUATION.has(c);
}

function percentEscapesValid(s) {
  for (let i = s.indexOf("%"); i >= 0; i = s.indexOf("%", i + 1)) {
    if (!/^%[0-9a-fA-F]{2}$/.test(s.slice(i, i + 3))) {
      return false;
    }
  }
  return true;
}
