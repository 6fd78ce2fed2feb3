// The seeded fast part of the fuzz suite: a few thousand mutated inputs per
// reader, each of which must read or fail with a typed error whose message is
// bounded, and whose table never exceeds what the input can hold. The long
// run (bench/fuzz/run.ts) draws from the same generators in child processes.
import { describe, expect, it } from "vitest";
import { readerOutcome, streamOutcome } from "./cases.js";

const SEED = 15;
const CASES = 3000;

describe.each(["csv", "npy", "idx"] as const)("fuzzed %s input", (reader) => {
  it(`reads or refuses ${CASES} seeded cases with a typed error`, async () => {
    const counts = { ok: 0, typed: 0, other: 0 };
    const others: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const result = await readerOutcome(reader, SEED, i);
      counts[result.kind]++;
      if (result.kind === "other" && others.length < 5) others.push(`case ${SEED}/${i}: ${result.name}: ${result.message}`);
    }
    expect(others).toEqual([]);
    // The generators reach both sides: valid inputs that read and broken ones that are refused.
    expect(counts.ok).toBeGreaterThan(CASES / 50);
    expect(counts.typed).toBeGreaterThan(CASES / 10);
  });
});

describe.each(["csv", "npy"] as const)("fuzzed %s input, streamed in random chunks", (reader) => {
  it(`reads ${CASES} seeded cases as the whole-input reader does, or refuses with a typed error`, async () => {
    const counts = { ok: 0, typed: 0, other: 0 };
    const others: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const result = await streamOutcome(reader, SEED, i);
      counts[result.kind]++;
      if (result.kind === "other" && others.length < 5) others.push(`case ${SEED}/${i}: ${result.name}: ${result.message}`);
    }
    expect(others).toEqual([]);
    expect(counts.ok).toBeGreaterThan(CASES / 50);
    expect(counts.typed).toBeGreaterThan(CASES / 10);
  });
});
