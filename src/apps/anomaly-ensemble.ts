// The default detector's scoring: an ensemble of small autoencoders, each
// trained on its own seeded subsample of the training rows (as an isolation
// forest draws its trees' samples), whose scores are put on one scale and
// averaged. Training is trimmed: after half the epochs a member drops the
// TRIM_SHARE of its subsample it reconstructs worst and trains on the rest
// (the training part holds the outliers too, and a model that keeps fitting
// them learns to reconstruct them). A member's score of a sample is
//   (e − median(e)) / MAD(e) + (d − median(d)) / MAD(d)
// with e the reconstruction error and d the mean Euclidean distance of the
// sample's code to the NEIGHBOURS nearest codes of the rows the member kept
// (kNN in code space), and the medians and MADs those of the whole training
// part. Robust statistics, because the training part holds the outliers.
import { ModelFormatError } from "../errors.js";
import type { Autoencoder } from "../models/autoencoder.js";
import type { TensorData } from "../models/data.js";
import type { FitOptions, History } from "../models/fit.js";
import { getEngine } from "../wasm/module.js";
import { shapeText } from "../shape.js";

/** Members of the default ensemble. */
export const DEFAULT_MEMBERS = 5;
/** Rows each member trains on (all of them when there are fewer). */
export const MEMBER_ROWS = 1024;
/** Epochs of a member's training, both halves together (no early stopping: a member's subsample is all it sees). */
export const MEMBER_EPOCHS = 40;
/** Widest hidden layer of a member: 64 keeps a fit of 1,555 features within seconds (256 took 4× as long, no better on the suite). */
export const MEMBER_MAX_WIDTH = 64;
/**
 * Narrowest first hidden layer of a member, wider than the input where that
 * is small: on skin (3 features) a 3-2-1 encoder's ReLUs die for some seeds
 * (ROC-AUC 0.61–0.83 over 5 seeds), a 3-16-4-1 one gives 0.856–0.868.
 */
export const MEMBER_MIN_WIDTH = 16;
/** Share of a member's subsample dropped after the first half of its epochs: the rows it reconstructs worst. */
export const TRIM_SHARE = 0.1;
/** Neighbours of the code-space distance (PyOD's KNN default). */
export const NEIGHBOURS = 5;
/** Stream of the subsample permutations, apart from the models' own (initialization, shuffling). */
const SUBSAMPLE_STREAM = 0x53554253;

/** What a member's score needs beside its model and reference codes: the training part's robust statistics. */
export interface MemberStats {
  errorMedian: number;
  errorMad: number;
  distanceMedian: number;
  distanceMad: number;
}

/** A trained member's reference: the training rows it kept (indices into the training part) and their codes [rows, code width]. */
export interface MemberReference {
  rows: Int32Array;
  codes: Float32Array;
}

/** The subsample of member `member`: the first `count` of a seeded permutation of the row indices. */
export function subsampleRows(rows: number, count: number, seed: number, member: number): Int32Array {
  const { kernels, arena } = getEngine();
  return arena.scoped(() => {
    const ptr = arena.scratch(rows * 4);
    kernels.u32_permutation(ptr, rows, seed >>> 0, SUBSAMPLE_STREAM, member);
    return new Int32Array(arena.memory.buffer, ptr, Math.min(rows, count)).slice();
  });
}

/** The rows `indices` of a [rows, cols] batch. */
export function gatherRows(data: Float32Array, cols: number, indices: Int32Array): Float32Array {
  const out = new Float32Array(indices.length * cols);
  for (let r = 0; r < indices.length; r++) out.set(data.subarray(indices[r]! * cols, (indices[r]! + 1) * cols), r * cols);
  return out;
}

/**
 * Hidden widths of a member from `features` inputs down to a code of
 * `codeSize`: as defaultHiddenSizes (powers of two, each a quarter of the
 * last, while at least twice the code, at most three) but starting between
 * MEMBER_MIN_WIDTH and MEMBER_MAX_WIDTH wide. 1,555 → 32 gives [64]; 6 → 1
 * gives [16, 4].
 */
export function memberHiddenSizes(features: number, codeSize: number): number[] {
  const sizes: number[] = [];
  for (let width = Math.min(MEMBER_MAX_WIDTH, Math.max(MEMBER_MIN_WIDTH, 2 ** Math.floor(Math.log2(features)))); width >= 2 * codeSize && sizes.length < 3; width /= 4) sizes.push(width);
  return sizes;
}

