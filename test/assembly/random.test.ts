import { describe, expect, it } from "vitest";
import { blank, engine, expectClose } from "../helpers.js";
import {
  f32Below,
  normalReference,
  permutationReference,
  philoxReference,
  uniformReference,
  wordsReference,
} from "../reference/random.js";

const SIZES = [0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 1027];
/** (seed, stream, counter), u32 values including ones above 2^31. */
const KEYS: [number, number, number][] = [
  [0, 0, 0],
  [42, 7, 3],
  [0xffffffff, 0xffffffff, 0xffffffff],
  [0x12345678, 1, 0x80000000],
];
const GUARD = 4;

type Engine = Awaited<ReturnType<typeof engine>>;

const bits = (x: Float32Array): number[] => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length));
const readU32 = (e: Engine, ptr: number, n: number): Uint32Array => e.arena.u32.slice(ptr >>> 2, (ptr >>> 2) + n);

function uniform(e: Engine, n: number, seed: number, stream: number, counter: number, lo: number, hi: number): Float32Array {
  return e.arena.scoped(() => {
    const dst = blank(e, n + GUARD, -7);
    e.kernels.f32_rand_uniform(dst, n, seed, stream, counter, lo, hi);
    expect(Array.from(e.arena.read(dst + 4 * n, GUARD)), `uniform n=${n}: wrote past n`).toEqual([-7, -7, -7, -7]);
    return e.arena.read(dst, n);
  });
}

function normal(e: Engine, n: number, seed: number, stream: number, counter: number, mean: number, std: number): Float32Array {
  return e.arena.scoped(() => {
    const dst = blank(e, n + GUARD, -7);
    e.kernels.f32_rand_normal(dst, n, seed, stream, counter, mean, std);
    expect(Array.from(e.arena.read(dst + 4 * n, GUARD)), `normal n=${n}: wrote past n`).toEqual([-7, -7, -7, -7]);
    return e.arena.read(dst, n);
  });
}

function permutation(e: Engine, n: number, seed: number, stream: number, counter: number): Uint32Array {
  return e.arena.scoped(() => {
    const dst = e.arena.scratch(4 * n);
    e.kernels.u32_permutation(dst, n, seed, stream, counter);
    return readU32(e, dst, n);
  });
}

function philox(e: Engine, c: readonly number[], k: readonly number[]): number[] {
  return e.arena.scoped(() => {
    const dst = e.arena.scratch(16);
    e.kernels.u32_philox4x32(dst, c[0]!, c[1]!, c[2]!, c[3]!, k[0]!, k[1]!);
    return Array.from(readU32(e, dst, 4));
  });
}

function meanVariance(x: ArrayLike<number>): { mean: number; variance: number } {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i]!;
  const mean = sum / x.length;
  let sq = 0;
  for (let i = 0; i < x.length; i++) sq += (x[i]! - mean) ** 2;
  return { mean, variance: sq / (x.length - 1) };
}

/** Σ (observed − expected)² / expected over equally likely cells. */
function chiSquare(counts: ArrayLike<number>, total: number): number {
  const expected = total / counts.length;
  let chi = 0;
  for (let i = 0; i < counts.length; i++) chi += (counts[i]! - expected) ** 2 / expected;
  return chi;
}

describe("Philox4x32-10", () => {
  // Random123 1.14, examples/kat_vectors: "philox4x32 10 <counter ×4> <key ×2> <expected ×4>".
  const KAT: [number[], number[], number[]][] = [
    [[0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
    [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]],
    [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]],
  ];
  const hex = (w: number[]): string[] => w.map((x) => (x >>> 0).toString(16).padStart(8, "0"));

  it.each(KAT.map((v, i) => [i, ...v] as const))("known-answer vector %i: kernel and reference", async (_, c, k, expected) => {
    const e = await engine();
    expect(hex(philox(e, c, k))).toEqual(hex(expected));
    expect(hex(philoxReference(c, k))).toEqual(hex(expected));
  });

  it("kernel equals the reference on 200 varied counters and keys", async () => {
    const e = await engine();
    for (let i = 0; i < 200; i++) {
      const c = [i * 0x9e3779b9, i, ~i, i << 20].map((x) => x >>> 0);
      const k = [(i * 0x85ebca6b) >>> 0, (0xffffffff - i) >>> 0];
      expect(hex(philox(e, c, k)), `counter ${hex(c)} key ${hex(k)}`).toEqual(hex(philoxReference(c, k)));
    }
  });
});

