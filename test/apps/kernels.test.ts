// The kernels of assembly/apps.ts against naive f64 references (or exact
// emulations of their documented roundings) over a grid of edge-case sizes.
import { describe, expect, it } from "vitest";
import { blank, engine, expectClose, put, randomArray } from "../helpers.js";
import {
  affineColumnsReference,
  columnMinMaxReference,
  erfReference,
  pairwiseSqDistancesReference,
  rowSmallestKReference,
  rowSumSquaresReference,
  softmaxRowsReference,
  softmaxXentGradReference,
  softmaxXentReference,
  sqDistancesReference,
} from "../reference/apps.js";

const COLS = [1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 1027];
const ROWS = [0, 1, 3, 5];
const EXACT = { atol: 0, rtol: 0 };
const GUARD = 4;

type E = Awaited<ReturnType<typeof engine>>;

/** Scratch for n outputs plus GUARD sentinels, to see writes past n. */
const out = (e: E, n: number): number => blank(e, n + GUARD, -7);
const expectGuard = (e: E, ptr: number, n: number, label: string): void => {
  expect(Array.from(e.arena.read(ptr + 4 * n, GUARD)), `${label}: wrote past the end`).toEqual([-7, -7, -7, -7]);
};

describe("f32_affine_columns", () => {
  for (const rows of ROWS) {
    it.each(COLS)(`rows=${rows} cols=%i: two roundings per element, exact; in place`, async (cols) => {
      const e = await engine();
      e.arena.scoped(() => {
        const x = randomArray(rows * cols, rows * 100 + cols, -5, 5);
        const scale = randomArray(cols, cols + 1, -3, 3);
        const offset = randomArray(cols, cols + 2, -3, 3);
        const expected = affineColumnsReference(x, scale, offset, rows, cols);
        const dst = out(e, rows * cols);
        const px = put(e, x);
        const [ps, po] = [put(e, scale), put(e, offset)];
        e.kernels.f32_affine_columns(dst, px, ps, po, rows, cols);
        const label = `affine ${rows}x${cols}`;
        expectClose(e.arena.read(dst, rows * cols), expected, EXACT, label, [rows, cols]);
        expectGuard(e, dst, rows * cols, label);
        e.kernels.f32_affine_columns(px, px, ps, po, rows, cols);
        expectClose(e.arena.read(px, rows * cols), expected, EXACT, `${label} in place`, [rows, cols]);
      });
    });
  }

  it("reads unaligned rows (cols = 3, offset pointers)", async () => {
    const e = await engine();
    e.arena.scoped(() => {
      const rows = 9;
      const cols = 3;
      const x = randomArray(rows * cols + 1, 5, -2, 2);
      const scale = randomArray(cols + 1, 6);
      const offset = randomArray(cols + 1, 7);
      const px = put(e, x) + 4;
      const [ps, po] = [put(e, scale) + 4, put(e, offset) + 4];
      const dst = out(e, rows * cols + 1) + 4;
      e.kernels.f32_affine_columns(dst, px, ps, po, rows, cols);
      const expected = affineColumnsReference(x.subarray(1), scale.subarray(1), offset.subarray(1), rows, cols);
      expectClose(e.arena.read(dst, rows * cols), expected, EXACT, "unaligned", [rows, cols]);
    });
  });
});

