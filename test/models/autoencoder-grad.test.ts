// The full loss of a 3-layer autoencoder: tape gradients of every parameter
// against central finite differences of an independent f64 forward pass.
import { describe, expect, it } from "vitest";
import { Autoencoder, layers } from "../../src/index.js";
import { Tape } from "../../src/ops/tape.js";
import { Tensor } from "../../src/ops/tensor.js";
import { getEngine } from "../../src/wasm/module.js";
import { expectClose, randomArray } from "../helpers.js";
import { activationRef, linearRef, lossRef } from "../reference/nn.js";

const ROWS = 4;
const FEATURES = 6;

type Layer = { units: number; act: string };

function referenceLoss(params: Float64Array[], x: Float64Array, arch: Layer[], loss: "bce" | "mse"): number {
  let h = x;
  let width = FEATURES;
  arch.forEach((layer, i) => {
    const z = linearRef(h, params[2 * i]!, params[2 * i + 1]!, ROWS, width, layer.units);
    h = z.map((v) => activationRef[layer.act]!(v, 0.3));
    width = layer.units;
  });
  const sum = loss === "bce" ? lossRef.bce(h, x) : lossRef.mse(h, x);
  return sum / (ROWS * FEATURES);
}

const CASES: { name: string; arch: Layer[]; loss: "bce" | "mse" }[] = [
  { name: "tanh/linear code/sigmoid, bce from logits", arch: [{ units: 5, act: "tanh" }, { units: 3, act: "linear" }, { units: FEATURES, act: "sigmoid" }], loss: "bce" },
  { name: "softplus/sigmoid code/linear, mse", arch: [{ units: 5, act: "softplus" }, { units: 3, act: "sigmoid" }, { units: FEATURES, act: "linear" }], loss: "mse" },
];

describe("autoencoder gradient", () => {
  it.each(CASES)("$name", async ({ arch, loss }) => {
    const ae = await Autoencoder.create({
      input: [FEATURES],
      encoder: [layers.dense(arch[0]!.units, arch[0]!.act as "tanh"), layers.dense(arch[1]!.units, arch[1]!.act as "linear")],
      decoder: [layers.dense(arch[2]!.units, arch[2]!.act as "sigmoid")],
      loss,
      seed: 3,
    });
    const { arena } = getEngine();
    const x = randomArray(ROWS * FEATURES, 9, 0.05, 0.95);
    const analytic = arena.scoped(() => {
      const ptr = arena.scratch(x.length * 4);
      arena.write(ptr, x);
      const input = new Tensor(ptr, [ROWS, FEATURES]);
      const tape = new Tape();
      const value = ae.batchLoss(input, input, { tape, training: true, seed: 3, step: 0 });
      tape.backward();
      const params = ae.slab.read().map((t) => Float64Array.from(t.data));
      expect(value.loss).toBeCloseTo(referenceLoss(params, Float64Array.from(x), arch, loss), 5);
      return ae.slab.params.map(({ tensor }) => arena.read(tensor.grad!.ptr, tensor.size));
    });
    const params = ae.slab.read().map((t) => Float64Array.from(t.data));
    const xs = Float64Array.from(x);
    const eps = 1e-6;
    params.forEach((p, i) => {
      const numeric = new Float64Array(p.length);
      for (let j = 0; j < p.length; j++) {
        const keep = p[j]!;
        p[j] = keep + eps;
        const up = referenceLoss(params, xs, arch, loss);
        p[j] = keep - eps;
        const down = referenceLoss(params, xs, arch, loss);
        p[j] = keep;
        numeric[j] = (up - down) / (2 * eps);
      }
      expectClose(analytic[i]!, numeric, { atol: 2e-5, rtol: 2e-3 }, `gradient of ${ae.slab.params[i]!.spec.name}`);
    });
    ae.dispose();
  });
});
