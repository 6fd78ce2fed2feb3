// Rules on a detector's training scores that need no labels: the automatic
// threshold (a robust z-score) and PyOD's prediction confidence (ExCeeD).
import { DataError } from "../errors.js";

/** The modified z-score above which a score is an outlier (Iglewicz and Hoaglin 1993: 3.5). */
export const AUTO_Z = 3.5;
/** 0.6745 = Φ⁻¹(0.75): MAD/0.6745 estimates a normal distribution's deviation (Iglewicz and Hoaglin's constant). */
const MAD_TO_SD = 0.6745;

/** The median of the values (the mean of the two middle ones for an even count). */
function median(sorted: Float64Array): number {
  const n = sorted.length;
  const h = n >> 1;
  return n % 2 ? sorted[h]! : (sorted[h - 1]! + sorted[h]!) / 2;
}

/**
 * The automatic threshold: the score whose modified z-score
 * 0.6745·(s − median)/MAD equals 3.5, i.e. median + 3.5·MAD/0.6745, with MAD
 * the median absolute deviation from the median (Iglewicz and Hoaglin,
 * "How to Detect and Handle Outliers", 1993). Scores strictly above it are
 * anomalies. With MAD = 0 (more than half the scores equal) it is the median.
 */
export function autoThreshold(scores: ArrayLike<number>): number {
  if (scores.length === 0) throw new DataError("expected at least one training score, found none");
  const sorted = Float64Array.from(scores).sort();
  const mid = median(sorted);
  const deviations = Float64Array.from(sorted, (s) => Math.abs(s - mid)).sort();
  return mid + (AUTO_Z * median(deviations)) / MAD_TO_SD;
}

/**
 * Half-width of the window of binomial terms summed, in standard deviations:
 * a term 40 deviations from the mode is below e^(−800) of the mode's (a
 * normal tail bound that the binomial's, by Chernoff, also meets), under
 * double precision's resolution of the sum.
 */
const WINDOW_SD = 40;

/**
 * P(X ≤ k) for X ~ Binomial(n, p), 0 < p < 1: the terms in a window around
 * the mode, built from the mode outward by the ratio
 * pmf(j+1)/pmf(j) = (n − j)/(j + 1) · p/(1 − p) (no exp or log, so no
 * underflow and the same bits everywhere), normalized by their sum.
 */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  const mode = Math.min(n, Math.floor((n + 1) * p));
  const half = Math.ceil(WINDOW_SD * Math.sqrt(n * p * (1 - p))) + 1;
  const lo = Math.max(0, mode - half);
  const hi = Math.min(n, mode + half);
  if (k < lo) return 0;
  if (k >= hi) return 1;
  const odds = p / (1 - p);
  let below = 0;
  let total = 0;
  let term = 1;
  for (let j = mode; j < hi; j++) {
    total += term;
    if (j <= k) below += term;
    term *= ((n - j) / (j + 1)) * odds;
  }
  total += term;
  if (hi <= k) below += term;
  term = 1;
  for (let j = mode; j > lo; j--) {
    term *= (j / (n - j + 1)) / odds;
    total += term;
    if (j - 1 <= k) below += term;
  }
  return below / total;
}

/**
 * PyOD's predict_confidence (Perini et al., "Quantifying the confidence of
 * anomaly detectors in their example-wise predictions", ECML PKDD 2020): with
 * n training scores and m of them ≤ a sample's score, the posterior outlier
 * probability is p = (1 + m)/(2 + n) and the confidence in "outlier" is
 * 1 − BinomCDF(n − ⌊n·contamination⌋; n, p); a sample predicted normal gets
 * one minus that. `sortedTraining` is the training scores in ascending order.
 */
export function predictionConfidence(sortedTraining: Float64Array, scores: Float32Array, threshold: number, contamination: number): Float32Array {
  const n = sortedTraining.length;
  const k = n - Math.floor(n * contamination);
  const cache = new Map<number, number>();
  return Float32Array.from(scores, (s) => {
    const m = countAtMost(sortedTraining, s);
    let outlier = cache.get(m);
    if (outlier === undefined) {
      outlier = 1 - binomialCdf(k, n, (1 + m) / (2 + n));
      cache.set(m, outlier);
    }
    // A non-finite score counts as abnormal, as predict labels it.
    return s > threshold || !Number.isFinite(s) ? outlier : 1 - outlier;
  });
}

/** How many of the ascending values are ≤ s (NaN: all of them, the most abnormal). */
function countAtMost(sorted: Float64Array, s: number): number {
  if (Number.isNaN(s)) return sorted.length;
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= s) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
