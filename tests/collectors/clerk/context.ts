import { clerkConfigSchema, type ClerkConfig } from "../../../src/collectors/clerk/index.js";
import type { CollectContext } from "../../../src/collectors/types.js";

export const SECRET_KEY = "sk_test_fake_clerk_key";

/** A collect context like the runner's, with the fake's URL as `api_url` and a fixed clock. */
export function clerkContext(options: { url?: string; now?: Date; config?: Record<string, unknown>; env?: Record<string, string | undefined> } = {}): CollectContext<ClerkConfig> {
  const source = clerkConfigSchema.parse({ ...(options.url ? { api_url: options.url } : {}), ...options.config });
  const shared = new Map<string, Promise<unknown>>();
  return {
    source,
    args: undefined,
    env: options.env ?? { CLERK_SECRET_KEY: SECRET_KEY },
    now: options.now ?? new Date(),
    classify: () => [],
    shared<T>(key: string, open: () => Promise<T>): Promise<T> {
      if (!shared.has(key)) shared.set(key, open());
      return shared.get(key) as Promise<T>;
    },
    debug: () => {},
    signal: new AbortController().signal,
  };
}
