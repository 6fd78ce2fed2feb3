import { describe as suite, expect, test } from "vitest";
import { describe } from "../../src/errors.js";

suite("describe (bounded quoting for error messages)", () => {
  test("short values read as they are", () => {
    expect(describe("relu")).toBe('"relu"');
    expect(describe(3.5)).toBe("3.5");
    expect(describe(null)).toBe("null");
    expect(describe([1, 2])).toBe("[1, 2]");
    expect(describe({ units: 4 })).toBe('{"units": 4}');
    expect(describe(new Float32Array(7))).toBe("Float32Array(7)");
  });

  test("a 5 MB string, deep nesting, a cycle and a throwing getter stay within the bound", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10000; i++) deep = [deep];
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const getter = Object.defineProperty({}, "x", { enumerable: true, get: () => { throw new Error("no"); } });
    for (const value of ["x".repeat(5_000_000), deep, cycle, getter, new Array(1e6).fill("abc")]) {
      const text = describe(value, 80);
      expect(text.length).toBeLessThanOrEqual(80);
      expect(text.length).toBeGreaterThan(0);
    }
    expect(describe("x".repeat(1000), 40)).toMatch(/…$/);
  });
});
