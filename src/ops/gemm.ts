// The gemm binding: workspace from scratch, one kernel call, or one call per
// block of C on each of the engine's threads when the product is large.
import { getEngine } from "../wasm/module.js";
import { poolFor, splitRange, workStride } from "./parallel.js";

export type GemmForm = "nn" | "nt" | "tn";

/** A block of C: rows [i0, i1) × columns [j0, j1). */
export interface GemmBlock {
  rows: readonly [start: number, end: number];
  cols: readonly [start: number, end: number];
}

const RANGE_KERNEL = { nn: "f32_gemm_nn_range", nt: "f32_gemm_nt_range", tn: "f32_gemm_tn_range" } as const;
/** The microkernel's tile (assembly/tile.ts): row blocks start at multiples of MR, column blocks at multiples of NR. */
const MR = 4;
const NR = 8;
/**
 * A product with fewer than MR rows (batch-1 inference: assembly/gemm-few.ts)
 * streams its weights once from memory at about 2 multiply-adds per float
 * read; it is split by columns from a quarter of the usual threshold, 2^18
 * multiply-adds (784×512 at batch 1: about 15 µs a half on one core, against
 * 2–5 µs for a dispatch to workers that are awake).
 */
const FEW_ROWS_CHEAPER = 4;
/** Columns of a few-row block start at multiples of a cache line of C (16 floats), so no two threads write one line. */
const FEW_ROWS_ALIGN = 16;

/**
 * C[m×n] (+)= op(A)·op(B) (+ bias): "nn" A[m×k]·B[k×n], "nt" A[m×k]·B[n×k]ᵀ,
 * "tn" A[k×m]ᵀ·B[k×n]. `bias` is a pointer to n floats or 0. With `block`,
 * only that block of C (any partition of C gives the bits of the whole).
 */
export function gemm(
  form: GemmForm, c: number, a: number, b: number, bias: number, m: number, n: number, k: number, accumulate: 0 | 1,
  block: GemmBlock | null = null,
): void {
  const { kernels, arena } = getEngine();
  const few = m < MR;
  const pool = block === null ? poolFor(m * n * k, few ? FEW_ROWS_CHEAPER : 1) : null;
  const mark = arena.mark();
  const bytes = kernels.gemm_workspace_bytes(m, n, k);
  if (pool !== null) {
    // Each block packs the whole of the operand it shares with the others, so
    // cut along the longer side of C: the shorter operand is the one re-packed.
    const stride = workStride(bytes);
    const work = arena.scratch(stride * pool.threads);
    const byRows = m >= n;
    // One block a thread: each block packs the whole of the shared operand, and four a thread (for a late
    // thread's share to be taken by the others) ran 5-10% slower at 128×512×784 (best of 800 calls, 2 threads).
    const tasks = splitRange(byRows ? m : n, pool.threads, few ? FEW_ROWS_ALIGN : byRows ? MR : NR).map(([s, e]) =>
      byRows ? [c, a, b, bias, m, n, k, accumulate, s, e, 0, n, work] : [c, a, b, bias, m, n, k, accumulate, 0, m, s, e, work]);
    pool.run(RANGE_KERNEL[form], tasks, 12, stride, few);
    arena.release(mark);
    return;
  }
  const work = arena.scratch(bytes);
  if (block === null) {
    if (form === "nn") kernels.f32_gemm_nn(c, a, b, bias, m, n, k, accumulate, work);
    else if (form === "nt") kernels.f32_gemm_nt(c, a, b, bias, m, n, k, accumulate, work);
    else kernels.f32_gemm_tn(c, a, b, bias, m, n, k, accumulate, work);
  } else {
    const [i0, i1] = block.rows;
    const [j0, j1] = block.cols;
    const kernel = form === "nn" ? kernels.f32_gemm_nn_range : form === "nt" ? kernels.f32_gemm_nt_range : kernels.f32_gemm_tn_range;
    kernel(c, a, b, bias, m, n, k, accumulate, i0, i1, j0, j1, work);
  }
  arena.release(mark);
}
