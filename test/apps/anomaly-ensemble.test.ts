// The default detector's pieces: RobustScaler against statistics worked out
// by hand, the code-space neighbour distance against a hand case, the
// ensemble's defaults (members, scaler, trimmed training). Its saved format:
// anomaly-ensemble-file.test.ts.
import { describe, expect, it } from "vitest";
import { AnomalyDetector } from "../../src/apps/anomaly-detector.js";
import { defaultMembers, neighbourDistances, memberHiddenSizes, robust, trainingHalves } from "../../src/apps/anomaly-ensemble.js";
import { RobustScaler, scalerFromJSON } from "../../src/apps/scaler.js";
import { Autoencoder } from "../../src/models/autoencoder.js";
import { layers } from "../../src/layers/index.js";
import { rng } from "../helpers.js";
import { planeWithOutliers as data } from "./anomaly-fixtures.js";

describe("RobustScaler", () => {
  // Columns: [1, 2, 3, 4, 100] (median 3, quartiles 2 and 4: IQR 2), [0, 0, 0, 0, 5] (IQR 0: the population
  // standard deviation, mean 1, variance (4·1 + 16)/5 = 4, so 2), [7, 7, 7, 7, 7] (constant: 1).
  const x = { data: Float32Array.from([1, 0, 7, 2, 0, 7, 3, 0, 7, 4, 0, 7, 100, 5, 7]), shape: [5, 3] };

  it("centres on the median and divides by the IQR, else the standard deviation, else 1", async () => {
    const scaler = await new RobustScaler().fit(x);
    expect(Array.from(scaler.center)).toEqual([3, 0, 7]);
    expect(Array.from(scaler.spread)).toEqual([2, 2, 1]);
    const out = scaler.transform(x).data;
    expect(Array.from(out.subarray(12, 15))).toEqual([48.5, 2.5, 0]);
    expect(Array.from(scaler.inverseTransform(scaler.transform(x)).data)).toEqual(Array.from(x.data));
  });

  it("interpolates quantiles linearly between order statistics (numpy's default)", async () => {
    // [0, 1, 2, 10]: q25 at position 0.75 → 0.75, median 1.5, q75 at 2.25 → 2 + 0.25·8 = 4; IQR 3.25.
    const scaler = await new RobustScaler().fit({ data: Float32Array.from([10, 0, 2, 1]), shape: [4, 1] });
    expect(Array.from(scaler.center)).toEqual([1.5]);
    expect(Array.from(scaler.spread)).toEqual([3.25]);
  });

  it("round-trips through its JSON, and a non-positive spread in a file is refused", async () => {
    const scaler = await new RobustScaler().fit(x);
    const json = scaler.toJSON();
    expect(Array.from(scalerFromJSON(JSON.parse(JSON.stringify(json))).transform(x).data)).toEqual(Array.from(scaler.transform(x).data));
    expect(() => scalerFromJSON({ ...json, spread: [2, 0, 1] })).toThrow(/spread: expected finite float32 numbers >= .* found 0 at index 1/);
  });
});

describe("neighbourDistances", () => {
  // 1-D codes: reference [0, 1, 3, 6, 10, 20]; query 2 → distances 1, 1, 2, 4, 8 → mean 3.2.
  const reference = Float32Array.from([0, 1, 3, 6, 10, 20]);
  it("averages the distances to the 5 nearest reference codes", () => {
    expect(Array.from(neighbourDistances(Float32Array.from([2]), reference, 1))).toEqual([3.2]);
    // 2-D: a 3-4-5 triangle; with 1 reference row there is 1 neighbour.
    expect(Array.from(neighbourDistances(Float32Array.from([3, 4]), Float32Array.from([0, 0]), 2))).toEqual([5]);
  });
  it("leaves a training row out of its own neighbours", () => {
    // Query = reference row 1 (value 1): without itself, 0 (1), 3 (2), 6 (5), 10 (9), 20 (19) → 7.2.
    expect(Array.from(neighbourDistances(Float32Array.from([1]), reference, 1, Int32Array.from([1])))).toEqual([7.2]);
    expect(Array.from(neighbourDistances(Float32Array.from([1]), reference, 1))).toEqual([(0 + 1 + 2 + 5 + 9) / 5]);
  });
  it("matches a brute-force f64 search on random 7-D data, within f32 rounding", () => {
    const next = rng(11);
    const width = 7;
    const query = Float32Array.from({ length: 40 * width }, () => 4 * next() - 2);
    const ref = Float32Array.from({ length: 300 * width }, () => 4 * next() - 2);
    // Query row i is reference row 3i: it must leave itself out.
    for (let i = 0; i < 40; i++) ref.set(query.subarray(i * width, (i + 1) * width), 3 * i * width);
    const self = Int32Array.from({ length: 40 }, (_, i) => 3 * i);
    const got = neighbourDistances(query, ref, width, self);
    for (let i = 0; i < 40; i++) {
      const d: number[] = [];
      for (let t = 0; t < 300; t++) {
        if (t === 3 * i) continue;
        let sum = 0;
        for (let j = 0; j < width; j++) sum += (query[i * width + j]! - ref[t * width + j]!) ** 2;
        d.push(Math.sqrt(sum));
      }
      d.sort((a, b) => a - b);
      const expected = d.slice(0, 5).reduce((a, b) => a + b, 0) / 5;
      expect(Math.abs(got[i]! - expected), `row ${i}: ${got[i]} against ${expected}`).toBeLessThan(1e-5);
    }
  });
});

