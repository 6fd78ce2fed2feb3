// k-sparse codes (Makhzani & Frey, "k-Sparse Autoencoders", ICLR 2014): only
// the k largest activations of each sample pass, and only they get gradient.
import { getEngine } from "../wasm/module.js";
import type { Tape } from "./tape.js";
import { Tensor } from "./tensor.js";

export function kSparse(tape: Tape | null, x: Tensor, k: number): Tensor {
  const { kernels, arena } = getEngine();
  const mask = arena.scratch(x.size * 4);
  kernels.f32_topk_mask_rows(mask, x.ptr, x.rows, x.cols, k);
  const y = new Tensor(arena.scratch(x.size * 4), x.shape, tape !== null && x.requiresGrad);
  kernels.f32_mul(y.ptr, x.ptr, mask, x.size);
  if (y.requiresGrad) {
    tape!.record(() => {
      const dy = tape!.gradOf(y);
      if (!dy) return;
      const dx = tape!.gradTarget(x);
      // The mask is 0/1, so dropout with rate 0.5 and scale 1 applies it, adding when asked.
      kernels.f32_dropout(dx.ptr, dy.ptr, mask, 0.5, 1, x.size, dx.accumulate);
    });
  }
  return y;
}
