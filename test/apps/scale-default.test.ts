// The estimators' default scaler ("auto"): on scikit-learn's digits (pixels
// 0–16, the data set Debian's python3-sklearn ships), an unscaled 2-D Reducer
// learned the mean for seed 0 (MSE 18.3 against PCA's 13.4). With the defaults
// it must reach PCA's reconstruction error for every seed tried; data already
// in [0, 1] stays unscaled; a file saved without a scaler loads as before.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { Denoiser } from "../../src/apps/denoiser.js";
import { FeatureExtractor } from "../../src/apps/feature-extractor.js";
import { Reducer } from "../../src/apps/reducer.js";
import { StandardScaler } from "../../src/apps/scaler.js";
import { readCsv } from "../../src/io/csv.js";
import { PCA } from "../../src/models/pca.js";
import { init } from "../../src/wasm/module.js";

const DEBIAN_DIGITS = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz";

/** scikit-learn's digits.csv.gz: where Debian puts it, else wherever /usr/bin/python3's sklearn is. */
function digitsPath(): string {
  if (existsSync(DEBIAN_DIGITS)) return DEBIAN_DIGITS;
  const dir = execFileSync("/usr/bin/python3", ["-c", "import os, sklearn.datasets as d; print(os.path.dirname(d.__file__))"], { encoding: "utf8" }).trim();
  return join(dir, "data", "digits.csv.gz");
}

const mean = (a: Float32Array): number => a.reduce((s, v) => s + v, 0) / a.length;

let digits: { data: Float32Array; shape: [number, number] };
let pcaError: number;

beforeAll(async () => {
  await init();
  const text = gunzipSync(readFileSync(digitsPath())).toString("utf8");
  // 64 pixel columns, then the label.
  digits = readCsv(text, { header: false, columns: Array.from({ length: 64 }, (_, i) => i) });
  const pca = new PCA({ nComponents: 2 });
  await pca.fit(digits);
  pcaError = mean(pca.reconstructionError(digits));
  pca.dispose();
});

describe("the default scaler on scikit-learn's digits", () => {
  it("reads the whole data set: 1797 samples of 64 pixels in 0..16", () => {
    expect(digits.shape).toEqual([1797, 64]);
    expect(Math.max(...digits.data)).toBe(16);
    // PCA's figure, for the record: about 13.4 per pixel.
    expect(pcaError).toBeGreaterThan(12);
    expect(pcaError).toBeLessThan(15);
  });

  it.each([0, 1, 2])("a 2-D Reducer with the defaults reaches PCA's reconstruction error (seed %i)", async (seed) => {
    const reducer = new Reducer({ codeSize: 2, seed });
    await reducer.fit(digits);
    const error = mean(reducer.reconstructionError(digits));
    expect(reducer.scaler?.toJSON().kind).toBe("standard");
    expect(error, `seed ${seed}: autoencoder ${error.toFixed(3)} against PCA's ${pcaError.toFixed(3)}`).toBeLessThanOrEqual(pcaError);
    reducer.dispose();
  });

  it("unscaled, seed 0 learns little more than the mean (what the default prevents)", async () => {
    const reducer = new Reducer({ codeSize: 2, seed: 0, scaler: "none" });
    await reducer.fit(digits);
    expect(reducer.scaler).toBeNull();
    expect(mean(reducer.reconstructionError(digits))).toBeGreaterThan(pcaError);
    reducer.dispose();
  });
});

describe("auto leaves data in [0, 1] unscaled", () => {
  const unit = (): { data: Float32Array; shape: number[] } => ({ data: Float32Array.from({ length: 40 * 6 }, (_, i) => ((i * 7) % 11) / 10), shape: [40, 6] });

  it("Reducer, FeatureExtractor and Denoiser keep no scaler; data outside [0, 1] gets a StandardScaler", async () => {
    for (const make of [() => new Reducer({ epochs: 1 }), () => new FeatureExtractor({ epochs: 1 }), () => new Denoiser({ epochs: 1 })]) {
      const estimator = make();
      await estimator.fit(unit());
      expect(estimator.scaler).toBeNull();
      const wide = unit();
      wide.data = wide.data.map((v) => v * 16);
      await estimator.fit(wide);
      expect(estimator.scaler).toBeInstanceOf(StandardScaler);
      estimator.dispose();
    }
  });
});

describe("files saved without a scaler", () => {
  // test/data/reducer-unscaled.aenc: a Reducer saved before "auto" existed (scaler none, data 0–16).
  const x = { data: Float32Array.from({ length: 24 * 6 }, (_, i) => (i * 7) % 17), shape: [24, 6] };
  const expectedCodes = [-1.4526742696762085, 7.150317668914795, -11.750884056091309, 17.476308822631836, -8.635857582092285, 6.243564128875732];

  it("load with no scaler and give the codes they gave when saved", async () => {
    const bytes = new Uint8Array(readFileSync(new URL("../data/reducer-unscaled.aenc", import.meta.url)));
    const reducer = await Reducer.load(bytes);
    expect(reducer.scaler).toBeNull();
    expect(reducer.codeSize).toBe(2);
    expect(Array.from(reducer.transform(x).data.slice(0, 6))).toEqual(expectedCodes.map(Math.fround));
    reducer.dispose();
  });
});
