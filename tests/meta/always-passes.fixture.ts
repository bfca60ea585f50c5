// Run only by tests/meta/exit-code.test.ts: a suite that must pass.
import { expect, it } from "vitest";

it("passes on purpose", () => {
  expect(1).toBe(1);
});
