// Reducer and FeatureExtractor: PCA's surface and shapes, default
// architectures, given models, scalers inside the file, typed errors.
import { beforeAll, describe, expect, it } from "vitest";
import { defaultAutoencoderConfig, defaultCodeSize, defaultHiddenSizes } from "../../src/apps/defaults.js";
import { FeatureExtractor } from "../../src/apps/feature-extractor.js";
import { Reducer } from "../../src/apps/reducer.js";
import { AutoencoderError, ConfigError, DisposedError, ModelFormatError, ShapeError } from "../../src/errors.js";
import { layers } from "../../src/layers/index.js";
import { Autoencoder } from "../../src/models/autoencoder.js";
import { PCA } from "../../src/models/pca.js";
import { expectClose, rng } from "../helpers.js";

const D = 10;
const N = 240;

/** Samples near a curve in 10-D: x = f(t) + noise, values in [0, 1]. */
function curve(seed: number, n = N): { data: Float32Array; shape: number[] } {
  const next = rng(seed);
  const data = new Float32Array(n * D);
  for (let i = 0; i < n; i++) {
    const t = next() * Math.PI;
    for (let j = 0; j < D; j++) data[i * D + j] = 0.5 + 0.4 * Math.sin(t * (1 + j / 3) + j) + 0.02 * (next() - 0.5);
  }
  return { data, shape: [n, D] };
}

const mean = (a: Float32Array): number => a.reduce((s, v) => s + v, 0) / a.length;

describe("defaults", () => {
  it("hidden sizes, code sizes and the architecture they make", () => {
    expect(defaultHiddenSizes(784, 32)).toEqual([256, 64]);
    expect(defaultHiddenSizes(784, 8)).toEqual([256, 64, 16]);
    expect(defaultHiddenSizes(784, 2)).toEqual([256, 64, 16]);
    expect(defaultHiddenSizes(20, 4)).toEqual([16]);
    expect(defaultHiddenSizes(3, 2)).toEqual([]);
    expect([784, 100, 20, 8, 2, 1].map(defaultCodeSize)).toEqual([32, 16, 4, 1, 1, 1]);
    const config = defaultAutoencoderConfig({ inputShape: [28, 28], codeSize: 8, output: "sigmoid" });
    expect(config.loss).toBe("bce");
    expect(config.encoder.map((l) => l.type)).toEqual(["flatten", "dense", "dense", "dense", "dense"]);
    expect(config.decoder.at(-1)).toEqual({ type: "reshape", shape: [28, 28] });
    expect(defaultAutoencoderConfig({ inputShape: [20], codeSize: 4, output: "linear" }).loss).toBe("mse");
    expect(() => defaultHiddenSizes(0, 1)).toThrow(ConfigError);
    expect(() => defaultAutoencoderConfig({ inputShape: [5], codeSize: 2, output: "tanh" as never })).toThrow(ConfigError);
  });
});

