// The detector's PyOD-style additions: the binomial CDF behind
// predictConfidence against scipy, predict(x, { returnConfidence }), the
// automatic threshold recomputed by hand, and explain() on outliers planted
// in known columns.
import { beforeAll, describe, expect, it } from "vitest";
import { AnomalyDetector } from "../../src/apps/anomaly-detector.js";
import { autoThreshold, binomialCdf } from "../../src/apps/anomaly-scores.js";
import { ConfigError } from "../../src/errors.js";
import { rng } from "../helpers.js";

const D = 8;

/** Inliers near a 2-D plane in 8-D; the last `planted` rows are inliers with column `column(i)` moved by +6. */
function planted(seed: number, inliers: number, outliers: number, column: (i: number) => number) {
  const next = rng(seed);
  const basis = Array.from({ length: 2 * D }, () => 2 * next() - 1);
  const n = inliers + outliers;
  const data = new Float32Array(n * D);
  for (let i = 0; i < n; i++) {
    const z = [2 * next() - 1, 2 * next() - 1];
    for (let j = 0; j < D; j++) data[i * D + j] = z[0]! * basis[j]! + z[1]! * basis[D + j]! + 0.05 * (next() - 0.5);
    if (i >= inliers) data[i * D + column(i - inliers)] = data[i * D + column(i - inliers)]! + 6;
  }
  return { data, shape: [n, D] };
}

describe("binomialCdf", () => {
  // scipy 1.10.1 (Debian python3-scipy): scipy.stats.binom.cdf(k, n, p).
  const cases: [number, number, number, number][] = [
    [95, 100, 0.9, 0.9762889173365232],
    [3, 10, 0.5, 0.171875],
    [900, 1000, 0.93, 0.00026019868232607103],
    [9000, 10000, 0.9, 0.5048759163093188],
    [140000, 147034, 0.955, 1.0167469792467041e-7],
    [0, 5, 0.2, 0.32768],
    [49, 50, 0.999, 0.048794371802968695],
  ];
  it.each(cases)("P(X ≤ %i) for Binomial(%i, %f) matches scipy", (k, n, p, expected) => {
    const found = binomialCdf(k, n, p);
    expect(Math.abs(found - expected), `found ${found}, scipy ${expected}`).toBeLessThan(1e-12 + 1e-9 * expected);
  });
  it("is 0 below the support and 1 at its top", () => {
    expect(binomialCdf(-1, 10, 0.3)).toBe(0);
    expect(binomialCdf(10, 10, 0.3)).toBe(1);
  });
});

describe("autoThreshold", () => {
  it("is median + 3.5·MAD/0.6745", () => {
    // median 3, deviations [2, 1, 0, 1, 97] → MAD 1.
    expect(autoThreshold([1, 2, 3, 4, 100])).toBeCloseTo(3 + 3.5 / 0.6745, 12);
    // even count: median 2.5, deviations 1.5, 0.5, 0.5, 1.5 → MAD 1.
    expect(autoThreshold([4, 1, 3, 2])).toBeCloseTo(2.5 + 3.5 / 0.6745, 12);
    expect(autoThreshold([5, 5, 5, 9])).toBe(5);
  });
});

