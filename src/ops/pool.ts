// Keras' MaxPooling2D (2×2, stride 2, "valid") and UpSampling2D (size 2×2,
// nearest) on NHWC images, and their backwards.
import { ShapeError } from "../errors.js";
import { getEngine } from "../wasm/module.js";
import type { Tape } from "./tape.js";
import { Tensor } from "./tensor.js";
import { shapeText } from "../shape.js";

function imageShape(op: string, x: Tensor, minSide: number): [number, number, number, number] {
  const s = x.shape;
  if (s.length !== 4 || s[1]! < minSide || s[2]! < minSide || s[3]! < 1) {
    throw new ShapeError(`${op}: expected an input of shape [batch, height, width, channels] with height and width ≥ ${minSide}, found ${shapeText(s)}`);
  }
  return s as unknown as [number, number, number, number];
}

/**
 * y[N, floor(H/2), floor(W/2), C] = max over 2×2 windows; an odd last row or
 * column is dropped. The gradient goes to the window's maximum (the first one
 * in row-major window order on ties).
 */
export function maxPool2d(tape: Tape | null, x: Tensor): Tensor {
  const [n, h, w, c] = imageShape("maxPool2d", x, 2);
  const requiresGrad = tape !== null && x.requiresGrad;
  const y = new Tensor(getEngine().arena.scratch(n * (h >> 1) * (w >> 1) * c * 4), [n, h >> 1, w >> 1, c], requiresGrad);
  getEngine().kernels.f32_maxpool2x2(y.ptr, x.ptr, n, h, w, c);
  if (requiresGrad) {
    tape!.record(() => {
      const dy = tape!.gradOf(y);
      if (!dy) return;
      const dx = tape!.gradTarget(x);
      getEngine().kernels.f32_maxpool2x2_backward(dx.ptr, dy.ptr, x.ptr, n, h, w, c, dx.accumulate);
    });
  }
  return y;
}

/** y[N, 2H, 2W, C]: every pixel repeated over a 2×2 block; the gradient sums each block. */
export function upSampling2d(tape: Tape | null, x: Tensor): Tensor {
  const [n, h, w, c] = imageShape("upSampling2d", x, 1);
  const requiresGrad = tape !== null && x.requiresGrad;
  const y = new Tensor(getEngine().arena.scratch(n * h * w * c * 16), [n, 2 * h, 2 * w, c], requiresGrad);
  getEngine().kernels.f32_upsample2x(y.ptr, x.ptr, n, h, w, c);
  if (requiresGrad) {
    tape!.record(() => {
      const dy = tape!.gradOf(y);
      if (!dy) return;
      const dx = tape!.gradTarget(x);
      getEngine().kernels.f32_upsample2x_backward(dx.ptr, dy.ptr, n, h, w, c, dx.accumulate);
    });
  }
  return y;
}