/** Epochs of the first half (before trimming) and of the second. */
export function trainingHalves(epochs: number): [number, number] {
  const first = Math.ceil(epochs / 2);
  return [first, epochs - first];
}

/**
 * The second half of a member's training: drops the TRIM_SHARE of the
 * subsample `x` (rows `rows` of the training part) with the largest
 * reconstruction errors (ties: the later row goes), trains `epochs` more on
 * the rest and returns the rows kept, with the history of that half.
 */
export async function trimAndTrain(model: Autoencoder, x: TensorData, rows: Int32Array, fit: FitOptions, epochs: number): Promise<{ kept: Int32Array; data: Float32Array; history: History | null }> {
  const errors = model.reconstructionError(x);
  const n = rows.length;
  const cols = x.data.length / Math.max(1, n);
  // A non-finite error sorts last, so it is dropped first.
  const key = (i: number): number => (Number.isFinite(errors[i]!) ? errors[i]! : Infinity);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => key(a) - key(b) || a - b);
  const keep = Math.max(Math.min(n, NEIGHBOURS + 1), n - Math.floor(n * TRIM_SHARE));
  const positions = Int32Array.from(order.slice(0, keep)).sort();
  const data = gatherRows(x.data, cols, positions);
  const kept = Int32Array.from(positions, (p) => rows[p]!);
  const history = epochs > 0 ? await model.fit({ data, shape: [keep, ...x.shape.slice(1)] }, { ...fit, epochs }) : null;
  return { kept, data, history };
}

function median(values: Float64Array): number {
  const sorted = values.slice().sort();
  const n = sorted.length;
  const h = n >> 1;
  return n % 2 ? sorted[h]! : (sorted[h - 1]! + sorted[h]!) / 2;
}

/** (median, MAD), a zero MAD counting as the smallest positive f64 scale that keeps the ratio finite (1e-12·(1 + |median|)). */
function robust(values: Float64Array): [number, number] {
  const mid = median(values);
  const mad = median(Float64Array.from(values, (v) => Math.abs(v - mid)));
  return [mid, mad > 0 ? mad : 1e-12 * (1 + Math.abs(mid))];
}

/**
 * Per query row: the mean Euclidean distance to its NEIGHBOURS nearest
 * reference codes (fewer when the reference is smaller), in f64. `self[i]`,
 * when given and ≥ 0, is the reference row that is query row i itself, left
 * out (a training row is not its own neighbour, as PyOD's KNN's training scores).
 */
export function neighbourDistances(query: Float32Array, reference: Float32Array, width: number, self: Int32Array | null = null): Float64Array {
  const n = query.length / width;
  const r = reference.length / width;
  const out = new Float64Array(n);
  const best = new Float64Array(NEIGHBOURS);
  for (let i = 0; i < n; i++) {
    const skip = self ? self[i]! : -1;
    const k = Math.max(1, Math.min(NEIGHBOURS, r - (skip >= 0 ? 1 : 0)));
    best.fill(Infinity);
    for (let t = 0; t < r; t++) {
      if (t === skip) continue;
      let d = 0;
      for (let j = 0; j < width; j++) d += (query[i * width + j]! - reference[t * width + j]!) ** 2;
      if (d < best[k - 1]!) {
        let p = k - 1;
        for (; p > 0 && best[p - 1]! > d; p--) best[p] = best[p - 1]!;
        best[p] = d;
      }
    }
    let sum = 0;
    for (let q = 0; q < k; q++) sum += Math.sqrt(best[q]!);
    out[i] = sum / k;
  }
  return out;
}

/**
 * A member's statistics and its normalized scores of the whole (scaled)
 * training part; the member's own kept rows leave themselves out of their
 * neighbours.
 */
export function memberStats(model: Autoencoder, training: TensorData, reference: MemberReference): { stats: MemberStats; scores: Float64Array } {
  const n = training.shape[0]!;
  const width = reference.codes.length / Math.max(1, reference.rows.length);
  const self = new Int32Array(n).fill(-1);
  reference.rows.forEach((row, t) => (self[row] = t));
  const errors = Float64Array.from(model.reconstructionError(training));
  const distances = neighbourDistances(model.encode(training).data, reference.codes, width, self);
  const [errorMedian, errorMad] = robust(errors);
  const [distanceMedian, distanceMad] = robust(distances);
  const stats = { errorMedian, errorMad, distanceMedian, distanceMad };
  return { stats, scores: Float64Array.from(errors, (e, i) => combine(stats, e, distances[i]!)) };
}

