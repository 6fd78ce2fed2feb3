// Naive f64 reference for the f32 gemm kernels: C[m×n] (+)= op(A)·op(B) (+ bias[n]).
export type GemmForm = "nn" | "nt" | "tn";

/**
 * Returns the f64 result for row-major, contiguous operands: A is m×k (k×m for
 * "tn"), B is k×n (n×k for "nt"). `c0` is C's prior contents when accumulating.
 */
export function gemmReference(
  form: GemmForm,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  bias: ArrayLike<number> | null,
  m: number,
  n: number,
  k: number,
  c0: ArrayLike<number> | null,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        const aip = form === "tn" ? a[p * m + i]! : a[i * k + p]!;
        const bpj = form === "nt" ? b[j * k + p]! : b[p * n + j]!;
        sum += aip * bpj;
      }
      if (c0) sum += c0[i * n + j]!;
      if (bias) sum += bias[j]!;
      out[i * n + j] = sum;
    }
  }
  return out;
}

/** Σ_p |op(A)[i,p]·op(B)[p,j]| per element: the scale of the rounding error of a k-term f32 sum. */
export function gemmAbsReference(
  form: GemmForm,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  n: number,
  k: number,
): Float64Array {
  const abs = (x: ArrayLike<number>) => Float64Array.from(x as ArrayLike<number>, Math.abs);
  return gemmReference(form, abs(a), abs(b), null, m, n, k, null);
}

/** Depth of the k blocks the kernels use (KC = 256 in assembly/gemm.ts): part of the bit-exact contract. */
export function gemmBlockDepth(k: number): number {
  const blocks = Math.ceil(k / 256);
  return Math.min(k, (Math.floor((k + blocks - 1) / blocks) + 3) & ~3);
}

/**
 * The kernels' documented f32 summation order, emulated with Math.fround: per k
 * block, acc = 0 + t_p0 + t_p0+1 + …; C = C + acc (C = acc for the first block
 * unless accumulating); then C + bias after the last block. Returns f32 values.
 */
export function gemmExactOrder(
  form: GemmForm,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  bias: ArrayLike<number> | null,
  m: number,
  n: number,
  k: number,
  c0: ArrayLike<number> | null,
): Float32Array {
  const f = Math.fround;
  const out = new Float32Array(m * n);
  const kc = gemmBlockDepth(k);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let c = c0 ? c0[i * n + j]! : 0;
      for (let p0 = 0; p0 < k; p0 += kc) {
        let acc = 0;
        for (let p = p0; p < Math.min(k, p0 + kc); p++) {
          const aip = form === "tn" ? a[p * m + i]! : a[i * k + p]!;
          const bpj = form === "nt" ? b[j * k + p]! : b[p * n + j]!;
          acc = f(acc + f(aip * bpj));
        }
        c = p0 > 0 || c0 ? f(c + acc) : acc;
      }
      if (bias) c = f(c + bias[j]!);
      out[i * n + j] = c;
    }
  }
  return out;
}
