// Shared test helpers: seeded data, memory round-trips and a closeness check
// whose failure names the index, the expected and found values and the shape.
import { expect } from "vitest";
import { init, type Engine } from "../src/wasm/module.js";

export async function engine(): Promise<Engine> {
  return init();
}

/** A small seeded generator for test data (mulberry32); never used by the library. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n values uniform in [lo, hi), rounded to f32. */
export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const next = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * next();
  return out;
}

/** Copies `values` into fresh scratch memory and returns the pointer. */
export function put(e: Engine, values: ArrayLike<number>): number {
  const ptr = e.arena.scratch(values.length * 4);
  e.arena.write(ptr, values);
  return ptr;
}

/** Scratch memory for n floats, filled with a sentinel so unwritten output shows. */
export function blank(e: Engine, n: number, fill = Number.NaN): number {
  const ptr = e.arena.scratch(n * 4);
  e.arena.f32.fill(fill, ptr >>> 2, (ptr >>> 2) + n);
  return ptr;
}

export interface Tolerance {
  atol?: number;
  rtol?: number;
}

/**
 * Asserts |got - expected| <= max(atol, rtol·|expected|) elementwise, and
 * reports the first failure with its index (row, column when `shape` is 2-D).
 */
export function expectClose(
  got: ArrayLike<number>,
  expected: ArrayLike<number>,
  { atol = 1e-5, rtol = 1e-5 }: Tolerance = {},
  label = "",
  shape?: readonly number[],
): void {
  expect(got.length, `${label}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const g = got[i]!;
    const ok = Number.isNaN(e) ? Number.isNaN(g) : Math.abs(g - e) <= Math.max(atol, rtol * Math.abs(e));
    if (!ok) {
      const where = shape && shape.length === 2 ? `(${Math.floor(i / shape[1]!)}, ${i % shape[1]!})` : `[${i}]`;
      const dims = shape ? ` shape ${shape.join("x")}` : "";
      expect.fail(`${label}${dims}: at ${where} expected ${e}, got ${g} (|diff| ${Math.abs(g - e)})`);
    }
  }
}
