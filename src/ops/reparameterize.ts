// The reparameterization trick (Kingma & Welling, 2014): z = μ + exp(½·log σ²)·ε
// with ε ~ N(0, I) drawn outside the graph, so z is differentiable in μ and log σ².
import { ShapeError } from "../errors.js";
import { getEngine } from "../wasm/module.js";
import type { Tape } from "./tape.js";
import { Tensor } from "./tensor.js";
import { shapeText } from "../shape.js";

export function reparameterize(tape: Tape | null, mu: Tensor, logvar: Tensor, eps: Tensor): Tensor {
  if (mu.size !== logvar.size || mu.size !== eps.size) {
    throw new ShapeError(`reparameterize: expected μ, log σ² and ε of one shape, found ${shapeText(mu.shape)}, ${shapeText(logvar.shape)}, ${shapeText(eps.shape)}`);
  }
  const { kernels: k, arena } = getEngine();
  const z = new Tensor(arena.scratch(mu.size * 4), mu.shape, tape !== null && (mu.requiresGrad || logvar.requiresGrad));
  k.f32_reparameterize(z.ptr, mu.ptr, logvar.ptr, eps.ptr, mu.size);
  if (z.requiresGrad) {
    tape!.record(() => {
      const dz = tape!.gradOf(z);
      if (!dz) return;
      const dmu = tape!.gradTarget(mu);
      const dlv = tape!.gradTarget(logvar);
      k.f32_reparameterize_backward(dmu.ptr, dlv.ptr, dz.ptr, logvar.ptr, eps.ptr, mu.size, dmu.accumulate, dlv.accumulate);
    });
  }
  return z;
}
