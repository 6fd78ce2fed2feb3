// k-nearest neighbours and logistic regression on tiny separable data,
// neighbour search against brute force, tie rules, determinism, errors.
import { describe, expect, it } from "vitest";
import { KNeighborsClassifier, LogisticRegression } from "../../src/apps/classifiers.js";
import { AutoencoderError, ConfigError, DataError, DisposedError, ShapeError } from "../../src/errors.js";
import { expectClose, rng } from "../helpers.js";

/** Three Gaussian-ish blobs in `dims` dimensions, labels 2, 5, 7 (not 0..k-1 on purpose). */
function blobs(n: number, dims: number, seed: number, spread = 0.3): { x: { data: Float32Array; shape: number[] }; y: Int32Array } {
  const next = rng(seed);
  const centers = [0, 1, 2].map((c) => Array.from({ length: dims }, (_, j) => (j % 3 === c ? 3 : 0)));
  const labels = [2, 5, 7];
  const data = new Float32Array(n * dims);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    y[i] = labels[c]!;
    for (let j = 0; j < dims; j++) data[i * dims + j] = centers[c]![j]! + spread * (next() + next() + next() - 1.5);
  }
  return { x: { data, shape: [n, dims] }, y };
}

describe("KNeighborsClassifier", () => {
  it("classifies separable blobs; kneighbors matches a brute-force search", async () => {
    const train = blobs(60, 5, 1);
    const test = blobs(30, 5, 2);
    const knn = await new KNeighborsClassifier({ k: 3 }).fit(train.x, train.y);
    expect(knn.classes).toEqual([2, 5, 7]);
    expect(knn.score(test.x, test.y)).toBe(1);
    const { indices, distances, shape } = knn.kneighbors(test.x);
    expect(shape).toEqual([30, 3]);
    for (let i = 0; i < 30; i++) {
      const d = Array.from({ length: 60 }, (_, j) => {
        let s = 0;
        for (let t = 0; t < 5; t++) s += (test.x.data[i * 5 + t]! - train.x.data[j * 5 + t]!) ** 2;
        return [Math.sqrt(s), j] as const;
      }).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      expect(Array.from(indices.subarray(i * 3, i * 3 + 3)), `row ${i}`).toEqual(d.slice(0, 3).map((p) => p[1]));
      // ‖a‖² + ‖b‖² − 2a·b cancels: the error of d² scales with the squared norms (≈ 10 here), not with d².
      const squared = Array.from(distances.subarray(i * 3, i * 3 + 3), (v) => v * v);
      expectClose(squared, d.slice(0, 3).map((p) => p[0] ** 2), { atol: 2e-5, rtol: 0 }, `squared distances row ${i}`);
    }
    const proba = knn.predictProba(test.x);
    expect(proba.shape).toEqual([30, 3]);
    for (let i = 0; i < 30; i++) expect(proba.data[i * 3]! + proba.data[i * 3 + 1]! + proba.data[i * 3 + 2]!).toBeCloseTo(1, 6);
    knn.dispose();
  });

  it("breaks ties deterministically: equal distances by training order, equal votes by the smaller label", async () => {
    // The query sits at distance 1 from all four points.
    const x = [[1, 0], [0, 1], [-1, 0], [0, -1]];
    const knn = await new KNeighborsClassifier({ k: 2 }).fit(x, [9, 4, 4, 9]);
    expect(Array.from(knn.kneighbors([[0, 0]]).indices)).toEqual([0, 1]);
    expect(Array.from(knn.predict([[0, 0]]))).toEqual([4]); // one vote each for 9 and 4
    const one = await new KNeighborsClassifier({ k: 1 }).fit(x, [9, 4, 4, 9]);
    expect(Array.from(one.predict([[0, 0], [0.9, 0], [0, -2]]))).toEqual([9, 9, 9]);
    knn.dispose();
    one.dispose();
  });

  it("processes many queries in blocks with the same result", async () => {
    const train = blobs(3000, 4, 3, 1.5);
    const test = blobs(2000, 4, 4, 1.5);
    const knn = await new KNeighborsClassifier({ k: 5 }).fit(train.x, train.y);
    const all = knn.predict(test.x);
    const firstRows = knn.predict({ data: test.x.data.subarray(0, 40), shape: [10, 4] });
    expect(Array.from(all.subarray(0, 10))).toEqual(Array.from(firstRows));
    expect(knn.score(test.x, test.y)).toBeGreaterThan(0.8);
    knn.dispose();
  });

  it("typed errors", async () => {
    expect(() => new KNeighborsClassifier({ k: 0 })).toThrow(ConfigError);
    await expect(new KNeighborsClassifier({ k: 5 }).fit([[1], [2]], [0, 1])).rejects.toThrow(/at most the number of training samples/);
    await expect(new KNeighborsClassifier().fit([[1], [2]], [0])).rejects.toThrow(ShapeError);
    await expect(new KNeighborsClassifier({ k: 1 }).fit([[1], [2]], [0, 0.5])).rejects.toThrow(DataError);
    expect(() => new KNeighborsClassifier().predict([[1]])).toThrow(AutoencoderError);
    const knn = await new KNeighborsClassifier({ k: 1 }).fit([[1, 2], [3, 4]], [0, 1]);
    expect(() => knn.predict([[1, 2, 3]])).toThrow(ShapeError);
    knn.dispose();
    expect(() => knn.predict([[1, 2]])).toThrow(DisposedError);
  });
});

