// Host patterns of protected apps. matchHost follows protocol.MatchHost in
// protocol/hosts.go, and protocol/testdata/hosts.json contains the shared cases.

/**
 * Reports whether host (a name or address with an optional port, as in a
 * URL) matches an app's host pattern:
 *   - "files.corp.test" matches that host on any port;
 *   - "*.corp.test" matches any subdomain of corp.test, not corp.test itself;
 *   - "files.corp.test:8080" matches only port 8080, and ":*" any port;
 *   - names compare case-insensitively, and "[::1]" is written with brackets.
 */
export function matchHost(pattern, host) {
  const [patternName, patternPort] = splitHostPort(lower(pattern));
  const [hostName, hostPort] = splitHostPort(lower(host));
  if (hostName === "" || patternName === "") {
    return false;
  }
  if (patternPort !== "" && patternPort !== "*" && patternPort !== hostPort) {
    return false;
  }
  if (patternName.startsWith("*.")) {
    const suffix = patternName.slice(2);
    return hostName.endsWith("." + suffix) && hostName.length > suffix.length + 1;
  }
  return patternName === hostName;
}

/** Returns the app whose host patterns match host, or null. */
export function findApp(apps, host) {
  if (!host) {
    return null;
  }
  for (const app of apps ?? []) {
    if ((app.hosts ?? []).some((pattern) => matchHost(pattern, host))) {
      return app;
    }
  }
  return null;
}

/**
 * Returns the host of an http(s) URL with its port when that is not the
 * scheme's default ("127.0.0.1:8080", "[::1]:8080"), or "" for other
 * schemes and invalid URLs.
 */
export function hostOfURL(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return "";
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return "";
  }
  return parsed.host;
}

// Go's strings.ToLower also lowers non-ASCII letters, and so does
// String.prototype.toLowerCase. Both agree for every host that a URL parser
// produces, because those are ASCII (IDNs arrive as punycode).
function lower(s) {
  return String(s ?? "").toLowerCase();
}

// Splits "name:port", "[v6]:port", "name" and "[v6]" into a name (without
// brackets) and a port, which is "" when absent. Invalid input gives ["", ""].
function splitHostPort(s) {
  if (s.startsWith("[")) {
    const end = s.indexOf("]");
    if (end < 0) {
      return ["", ""];
    }
    const name = s.slice(1, end);
    const rest = s.slice(end + 1);
    if (rest === "") {
      return [name, ""];
    }
    if (!rest.startsWith(":")) {
      return ["", ""];
    }
    return [name, rest.slice(1)];
  }
  if (s.split(":").length - 1 > 1) {
    // A bare IPv6 address without brackets carries no port.
    return isIPv6(s) ? [s, ""] : ["", ""];
  }
  const colon = s.indexOf(":");
  if (colon < 0) {
    return [s, ""];
  }
  const port = s.slice(colon + 1);
  if (port === "") {
    return ["", ""];
  }
  return [s.slice(0, colon), port];
}

/**
 * Reports whether s is an IPv6 address in the text forms that Go's
 * net.ParseIP accepts: hex groups with at most one "::", optionally ending
 * in a dotted IPv4 address, and no zone.
 */
export function isIPv6(s) {
  let groups = 0;
  let rest = s;
  const lastColon = rest.lastIndexOf(":");
  if (lastColon >= 0 && rest.slice(lastColon + 1).includes(".")) {
    if (!isIPv4(rest.slice(lastColon + 1))) {
      return false;
    }
    rest = rest.slice(0, lastColon + 1) + "0:0";
  }
  const halves = rest.split("::");
  if (halves.length > 2) {
    return false;
  }
  for (const half of halves) {
    if (half === "") {
      continue;
    }
    for (const group of half.split(":")) {
      if (!/^[0-9a-f]{1,4}$/i.test(group)) {
        return false;
      }
      groups++;
    }
  }
  return halves.length === 2 ? groups < 8 : groups === 8;
}

function isIPv4(s) {
  const parts = s.split(".");
  return parts.length === 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}
