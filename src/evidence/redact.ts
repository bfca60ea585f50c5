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

/** Object keys whose string values are secrets whatever they look like (compared lowercased, without `_` and `-`). */
const SECRET_KEY_SUFFIXES = ["password", "passwd", "secret", "token", "apikey", "privatekey", "secretaccesskey", "authorization", "cookie", "connectionstring", "credentials"];

/** Object keys holding personal data no control needs (compared lowercased, without `_` and `-`). */
const PERSONAL_KEYS = new Set(["firstname", "lastname", "fullname", "phonenumber", "phone", "birthday", "dateofbirth", "imageurl", "profileimageurl", "streetaddress"]);

/** Counts replacements by rule while redacting one bundle. */
export class Redactor {
  readonly counts: Record<string, number> = {};

  text(value: string): string {
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

  total(): number {
    return Object.values(this.counts).reduce((sum, count) => sum + count, 0);
  }
}

function ruleForKey(key: string): string | null {
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
