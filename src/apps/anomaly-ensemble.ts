// The default detector's scoring: an ensemble of small autoencoders, each
// trained on its own seeded subsample of the training rows (as an isolation
// forest draws its trees' samples), whose scores are put on one scale and
// averaged. A member's score of a sample is
//   (e − median(e)) / MAD(e) + CODE_WEIGHT · (c − median(c)) / MAD(c)
// with e the reconstruction error, c the mean squared standardized distance
// of the code from the training codes' mean (per code unit), and the medians
// and MADs those of the whole training part. Robust statistics, because the
// training part holds the outliers too.
import { ModelFormatError } from "../errors.js";
import type { Autoencoder } from "../models/autoencoder.js";
import type { TensorData } from "../models/data.js";
import { getEngine } from "../wasm/module.js";

/** Members of the default ensemble. */
export const DEFAULT_MEMBERS = 5;
/** Rows each member trains on (all of them when there are fewer). */
export const MEMBER_ROWS = 1024;
/** Epochs of a member's training (no early stopping: a member's subsample is all it sees). */
export const MEMBER_EPOCHS = 40;
/** Weight of the code-space distance beside the reconstruction error (0.5: the best of 0.5, 1 and 2 on the suite). */
export const CODE_WEIGHT = 0.5;
/** Stream of the subsample permutations, apart from the models' own (initialization, shuffling). */
const SUBSAMPLE_STREAM = 0x53554253;

/** What a member's score needs beside its model: the training part's robust statistics and code moments. */
export interface MemberStats {
  errorMedian: number;
  errorMad: number;
  codeMedian: number;
  codeMad: number;
  /** Per code unit: the training codes' mean and variance (f64, as JSON numbers). */
  codeMean: number[];
  codeVariance: number[];
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

/** Per sample: the mean over code units of ((z − mean)² / variance), a zero variance counting as 1. */
function codeDistances(codes: Float32Array, mean: readonly number[], variance: readonly number[]): Float64Array {
  const k = mean.length;
  const n = codes.length / k;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let d = 0;
    for (let j = 0; j < k; j++) d += (codes[i * k + j]! - mean[j]!) ** 2 / (variance[j]! > 0 ? variance[j]! : 1);
    out[i] = d / k;
  }
  return out;
}

/** The member's statistics from the whole (scaled) training part. */
export function memberStats(model: Autoencoder, training: TensorData): MemberStats {
  const errors = Float64Array.from(model.reconstructionError(training));
  const codes = model.encode(training).data;
  const n = errors.length;
  const k = codes.length / n;
  const codeMean = new Array<number>(k).fill(0);
  const codeVariance = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) codeMean[j]! += codes[i * k + j]!;
  for (let j = 0; j < k; j++) codeMean[j]! /= n;
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) codeVariance[j]! += (codes[i * k + j]! - codeMean[j]!) ** 2;
  for (let j = 0; j < k; j++) codeVariance[j]! /= n;
  const [errorMedian, errorMad] = robust(errors);
  const [codeMedian, codeMad] = robust(codeDistances(codes, codeMean, codeVariance));
  return { errorMedian, errorMad, codeMedian, codeMad, codeMean, codeVariance };
}

/** The ensemble's scores of (scaled) x: the members' normalized scores, averaged. */
export function ensembleScores(models: readonly Autoencoder[], stats: readonly MemberStats[], x: TensorData): Float32Array {
  const n = x.shape[0]!;
  const total = new Float64Array(n);
  for (let m = 0; m < models.length; m++) {
    const s = stats[m]!;
    const errors = models[m]!.reconstructionError(x);
    const codes = codeDistances(models[m]!.encode(x).data, s.codeMean, s.codeVariance);
    for (let i = 0; i < n; i++) total[i]! += (errors[i]! - s.errorMedian) / s.errorMad + (CODE_WEIGHT * (codes[i]! - s.codeMedian)) / s.codeMad;
  }
  return Float32Array.from(total, (t) => t / models.length);
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
export function checkMemberStats(value: unknown, codeWidth: number, where: string): MemberStats {
  const s = value as Partial<MemberStats> | null;
  const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
  const vector = (v: unknown): v is number[] => Array.isArray(v) && v.length === codeWidth && v.every(finite);
  if (!s || typeof s !== "object" || !finite(s.errorMedian) || !finite(s.errorMad) || !(s.errorMad > 0) || !finite(s.codeMedian) || !finite(s.codeMad) || !(s.codeMad > 0) || !vector(s.codeMean) || !vector(s.codeVariance)) {
    throw new ModelFormatError(`${where}: expected the member's score statistics (medians, positive MADs, ${codeWidth} code means and variances), found ${JSON.stringify(value)?.slice(0, 200)}`);
  }
  return { errorMedian: s.errorMedian, errorMad: s.errorMad, codeMedian: s.codeMedian, codeMad: s.codeMad, codeMean: s.codeMean, codeVariance: s.codeVariance };
}
