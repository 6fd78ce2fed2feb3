import { describe, it } from "vitest";
import { activation, type Activation } from "../../src/ops/activation.js";
import { randomArray } from "../helpers.js";
import { activationRef, mapRef } from "../reference/nn.js";
import { checkOp } from "./check-op.js";

const KINDS: Activation[] = ["relu", "leakyRelu", "sigmoid", "tanh", "softplus"];
const SIZES = [1, 3, 4, 5, 17, 33];

// Inputs kept away from the kinks of relu/leakyRelu, where finite differences straddle two slopes.
function awayFromZero(n: number, seed: number): Float32Array {
  return randomArray(n, seed, -3, 3).map((v) => (Math.abs(v) < 0.05 ? v + 0.1 : v));
}

describe("activation ops", () => {
  for (const kind of KINDS) {
    it.each(SIZES)(`${kind} over n=%i`, async (n) => {
      const alpha = 0.2;
      await checkOp({
        label: `${kind} n=${n}`,
        inputs: [{ shape: [1, n], data: awayFromZero(n, n) }],
        op: (tape, [x]) => activation(tape, x!, kind, alpha),
        reference: ([x]) => mapRef(x!, (v) => activationRef[kind]!(v, alpha)),
        forward: { atol: 2e-6, rtol: 2e-6 },
        backward: { atol: 1e-4, rtol: 1e-3 },
      });
    });
  }
});
