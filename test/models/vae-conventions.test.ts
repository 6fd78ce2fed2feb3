// The VAE's conventions for reproducing other libraries' setups: the loss
// summed over the batch (PyTorch's reduction='sum') and BCE on probabilities.
import { describe, expect, it } from "vitest";
import { ConfigError, layers, VAE, type VAEConfig } from "../../src/index.js";
import { Tape } from "../../src/ops/tape.js";
import { Tensor } from "../../src/ops/tensor.js";
import { getEngine } from "../../src/wasm/module.js";
import { expectClose, randomArray } from "../helpers.js";

const FEATURES = 8;
const ROWS = 5;
const config = (extra: Partial<VAEConfig> = {}): VAEConfig => ({
  input: [FEATURES],
  encoder: [layers.dense(6, "tanh")],
  latent: 2,
  decoder: [layers.dense(6, "tanh"), layers.dense(FEATURES, "sigmoid")],
  seed: 9,
  ...extra,
});

/** The loss parts and the gradient of every parameter for one training step's batch. */
async function step(extra: Partial<VAEConfig>) {
  const vae = await VAE.create(config(extra));
  const { arena } = getEngine();
  const x = randomArray(ROWS * FEATURES, 2, 0, 1);
  const result = arena.scoped(() => {
    const ptr = arena.scratch(x.length * 4);
    arena.write(ptr, x);
    const input = new Tensor(ptr, [ROWS, FEATURES]);
    const tape = new Tape();
    const parts = vae.batchLoss(input, input, { tape, training: true, seed: 9, step: 0 });
    tape.backward();
    return { parts, grads: vae.slab.params.map(({ tensor }) => arena.read(tensor.grad!.ptr, tensor.size)) };
  });
  vae.dispose();
  return result;
}

describe("VAE conventions", () => {
  it('reduction "sum" reports the same per-sample figures and takes the batch-size-times gradient', async () => {
    const mean = await step({});
    const sum = await step({ reduction: "sum" });
    expect(sum.parts.loss).toBeCloseTo(mean.parts.loss, 5);
    expect(sum.parts.kl).toBeCloseTo(mean.parts.kl!, 5);
    mean.grads.forEach((g, i) => expectClose(sum.grads[i]!, g.map((v) => v * ROWS), { atol: 1e-6, rtol: 1e-5 }, `gradient ${i}`));
  });

  it("fromLogits false computes BCE on the probabilities: the same loss and gradient where no clamp applies", async () => {
    const logits = await step({});
    const probabilities = await step({ fromLogits: false });
    expect(Math.abs(probabilities.parts.reconstruction! - logits.parts.reconstruction!)).toBeLessThan(1e-5 * logits.parts.reconstruction!);
    logits.grads.forEach((g, i) => expectClose(probabilities.grads[i]!, g, { atol: 1e-6, rtol: 1e-4 }, `gradient ${i}`));
  });

  it("trains differently under each convention, saves the convention, and refuses unknown ones", async () => {
    const x = { data: randomArray(64 * FEATURES, 3, 0, 1), shape: [64, FEATURES] };
    const a = await VAE.create(config());
    const b = await VAE.create(config({ reduction: "sum" }));
    const ha = await a.fit(x, { epochs: 2, batchSize: 16 });
    const hb = await b.fit(x, { epochs: 2, batchSize: 16 });
    expect(hb.loss[1]).not.toBe(ha.loss[1]);
    const back = await VAE.load(b.save());
    const hc = await back.fit(x, { epochs: 1, batchSize: 16 });
    const hd = await b.fit(x, { epochs: 1, batchSize: 16 });
    expect(hc.loss).toEqual(hd.loss);
    for (const m of [a, b, back]) m.dispose();
    await expect(VAE.create(config({ reduction: "batchmean" as never }))).rejects.toThrow(/reduction "batchmean"/);
    await expect(VAE.create(config({ fromLogits: 1 as never }))).rejects.toThrow(ConfigError);
  });
});
