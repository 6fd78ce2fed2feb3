// Sparsity penalties on a code z [rows × units]:
//   l1Activity  scale · Σ |z|
//   klSparsity  scale · rows · Σ_j KL(ρ ‖ ρ̂_j), ρ̂_j = mean_i z[i, j] (sigmoid codes;
//               Ng, "Sparse autoencoder", CS294A notes)
import type { Tape } from "../ops/tape.js";
import type { Tensor } from "../ops/tensor.js";
import { getEngine } from "../wasm/module.js";

export function l1ActivityLoss(tape: Tape | null, z: Tensor, scale: number): number {
  const k = getEngine().kernels;
  const value = scale * k.f32_abs_sum(z.ptr, z.size);
  if (tape && z.requiresGrad) {
    tape.record(() => {
      const dz = tape.gradTarget(z);
      k.f32_sign_scaled(dz.ptr, z.ptr, scale, z.size, dz.accumulate);
    });
  }
  return value;
}

export function klSparsityLoss(tape: Tape | null, z: Tensor, rho: number, scale: number): number {
  const { kernels: k, arena } = getEngine();
  const rows = z.rows;
  const cols = z.cols;
  const rhoHat = arena.scratch(cols * 4);
  k.f32_colsum(rhoHat, z.ptr, rows, cols, 0);
  k.f32_scale(rhoHat, rhoHat, 1 / rows, cols);
  const value = scale * rows * k.f32_kl_sparsity_sum(rhoHat, rho, cols);
  if (tape && z.requiresGrad) {
    tape.record(() => {
      const dz = tape.gradTarget(z);
      // d/dz[i, j] of scale·rows·KL(ρ‖ρ̂_j) = scale · ∂KL/∂ρ̂_j (the 1/rows of the mean cancels rows).
      k.f32_kl_sparsity_backward(dz.ptr, rhoHat, rho, scale, rows, cols, dz.accumulate);
    });
  }
  return value;
}