describe("f32_rand_uniform", () => {
  for (const [seed, stream, counter] of KEYS) {
    for (const [lo, hi] of [[0, 1], [-2, 3]] as const) {
      it.each(SIZES)(`(seed ${seed}, stream ${stream}, counter ${counter}) in [${lo}, ${hi}): n=%i bit-equal to the reference`, async (n) => {
        const e = await engine();
        const got = uniform(e, n, seed, stream, counter, lo, hi);
        expect(bits(got)).toEqual(bits(uniformReference(n, seed, stream, counter, lo, hi)));
      });
    }
  }

  it("element i is Philox(block (i >>> 2, counter, 0, 0), key (seed, stream)) word i & 3: a draw splits anywhere", async () => {
    const e = await engine();
    const [seed, stream, counter] = [7, 0xdeadbeef, 12];
    const n = 1027;
    const whole = uniform(e, n, seed, stream, counter, 0, 1);
    for (let i = 0; i < n; i++) {
      const w = philox(e, [i >>> 2, counter, 0, 0], [seed, stream])[i & 3]!;
      if (whole[i] !== (w >>> 8) / 16777216) expect.fail(`element ${i}: expected ${(w >>> 8) / 16777216}, got ${whole[i]}`);
    }
    // A draw of a is the prefix [0, a) of the longer draw, for splits in and around the SIMD groups of 16.
    for (const a of [1, 2, 3, 5, 15, 16, 17, 100, 1026]) {
      expect(bits(uniform(e, a, seed, stream, counter, 0, 1)), `prefix a=${a}`).toEqual(bits(whole.subarray(0, a)));
    }
  });

  it("same (seed, stream, counter) gives the same bits; changing any one changes the sequence", async () => {
    const e = await engine();
    const n = 4096;
    const base = uniform(e, n, 1, 2, 3, 0, 1);
    expect(bits(uniform(e, n, 1, 2, 3, 0, 1))).toEqual(bits(base));
    for (const [seed, stream, counter] of [[2, 2, 3], [1, 3, 3], [1, 2, 4], [2, 1, 3], [1, 2, 0x80000003]]) {
      const other = uniform(e, n, seed!, stream!, counter!, 0, 1);
      let same = 0;
      for (let i = 0; i < n; i++) if (other[i] === base[i]) same++;
      // Two independent 24-bit values agree with probability 2^-24.
      expect(same, `(${seed}, ${stream}, ${counter}) vs (1, 2, 3)`).toBeLessThan(3);
    }
  });

  it("values never reach hi, even where rounding would carry them there", async () => {
    const e = await engine();
    const n = 1000;
    const one = 1;
    const afterOne = Math.fround(1 + 2 ** -23);
    // Range of one ulp: without the clamp, half the values would round up to hi.
    expect(Array.from(new Set(uniform(e, n, 5, 0, 0, one, afterOne)))).toEqual([1]);
    const big = uniform(e, n, 5, 0, 0, 1e6, 1e6 + 0.125);
    expect(Array.from(new Set(big)).sort()).toEqual([1e6, 1e6 + 0.0625]);
    expect(Array.from(new Set(uniform(e, n, 5, 0, 0, 0.5, 0.5)))).toEqual([0.5]);
    const negative = uniform(e, n, 5, 0, 0, -1, 0);
    expect(Math.max(...negative)).toBeLessThan(0);
    expect(Math.min(...negative)).toBeGreaterThanOrEqual(-1);
    for (const [lo, hi] of [[one, afterOne], [1e6, 1e6 + 0.125], [-1, 0]] as const) {
      expect(bits(uniform(e, 33, 9, 9, 9, lo, hi)), `[${lo}, ${hi})`).toEqual(bits(uniformReference(33, 9, 9, 9, lo, hi)));
    }
    expect(f32Below(1)).toBe(Math.fround(1 - 2 ** -24));
  });

  it("n = 100000 in [-2, 3): in range, mean, variance and a 20-bin histogram within bounds", async () => {
    const e = await engine();
    const n = 100000;
    const [lo, hi] = [-2, 3];
    const x = uniform(e, n, 2024, 1, 0, lo, hi);
    expect(x.every((v) => v >= lo && v < hi)).toBe(true);
    const { mean, variance } = meanVariance(x);
    const range = hi - lo;
    // Standard errors: of the mean range/√(12n); of the variance range²·√(1/180n) (μ4 = range⁴/80).
    expect(Math.abs(mean - (lo + hi) / 2)).toBeLessThan(4 * range / Math.sqrt(12 * n));
    expect(Math.abs(variance - range ** 2 / 12)).toBeLessThan(4 * range ** 2 / Math.sqrt(180 * n));
    const counts = new Array(20).fill(0);
    for (const v of x) counts[Math.floor(((v - lo) / range) * 20)]++;
    // χ² with 19 degrees of freedom: P(χ² > 43.8) = 0.001.
    expect(chiSquare(counts, n)).toBeLessThan(43.8);
  });
});

