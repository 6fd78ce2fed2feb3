// Gradient clipping through fit: one SGD step of a model with clipNorm,
// clipValue or globalClipNorm against the f64 reference of the clipped update
// computed from the same gradients; and the option checks.
import { describe, expect, it } from "vitest";
import { Autoencoder, ConfigError, layers, type AutoencoderConfig, type OptimizerConfig } from "../../src/index.js";
import { Tape } from "../../src/ops/tape.js";
import { Tensor } from "../../src/ops/tensor.js";
import { getEngine } from "../../src/wasm/module.js";
import { expectClose, randomArray } from "../helpers.js";
import { clipGlobalNormReference, clipNormReference, clipValueReference } from "../reference/optim.js";

const FEATURES = 6;
const ROWS = 8;
const LR = 0.5;
const x = randomArray(ROWS * FEATURES, 21, 0, 1);
const config = (optimizer: OptimizerConfig): AutoencoderConfig => ({
  input: [FEATURES],
  encoder: [layers.dense(4, "tanh"), layers.dense(2)],
  decoder: [layers.dense(4, "tanh"), layers.dense(FEATURES)],
  optimizer,
  seed: 4,
});

/** The parameters and their gradients on x before any update, per tensor. */
async function gradients() {
  const model = await Autoencoder.create(config({ name: "sgd", learningRate: LR }));
  const { arena } = getEngine();
  const out = arena.scoped(() => {
    const ptr = arena.scratch(x.length * 4);
    arena.write(ptr, x);
    const input = new Tensor(ptr, [ROWS, FEATURES]);
    const tape = new Tape();
    model.batchLoss(input, input, { tape, training: true, seed: model.seed, step: 0 });
    tape.backward();
    return model.slab.params.map(({ tensor }) => ({ p: arena.read(tensor.ptr, tensor.size), g: arena.read(tensor.grad!.ptr, tensor.size) }));
  });
  model.dispose();
  return out;
}

/** The parameters after one fit step (the whole batch, unshuffled) with these clip settings. */
async function stepWith(clip: Partial<OptimizerConfig>): Promise<Float32Array[]> {
  const model = await Autoencoder.create(config({ name: "sgd", learningRate: LR, ...clip } as OptimizerConfig));
  await model.fit({ data: x, shape: [ROWS, FEATURES] }, { epochs: 1, batchSize: ROWS, shuffle: false });
  const { arena } = getEngine();
  const params = model.slab.params.map(({ tensor }) => arena.read(tensor.ptr, tensor.size));
  model.dispose();
  return params;
}

// p − lr·g in f64 against f32 arithmetic: the clip's two roundings plus the update's.
const TOL = { atol: 1e-7, rtol: 1e-6 };
const update = (p: Float32Array, g: ArrayLike<number>) => Float64Array.from(p, (v, i) => v - LR * g[i]!);

describe("gradient clipping in fit", () => {
  it("clipNorm scales each tensor's gradient to the bound, as Keras clipnorm", async () => {
    const base = await gradients();
    const norms = base.map(({ g }) => Math.hypot(...g));
    const bound = 0.5 * Math.min(...norms.filter((n) => n > 0));
    const got = await stepWith({ clipNorm: bound });
    base.forEach(({ p, g }, i) => expectClose(got[i]!, update(p, clipNormReference(g, bound)), TOL, `tensor ${i}`));
  });

  it("globalClipNorm scales all gradients together, as Keras global_clipnorm", async () => {
    const base = await gradients();
    const total = Math.hypot(...base.flatMap(({ g }) => Array.from(g)));
    const clipped = clipGlobalNormReference(base.map(({ g }) => g), total / 3);
    const got = await stepWith({ globalClipNorm: total / 3 });
    base.forEach(({ p }, i) => expectClose(got[i]!, update(p, clipped[i]!), TOL, `tensor ${i}`));
  });

  it("clipValue clamps each gradient value, as Keras clipvalue", async () => {
    const base = await gradients();
    const largest = Math.max(...base.flatMap(({ g }) => Array.from(g, Math.abs)));
    const got = await stepWith({ clipValue: largest / 4 });
    base.forEach(({ p, g }, i) => expectClose(got[i]!, update(p, clipValueReference(g, largest / 4)), TOL, `tensor ${i}`));
  });

  it("changes nothing when every gradient is within the bound", async () => {
    const plain = await stepWith({});
    const wide = await stepWith({ globalClipNorm: 1e6 });
    plain.forEach((p, i) => expect(Array.from(wide[i]!)).toEqual(Array.from(p)));
  });

  it("refuses two clip settings, a non-positive bound and an unknown optimizer key", async () => {
    await expect(Autoencoder.create(config({ name: "adam", clipNorm: 1, clipValue: 1 }))).rejects.toThrow(/at most one of clipNorm, clipValue and globalClipNorm.*clipNorm and clipValue/);
    await expect(Autoencoder.create(config({ name: "sgd", globalClipNorm: 0 }))).rejects.toThrow(/globalClipNorm to be a positive finite number, found 0/);
    await expect(Autoencoder.create(config({ name: "adam", clipnorm: 1 } as never))).rejects.toThrow(/unknown option "clipnorm" \(did you mean "clipNorm"\?\)/);
    await expect(Autoencoder.create(config({ name: "sgd", clipValue: Number.NaN }))).rejects.toThrow(ConfigError);
  });

  it("a saved model keeps its clip setting", async () => {
    const model = await Autoencoder.create(config({ name: "adam", clipNorm: 0.01 }));
    const back = await Autoencoder.load(model.save());
    expect(back.optimizer.config.clipNorm).toBe(0.01);
    model.dispose();
    back.dispose();
  });
});
