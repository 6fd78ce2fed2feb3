// The same values under another shape: no copy forward; the backward passes
// the gradient through unchanged.
import { ShapeError } from "../errors.js";
import { getEngine } from "../wasm/module.js";
import type { Tape } from "./tape.js";
import { Tensor } from "./tensor.js";
import { shapeText } from "../shape.js";

export function reshape(tape: Tape | null, x: Tensor, shape: readonly number[]): Tensor {
  const y = new Tensor(x.ptr, shape, tape !== null && x.requiresGrad);
  if (y.size !== x.size) throw new ShapeError(`reshape: expected ${x.size} values for shape ${shapeText(shape)}, found ${y.size}`);
  if (y.requiresGrad) {
    tape!.record(() => {
      const dy = tape!.gradOf(y);
      if (!dy) return;
      const k = getEngine().kernels;
      const dx = tape!.gradTarget(x);
      if (dx.accumulate) k.f32_add(dx.ptr, dx.ptr, dy.ptr, x.size);
      else k.f32_copy(dx.ptr, dy.ptr, x.size);
    });
  }
  return y;
}