describe("AnomalyDetector: PyOD names, auto threshold, explain", () => {
  const x = planted(11, 300, 12, (i) => i % D);
  let detector: AnomalyDetector;
  beforeAll(async () => {
    detector = await new AnomalyDetector({ contamination: 0.04, codeSize: 2, epochs: 40, batchSize: 32, seed: 1 }).fit(x);
  });

  it("predictConfidence follows ExCeeD from the training scores, and predict returns it on request", () => {
    const scores = detector.decisionScores;
    const n = scores.length;
    const k = n - Math.floor(n * 0.04);
    const sorted = Array.from(scores).sort((a, b) => a - b);
    const confidence = detector.predictConfidence(x);
    const labels = detector.predict(x);
    const both = detector.predict(x, { returnConfidence: true });
    expect(Array.from(both.labels)).toEqual(Array.from(labels));
    expect(Array.from(both.confidence)).toEqual(Array.from(confidence));
    const own = detector.decisionFunction(x);
    for (let i = 0; i < n; i++) {
      const m = sorted.filter((s) => s <= own[i]!).length;
      const outlier = 1 - binomialCdf(k, n, (1 + m) / (2 + n));
      expect(confidence[i]).toBeCloseTo(labels[i] ? outlier : 1 - outlier, 6);
    }
    // The clearest outlier and the most typical inlier are both called with confidence.
    const top = own.indexOf(Math.max(...own));
    const bottom = own.indexOf(Math.min(...own));
    expect(confidence[top]).toBeGreaterThan(0.99);
    expect(confidence[bottom]).toBeGreaterThan(0.99);
  });

  it("contamination 'auto' sets the threshold by the modified z-score and survives save/load", async () => {
    const auto = await new AnomalyDetector({ contamination: "auto", codeSize: 2, epochs: 40, batchSize: 32, seed: 1 }).fit(x);
    expect(auto.threshold).toBe(autoThreshold(auto.decisionScores));
    expect(auto.contamination).toBe("auto");
    const labels = auto.labels;
    // The planted rows are far off the plane: the rule flags all of them.
    for (let i = 300; i < 312; i++) expect(labels[i], `row ${i}`).toBe(1);
    expect(auto.thresholdQuantile).toBeCloseTo(1 - labels.reduce((a, b) => a + b, 0) / labels.length, 12);
    const loaded = await AnomalyDetector.load(auto.save());
    expect(loaded.threshold).toBe(auto.threshold);
    expect(Array.from(loaded.predict(x))).toEqual(Array.from(auto.predict(x)));
    expect(() => new AnomalyDetector({ contamination: "automatic" as never })).toThrow(ConfigError);
    auto.dispose();
    loaded.dispose();
  });

  it("explain puts most of a planted outlier's error on the moved column", () => {
    const { data, shape } = detector.explain(x);
    expect(shape).toEqual([312, D]);
    for (let i = 0; i < 312; i++) {
      let sum = 0;
      for (let j = 0; j < D; j++) sum += data[i * D + j]!;
      expect(sum, `row ${i}`).toBeCloseTo(1, 5);
    }
    for (let o = 0; o < 12; o++) {
      const row = Array.from(data.subarray((300 + o) * D, (301 + o) * D));
      const top = row.indexOf(Math.max(...row));
      expect(top, `planted row ${o}: shares ${row.map((v) => v.toFixed(2)).join(" ")}`).toBe(o % D);
      // At least twice an even share (1/8): the moved column dominates, though the decoder spreads some error.
      expect(row[o % D]).toBeGreaterThan(0.25);
    }
  });
});

describe("AnomalyDetector ensemble", () => {
  it("is deterministic, ranks planted outliers on top, and saves every member", async () => {
    const x = planted(5, 300, 12, (i) => i % D);
    const options = { ensemble: 3, codeSize: 2, epochs: 20, contamination: 0.04, seed: 2 } as const;
    const a = await new AnomalyDetector(options).fit(x);
    const b = await new AnomalyDetector(options).fit(x);
    expect(Array.from(a.decisionScores)).toEqual(Array.from(b.decisionScores));
    expect(a.members).toHaveLength(3);
    const scores = a.decisionFunction(x);
    const order = Array.from(scores.keys()).sort((i, j) => scores[j]! - scores[i]!);
    expect(order.slice(0, 12).sort((i, j) => i - j)).toEqual(Array.from({ length: 12 }, (_, i) => 300 + i));
    const loaded = await AnomalyDetector.load(a.save());
    expect(loaded.ensemble).toBe(3);
    expect(Array.from(loaded.decisionFunction(x))).toEqual(Array.from(scores));
    expect(Array.from(loaded.explain(x).data)).toEqual(Array.from(a.explain(x).data));
    const single = await new AnomalyDetector({ ensemble: 1, codeSize: 2, epochs: 5 }).fit(x);
    expect((await AnomalyDetector.load(single.save())).ensemble).toBe(1);
    expect(() => new AnomalyDetector({ ensemble: 0 })).toThrow(ConfigError);
    for (const d of [a, b, loaded, single]) d.dispose();
  });
});
