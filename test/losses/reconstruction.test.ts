import { describe, it } from "vitest";
import { bceLoss, bceWithLogitsLoss, l1Loss, mseLoss } from "../../src/losses/reconstruction.js";
import { randomArray } from "../helpers.js";
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
