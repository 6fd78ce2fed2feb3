import { describe, expect, it } from "vitest";
import { blank, engine, expectClose, put, randomArray, rng } from "../helpers.js";
import {
  addBiasReference,
  addReference,
  axpyReference,
  clipReference,
  colsumAbsReference,
  colsumReference,
  gatherRowsReference,
  mulReference,
  scaleReference,
  subReference,
} from "../reference/elementwise.js";

const SIZES = [0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 1027];
const GRIDS: [number, number][] = [[1, 1], [3, 5], [4, 8], [7, 9], [17, 33], [6, 36], [5, 50], [128, 784]];
/** One f32 rounding of an exact f64 result. */
const ONE_ROUNDING = { atol: 1e-30, rtol: 2 ** -24 };
const GUARD = 4;

/** Scratch for n outputs plus GUARD sentinels, to see writes past n. */
function out(e: Awaited<ReturnType<typeof engine>>, n: number, fill = -7): number {
  return blank(e, n + GUARD, fill);
}

function expectGuard(e: Awaited<ReturnType<typeof engine>>, ptr: number, n: number, label: string, fill = -7): void {
  expect(Array.from(e.arena.read(ptr + 4 * n, GUARD)), `${label}: wrote past n`).toEqual(new Array(GUARD).fill(fill));
}

