// The default detector's linear term: the squared reconstruction error of a
// PCA of the scaled training part that keeps the fewest components whose
// cumulative explained-variance ratio exceeds PCA_VARIANCE (scikit-learn's
// PCA(0.9)), s = ‖x − μ‖² − Σ_{c<k} z_c² with z = (x − μ)·Vᵀ (orthonormal
// rows V). The axes come from the same f64 scatter and eigensolver as
// src/models/pca.ts; on data with fewer rows than features from the
// eigenvectors U of the rows' Gram matrix Xc·Xcᵀ instead (V = UᵀXc, rows
// normalized: Xc's right singular vectors from its left ones, the same
// axes), an eigenproblem of rows² rather than features², and repeated
// columns merged first (fitPcaAxes). InternetAds, 1,179 rows × 1,555
// features of which 698 distinct and not constant: the term's fit takes
// 0.4–0.6 s CPU, src/models/pca.ts with every component 3.3 s.
import { ModelFormatError } from "../errors.js";
import type { TensorData } from "../models/data.js";
import { symmetricEigen } from "../models/pca.js";
import { getEngine } from "../wasm/module.js";
import { shapeText } from "../shape.js";

/**
 * Share of the training part's variance the PCA term's components keep: as
 * scikit-learn's PCA(0.9), the suite's PCA-90% baseline, the setting the
 * ensemble's PCA term was measured with (anomaly-ensemble.ts, PCA_WEIGHT).
 */
export const PCA_VARIANCE = 0.9;

/** The axes of the PCA term: the training part's mean and the k kept components. */
export interface PcaAxes {
  /** Per-feature mean of the scaled training part (f32). */
  mean: Float32Array;
  /** [k, features], unit rows in order of decreasing variance. */
  components: Float32Array;
}

/** What the PCA term's eigen-decomposition is called in its error. */
const TERM_EIGEN = "the PCA term's eigen-decomposition";

/** Rows of a block of scored samples (bounds the scratch memory of a large batch). */
const SCORE_BLOCK_ROWS = 4096;

/** The fewest leading components whose cumulative share of `values` (eigenvalues, descending; negative ones count as 0) exceeds PCA_VARIANCE. */
export function keptComponents(values: Float64Array): number {
  const clipped = Float64Array.from(values, (v) => Math.max(v, 0));
  let total = 0;
  for (const v of clipped) total += v;
  let k = 0;
  for (let cumulative = 0; k < clipped.length && cumulative <= PCA_VARIANCE; k++) cumulative += total > 0 ? clipped[k]! / total : 0;
  return k;
}

/**
 * Fits the PCA term's axes on x [rows, features] (finite, rows ≥ 1). Columns
 * that repeat another are merged first, exactly: m equal columns y add
 * m·y·yᵀ to the scatter, as one column √m·y does, and the axis entries of
 * each copy are that column's entry / √m (InternetAds: 1,555 features, 55
 * constant, 698 distinct others). Constant columns carry no variance and
 * get axis entries 0. Null where the kept components span every direction
 * the training part varies in (k ≥ min(distinct columns, rows − 1): low,
 * near-isotropic data) or it varies in none: the training residuals are then
 * rounding noise (about 1e-7·‖x − μ‖²), whose MAD would scale the test
 * residuals' noise into scores of either sign and any size.
 */
export function fitPcaAxes(x: TensorData): PcaAxes | null {
  const { kernels: kn, arena } = getEngine();
  const rows = x.shape[0]!;
  const cols = x.data.length / Math.max(1, rows);
  const mean = arena.scoped(() => {
    const xPtr = arena.scratch(rows * cols * 4);
    arena.write(xPtr, x.data);
    const mean64 = arena.scratch(cols * 8);
    kn.f64_column_means(mean64, xPtr, rows, cols);
    const meanPtr = arena.scratch(cols * 4);
    kn.f32_from_f64(meanPtr, mean64, cols);
    return arena.read(meanPtr, cols);
  });
  const { groupOf, counts, merged } = mergeRepeatedColumns(x.data, rows, cols);
  const distinct = counts.length;
  if (distinct === 0) return null;
  const axes = principalAxes(merged, rows, distinct);
  const k = axes.length / distinct;
  if (k >= Math.min(distinct, rows - 1)) return null;
  const components = new Float32Array(k * cols);
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < cols; j++) {
      const g = groupOf[j]!;
      if (g >= 0) components[c * cols + j] = axes[c * distinct + g]! / Math.sqrt(counts[g]!);
    }
  }
  return { mean, components };
}

