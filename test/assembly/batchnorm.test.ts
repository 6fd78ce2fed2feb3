import { describe, expect, it } from "vitest";
import type { Engine } from "../../src/wasm/module.js";
import { engine, expectClose, put, randomArray } from "../helpers.js";
import { batchNormBackwardRef, momentsRef } from "../reference/conv.js";

const ROWS = [1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 1027];
const COLS = [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33];
const GRID: [number, number][] = ROWS.flatMap((r, i) => [[r, COLS[i % COLS.length]!], [r, COLS[(3 * i + 5) % COLS.length]!]] as [number, number][]);
const EPS = Math.fround(1e-3);
const U = 2 ** -24;

/** Fails on the first i with |got − expected| > bound[i], naming (row, col). */
function expectWithin(got: ArrayLike<number>, expected: ArrayLike<number>, bound: ArrayLike<number>, label: string, cols: number): void {
  expect(got.length, `${label}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(got[i]! - expected[i]!) <= bound[i]!)) {
      expect.fail(`${label}: at (${Math.floor(i / cols)}, ${i % cols}) expected ${expected[i]}, got ${got[i]} (bound ${bound[i]})`);
    }
  }
}

/** Data with a per-channel offset, so the two-pass variance has something to cancel. */
function data(rows: number, cols: number, seed: number): Float32Array {
  const x = randomArray(rows * cols, seed, -2, 2);
  return x.map((v, i) => v + 3 * ((i % cols) - 1));
}

interface Run {
  mean: Float32Array;
  variance: Float32Array;
  invstd: Float32Array;
  y: Float32Array;
  sumDy: Float32Array;
  sumDyXhat: Float32Array;
  dx: Float32Array;
}

/**
 * stats → forward → sums → backward on the kernels, as the op chains them,
 * each kernel called once per channel range of `ranges` (all channels by
 * default), in the order given; the outputs start as NaN, so a channel no
 * range covers shows.
 */
function run(
  e: Engine, x: Float32Array, gamma: Float32Array, beta: Float32Array, dy: Float32Array, rows: number, cols: number, training: boolean,
  dx0: Float32Array | null = null, ranges: [number, number][] = [[0, cols]],
): Run {
  const k = e.kernels;
  const nan = (n: number) => put(e, new Float32Array(n).fill(Number.NaN));
  return e.arena.scoped(() => {
    const px = put(e, x);
    const mean = nan(cols);
    const variance = nan(cols);
    const invstd = nan(cols);
    // Work left as garbage from one call to the next, as a thread's would be.
    const work = put(e, new Float32Array(4 * cols).fill(Number.NaN));
    const [pgamma, pbeta] = [put(e, gamma), put(e, beta)];
    for (const [c0, c1] of ranges) k.f32_batchnorm_stats(mean, variance, px, rows, cols, c0, c1, work);
    const y = nan(rows * cols);
    for (const [c0, c1] of ranges) k.f32_batchnorm_forward(y, invstd, px, mean, variance, pgamma, pbeta, EPS, rows, cols, c0, c1);
    const sumDy = nan(cols);
    const sumDyXhat = nan(cols);
    const pdy = put(e, dy);
    for (const [c0, c1] of ranges) k.f32_batchnorm_backward_sums(sumDy, sumDyXhat, pdy, px, mean, invstd, rows, cols, c0, c1, work);
    const dx = put(e, dx0 ?? new Float32Array(rows * cols).fill(Number.NaN));
    for (const [c0, c1] of ranges) {
      k.f32_batchnorm_backward(dx, pdy, px, mean, invstd, pgamma, sumDy, sumDyXhat, rows, cols, training ? 1 : 0, dx0 ? 1 : 0, c0, c1, work);
    }
    const read = (p: number, n: number) => e.arena.read(p, n);
    return {
      mean: read(mean, cols), variance: read(variance, cols), invstd: read(invstd, cols), y: read(y, rows * cols),
      sumDy: read(sumDy, cols), sumDyXhat: read(sumDyXhat, cols), dx: read(dx, rows * cols),
    };
  });
}

function inputs(rows: number, cols: number) {
  return {
    x: data(rows, cols, rows * 7 + cols),
    gamma: randomArray(cols, cols + 1, 0.5, 2),
    beta: randomArray(cols, cols + 2),
    dy: randomArray(rows * cols, rows + cols * 3),
  };
}

describe("batch norm kernels", () => {
  it.each(GRID)("stats of %i×%i: f64 mean and biased variance, rounded once", async (rows, cols) => {
    const e = await engine();
    const { x, gamma, beta, dy } = inputs(rows, cols);
    const r = run(e, x, gamma, beta, dy, rows, cols, true);
    const ref = momentsRef(x, rows, cols);
    expectClose(r.mean, ref.mean, { atol: 1e-12, rtol: 2 * U }, `mean ${rows}x${cols}`);
    expectClose(r.variance, ref.variance, { atol: 1e-12, rtol: 2 * U }, `variance ${rows}x${cols}`);
  });

  it.each(GRID)("forward of %i×%i against f64 on the same statistics", async (rows, cols) => {
    const e = await engine();
    const { x, gamma, beta, dy } = inputs(rows, cols);
    const r = run(e, x, gamma, beta, dy, rows, cols, true);
    const expected = new Float64Array(rows * cols);
    const bound = new Float64Array(rows * cols);
    for (let i = 0; i < expected.length; i++) {
      const j = i % cols;
      const t = ((x[i]! - r.mean[j]!) / Math.sqrt(r.variance[j]! + EPS)) * gamma[j]!;
      expected[i] = t + beta[j]!;
      bound[i] = 8 * U * (Math.abs(t) + Math.abs(beta[j]!)) + 1e-30;
    }
    expectClose(r.invstd, r.variance.map((v) => 1 / Math.sqrt(v + EPS)), { atol: 0, rtol: 3 * U }, `invstd ${rows}x${cols}`);
    expectWithin(r.y, expected, bound, `forward ${rows}x${cols}`, cols);
  });

  it.each(GRID)("backward sums of %i×%i against f64", async (rows, cols) => {
    const e = await engine();
    const { x, gamma, beta, dy } = inputs(rows, cols);
    const r = run(e, x, gamma, beta, dy, rows, cols, true);
    const sdy = new Float64Array(cols);
    const sdyx = new Float64Array(cols);
    const absDy = new Float64Array(cols);
    const absDyX = new Float64Array(cols);
    for (let i = 0; i < rows * cols; i++) {
      const j = i % cols;
      const xhat = (x[i]! - r.mean[j]!) * r.invstd[j]!;
      sdy[j]! += dy[i]!;
      sdyx[j]! += dy[i]! * xhat;
      absDy[j]! += Math.abs(dy[i]!);
      absDyX[j]! += Math.abs(dy[i]! * xhat);
    }
    expectWithin(r.sumDy, sdy, absDy.map((a) => 2 * U * a + 1e-30), `sumDy ${rows}x${cols}`, cols);
    expectWithin(r.sumDyXhat, sdyx, absDyX.map((a) => 4 * U * a + 1e-30), `sumDyXhat ${rows}x${cols}`, cols);
  });

  for (const training of [true, false]) {
    it.each(GRID)(`backward (training=${training}) of %i×%i against f64 on the same sums, writing and accumulating`, async (rows, cols) => {
      const e = await engine();
      const { x, gamma, beta, dy } = inputs(rows, cols);
      const dx0 = randomArray(rows * cols, 99);
      for (const prior of [null, dx0]) {
        const r = run(e, x, gamma, beta, dy, rows, cols, training, prior);
        const expected = new Float64Array(rows * cols);
        const bound = new Float64Array(rows * cols);
        for (let i = 0; i < expected.length; i++) {
          const j = i % cols;
          const xhat = (x[i]! - r.mean[j]!) * r.invstd[j]!;
          const k = gamma[j]! * r.invstd[j]!;
          const a = training ? r.sumDy[j]! / rows : 0;
          const b = training ? r.sumDyXhat[j]! / rows : 0;
          const g = k * (dy[i]! - a - xhat * b);
          expected[i] = g + (prior ? prior[i]! : 0);
          bound[i] = 10 * U * Math.abs(k) * (Math.abs(dy[i]!) + Math.abs(a) + Math.abs(xhat * b)) + (prior ? U * Math.abs(expected[i]!) : 0) + 1e-30;
        }
        expectWithin(r.dx, expected, bound, `backward ${rows}x${cols} accumulate=${prior ? 1 : 0}`, cols);
      }
    });
  }

  it.each(GRID.filter(([r]) => r > 1))("the chain for %i×%i matches the textbook gradient", async (rows, cols) => {
    const e = await engine();
    const { x, gamma, beta, dy } = inputs(rows, cols);
    const r = run(e, x, gamma, beta, dy, rows, cols, true);
    const ref = batchNormBackwardRef(dy, x, gamma, rows, cols, EPS);
    expectClose(r.sumDy, ref.dbeta, { atol: 1e-5, rtol: 1e-5 }, `dbeta ${rows}x${cols}`);
    expectClose(r.sumDyXhat, ref.dgamma, { atol: 1e-4, rtol: 1e-5 }, `dgamma ${rows}x${cols}`);
    expectClose(r.dx, ref.dx, { atol: 1e-4, rtol: 1e-4 }, `dx ${rows}x${cols}`);
  });

  it("gives every channel the bits it gets alone (vector and scalar paths agree)", async () => {
    const e = await engine();
    for (const [rows, cols] of [[33, 9], [17, 8], [5, 33]] as const) {
      const { x, gamma, beta, dy } = inputs(rows, cols);
      for (const training of [true, false]) {
        const all = run(e, x, gamma, beta, dy, rows, cols, training);
        for (const j of [0, 3, cols - 1]) {
          const pick = (v: Float32Array) => v.filter((_, i) => i % cols === j);
          const alone = run(e, pick(x), pick(gamma), pick(beta), pick(dy), rows, 1, training);
          for (const key of Object.keys(alone) as (keyof Run)[]) {
            const mine = key === "y" || key === "dx" ? pick(all[key]) : all[key].subarray(j, j + 1);
            expect(Array.from(mine), `${key} channel ${j} of ${rows}x${cols}`).toEqual(Array.from(alone[key]));
          }
        }
      }
    }
  });

  it("on channel ranges: any partition, in any order, gives the bits of one call; nothing outside a range is touched", async () => {
    const e = await engine();
    for (const [rows, cols] of [[129, 33], [300, 12], [17, 8], [5, 3]] as const) {
      const { x, gamma, beta, dy } = inputs(rows, cols);
      const dx0 = randomArray(rows * cols, 7);
      // Cuts through the 8-, 4- and 2-channel groups, a one-channel range, and out-of-bounds bounds (clamped).
      const partitions: [number, number][][] = [
        [[0, 1], [1, cols]],
        // For the narrow inputs some of these are empty or reversed: they do nothing.
        [[0, 3], [3, 5], [5, 6], [6, cols]],
        [[Math.floor(cols / 2), cols + 5], [-3, Math.floor(cols / 2)]],
        Array.from({ length: cols }, (_, j) => [cols - 1 - j, cols - j] as [number, number]),
      ];
      for (const training of [true, false]) {
        for (const prior of [null, dx0]) {
          const whole = run(e, x, gamma, beta, dy, rows, cols, training, prior);
          for (const ranges of partitions) {
            const parts = run(e, x, gamma, beta, dy, rows, cols, training, prior, ranges);
            for (const key of Object.keys(whole) as (keyof Run)[]) {
              expect(Array.from(parts[key]), `${key} of ${rows}x${cols} on ${JSON.stringify(ranges)}`).toEqual(Array.from(whole[key]));
            }
          }
        }
      }
      // Only [2, 3) and empty or reversed ranges: every other channel keeps its NaN.
      const some = run(e, x, gamma, beta, dy, rows, cols, true, null, [[2, 3], [4, 4], [3, 1], [cols, cols + 2]]);
      const whole = run(e, x, gamma, beta, dy, rows, cols, true);
      for (const key of Object.keys(whole) as (keyof Run)[]) {
        const perRow = key === "y" || key === "dx";
        const got = Array.from(some[key]);
        got.forEach((v, i) => {
          const j = perRow ? i % cols : i;
          if (j === 2) expect(v, `${key}[${i}] of ${rows}x${cols}`).toBe(whole[key][i]);
          else expect(v, `${key}[${i}] of ${rows}x${cols} outside the range`).toBeNaN();
        });
      }
    }
  });

  it("one row: zero variance, xhat = 0, y = beta, dx = 0", async () => {
    const e = await engine();
    const { x, gamma, beta, dy } = inputs(1, 5);
    const r = run(e, x, gamma, beta, dy, 1, 5, true);
    expect(Array.from(r.variance)).toEqual([0, 0, 0, 0, 0]);
    expect(Array.from(r.y)).toEqual(Array.from(beta));
    expect(Array.from(r.dx).map(Math.abs)).toEqual([0, 0, 0, 0, 0]);
  });
});
