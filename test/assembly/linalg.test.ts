import { describe, expect, it } from "vitest";
import type { Engine } from "../../src/wasm/module.js";
import { engine, expectClose, put, randomArray, rng } from "../helpers.js";
import {
  columnMeansReference,
  jacobiEigenReference,
  scatterAbsReference,
  scatterReference,
} from "../reference/linalg.js";

/** n f64 of scratch, filled with `values` (or NaN so that unwritten output shows). */
function putF64(e: Engine, n: number, values?: ArrayLike<number>): number {
  const ptr = e.arena.scratch(Math.max(n, 1) * 8);
  const view = f64View(e, ptr, n);
  if (values) view.set(values);
  else view.fill(Number.NaN);
  return ptr;
}

function f64View(e: Engine, ptr: number, n: number): Float64Array {
  return new Float64Array(e.arena.memory.buffer, ptr, n);
}

const readF64 = (e: Engine, ptr: number, n: number): Float64Array => f64View(e, ptr, n).slice();

/** A random symmetric n×n matrix with entries in [-1, 1). */
function randomSymmetric(n: number, seed: number): Float64Array {
  const next = rng(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = 2 * next() - 1;
  return a;
}

/** Q·diag(values)·Qᵀ with Q a seeded random orthogonal matrix (Gram–Schmidt). */
function withSpectrum(values: readonly number[], seed: number): Float64Array {
  const n = values.length;
  const next = rng(seed);
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = q.subarray(i * n, (i + 1) * n);
    for (let j = 0; j < n; j++) row[j] = 2 * next() - 1;
    for (let p = 0; p < i; p++) {
      const prev = q.subarray(p * n, (p + 1) * n);
      const dot = row.reduce((s, x, j) => s + x * prev[j]!, 0);
      row.forEach((x, j) => (row[j] = x - dot * prev[j]!));
    }
    const norm = Math.sqrt(row.reduce((s, x) => s + x * x, 0));
    row.forEach((x, j) => (row[j] = x / norm));
  }
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += q[k * n + i]! * values[k]! * q[k * n + j]!;
      a[i * n + j] = s;
    }
  }
  return a;
}

interface EigenResult {
  code: number;
  values: Float64Array;
  vectors: Float64Array;
}

/** Runs f64_symmetric_eigen on a copy of `a` whose lower triangle is poisoned (only the upper one may be read). */
function eigen(e: Engine, a: Float64Array, n: number): EigenResult {
  return e.arena.scoped(() => {
    const upper = Float64Array.from(a, (x, idx) => (idx % n >= Math.floor(idx / n) ? x : Number.NaN));
    const ptr = putF64(e, n * n, upper);
    const values = putF64(e, n);
    const work = e.arena.scratch(e.kernels.f64_symmetric_eigen_workspace_bytes(n));
    const code = e.kernels.f64_symmetric_eigen(ptr, n, values, work);
    return { code, values: readF64(e, values, n), vectors: readF64(e, ptr, n * n) };
  });
}

/** Checks A·v = λ·v, VVᵀ = I, descending order and the sign convention. */
function checkDecomposition(a: Float64Array, n: number, { values, vectors }: EigenResult, label: string): void {
  const scale = Math.max(1, ...Array.from(a, Math.abs)) * n;
  const tol = 1e-12 * scale;
  for (let i = 0; i < n; i++) {
    const v = vectors.subarray(i * n, (i + 1) * n);
    for (let r = 0; r < n; r++) {
      let av = 0;
      for (let c = 0; c < n; c++) av += a[r * n + c]! * v[c]!;
      const residual = Math.abs(av - values[i]! * v[r]!);
      if (residual > tol) expect.fail(`${label} n=${n}: (A·v - λ·v)[${r}] for eigenpair ${i} is ${residual}, over ${tol}`);
    }
    for (let j = 0; j <= i; j++) {
      let dot = 0;
      for (let c = 0; c < n; c++) dot += v[c]! * vectors[j * n + c]!;
      const expected = i === j ? 1 : 0;
      if (Math.abs(dot - expected) > 1e-12 * n) expect.fail(`${label} n=${n}: v${i}·v${j} expected ${expected}, got ${dot}`);
    }
    if (i > 0 && values[i]! > values[i - 1]!) expect.fail(`${label} n=${n}: values not descending at ${i}: ${values[i - 1]} then ${values[i]}`);
    let best = 0;
    for (let c = 1; c < n; c++) if (Math.abs(v[c]!) > Math.abs(v[best]!)) best = c;
    expect(v[best]!, `${label} n=${n}: largest entry of eigenvector ${i} (at ${best}) is positive`).toBeGreaterThan(0);
  }
}

