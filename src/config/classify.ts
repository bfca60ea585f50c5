import picomatch from "picomatch";
import type { ClassifyTarget } from "../collectors/types.js";
import type { Selector } from "./schema.js";

/** Builds the classifier collectors call: every selector whose fields all match adds its class. */
export function createClassifier(selectors: Selector[]): (target: ClassifyTarget) => string[] {
  const compiled = selectors.map((selector) => ({
    selector,
    name: selector.match.name ? picomatch(selector.match.name) : undefined,
    schema: selector.match.schema ? picomatch(selector.match.schema) : undefined,
    account: selector.match.account ? picomatch(selector.match.account) : undefined,
    region: selector.match.region ? picomatch(selector.match.region) : undefined,
  }));

  return (target) => {
    const classes = new Set<string>();
    for (const rule of compiled) {
      const match = rule.selector.match;
      if (match.kind !== undefined && match.kind !== target.kind) continue;
      if (rule.name && !rule.name(target.name)) continue;
      if (rule.schema && (target.schema === undefined || !rule.schema(target.schema))) continue;
      if (rule.account && (target.account === undefined || !rule.account(target.account))) continue;
      if (rule.region && (target.region === undefined || !rule.region(target.region))) continue;
      if (match.tags && !Object.entries(match.tags).every(([key, value]) => target.tags?.[key] === value)) continue;
      classes.add(rule.selector.class);
    }
    return [...classes].sort();
  };
}
