// Ranking metrics: hand-computed cases (scikit-learn's and PyOD's documented
// examples among them) and independent brute-force definitions on random data.
import { describe, expect, it } from "vitest";
import { percentile, prAuc, precisionAtK, rocAuc } from "../../src/apps/metrics.js";
import { DataError, ShapeError } from "../../src/errors.js";
import { rng } from "../helpers.js";

/** P(score of a random positive > that of a random negative), ties ½: all pairs. */
function rocAucPairs(y: ArrayLike<number>, s: ArrayLike<number>): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 1) continue;
    for (let j = 0; j < y.length; j++) {
      if (y[j] !== 0) continue;
      pairs++;
      wins += s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

/** Mean over positives of the precision among all samples scoring at least as high. */
function averagePrecisionByPositives(y: ArrayLike<number>, s: ArrayLike<number>): number {
  let total = 0;
  let positives = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 1) continue;
    positives++;
    let above = 0;
    let hits = 0;
    for (let j = 0; j < y.length; j++) {
      if (s[j]! >= s[i]!) {
        above++;
        hits += y[j]!;
      }
    }
    total += hits / above;
  }
  return total / positives;
}

function randomCase(n: number, seed: number, levels: number): { y: Uint8Array; s: Float64Array } {
  const next = rng(seed);
  const y = Uint8Array.from({ length: n }, () => (next() < 0.3 ? 1 : 0));
  y[0] = 1;
  y[1] = 0;
  // Few distinct levels make ties common; the positive class scores a bit higher.
  const s = Float64Array.from(y, (label) => Math.floor((next() + 0.3 * label) * levels) / levels);
  return { y, s };
}

describe("rocAuc", () => {
  it("hand-computed cases", () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBe(0.75); // scikit-learn's docstring example
    expect(rocAuc([0, 0, 1, 1], [1, 2, 2, 3])).toBe(0.875); // pairs 1 + ½ + 1 + 1 over 4
    expect(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
    expect(rocAuc([1, 1, 0], [3, 2, 1])).toBe(1);
    expect(rocAuc([1, 1, 0], [1, 2, 3])).toBe(0);
  });

  it.each([[10, 1, 4], [57, 2, 3], [200, 3, 10], [333, 4, 1e6]])("n=%i (seed %i, %i score levels) equals the all-pairs count", (n, seed, levels) => {
    const { y, s } = randomCase(n, seed, levels);
    expect(rocAuc(y, s)).toBeCloseTo(rocAucPairs(y, s), 12);
  });

  it("refuses one-class labels, mismatched lengths, bad labels and NaN scores", () => {
    expect(() => rocAuc([1, 1], [0.1, 0.2])).toThrow(DataError);
    expect(() => rocAuc([0, 1], [0.1])).toThrow(ShapeError);
    expect(() => rocAuc([0, 2], [0.1, 0.2])).toThrow(/labels 0 \(normal\) or 1 \(anomaly\), found 2 at index 1/);
    expect(() => rocAuc([0, 1], [0.1, NaN])).toThrow(DataError);
    expect(() => rocAuc([], [])).toThrow(DataError);
  });
});