describe("robust", () => {
  it("is the median and MAD, or where the MAD is 0 the mean absolute deviation times 0.6745/0.7979", () => {
    // [1, 2, 4, 7, 100]: median 4, deviations 3, 2, 0, 3, 96 → MAD 3.
    expect(robust(Float64Array.from([1, 2, 4, 7, 100]))).toEqual([4, 3]);
    // [0, 0, 0, 0, 2, 8]: median 0, MAD 0; mean absolute deviation 10/6.
    const [mid, scale] = robust(Float64Array.from([0, 0, 0, 0, 2, 8]));
    expect(mid).toBe(0);
    expect(scale).toBeCloseTo((10 / 6) * (0.6745 / 0.7979), 12);
    // All equal: a tiny positive scale.
    expect(robust(Float64Array.from([3, 3, 3]))[1]).toBe(4e-12);
  });
});

describe("the default ensemble", () => {
  it("has 5 to 20 members by the rows, a robust scaler, trains 40 epochs in two halves, and ranks the far samples on top", async () => {
    // ceil(5·1024 / rows) within [5, 20]; within [8, 20] on at most 64 features and fewer than 16384 rows.
    expect([100000, 1024, 1000, 513, 256, 206, 48].map((rows) => defaultMembers(rows, 1555))).toEqual([5, 5, 6, 10, 20, 20, 20]);
    expect([100000, 16384, 16383, 1024, 640, 513, 206].map((rows) => defaultMembers(rows, 64))).toEqual([5, 5, 8, 8, 8, 10, 20]);
    expect(defaultMembers(1024, 65)).toBe(5);
    expect(trainingHalves(40)).toEqual([20, 20]);
    expect(trainingHalves(5)).toEqual([3, 2]);
    expect(memberHiddenSizes(1555, 32)).toEqual([64]);
    expect(memberHiddenSizes(6, 1)).toEqual([16, 4]);
    expect(memberHiddenSizes(100, 16)).toEqual([64]);
    const x = data(3);
    const detector = new AnomalyDetector({ contamination: 0.03 });
    expect(detector.ensemble).toBe(5);
    await detector.fit(x);
    expect(detector.ensemble).toBe(20);
    expect(detector.members).toHaveLength(20);
    expect(detector.scaler).toBeInstanceOf(RobustScaler);
    expect(detector.history!.loss).toHaveLength(40);
    expect(detector.history!.epoch).toEqual(Array.from({ length: 40 }, (_, i) => i));
    const scores = detector.decisionScores;
    const order = Array.from(scores.keys()).sort((i, j) => scores[j]! - scores[i]!);
    expect(order.slice(0, 6).sort((i, j) => i - j)).toEqual([200, 201, 202, 203, 204, 205]);
    detector.dispose();
    // Data already in [0, 1] (pixels) are left unscaled, unless a scaler is asked for.
    const next = rng(8);
    const unit = { data: Float32Array.from({ length: 64 * 6 }, () => next()), shape: [64, 6] };
    const pixels = await new AnomalyDetector({ epochs: 2 }).fit(unit);
    expect(pixels.scaler).toBeNull();
    pixels.dispose();
    const asked = await new AnomalyDetector({ epochs: 2, scaler: "robust" }).fit(unit);
    expect(asked.scaler).toBeInstanceOf(RobustScaler);
    asked.dispose();
    const model = await Autoencoder.create({ input: [6], encoder: [layers.dense(2)], decoder: [layers.dense(6)] });
    const given = new AnomalyDetector({ model });
    expect(given.ensemble).toBe(1);
    given.dispose();
    model.dispose();
  });
});
