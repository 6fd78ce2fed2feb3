// scale · KL(N(μ, σ²) ‖ N(0, I)), summed over elements, in closed form:
// ½·Σ(σ² + μ² − 1 − log σ²).
import type { Tape } from "../ops/tape.js";
import type { Tensor } from "../ops/tensor.js";
import { getEngine } from "../wasm/module.js";

export function klNormalLoss(tape: Tape | null, mu: Tensor, logvar: Tensor, scale: number): number {
  const k = getEngine().kernels;
  const value = scale * k.f32_kl_normal_sum(mu.ptr, logvar.ptr, mu.size);
  if (tape && (mu.requiresGrad || logvar.requiresGrad)) {
    tape.record(() => {
      const dmu = tape.gradTarget(mu);
      const dlv = tape.gradTarget(logvar);
      k.f32_kl_normal_backward(dmu.ptr, dlv.ptr, mu.ptr, logvar.ptr, scale, mu.size, dmu.accumulate, dlv.accumulate);
    });
  }
  return value;
}
