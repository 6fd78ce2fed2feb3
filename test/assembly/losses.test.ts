import { describe, expect, it } from "vitest";
import type { Kernels } from "../../src/wasm/kernels.js";
import { blank, put, randomArray, rng } from "../helpers.js";
import { testEngine, type TestKernels } from "../test-kernels.js";
import { centralDifference, expectNear, sigmoidReference } from "../reference/activations.js";
import { bce, bceLogits, l1, lossSumReference, mse, rowMseReference, type LossReference } from "../reference/losses.js";
import { fixedOrderSum } from "../reference/reduce.js";

const SIZES = [0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 1027];
const EPS = 1e-7;
// Exact in f32, so the kernels and the references scale by the same number.
const SCALE = 0.375;

type Engine = Awaited<ReturnType<typeof testEngine>>;

const bits = (x: Float32Array): number[] => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length));

/** n targets in {0, 1} mixed with values in (0, 1). */
function targets(n: number, seed: number): Float32Array {
  const next = rng(seed);
  return Float32Array.from({ length: n }, () => {
    const u = next();
    return u < 0.3 ? 0 : u < 0.6 ? 1 : next();
  });
}

interface Loss {
  name: string;
  ref: LossReference;
  sum: (k: Kernels & TestKernels, p: number, t: number, n: number) => number;
  backward: (k: Kernels & TestKernels, dp: number, p: number, t: number, scale: number, n: number, acc: number) => void;
  /** Prediction ranges to test, with the targets they go with. */
  inputs: { label: string; pred: (n: number, seed: number) => Float32Array; target: (n: number, seed: number) => Float32Array }[];
  /** Error of one term relative to Σ|terms|: 0 when terms are exact in f64, else the f32 parts' error. */
  termRtol: number;
  /** Per-element tolerance of the gradient, scale·∂term/∂p, before accumulation. */
  gradTol: (p: number, t: number, g: number) => number;
  /** Where the term is smooth, for the finite-difference check. */
  smooth: (p: number, t: number) => boolean;
  /** Predictions where finite differences are well conditioned. */
  fdPred: (n: number, seed: number) => Float32Array;
}

const regression = (lo: number, hi: number) => ({
  label: `pred, target in [${lo}, ${hi}]`,
  pred: (n: number, seed: number) => randomArray(n, seed, lo, hi),
  target: (n: number, seed: number) => randomArray(n, seed + 1, lo, hi),
});

const logits = (lo: number, hi: number) => ({
  label: `logits in [${lo}, ${hi}]`,
  pred: (n: number, seed: number) => randomArray(n, seed, lo, hi),
  target: targets,
});

const LOSSES: Loss[] = [
  {
    name: "mse",
    ref: mse,
    sum: (k, p, t, n) => k.f32_mse_sum(p, t, n),
    backward: (k, dp, p, t, s, n, acc) => k.f32_mse_backward(dp, p, t, s, n, acc),
    inputs: [regression(-1, 1), regression(-20, 20), regression(-1e4, 1e4)],
    termRtol: 0,
    gradTol: (_p, _t, g) => 1.5e-7 * Math.abs(g),
    smooth: () => true,
    fdPred: (n, seed) => randomArray(n, seed, -3, 3),
  },
  {
    name: "bce_logits",
    ref: bceLogits,
    sum: (k, p, t, n) => k.f32_bce_logits_sum(p, t, n),
    backward: (k, dp, p, t, s, n, acc) => k.f32_bce_logits_backward(dp, p, t, s, n, acc),
    inputs: [logits(-1, 1), logits(-20, 20), logits(-90, 90), logits(-1e4, 1e4)],
    // log1p(e^-|z|) in f32: ≤ 2 ULP of a value ≤ log 2.
    termRtol: 3e-7,
    // sigmoid(z) within 2.5 ULP, then - t and · scale.
    gradTol: (z, _t, g) => SCALE * 3e-7 * sigmoidReference(z) + 1.5e-7 * Math.abs(g),
    smooth: () => true,
    fdPred: (n, seed) => randomArray(n, seed, -8, 8),
  },
  {
    name: "bce",
    ref: bce(EPS),
    sum: (k, p, t, n) => k.f32_bce_sum(p, t, EPS, n),
    backward: (k, dp, p, t, s, n, acc) => k.f32_bce_backward(dp, p, t, EPS, s, n, acc),
    inputs: [
      { label: "p in (0, 1)", pred: (n, seed) => randomArray(n, seed, 0, 1), target: targets },
      { label: "p in [0, 1e-6] ∪ [1 - 1e-6, 1] (the clamp)", pred: (n, seed) => Float32Array.from(randomArray(n, seed, -1e-6, 1e-6), (v) => (v < 0 ? -v : 1 - v)), target: targets },
      { label: "p in [1e-6, 1e-3]", pred: (n, seed) => randomArray(n, seed, 1e-6, 1e-3), target: targets },
    ],
    termRtol: 3e-7,
    gradTol: (_p, _t, g) => 4e-7 * Math.abs(g),
    smooth: (p) => p > 2 * EPS && p < 1 - 2 * EPS,
    fdPred: (n, seed) => randomArray(n, seed, 0.01, 0.99),
  },
  {
    name: "l1",
    ref: l1,
    sum: (k, p, t, n) => k.f32_l1_sum(p, t, n),
    backward: (k, dp, p, t, s, n, acc) => k.f32_l1_backward(dp, p, t, s, n, acc),
    inputs: [regression(-1, 1), regression(-1e4, 1e4)],
    termRtol: 0,
    gradTol: () => 0,
    smooth: (p, t) => Math.abs(p - t) > 1e-3,
    fdPred: (n, seed) => randomArray(n, seed, -3, 3),
  },
];

