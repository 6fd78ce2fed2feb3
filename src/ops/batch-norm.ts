// Batch normalization over every axis but the last (Keras' BatchNormalization
// with axis = -1), and its backward.
//
// Keras 3 conventions, followed exactly:
// - training: normalize with the batch mean and the biased batch variance
//   Σ(x − mean)²/rows, then update the moving statistics with that same
//   biased variance: moving = moving·momentum + batch·(1 − momentum), in f32
//   (tf.keras 2's fused NHWC kernel used the unbiased variance for the moving
//   average; Keras 3 does not, on any backend);
// - inference: normalize with the moving statistics, update nothing;
// - y = (x − mean)/sqrt(variance + epsilon)·gamma + beta, momentum 0.99 and
//   epsilon 1e-3 by default.
import { ConfigError, describe, ShapeError } from "../errors.js";
import { getEngine } from "../wasm/module.js";
import type { Tape } from "./tape.js";
import { Tensor } from "./tensor.js";
import { shapeText } from "../shape.js";

export interface BatchNormOptions {
  /** Normalize with batch statistics and update the moving ones (Keras' training=True). */
  training: boolean;
  /** Weight of the old moving statistics in their update; default 0.99. */
  momentum?: number;
  /** Added to the variance before the square root; default 1e-3. */
  epsilon?: number;
}

export const DEFAULT_BATCH_NORM_MOMENTUM = 0.99;
export const DEFAULT_BATCH_NORM_EPSILON = 1e-3;

/**
 * y = batchNorm(x[..., C]) with trainable gamma[C], beta[C] and the moving
 * statistics movingMean[C], movingVariance[C], which training mode updates in
 * place.
 */
export function batchNorm(
  tape: Tape | null, x: Tensor, gamma: Tensor, beta: Tensor, movingMean: Tensor, movingVariance: Tensor,
  options: BatchNormOptions,
): Tensor {
  const momentum = options.momentum ?? DEFAULT_BATCH_NORM_MOMENTUM;
  const epsilon = options.epsilon ?? DEFAULT_BATCH_NORM_EPSILON;
  if (!(momentum >= 0 && momentum <= 1)) throw new ConfigError(`batchNorm: momentum must be in [0, 1], found ${describe(momentum)}`);
  if (!(epsilon > 0)) throw new ConfigError(`batchNorm: epsilon must be positive, found ${describe(epsilon)}`);
  const cols = x.shape[x.shape.length - 1] ?? 0;
  if (x.shape.length < 2 || cols < 1) {
    throw new ShapeError(`batchNorm: expected an input of shape [batch, ..., channels], found ${shapeText(x.shape)}`);
  }
  for (const [name, t] of [["gamma", gamma], ["beta", beta], ["movingMean", movingMean], ["movingVariance", movingVariance]] as const) {
    if (t.size !== cols) {
      throw new ShapeError(`batchNorm: input ${shapeText(x.shape)} has ${cols} channels but ${name} has shape ${shapeText(t.shape)}`);
    }
  }
  const rows = x.size / cols;
  if (options.training && rows < 1) throw new ShapeError(`batchNorm: training needs at least one sample, found shape ${shapeText(x.shape)}`);
  const { kernels, arena } = getEngine();
  const requiresGrad = tape !== null && (x.requiresGrad || gamma.requiresGrad || beta.requiresGrad);
  const y = new Tensor(arena.scratch(x.size * 4), x.shape, requiresGrad);
  const invstd = arena.scratch(cols * 4);
  let mean: number;
  if (options.training) {
    mean = arena.scratch(cols * 4);
    const variance = arena.scratch(cols * 4);
    arena.scoped(() => kernels.f32_batchnorm_stats(mean, variance, x.ptr, rows, cols, arena.scratch(16 * cols)));
    kernels.f32_batchnorm_forward(y.ptr, invstd, x.ptr, mean, variance, gamma.ptr, beta.ptr, epsilon, rows, cols);
    const keep = Math.fround(1 - momentum);
    for (const [moving, batch] of [[movingMean.ptr, mean], [movingVariance.ptr, variance]] as const) {
      kernels.f32_scale(moving, moving, momentum, cols);
      kernels.f32_axpy(moving, batch, keep, cols);
    }
  } else {
    kernels.f32_batchnorm_forward(y.ptr, invstd, x.ptr, movingMean.ptr, movingVariance.ptr, gamma.ptr, beta.ptr, epsilon, rows, cols);
    mean = movingMean.ptr;
    if (requiresGrad) {
      // The backward must see the statistics of this forward, whatever happens to the moving ones later in the step.
      mean = arena.scratch(cols * 4);
      kernels.f32_copy(mean, movingMean.ptr, cols);
    }
  }
  const training = options.training;
  if (requiresGrad) tape!.record(() => batchNormBackward(tape!, x, gamma, beta, y, mean, invstd, training));
  return y;
}

function batchNormBackward(tape: Tape, x: Tensor, gamma: Tensor, beta: Tensor, y: Tensor, mean: number, invstd: number, training: boolean): void {
  const dy = tape.gradOf(y);
  if (!dy) return;
  const { kernels, arena } = getEngine();
  const cols = x.shape[x.shape.length - 1]!;
  const rows = x.size / cols;
  const dgamma = gamma.requiresGrad ? tape.gradTarget(gamma) : null;
  const dbeta = beta.requiresGrad ? tape.gradTarget(beta) : null;
  const dx = x.requiresGrad ? tape.gradTarget(x) : null;
  arena.scoped(() => {
    const work = arena.scratch(16 * cols);
    let sumDy = 0;
    let sumDyXhat = 0;
    if (dgamma || dbeta || (dx && training)) {
      // The sums are the parameter gradients: write them in place unless those accumulate.
      sumDy = dbeta && !dbeta.accumulate ? dbeta.ptr : arena.scratch(cols * 4);
      sumDyXhat = dgamma && !dgamma.accumulate ? dgamma.ptr : arena.scratch(cols * 4);
      kernels.f32_batchnorm_backward_sums(sumDy, sumDyXhat, dy.ptr, x.ptr, mean, invstd, rows, cols, work);
      if (dbeta && dbeta.accumulate) kernels.f32_add(dbeta.ptr, dbeta.ptr, sumDy, cols);
      if (dgamma && dgamma.accumulate) kernels.f32_add(dgamma.ptr, dgamma.ptr, sumDyXhat, cols);
    }
    if (dx) {
      kernels.f32_batchnorm_backward(dx.ptr, dy.ptr, x.ptr, mean, invstd, gamma.ptr, sumDy, sumDyXhat, rows, cols, training ? 1 : 0, dx.accumulate, work);
    }
  });
}