/**
 * The distinct non-constant columns of data [rows, cols] (equal bits), each
 * times √(its count), as [rows, distinct]; groupOf[j] is column j's group,
 * −1 for a constant column.
 */
function mergeRepeatedColumns(data: Float32Array, rows: number, cols: number): { groupOf: Int32Array; counts: number[]; merged: Float32Array } {
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const groupOf = new Int32Array(cols).fill(-1);
  const representatives: number[] = [];
  const counts: number[] = [];
  const byHash = new Map<number, number[]>();
  const equal = (a: number, b: number): boolean => {
    for (let r = 0; r < rows; r++) if (bits[r * cols + a] !== bits[r * cols + b]) return false;
    return true;
  };
  for (let j = 0; j < cols; j++) {
    // FNV-1a over the column's bits; a constant column is left out.
    let hash = 0x811c9dc5;
    let constant = true;
    for (let r = 0; r < rows; r++) {
      const v = bits[r * cols + j]!;
      if (v !== bits[j]) constant = false;
      hash = Math.imul(hash ^ v, 0x01000193) >>> 0;
    }
    if (constant) continue;
    const candidates = byHash.get(hash) ?? [];
    const g = candidates.find((group) => equal(representatives[group]!, j));
    if (g !== undefined) {
      groupOf[j] = g;
      counts[g]!++;
      continue;
    }
    groupOf[j] = representatives.length;
    candidates.push(representatives.length);
    byHash.set(hash, candidates);
    representatives.push(j);
    counts.push(1);
  }
  const distinct = representatives.length;
  const merged = new Float32Array(rows * distinct);
  for (let g = 0; g < distinct; g++) {
    const scale = Math.sqrt(counts[g]!);
    const j = representatives[g]!;
    for (let r = 0; r < rows; r++) merged[r * distinct + g] = scale * data[r * cols + j]!;
  }
  return { groupOf, counts, merged };
}

/**
 * The k kept principal axes of data [rows, cols] as unit rows [k, cols]: from
 * the scatter's eigenvectors, or with fewer rows than columns from the Gram
 * matrix's (V = UᵀXc, rows normalized).
 */
function principalAxes(data: Float32Array, rows: number, cols: number): Float32Array {
  const engine = getEngine();
  const { kernels: kn, arena } = engine;
  return arena.scoped(() => {
    const xPtr = arena.scratch(rows * cols * 4);
    arena.write(xPtr, data);
    const mean64 = arena.scratch(cols * 8);
    kn.f64_column_means(mean64, xPtr, rows, cols);
    if (rows >= cols) {
      const { vectors, values } = symmetricEigen(engine, cols, (dst) => kn.f64_scatter(dst, xPtr, mean64, rows, cols, arena.scratch(kn.f64_scatter_workspace_bytes(cols))), TERM_EIGEN);
      const k = keptComponents(values);
      const out = arena.scratch(k * cols * 4);
      kn.f32_from_f64(out, vectors, k * cols);
      return arena.read(out, k * cols);
    }
    const meanPtr = arena.scratch(cols * 4);
    kn.f32_from_f64(meanPtr, mean64, cols);
    // Centered rows in f32, and their transpose [cols, rows], whose scatter about 0 is the Gram matrix.
    const centered = centeredRows(data, arena.read(meanPtr, cols));
    const transposed = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) transposed[j * rows + r] = centered[r * cols + j]!;
    const tPtr = arena.scratch(rows * cols * 4);
    arena.write(tPtr, transposed);
    arena.write(xPtr, centered);
    // f64 zeros: 2·rows f32 zeros.
    const zeros = arena.scratch(rows * 8);
    kn.f32_fill(zeros, 0, 2 * rows);
    const { vectors, values } = symmetricEigen(engine, rows, (dst) => kn.f64_scatter(dst, tPtr, zeros, cols, rows, arena.scratch(kn.f64_scatter_workspace_bytes(rows))), TERM_EIGEN);
    const k = keptComponents(values);
    const u = arena.scratch(k * rows * 4);
    kn.f32_from_f64(u, vectors, k * rows);
    const v = arena.scratch(k * cols * 4);
    kn.f32_gemm_nn(v, u, xPtr, 0, k, cols, rows, 0, arena.scratch(kn.gemm_workspace_bytes(k, cols, rows)));
    const axes = arena.read(v, k * cols);
    for (let c = 0; c < k; c++) {
      const row = axes.subarray(c * cols, (c + 1) * cols);
      let norm = 0;
      for (const value of row) norm += value * value;
      // A direction without variance stays 0: it explains nothing.
      const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let j = 0; j < cols; j++) row[j] = row[j]! * scale;
    }
    return axes;
  });
}