describe("prAuc (average precision)", () => {
  it("hand-computed cases", () => {
    expect(prAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.8333333333333333, 15); // scikit-learn's docstring example
    expect(prAuc([0, 0, 1, 1], [1, 2, 2, 3])).toBeCloseTo(0.5 * 1 + 0.5 * (2 / 3), 15); // the tie at 2 enters at once
    expect(prAuc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
    expect(prAuc([1, 0, 0], [3, 2, 1])).toBe(1);
    expect(prAuc([0, 0, 1], [3, 2, 1])).toBeCloseTo(1 / 3, 15);
  });

  it.each([[10, 5, 4], [57, 6, 3], [200, 7, 10], [333, 8, 1e6]])("n=%i (seed %i, %i levels) equals the mean precision at each positive", (n, seed, levels) => {
    const { y, s } = randomCase(n, seed, levels);
    expect(prAuc(y, s)).toBeCloseTo(averagePrecisionByPositives(y, s), 12);
  });

  it("refuses labels without anomalies", () => {
    expect(() => prAuc([0, 0], [1, 2])).toThrow(DataError);
  });
});

describe("percentile (numpy's linear method)", () => {
  it("hand-computed cases", () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([5, 1, 4, 2, 3], 90)).toBeCloseTo(4.6, 14);
    expect(percentile([0, 10], 75)).toBe(7.5);
    expect(percentile([3], 37)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 100 * (1 - 0.1))).toBeCloseTo(9.1, 14); // PyOD's threshold at contamination 0.1
    expect(percentile([1, 2, 3], 0)).toBe(1);
    expect(percentile([1, 2, 3], 100)).toBe(3);
  });

  it("interpolates from the upper neighbour when the fraction is at least ½ (numpy's _lerp)", () => {
    // h = 0.75: b − (b − a)·0.25 = 0.025, where a + (b − a)·0.75 gives 0.024999999999999998.
    expect(percentile([0.01, 0.03], 75)).toBe(0.025);
    expect(percentile([0.01, 0.03], 25)).toBe(0.01 + (0.03 - 0.01) * 0.25);
  });

  it("refuses empty input and q outside [0, 100]", () => {
    expect(() => percentile([], 50)).toThrow(DataError);
    expect(() => percentile([1], 101)).toThrow(DataError);
  });
});

describe("precisionAtK (PyOD's precision_n_scores)", () => {
  it("hand-computed cases", () => {
    // PyOD's get_label_n docstring: y = [0, 1, 1, 0, 0], scores [0.1, 0.5, 0.3, 0.2, 0.7] → labels [0, 1, 0, 0, 1].
    const y = [0, 1, 1, 0, 0];
    const s = [0.1, 0.5, 0.3, 0.2, 0.7];
    expect(precisionAtK(y, s)).toBe(0.5);
    expect(precisionAtK(y, s, 1)).toBe(0); // threshold 0.54: only 0.7 is called
    expect(precisionAtK(y, s, 3)).toBeCloseTo(2 / 3, 15); // threshold 0.26: 0.3, 0.5, 0.7
    expect(precisionAtK(y, s, 5)).toBeCloseTo(2 / 4, 15); // threshold = min: everything above it
  });

  it("calls fewer than k when scores tie at the cut, as PyOD does", () => {
    expect(precisionAtK([1, 0, 1, 0], [1, 1, 1, 1], 2)).toBe(0);
    expect(precisionAtK([1, 0, 1, 0], [2, 1, 1, 1], 2)).toBe(1);
  });

  it.each([[20, 11], [101, 12], [400, 13]])("n=%i distinct scores: the share of positives among the top k (seed %i)", (n, seed) => {
    const next = rng(seed);
    const y = Uint8Array.from({ length: n }, (_, i) => (i < 2 ? i : next() < 0.2 ? 1 : 0));
    const s = Float64Array.from(y, (label) => next() + 0.4 * label);
    const order = Array.from(s.keys()).sort((a, b) => s[b]! - s[a]!);
    for (const k of [1, 2, 5, Math.floor(n / 3), n]) {
      // At k = n the threshold is the minimum score itself, which is not strictly above it.
      const called = Math.min(k, n - 1);
      const hits = order.slice(0, called).reduce((acc, i) => acc + y[i]!, 0);
      expect(precisionAtK(y, s, k), `k=${k}`).toBeCloseTo(hits / called, 12);
    }
  });

  it("refuses k outside [1, N]", () => {
    expect(() => precisionAtK([0, 1], [1, 2], 0)).toThrow(DataError);
    expect(() => precisionAtK([0, 1], [1, 2], 3)).toThrow(DataError);
    expect(() => precisionAtK([0, 0], [1, 2])).toThrow(/number of anomalies/);
  });
});
