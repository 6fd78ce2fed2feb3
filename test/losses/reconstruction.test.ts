import { describe, expect, it } from "vitest";
import { bceLoss, bceWithLogitsLoss, l1Loss, mseLoss } from "../../src/losses/reconstruction.js";
import { Tape } from "../../src/ops/tape.js";
import { Tensor } from "../../src/ops/tensor.js";
import { put, randomArray } from "../helpers.js";
import { testEngine } from "../test-kernels.js";
import { checkOp } from "../ops/check-op.js";
import { lossRef } from "../reference/nn.js";

const SIZES = [1, 3, 4, 5, 8, 17, 33];

describe("reconstruction losses", () => {
  it.each(SIZES)("mse over n=%i", async (n) => {
    await checkOp({
      label: `mse n=${n}`,
      inputs: [{ shape: [1, n] }, { shape: [1, n], grad: false }],
      op: (tape, [p, t]) => mseLoss(tape, p!, t!, 0.5),
      reference: ([p, t]) => 0.5 * lossRef.mse(p!, t!),
    });
  });

  it.each(SIZES)("l1 over n=%i", async (n) => {
    await checkOp({
      label: `l1 n=${n}`,
      inputs: [{ shape: [1, n] }, { shape: [1, n], grad: false }],
      op: (tape, [p, t]) => l1Loss(tape, p!, t!, 1 / n),
      reference: ([p, t]) => lossRef.l1(p!, t!) / n,
    });
  });

  it.each(SIZES)("bce from logits over n=%i", async (n) => {
    await checkOp({
      label: `bce logits n=${n}`,
      inputs: [{ shape: [1, n], data: randomArray(n, n, -8, 8) }, { shape: [1, n], data: randomArray(n, n + 3, 0, 1), grad: false }],
      op: (tape, [z, t]) => bceWithLogitsLoss(tape, z!, t!, 1),
      reference: ([z, t]) => lossRef.bceLogits(z!, t!),
    });
  });

  it.each(SIZES)("bce from probabilities over n=%i", async (n) => {
    await checkOp({
      label: `bce n=${n}`,
      inputs: [{ shape: [1, n], data: randomArray(n, n, 0.05, 0.95) }, { shape: [1, n], data: randomArray(n, n + 3, 0, 1), grad: false }],
      op: (tape, [p, t]) => bceLoss(tape, p!, t!, 1),
      reference: ([p, t]) => lossRef.bce(p!, t!),
      eps: 1e-7,
    });
  });
});

describe("bce from logits, one pass for value and gradient", () => {
  it.each([1, 5, 8, 33, 1027])("n=%i: the value and gradient bits of f32_bce_logits_sum and f32_bce_logits_backward, writing and accumulating", async (n) => {
    const e = await testEngine();
    e.arena.scoped(() => {
      const z = randomArray(n, 60 + n, -12, 12);
      const t = randomArray(n, 61 + n, 0, 1);
      const scale = 1 / (3 * n);
      const pred = new Tensor(put(e, z), [1, n], true);
      const target = new Tensor(put(e, t), [1, n]);
      const tape = new Tape();
      // Twice on one prediction: the second backward to run writes, the first adds.
      const value = bceWithLogitsLoss(tape, pred, target, scale);
      bceWithLogitsLoss(tape, pred, target, 2 * scale);
      tape.backward();
      expect(value).toBe(scale * e.kernels.f32_bce_logits_sum(pred.ptr, target.ptr, n));
      const want = e.arena.scratch(4 * n);
      e.kernels.f32_bce_logits_backward(want, pred.ptr, target.ptr, 2 * scale, n, 0);
      e.kernels.f32_bce_logits_backward(want, pred.ptr, target.ptr, scale, n, 1);
      const bits = (ptr: number) => Array.from(new Uint32Array(e.arena.read(ptr, n).buffer));
      expect(bits(pred.grad!.ptr)).toEqual(bits(want));
    });
  });
});
