import { describe, it } from "vitest";
import { linear } from "../../src/ops/linear.js";
import { linearRef } from "../reference/nn.js";
import { checkOp } from "./check-op.js";

const SHAPES: [number, number, number][] = [
  [1, 1, 1], [1, 3, 2], [3, 5, 4], [4, 8, 8], [5, 7, 9], [17, 9, 33], [2, 33, 17],
];

describe("linear op", () => {
  it.each(SHAPES)("m=%i k=%i n=%i with bias", async (m, k, n) => {
    await checkOp({
      label: `linear ${m}x${k}x${n}`,
      inputs: [{ shape: [m, k] }, { shape: [k, n] }, { shape: [n] }],
      op: (tape, [x, w, b]) => linear(tape, x!, w!, b!),
      reference: ([x, w, b]) => linearRef(x!, w!, b!, m, k, n),
    });
  });

  it.each(SHAPES)("m=%i k=%i n=%i without bias, input not trainable", async (m, k, n) => {
    await checkOp({
      label: `linear nobias ${m}x${k}x${n}`,
      inputs: [{ shape: [m, k], grad: false }, { shape: [k, n] }],
      op: (tape, [x, w]) => linear(tape, x!, w!, null),
      reference: ([x, w]) => linearRef(x!, w!, null, m, k, n),
    });
  });
});
