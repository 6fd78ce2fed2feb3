import { describe, expect, it } from "vitest";
import { ShapeError } from "../../src/errors.js";
import { maxPool2d, upSampling2d } from "../../src/ops/pool.js";
import { Tensor } from "../../src/ops/tensor.js";
import { engine, put } from "../helpers.js";
import { maxPoolRef, upsampleRef } from "../reference/conv.js";
import { checkOp } from "./check-op.js";

type Shape = [number, number, number, number];
const sizeOf = (s: number[]) => s.reduce((a, d) => a * d, 1);

describe("maxPool2d", () => {
  it.each([[2, 4, 4, 3], [1, 5, 7, 2], [2, 2, 2, 8], [1, 3, 2, 5]] as Shape[])("input %j: max of 2×2 windows, gradient to the maximum", async (...s) => {
    await checkOp({
      label: `maxPool2d ${s}`,
      inputs: [{ shape: s }],
      op: (tape, [x]) => maxPool2d(tape, x!),
      reference: ([x]) => maxPoolRef(x!, ...s),
    });
  });

  it("drops an odd last row and column, like Keras' \"valid\" pooling", async () => {
    const e = await engine();
    e.arena.scoped(() => {
      const y = maxPool2d(null, new Tensor(put(e, new Float32Array(3 * 7 * 5 * 2)), [3, 7, 5, 2]));
      expect(y.shape).toEqual([3, 3, 2, 2]);
    });
  });
});

describe("upSampling2d", () => {
  it.each([[2, 3, 3, 3], [1, 1, 1, 5], [2, 2, 3, 4]] as Shape[])("input %j: nearest ×2, gradient sums each block", async (...s) => {
    await checkOp({
      label: `upSampling2d ${s}`,
      inputs: [{ shape: s }],
      op: (tape, [x]) => upSampling2d(tape, x!),
      reference: ([x]) => upsampleRef(x!, ...s),
    });
  });
});

describe("pooling validation", () => {
  const run = (op: typeof maxPool2d, shape: number[]) => async () => {
    const e = await engine();
    e.arena.scoped(() => op(null, new Tensor(put(e, new Float32Array(sizeOf(shape))), shape)));
  };

  it("rejects inputs that are not images, or too small to pool", async () => {
    await expect(run(maxPool2d, [2, 1, 4, 3])()).rejects.toThrow(/\[2, 1, 4, 3\]/);
    await expect(run(maxPool2d, [4, 4, 3])()).rejects.toThrow(ShapeError);
    await expect(run(upSampling2d, [4, 3])()).rejects.toThrow(ShapeError);
    await expect(run(upSampling2d, [2, 1, 1, 3])()).resolves.toBeUndefined();
  });
});