describe("LogisticRegression", () => {
  it("separates blobs; probabilities sum to 1; coef and intercept have scikit-learn's shapes", async () => {
    const train = blobs(60, 6, 5);
    const test = blobs(30, 6, 6);
    const lr = await new LogisticRegression({ maxIter: 200, learningRate: 0.05 }).fit(train.x, train.y);
    expect(lr.classes).toEqual([2, 5, 7]);
    expect(lr.score(train.x, train.y)).toBe(1);
    expect(lr.score(test.x, test.y)).toBe(1);
    const p = lr.predictProba(test.x);
    expect(p.shape).toEqual([30, 3]);
    for (let i = 0; i < 30; i++) expect(p.data[3 * i]! + p.data[3 * i + 1]! + p.data[3 * i + 2]!).toBeCloseTo(1, 5);
    expect(lr.coef.shape).toEqual([3, 6]);
    expect(lr.intercept.length).toBe(3);
    // The loss falls: from log 3 at zero weights.
    expect(lr.lossCurve[0]).toBeCloseTo(Math.log(3), 6);
    expect(lr.lossCurve.at(-1)!).toBeLessThan(0.1);
    const logits = lr.decisionFunction(test.x);
    const predicted = lr.predict(test.x);
    for (let i = 0; i < 30; i++) {
      const row = Array.from(logits.data.subarray(3 * i, 3 * i + 3));
      expect(predicted[i]).toBe(lr.classes[row.indexOf(Math.max(...row))]);
    }
  });

  it("matches a plain f64 gradient-descent reference on a two-class problem", async () => {
    // Full-batch gradient steps in f64 with Adam's update, written out here.
    const x = [[0, 1], [1, 0], [2, 1], [1, 3], [3, 2], [0, 0]];
    const y = [0, 0, 1, 1, 1, 0];
    const steps = 25;
    const lrate = 0.1;
    const l2 = 0.01;
    const model = await new LogisticRegression({ maxIter: steps, learningRate: lrate, l2, tol: 0 }).fit(x, y);
    const w = [0, 0, 0, 0];
    const b = [0, 0];
    const m = new Array(6).fill(0);
    const v = new Array(6).fill(0);
    for (let t = 1; t <= steps; t++) {
      const g = new Array(6).fill(0);
      x.forEach((row, i) => {
        const z = [0, 1].map((c) => row[0]! * w[c]! + row[1]! * w[2 + c]! + b[c]!);
        const mx = Math.max(...z);
        const e = z.map((v) => Math.exp(v - mx));
        const s = e[0]! + e[1]!;
        for (let c = 0; c < 2; c++) {
          const d = (e[c]! / s - (y[i] === c ? 1 : 0)) / x.length;
          g[c] += row[0]! * d;
          g[2 + c] += row[1]! * d;
          g[4 + c] += d;
        }
      });
      for (let k = 0; k < 4; k++) g[k] += l2 * w[k]!;
      const p = [...w, ...b];
      for (let k = 0; k < 6; k++) {
        m[k] = 0.9 * m[k] + 0.1 * g[k];
        v[k] = 0.999 * v[k] + 0.001 * g[k] ** 2;
        p[k] = p[k]! - (lrate * (m[k] / (1 - 0.9 ** t))) / (Math.sqrt(v[k] / (1 - 0.999 ** t)) + 1e-8);
      }
      w.splice(0, 4, ...p.slice(0, 4));
      b.splice(0, 2, ...p.slice(4));
    }
    expect(model.nIter).toBe(steps);
    // coef is [classes, features]; w here is [features, classes].
    expectClose(model.coef.data, [w[0]!, w[2]!, w[1]!, w[3]!], { atol: 1e-4, rtol: 1e-3 }, "coef");
    expectClose(model.intercept, b, { atol: 1e-4, rtol: 1e-3 }, "intercept");
  });

  it("is deterministic and stops early at a small gradient", async () => {
    const train = blobs(45, 4, 7);
    const a = await new LogisticRegression().fit(train.x, train.y);
    const b = await new LogisticRegression().fit(train.x, train.y);
    expect(Array.from(a.coef.data)).toEqual(Array.from(b.coef.data));
    const early = await new LogisticRegression({ tol: 0.05, maxIter: 1000 }).fit(train.x, train.y);
    expect(early.nIter).toBeLessThan(1000);
  });

  it("typed errors", async () => {
    expect(() => new LogisticRegression({ maxIter: 0 })).toThrow(ConfigError);
    expect(() => new LogisticRegression({ l2: -1 })).toThrow(ConfigError);
    await expect(new LogisticRegression().fit([[1], [2]], [3, 3])).rejects.toThrow(/at least two classes/);
    await expect(new LogisticRegression().fit([[1], [NaN]], [0, 1])).rejects.toThrow(DataError);
    expect(() => new LogisticRegression().predict([[1]])).toThrow(AutoencoderError);
    const lr = await new LogisticRegression({ maxIter: 5 }).fit([[1, 0], [0, 1]], [0, 1]);
    expect(() => lr.predict([[1]])).toThrow(ShapeError);
  });
});
