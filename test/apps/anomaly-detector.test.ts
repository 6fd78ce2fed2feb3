// AnomalyDetector on small generated data: outliers ranked on top, PyOD's
// threshold / predict / predictProba conventions recomputed by hand from the
// training scores, save/load bit-identical, determinism, typed errors.
import { beforeAll, describe, expect, it } from "vitest";
import { AnomalyDetector } from "../../src/apps/anomaly-detector.js";
import { prAuc, rocAuc } from "../../src/apps/metrics.js";
import { AutoencoderError, ConfigError, DataError, DisposedError, ModelFormatError, ShapeError } from "../../src/errors.js";
import { decodeModelFile, encodeModelFile } from "../../src/io/model-file.js";
import { layers } from "../../src/layers/index.js";
import { rng } from "../helpers.js";
import { erfReference } from "../reference/apps.js";

const D = 8;
const INLIERS = 300;
const OUTLIERS = 15;

/** Inliers near a 2-D plane in 8-D, outliers uniform in a box around them; outliers last. */
function planeData(seed: number, inliers = INLIERS, outliers = OUTLIERS): { x: { data: Float32Array; shape: number[] }; y: Uint8Array } {
  const next = rng(seed);
  const basis = Array.from({ length: 2 * D }, () => 2 * next() - 1);
  const n = inliers + outliers;
  const data = new Float32Array(n * D);
  for (let i = 0; i < n; i++) {
    const z = [2 * next() - 1, 2 * next() - 1];
    for (let j = 0; j < D; j++) {
      data[i * D + j] = i < inliers ? z[0]! * basis[j]! + z[1]! * basis[D + j]! + 0.05 * (next() - 0.5) : 6 * next() - 3;
    }
  }
  return { x: { data, shape: [n, D] }, y: Uint8Array.from({ length: n }, (_, i) => (i < inliers ? 0 : 1)) };
}

const OPTIONS = { contamination: 0.05, codeSize: 2, epochs: 40, batchSize: 32, seed: 3 } as const;

/** np.percentile(scores, q), linear, written out for this test. */
function numpyPercentile(values: ArrayLike<number>, q: number): number {
  const a = Array.from(values).sort((u, v) => u - v);
  const h = (q / 100) * (a.length - 1);
  const i = Math.floor(h);
  const t = h - i;
  const lo = a[i]!;
  const hi = a[Math.min(i + 1, a.length - 1)]!;
  return t >= 0.5 ? hi - (hi - lo) * (1 - t) : lo + (hi - lo) * t;
}

