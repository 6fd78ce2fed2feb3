// The _range variants of the gemm (src/wasm/kernels.ts): C computed as 1, 2,
// 3, 4 or 7 blocks of rows, of columns, or both — uneven, on no tile
// boundary, some empty — has the bits of one whole call, and each call
// leaves C outside its block alone.
import { describe, expect, it } from "vitest";
import type { Engine } from "../../src/wasm/module.js";
import { engine, put, randomArray } from "../helpers.js";
import type { GemmForm } from "../reference/gemm.js";

const SPLITS = [1, 2, 3, 4, 7];
const FORMS: GemmForm[] = ["nn", "nt", "tn"];

/** Below, at and above the 4×8 tile, the 64-row block, the 256-deep k block and the 1024-column block. */
const SHAPES: (readonly [m: number, n: number, k: number])[] = [
  [1, 1, 1], [1, 17, 5], [3, 8, 9], [4, 9, 16], [5, 7, 3], [7, 33, 31], [9, 16, 8], [12, 12, 0], [17, 5, 65],
  [31, 24, 17], [33, 65, 64], [65, 9, 257], [70, 40, 300], [2, 1030, 20], [67, 1037, 9], [129, 31, 513],
];

/** Bounds of `parts` consecutive ranges covering [0, size): uneven (a quadratic spacing, shifted off multiples of 4 and 8), possibly empty. */
function splitBounds(size: number, parts: number): number[] {
  const bounds = [0];
  for (let i = 1; i < parts; i++) bounds.push(Math.min(size, Math.floor((size * i * i) / (parts * parts)) + (i % 2)));
  bounds.push(size);
  for (let i = 1; i < bounds.length; i++) bounds[i] = Math.max(bounds[i]!, bounds[i - 1]!);
  return bounds;
}

const ranges = (bounds: number[]) => bounds.slice(1).map((end, i) => [bounds[i]!, end] as const);

/** C's bits after the ranged kernel ran on each block of rowBounds × colBounds, each with its own NaN-filled workspace. */
function runBlocks(
  e: Engine, form: GemmForm, [m, n, k]: readonly [number, number, number], bias: boolean, accumulate: 0 | 1,
  rowBounds: number[], colBounds: number[],
): Uint32Array {
  return e.arena.scoped(() => {
    const a = put(e, randomArray(m * k, m + 3 * k));
    const b = put(e, randomArray(k * n, n + 5));
    const biasPtr = bias ? put(e, randomArray(n, 7)) : 0;
    const c = put(e, accumulate ? randomArray(m * n, 11) : new Float32Array(m * n).fill(Number.NaN));
    const bytes = e.kernels.gemm_workspace_bytes(m, n, k);
    const kernel = { nn: e.kernels.f32_gemm_nn_range, nt: e.kernels.f32_gemm_nt_range, tn: e.kernels.f32_gemm_tn_range }[form];
    for (const [i0, i1] of ranges(rowBounds)) {
      for (const [j0, j1] of ranges(colBounds)) {
        const work = e.arena.scratch(bytes);
        e.arena.f32.fill(Number.NaN, work >>> 2, (work + bytes) >>> 2);
        const before = e.arena.u32.slice(c >>> 2, (c >>> 2) + m * n);
        kernel(c, a, b, biasPtr, m, n, k, accumulate, i0, i1, j0, j1, work);
        const after = e.arena.u32.slice(c >>> 2, (c >>> 2) + m * n);
        for (let idx = 0; idx < m * n; idx++) {
          const i = Math.floor(idx / n);
          const j = idx % n;
          if ((i < i0 || i >= i1 || j < j0 || j >= j1) && after[idx] !== before[idx]) {
            expect.fail(`f32_gemm_${form}_range ${m}×${n}×${k}: block [${i0}, ${i1}) × [${j0}, ${j1}) changed C(${i}, ${j}) outside it`);
          }
        }
      }
    }
    return e.arena.u32.slice(c >>> 2, (c >>> 2) + m * n);
  });
}

/** The bits of the whole plain call. */
function runWhole(e: Engine, form: GemmForm, [m, n, k]: readonly [number, number, number], bias: boolean, accumulate: 0 | 1): Uint32Array {
  return e.arena.scoped(() => {
    const a = put(e, randomArray(m * k, m + 3 * k));
    const b = put(e, randomArray(k * n, n + 5));
    const biasPtr = bias ? put(e, randomArray(n, 7)) : 0;
    const c = put(e, accumulate ? randomArray(m * n, 11) : new Float32Array(m * n).fill(Number.NaN));
    const kernel = { nn: e.kernels.f32_gemm_nn, nt: e.kernels.f32_gemm_nt, tn: e.kernels.f32_gemm_tn }[form];
    kernel(c, a, b, biasPtr, m, n, k, accumulate, e.arena.scratch(e.kernels.gemm_workspace_bytes(m, n, k)));
    return e.arena.u32.slice(c >>> 2, (c >>> 2) + m * n);
  });
}

function expectSameBits(whole: Uint32Array, got: Uint32Array, label: string): void {
  for (let i = 0; i < whole.length; i++) {
    if (whole[i] !== got[i]) {
      expect.fail(`${label}: element ${i} is ${new Float32Array(got.buffer)[i]} in blocks, ${new Float32Array(whole.buffer)[i]} whole`);
    }
  }
}

describe("gemm over blocks of C", () => {
  for (const form of FORMS) {
    it(`f32_gemm_${form}_range: rows, columns and both in 1, 2, 3, 4 and 7 blocks give the whole call's bits`, async () => {
      const e = await engine();
      for (const shape of SHAPES) {
        const [m, n, k] = shape;
        for (const [bias, accumulate] of [[true, 0], [false, 1], [true, 1]] as const) {
          const whole = runWhole(e, form, shape, bias, accumulate);
          const label = (what: string) => `f32_gemm_${form}_range ${m}×${n}×${k}${bias ? " +bias" : ""}${accumulate ? " accumulate" : ""}, ${what}`;
          expectSameBits(whole, runBlocks(e, form, shape, bias, accumulate, [0, m], [0, n]), label("one block"));
          for (const parts of SPLITS) {
            const rows = splitBounds(m, parts);
            const cols = splitBounds(n, parts);
            expectSameBits(whole, runBlocks(e, form, shape, bias, accumulate, rows, [0, n]), label(`rows ${JSON.stringify(rows)}`));
            expectSameBits(whole, runBlocks(e, form, shape, bias, accumulate, [0, m], cols), label(`columns ${JSON.stringify(cols)}`));
            if (parts <= 3) expectSameBits(whole, runBlocks(e, form, shape, bias, accumulate, rows, cols), label(`rows ${JSON.stringify(rows)} × columns ${JSON.stringify(cols)}`));
          }
        }
      }
    });
  }

  it("clamps a block to C and does nothing for an empty one", async () => {
    const e = await engine();
    const shape = [9, 17, 13] as const;
    const whole = runWhole(e, "nn", shape, true, 1);
    expectSameBits(whole, runBlocks(e, "nn", shape, true, 1, [-3, 4, 40], [-1, 10, 99]), "clamped");
    const prior = new Uint32Array(randomArray(9 * 17, 11).buffer);
    expectSameBits(prior, runBlocks(e, "nn", shape, true, 1, [5, 5], [0, 17]), "empty rows");
    expectSameBits(prior, runBlocks(e, "nn", shape, true, 1, [0, 9], [17, 30]), "empty columns");
  });
});
