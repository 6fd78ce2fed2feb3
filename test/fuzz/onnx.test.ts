// The seeded fast part of the ONNX fuzzing: files made by toOnnx and by
// PyTorch, mutated in their graph, their protobuf lengths and their bytes
// (bench/fuzz/onnx.ts, the long run's generators); each case must import and
// run or fail with a typed error whose message is bounded.
import { describe, expect, it } from "vitest";
import { buildOnnx, importAndUse, mutateOnnx, ONNX_KINDS } from "../../bench/fuzz/onnx.js";
import { rng } from "../helpers.js";
import { outcome } from "./cases.js";

const SEED = 15;
const CASES = 2000;

describe.each(ONNX_KINDS)("fuzzed %s files", (kind) => {
  it(`imports or refuses ${CASES} seeded mutations with a typed error`, async () => {
    const base = await buildOnnx(kind);
    // The base must import, or every mutation tests only that first refusal.
    expect((await outcome(() => importAndUse(kind, base))).kind).toBe("ok");
    const counts = { ok: 0, typed: 0, other: 0 };
    const others: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const bytes = mutateOnnx(rng(SEED * 1_000_039 + i), base);
      const result = await outcome(() => importAndUse(kind, bytes));
      counts[result.kind]++;
      if (result.kind === "other" && others.length < 8) others.push(`case ${SEED}/${i}: ${result.name}: ${result.message.slice(0, 300)}`);
    }
    expect(others).toEqual([]);
    expect(counts.ok).toBeGreaterThan(CASES / 50);
    expect(counts.typed).toBeGreaterThan(CASES / 10);
  }, 120_000);
});
