// The gemm binding: workspace from scratch, one kernel call.
import { getEngine } from "../wasm/module.js";

export type GemmForm = "nn" | "nt" | "tn";

/** A block of C: rows [i0, i1) × columns [j0, j1). */
export interface GemmBlock {
  rows: readonly [start: number, end: number];
  cols: readonly [start: number, end: number];
}

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
  const mark = arena.mark();
  const work = arena.scratch(kernels.gemm_workspace_bytes(m, n, k));
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