function gradient(e: Engine, loss: Loss, p: Float32Array, t: Float32Array, dp0: Float32Array, acc: number): Float32Array {
  const dp = put(e, dp0);
  loss.backward(e.kernels, dp, put(e, p), put(e, t), SCALE, p.length, acc);
  return e.arena.read(dp, p.length);
}

describe.each(LOSSES)("f32_$name", (loss) => {
  it.each(SIZES)("_sum at n=%i against the f64 sum", async (n) => {
    const e = await testEngine();
    e.arena.scoped(() => {
      loss.inputs.forEach((input, r) => {
        const p = input.pred(n, 31 * n + r);
        const t = input.target(n, 31 * n + r + 7);
        const got = loss.sum(e.kernels, put(e, p), put(e, t), n);
        const { sum, abs } = lossSumReference(loss.ref, p, t);
        const tol = 1e-300 + (loss.termRtol + 1e-13) * abs;
        expect(Math.abs(got - sum), `${loss.name}_sum n=${n} ${input.label}: expected ${sum}, got ${got}`).toBeLessThanOrEqual(tol);
      });
    });
  });

  for (const accumulate of [0, 1]) {
    it.each(SIZES)(`_backward (accumulate=${accumulate}) at n=%i: analytic and finite differences`, async (n) => {
      const e = await testEngine();
      e.arena.scoped(() => {
        const dp0 = randomArray(n, 5 * n + 3, -1, 1);
        const base = (i: number) => (accumulate ? dp0[i]! : 0);
        loss.inputs.forEach((input, r) => {
          const p = input.pred(n, 13 * n + r);
          const t = input.target(n, 13 * n + r + 5);
          const got = gradient(e, loss, p, t, dp0, accumulate);
          const label = `${loss.name}_backward n=${n} accumulate=${accumulate} ${input.label}`;
          const g = Float64Array.from(p, (v, i) => SCALE * loss.ref.dterm(v, t[i]!));
          const want = Float64Array.from(g, (v, i) => base(i) + v);
          const tol = Float64Array.from(g, (v, i) => 1e-30 + loss.gradTol(p[i]!, t[i]!, v) + 6e-8 * Math.abs(want[i]!));
          expectNear(got, want, tol, label, [p, t]);
        });
        // Central differences of the f64 term, where it is smooth and well conditioned.
        const p = loss.fdPred(n, 17 * n);
        const t = loss.inputs[0]!.target(n, 17 * n + 1);
        const got = gradient(e, loss, p, t, dp0, accumulate);
        const fd = Float64Array.from(p, (v, i) =>
          loss.smooth(v, t[i]!)
            ? base(i) + SCALE * centralDifference((q) => loss.ref.term(q, t[i]!), v, 1e-6 * Math.max(1e-2, Math.abs(v)))
            : got[i]!,
        );
        const tol = Float64Array.from(fd, (v, i) => 1e-7 + 1e-5 * Math.abs(v - base(i)) + 6e-8 * Math.abs(v));
        expectNear(got, fd, tol, `${loss.name}_backward n=${n} accumulate=${accumulate} vs finite differences`, [p, t]);
      });
    });
  }

  it("each gradient element has the same bits whatever n (SIMD body vs scalar tail)", async () => {
    const e = await testEngine();
    e.arena.scoped(() => {
      const big = 1027;
      const input = loss.inputs[loss.inputs.length - 1]!;
      const p = input.pred(big, 3);
      const t = input.target(big, 4);
      const dp0 = randomArray(big, 5);
      for (const acc of [0, 1]) {
        const all = gradient(e, loss, p, t, dp0, acc);
        for (const n of SIZES) {
          const part = gradient(e, loss, p.subarray(0, n), t.subarray(0, n), dp0.subarray(0, n), acc);
          expect(bits(part), `${loss.name}_backward n=${n} accumulate=${acc}`).toEqual(bits(all.subarray(0, n)));
        }
      }
    });
  });

  it("_sum adds the same term bits as n = 1 gives, in the documented order", async () => {
    const e = await testEngine();
    e.arena.scoped(() => {
      const input = loss.inputs[loss.inputs.length - 1]!;
      for (const n of SIZES) {
        const p = input.pred(n, n + 40);
        const t = input.target(n, n + 41);
        // With n = 1 the sum is 0 + term: the term's own bits, from the scalar tail.
        const terms = Array.from(p, (v, i) => e.arena.scoped(() => loss.sum(e.kernels, put(e, [v]), put(e, [t[i]!]), 1)));
        expect(loss.sum(e.kernels, put(e, p), put(e, t), n), `${loss.name}_sum n=${n}`).toBe(fixedOrderSum(terms));
      }
    });
  });

  it("_backward writes exactly n elements; NaN predictions pass through", async () => {
    const e = await testEngine();
    e.arena.scoped(() => {
      const n = 6;
      const p = Float32Array.from([0.25, NaN, 0.5, 0.75, NaN, 0.125]);
      const t = Float32Array.from([0, 1, 1, 0, 0, 1]);
      const dp = blank(e, n + 4, 9);
      loss.backward(e.kernels, dp, put(e, p), put(e, t), SCALE, n, 0);
      const out = e.arena.read(dp, n + 4);
      expect(Array.from(out.subarray(n)), `${loss.name}_backward: past the end`).toEqual([9, 9, 9, 9]);
      expect([Number.isNaN(out[1]!), Number.isNaN(out[4]!)], `${loss.name}_backward NaN lanes`).toEqual([true, true]);
      expect(Number.isNaN(loss.sum(e.kernels, put(e, p), put(e, t), n)), `${loss.name}_sum of NaN`).toBe(true);
    });
  });
});

