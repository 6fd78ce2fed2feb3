// Inverted dropout: y = x·mask/(1 − rate), the mask drawn from the counter-based
// generator keyed by (seed, stream, counter), so a step's mask is reproducible.
import { getEngine } from "../wasm/module.js";
import type { Tape } from "./tape.js";
import { Tensor } from "./tensor.js";

export function dropout(tape: Tape | null, x: Tensor, rate: number, seed: number, stream: number, counter: number): Tensor {
  if (rate <= 0) return x;
  const { kernels: k, arena } = getEngine();
  const u = arena.scratch(x.size * 4);
  k.f32_rand_uniform(u, x.size, seed, stream, counter, 0, 1);
  const scale = 1 / (1 - rate);
  const y = new Tensor(arena.scratch(x.size * 4), x.shape, tape !== null && x.requiresGrad);
  k.f32_dropout(y.ptr, x.ptr, u, rate, scale, x.size, 0);
  if (y.requiresGrad) {
    tape!.record(() => {
      const dy = tape!.gradOf(y);
      if (!dy) return;
      const dx = tape!.gradTarget(x);
      k.f32_dropout(dx.ptr, dy.ptr, u, rate, scale, x.size, dx.accumulate);
    });
  }
  return y;
}