describe("f32_column_min_max", () => {
  for (const rows of ROWS) {
    it.each(COLS)(`rows=${rows} cols=%i exact`, async (cols) => {
      const e = await engine();
      e.arena.scoped(() => {
        const x = randomArray(rows * cols, rows * 31 + cols, -100, 100);
        const { min, max } = columnMinMaxReference(x, rows, cols);
        const [pmin, pmax] = [out(e, cols), out(e, cols)];
        e.kernels.f32_column_min_max(pmin, pmax, put(e, x), rows, cols);
        expect(Array.from(e.arena.read(pmin, cols)), `min ${rows}x${cols}`).toEqual(Array.from(min));
        expect(Array.from(e.arena.read(pmax, cols)), `max ${rows}x${cols}`).toEqual(Array.from(max));
        expectGuard(e, pmin, cols, "min");
        expectGuard(e, pmax, cols, "max");
      });
    });
  }

  it("propagates NaN into its column only (vector and scalar columns)", async () => {
    const e = await engine();
    e.arena.scoped(() => {
      const x = Float32Array.from([1, 2, 3, 4, 5, 6, NaN, 8, 9, 10, 11, 12, 13, 14, NaN]);
      const [pmin, pmax] = [out(e, 5), out(e, 5)];
      e.kernels.f32_column_min_max(pmin, pmax, put(e, x), 3, 5);
      expect(Array.from(e.arena.read(pmin, 5))).toEqual([1, NaN, 3, 4, NaN]);
      expect(Array.from(e.arena.read(pmax, 5))).toEqual([11, NaN, 13, 14, NaN]);
    });
  });
});

describe("f32_row_sum_squares", () => {
  for (const rows of ROWS) {
    it.each([0, ...COLS])(`rows=${rows} cols=%i: one rounding of the f64 sum`, async (cols) => {
      const e = await engine();
      e.arena.scoped(() => {
        const x = randomArray(rows * cols, rows * 7 + cols, -10, 10);
        const dst = out(e, rows);
        e.kernels.f32_row_sum_squares(dst, put(e, x), rows, cols);
        // f64 sums of exact squares differ by far less than half an f32 ulp; allow one f32 rounding.
        expectClose(e.arena.read(dst, rows), rowSumSquaresReference(x, rows, cols), { atol: 0, rtol: 2 ** -24 }, `sumsq ${rows}x${cols}`);
        expectGuard(e, dst, rows, "sumsq");
      });
    });
  }
});

describe("f32_sq_distances", () => {
  const GRID: [number, number][] = [[1, 1], [1, 5], [3, 4], [5, 7], [7, 9], [9, 17], [4, 1027]];
  it.each(GRID)("%ix%i: the documented f32 operations exactly, in place", async (rows, cols) => {
    const e = await engine();
    e.arena.scoped(() => {
      const dot = randomArray(rows * cols, rows + cols, -5, 5);
      const na = randomArray(rows, rows, 0, 10);
      const nb = randomArray(cols, cols + 9, 0, 10);
      const expected = sqDistancesReference(dot, na, nb, rows, cols);
      const d = out(e, rows * cols);
      e.kernels.f32_sq_distances(d, put(e, dot), put(e, na), put(e, nb), rows, cols);
      expectClose(e.arena.read(d, rows * cols), expected, EXACT, `sqdist ${rows}x${cols}`, [rows, cols]);
      expectGuard(e, d, rows * cols, "sqdist");
      const pd = put(e, dot);
      e.kernels.f32_sq_distances(pd, pd, put(e, na), put(e, nb), rows, cols);
      expectClose(e.arena.read(pd, rows * cols), expected, EXACT, `sqdist in place ${rows}x${cols}`, [rows, cols]);
    });
  });

  it.each([[1, 1, 1], [3, 5, 7], [5, 9, 33], [7, 17, 784]])(
    "with row norms and gemm: %ix%i distances in %i dimensions within f32 error of the f64 distances",
    async (m, n, dims) => {
      const e = await engine();
      e.arena.scoped(() => {
        const a = randomArray(m * dims, m + dims, -1, 1);
        const b = randomArray(n * dims, n + dims + 1, -1, 1);
        const [pa, pb] = [put(e, a), put(e, b)];
        const [na, nb, d] = [out(e, m), out(e, n), out(e, m * n)];
        e.kernels.f32_row_sum_squares(na, pa, m, dims);
        e.kernels.f32_row_sum_squares(nb, pb, n, dims);
        e.kernels.f32_gemm_nt(d, pa, pb, 0, m, n, dims, 0, e.arena.scratch(e.kernels.gemm_workspace_bytes(m, n, dims)));
        e.kernels.f32_sq_distances(d, d, na, nb, m, n);
        // Cancellation: the error scales with the norms, not the distance.
        expectClose(e.arena.read(d, m * n), pairwiseSqDistancesReference(a, b, m, n, dims), { atol: 1e-5 * dims, rtol: 1e-5 }, `distances ${m}x${n}x${dims}`, [m, n]);
      });
    },
  );
});

