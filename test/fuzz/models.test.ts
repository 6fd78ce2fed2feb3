// The seeded fast part of the fuzz suite for model files: every model and
// estimator kind is built and saved, then mutated in structure with the
// checksum kept valid (bench/fuzz/models.ts, the long run's generators); each
// case must load and run or fail with a typed error whose message is bounded.
import { describe, expect, it } from "vitest";
import { buildModel, loadAndUse, MODEL_KINDS, mutateModel } from "../../bench/fuzz/models.js";
import { rng } from "../helpers.js";
import { outcome } from "./cases.js";

const SEED = 15;
const CASES = 2000;

describe.each(MODEL_KINDS)("fuzzed %s model files", (kind) => {
  it(`loads or refuses ${CASES} seeded mutations with a typed error`, async () => {
    const base = await buildModel(kind);
    const counts = { ok: 0, typed: 0, other: 0 };
    const others: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const bytes = mutateModel(rng(SEED * 1_000_039 + i), base);
      const result = await outcome(() => loadAndUse(kind, bytes));
      counts[result.kind]++;
      if (result.kind === "other" && others.length < 5) others.push(`case ${SEED}/${i}: ${result.name}: ${result.message.slice(0, 300)}`);
    }
    expect(others).toEqual([]);
    expect(counts.ok).toBeGreaterThan(CASES / 50);
    expect(counts.typed).toBeGreaterThan(CASES / 10);
  }, 60_000);
});
