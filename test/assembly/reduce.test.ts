import { describe, expect, it } from "vitest";
import { put, randomArray } from "../helpers.js";
import { testEngine } from "../test-kernels.js";
import {
  dotReference,
  firstNonfiniteReference,
  fixedOrderSum,
  maxReference,
  minReference,
  sumReference,
} from "../reference/reduce.js";

const SIZES = [0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 1027];
const RANGES: [number, number][] = [
  [-1, 1],
  [0, 1],
  [-90, 90],
  [-1e4, 1e4],
];

const absSum = (x: ArrayLike<number>): number => sumReference(Array.from(x, Math.abs));

describe("f32 sums: f32_sum, f32_sum_squares, f32_dot", () => {
  it.each(SIZES)("n=%i against naive f64 sums", async (n) => {
    const e = await testEngine();
    e.arena.scoped(() => {
      RANGES.forEach(([lo, hi], r) => {
        const a = randomArray(n, 10 * n + r, lo, hi);
        const b = randomArray(n, 10 * n + r + 5, lo, hi);
        const [pa, pb] = [put(e, a), put(e, b)];
        const where = `n=${n} x in [${lo}, ${hi}]`;
        // Every term is exact in f64, so only f64 additions round: n·2^-53 of Σ|term|.
        const cases: [string, number, number, number][] = [
          ["f32_sum", e.kernels.f32_sum(pa, n), sumReference(a), absSum(a)],
          ["f32_sum_squares", e.kernels.f32_sum_squares(pa, n), dotReference(a, a), dotReference(a, a)],
          ["f32_dot", e.kernels.f32_dot(pa, pb, n), dotReference(a, b), absSum(Array.from(a, (v, i) => v * b[i]!))],
        ];
        for (const [name, got, want, scale] of cases) {
          expect(Math.abs(got - want), `${name} ${where}: expected ${want}, got ${got}`).toBeLessThanOrEqual(2 * n * 2 ** -53 * scale);
        }
      });
    });
  });

  it.each(SIZES)("n=%i: the bits of the documented summation order", async (n) => {
    const e = await testEngine();
    e.arena.scoped(() => {
      const a = randomArray(n, n + 3, -1e4, 1e4);
      const b = randomArray(n, n + 4, -3, 3);
      const [pa, pb] = [put(e, a), put(e, b)];
      expect(e.kernels.f32_sum(pa, n), `f32_sum n=${n}`).toBe(fixedOrderSum(a));
      expect(e.kernels.f32_sum_squares(pa, n), `f32_sum_squares n=${n}`).toBe(fixedOrderSum(Array.from(a, (v) => v * v)));
      expect(e.kernels.f32_dot(pa, pb, n), `f32_dot n=${n}`).toBe(fixedOrderSum(Array.from(a, (v, i) => v * b[i]!)));
    });
  });

  it("the sum of n = 0 is 0; Inf and NaN propagate", async () => {
    const e = await testEngine();
    e.arena.scoped(() => {
      const p = put(e, [1]);
      expect([e.kernels.f32_sum(p, 0), e.kernels.f32_sum_squares(p, 0), e.kernels.f32_dot(p, p, 0)]).toEqual([0, 0, 0]);
      for (const at of [0, 6, 12]) {
        const x = randomArray(13, at);
        x[at] = Infinity;
        expect(e.kernels.f32_sum(put(e, x), 13), `Inf at ${at}`).toBe(Infinity);
        x[at] = NaN;
        expect(e.kernels.f32_sum_squares(put(e, x), 13), `NaN at ${at}`).toBeNaN();
      }
    });
  });
});

describe("f32_max and f32_min", () => {
  it.each(SIZES)("n=%i against naive loops", async (n) => {
    const e = await testEngine();
    e.arena.scoped(() => {
      RANGES.forEach(([lo, hi], r) => {
        const x = randomArray(n, 7 * n + r, lo, hi);
        const p = put(e, x);
        expect(e.kernels.f32_max(p, n), `f32_max n=${n} x in [${lo}, ${hi}]`).toBe(maxReference(x));
        expect(e.kernels.f32_min(p, n), `f32_min n=${n} x in [${lo}, ${hi}]`).toBe(minReference(x));
      });
    });
  });

  it.each([1, 5, 16, 33, 1027])("the extreme at every position class, ±Inf and NaN, n=%i", async (n) => {
    const e = await testEngine();
    e.arena.scoped(() => {
      for (const at of new Set([0, n >> 1, n - 1, Math.min(n - 1, 13)])) {
        for (const v of [1e30, -1e30, Infinity, -Infinity, NaN]) {
          const x = randomArray(n, at + 1);
          x[at] = v;
          const p = put(e, x);
          expect(e.kernels.f32_max(p, n), `f32_max n=${n}: ${v} at ${at}`).toBe(maxReference(x));
          expect(e.kernels.f32_min(p, n), `f32_min n=${n}: ${v} at ${at}`).toBe(minReference(x));
        }
      }
    });
  });

  it("n = 0 gives -Inf (max) and +Inf (min)", async () => {
    const e = await testEngine();
    e.arena.scoped(() => {
      const p = put(e, [1]);
      expect([e.kernels.f32_max(p, 0), e.kernels.f32_min(p, 0)]).toEqual([-Infinity, Infinity]);
    });
  });
});

describe("f32_first_nonfinite", () => {
  it.each(SIZES)("n=%i: NaN, +Inf and -Inf at the first, a middle and the last index", async (n) => {
    const e = await testEngine();
    e.arena.scoped(() => {
      const clean = randomArray(n, n, -3.4e38, 3.4e38);
      expect(e.kernels.f32_first_nonfinite(put(e, clean), n), `n=${n} all finite`).toBe(-1);
      for (const at of new Set([0, n >> 1, n - 1].filter((i) => i >= 0 && i < n))) {
        for (const v of [NaN, Infinity, -Infinity]) {
          const x = clean.slice();
          x[at] = v;
          expect(e.kernels.f32_first_nonfinite(put(e, x), n), `n=${n}: ${v} at ${at}`).toBe(at);
          // A later non-finite value does not move the answer.
          if (at + 1 < n) {
            x[n - 1] = NaN;
            expect(e.kernels.f32_first_nonfinite(put(e, x), n), `n=${n}: ${v} at ${at}, NaN at the end`).toBe(firstNonfiniteReference(x));
          }
        }
      }
    });
  });

  it("every position in a 1027-element array, and NaN payloads", async () => {
    const e = await testEngine();
    e.arena.scoped(() => {
      const n = 1027;
      const x = randomArray(n, 1);
      const p = put(e, x);
      const u32 = e.arena.u32;
      for (let at = 0; at < n; at++) {
        const saved = u32[(p >>> 2) + at]!;
        u32[(p >>> 2) + at] = at % 3 === 0 ? 0x7f800001 : at % 3 === 1 ? 0xffc00000 : 0xff800000;
        expect(e.kernels.f32_first_nonfinite(p, n), `NaN/Inf bits at ${at}`).toBe(at);
        u32[(p >>> 2) + at] = saved;
      }
      // The largest finite values are not flagged; elements past n are not read.
      const big = Float32Array.from([3.4028234663852886e38, -3.4028234663852886e38, 1e-45, 0, Infinity]);
      expect(e.kernels.f32_first_nonfinite(put(e, big), 4)).toBe(-1);
    });
  });
});