describe("AnomalyDetector", () => {
  const { x, y } = planeData(1);
  const test = planeData(2, 100, 10);
  let detector: AnomalyDetector;

  beforeAll(async () => {
    detector = await new AnomalyDetector(OPTIONS).fit(x);
  });

  it("ranks the outliers on top of the training and of new data", () => {
    const scores = detector.decisionScores;
    expect(scores.length).toBe(INLIERS + OUTLIERS);
    expect(rocAuc(y, scores)).toBeGreaterThan(0.98);
    const fresh = detector.decisionFunction(test.x);
    expect(rocAuc(test.y, fresh)).toBeGreaterThan(0.98);
    expect(prAuc(test.y, fresh)).toBeGreaterThan(0.9);
    const top = Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]!).slice(0, 10);
    expect(top.every((i) => y[i] === 1), `top-10 training scores at ${top.join(", ")}`).toBe(true);
  });

  it("threshold, labels and predict follow PyOD: percentile 100·(1 − contamination), strictly above", () => {
    const scores = detector.decisionScores;
    expect(detector.threshold).toBe(numpyPercentile(scores, 100 * (1 - 0.05)));
    const labels = detector.labels;
    expect(Array.from(labels)).toEqual(Array.from(scores, (s) => (s > detector.threshold ? 1 : 0)));
    // Distinct scores: exactly ⌊n·c⌋ or ⌈n·c⌉ are called (here 15.75 → 15 or 16).
    const called = labels.reduce((a, b) => a + b, 0);
    expect(called === 15 || called === 16, `${called} called`).toBe(true);
    expect(Array.from(detector.predict(x))).toEqual(Array.from(labels));
    expect(detector.predict(test.x).every((v, i) => v === (detector.decisionFunction(test.x)[i]! > detector.threshold ? 1 : 0))).toBe(true);
  });

  it("predictProba 'linear' is the min-max scaled score, clipped; 'unify' is erf of the standardized score, clipped", () => {
    const train = Array.from(detector.decisionScores);
    const min = Math.min(...train);
    const max = Math.max(...train);
    const mean = train.reduce((a, b) => a + b, 0) / train.length;
    const std = Math.sqrt(train.reduce((a, b) => a + (b - mean) ** 2, 0) / train.length);
    const scores = detector.decisionFunction(test.x);
    const clip = (v: number) => Math.min(1, Math.max(0, v));
    for (const [method, expected] of [
      ["linear", Array.from(scores, (s) => clip((s - min) / (max - min)))],
      ["unify", Array.from(scores, (s) => clip(erfReference((s - mean) / (std * Math.SQRT2))))],
    ] as const) {
      const p = detector.predictProba(test.x, method);
      expect(p.shape).toEqual([scores.length, 2]);
      for (let i = 0; i < scores.length; i++) {
        // f32 arithmetic on the affine map plus the erf bound.
        expect(Math.abs(p.data[2 * i + 1]! - expected[i]!), `${method} row ${i}: expected ${expected[i]}, got ${p.data[2 * i + 1]}`).toBeLessThan(2e-6);
        expect(p.data[2 * i]! + p.data[2 * i + 1]!).toBeCloseTo(1, 7);
      }
    }
    const linear = detector.predictProba(x, "linear");
    const outlierColumn = Array.from({ length: INLIERS + OUTLIERS }, (_, i) => linear.data[2 * i + 1]!);
    expect(Math.min(...outlierColumn)).toBe(0);
    expect(Math.max(...outlierColumn)).toBeCloseTo(1, 6);
  });

  it("thresholdQuantile replaces 1 − contamination", async () => {
    const file = decodeModelFile(detector.save());
    const config = file.config as { state: Record<string, unknown> };
    config.state.thresholdQuantile = 0.5;
    const median = await AnomalyDetector.load(encodeModelFile(config, [...file.tensors].map(([name, t]) => ({ name, ...t }))));
    expect(median.thresholdQuantile).toBe(0.5);
    expect(median.threshold).toBe(numpyPercentile(detector.decisionScores, 50));
    median.dispose();
  });

  it("uses the saved training scores: hand-picked ones give PyOD's threshold and probabilities", async () => {
    const file = decodeModelFile(detector.save());
    const withScores = async (values: number[], contamination: number): Promise<AnomalyDetector> => {
      const tensors = [...file.tensors].map(([name, t]) => ({ name, ...t }));
      const scores = tensors.find((t) => t.name === "anomaly-detector.decision_scores")!;
      scores.data = Float32Array.from(values);
      scores.shape = [values.length];
      const config = structuredClone(file.config) as { state: { contamination: number } };
      config.state.contamination = contamination;
      return AnomalyDetector.load(encodeModelFile(config, tensors));
    };
    const tenths = await withScores([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.1);
    expect(tenths.threshold).toBeCloseTo(9.1, 12); // h = 0.9·9 = 8.1 between 9 and 10
    expect(Array.from(tenths.labels)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    tenths.dispose();
    // Training scores s0 ∓ 1 around the score s0 of a probe: min-max puts s0 at ½, unify at erf(0) = 0;
    // their mean is s0 and their std 1, so a probe scoring s has P = erf((s − s0)/√2).
    const probe = { data: test.x.data.slice(0, 2 * D), shape: [2, D] };
    const probeScores = detector.decisionFunction(probe);
    const s0 = probeScores[0]!;
    const s1 = probeScores[1]!;
    const pair = await withScores([s0 - 1, s0 + 1], 0.1);
    expect(pair.threshold).toBeCloseTo(s0 + 0.8, 6); // h = 0.9: (s0 + 1) − 2·0.1
    const linear = pair.predictProba(probe, "linear").data;
    const unify = pair.predictProba(probe, "unify").data;
    expect(linear[1]).toBeCloseTo(0.5, 6);
    expect(linear[0]).toBeCloseTo(0.5, 6);
    expect(linear[3]).toBeCloseTo(Math.min(1, Math.max(0, (s1 - s0 + 1) / 2)), 6);
    expect(unify[1]).toBeCloseTo(0, 6);
    expect(unify[0]).toBeCloseTo(1, 6);
    expect(unify[3]).toBeCloseTo(Math.max(0, erfReference((s1 - s0) / Math.SQRT2)), 6);
    pair.dispose();
  });

  it("save/load restores bit-identical scores, threshold and settings", async () => {
    const bytes = detector.save();
    const loaded = await AnomalyDetector.load(bytes);
    expect(Array.from(loaded.decisionFunction(test.x))).toEqual(Array.from(detector.decisionFunction(test.x)));
    expect(Array.from(loaded.decisionScores)).toEqual(Array.from(detector.decisionScores));
    expect(loaded.threshold).toBe(detector.threshold);
    expect(loaded.contamination).toBe(0.05);
    expect(loaded.scaler?.toJSON()).toEqual(detector.scaler?.toJSON());
    expect(loaded.history).toBe(null);
    expect(Array.from(loaded.save())).toEqual(Array.from(bytes));
    loaded.dispose();
  });

  it("refuses corrupt or foreign files with a reason", async () => {
    const bytes = detector.save();
    const flipped = bytes.slice();
    flipped[bytes.length - 3]! ^= 0x10;
    await expect(AnomalyDetector.load(flipped)).rejects.toThrow(/corrupted model file: checksum/);
    await expect(AnomalyDetector.load(bytes.subarray(0, 100))).rejects.toThrow(/truncated/);
    await expect(AnomalyDetector.load(detector.model.save())).rejects.toThrow(/this is a saved Autoencoder, not a saved AnomalyDetector/);
    const file = decodeModelFile(bytes);
    const tensors = [...file.tensors].map(([name, t]) => ({ name, ...t }));
    await expect(AnomalyDetector.load(encodeModelFile(file.config, tensors.filter((t) => !t.name.startsWith("anomaly-detector."))))).rejects.toThrow(ModelFormatError);
    const config = file.config as { state: { contamination: number } };
    config.state.contamination = 0.9;
    await expect(AnomalyDetector.load(encodeModelFile(config, tensors))).rejects.toThrow(/contamination/);
  });

  it("is deterministic: two fits with the same seed give the same bits", async () => {
    const again = await new AnomalyDetector(OPTIONS).fit(x);
    expect(Array.from(again.decisionScores)).toEqual(Array.from(detector.decisionScores));
    expect(Array.from(again.save())).toEqual(Array.from(detector.save()));
    again.dispose();
  });

  it("trains a given architecture, and without standardization", async () => {
    const custom = await new AnomalyDetector({
      ...OPTIONS,
      standardize: false,
      model: { input: [D], encoder: [layers.dense(6, "tanh"), layers.dense(2)], decoder: [layers.dense(6, "tanh"), layers.dense(D)] },
    }).fit(x);
    expect(custom.scaler).toBe(null);
    expect(custom.model.codeShape).toEqual([2]);
    expect(rocAuc(y, custom.decisionScores)).toBeGreaterThan(0.95);
    custom.dispose();
  });

  it("fits tiny data (no room for the default validation split) and min-max scaling (a sigmoid output)", async () => {
    const tiny = await new AnomalyDetector({ epochs: 3 }).fit({ data: x.data.slice(0, 6 * D), shape: [6, D] });
    expect(tiny.decisionScores.length).toBe(6);
    expect(tiny.history!.valLoss.length).toBe(0);
    tiny.dispose();
    const minmax = await new AnomalyDetector({ scaler: "minmax", epochs: 2 }).fit(x);
    expect(minmax.scaler?.toJSON().kind).toBe("minmax");
    expect(minmax.model.loss).toBe("bce");
    minmax.dispose();
  });

  it("typed errors: contamination, not fitted, feature count, NaN, disposed", async () => {
    for (const contamination of [0, -0.1, 0.51, NaN]) expect(() => new AnomalyDetector({ contamination })).toThrow(ConfigError);
    expect(() => new AnomalyDetector({ contamination: 0.5 })).not.toThrow();
    expect(() => new AnomalyDetector({ thresholdQuantile: 1.5 })).toThrow(ConfigError);
    const fresh = new AnomalyDetector();
    expect(() => fresh.decisionFunction(x)).toThrow(AutoencoderError);
    expect(() => fresh.threshold).toThrow(/not fitted yet/);
    expect(() => detector.decisionFunction([[1, 2, 3]])).toThrow(ShapeError);
    expect(() => detector.predict({ data: new Float32Array(2 * D).fill(NaN), shape: [2, D] })).toThrow(DataError);
    expect(() => detector.predictProba(x, "softmax" as never)).toThrow(ConfigError);
    await expect(new AnomalyDetector({ codeSize: 3, model: { input: [D], encoder: [layers.dense(2)], decoder: [layers.dense(D)] } }).fit(x)).rejects.toThrow(/codeSize/);
    const gone = await AnomalyDetector.load(detector.save());
    gone.dispose();
    expect(() => gone.predict(x)).toThrow(DisposedError);
  });
});
