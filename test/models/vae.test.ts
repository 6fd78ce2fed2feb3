import { describe, expect, it } from "vitest";
import { ConfigError, layers, VAE, type VAEConfig } from "../../src/index.js";
import { Tape } from "../../src/ops/tape.js";
import { Tensor } from "../../src/ops/tensor.js";
import { getEngine } from "../../src/wasm/module.js";
import { STREAM } from "../../src/ops/streams.js";
import { expectClose, randomArray } from "../helpers.js";
import { activationRef, linearRef, lossRef } from "../reference/nn.js";

const FEATURES = 8;
const LATENT = 2;

function data(rows: number, seed: number) {
  const z = randomArray(rows * 2, seed, -2, 2);
  const mix = randomArray(2 * FEATURES, 5, -2, 2);
  const out = new Float32Array(rows * FEATURES);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < FEATURES; j++) out[r * FEATURES + j] = 1 / (1 + Math.exp(-(z[r * 2]! * mix[j]! + z[r * 2 + 1]! * mix[FEATURES + j]!)));
  }
  return { data: out, shape: [rows, FEATURES] };
}

const config = (extra: Partial<VAEConfig> = {}): VAEConfig => ({
  input: [FEATURES],
  encoder: [layers.dense(6, "tanh")],
  latent: LATENT,
  decoder: [layers.dense(6, "tanh"), layers.dense(FEATURES, "sigmoid")],
  loss: "bce",
  optimizer: { name: "adam", learningRate: 1e-2 },
  seed: 5,
  ...extra,
});

