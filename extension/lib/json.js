// A JSON parser that keeps what Go's encoding/json looks at but JSON.parse
// drops: the raw text of numbers and strings, and every key of an object in
// order, duplicates included. lib/protocol.js uses it to decode messages
// with the same results as the agent's Go decoder.

// Go's scanner rejects values nested deeper than this (encoding/json,
// maxNestingDepth in scanner.go, Go 1.26).
export const MAX_NESTING_DEPTH = 10000;

export class JSONSyntaxError extends Error {}

const WHITESPACE = new Set([" ", "\t", "\n", "\r"]);
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const SIMPLE_ESCAPES = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

/**
 * Parses exactly one JSON value from text, allowing surrounding whitespace.
 * Returns a node: {kind: "object", pairs: [{key, value}]}, {kind: "array",
 * items}, {kind: "string", value, raw}, {kind: "number", raw},
 * {kind: "bool", value} or {kind: "null"}. `raw` is the source text of the
 * token, quotes included. Throws JSONSyntaxError.
 */
export function parseJSON(text) {
  const parser = new Parser(text);
  parser.skipWhitespace();
  if (parser.pos >= text.length) {
    throw new JSONSyntaxError("unexpected end of JSON input");
  }
  const node = parser.value();
  parser.skipWhitespace();
  if (parser.pos < text.length) {
    throw new JSONSyntaxError(`trailing data after the JSON value at offset ${parser.pos}`);
  }
  return node;
}

class Parser {
  constructor(text) {
    this.text = text;
    this.pos = 0;
  }

  fail(what) {
    if (this.pos >= this.text.length) {
      throw new JSONSyntaxError("unexpected end of JSON input");
    }
    throw new JSONSyntaxError(`invalid character ${JSON.stringify(this.text[this.pos])} ${what} at offset ${this.pos}`);
  }

  skipWhitespace() {
    while (this.pos < this.text.length && WHITESPACE.has(this.text[this.pos])) {
      this.pos++;
    }
  }

  // Parses one value with an explicit stack instead of recursion, so deep
  // nesting up to MAX_NESTING_DEPTH cannot overflow the call stack.
  value() {
    const stack = [];
    for (;;) {
      let node = this.scalarOrOpen(stack.length + 1);
      const isContainer = node.kind === "object" || node.kind === "array";
      if (isContainer && !this.closeIfEmpty(node)) {
        stack.push(node);
        if (node.kind === "object") {
          this.key(node);
        }
        continue;
      }
      // node is complete: attach it to its parent and close finished parents.
      for (;;) {
        const parent = stack.at(-1);
        if (!parent) {
          return node;
        }
        if (parent.kind === "object") {
          parent.pairs.at(-1).value = node;
        } else {
          parent.items.push(node);
        }
        this.skipWhitespace();
        const c = this.text[this.pos];
        const close = parent.kind === "object" ? "}" : "]";
        if (c === close) {
          this.pos++;
          node = stack.pop();
          continue;
        }
        if (c !== ",") {
          this.fail(parent.kind === "object" ? "after object key:value pair" : "after array element");
        }
        this.pos++;
        this.skipWhitespace();
        if (parent.kind === "object") {
          this.key(parent);
        }
        break;
      }
    }
  }

  // Returns a scalar node, or an empty object or array node whose opening
  // bracket has been read.
  scalarOrOpen(depth) {
    this.skipWhitespace();
    const c = this.text[this.pos];
    if (c === "{" || c === "[") {
      if (depth > MAX_NESTING_DEPTH) {
        throw new JSONSyntaxError(`exceeded max depth of ${MAX_NESTING_DEPTH}`);
      }
      this.pos++;
      return c === "{" ? { kind: "object", pairs: [] } : { kind: "array", items: [] };
    }
    if (c === '"') {
      return this.string();
    }
    if (c === "-" || (c >= "0" && c <= "9")) {
      return this.number();
    }
    for (const [word, node] of [["true", { kind: "bool", value: true }], ["false", { kind: "bool", value: false }], ["null", { kind: "null" }]]) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return node;
      }
    }
    this.fail("looking for beginning of value");
  }

  closeIfEmpty(node) {
    this.skipWhitespace();
    if (this.text[this.pos] === (node.kind === "object" ? "}" : "]")) {
      this.pos++;
      return true;
    }
    return false;
  }

  // Reads `"key":` and adds a pair whose value the caller fills in.
  key(object) {
    this.skipWhitespace();
    if (this.text[this.pos] !== '"') {
      this.fail("looking for beginning of object key string");
    }
    const key = this.string().value;
    this.skipWhitespace();
    if (this.text[this.pos] !== ":") {
      this.fail("after object key");
    }
    this.pos++;
    object.pairs.push({ key, value: null });
  }

  number() {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (!match) {
      this.pos++;
      this.fail("in numeric literal");
    }
    this.pos += match[0].length;
    return { kind: "number", raw: match[0] };
  }

  string() {
    const start = this.pos;
    this.pos++;
    let value = "";
    for (;;) {
      if (this.pos >= this.text.length) {
        throw new JSONSyntaxError("unexpected end of JSON input");
      }
      const c = this.text[this.pos];
      const code = c.charCodeAt(0);
      if (c === '"') {
        this.pos++;
        return { kind: "string", value: toWellFormed(value), raw: this.text.slice(start, this.pos) };
      }
      if (code < 0x20) {
        this.fail("in string literal");
      }
      if (c !== "\\") {
        value += c;
        this.pos++;
        continue;
      }
      const escape = this.text[this.pos + 1];
      if (escape in SIMPLE_ESCAPES) {
        value += SIMPLE_ESCAPES[escape];
        this.pos += 2;
      } else if (escape === "u") {
        const hex = this.text.slice(this.pos + 2, this.pos + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          this.pos += 2;
          this.fail("in \\u hexadecimal character escape");
        }
        value += String.fromCharCode(parseInt(hex, 16));
        this.pos += 6;
      } else {
        this.pos++;
        this.fail("in string escape code");
      }
    }
  }
}

// Replaces unpaired surrogates with U+FFFD, as Go does when it decodes a
// \uXXXX escape that does not form a valid code point.
function toWellFormed(s) {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}
