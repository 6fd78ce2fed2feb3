// Ranking metrics for anomaly scores (higher = more abnormal) against binary
// labels (1 = anomaly), with scikit-learn's and PyOD's definitions. These are
// bookkeeping over N scores (a sort and a scan), done in f64 TypeScript.
import { DataError, describe, ShapeError } from "../errors.js";

/** Labels 0/1 and finite scores of equal length, checked. */
function checkPair(labels: ArrayLike<number>, scores: ArrayLike<number>, what: string): { positives: number; n: number } {
  if (!labels || typeof labels.length !== "number") throw new ShapeError(`${what}: expected labels as an array of 0/1, found ${describe(labels)}`);
  if (!scores || typeof scores.length !== "number") throw new ShapeError(`${what}: expected scores as an array of numbers, found ${describe(scores)}`);
  if (labels.length !== scores.length) throw new ShapeError(`${what}: expected as many scores as labels, found ${scores.length} scores for ${labels.length} labels`);
  if (labels.length === 0) throw new DataError(`${what}: expected at least one sample, found none`);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1) throw new DataError(`${what}: expected labels 0 (normal) or 1 (anomaly), found ${describe(y)} at index ${i}`);
    if (!Number.isFinite(scores[i])) throw new DataError(`${what}: expected finite scores, found ${describe(scores[i])} at index ${i}`);
    positives += y;
  }
  return { positives, n: labels.length };
}

/** Indices sorted by score, descending; equal scores keep index order (the result does not depend on it). */
function byScoreDescending(scores: ArrayLike<number>): Uint32Array {
  const order = Uint32Array.from({ length: scores.length }, (_, i) => i);
  return order.sort((a, b) => scores[b]! - scores[a]! || a - b);
}

/**
 * Area under the ROC curve: the probability that a random anomaly scores above
 * a random normal sample, ties counting one half (the Mann–Whitney U statistic
 * with average ranks; equal to scikit-learn's roc_auc_score). Needs both classes.
 */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const { positives, n } = checkPair(labels, scores, "rocAuc");
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) {
    throw new DataError(`rocAuc: expected both classes among the labels, found only ${positives === 0 ? "0 (normal)" : "1 (anomaly)"}; the ROC curve is undefined`);
  }
  const order = byScoreDescending(scores);
  // Ascending ranks 1..n from the top: the sample at descending position p has rank n − p; ties share their mean rank.
  let rankSumPositives = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && scores[order[end]!] === scores[order[start]!]) end++;
    const meanRank = n - (start + end - 1) / 2;
    let tiedPositives = 0;
    for (let p = start; p < end; p++) tiedPositives += labels[order[p]!]!;
    rankSumPositives += tiedPositives * meanRank;
    start = end;
  }
  return (rankSumPositives - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Average precision, scikit-learn's average_precision_score: Σ_t (R_t − R_{t−1})·P_t
 * over the distinct score thresholds t from the highest down (tied scores enter
 * together), without interpolation. Needs at least one anomaly.
 */
export function prAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const { positives, n } = checkPair(labels, scores, "prAuc");
  if (positives === 0) throw new DataError("prAuc: expected at least one anomaly (label 1), found none; precision-recall is undefined");
  const order = byScoreDescending(scores);
  let truePositives = 0;
  let recallBefore = 0;
  let sum = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    while (end < n && scores[order[end]!] === scores[order[start]!]) truePositives += labels[order[end++]!]!;
    const recall = truePositives / positives;
    sum += (recall - recallBefore) * (truePositives / end);
    recallBefore = recall;
    start = end;
  }
  return sum;
}

/**
 * np.percentile(values, q) with numpy's default "linear" method: position
 * h = (q/100)·(N − 1) in the ascending order, interpolated between its
 * neighbours the way numpy does (from the upper one when the fraction ≥ 1/2).
 */
export function percentile(values: ArrayLike<number>, q: number): number {
  const n = values.length;
  if (n === 0) throw new DataError("percentile: expected at least one value, found none");
  if (!(q >= 0 && q <= 100)) throw new DataError(`percentile: expected q in [0, 100], found ${q}`);
  const sorted = Float64Array.from(values).sort();
  if (Number.isNaN(sorted[n - 1]!)) throw new DataError("percentile: expected finite values, found NaN");
  const h = (q / 100) * (n - 1);
  const below = Math.floor(h);
  const t = h - below;
  const a = sorted[below]!;
  const b = sorted[Math.min(below + 1, n - 1)]!;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/**
 * Precision at rank k, PyOD's precision_n_scores: the samples scoring strictly
 * above the (1 − k/N) percentile are called anomalies (about the top k; fewer
 * when scores tie at the cut), and the share of true anomalies among them is
 * returned (0 when none is called). k defaults to the number of anomalies.
 */
export function precisionAtK(labels: ArrayLike<number>, scores: ArrayLike<number>, k?: number): number {
  const { positives, n } = checkPair(labels, scores, "precisionAtK");
  const count = k ?? positives;
  if (!Number.isInteger(count) || count < 1 || count > n) {
    throw new DataError(`precisionAtK: expected k to be an integer in [1, ${n}]${k === undefined ? " (the number of anomalies, as k was not given)" : ""}, found ${describe(count)}`);
  }
  const threshold = percentile(scores, 100 * (1 - count / n));
  let called = 0;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    if (scores[i]! > threshold) {
      called++;
      hits += labels[i]!;
    }
  }
  return called === 0 ? 0 : hits / called;
}
