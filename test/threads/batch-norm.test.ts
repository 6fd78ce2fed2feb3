// Batch norm on the pool, inside one process: the op split over three
// threads by channel ranges gives the bits of the caller's thread alone,
// forward (training and inference) and backward, and the split happens.
import { describe, expect, test } from "vitest";
import { engineInfo } from "../../src/index.js";
import { batchNorm } from "../../src/ops/batch-norm.js";
import { setMinParallelWork } from "../../src/ops/parallel.js";
import { Tape } from "../../src/ops/tape.js";
import { Tensor } from "../../src/ops/tensor.js";
import { getEngine } from "../../src/wasm/module.js";
import { put, randomArray } from "../helpers.js";
import { splitEveryCallOnThreeThreads } from "./split-every-call.js";

splitEveryCallOnThreeThreads();

interface Outputs {
  y: number[];
  movingMean: number[];
  movingVariance: number[];
  dx: number[];
  dgamma: number[];
  dbeta: number[];
}

/** One forward and backward of the op on [rows, cols] data; the dispatched kernels' names go to `dispatched`. */
function step(rows: number, cols: number, training: boolean, dispatched: string[]): Outputs {
  const e = getEngine();
  const pool = e.pool!;
  const run = pool.run.bind(pool);
  pool.run = (name, tasks, ...rest) => {
    if (tasks.length > 1) dispatched.push(name);
    return run(name, tasks, ...rest);
  };
  try {
    return e.arena.scoped(() => {
      const param = (data: Float32Array, requiresGrad: boolean) => new Tensor(put(e, data), [data.length], requiresGrad);
      const x = new Tensor(put(e, randomArray(rows * cols, rows + cols, -2, 3)), [rows, cols], true);
      const gamma = param(randomArray(cols, 5, 0.5, 2), true);
      const beta = param(randomArray(cols, 6), true);
      const movingMean = param(randomArray(cols, 7), false);
      const movingVariance = param(randomArray(cols, 8, 0.5, 2), false);
      const tape = new Tape();
      const y = batchNorm(tape, x, gamma, beta, movingMean, movingVariance, { training });
      e.arena.write(tape.gradTarget(y).ptr, randomArray(rows * cols, 9));
      tape.backward();
      const read = (t: Tensor | null) => Array.from(e.arena.read(t!.ptr, t!.size));
      return {
        y: read(y), movingMean: read(movingMean), movingVariance: read(movingVariance),
        dx: read(tape.gradOf(x)), dgamma: read(tape.gradOf(gamma)), dbeta: read(tape.gradOf(beta)),
      };
    });
  } finally {
    pool.run = run;
  }
}

describe("batch norm on three threads", () => {
  test.each([[640, 33], [257, 8], [64, 5], [40, 2], [100, 1]] as const)("%i×%i: split by channels, the bits of one thread", (rows, cols) => {
    expect(engineInfo().threads).toBe(3);
    for (const training of [true, false]) {
      const split: string[] = [];
      const threaded = step(rows, cols, training, split);
      setMinParallelWork(Number.POSITIVE_INFINITY);
      const alone: string[] = [];
      const single = (() => {
        try {
          return step(rows, cols, training, alone);
        } finally {
          setMinParallelWork(0);
        }
      })();
      expect(alone).toEqual([]);
      // One channel cannot be split: the caller's thread runs it.
      const kernels = training
        ? ["f32_batchnorm_stats", "f32_batchnorm_forward", "f32_batchnorm_backward_sums", "f32_batchnorm_backward"]
        : ["f32_batchnorm_forward", "f32_batchnorm_backward_sums", "f32_batchnorm_backward"];
      expect(split.filter((name) => name.startsWith("f32_batchnorm"))).toEqual(cols > 1 ? kernels : []);
      expect(threaded, `training=${training}`).toEqual(single);
    }
  });
});