/** Eigenvectors of well-separated eigenvalues agree with the reference up to sign. */
function checkAgainstJacobi(a: Float64Array, n: number, got: EigenResult, label: string): void {
  const ref = jacobiEigenReference(a, n);
  const scale = Math.max(1, ...Array.from(ref.values, Math.abs));
  expectClose(got.values, ref.values, { atol: 1e-12 * scale * n, rtol: 0 }, `${label} values n=${n}`);
  for (let i = 0; i < n; i++) {
    const gap = Math.min(
      i > 0 ? ref.values[i - 1]! - ref.values[i]! : Infinity,
      i + 1 < n ? ref.values[i]! - ref.values[i + 1]! : Infinity,
    );
    if (gap < 1e-3 * scale) continue;
    const v = got.vectors.subarray(i * n, (i + 1) * n);
    const w = ref.vectors.subarray(i * n, (i + 1) * n);
    const sign = v.reduce((s, x, j) => s + x * w[j]!, 0) < 0 ? -1 : 1;
    expectClose(v.map((x) => sign * x), w, { atol: (1e-12 * scale) / gap * n, rtol: 0 }, `${label} vector ${i} n=${n}`);
  }
}

describe("f64_symmetric_eigen", () => {
  it.each([1, 2, 3, 5, 8, 17, 40])("random symmetric n=%i matches cyclic Jacobi", async (n) => {
    const e = await engine();
    for (const seed of [1, 2, 3]) {
      const a = randomSymmetric(n, 100 * n + seed);
      const got = eigen(e, a, n);
      expect(got.code, `n=${n} seed=${seed}: return code`).toBe(0);
      checkDecomposition(a, n, got, `seed ${seed}`);
      checkAgainstJacobi(a, n, got, `seed ${seed}`);
    }
  });

  it.each([
    ["a triple and a double eigenvalue", [3, 3, 3, 1, 1, -2, 0.5]],
    ["all equal", [2, 2, 2, 2, 2]],
    ["repeated zeros (rank 2)", [4, 1, 0, 0, 0, 0, 0, 0, 0]],
    ["clusters in 17", [5, 5, 5, 5, 4, 4, 4, 1, 1, 1, 1, 1, 0, 0, -1, -1, -1]],
  ])("%s", async (label, spectrum) => {
    const e = await engine();
    const n = spectrum.length;
    const a = withSpectrum(spectrum, 7);
    const got = eigen(e, a, n);
    expect(got.code).toBe(0);
    checkDecomposition(a, n, got, label);
    expectClose(got.values, [...spectrum].sort((x, y) => y - x), { atol: 1e-13 * n * 5, rtol: 0 }, `${label} values`);
  });

  it("a diagonal matrix: values sorted, eigenvectors the unit vectors", async () => {
    const e = await engine();
    const diag = [0.5, -3, 7, 2, 2, 0, 1e-9, 4];
    const n = diag.length;
    const a = new Float64Array(n * n);
    diag.forEach((x, i) => (a[i * n + i] = x));
    const got = eigen(e, a, n);
    expect(got.code).toBe(0);
    expectClose(got.values, [...diag].sort((x, y) => y - x), { atol: 0, rtol: 0 }, "diagonal values");
    checkDecomposition(a, n, got, "diagonal");
  });

  it("the zero matrix and the identity", async () => {
    const e = await engine();
    for (const n of [1, 4, 9]) {
      for (const fill of [0, 1]) {
        const a = new Float64Array(n * n);
        for (let i = 0; i < n; i++) a[i * n + i] = fill;
        const got = eigen(e, a, n);
        expect(got.code).toBe(0);
        expectClose(got.values, new Float64Array(n).fill(fill), { atol: 0, rtol: 0 }, `diag ${fill} n=${n}`);
        checkDecomposition(a, n, got, `diag ${fill}`);
      }
    }
  });

  it("already tridiagonal and graded matrices", async () => {
    const e = await engine();
    const n = 33;
    const tri = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      tri[i * n + i] = 2;
      if (i + 1 < n) tri[i * n + i + 1] = tri[(i + 1) * n + i] = -1;
    }
    const got = eigen(e, tri, n);
    expect(got.code).toBe(0);
    checkDecomposition(tri, n, got, "tridiagonal");
    // The 1-D Laplacian's eigenvalues are 2 − 2cos(kπ/(n+1)).
    const exact = Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((n - k) * Math.PI) / (n + 1)));
    expectClose(got.values, exact, { atol: 1e-13, rtol: 0 }, "laplacian values");
    const graded = randomSymmetric(12, 5).map((x, idx) => x * 10 ** -(Math.floor(idx / 12) + (idx % 12)));
    const gotGraded = eigen(e, graded, 12);
    expect(gotGraded.code).toBe(0);
    checkDecomposition(graded, 12, gotGraded, "graded");
  });

  it("a larger covariance-like matrix (n=150) decomposes to within 1e-12", async () => {
    const e = await engine();
    const n = 150;
    const spectrum = Array.from({ length: n }, (_, i) => 10 * 0.9 ** i);
    const a = withSpectrum(spectrum, 11);
    const got = eigen(e, a, n);
    expect(got.code).toBe(0);
    checkDecomposition(a, n, got, "decaying spectrum");
    expectClose(got.values, spectrum, { atol: 1e-12 * n, rtol: 0 }, "decaying spectrum values");
  });

  it("rank-deficient Gram matrices (clusters of roundoff-level eigenvalues) converge", async () => {
    const e = await engine();
    for (const [n, rank] of [[40, 7], [120, 60], [120, 119]] as const) {
      const b = randomArray(rank * n, n + rank, -0.5, 0.5);
      b.fill(0, 0, n); // a zero-variance feature too
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let t = 0; t < rank; t++) s += b[t * n + i]! * b[t * n + j]!;
          a[i * n + j] = s;
        }
      }
      const got = eigen(e, a, n);
      expect(got.code, `${n}x${n} of rank ${rank}: return code`).toBe(0);
      checkDecomposition(a, n, got, `rank ${rank}`);
      if (n <= 40) checkAgainstJacobi(a, n, got, `rank ${rank}`);
      const tail = Array.from(got.values.subarray(rank), Math.abs);
      expect(Math.max(0, ...tail), `${n}x${n} of rank ${rank}: the null space's eigenvalues`).toBeLessThan(1e-12 * n);
    }
  });

  it("is deterministic: the same bits twice", async () => {
    const e = await engine();
    const a = randomSymmetric(40, 9);
    const first = eigen(e, a, 40);
    const second = eigen(e, a, 40);
    expect(Buffer.from(second.vectors.buffer).equals(Buffer.from(first.vectors.buffer))).toBe(true);
    expect(Buffer.from(second.values.buffer).equals(Buffer.from(first.values.buffer))).toBe(true);
  });

  it("n = 0 is a no-op", async () => {
    const e = await engine();
    expect(e.arena.scoped(() => e.kernels.f64_symmetric_eigen(e.arena.scratch(8), 0, e.arena.scratch(8), e.arena.scratch(8)))).toBe(0);
  });
});

