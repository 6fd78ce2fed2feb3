// Naive f64 references for assembly/linalg.ts and PCA: column means, the
// scatter matrix, and the cyclic Jacobi eigenvalue algorithm (Golub & Van
// Loan, "Matrix Computations", §8.5.3) — a method independent of the
// kernel's Householder + QL.

/** Column means of a row-major rows×cols matrix. */
export function columnMeansReference(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const mean = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c]! += x[r * cols + c]!;
  for (let c = 0; c < cols; c++) mean[c]! /= rows;
  return mean;
}

/** Σ_r (x[r] − mean)(x[r] − mean)ᵀ, cols×cols. */
export function scatterReference(x: ArrayLike<number>, mean: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(cols * cols);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < cols; i++) {
      const xi = x[r * cols + i]! - mean[i]!;
      for (let j = 0; j < cols; j++) out[i * cols + j]! += xi * (x[r * cols + j]! - mean[j]!);
    }
  }
  return out;
}

/** Σ_r |x[r] − mean||x[r] − mean|ᵀ: the scale of the rounding error of each scatter entry. */
export function scatterAbsReference(x: ArrayLike<number>, mean: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const centered = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) centered[r * cols + c] = Math.abs(x[r * cols + c]! - mean[c]!);
  return scatterReference(centered, new Float64Array(cols), rows, cols);
}

export interface EigenReference {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** Row i is the unit eigenvector of values[i]. */
  vectors: Float64Array;
}

/**
 * Eigen-decomposition of the symmetric n×n matrix `a` by cyclic Jacobi
 * sweeps until the off-diagonal Frobenius norm is below 1e-15 of the whole.
 */
export function jacobiEigenReference(a: ArrayLike<number>, n: number): EigenReference {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  const norm = Math.sqrt(m.reduce((s, x) => s + x * x, 0));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = 0; q < n; q++) if (p !== q) off += m[p * n + q]! ** 2;
    if (Math.sqrt(off) <= 1e-15 * norm) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q]!;
        if (apq === 0) continue;
        // The 2×2 symmetric Schur decomposition (G&VL Algorithm 8.5.1).
        const tau = (m[q * n + q]! - m[p * n + p]!) / (2 * apq);
        const t = tau >= 0 ? 1 / (tau + Math.sqrt(1 + tau * tau)) : -1 / (-tau + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const kp = m[k * n + p]!;
          const kq = m[k * n + q]!;
          m[k * n + p] = c * kp - s * kq;
          m[k * n + q] = s * kp + c * kq;
        }
        for (let k = 0; k < n; k++) {
          const pk = m[p * n + k]!;
          const qk = m[q * n + k]!;
          m[p * n + k] = c * pk - s * qk;
          m[q * n + k] = s * pk + c * qk;
        }
        for (let k = 0; k < n; k++) {
          const kp = v[k * n + p]!;
          const kq = v[k * n + q]!;
          v[k * n + p] = c * kp - s * kq;
          v[k * n + q] = s * kp + c * kq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[j * n + j]! - m[i * n + i]!);
  const values = Float64Array.from(order, (i) => m[i * n + i]!);
  const vectors = new Float64Array(n * n);
  order.forEach((col, row) => {
    for (let k = 0; k < n; k++) vectors[row * n + k] = v[k * n + col]!;
  });
  return { values, vectors };
}

export interface PcaReference {
  mean: Float64Array;
  /** k×cols, unit rows, largest-|·| entry of each row positive. */
  components: Float64Array;
  /** All eigenvalues of the covariance (divisor rows − 1), descending. */
  variances: Float64Array;
}

/** PCA of a rows×cols matrix: the Jacobi eigenvectors of the covariance of centered data. */
export function pcaReference(x: ArrayLike<number>, rows: number, cols: number, k: number): PcaReference {
  const mean = columnMeansReference(x, rows, cols);
  const cov = scatterReference(x, mean, rows, cols).map((s) => s / Math.max(rows - 1, 1));
  const { values, vectors } = jacobiEigenReference(cov, cols);
  const components = vectors.slice(0, k * cols);
  for (let i = 0; i < k; i++) {
    const row = components.subarray(i * cols, (i + 1) * cols);
    let best = 0;
    for (let j = 1; j < cols; j++) if (Math.abs(row[j]!) > Math.abs(row[best]!)) best = j;
    if (row[best]! < 0) row.forEach((x, j) => (row[j] = -x));
  }
  return { mean, components, variances: values };
}
