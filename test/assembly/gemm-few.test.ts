// The few-row product (assembly/gemm-few.ts: NN and TN with m < 4) against
// the packed path bit for bit — the same rows computed inside a product of
// 4 or more rows, whose bits do not depend on m (assembly/gemm.ts's
// contract) — against the contract's summation order emulated in f32, and
// against the f64 reference; then split by output columns (the _range
// exports), which must give the same bits for any split.
import { describe, expect, it } from "vitest";
import type { Engine } from "../../src/wasm/module.js";
import { engine, put, randomArray } from "../helpers.js";
import { gemmAbsReference, gemmExactOrder, gemmReference } from "../reference/gemm.js";

/** n: below, at and above a vector, the 8-column panel, the 1024-column chunk (1030); k: around the 8/4 passes and the 256-deep blocks. */
const NS = [1, 3, 4, 5, 8, 13, 16, 31, 100, 511, 512, 513, 784, 1030];
const KS = [1, 2, 3, 4, 7, 8, 9, 12, 31, 255, 256, 257, 300, 513, 784];

type Form = "nn" | "tn";
type Shape = readonly [m: number, n: number, k: number];

const bits = (x: Float32Array) => new Uint32Array(x.buffer, x.byteOffset, x.length);

function transpose(x: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = x[r * cols + c]!;
  return out;
}

/** C of the whole product or of column block [j0, j1); a is m×k row-major (transposed here for "tn"), b k×n. */
function run(
  e: Engine, form: Form, [m, n, k]: Shape, a: Float32Array, b: Float32Array, bias: Float32Array | null, c0: Float32Array | null,
  colBounds: number[] | null = null,
): Float32Array {
  return e.arena.scoped(() => {
    const ap = put(e, form === "tn" ? transpose(a, m, k) : a);
    const bp = put(e, b);
    const biasp = bias ? put(e, bias) : 0;
    const c = put(e, c0 ?? new Float32Array(m * n).fill(Number.NaN));
    const bytes = e.kernels.gemm_workspace_bytes(m, n, k);
    const fresh = () => {
      const work = e.arena.scratch(bytes);
      e.arena.f32.fill(Number.NaN, work >>> 2, (work + bytes) >>> 2);
      return work;
    };
    const acc = c0 ? 1 : 0;
    if (colBounds === null) {
      (form === "nn" ? e.kernels.f32_gemm_nn : e.kernels.f32_gemm_tn)(c, ap, bp, biasp, m, n, k, acc, fresh());
    } else {
      const kernel = form === "nn" ? e.kernels.f32_gemm_nn_range : e.kernels.f32_gemm_tn_range;
      for (let s = 1; s < colBounds.length; s++) kernel(c, ap, bp, biasp, m, n, k, acc, 0, m, colBounds[s - 1]!, colBounds[s]!, fresh());
    }
    return e.arena.read(c, m * n).slice();
  });
}

function firstDifference(got: Float32Array, want: Float32Array, n: number): string | null {
  const g = bits(got);
  const w = bits(want);
  for (let idx = 0; idx < w.length; idx++) {
    if (g[idx] !== w[idx]) return `(${Math.floor(idx / n)}, ${idx % n}) expected ${want[idx]}, got ${got[idx]}`;
  }
  return null;
}

const shapes: Shape[] = [1, 2, 3].flatMap((m) => NS.flatMap((n, i) => [[m, n, KS[(i + m) % KS.length]!], [m, n, KS[(3 * i + 2 * m + 5) % KS.length]!]] as Shape[]));
shapes.push([1, 512, 784], [1, 784, 512], [1, 32, 128], [3, 1030, 785], [2, 513, 1031]);

describe("few-row gemm (m < 4, NN and TN)", () => {
  const cases = (["nn", "tn"] as Form[]).flatMap((form) => [false, true].flatMap((withBias) => [false, true].map((accumulate) => ({ form, withBias, accumulate }))));

  it.each(cases)("$form bias=$withBias accumulate=$accumulate: the packed path's bits, the contract's order, the f64 value", async ({ form, withBias, accumulate }) => {
    const e = await engine();
    shapes.forEach(([m, n, k], s) => {
      const label = `${form} ${m}x${n}x${k}`;
      // Five rows: the first m are the few-row product's; the product of all five takes the packed path.
      const a5 = randomArray(5 * k, 100 * s + 1);
      const b = randomArray(k * n, 100 * s + 2);
      const bias = withBias ? randomArray(n, 100 * s + 3) : null;
      const c5 = accumulate ? randomArray(5 * n, 100 * s + 4) : null;
      const a = a5.subarray(0, m * k);
      const c0 = c5 ? c5.subarray(0, m * n) : null;
      const few = run(e, form, [m, n, k], a, b, bias, c0 ? c0.slice() : null);
      const packed = run(e, form, [5, n, k], a5, b, bias, c5 ? c5.slice() : null).subarray(0, m * n);
      const vsPacked = firstDifference(few, packed, n);
      if (vsPacked) expect.fail(`${label}: against the packed path at ${vsPacked}`);
      const vsOrder = firstDifference(few, gemmExactOrder("nn", a, b, bias, m, n, k, c0), n);
      if (vsOrder) expect.fail(`${label}: against the documented order at ${vsOrder}`);
      const ref = gemmReference("nn", a, b, bias, m, n, k, c0);
      const scale = gemmAbsReference("nn", a, b, m, n, k);
      for (let idx = 0; idx < m * n; idx++) {
        const bound = scale[idx]! + Math.abs(c0?.[idx] ?? 0) + Math.abs(bias?.[idx % n] ?? 0);
        const tol = Math.max(1e-6, (k + 2) * 2 ** -24 * bound);
        if (!(Math.abs(few[idx]! - ref[idx]!) <= tol)) {
          expect.fail(`${label}: at (${Math.floor(idx / n)}, ${idx % n}) expected ${ref[idx]} (f64), got ${few[idx]} (tol ${tol})`);
        }
      }
    });
  });

  it("split by output columns (the _range exports) gives the whole product's bits", async () => {
    const e = await engine();
    const splits = (n: number) => [[0, n], [0, 1, n], [0, 5, 6, n], [0, n >> 1, n], [0, 3, Math.min(n, 515), n], [0, 2, 2, 9, n - 1, n]];
    for (const form of ["nn", "tn"] as Form[]) {
      for (const [m, n, k] of [[1, 784, 512], [2, 1030, 300], [3, 17, 9], [1, 513, 257]] as Shape[]) {
        const a = randomArray(m * k, 5);
        const b = randomArray(k * n, 6);
        const bias = randomArray(n, 7);
        const c0 = randomArray(m * n, 8);
        for (const acc of [null, c0]) {
          const whole = run(e, form, [m, n, k], a, b, bias, acc ? acc.slice() : null);
          for (const bounds of splits(n)) {
            const sorted = bounds.map((x) => Math.min(Math.max(x, 0), n)).sort((x, y) => x - y);
            const diff = firstDifference(run(e, form, [m, n, k], a, b, bias, acc ? acc.slice() : null, sorted), whole, n);
            if (diff) expect.fail(`${form} ${m}x${n}x${k} columns split at ${sorted.join(", ")}: ${diff}`);
          }
        }
      }
    }
  });
});