describe("f32_bce_logits_sum_diff", () => {
  // Logits over every range of the grid, huge ones, ±0 and a NaN; 1e-4 scale is not exact in f32 on purpose.
  const inputs = (n: number, seed: number) => {
    const z = randomArray(n, seed, -90, 90);
    [1e4, -1e4, 3.4e38, -0, 0, Number.NaN].forEach((v, i) => {
      if (3 * i < n) z[3 * i] = v;
    });
    return { z, t: targets(n, seed + 1) };
  };
  it.each(SIZES)("n=%i: f32_bce_logits_sum's value; scale·diff (f32_scale / f32_axpy) has f32_bce_logits_backward's bits", async (n) => {
    const e = await testEngine();
    e.arena.scoped(() => {
      const { z, t } = inputs(n, 40 + n);
      const pz = put(e, z);
      const pt = put(e, t);
      const diff = blank(e, n + 4, 9);
      const value = e.kernels.f32_bce_logits_sum_diff(pz, pt, diff, n);
      const sum = e.kernels.f32_bce_logits_sum(pz, pt, n);
      expect(Object.is(value, sum) || (Number.isNaN(value) && Number.isNaN(sum)), `n=${n}: ${value} vs ${sum}`).toBe(true);
      expect(Array.from(e.arena.read(diff + 4 * n, 4)), `n=${n}: wrote past the end`).toEqual([9, 9, 9, 9]);
      for (const scale of [SCALE, 1e-4]) {
        const prior = randomArray(n, 7 + n);
        for (const acc of [0, 1]) {
          const viaDiff = put(e, prior);
          const direct = put(e, prior);
          if (acc) e.kernels.f32_axpy(viaDiff, diff, scale, n);
          else e.kernels.f32_scale(viaDiff, diff, scale, n);
          e.kernels.f32_bce_logits_backward(direct, pz, pt, scale, n, acc);
          const got = bits(e.arena.read(viaDiff, n));
          const want = bits(e.arena.read(direct, n));
          const i = got.findIndex((g, j) => g !== want[j]);
          if (i >= 0) expect.fail(`n=${n} scale=${scale} accumulate=${acc}: at [${i}] (z=${z[i]}, t=${t[i]}) backward ${want[i]!.toString(16)}, via diff ${got[i]!.toString(16)}`);
        }
      }
    });
  });
});

