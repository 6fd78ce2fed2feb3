// The contractive penalty (Rifai et al., ICML 2011): scale · Σ_i ‖∂h_i/∂x_i‖²_F
// for a sigmoid layer h = sigmoid(x·W + b), which is Σ_ij (h(1−h))²·Σ_k W[k, j]².
// Its gradient flows to h (and on through the sigmoid and the affine map by
// their own backwards) and directly to W.
import type { Tape } from "../ops/tape.js";
import type { Tensor } from "../ops/tensor.js";
import { getEngine } from "../wasm/module.js";

export function contractiveLoss(tape: Tape | null, h: Tensor, w: Tensor, scale: number): number {
  const { kernels: k, arena } = getEngine();
  const [inputs, units] = w.shape as [number, number];
  const norms = arena.scratch(units * 4);
  k.f32_col_sum_squares(norms, w.ptr, inputs, units);
  const value = scale * k.f32_contractive_sum(h.ptr, norms, h.rows, units);
  if (tape && (h.requiresGrad || w.requiresGrad)) {
    tape.record(() => {
      const colA = arena.scratch(units * 4);
      const dh = h.requiresGrad ? tape.gradTarget(h) : null;
      const scratchDh = dh ? 0 : arena.scratch(h.size * 4);
      k.f32_contractive_backward(dh ? dh.ptr : scratchDh, colA, h.ptr, norms, scale, h.rows, units, dh ? dh.accumulate : 0);
      if (w.requiresGrad) {
        const dw = tape.gradTarget(w);
        k.f32_scale_cols(dw.ptr, w.ptr, colA, 2 * scale, inputs, units, dw.accumulate);
      }
    });
  }
  return value;
}
