import { describe, expect, it } from "vitest";
import { ConfigError, ShapeError } from "../../src/errors.js";
import { batchNorm, type BatchNormOptions } from "../../src/ops/batch-norm.js";
import { Tape } from "../../src/ops/tape.js";
import { Tensor } from "../../src/ops/tensor.js";
import { getEngine } from "../../src/wasm/module.js";
import { engine, put, randomArray } from "../helpers.js";
import { batchNormRef } from "../reference/conv.js";
import { checkOp } from "./check-op.js";

const EPS = 1e-3;
const SHAPES: number[][] = [[5, 3], [8, 4], [2, 4, 3, 5], [3, 2, 2, 8], [1, 3, 3, 1]];
const lastOf = (shape: number[]) => shape[shape.length - 1]!;
const sizeOf = (shape: number[]) => shape.reduce((a, d) => a * d, 1);

/** A persistent-looking statistic living in scratch, for one op call. */
function stat(values: Float32Array): Tensor {
  const { arena } = getEngine();
  const ptr = arena.scratch(values.length * 4);
  arena.write(ptr, values);
  return new Tensor(ptr, [values.length]);
}

describe("batchNorm against finite differences", () => {
  it.each(SHAPES)("training mode, input %j: batch statistics, gradients through them", async (...shape) => {
    const c = lastOf(shape);
    await checkOp({
      label: `batchNorm training ${shape}`,
      inputs: [{ shape, data: randomArray(sizeOf(shape), 3, -2, 3) }, { shape: [c], data: randomArray(c, 4, 0.5, 2) }, { shape: [c] }],
      op: (tape, [x, gamma, beta]) => batchNorm(tape, x!, gamma!, beta!, stat(new Float32Array(c)), stat(new Float32Array(c).fill(1)), { training: true }),
      reference: ([x, gamma, beta]) => batchNormRef(x!, gamma!, beta!, sizeOf(shape) / c, c, EPS, null),
      backward: { atol: 2e-4, rtol: 2e-3 },
    });
  });

  it.each(SHAPES)("inference mode, input %j: moving statistics, no gradient through them", async (...shape) => {
    const c = lastOf(shape);
    const mean = randomArray(c, 5);
    const variance = randomArray(c, 6, 0.2, 2);
    await checkOp({
      label: `batchNorm inference ${shape}`,
      inputs: [{ shape }, { shape: [c], data: randomArray(c, 4, 0.5, 2) }, { shape: [c] }],
      op: (tape, [x, gamma, beta]) => batchNorm(tape, x!, gamma!, beta!, stat(mean), stat(variance), { training: false }),
      reference: ([x, gamma, beta]) => batchNormRef(x!, gamma!, beta!, sizeOf(shape) / c, c, EPS, { mean, variance }),
    });
  });

  it("gradients accumulate when input, gamma and beta feed two batch norms", async () => {
    const shape = [6, 2, 1, 4];
    const c = 4;
    const rows = 12;
    const u = randomArray(sizeOf(shape), 7);
    const v = randomArray(sizeOf(shape), 8);
    const mean = randomArray(c, 9);
    const variance = randomArray(c, 10, 0.5, 1.5);
    const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
      let s = 0;
      for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
      return s;
    };
    await checkOp({
      label: "batchNorm used twice",
      inputs: [{ shape }, { shape: [c], data: randomArray(c, 11, 0.5, 2) }, { shape: [c] }],
      op: (tape, [x, gamma, beta]) => {
        const { arena } = getEngine();
        const y1 = batchNorm(tape, x!, gamma!, beta!, stat(new Float32Array(c)), stat(new Float32Array(c).fill(1)), { training: true });
        const y2 = batchNorm(tape, x!, gamma!, beta!, stat(mean), stat(variance), { training: false });
        arena.write(tape.gradTarget(y1).ptr, u);
        arena.write(tape.gradTarget(y2).ptr, v);
        return dot(arena.read(y1.ptr, y1.size), u) + dot(arena.read(y2.ptr, y2.size), v);
      },
      reference: ([x, gamma, beta]) =>
        dot(batchNormRef(x!, gamma!, beta!, rows, c, EPS, null), u) + dot(batchNormRef(x!, gamma!, beta!, rows, c, EPS, { mean, variance }), v),
      backward: { atol: 2e-4, rtol: 2e-3 },
    });
  });
});