describe("elementwise kernels", () => {
  it.each(SIZES)("f32_fill writes exactly n=%i elements", async (n) => {
    const e = await engine();
    e.arena.scoped(() => {
      const dst = out(e, n);
      e.kernels.f32_fill(dst, 2.5, n);
      expectClose(e.arena.read(dst, n), new Float32Array(n).fill(2.5), {}, `fill n=${n}`);
      expectGuard(e, dst, n, `fill n=${n}`);
    });
  });

  it.each(SIZES)("f32_copy copies n=%i elements", async (n) => {
    const e = await engine();
    e.arena.scoped(() => {
      const src = randomArray(n, n + 1);
      const dst = out(e, n);
      e.kernels.f32_copy(dst, put(e, src), n);
      expectClose(e.arena.read(dst, n), src, { atol: 0, rtol: 0 }, `copy n=${n}`);
      expectGuard(e, dst, n, `copy n=${n}`);
    });
  });

  const binaries = [
    ["f32_add", addReference],
    ["f32_sub", subReference],
    ["f32_mul", mulReference],
  ] as const;
  for (const [name, reference] of binaries) {
    it.each(SIZES)(`${name} n=%i against f64, and in place`, async (n) => {
      const e = await engine();
      e.arena.scoped(() => {
        const a = randomArray(n, 10 + n, -3, 3);
        const b = randomArray(n, 20 + n, -3, 3);
        const expected = reference(a, b);
        const dst = out(e, n);
        const pa = put(e, a);
        const pb = put(e, b);
        e.kernels[name](dst, pa, pb, n);
        expectClose(e.arena.read(dst, n), expected, ONE_ROUNDING, `${name} n=${n}`);
        expectGuard(e, dst, n, `${name} n=${n}`);
        e.kernels[name](pa, pa, pb, n);
        expectClose(e.arena.read(pa, n), expected, ONE_ROUNDING, `${name} in place n=${n}`);
      });
    });
  }

  it.each(SIZES)("f32_scale n=%i against f64", async (n) => {
    const e = await engine();
    e.arena.scoped(() => {
      const src = randomArray(n, 30 + n, -3, 3);
      const c = Math.fround(-1.7);
      const dst = out(e, n);
      e.kernels.f32_scale(dst, put(e, src), c, n);
      expectClose(e.arena.read(dst, n), scaleReference(src, c), ONE_ROUNDING, `scale n=${n}`);
      expectGuard(e, dst, n, `scale n=${n}`);
    });
  });

  it.each(SIZES)("f32_axpy n=%i against f64", async (n) => {
    const e = await engine();
    e.arena.scoped(() => {
      const d = randomArray(n, 40 + n, -3, 3);
      const x = randomArray(n, 50 + n, -3, 3);
      const alpha = Math.fround(0.3);
      const dst = blank(e, n + GUARD, -7);
      e.arena.write(dst, d);
      e.kernels.f32_axpy(dst, put(e, x), alpha, n);
      // Two roundings (product, sum): bounded by 2^-23 of |d| + |alpha·x|.
      const expected = axpyReference(d, x, alpha);
      const got = e.arena.read(dst, n);
      for (let i = 0; i < n; i++) {
        const bound = 2 ** -23 * (Math.abs(d[i]!) + Math.abs(alpha * x[i]!));
        if (Math.abs(got[i]! - expected[i]!) > bound) expect.fail(`axpy n=${n}: at [${i}] expected ${expected[i]}, got ${got[i]}`);
      }
      expectGuard(e, dst, n, `axpy n=${n}`);
    });
  });

  it.each(SIZES)("f32_clip n=%i is exact, NaN passes through", async (n) => {
    const e = await engine();
    e.arena.scoped(() => {
      const src = randomArray(n, 60 + n, -2, 2);
      if (n > 2) src[n - 2] = Number.NaN;
      const lo = -0.5;
      const hi = 0.75;
      const dst = out(e, n);
      e.kernels.f32_clip(dst, put(e, src), lo, hi, n);
      expectClose(e.arena.read(dst, n), clipReference(src, lo, hi), { atol: 0, rtol: 0 }, `clip n=${n}`);
      expectGuard(e, dst, n, `clip n=${n}`);
    });
  });

  it.each(GRIDS)("f32_add_bias %ix%i against f64", async (rows, cols) => {
    const e = await engine();
    e.arena.scoped(() => {
      const x = randomArray(rows * cols, rows * 100 + cols, -3, 3);
      const bias = randomArray(cols, cols, -3, 3);
      const dst = out(e, rows * cols);
      e.arena.write(dst, x);
      e.kernels.f32_add_bias(dst, put(e, bias), rows, cols);
      expectClose(e.arena.read(dst, rows * cols), addBiasReference(x, bias, rows, cols), ONE_ROUNDING, "add_bias", [rows, cols]);
      expectGuard(e, dst, rows * cols, `add_bias ${rows}x${cols}`);
    });
  });

  it.each(GRIDS)("f32_colsum %ix%i against f64, in row order, and accumulating", async (rows, cols) => {
    const e = await engine();
    e.arena.scoped(() => {
      const x = randomArray(rows * cols, rows * 200 + cols, -3, 3);
      const px = put(e, x);
      const exact = colsumReference(x, rows, cols);
      const scale = colsumAbsReference(x, rows, cols);
      const dst = out(e, cols);
      e.kernels.f32_colsum(dst, px, rows, cols, 0);
      const got = e.arena.read(dst, cols);
      for (let j = 0; j < cols; j++) {
        // Recursive summation: |error| ≤ rows·2^-24·Σ|x| (Higham, "Accuracy and Stability", §4.2).
        if (Math.abs(got[j]! - exact[j]!) > rows * 2 ** -24 * scale[j]!) {
          expect.fail(`colsum ${rows}x${cols}: at column ${j} expected ${exact[j]}, got ${got[j]}`);
        }
      }
      // The documented order exactly: from zero, rows 0..rows-1, each add rounded to f32.
      const ordered = new Float32Array(cols);
      for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) ordered[j] = Math.fround(ordered[j]! + x[r * cols + j]!);
      expectClose(got, ordered, { atol: 0, rtol: 0 }, "colsum order", [1, cols]);
      expectGuard(e, dst, cols, `colsum ${rows}x${cols}`);

      const prior = randomArray(cols, cols + 7, -3, 3);
      e.arena.write(dst, prior);
      e.kernels.f32_colsum(dst, px, rows, cols, 1);
      const accumulated = Float32Array.from(ordered, (s, j) => Math.fround(prior[j]! + s));
      expectClose(e.arena.read(dst, cols), accumulated, { atol: 0, rtol: 0 }, "colsum accumulate", [1, cols]);
    });
  });

  it.each(GRIDS)("f32_gather_rows %ix%i copies the indexed rows (repeats allowed)", async (count, cols) => {
    const e = await engine();
    e.arena.scoped(() => {
      const srcRows = count + 3;
      const src = randomArray(srcRows * cols, count * 300 + cols);
      const next = rng(count + cols);
      const idx = Uint32Array.from({ length: count }, () => Math.floor(next() * srcRows));
      if (count > 1) idx[1] = idx[0]!;
      const pidx = e.arena.scratch(count * 4);
      e.arena.u32.set(idx, pidx >>> 2);
      const dst = out(e, count * cols);
      e.kernels.f32_gather_rows(dst, put(e, src), pidx, count, cols);
      expectClose(e.arena.read(dst, count * cols), gatherRowsReference(src, idx, cols), { atol: 0, rtol: 0 }, "gather", [count, cols]);
      expectGuard(e, dst, count * cols, `gather ${count}x${cols}`);
    });
  });
});
