// The VAE's evaluation draws: the ε of the i-th sample evaluated comes from
// (seed, the evaluation stream, counter i), so evaluate() and the validation
// figures of fit do not depend on the batch size.
import { describe, expect, it } from "vitest";
import { ConfigError, layers, VAE, type VAEConfig } from "../../src/index.js";
import { STREAM } from "../../src/ops/streams.js";
import { getEngine } from "../../src/wasm/module.js";
import { randomArray } from "../helpers.js";
import { activationRef, linearRef, lossRef } from "../reference/nn.js";

const FEATURES = 8;
const LATENT = 3;
const SEED = 11;
/** The evaluation stream of src/models/vae.ts. */
const EVAL_STREAM = STREAM.sample + 0x100;

const config: VAEConfig = {
  input: [FEATURES],
  encoder: [layers.dense(6, "tanh")],
  latent: LATENT,
  decoder: [layers.dense(6, "tanh"), layers.dense(FEATURES, "sigmoid")],
  optimizer: { name: "adam", learningRate: 1e-2 },
  seed: SEED,
};

const samples = (rows: number, seed: number) => ({ data: randomArray(rows * FEATURES, seed, 0, 1), shape: [rows, FEATURES] });

/** The mean negative ELBO in f64, each row's ε drawn on its own from counter = its index. */
function referenceElbo(vae: VAE, x: Float32Array, rows: number): number {
  const { kernels, arena } = getEngine();
  const names = vae.slab.params.map((p) => p.spec.name);
  const p = vae.slab.read().map((t) => Float64Array.from(t.data));
  const at = (name: string) => p[names.indexOf(name)]!;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const eps = arena.scoped(() => {
      const e = arena.scratch(LATENT * 4);
      kernels.f32_rand_normal(e, LATENT, SEED, EVAL_STREAM, r, 0, 1);
      return Float64Array.from(arena.read(e, LATENT));
    });
    const xs = Float64Array.from(x.subarray(r * FEATURES, (r + 1) * FEATURES));
    const h = linearRef(xs, at("encoder.0.kernel"), at("encoder.0.bias"), 1, FEATURES, 6).map((v) => Math.tanh(v));
    const mu = linearRef(h, at("mu.0.kernel"), at("mu.0.bias"), 1, 6, LATENT);
    const lv = linearRef(h, at("logVar.0.kernel"), at("logVar.0.bias"), 1, 6, LATENT);
    const z = mu.map((m, i) => m + Math.exp(0.5 * lv[i]!) * eps[i]!);
    const d = linearRef(z, at("decoder.0.kernel"), at("decoder.0.bias"), 1, LATENT, 6).map((v) => Math.tanh(v));
    const out = linearRef(d, at("decoder.1.kernel"), at("decoder.1.bias"), 1, 6, FEATURES).map((v) => activationRef.sigmoid!(v, 0));
    const kl = mu.reduce((s, m, i) => s + 0.5 * (Math.exp(lv[i]!) + m * m - 1 - lv[i]!), 0);
    total += lossRef.bce(out, xs) + kl;
  }
  return total / rows;
}

describe("VAE evaluation draws ε per sample index", () => {
  it("evaluate() is the same figure for every batch size, and matches an f64 reference drawn row by row", async () => {
    const vae = await VAE.create(config);
    const x = samples(300, 3);
    x.data.copyWithin(256 * FEATURES, 0, FEATURES);
    await vae.fit(x, { epochs: 2, batchSize: 32 });
    const reference = referenceElbo(vae, x.data, 300);
    const base = vae.evaluate(x);
    // Rows 0 and 256 share their data here, so a draw keyed per batch would give them the same ε.
    for (const batchSize of [1, 7, 64, 255, 256, 299, 300, 1000]) {
      const m = vae.evaluate(x, { batchSize });
      // Only the order of the f64 sums over batches changes.
      expect(Math.abs(m.loss - base.loss), `batchSize ${batchSize}: ${m.loss} vs ${base.loss}`).toBeLessThan(1e-5 * base.loss);
      expect(Math.abs(m.kl - base.kl)).toBeLessThan(1e-5 * base.kl + 1e-9);
    }
    expect(Math.abs(base.loss - reference), `evaluate ${base.loss} vs f64 reference ${reference}`).toBeLessThan(1e-4 * reference);
    expect(() => vae.evaluate(x, { batchSize: 0 })).toThrow(ConfigError);
    vae.dispose();
  });

  it("the validation loss inside fit is evaluate()'s figure, whatever fit's batch size", async () => {
    const x = samples(200, 4);
    const val = samples(300, 5);
    for (const batchSize of [16, 300]) {
      const vae = await VAE.create(config);
      const h = await vae.fit(x, { epochs: 1, batchSize, validationData: val });
      const e = vae.evaluate(val, { batchSize: 1 });
      expect(Math.abs(h.valLoss[0]! - e.loss), `fit batch ${batchSize}: valLoss ${h.valLoss[0]} vs evaluate ${e.loss}`).toBeLessThan(1e-5 * e.loss);
      expect(Math.abs(h.valLoss[0]! - referenceElbo(vae, val.data, 300))).toBeLessThan(1e-4 * e.loss);
      vae.dispose();
    }
  });
});