describe("loss special cases", () => {
  it("bce_logits at huge logits: no overflow, exact limits", async () => {
    const e = await testEngine();
    e.arena.scoped(() => {
      const z = Float32Array.from([1e4, -1e4, 90, -90, 3.4e38, -3.4e38, 0, -0]);
      const t = Float32Array.from([1, 0, 0, 1, 1, 0, 0.5, 1]);
      const pz = put(e, z);
      const pt = put(e, t);
      const terms = Array.from(z, (v, i) => {
        const one = e.arena.scoped(() => e.kernels.f32_bce_logits_sum(put(e, [v]), put(e, [t[i]!]), 1));
        return one;
      });
      expectNear(terms, Array.from(z, (v, i) => bceLogits.term(v, t[i]!)), { atol: 1e-30, rtol: 3e-7 }, "bce_logits terms", [z, t]);
      const dz = blank(e, z.length);
      e.kernels.f32_bce_logits_backward(dz, pz, pt, 1, z.length, 0);
      expectNear(e.arena.read(dz, z.length), Array.from(z, (v, i) => sigmoidReference(v) - t[i]!), { atol: 1e-30, rtol: 3e-7 }, "bce_logits grad", [z, t]);
    });
  });

  it("bce clamps p = 0 and p = 1 to [eps, 1 - eps]: finite loss, zero gradient outside", async () => {
    const e = await testEngine();
    e.arena.scoped(() => {
      const p = Float32Array.from([0, 1, 0, 1, EPS, Math.fround(1 - EPS)]);
      const t = Float32Array.from([1, 0, 0, 1, 1, 0]);
      const terms = Array.from(p, (v, i) => e.arena.scoped(() => e.kernels.f32_bce_sum(put(e, [v]), put(e, [t[i]!]), EPS, 1)));
      expectNear(terms, Array.from(p, (v, i) => bce(EPS).term(v, t[i]!)), { atol: 1e-12, rtol: 3e-7 }, "bce clamped terms", [p, t]);
      const dp = blank(e, p.length);
      e.kernels.f32_bce_backward(dp, put(e, p), put(e, t), EPS, 1, p.length, 0);
      const got = e.arena.read(dp, p.length);
      expect(Array.from(got.subarray(0, 4)), "outside [eps, 1 - eps]").toEqual([0, 0, 0, 0]);
      const edge = [4, 5].map((i) => bce(EPS).dterm(p[i]!, t[i]!));
      expectNear(got.subarray(4), edge, { atol: 0, rtol: 3e-7 }, "at the clamp edges", [p.subarray(4)]);
    });
  });

  it("l1 gradient is ±scale, and 0 where pred == target", async () => {
    const e = await testEngine();
    e.arena.scoped(() => {
      const p = Float32Array.from([1, 2, 3, -0, 5, -1e4, 7]);
      const t = Float32Array.from([0, 2, 4, 0, 5, 1e4, 7]);
      const dp = blank(e, p.length);
      e.kernels.f32_l1_backward(dp, put(e, p), put(e, t), 0.5, p.length, 0);
      expect(Array.from(e.arena.read(dp, p.length))).toEqual([0.5, 0, -0.5, 0, 0, -0.5, 0]);
    });
  });
});

describe("f32_row_mse", () => {
  const SHAPES: [number, number][] = [[0, 5], [1, 1], [3, 7], [4, 8], [5, 9], [2, 17], [7, 33], [3, 1027], [128, 31]];
  it.each(SHAPES)("rows=%i cols=%i against f64 row means", async (rows, cols) => {
    const e = await testEngine();
    e.arena.scoped(() => {
      const p = randomArray(rows * cols, rows + 100 * cols, -20, 20);
      const t = randomArray(rows * cols, rows + 100 * cols + 1, -20, 20);
      const dst = blank(e, rows + 4, 3);
      e.kernels.f32_row_mse(dst, put(e, p), put(e, t), rows, cols);
      const out = e.arena.read(dst, rows + 4);
      expectNear(out.subarray(0, rows), rowMseReference(p, t, rows, cols), { atol: 0, rtol: 6.1e-8 }, `row_mse ${rows}x${cols}`);
      expect(Array.from(out.subarray(rows)), `row_mse ${rows}x${cols}: past the end`).toEqual([3, 3, 3, 3]);
      // Each row's bits equal f32_mse_sum over that row, divided by cols.
      for (let r = 0; r < rows; r++) {
        const rowSum = e.kernels.f32_mse_sum(put(e, p.subarray(r * cols, (r + 1) * cols)), put(e, t.subarray(r * cols, (r + 1) * cols)), cols);
        expect(out[r], `row ${r}`).toBe(Math.fround(rowSum / cols));
      }
    });
  });
});