describe("batchNorm moving statistics", () => {
  /** Runs one op call and returns the moving statistics afterwards, plus the kernel's batch statistics. */
  async function step(x: Float32Array, shape: number[], options: BatchNormOptions) {
    const e = await engine();
    const c = lastOf(shape);
    return e.arena.scoped(() => {
      const mm0 = randomArray(c, 12);
      const mv0 = randomArray(c, 13, 0.5, 2);
      const mm = stat(mm0);
      const mv = stat(mv0);
      const tx = new Tensor(put(e, x), shape);
      batchNorm(null, tx, stat(new Float32Array(c).fill(1)), stat(new Float32Array(c)), mm, mv, options);
      const mean = e.arena.scratch(c * 4);
      const variance = e.arena.scratch(c * 4);
      e.kernels.f32_batchnorm_stats(mean, variance, tx.ptr, x.length / c, c, 0, c, e.arena.scratch(16 * c));
      return {
        mm0, mv0, mm: e.arena.read(mm.ptr, c), mv: e.arena.read(mv.ptr, c),
        mean: e.arena.read(mean, c), variance: e.arena.read(variance, c),
      };
    });
  }

  const f = Math.fround;
  /** Keras 3 in f32: moving·momentum + batch·(1 − momentum), the batch variance biased. */
  const keras = (moving: Float32Array, batch: Float32Array, momentum: number) =>
    moving.map((m, i) => f(f(m * f(momentum)) + f(batch[i]! * f(1 - momentum))));

  it("training updates them as Keras does, with the biased batch variance (default momentum 0.99)", async () => {
    const shape = [4, 3, 3, 5];
    const x = randomArray(sizeOf(shape), 14, -1, 4);
    const r = await step(x, shape, { training: true });
    expect(Array.from(r.mm)).toEqual(Array.from(keras(r.mm0, r.mean, 0.99)));
    expect(Array.from(r.mv)).toEqual(Array.from(keras(r.mv0, r.variance, 0.99)));
    // The variance is the population one: Σ(x − mean)²/rows, not /(rows − 1).
    const rows = sizeOf(shape) / 5;
    let q = 0;
    let s = 0;
    for (let i = 0; i < rows; i++) s += x[i * 5]!;
    for (let i = 0; i < rows; i++) q += (x[i * 5]! - s / rows) ** 2;
    expect(r.variance[0]).toBeCloseTo(q / rows, 5);
  });

  it("a custom momentum is honoured, and inference leaves them alone", async () => {
    const shape = [7, 3];
    const x = randomArray(21, 15);
    const r = await step(x, shape, { training: true, momentum: 0.9 });
    expect(Array.from(r.mm)).toEqual(Array.from(keras(r.mm0, r.mean, 0.9)));
    expect(Array.from(r.mv)).toEqual(Array.from(keras(r.mv0, r.variance, 0.9)));
    const frozen = await step(x, shape, { training: false });
    expect(Array.from(frozen.mm)).toEqual(Array.from(frozen.mm0));
    expect(Array.from(frozen.mv)).toEqual(Array.from(frozen.mv0));
  });

  it("a recorded inference-mode forward keeps its statistics for the backward", async () => {
    const e = await engine();
    e.arena.scoped(() => {
      const c = 3;
      const x = new Tensor(put(e, randomArray(12, 16)), [4, c], true);
      const gamma = new Tensor(put(e, [1, 2, 3]), [c], true);
      const beta = new Tensor(put(e, [0, 0, 0]), [c], true);
      const mm = stat(new Float32Array([0.1, 0.2, 0.3]));
      const mv = stat(new Float32Array([1, 1, 1]));
      const tape = new Tape();
      const y = batchNorm(tape, x, gamma, beta, mm, mv, { training: false });
      batchNorm(null, x, gamma, beta, mm, mv, { training: true }); // moves mm, mv
      e.arena.write(tape.gradTarget(y).ptr, new Float32Array(12).fill(1));
      tape.backward();
      // dgamma = Σ xhat with the statistics the forward used.
      const xs = e.arena.read(x.ptr, 12);
      const expected = [0, 1, 2].map((j) => [0, 1, 2, 3].reduce((s, r) => s + (xs[r * c + j]! - [0.1, 0.2, 0.3][j]!) / Math.sqrt(1 + EPS), 0));
      const got = e.arena.read(gamma.grad!.ptr, c);
      expected.forEach((v, j) => expect(got[j]).toBeCloseTo(v, 5));
    });
  });
});

describe("batchNorm validation", () => {
  const run = (shape: number[], c: number, options: BatchNormOptions) => async () => {
    const e = await engine();
    e.arena.scoped(() => {
      const x = new Tensor(put(e, new Float32Array(sizeOf(shape))), shape);
      const p = () => stat(new Float32Array(c).fill(1));
      batchNorm(null, x, p(), p(), p(), p(), options);
    });
  };

  it("names both shapes when the channel counts differ", async () => {
    await expect(run([2, 4, 4, 3], 4, { training: true })()).rejects.toThrow(ShapeError);
    await expect(run([2, 4, 4, 3], 4, { training: true })()).rejects.toThrow(/\[2, 4, 4, 3\] has 3 channels but gamma has shape \[4\]/);
  });

  it("rejects an empty batch in training, a 1-D input, and out-of-range options", async () => {
    await expect(run([0, 3], 3, { training: true })()).rejects.toThrow(ShapeError);
    await expect(run([0, 3], 3, { training: false })()).resolves.toBeUndefined();
    await expect(run([3], 3, { training: true })()).rejects.toThrow(ShapeError);
    await expect(run([2, 3], 3, { training: true, momentum: 1.5 })()).rejects.toThrow(ConfigError);
    await expect(run([2, 3], 3, { training: true, epsilon: 0 })()).rejects.toThrow(ConfigError);
  });
});
