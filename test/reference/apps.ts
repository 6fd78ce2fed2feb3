// References for assembly/apps.ts: naive f64 loops, and exact emulations
// (Math.fround after each f32 operation) where the kernel's contract fixes
// its roundings.

const f = Math.fround;

/** f32(f32(x·scale) + offset) per element. */
export function affineColumnsReference(x: ArrayLike<number>, scale: ArrayLike<number>, offset: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = f(f(x[r * cols + c]! * scale[c]!) + offset[c]!);
  return out;
}

export function columnMinMaxReference(x: ArrayLike<number>, rows: number, cols: number): { min: Float32Array; max: Float32Array } {
  const min = new Float32Array(cols).fill(Infinity);
  const max = new Float32Array(cols).fill(-Infinity);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      min[c] = Math.min(min[c]!, x[r * cols + c]!);
      max[c] = Math.max(max[c]!, x[r * cols + c]!);
    }
  }
  return { min, max };
}

/** Σ_j x[r, j]² in f64, in index order. */
export function rowSumSquaresReference(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r] = out[r]! + x[r * cols + c]! ** 2;
  return out;
}

/** The kernel's f32 operations in order: max(f32(f32(na + nb) − 2·dot), 0). */
export function sqDistancesReference(dot: ArrayLike<number>, na: ArrayLike<number>, nb: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = Math.max(f(f(na[i]! + nb[j]!) - f(2 * dot[i * cols + j]!)), 0);
  return out;
}

/** Exact squared Euclidean distances in f64. */
export function pairwiseSqDistancesReference(a: ArrayLike<number>, b: ArrayLike<number>, m: number, n: number, d: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += (a[i * d + t]! - b[j * d + t]!) ** 2;
      out[i * n + j] = s;
    }
  }
  return out;
}

/** Columns of the k smallest values per row: a stable sort by (value, column). */
export function rowSmallestKReference(x: ArrayLike<number>, rows: number, cols: number, k: number): Uint32Array {
  const out = new Uint32Array(rows * k);
  for (let r = 0; r < rows; r++) {
    const order = Array.from({ length: cols }, (_, j) => j).sort((a, b) => x[r * cols + a]! - x[r * cols + b]! || a - b);
    out.set(order.slice(0, k), r * k);
  }
  return out;
}

/**
 * Softmax per row in f64. With `f32Differences`, from x − max rounded to f32
 * as the kernel computes it (that rounding alone moves exp by up to
 * |x − max|·2^-24 relative, more than the rest of the kernel's error).
 */
export function softmaxRowsReference(x: ArrayLike<number>, rows: number, cols: number, f32Differences = false): Float64Array {
  const out = new Float64Array(rows * cols);
  const diff = (a: number, m: number): number => (f32Differences ? f(a - m) : a - m);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let j = 0; j < cols; j++) m = Math.max(m, x[r * cols + j]!);
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(diff(x[r * cols + j]!, m));
    for (let j = 0; j < cols; j++) out[r * cols + j] = Math.exp(diff(x[r * cols + j]!, m)) / s;
  }
  return out;
}

/** Σ_r −log softmax(x[r])[label[r]] in f64. */
export function softmaxXentReference(x: ArrayLike<number>, labels: ArrayLike<number>, rows: number, cols: number): number {
  const p = softmaxRowsReference(x, rows, cols);
  let loss = 0;
  for (let r = 0; r < rows; r++) loss -= Math.log(p[r * cols + labels[r]!]!);
  return loss;
}

/** scale·(softmax − onehot) in f64, from f32 differences x − max (see softmaxRowsReference). */
export function softmaxXentGradReference(x: ArrayLike<number>, labels: ArrayLike<number>, scale: number, rows: number, cols: number): Float64Array {
  const p = softmaxRowsReference(x, rows, cols, true);
  for (let r = 0; r < rows; r++) p[r * cols + labels[r]!] = p[r * cols + labels[r]!]! - 1;
  return p.map((v) => v * scale);
}

/**
 * erf in f64: the Maclaurin series for |x| ≤ 3 (terms fall below 1e-17 of
 * the sum; cancellation costs at most ~1e-13), and 1 − erfc by its continued
 * fraction (evaluated from the 80th term back) above.
 */
export function erfReference(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  let value: number;
  if (a <= 3) {
    let term = a;
    let sum = a;
    for (let n = 1; n < 200; n++) {
      term *= (-a * a) / n;
      const next = term / (2 * n + 1);
      sum += next;
      if (Math.abs(next) < 1e-17 * Math.abs(sum)) break;
    }
    value = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    // erfc(a) = e^(−a²)/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + 2/(a + …)))))
    let tail = a;
    for (let n = 80; n >= 1; n--) tail = a + n / 2 / tail;
    value = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / tail;
  }
  return x < 0 ? -value : value;
}
