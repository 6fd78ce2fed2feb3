// Denoising, sparse and contractive autoencoders at the model level.
import { describe, expect, it } from "vitest";
import { Autoencoder, ConfigError, layers, type AutoencoderConfig } from "../../src/index.js";
import { randomArray } from "../helpers.js";

const FEATURES = 12;

function data(rows: number, seed: number) {
  const z = randomArray(rows * 3, seed, -2, 2);
  const mix = randomArray(3 * FEATURES, 99, -1.5, 1.5);
  const out = new Float32Array(rows * FEATURES);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < FEATURES; j++) {
      let s = 0;
      for (let f = 0; f < 3; f++) s += z[r * 3 + f]! * mix[f * FEATURES + j]!;
      out[r * FEATURES + j] = 1 / (1 + Math.exp(-s));
    }
  }
  return { data: out, shape: [rows, FEATURES] };
}

const base = (extra: Partial<AutoencoderConfig> = {}): AutoencoderConfig => ({
  input: [FEATURES],
  encoder: [layers.dense(16, "relu"), layers.dense(8, "sigmoid")],
  decoder: [layers.dense(16, "relu"), layers.dense(FEATURES, "sigmoid")],
  loss: "bce",
  optimizer: { name: "adam", learningRate: 1e-2 },
  seed: 11,
  ...extra,
});

const meanAbs = (a: Float32Array) => a.reduce((s, v) => s + Math.abs(v), 0) / a.length;

describe("regularized autoencoders", () => {
  it("denoising: trains on corrupted input against the clean target, deterministically", async () => {
    const x = data(256, 1);
    const run = async () => {
      const ae = await Autoencoder.create(base({ noise: { type: "gaussian", stddev: 0.3, clip: [0, 1] } }));
      const h = await ae.fit(x, { epochs: 10, batchSize: 32 });
      const out = ae.denoise(x);
      ae.dispose();
      return { h, out };
    };
    const a = await run();
    const b = await run();
    expect(b.h).toEqual(a.h);
    expect(Array.from(b.out.data)).toEqual(Array.from(a.out.data));
    expect(a.h.loss.at(-1)!).toBeLessThan(a.h.loss[0]!);
    for (const noise of [{ type: "mask", rate: 0.3 }, { type: "saltPepper", rate: 0.2 }] as const) {
      const ae = await Autoencoder.create(base({ noise }));
      const h = await ae.fit(x, { epochs: 3, batchSize: 32 });
      expect(h.loss.every(Number.isFinite)).toBe(true);
      ae.dispose();
    }
  });

  it("sparse (L1 and KL): mean code activation well below the plain model's", async () => {
    const x = data(256, 2);
    const train = async (extra: Partial<AutoencoderConfig>) => {
      const ae = await Autoencoder.create(base(extra));
      const h = await ae.fit(x, { epochs: 30, batchSize: 32 });
      const code = ae.encode(x).data;
      ae.dispose();
      return { h, activation: meanAbs(code) };
    };
    const plain = await train({});
    const l1 = await train({ sparsity: { l1: 1e-2 } });
    const kl = await train({ sparsity: { kl: { rho: 0.05, beta: 1 } } });
    expect(l1.activation).toBeLessThan(plain.activation * 0.6);
    expect(kl.activation).toBeLessThan(plain.activation * 0.6);
    expect(l1.h.penalty).toHaveLength(30);
    expect(l1.h.reconstruction).toHaveLength(30);
  });

  it("k-sparse: every code keeps at most k non-zero units", async () => {
    const ae = await Autoencoder.create(base({ encoder: [layers.dense(16, "relu"), layers.dense(8)], sparsity: { k: 3 } }));
    await ae.fit(data(128, 3), { epochs: 3, batchSize: 32 });
    const code = ae.encode(data(20, 4));
    for (let r = 0; r < 20; r++) expect(code.data.subarray(r * 8, r * 8 + 8).filter((v) => v !== 0).length).toBeLessThanOrEqual(3);
    ae.dispose();
  });

  it("contractive: trains with the Jacobian penalty reported", async () => {
    const ae = await Autoencoder.create(base({ encoder: [layers.dense(8, "sigmoid")], contractive: 0.1 }));
    const h = await ae.fit(data(128, 5), { epochs: 5, batchSize: 32 });
    expect(h.penalty!.every((v) => v > 0)).toBe(true);
    expect(h.loss.at(-1)!).toBeLessThan(h.loss[0]!);
    ae.dispose();
  });

  it("rejects invalid settings when the model is created", async () => {
    const cases: [Partial<AutoencoderConfig>, RegExp][] = [
      [{ noise: { type: "gaussian", stddev: -0.1 } }, /stddev >= 0/],
      [{ noise: { type: "mask", rate: 1 } }, /rate in \[0, 1\)/],
      [{ noise: { type: "saltPepper", rate: -0.5 } }, /rate in \[0, 1\)/],
      [{ noise: { type: "pink" } as never }, /noise type/],
      [{ sparsity: { kl: { rho: 1.2, beta: 1 } } }, /rho in \(0, 1\)/],
      [{ sparsity: { kl: { rho: 0.1, beta: -1 } } }, /beta >= 0/],
      [{ sparsity: { k: 9 } }, /k an integer in \[1, 8\]/],
      [{ sparsity: { l1: -1 } }, /l1 >= 0/],
      [{ contractive: 0.1 }, /one dense sigmoid layer/],
      [{ encoder: [layers.dense(16, "relu"), layers.dense(8)], sparsity: { kl: { rho: 0.1, beta: 1 } } }, /sigmoid code/],
    ];
    for (const [extra, message] of cases) {
      await expect(Autoencoder.create(base(extra))).rejects.toThrow(ConfigError);
      await expect(Autoencoder.create(base(extra))).rejects.toThrow(message);
    }
  });
});

describe("addNoise", () => {
  it("corrupts data reproducibly and keeps its shape", async () => {
    const { addNoise } = await import("../../src/index.js");
    const x = data(10, 8);
    const a = await addNoise(x, { type: "saltPepper", rate: 0.5 }, { seed: 1 });
    const b = await addNoise(x, { type: "saltPepper", rate: 0.5 }, { seed: 1 });
    const c = await addNoise(x, { type: "saltPepper", rate: 0.5 }, { seed: 2 });
    expect(a.shape).toEqual(x.shape);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
    await expect(addNoise(x, { type: "gaussian", stddev: -1 })).rejects.toThrow(ConfigError);
  });
});
