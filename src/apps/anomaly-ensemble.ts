// The default detector's scoring: an ensemble of small autoencoders, each
// trained on its own seeded subsample of the training rows (as an isolation
// forest draws its trees' samples), whose scores are put on one scale and
// combined by their median. Training is trimmed: after half the epochs a
// member drops the TRIM_SHARE of its subsample it reconstructs worst and
// trains on the rest (the training part holds the outliers too, and a model
// that keeps fitting them learns to reconstruct them). A member's score of
// a sample is
//   (e − median(e)) / MAD(e) + (d − median(d)) / MAD(d) + (u − median(u)) / MAD(u)
// with e the reconstruction error, d the mean Euclidean distance of the
// sample's code to the NEIGHBOURS nearest codes of the rows the member kept
// (kNN in code space) and u the same distance between the scaled samples
// themselves (kNN in input space, for at most INPUT_NEIGHBOUR_FEATURES
// features), the medians and MADs those of the whole training part. Robust
// statistics, because the training part holds the outliers. The ensemble's
// score is the median of its members' plus PCA_WEIGHT·(s − median(s)) / MAD(s),
// s the squared reconstruction error of a PCA of the training part
// (anomaly-pca.ts): the same for every member, so added to their median.
import { ModelFormatError } from "../errors.js";
import type { Autoencoder } from "../models/autoencoder.js";
import type { TensorData } from "../models/data.js";
import type { FitOptions, History } from "../models/fit.js";
import { getEngine } from "../wasm/module.js";
import { shapeText } from "../shape.js";
import { nearestBlocks } from "./nearest.js";
import { fitPcaAxes, pcaResiduals, type PcaAxes } from "./anomaly-pca.js";

/** Members of the default ensemble on MEMBER_ROWS rows or more (more on fewer rows, and on narrow data: defaultMembers). */
export const DEFAULT_MEMBERS = 5;
/**
 * Members of the default ensemble, at least, on narrow data (at most
 * INPUT_NEIGHBOUR_FEATURES features) of fewer than NARROW_MEMBER_ROWS rows,
 * where a member costs little: on ADBench (10 such sets, each fit within
 * 0.9 s CPU) 8 members instead of 5 (6 on yeast) bring the largest per-set
 * ROC-AUC spread over 5 detector seeds from 0.041 (mammography; now 0.036)
 * to 0.038 (InternetAds, unchanged) and the suite's mean from 0.7488 to 0.7495.
 */
export const NARROW_MEMBERS = 8;
/** Rows below which narrow data get NARROW_MEMBERS (larger sets, 24,712 to 147,034 rows on ADBench, keep their fit and scoring time). */
export const NARROW_MEMBER_ROWS = 16384;
/** Most members of the default ensemble (on the smallest data). */
export const MAX_MEMBERS = 20;
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
/**
 * Widest input whose scaled samples a member keeps for the input-space
 * neighbour distance: 64 floats a reference row (1,024 rows, 256 KiB a
 * member); wider data (InternetAds' 1,555 features gained 0.01 ROC-AUC for
 * 30% more fit time) is scored without it.
 */
export const INPUT_NEIGHBOUR_FEATURES = 64;
/**
 * Weight of the PCA term in the ensemble's score. Measured on the ADBench
 * suite (5 splits; 5 detector seeds on split 0) against the score without
 * it: mean ROC-AUC 0.7465 → 0.7488, ahead of IsolationForest on 13 sets
 * instead of 12, the largest per-set seed spread 0.052 → 0.041 and the
 * spread of the suite's mean 0.0088 → 0.0062.
 */
export const PCA_WEIGHT = 0.5;
/** Stream of the subsample permutations, apart from the models' own (initialization, shuffling). */
const SUBSAMPLE_STREAM = 0x53554253;

/** What a member's score needs beside its model and reference codes: the training part's robust statistics. */
export interface MemberStats {
  errorMedian: number;
  errorMad: number;
  distanceMedian: number;
  distanceMad: number;
  /** Of the input-space neighbour distance; absent for a member without input references (wide data, format 3 files). */
  inputMedian?: number;
  inputMad?: number;
}

/**
 * Members of the default ensemble for `rows` training rows of `features`
 * values: DEFAULT_MEMBERS on MEMBER_ROWS or more (NARROW_MEMBERS on narrow
 * data of fewer than NARROW_MEMBER_ROWS), else enough that the members train
 * on about DEFAULT_MEMBERS·MEMBER_ROWS rows together, at most MAX_MEMBERS.
 * On small data a member costs little and its seed moves the score most
 * (Stamps, 204 rows: ROC-AUC over 5 seeds within 0.067 with 5 members, 0.015
 * with 20).
 */