describe("Reducer", () => {
  const x = curve(1);
  const held = curve(2, 60);
  let reducer: Reducer;

  beforeAll(async () => {
    reducer = await new Reducer({ nComponents: 2, epochs: 60, batchSize: 16, learningRate: 3e-3, seed: 1 }).fit(x);
  });

  it("has PCA's surface: transform, inverseTransform, fitTransform, reconstructionError, with the shapes", async () => {
    expect(reducer.nComponents).toBe(2);
    expect(reducer.nFeatures).toBe(D);
    const z = reducer.transform(held);
    expect(z.shape).toEqual([60, 2]);
    const back = reducer.inverseTransform(z);
    expect(back.shape).toEqual([60, D]);
    const errors = reducer.reconstructionError(held);
    expect(errors.length).toBe(60);
    let direct = 0;
    for (let i = 0; i < back.data.length; i++) direct += (back.data[i]! - held.data[i]!) ** 2;
    expect(mean(errors)).toBeCloseTo(direct / back.data.length, 6);
    // Data in [0, 1]: the default architecture ends in a sigmoid trained with BCE.
    expect(reducer.model.loss).toBe("bce");
    expect(reducer.history!.loss.length).toBeGreaterThan(5);
    const again = new Reducer({ nComponents: 2, epochs: 60, batchSize: 16, learningRate: 3e-3, seed: 1 });
    expect(Array.from((await again.fitTransform(x)).data)).toEqual(Array.from(reducer.transform(x).data));
    again.dispose();
  });

  it("a 1-D curve through a 2-D code beats PCA with 2 components", async () => {
    const pca = await new PCA({ nComponents: 2 }).fit(x);
    const pcaError = mean(pca.reconstructionError(held));
    expect(mean(reducer.reconstructionError(held))).toBeLessThan(pcaError);
    pca.dispose();
  });

  it("trains a given config or Autoencoder; nComponents must match its code", async () => {
    const linear = { input: [D], encoder: [layers.dense(3)], decoder: [layers.dense(D)], optimizer: { name: "adam" as const, learningRate: 1e-2 } };
    const fromConfig = await new Reducer({ model: linear, epochs: 5 }).fit(x);
    expect(fromConfig.nComponents).toBe(3);
    expect(fromConfig.model.loss).toBe("mse");
    const ae = await Autoencoder.create(linear);
    const fromModel = await new Reducer({ model: ae, epochs: 3, validationSplit: 0 }).fit(x);
    expect(fromModel.model).toBe(ae);
    await expect(new Reducer({ model: linear, nComponents: 2 }).fit(x)).rejects.toThrow(/nComponents: the model's code has 3 values/);
    fromConfig.dispose();
    fromModel.dispose();
    expect(ae.isDisposed).toBe(true);
  });

  it("saves the scaler with the model: inverseTransform and errors come back in the data's units", async () => {
    const shifted = { data: Float32Array.from(x.data, (v, i) => v * 100 + (i % D)), shape: x.shape };
    const scaled = await new Reducer({ nComponents: 2, scaler: "standard", epochs: 20, batchSize: 32 }).fit(shifted);
    expect(scaled.scaler?.toJSON().kind).toBe("standard");
    expect(scaled.model.loss).toBe("mse"); // standardized data is not in [0, 1]
    const back = scaled.inverseTransform(scaled.transform(shifted));
    expect(Math.abs(mean(back.data) - mean(shifted.data))).toBeLessThan(5);
    const loaded = await Reducer.load(scaled.save());
    expect(Array.from(loaded.transform(shifted).data)).toEqual(Array.from(scaled.transform(shifted).data));
    expect(Array.from(loaded.reconstructionError(shifted))).toEqual(Array.from(scaled.reconstructionError(shifted)));
    expect(loaded.nComponents).toBe(2);
    scaled.dispose();
    loaded.dispose();
  });

  it("keeps multi-axis samples: [N, 2, 5] in, [N, 2, 5] back", async () => {
    const grid = { data: x.data, shape: [N, 2, 5] };
    const r = await new Reducer({ nComponents: 2, epochs: 2 }).fit(grid);
    expect(r.sampleShape).toEqual([2, 5]);
    expect(r.inverseTransform(r.transform(grid)).shape).toEqual([N, 2, 5]);
    r.dispose();
  });

  it("typed errors: not fitted, wrong feature count, bad options, foreign files, disposed", async () => {
    expect(() => new Reducer().transform(x)).toThrow(AutoencoderError);
    expect(() => new Reducer().transform(x)).toThrow(/not fitted yet/);
    expect(() => reducer.transform([[1, 2, 3]])).toThrow(ShapeError);
    expect(() => reducer.inverseTransform([[1, 2, 3]])).toThrow(ShapeError);
    expect(() => new Reducer({ nComponents: 0 })).toThrow(ConfigError);
    expect(() => new Reducer({ scaler: "quantile" as never })).toThrow(ConfigError);
    await expect(Reducer.load(new Uint8Array([1, 2, 3]))).rejects.toThrow(ModelFormatError);
    await expect(FeatureExtractor.load(reducer.save())).rejects.toThrow(/expected a saved FeatureExtractor \(format "autoencoders\/feature-extractor"\), found format "autoencoders\/reducer"/);
    const gone = await Reducer.load(reducer.save());
    gone.dispose();
    expect(() => gone.transform(x)).toThrow(DisposedError);
  });
});

describe("FeatureExtractor", () => {
  it("defaults to 32 features, transforms to codes, round-trips through its file", async () => {
    const x = curve(3, 64);
    const fe = await new FeatureExtractor({ epochs: 2 }).fit(x);
    expect(fe.nComponents).toBe(32);
    const codes = fe.transform(x);
    expect(codes.shape).toEqual([64, 32]);
    const loaded = await FeatureExtractor.load(fe.save());
    expect(loaded).toBeInstanceOf(FeatureExtractor);
    expectClose(loaded.transform(x).data, codes.data, { atol: 0, rtol: 0 }, "codes after load");
    fe.dispose();
    loaded.dispose();
  });
});
