// The reconstruction losses, each scale · Σ over elements of a pointwise term,
// with the gradient written into the prediction:
//   mse  (p − t)²
//   l1   |p − t|                         (subgradient 0 where p = t)
//   bce  −(t·log p + (1−t)·log(1−p))     from logits z (p = sigmoid(z), stable
//        for any z, used when the output layer is a sigmoid) or from
//        probabilities clamped to [eps, 1 − eps].
import { ShapeError } from "../errors.js";
import type { Tape } from "../ops/tape.js";
import type { Tensor } from "../ops/tensor.js";
import type { Kernels } from "../wasm/kernels.js";
import { getEngine } from "../wasm/module.js";
import { shapeText } from "../shape.js";

/** Keras' backend epsilon, the clamp for probabilities. */
export const BCE_EPSILON = 1e-7;

type Sum = (k: Kernels, pred: number, target: number, n: number) => number;
type Backward = (k: Kernels, dpred: number, pred: number, target: number, scale: number, n: number, accumulate: number) => void;

function checkTarget(name: string, pred: Tensor, target: Tensor): void {
  if (pred.size !== target.size) {
    throw new ShapeError(`${name}: expected a target of shape ${shapeText(pred.shape)}, found ${shapeText(target.shape)}`);
  }
}

function pointwiseLoss(name: string, sum: Sum, backward: Backward) {
  return (tape: Tape | null, pred: Tensor, target: Tensor, scale: number): number => {
    checkTarget(name, pred, target);
    const k = getEngine().kernels;
    const value = scale * sum(k, pred.ptr, target.ptr, pred.size);
    if (tape && pred.requiresGrad) {
      tape.record(() => {
        const dp = tape.gradTarget(pred);
        backward(k, dp.ptr, pred.ptr, target.ptr, scale, pred.size, dp.accumulate);
      });
    }
    return value;
  };
}

export const mseLoss = pointwiseLoss(
  "mse",
  (k, p, t, n) => k.f32_mse_sum(p, t, n),
  (k, dp, p, t, s, n, acc) => k.f32_mse_backward(dp, p, t, s, n, acc),
);

export const l1Loss = pointwiseLoss(
  "l1",
  (k, p, t, n) => k.f32_l1_sum(p, t, n),
  (k, dp, p, t, s, n, acc) => k.f32_l1_backward(dp, p, t, s, n, acc),
);

/**
 * BCE from logits. When recording, one pass gives the value and
 * d = sigmoid(z) − t from the same e^−|z|; the backward only scales d. Same
 * bits as f32_bce_logits_sum and f32_bce_logits_backward.
 */
export function bceWithLogitsLoss(tape: Tape | null, pred: Tensor, target: Tensor, scale: number): number {
  checkTarget("bce", pred, target);
  const { kernels: k, arena } = getEngine();
  if (!tape || !pred.requiresGrad) return scale * k.f32_bce_logits_sum(pred.ptr, target.ptr, pred.size);
  const diff = arena.scratch(pred.size * 4);
  const value = scale * k.f32_bce_logits_sum_diff(pred.ptr, target.ptr, diff, pred.size);
  tape.record(() => {
    const dz = tape.gradTarget(pred);
    if (dz.accumulate) k.f32_axpy(dz.ptr, diff, scale, pred.size);
    else k.f32_scale(dz.ptr, diff, scale, pred.size);
  });
  return value;
}

export const bceLoss = pointwiseLoss(
  "bce",
  (k, p, t, n) => k.f32_bce_sum(p, t, BCE_EPSILON, n),
  (k, dp, p, t, s, n, acc) => k.f32_bce_backward(dp, p, t, BCE_EPSILON, s, n, acc),
);

/** The reconstruction losses a model may name. */
export const RECONSTRUCTION_LOSSES = ["mse", "bce", "l1"] as const;
/** How a reconstruction is scored: "mse" (mean squared error), "bce" (binary cross-entropy, for targets in [0, 1]; from the logits when the decoder ends in a sigmoid) or "l1" (mean absolute error). */
export type ReconstructionLoss = (typeof RECONSTRUCTION_LOSSES)[number];
