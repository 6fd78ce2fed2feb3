// y[m×n] = x[m×k]·w[k×n] + b[n], and its backward.
import { ShapeError } from "../errors.js";
import { getEngine } from "../wasm/module.js";
import { gemm } from "./gemm.js";
import type { Tape } from "./tape.js";
import { Tensor } from "./tensor.js";
import { shapeText } from "../shape.js";

export function linear(tape: Tape | null, x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  const [k, n] = w.shape as [number, number];
  const m = x.rows;
  if (x.cols !== k) throw new ShapeError(`linear: expected input with ${k} features, found shape ${shapeText(x.shape)}`);
  if (b && b.size !== n) throw new ShapeError(`linear: expected a bias of ${n} values, found ${b.size}`);
  const requiresGrad = tape !== null && (x.requiresGrad || w.requiresGrad || (b?.requiresGrad ?? false));
  const y = new Tensor(getEngine().arena.scratch(m * n * 4), [m, n], requiresGrad);
  gemm("nn", y.ptr, x.ptr, w.ptr, b ? b.ptr : 0, m, n, k, 0);
  if (requiresGrad) tape!.record(() => linearBackward(tape!, x, w, b, y));
  return y;
}

function linearBackward(tape: Tape, x: Tensor, w: Tensor, b: Tensor | null, y: Tensor): void {
  const dy = tape.gradOf(y);
  if (!dy) return;
  const [k, n] = w.shape as [number, number];
  const m = x.rows;
  if (x.requiresGrad) {
    const dx = tape.gradTarget(x); // dx[m×k] = dy[m×n]·w[k×n]ᵀ
    gemm("nt", dx.ptr, dy.ptr, w.ptr, 0, m, k, n, dx.accumulate);
  }
  if (w.requiresGrad) {
    const dw = tape.gradTarget(w); // dw[k×n] = x[m×k]ᵀ·dy[m×n]
    gemm("tn", dw.ptr, x.ptr, dy.ptr, 0, k, n, m, dw.accumulate);
  }
  if (b && b.requiresGrad) {
    const db = tape.gradTarget(b);
    getEngine().kernels.f32_colsum(db.ptr, dy.ptr, m, n, db.accumulate);
  }
}
