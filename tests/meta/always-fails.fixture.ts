// Run only by tests/meta/exit-code.test.ts: a suite that must fail.
import { expect, it } from "vitest";

it("fails on purpose", () => {
  expect(1).toBe(2);
});
