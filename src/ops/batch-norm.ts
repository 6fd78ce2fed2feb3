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
//
// Large calls split over the engine's threads by ranges of channels: each
// channel's sums stay on one thread, in the order of one call, so the bits
// do not depend on the thread count.
import { ConfigError, describe, ShapeError } from "../errors.js";
import { getEngine } from "../wasm/module.js";
import type { Pool } from "../wasm/pool.js";
import { poolFor, splitRange, workStride } from "./parallel.js";
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
  const split = splitter(rows, cols);
  if (options.training && rows < 1) throw new ShapeError(`batchNorm: training needs at least one sample, found shape ${shapeText(x.shape)}`);
  const { kernels, arena } = getEngine();
  const requiresGrad = tape !== null && (x.requiresGrad || gamma.requiresGrad || beta.requiresGrad);
  const y = new Tensor(arena.scratch(x.size * 4), x.shape, requiresGrad);
  const invstd = arena.scratch(cols * 4);
  let mean: number;
  if (options.training) {
    mean = arena.scratch(cols * 4);
    const variance = arena.scratch(cols * 4);
    arena.scoped(() => split("f32_batchnorm_stats", [mean, variance, x.ptr, rows, cols], true));
    split("f32_batchnorm_forward", [y.ptr, invstd, x.ptr, mean, variance, gamma.ptr, beta.ptr, epsilon, rows, cols], false);
    const keep = Math.fround(1 - momentum);
    for (const [moving, batch] of [[movingMean.ptr, mean], [movingVariance.ptr, variance]] as const) {
      kernels.f32_scale(moving, moving, momentum, cols);
      kernels.f32_axpy(moving, batch, keep, cols);
    }
  } else {
    split("f32_batchnorm_forward", [y.ptr, invstd, x.ptr, movingMean.ptr, movingVariance.ptr, gamma.ptr, beta.ptr, epsilon, rows, cols], false);
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
  const split = splitter(rows, cols);
  arena.scoped(() => {
    let sumDy = 0;
    let sumDyXhat = 0;
    if (dgamma || dbeta || (dx && training)) {
      // The sums are the parameter gradients: write them in place unless those accumulate.
      sumDy = dbeta && !dbeta.accumulate ? dbeta.ptr : arena.scratch(cols * 4);
      sumDyXhat = dgamma && !dgamma.accumulate ? dgamma.ptr : arena.scratch(cols * 4);
      split("f32_batchnorm_backward_sums", [sumDy, sumDyXhat, dy.ptr, x.ptr, mean, invstd, rows, cols], true);
      if (dbeta && dbeta.accumulate) kernels.f32_add(dbeta.ptr, dbeta.ptr, sumDy, cols);
      if (dgamma && dgamma.accumulate) kernels.f32_add(dgamma.ptr, dgamma.ptr, sumDyXhat, cols);
    }
    if (dx) {
      split("f32_batchnorm_backward", [dx.ptr, dy.ptr, x.ptr, mean, invstd, gamma.ptr, sumDy, sumDyXhat, rows, cols, training ? 1 : 0, dx.accumulate], true);
    }
  });
}

/** The batch norm kernels that take a channel range [c0, c1) (then work, where `withWork`) after `head`. */
type BatchNormKernel = "f32_batchnorm_stats" | "f32_batchnorm_forward" | "f32_batchnorm_backward_sums" | "f32_batchnorm_backward";

/**
 * A pass reads one or two floats and writes one per element, with a few
 * vector operations each: counted as this many multiply-adds against the
 * split threshold. Measured on one core of the 2-vCPU machine under load
 * (medians of 41 calls on 2^17 elements, 8 to 128 channels): 0.37–0.84 ns an
 * element a pass, against 82 µs for a 2^20 multiply-add gemm; so a pass
 * splits from 2^17 elements, where it takes 50–110 µs alone.
 */
export const BATCH_NORM_WORK_PER_ELEMENT = 8;

/**
 * Runs a batch norm kernel on all cols channels of a rows×cols input: on the
 * caller's thread, or split over the pool by channel ranges when the input is
 * large. Kernels with work get 16·cols bytes a thread from the arena (inside
 * the caller's scope).
 */
function splitter(rows: number, cols: number): (kernel: BatchNormKernel, head: number[], withWork: boolean) => void {
  const pool = poolFor(rows * cols * BATCH_NORM_WORK_PER_ELEMENT);
  return (kernel, head, withWork) => {
    const { arena, kernels } = getEngine();
    if (pool === null) {
      const run = kernels[kernel] as (...args: number[]) => void;
      run(...head, 0, cols, ...(withWork ? [arena.scratch(16 * cols)] : []));
      return;
    }
    onThreads(pool, kernel, head, cols, withWork);
  };
}

/** One kernel on every thread, each on a range of the channels. */
function onThreads(pool: Pool, kernel: BatchNormKernel, head: number[], cols: number, withWork: boolean): void {
  // Ranges start at multiples of the widest vector group each thread can fill (8, 4 or 2 channels), or anywhere.
  const align = [8, 4, 2].find((a) => cols >= a * pool.threads) ?? 1;
  const ranges = splitRange(cols, pool.threads, align);
  if (!withWork) {
    pool.run(kernel, ranges.map(([s, e]) => [...head, s, e]));
    return;
  }
  const stride = workStride(16 * cols);
  const work = getEngine().arena.scratch(stride * pool.threads);
  pool.run(kernel, ranges.map(([s, e]) => [...head, s, e, work]), head.length + 2, stride);
}