function combine(s: MemberStats, error: number, distance: number): number {
  return (error - s.errorMedian) / s.errorMad + (distance - s.distanceMedian) / s.distanceMad;
}

/** The ensemble's scores of (scaled) x: the members' normalized scores, averaged. */
export function ensembleScores(models: readonly Autoencoder[], stats: readonly MemberStats[], references: readonly Float32Array[], x: TensorData): Float32Array {
  const n = x.shape[0]!;
  const total = new Float64Array(n);
  for (let m = 0; m < models.length; m++) {
    const errors = models[m]!.reconstructionError(x);
    const codes = models[m]!.encode(x).data;
    const distances = neighbourDistances(codes, references[m]!, codes.length / Math.max(1, n));
    for (let i = 0; i < n; i++) total[i]! += combine(stats[m]!, errors[i]!, distances[i]!);
  }
  return Float32Array.from(total, (t) => t / models.length);
}

/** Averages per-member training scores (fit's decision scores). */
export function averageScores(scores: readonly Float64Array[]): Float32Array {
  const n = scores[0]!.length;
  const total = new Float64Array(n);
  for (const s of scores) for (let i = 0; i < n; i++) total[i]! += s[i]!;
  return Float32Array.from(total, (t) => t / scores.length);
}

/**
 * Per sample and feature, the share of the ensemble's reconstruction term:
 * Σₘ (x̂ₘⱼ − xⱼ)² / MADₘ over Σₘ Σₖ (x̂ₘₖ − xₖ)² / MADₘ, each member's squared
 * residuals weighted as its error enters the score.
 */
export function ensembleShares(models: readonly Autoencoder[], stats: readonly MemberStats[], x: TensorData): Float32Array {
  const rows = x.shape[0]!;
  const cols = x.data.length / Math.max(1, rows);
  const weighted = new Float64Array(rows * cols);
  for (let m = 0; m < models.length; m++) {
    const out = models[m]!.reconstruct(x).data;
    const w = 1 / stats[m]!.errorMad;
    for (let i = 0; i < weighted.length; i++) weighted[i]! += w * (out[i]! - x.data[i]!) ** 2;
  }
  const shares = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    let total = 0;
    for (let j = 0; j < cols; j++) total += weighted[i * cols + j]!;
    // A non-finite error gives NaN shares, as its score is non-finite too; an exact reconstruction gives zeros.
    if (total > 0 || !Number.isFinite(total)) for (let j = 0; j < cols; j++) shares[i * cols + j] = weighted[i * cols + j]! / total;
  }
  return shares;
}

/** Checks a member's saved statistics (from JSON). */
export function checkMemberStats(value: unknown, where: string): MemberStats {
  const s = value as Partial<MemberStats> | null;
  const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
  if (!s || typeof s !== "object" || !finite(s.errorMedian) || !finite(s.errorMad) || !(s.errorMad > 0) || !finite(s.distanceMedian) || !finite(s.distanceMad) || !(s.distanceMad > 0)) {
    throw new ModelFormatError(`${where}: expected the member's score statistics (error and distance medians, positive MADs), found ${JSON.stringify(value)?.slice(0, 200)}`);
  }
  return { errorMedian: s.errorMedian, errorMad: s.errorMad, distanceMedian: s.distanceMedian, distanceMad: s.distanceMad };
}

/** Checks a member's saved reference codes: [rows ≥ 1, code width], finite. */
export function checkReference(t: { shape: number[]; data: Float32Array } | undefined, width: number, where: string): Float32Array {
  if (!t || t.shape.length !== 2 || t.shape[1] !== width || !(t.shape[0]! >= 1)) {
    throw new ModelFormatError(`${where}: expected reference codes of shape ${shapeText(["rows", width])}, found ${t ? `shape ${shapeText(t.shape)}` : "none"}`);
  }
  if (!t.data.every(Number.isFinite)) throw new ModelFormatError(`${where}: the reference codes hold non-finite values`);
  return t.data;
}
