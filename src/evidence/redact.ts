import type { Snapshot } from "../collectors/snapshot.js";

/**
 * Redaction applied to everything a bundle stores from a run: snapshot, results, report and
 * metadata. Values are replaced, never removed, so every field a control reads keeps its type and
 * the bundle replays to the recorded results. A replaced secret becomes `[REDACTED:<rule>]`.
 */

interface TextRule {
  name: string;
  pattern: RegExp;
  replace: (match: string, ...groups: string[]) => string;
}

const TEXT_RULES: TextRule[] = [
  {
    name: "private-key",
    pattern: /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g,
    replace: () => "[REDACTED:private-key]",
  },
  {
    // user:password@host in any URL scheme (postgres://, mysql://, https://, redis://).
    name: "url-password",
    pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*):([^\s@/?#]+)@/gi,
    replace: (_match, prefix) => `${prefix}:[REDACTED:url-password]@`,
  },
  {
    name: "aws-access-key",
    pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g,
    replace: () => "[REDACTED:aws-access-key]",
  },
  {
    // Clerk and Stripe secret keys (sk_live_, sk_test_), restricted keys and webhook secrets.
    name: "api-secret-key",
    pattern: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{8,}|\bwhsec_[A-Za-z0-9+/=]{8,}/g,
    replace: () => "[REDACTED:api-secret-key]",
  },
  {
    name: "github-token",
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/g,
    replace: () => "[REDACTED:github-token]",
  },
  {
    name: "slack-token",
    pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g,
    replace: () => "[REDACTED:slack-token]",
  },
  {
    name: "jwt",
    pattern: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
    replace: () => "[REDACTED:jwt]",
  },
  {
    name: "bearer-token",
    pattern: /\b(Bearer|Basic|Token)\s+(?!\[REDACTED)[A-Za-z0-9\-._~+/]{8,}=*/g,
    replace: (_match, scheme) => `${scheme} [REDACTED:bearer-token]`,
  },
  {
    // password=..., "secret": "...", api_key: ..., aws_secret_access_key = ... in free text.
    name: "assigned-secret",
    pattern:
      /\b((?:[A-Za-z0-9]+[_-])*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s"',;&]+)/gi,
    replace: (_match, prefix, value) => {
      if (value.replace(/^["']/, "").startsWith("[REDACTED")) return `${prefix}${value}`;
      const quote = /^["']/.test(value) ? value[0] : "";
      return `${prefix}${quote}[REDACTED:assigned-secret]${quote}`;
    },
  },
  {
    // Keep the first character and the domain: enough to tell staff from outsiders, not who.
    name: "email",
    pattern: /\b([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})\b/g,
    replace: (_match, first, domain) => `${first}***@${domain}`,
  },
];

/**
 * A substring (case-insensitive) of every match of every text rule, so a string without one is
 * left as it is without running the rules. Most strings of a snapshot (ids, times, states) have none.
 */
const MAY_MATCH = /-----BEGIN|:\/\/|AKIA|ASIA|ABIA|ACCA|_live_|_test_|whsec_|gh[pousr]_|github_pat_|xox|eyJ|bearer|basic|token|pass|pwd|secret|key|credential|@/i;

/** Object keys whose string values are secrets whatever they look like (compared lowercased, without `_` and `-`). */
const SECRET_KEY_SUFFIXES = ["password", "passwd", "secret", "token", "apikey", "privatekey", "secretaccesskey", "authorization", "cookie", "connectionstring", "credentials"];

/** Object keys holding personal data no control needs (compared lowercased, without `_` and `-`). */
const PERSONAL_KEYS = new Set(["firstname", "lastname", "fullname", "phonenumber", "phone", "birthday", "dateofbirth", "imageurl", "profileimageurl", "streetaddress"]);

/** Counts replacements by rule while redacting one bundle. */
export class Redactor {
  readonly counts: Record<string, number> = {};

  text(value: string): string {
    if (!MAY_MATCH.test(value)) return value;
    let result = value;
    for (const rule of TEXT_RULES) {
      result = result.replace(rule.pattern, (...args: unknown[]) => {
        const match = args[0] as string;
        const groups = args.slice(1).filter((item): item is string => typeof item === "string");
        const replaced = rule.replace(match, ...groups);
        if (replaced !== match) this.counts[rule.name] = (this.counts[rule.name] ?? 0) + 1;
        return replaced;
      });
    }
    return result;
  }

  value(value: unknown, key?: string): unknown {
    if (typeof value === "string") {
      const keyRule = key === undefined ? null : ruleForKey(key);
      if (keyRule !== null && value !== "" && !value.startsWith("[REDACTED")) {
        this.counts[keyRule] = (this.counts[keyRule] ?? 0) + 1;
        return `[REDACTED:${keyRule}]`;
      }
      return this.text(value);
    }
    if (Array.isArray(value)) return value.map((item) => this.value(item, key));
    if (value !== null && typeof value === "object") {
      const result: Record<string, unknown> = {};
      for (const [childKey, child] of Object.entries(value)) result[this.text(childKey)] = this.value(child, childKey);
      return result;
    }
    return value;
  }

  /**
   * `sortKeys(this.value(value, key))` in one pass: a redacted copy whose object keys are sorted
   * as `stableJson` sorts them. Keys that redact to the same text keep the last value, as there.
   */
  sortedValue(value: unknown, key?: string): unknown {
    if (typeof value === "string") return this.value(value, key);
    if (Array.isArray(value)) return value.map((item) => this.sortedValue(item, key));
    if (value !== null && typeof value === "object") {
      const entries = Object.entries(value).map(([childKey, child]): [string, unknown] => [this.text(childKey), this.sortedValue(child, childKey)]);
      entries.sort(byKey);
      const result: Record<string, unknown> = {};
      for (const [childKey, child] of entries) result[childKey] = child;
      return result;
    }
    return value;
  }

  /**
   * Writes `stableJson(this.value(value))` through `write` in pieces. Objects and arrays down to
   * `depth` levels are written member by member; deeper values are copied with `sortedValue` and
   * serialized whole. So a large snapshot never exists as one redacted copy or one string.
   */
  writeJson(value: unknown, write: (text: string) => void, depth = 4): void {
    if (depth > 0 && isPlainContainer(value)) {
      this.writeContainer(value, undefined, "", depth, write);
      write("\n");
    } else {
      write(`${this.jsonText(value, undefined, "")}\n`);
    }
  }

  /** Serializes a value whole, indented to `indent`. Returns undefined for a value JSON leaves out. */
  private jsonText(value: unknown, key: string | undefined, indent: string): string | undefined {
    const text = JSON.stringify(this.sortedValue(value, key), null, 2) as string | undefined;
    // JSON text has line breaks only between tokens, never inside a string.
    return text === undefined || indent === "" ? text : text.replaceAll("\n", `\n${indent}`);
  }

  private writeContainer(value: object, key: string | undefined, indent: string, depth: number, write: (text: string) => void): void {
    const isArray = Array.isArray(value);
    const inner = `${indent}  `;
    let written = 0;
    const member = (label: string, child: unknown, childKey: string | undefined): void => {
      const opening = `${written === 0 ? (isArray ? "[" : "{") : ","}\n${inner}${label}`;
      if (depth > 1 && isPlainContainer(child)) {
        write(opening);
        written++;
        this.writeContainer(child, childKey, inner, depth - 1, write);
        return;
      }
      const text = this.jsonText(child, childKey, inner);
      if (text === undefined && !isArray) return;
      write(`${opening}${text ?? "null"}`);
      written++;
    };

    if (isArray) {
      for (const item of value as unknown[]) member("", item, key);
    } else {
      for (const [redactedKey, childKey, child] of this.sortedEntries(value)) member(`${JSON.stringify(redactedKey)}: `, child, childKey);
    }
    const [open, close] = isArray ? ["[", "]"] : ["{", "}"];
    write(written === 0 ? `${open}${close}` : `\n${indent}${close}`);
  }

  /**
   * Lists an object's members as `sortedValue` keeps them, as [redacted key, original key, value].
   * The order is the one a fresh object gives the sorted keys (integer-like keys first). Among
   * equal redacted keys the last value wins, and "__proto__" is dropped. A dropped value is still
   * redacted once, so the counts match those of `value`.
   */
  private sortedEntries(value: object): Array<[string, string, unknown]> {
    const source = Object.entries(value);
    const entries = source.map(([childKey], index): [string, number] => [this.text(childKey), index]);
    entries.sort(byKey);
    const order: Record<string, number> = {};
    for (const [redactedKey, index] of entries) order[redactedKey] = index;

    const kept = new Set(Object.values(order));
    for (const [index, [childKey, child]] of source.entries()) {
      if (!kept.has(index)) this.value(child, childKey);
    }
    return Object.entries(order).map(([redactedKey, index]) => [redactedKey, source[index]![0], source[index]![1]]);
  }

  total(): number {
    return Object.values(this.counts).reduce((sum, count) => sum + count, 0);
  }
}

/** Keys repeat across resources, so each one is looked up once. */
const keyRules = new Map<string, string | null>();

/** Orders by UTF-16 code units as `Array.prototype.sort` does; equal keys keep their order. */
function byKey(a: [string, unknown], b: [string, unknown]): number {
  if (a[0] === b[0]) return 0;
  return a[0] < b[0] ? -1 : 1;
}

/**
 * Tells whether JSON writes a value member by member: an array, or an object without its own
 * `toJSON`. The copy keeps such a `toJSON`, so that object is written whole and JSON.stringify applies it.
 */
function isPlainContainer(value: unknown): value is object {
  if (Array.isArray(value)) return true;
  return value !== null && typeof value === "object" && !Object.hasOwn(value, "toJSON");
}

function ruleForKey(key: string): string | null {
  let rule = keyRules.get(key);
  if (rule === undefined) {
    rule = keyRule(key);
    if (keyRules.size < 10_000) keyRules.set(key, rule);
  }
  return rule;
}

function keyRule(key: string): string | null {
  const normalized = key.toLowerCase().replace(/[_-]/g, "");
  if (SECRET_KEY_SUFFIXES.some((suffix) => normalized.endsWith(suffix))) return "secret-field";
  if (PERSONAL_KEYS.has(normalized)) return "personal-field";
  return null;
}

/** Returns a copy of the snapshot with secrets and personal data replaced. */
export function redactSnapshot(snapshot: Snapshot, redactor: Redactor = new Redactor()): Snapshot {
  return redactor.value(snapshot) as Snapshot;
}

/** Returns a copy of a text (a report, a log) with secrets and personal data replaced. */
export function redactText(text: string, redactor: Redactor = new Redactor()): string {
  return redactor.text(text);
}
