// One name for the code size across the estimators and the VAE: `codeSize`,
// with scikit-learn's `nComponents` and Keras's `latent` accepted as aliases.
import { describe, expect, it } from "vitest";
import { AnomalyDetector } from "../../src/apps/anomaly-detector.js";
import { Denoiser } from "../../src/apps/denoiser.js";
import { FeatureExtractor } from "../../src/apps/feature-extractor.js";
import { Generator } from "../../src/apps/generator.js";
import { Reducer } from "../../src/apps/reducer.js";
import { ConfigError } from "../../src/errors.js";
import { layers } from "../../src/layers/index.js";
import { VAE } from "../../src/models/vae.js";
import { codeSizeOption } from "../../src/options.js";

const x = { data: Float32Array.from({ length: 30 * 8 }, (_, i) => ((i * 5) % 13) / 12), shape: [30, 8] };
const ALIASES = ["codeSize", "nComponents", "latent"] as const;

describe("codeSizeOption", () => {
  it("takes any one of the names, or several that agree", () => {
    expect(codeSizeOption("R", {})).toBeUndefined();
    for (const key of ALIASES) expect(codeSizeOption("R", { [key]: 3 })).toEqual({ size: 3, key });
    expect(codeSizeOption("R", { codeSize: 3, latent: 3 })).toEqual({ size: 3, key: "codeSize" });
  });

  it("refuses sizes that are not positive integers, and names that disagree", () => {
    expect(() => codeSizeOption("Reducer", { nComponents: 0 })).toThrow(/^Reducer: nComponents: expected a positive integer \(the code size\), found 0$/);
    expect(() => codeSizeOption("Reducer", { latent: 2.5 })).toThrow(ConfigError);
    expect(() => codeSizeOption("Reducer", { codeSize: "4" as unknown as number })).toThrow(/found "4"/);
    expect(() => codeSizeOption("Reducer", { codeSize: 2, nComponents: 3 })).toThrow(/codeSize and nComponents both name the code size, and differ: 2 and 3/);
  });
});

describe("every estimator takes every name", () => {
  it.each(ALIASES)("Reducer, FeatureExtractor, Denoiser, AnomalyDetector and Generator with %s: 3", async (key) => {
    const made = [new Reducer({ [key]: 3, epochs: 1 }), new FeatureExtractor({ [key]: 3, epochs: 1 }), new Denoiser({ [key]: 3, epochs: 1 }), new AnomalyDetector({ [key]: 3, epochs: 1 })];
    for (const estimator of made) {
      await estimator.fit(x);
      expect(estimator.model.codeShape, estimator.constructor.name).toEqual([3]);
      estimator.dispose();
    }
    const generator = new Generator({ [key]: 3, epochs: 1 });
    await generator.fit(x);
    expect(generator.model.codeSize).toBe(3);
    expect(generator.transform(x).shape).toEqual([30, 3]);
    generator.dispose();
  });

  it("Reducer reports codeSize and its alias nComponents", () => {
    const reducer = new Reducer({ latent: 4 });
    expect([reducer.codeSize, reducer.nComponents]).toEqual([4, 4]);
  });

  it("a VAE created with codeSize saves the same file as one created with latent", async () => {
    const config = { input: [8], encoder: [layers.dense(6, "relu")], decoder: [layers.dense(8, "sigmoid")], seed: 2 };
    const a = await VAE.create({ ...config, codeSize: 3 });
    const b = await VAE.create({ ...config, latent: 3 });
    expect([a.latent, a.codeSize]).toEqual([3, 3]);
    expect(a.save()).toEqual(b.save());
    a.dispose();
    b.dispose();
    await expect(VAE.create(config)).rejects.toThrow(/VAE: expected codeSize \(or latent\)/);
  });
});