export function defaultMembers(rows: number, features: number): number {
  const least = features <= INPUT_NEIGHBOUR_FEATURES && rows < NARROW_MEMBER_ROWS ? NARROW_MEMBERS : DEFAULT_MEMBERS;
  return Math.max(least, Math.min(MAX_MEMBERS, Math.ceil((DEFAULT_MEMBERS * MEMBER_ROWS) / Math.max(1, rows))));
}

/** A trained member's reference: the training rows it kept (indices into the training part), their codes [rows, code width] and, for narrow data, their scaled samples [rows, features]. */
export interface MemberReference {
  rows: Int32Array;
  codes: Float32Array;
  inputs?: Float32Array;
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

/**
 * MAD / mean absolute deviation of a normal distribution: 0.6745σ / 0.7979σ
 * (Φ⁻¹(0.75) and √(2/π)), so that the fallback below estimates what the MAD
 * would for normal data.
 */
const MEAN_AD_TO_MAD = 0.6745 / 0.7979;

/**
 * (median, scale): the MAD, or where more than half the values are equal
 * (MAD 0: the neighbour distances of data where most rows have 5 duplicates
 * are mostly 0) the mean absolute deviation from the median times
 * MEAN_AD_TO_MAD, else the smallest positive scale that keeps the ratio
 * finite (1e-12·(1 + |median|)).
 */
export function robust(values: Float64Array): [number, number] {
  const mid = median(values);
  const deviations = Float64Array.from(values, (v) => Math.abs(v - mid));
  const mad = median(deviations);
  if (mad > 0) return [mid, mad];
  let sum = 0;
  for (const d of deviations) sum += d;
  const meanAd = (sum / Math.max(1, values.length)) * MEAN_AD_TO_MAD;
  return [mid, meanAd > 0 && Number.isFinite(meanAd) ? meanAd : 1e-12 * (1 + Math.abs(mid))];
}

/** Bytes of one block of query-to-reference squared distances. */
const DISTANCE_BLOCK_BYTES = 8 << 20;

/**
 * Per query row: the mean Euclidean distance to its NEIGHBOURS nearest
 * reference rows (fewer when the reference is smaller). `self[i]`, when
 * given and ≥ 0, is the reference row that is query row i itself, left out
 * (a training row is not its own neighbour, as PyOD's KNN's training scores).
 * Squared distances are ‖q‖² + ‖r‖² − 2·q·r in f32 (the wasm core's gemm,
 * clipped at 0, as KNeighborsClassifier), the k smallest chosen there.
 */
export function neighbourDistances(query: Float32Array, reference: Float32Array, width: number, self: Int32Array | null = null): Float64Array {
  const n = query.length / width;
  const r = reference.length / width;
  const out = new Float64Array(n);
  if (n === 0) return out;
  const engine = getEngine();
  const { kernels: kn, arena } = engine;
  // One more than the neighbours, so that a row's own entry can be skipped.
  const take = Math.min(r, NEIGHBOURS + 1);
  arena.scoped(() => {
    const ref = arena.scratch(r * width * 4);
    arena.write(ref, reference);
    const norms = arena.scratch(r * 4);
    kn.f32_row_sum_squares(norms, ref, r, width);
    nearestBlocks(engine, { ptr: ref, norms, rows: r, cols: width }, query, take, DISTANCE_BLOCK_BYTES, ({ start, rows, found, squared }) => {
      for (let i = 0; i < rows; i++) {
        const skip = self ? self[start + i]! : -1;
        const k = Math.max(1, Math.min(NEIGHBOURS, r - (skip >= 0 ? 1 : 0)));
        let sum = 0;
        let used = 0;
        for (let t = 0; t < take && used < k; t++) {
          const column = found[i * take + t]!;
          if (column === skip) continue;
          sum += Math.sqrt(squared[i * r + column]!);
          used++;
        }
        out[start + i] = sum / k;
      }
    });
  });
  return out;
}

/**
 * A member's statistics and its normalized scores of the whole (scaled)
 * training part; the member's own kept rows leave themselves out of their
 * neighbours (in both spaces).
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
  const stats: MemberStats = { errorMedian, errorMad, distanceMedian, distanceMad };
  let inputs: Float64Array | null = null;
  if (reference.inputs) {
    const cols = training.data.length / Math.max(1, n);
    inputs = neighbourDistances(training.data, reference.inputs, cols, self);
    [stats.inputMedian, stats.inputMad] = robust(inputs);
  }
  return { stats, scores: Float64Array.from(errors, (e, i) => combine(stats, e, distances[i]!, inputs ? inputs[i]! : 0)) };
}

function combine(s: MemberStats, error: number, distance: number, input: number): number {
  const score = (error - s.errorMedian) / s.errorMad + (distance - s.distanceMedian) / s.distanceMad;
  return s.inputMad === undefined ? score : score + (input - s.inputMedian!) / s.inputMad;
}

/** The ensemble's PCA term: its axes and the median and MAD of its residuals on the training part. */
export interface PcaTerm {
  axes: PcaAxes;
  median: number;
  mad: number;
}

/** Fits the PCA term on the whole (scaled) training part; returns it with its weighted training scores, or nulls where the data leave it nothing to measure (fitPcaAxes). */
export function fitPcaTerm(training: TensorData): { term: PcaTerm | null; scores: Float64Array | null } {
  const axes = fitPcaAxes(training);
  if (axes === null) return { term: null, scores: null };
  const residuals = pcaResiduals(axes, training);
  const [median, mad] = robust(residuals);
  const term = { axes, median, mad };
  return { term, scores: weightedPcaScores(term, residuals) };
}

/** The PCA term's weighted scores of (scaled) x. */
function pcaTermScores(term: PcaTerm, x: TensorData): Float64Array {
  return weightedPcaScores(term, pcaResiduals(term.axes, x));
}

/** PCA_WEIGHT·(s − median) / MAD of each residual s. */
function weightedPcaScores({ median, mad }: PcaTerm, residuals: Float64Array): Float64Array {
  return Float64Array.from(residuals, (s) => (PCA_WEIGHT * (s - median)) / mad);
}

/**
 * The ensemble's scores of (scaled) x: the median of the members' normalized
 * scores, plus the PCA term's when there is one (files of format 4 and
 * before have none); `inputs[m]` is member m's input references, if it has them.
 */
export function ensembleScores(models: readonly Autoencoder[], stats: readonly MemberStats[], references: readonly Float32Array[], x: TensorData, inputs: readonly (Float32Array | null)[], pca: PcaTerm | null): Float32Array {
  const n = x.shape[0]!;
  const scores: Float64Array[] = [];
  for (let m = 0; m < models.length; m++) {
    const errors = models[m]!.reconstructionError(x);
    const codes = models[m]!.encode(x).data;
    const distances = neighbourDistances(codes, references[m]!, codes.length / Math.max(1, n));
    const own = inputs[m];
    const near = own ? neighbourDistances(x.data, own, x.data.length / Math.max(1, n)) : null;
    scores.push(Float64Array.from(errors, (e, i) => combine(stats[m]!, e, distances[i]!, near ? near[i]! : 0)));
  }
  return medianScores(scores, pca ? pcaTermScores(pca, x) : null);
}

/**
 * Per sample, the median of the members' scores: one member whose code
 * collapsed (breastw, 13 members: a code-distance MAD of 5e-4, that term's
 * ROC-AUC 0.24) would pull a mean far off (split ROC-AUC 0.815; 0.983 with
 * the median). `offset[i]`, when given, is added to sample i's median (in
 * f64, before the rounding to f32).
 */
export function medianScores(scores: readonly Float64Array[], offset: Float64Array | null = null): Float32Array {
  const n = scores[0]!.length;
  const column = new Float64Array(scores.length);
  return Float32Array.from({ length: n }, (_, i) => {
    scores.forEach((s, m) => (column[m] = s[i]!));
    return offset ? median(column) + offset[i]! : median(column);
  });
}

/**
 * Per sample and feature, the share of the ensemble's reconstruction term:
 * Σₘ (x̂ₘⱼ − xⱼ)² / MADₘ over Σₘ Σₖ (x̂ₘₖ − xₖ)² / MADₘ, each member's squared
 * residuals weighted as its error enters the score. The PCA term and the
 * neighbour distances are not part of it: these shares say which features
 * the autoencoders failed to reconstruct.
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
  const stats: MemberStats = { errorMedian: s.errorMedian, errorMad: s.errorMad, distanceMedian: s.distanceMedian, distanceMad: s.distanceMad };
  if (s.inputMedian === undefined && s.inputMad === undefined) return stats;
  if (!finite(s.inputMedian) || !finite(s.inputMad) || !(s.inputMad > 0)) {
    throw new ModelFormatError(`${where}: expected the input-space distance's median and positive MAD, found ${JSON.stringify({ inputMedian: s.inputMedian, inputMad: s.inputMad })?.slice(0, 200)}`);
  }
  return { ...stats, inputMedian: s.inputMedian, inputMad: s.inputMad };
}

/** Checks a member's saved reference codes (or, what = "samples", input references): [rows ≥ 1, width], finite. */
export function checkReference(t: { shape: number[]; data: Float32Array } | undefined, width: number, where: string, what = "codes"): Float32Array {
  if (!t || t.shape.length !== 2 || t.shape[1] !== width || !(t.shape[0]! >= 1)) {
    throw new ModelFormatError(`${where}: expected reference ${what} of shape ${shapeText(["rows", width])}, found ${t ? `shape ${shapeText(t.shape)}` : "none"}`);
  }
  if (!t.data.every(Number.isFinite)) throw new ModelFormatError(`${where}: the reference ${what} hold non-finite values`);
  return t.data;
}