describe("u32_row_smallest_k", () => {
  for (const cols of [1, 3, 4, 5, 8, 17, 33, 1027]) {
    it.each([1, 3, 5, cols].filter((k) => k <= cols))(`cols=${cols} k=%i: a stable selection`, async (k) => {
      const e = await engine();
      e.arena.scoped(() => {
        const rows = 5;
        // Few distinct values, so ties are common.
        const x = Float32Array.from(randomArray(rows * cols, cols * 13 + k, 0, 6), Math.floor);
        const idx = out(e, rows * k);
        e.kernels.u32_row_smallest_k(idx, put(e, x), rows, cols, k);
        const got = e.arena.u32.slice(idx >>> 2, (idx >>> 2) + rows * k);
        expect(Array.from(got), `cols=${cols} k=${k}`).toEqual(Array.from(rowSmallestKReference(x, rows, cols, k)));
        expectGuard(e, idx, rows * k, "smallest k");
      });
    });
  }

  it("rows = 0 writes nothing", async () => {
    const e = await engine();
    e.arena.scoped(() => {
      const idx = out(e, 0);
      e.kernels.u32_row_smallest_k(idx, put(e, [1, 2]), 0, 2, 1);
      expectGuard(e, idx, 0, "rows=0");
    });
  });
});

describe("softmax", () => {
  const GRID: [number, number][] = [[0, 3], [1, 1], [1, 2], [3, 4], [5, 10], [7, 17], [2, 1027]];

  it.each(GRID)("f32_softmax_rows %ix%i against f64; in place; large logits", async (rows, cols) => {
    const e = await engine();
    e.arena.scoped(() => {
      for (const [lo, hi] of [[-5, 5], [-80, 80], [1000, 1010]] as const) {
        const x = randomArray(rows * cols, rows * cols + lo, lo, hi);
        const expected = softmaxRowsReference(x, rows, cols, true);
        const y = out(e, rows * cols);
        const px = put(e, x);
        e.kernels.f32_softmax_rows(y, px, rows, cols);
        const label = `softmax ${rows}x${cols} in [${lo}, ${hi}]`;
        expectClose(e.arena.read(y, rows * cols), expected, { atol: 1e-37, rtol: 4e-7 }, label, [rows, cols]);
        expectGuard(e, y, rows * cols, label);
        e.kernels.f32_softmax_rows(px, px, rows, cols);
        expectClose(e.arena.read(px, rows * cols), expected, { atol: 1e-37, rtol: 4e-7 }, `${label} in place`, [rows, cols]);
      }
    });
  });

  it.each(GRID)("f32_softmax_xent_backward %ix%i: loss and gradient against f64", async (rows, cols) => {
    const e = await engine();
    e.arena.scoped(() => {
      const x = randomArray(rows * cols, 3 * rows + cols, -6, 6);
      const labels = Uint32Array.from(randomArray(rows, rows + 77, 0, cols), Math.floor);
      const scale = 0.25;
      const py = e.arena.scratch(4 * Math.max(rows, 1));
      e.arena.u32.set(labels, py >>> 2);
      const d = out(e, rows * cols);
      const loss = e.kernels.f32_softmax_xent_backward(d, put(e, x), py, scale, rows, cols);
      const expected = softmaxXentReference(x, labels, rows, cols);
      expect(Math.abs(loss - expected), `loss ${rows}x${cols}: expected ${expected}, got ${loss}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(expected)) + 2e-7 * rows);
      expectClose(e.arena.read(d, rows * cols), softmaxXentGradReference(x, labels, scale, rows, cols), { atol: 1e-7, rtol: 1e-6 }, `grad ${rows}x${cols}`, [rows, cols]);
      expectGuard(e, d, rows * cols, "xent grad");
    });
  });

  it("the gradient matches central differences of the f64 loss", async () => {
    const e = await engine();
    e.arena.scoped(() => {
      const [rows, cols] = [3, 5];
      const x = Array.from(randomArray(rows * cols, 4242, -2, 2));
      const labels = [4, 0, 2];
      const py = e.arena.scratch(16);
      e.arena.u32.set(labels, py >>> 2);
      const d = out(e, rows * cols);
      e.kernels.f32_softmax_xent_backward(d, put(e, x), py, 1, rows, cols);
      const h = 1e-6;
      const numeric = x.map((_, i) => {
        const plus = x.slice();
        const minus = x.slice();
        plus[i]! += h;
        minus[i]! -= h;
        return (softmaxXentReference(plus, labels, rows, cols) - softmaxXentReference(minus, labels, rows, cols)) / (2 * h);
      });
      expectClose(e.arena.read(d, rows * cols), numeric, { atol: 1e-6, rtol: 1e-5 }, "finite differences", [rows, cols]);
    });
  });

  it("in place (dlogits = logits)", async () => {
    const e = await engine();
    e.arena.scoped(() => {
      const x = randomArray(12, 99, -3, 3);
      const py = e.arena.scratch(16);
      e.arena.u32.set([0, 1, 2], py >>> 2);
      const px = put(e, x);
      const d = out(e, 12);
      const a = e.kernels.f32_softmax_xent_backward(d, px, py, 0.5, 3, 4);
      const b = e.kernels.f32_softmax_xent_backward(px, px, py, 0.5, 3, 4);
      expect(b).toBe(a);
      expectClose(e.arena.read(px, 12), e.arena.read(d, 12), EXACT, "in place");
    });
  });
});

describe("f32_erf", () => {
  const BOUND = 1.5e-7 + 2 ** -25;

  it.each([0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 1027])("n=%i over [-6, 6] within the stated bound; in place", async (n) => {
    const e = await engine();
    e.arena.scoped(() => {
      const x = randomArray(n, n + 500, -6, 6);
      const expected = Array.from(x, erfReference);
      const y = out(e, n);
      const px = put(e, x);
      e.kernels.f32_erf(y, px, n);
      expectClose(e.arena.read(y, n), expected, { atol: BOUND, rtol: 0 }, `erf n=${n}`);
      expectGuard(e, y, n, "erf");
      e.kernels.f32_erf(px, px, n);
      expectClose(e.arena.read(px, n), expected, { atol: BOUND, rtol: 0 }, `erf in place n=${n}`);
    });
  });

  it("a dense sweep of [-8, 8], odd symmetry, special values", async () => {
    const e = await engine();
    e.arena.scoped(() => {
      const n = 16001;
      const x = Float32Array.from({ length: n }, (_, i) => -8 + (16 * i) / (n - 1));
      const y = out(e, n);
      e.kernels.f32_erf(y, put(e, x), n);
      const got = e.arena.read(y, n);
      expectClose(got, Array.from(x, erfReference), { atol: BOUND, rtol: 0 }, "sweep");
      for (let i = 0; i < n; i++) expect(got[i] === -got[n - 1 - i]!, `erf(${x[i]}) = ${got[i]} vs −erf(${x[n - 1 - i]}) = ${-got[n - 1 - i]!}`).toBe(true);
      const special = Float32Array.from([0, -0, Infinity, -Infinity, NaN, 30, -30]);
      e.kernels.f32_erf(y, put(e, special), special.length);
      const s = e.arena.read(y, special.length);
      expect(Object.is(s[0], 0)).toBe(true);
      expect(Object.is(s[1], -0)).toBe(true);
      expect(Array.from(s.subarray(2))).toEqual([1, -1, NaN, 1, -1]);
    });
  });
});
