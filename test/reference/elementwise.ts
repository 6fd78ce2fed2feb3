// Naive f64 references for assembly/elementwise.ts: one plain loop each.

export const addReference = (a: ArrayLike<number>, b: ArrayLike<number>): Float64Array =>
  Float64Array.from(a, (x, i) => x + b[i]!);

export const subReference = (a: ArrayLike<number>, b: ArrayLike<number>): Float64Array =>
  Float64Array.from(a, (x, i) => x - b[i]!);

export const mulReference = (a: ArrayLike<number>, b: ArrayLike<number>): Float64Array =>
  Float64Array.from(a, (x, i) => x * b[i]!);

export const scaleReference = (src: ArrayLike<number>, c: number): Float64Array => Float64Array.from(src, (x) => c * x);

export const axpyReference = (dst: ArrayLike<number>, x: ArrayLike<number>, alpha: number): Float64Array =>
  Float64Array.from(dst, (d, i) => d + alpha * x[i]!);

export const clipReference = (src: ArrayLike<number>, lo: number, hi: number): Float64Array =>
  Float64Array.from(src, (x) => (x < lo ? lo : x > hi ? hi : x));

/** x[r, j] + bias[j] over a rows×cols matrix. */
export function addBiasReference(x: ArrayLike<number>, bias: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) out[r * cols + j] = x[r * cols + j]! + bias[j]!;
  return out;
}

/** Σ_r x[r, j], exact up to f64 rounding. */
export function colsumReference(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) out[j]! += x[r * cols + j]!;
  return out;
}

/** Σ_r |x[r, j]|: the scale of the rounding error of each column sum. */
export const colsumAbsReference = (x: ArrayLike<number>, rows: number, cols: number): Float64Array =>
  colsumReference(Array.from(x, Math.abs), rows, cols);

/** out[r, :] = src[idx[r], :]. */
export function gatherRowsReference(src: ArrayLike<number>, idx: ArrayLike<number>, cols: number): Float64Array {
  const out = new Float64Array(idx.length * cols);
  for (let r = 0; r < idx.length; r++) for (let j = 0; j < cols; j++) out[r * cols + j] = src[idx[r]! * cols + j]!;
  return out;
}
