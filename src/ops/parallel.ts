// When and how an op splits one kernel call over the engine's threads. Every
// split here is one the kernel's ABI promises gives the bits of the whole
// call (ranges of C's rows or columns, of output channels, of elements), so
// the thread count changes only the time, never a result.
import { getEngine } from "../wasm/module.js";
import type { Pool } from "../wasm/pool.js";

/**
 * Multiply-adds (or, for the optimizers, 16 × elements) below which the
 * calling thread does the work alone. Waking a sleeping worker and joining
 * it took 11.6–82 µs (medians of an empty dispatch in bench/threads.ts on 2
 * vCPUs, loaded and idle), 2–3 µs while the workers still poll after a
 * call (worker-source.ts); 2^20 multiply-adds take 20–100 µs on one core,
 * so below that a split saves about what a wake-up costs. Few-row products
 * (gemm.ts) divide the threshold by 4.
 */
export const DEFAULT_MIN_PARALLEL_WORK = 1 << 20;
let minParallelWork = DEFAULT_MIN_PARALLEL_WORK;

/** Sets the threshold (tests: 0 splits every call, to compare bits on tiny shapes); returns the previous one. */
export function setMinParallelWork(work: number): number {
  const previous = minParallelWork;
  minParallelWork = work;
  return previous;
}

/**
 * The pool to split `work` over, or null when the caller's thread should do
 * it alone; `cheaper` divides the threshold for work that takes longer per
 * unit than a large product's multiply-add.
 */
export function poolFor(work: number, cheaper = 1): Pool | null {
  if (work < minParallelWork / cheaper) return null;
  const engine = getEngine();
  const pool = engine.pool;
  // The first call worth sharing starts the workers; it and those until they are up run here.
  if (pool === null) engine.startThreads?.();
  return pool !== null && pool.threads > 1 ? pool : null;
}

/**
 * [0, n) cut into at most `parts` ranges of near-equal length, each start a
 * multiple of `align` (the last range takes the rest); fewer ranges when n
 * is short.
 */
export function splitRange(n: number, parts: number, align = 1): [number, number][] {
  const units = Math.ceil(n / align);
  const count = Math.max(1, Math.min(parts, units));
  const ranges: [number, number][] = [];
  let start = 0;
  for (let i = 0; i < count; i++) {
    const end = Math.min(n, Math.round((units * (i + 1)) / count) * align);
    if (end > start) ranges.push([start, end]);
    start = end;
  }
  return ranges;
}

/** Bytes between the work buffers of two threads: `bytes` rounded up to a cache line. */
export const workStride = (bytes: number): number => Math.ceil(bytes / 64) * 64;