/** The rows of `data` minus `mean`, in f32. (A plain loop: Float32Array.from with a map function took 0.4 s for InternetAds' 1.8M values.) */
function centeredRows(data: Float32Array, mean: Float32Array): Float32Array {
  const cols = mean.length;
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i += cols) for (let j = 0; j < cols; j++) out[i + j] = data[i + j]! - mean[j]!;
  return out;
}

/** Per row of x [rows, features]: the PCA term's squared reconstruction error max(0, ‖x − μ‖² − Σ_c z_c²), summed in f64 from the f32 centred rows (z from the f32 gemm on them). */
export function pcaResiduals(axes: PcaAxes, x: TensorData): Float64Array {
  const { kernels: kn, arena } = getEngine();
  const rows = x.shape[0]!;
  const cols = axes.mean.length;
  const k = axes.components.length / Math.max(1, cols);
  const out = new Float64Array(rows);
  arena.scoped(() => {
    const w = arena.scratch(k * cols * 4);
    arena.write(w, axes.components);
    for (let start = 0; start < rows; start += SCORE_BLOCK_ROWS) {
      const count = Math.min(SCORE_BLOCK_ROWS, rows - start);
      arena.scoped(() => {
        const rowsCentered = centeredRows(x.data.subarray(start * cols, (start + count) * cols), axes.mean);
        const centered = arena.scratch(count * cols * 4);
        arena.write(centered, rowsCentered);
        const zPtr = arena.scratch(count * k * 4);
        kn.f32_gemm_nt(zPtr, centered, w, 0, count, k, cols, 0, arena.scratch(kn.gemm_workspace_bytes(count, k, cols)));
        const z = arena.read(zPtr, count * k);
        for (let i = 0; i < count; i++) {
          // ‖x − μ‖² of the same f32 centred values the projections use; a residual below 0 is rounding.
          let total = 0;
          for (let j = 0; j < cols; j++) total += rowsCentered[i * cols + j]! ** 2;
          let kept = 0;
          for (let c = 0; c < k; c++) kept += z[i * k + c]! ** 2;
          out[start + i] = Math.max(0, total - kept);
        }
      });
    }
  });
  return out;
}

/**
 * Checks saved PCA axes (tensors "pca_mean" [features] and "pca_components"
 * [k, features], 1 ≤ k ≤ features): finite, and the components unit rows
 * (within f32 rounding): a foreign file cannot scale the term by a
 * component's length (this does not check that the rows are orthogonal).
 */
export function checkPcaAxes(mean: { shape: number[]; data: Float32Array } | undefined, components: { shape: number[]; data: Float32Array } | undefined, features: number, where: string): PcaAxes {
  if (!mean || mean.shape.length !== 1 || mean.shape[0] !== features) {
    throw new ModelFormatError(`${where}: expected the PCA term's mean of shape ${shapeText([features])}, found ${mean ? `shape ${shapeText(mean.shape)}` : "none"}`);
  }
  if (!components || components.shape.length !== 2 || components.shape[1] !== features || !(components.shape[0]! >= 1 && components.shape[0]! <= features)) {
    throw new ModelFormatError(`${where}: expected the PCA term's components of shape ${shapeText(["k ≤ " + features, features])}, found ${components ? `shape ${shapeText(components.shape)}` : "none"}`);
  }
  if (!mean.data.every(Number.isFinite) || !components.data.every(Number.isFinite)) throw new ModelFormatError(`${where}: the PCA term's axes hold non-finite values`);
  for (let c = 0; c < components.shape[0]!; c++) {
    let norm = 0;
    for (let j = 0; j < features; j++) norm += components.data[c * features + j]! ** 2;
    if (!(Math.abs(norm - 1) <= 1e-4) && norm !== 0) throw new ModelFormatError(`${where}: the PCA term's component ${c} has squared norm ${norm}, expected 1`);
  }
  return { mean: mean.data, components: components.data };
}
