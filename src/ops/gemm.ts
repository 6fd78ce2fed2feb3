// The gemm binding: workspace from scratch, one kernel call.
import { getEngine } from "../wasm/module.js";

export type GemmForm = "nn" | "nt" | "tn";

/**
 * C[m×n] (+)= op(A)·op(B) (+ bias): "nn" A[m×k]·B[k×n], "nt" A[m×k]·B[n×k]ᵀ,
 * "tn" A[k×m]ᵀ·B[k×n]. `bias` is a pointer to n floats or 0.
 */
export function gemm(form: GemmForm, c: number, a: number, b: number, bias: number, m: number, n: number, k: number, accumulate: 0 | 1): void {
  const { kernels, arena } = getEngine();
  const mark = arena.mark();
  const work = arena.scratch(kernels.gemm_workspace_bytes(m, n, k));
  if (form === "nn") kernels.f32_gemm_nn(c, a, b, bias, m, n, k, accumulate, work);
  else if (form === "nt") kernels.f32_gemm_nt(c, a, b, bias, m, n, k, accumulate, work);
  else kernels.f32_gemm_tn(c, a, b, bias, m, n, k, accumulate, work);
  arena.release(mark);
}
