// The optimizers' update kernels on the engine's threads: Adam and SGD touch
// each parameter alone, so ranges of elements split them with the bits of
// one call. So does the copy a step keeps of the parameters and the
// optimizer state before it updates them.
import { getEngine } from "../wasm/module.js";
import { poolFor, splitRange } from "./parallel.js";

/** Ranges start at multiples of 16 elements: 64 bytes, a cache line (and v128-aligned). */
const ALIGN = 16;
/** An update reads and writes about 16 floats' worth per element: counted as that much work against the threshold. */
const WORK_PER_ELEMENT = 16;

/** The first non-finite index over the tasks' results (each relative to its range start), or -1. */
function firstNonFinite(results: number[], ranges: [number, number][]): number {
  for (let i = 0; i < results.length; i++) if (results[i]! >= 0) return ranges[i]![0] + results[i]!;
  return -1;
}

/**
 * f32_adam_step over n parameters, split over the threads when large; keep ≠ 0:
 * 3·n floats that receive p, m and v from before the update.
 */
export function adamUpdate(
  param: number, grad: number, m: number, v: number, n: number, lr: number, beta1: number, beta2: number,
  eps: number, weightDecay: number, decoupled: number, t: number, keep = 0,
): number {
  const pool = poolFor(n * WORK_PER_ELEMENT);
  if (pool === null) return getEngine().kernels.f32_adam_step(param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, decoupled, t, keep, n);
  const ranges = splitRange(n, pool.threads, ALIGN);
  const tasks = ranges.map(([s, e]) => [
    param + 4 * s, grad + 4 * s, m + 4 * s, v + 4 * s, e - s, lr, beta1, beta2, eps, weightDecay, decoupled, t, keep === 0 ? 0 : keep + 4 * s, n,
  ]);
  return firstNonFinite(pool.run("f32_adam_step", tasks), ranges);
}

/** f32_sgd_step over n parameters (velocity 0: no momentum), split over the threads when large. */
export function sgdUpdate(param: number, grad: number, velocity: number, n: number, lr: number, momentum: number, weightDecay: number, nesterov: number): number {
  const pool = poolFor(n * WORK_PER_ELEMENT);
  if (pool === null) return getEngine().kernels.f32_sgd_step(param, grad, velocity, n, lr, momentum, weightDecay, nesterov);
  const ranges = splitRange(n, pool.threads, ALIGN);
  const tasks = ranges.map(([s, e]) => [param + 4 * s, grad + 4 * s, velocity === 0 ? 0 : velocity + 4 * s, e - s, lr, momentum, weightDecay, nesterov]);
  return firstNonFinite(pool.run("f32_sgd_step", tasks), ranges);
}

/** A copy reads one float and writes one per element, about a quarter of an update's traffic: a quarter of its work. */
const COPY_WORK_PER_ELEMENT = 4;

/** dst[0, n) = src[0, n) (floats, not overlapping), split over the threads when large. */
export function copyFloats(dst: number, src: number, n: number): void {
  const pool = poolFor(n * COPY_WORK_PER_ELEMENT);
  if (pool === null) {
    getEngine().kernels.f32_copy(dst, src, n);
    return;
  }
  pool.run("f32_copy", splitRange(n, pool.threads, ALIGN).map(([s, e]) => [dst + 4 * s, src + 4 * s, e - s]));
}