describe("VAE", () => {
  it("full loss gradient (reconstruction + KL through the reparameterized sample) matches finite differences", async () => {
    const vae = await VAE.create(config({ beta: 0.7 }));
    const { arena, kernels } = getEngine();
    const rows = 3;
    const x = data(rows, 1).data;
    const eps = new Float32Array(rows * LATENT);
    const analytic = arena.scoped(() => {
      const ptr = arena.scratch(x.length * 4);
      arena.write(ptr, x);
      const e = arena.scratch(eps.length * 4);
      kernels.f32_rand_normal(e, eps.length, 5, STREAM.sample, 0, 0, 1);
      eps.set(arena.read(e, eps.length));
      const input = new Tensor(ptr, [rows, FEATURES]);
      const tape = new Tape();
      vae.batchLoss(input, input, { tape, training: true, seed: 5, step: 0 });
      tape.backward();
      return vae.slab.params.map(({ tensor }) => arena.read(tensor.grad!.ptr, tensor.size));
    });
    const names = vae.slab.params.map((p) => p.spec.name);
    const p = vae.slab.read().map((t) => Float64Array.from(t.data));
    const at = (name: string) => p[names.indexOf(name)]!;
    const xs = Float64Array.from(x);
    const loss = () => {
      const h = linearRef(xs, at("encoder.0.kernel"), at("encoder.0.bias"), rows, FEATURES, 6).map((v) => Math.tanh(v));
      const mu = linearRef(h, at("mu.0.kernel"), at("mu.0.bias"), rows, 6, LATENT);
      const lv = linearRef(h, at("logVar.0.kernel"), at("logVar.0.bias"), rows, 6, LATENT);
      const z = mu.map((m, i) => m + Math.exp(0.5 * lv[i]!) * eps[i]!);
      const d = linearRef(z, at("decoder.0.kernel"), at("decoder.0.bias"), rows, LATENT, 6).map((v) => Math.tanh(v));
      const out = linearRef(d, at("decoder.1.kernel"), at("decoder.1.bias"), rows, 6, FEATURES).map((v) => activationRef.sigmoid!(v, 0));
      const kl = mu.reduce((s, m, i) => s + 0.5 * (Math.exp(lv[i]!) + m * m - 1 - lv[i]!), 0);
      return (lossRef.bce(out, xs) + 0.7 * kl) / rows;
    };
    const step = 1e-6;
    p.forEach((values, i) => {
      const numeric = values.map((_, j) => {
        const keep = values[j]!;
        values[j] = keep + step;
        const up = loss();
        values[j] = keep - step;
        const down = loss();
        values[j] = keep;
        return (up - down) / (2 * step);
      });
      expectClose(analytic[i]!, numeric, { atol: 3e-5, rtol: 3e-3 }, `gradient of ${names[i]}`);
    });
    vae.dispose();
  });

  it("trains: history reports loss, reconstruction and kl per sample, deterministically", async () => {
    const run = async () => {
      const vae = await VAE.create(config({ klWarmupSteps: 20 }));
      const history = await vae.fit(data(256, 2), { epochs: 15, batchSize: 32, validationSplit: 0.25 });
      const bytes = vae.save();
      vae.dispose();
      return { history, bytes };
    };
    const a = await run();
    const b = await run();
    expect(b.history).toEqual(a.history);
    expect(Buffer.from(b.bytes).equals(Buffer.from(a.bytes))).toBe(true);
    const h = a.history;
    for (const key of ["loss", "reconstruction", "kl", "valLoss", "valReconstruction", "valKl"]) expect(h[key]).toHaveLength(15);
    expect(h.loss.at(-1)!).toBeLessThan(h.loss[0]!);
    expect(h.valLoss.at(-1)!).toBeCloseTo(h.valReconstruction!.at(-1)! + h.valKl!.at(-1)!, 4);
  });

  it("encodes (μ, log σ²), decodes, samples, interpolates, and scores deterministically", async () => {
    const vae = await VAE.create(config());
    const x = data(64, 3);
    await vae.fit(x, { epochs: 5, batchSize: 16 });
    const { mean, logVariance } = vae.encode(x, { logVariance: true });
    expect(mean.shape).toEqual([64, LATENT]);
    expect(logVariance.shape).toEqual([64, LATENT]);
    expect(Array.from(vae.encode(x).data)).toEqual(Array.from(mean.data));
    expect(Array.from(vae.reconstruct(x).data)).toEqual(Array.from(vae.decode(mean).data));
    expect(Array.from(vae.reconstructionError(x))).toEqual(Array.from(vae.reconstructionError(x)));
    const s1 = vae.sample(5);
    const s2 = vae.sample(5);
    expect(s1.shape).toEqual([5, FEATURES]);
    expect(Array.from(s1.data)).not.toEqual(Array.from(s2.data));
    expect(Array.from(vae.sample(5, { seed: 3 }).data)).toEqual(Array.from(vae.sample(5, { seed: 3 }).data));
    const a = x.data.subarray(0, FEATURES);
    const b = x.data.subarray(FEATURES, 2 * FEATURES);
    const path = vae.interpolate(a, b, 4);
    expect(path.shape).toEqual([4, FEATURES]);
    expectClose(path.data.subarray(0, FEATURES), vae.reconstruct({ data: a, shape: [1, FEATURES] }).data, { atol: 1e-6 }, "interpolation start");
    expectClose(path.data.subarray(3 * FEATURES), vae.reconstruct({ data: b, shape: [1, FEATURES] }).data, { atol: 1e-6 }, "interpolation end");
    const iw = vae.logLikelihood(x, { samples: 64 });
    expect(iw).toHaveLength(64);
    const meanIw = iw.reduce((s, v) => s + v, 0) / iw.length;
    // The importance-weighted bound is at least the ELBO, up to sampling noise.
    expect(meanIw).toBeGreaterThan(-vae.evaluate(x).loss - 0.05);
    expect(Array.from(vae.logLikelihood(x, { samples: 8 }))).toEqual(Array.from(vae.logLikelihood(x, { samples: 8 })));
    const back = await VAE.load(vae.save());
    expect(Array.from(back.reconstruct(x).data)).toEqual(Array.from(vae.reconstruct(x).data));
    back.dispose();
    vae.dispose();
  });

  it("supports a Gaussian decoder and β", async () => {
    const vae = await VAE.create(config({ loss: "mse", beta: 4, decoder: [layers.dense(6, "tanh"), layers.dense(FEATURES)] }));
    const h = await vae.fit(data(128, 4), { epochs: 5, batchSize: 32 });
    expect(h.loss.every(Number.isFinite)).toBe(true);
    expect(h.loss[0]!).toBeCloseTo(h.reconstruction![0]! + 4 * h.kl![0]!, 4);
    vae.dispose();
  });

  it("rejects invalid settings", async () => {
    await expect(VAE.create(config({ beta: -1 }))).rejects.toThrow(/beta >= 0/);
    await expect(VAE.create(config({ latent: 0 }))).rejects.toThrow(ConfigError);
    await expect(VAE.create(config({ loss: "l1" as never }))).rejects.toThrow(/Bernoulli/);
    await expect(VAE.create(config({ decoder: [layers.dense(3)] }))).rejects.toThrow(/input's shape/);
    await expect(VAE.create(config({ klWarmupSteps: -2 }))).rejects.toThrow(/klWarmupSteps/);
  });
});