const ROWS = [1, 2, 3, 63, 64, 65, 130];
const COLS = [1, 2, 3, 4, 5, 7, 8, 9, 17, 33];

describe("f64_column_means and f64_scatter", () => {
  it.each(ROWS)("rows=%i over every column count", async (rows) => {
    const e = await engine();
    for (const cols of COLS) {
      const x = randomArray(rows * cols, 31 * rows + cols, -2, 3);
      e.arena.scoped(() => {
        const xPtr = put(e, x);
        const mean = putF64(e, cols);
        e.kernels.f64_column_means(mean, xPtr, rows, cols);
        const refMean = columnMeansReference(x, rows, cols);
        expectClose(readF64(e, mean, cols), refMean, { atol: 1e-14, rtol: 1e-14 }, `means ${rows}x${cols}`);
        const scatter = putF64(e, cols * cols);
        const work = e.arena.scratch(e.kernels.f64_scatter_workspace_bytes(cols));
        e.kernels.f64_scatter(scatter, xPtr, mean, rows, cols, work);
        const got = readF64(e, scatter, cols * cols);
        const ref = scatterReference(x, readF64(e, mean, cols), rows, cols);
        const bound = scatterAbsReference(x, readF64(e, mean, cols), rows, cols);
        for (let i = 0; i < cols * cols; i++) {
          const tol = 1e-14 * (bound[i]! + 1);
          if (!(Math.abs(got[i]! - ref[i]!) <= tol)) {
            expect.fail(`scatter ${rows}x${cols}: at (${Math.floor(i / cols)}, ${i % cols}) expected ${ref[i]}, got ${got[i]}`);
          }
        }
        for (let i = 0; i < cols; i++) {
          for (let j = 0; j < i; j++) expect(got[i * cols + j], `scatter symmetric at (${i}, ${j})`).toBe(got[j * cols + i]);
        }
      });
    }
  });

  it("a large odd case (1027×37) against the reference", async () => {
    const e = await engine();
    const [rows, cols] = [1027, 37];
    const x = randomArray(rows * cols, 3, 0, 1);
    e.arena.scoped(() => {
      const xPtr = put(e, x);
      const mean = putF64(e, cols);
      e.kernels.f64_column_means(mean, xPtr, rows, cols);
      const scatter = putF64(e, cols * cols);
      e.kernels.f64_scatter(scatter, xPtr, mean, rows, cols, e.arena.scratch(e.kernels.f64_scatter_workspace_bytes(cols)));
      const ref = scatterReference(x, columnMeansReference(x, rows, cols), rows, cols);
      expectClose(readF64(e, scatter, cols * cols), ref, { atol: 1e-11, rtol: 1e-12 }, "scatter 1027x37", [cols, cols]);
    });
  });
});

describe("f32_from_f64", () => {
  it.each([0, 1, 3, 4, 5, 17])("rounds n=%i values to nearest f32", async (n) => {
    const e = await engine();
    const values = Array.from({ length: n }, (_, i) => (i % 2 ? -1 : 1) * (1 / 3 + i * 1e-9) * 10 ** (i - 4));
    e.arena.scoped(() => {
      const src = putF64(e, n, values);
      const dst = put(e, new Float32Array(n + 2).fill(-7));
      e.kernels.f32_from_f64(dst, src, n);
      const out = e.arena.read(dst, n + 2);
      expectClose(out.subarray(0, n), Float32Array.from(values), { atol: 0, rtol: 0 }, `f32_from_f64 n=${n}`);
      expect(Array.from(out.subarray(n))).toEqual([-7, -7]);
    });
  });
});