describe("f32_rand_normal", () => {
  for (const [seed, stream, counter] of KEYS) {
    it.each(SIZES)(`(seed ${seed}, stream ${stream}, counter ${counter}): n=%i against Box–Muller in f64`, async (n) => {
      const e = await engine();
      const got = normal(e, n, seed, stream, counter, 0.5, 2);
      // NativeMath vs the host's Math: both within an ulp or so in f64, then rounded to f32.
      expectClose(got, normalReference(n, seed, stream, counter, 0.5, 2), { atol: 1e-6, rtol: 1e-6 }, `normal n=${n}`);
    });
  }

  it("same arguments give the same bits; a draw of a is the prefix of a longer draw", async () => {
    const e = await engine();
    const whole = normal(e, 1027, 11, 12, 13, 0, 1);
    expect(bits(normal(e, 1027, 11, 12, 13, 0, 1))).toEqual(bits(whole));
    for (const a of [1, 2, 3, 5, 16, 17, 1026]) {
      expect(bits(normal(e, a, 11, 12, 13, 0, 1)), `prefix a=${a}`).toEqual(bits(whole.subarray(0, a)));
    }
    const other = normal(e, 1027, 11, 12, 14, 0, 1);
    expect(other.filter((v, i) => v === whole[i]).length).toBeLessThan(3);
  });

  it("n = 100000 with mean 1.5, std 2: finite, bounded, sample mean and std within 4 standard errors", async () => {
    const e = await engine();
    const n = 100000;
    const [mu, sigma] = [1.5, 2];
    const x = normal(e, n, 77, 3, 1, mu, sigma);
    // u1 ≥ 2^-32 bounds |z| by √(64 ln 2).
    const bound = sigma * Math.sqrt(64 * Math.LN2) + 1e-3;
    expect(x.every((v) => Number.isFinite(v) && Math.abs(v - mu) <= bound)).toBe(true);
    const { mean, variance } = meanVariance(x);
    expect(Math.abs(mean - mu)).toBeLessThan(4 * sigma / Math.sqrt(n));
    expect(Math.abs(Math.sqrt(variance) - sigma)).toBeLessThan(4 * sigma / Math.sqrt(2 * n));
    // Even and odd elements (the cos and sin halves) are each standard normal too.
    for (const parity of [0, 1]) {
      const half = x.filter((_, i) => (i & 1) === parity);
      expect(Math.abs(meanVariance(half).mean - mu), `parity ${parity}`).toBeLessThan(4 * sigma / Math.sqrt(half.length));
    }
  });
});

describe("u32_permutation", () => {
  it.each([0, 1, 2, 3, 10, 1000, 1027])("n=%i is a permutation, deterministic, equal to the reference", async (n) => {
    const e = await engine();
    for (const [seed, stream, counter] of KEYS) {
      const p = permutation(e, n, seed, stream, counter);
      expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(Array.from(permutation(e, n, seed, stream, counter))).toEqual(Array.from(p));
      expect(Array.from(p), `(${seed}, ${stream}, ${counter})`).toEqual(Array.from(permutationReference(n, seed, stream, counter).perm));
    }
  });

  it("n = 2^20 takes the rejection path and still equals the reference", async () => {
    const e = await engine();
    const n = 1 << 20;
    const { perm, rejections } = permutationReference(n, 3, 4, 5);
    // Σ_s s/2^32 over s ≤ 2^20 ≈ 128 expected rejections.
    expect(rejections).toBeGreaterThan(50);
    const got = permutation(e, n, 3, 4, 5);
    let firstDiff = -1;
    for (let i = 0; i < n && firstDiff < 0; i++) if (got[i] !== perm[i]) firstDiff = i;
    expect(firstDiff, `first difference at ${firstDiff}`).toBe(-1);
  });

  it("different seeds, streams and counters give different permutations", async () => {
    const e = await engine();
    const base = Array.from(permutation(e, 1000, 1, 1, 1));
    for (const [seed, stream, counter] of [[2, 1, 1], [1, 2, 1], [1, 1, 2]]) {
      expect(Array.from(permutation(e, 1000, seed!, stream!, counter!))).not.toEqual(base);
    }
  });

  it("n = 4: position 0 and the whole permutation are uniform over many seeds (χ²)", async () => {
    const e = await engine();
    const draws = 24000;
    const first = new Array(4).fill(0);
    const whole = new Map<string, number>();
    for (let seed = 0; seed < draws; seed++) {
      const p = permutation(e, 4, seed, 0, 0);
      first[p[0]!]++;
      const key = p.join(",");
      whole.set(key, (whole.get(key) ?? 0) + 1);
    }
    // P(χ²₃ > 16.27) = 0.001; P(χ²₂₃ > 49.73) = 0.001.
    expect(chiSquare(first, draws)).toBeLessThan(16.27);
    expect(whole.size).toBe(24);
    expect(chiSquare(Array.from(whole.values()), draws)).toBeLessThan(49.73);
  });
});

describe("reference self-check", () => {
  it("wordsReference is Philox block by block", () => {
    const w = wordsReference(9, 1, 2, 3);
    expect(Array.from(w.subarray(4, 8))).toEqual(philoxReference([1, 3, 0, 0], [1, 2]));
  });
});
