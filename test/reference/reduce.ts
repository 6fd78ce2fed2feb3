// References for assembly/reduce.ts: naive f64 loops, and an emulation of the
// kernels' documented summation order (assembly/math.ts) in plain JS f64
// arithmetic, which matches the wasm f64 adds bit for bit.

export const sumReference = (x: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s;
};

export const dotReference = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/** Largest element, NaN if any is NaN, -Inf for none. */
export const maxReference = (x: ArrayLike<number>): number => {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) m = Number.isNaN(x[i]!) || Number.isNaN(m) ? NaN : Math.max(m, x[i]!);
  return m;
};

/** Smallest element, NaN if any is NaN, +Inf for none. */
export const minReference = (x: ArrayLike<number>): number => {
  let m = Infinity;
  for (let i = 0; i < x.length; i++) m = Number.isNaN(x[i]!) || Number.isNaN(m) ? NaN : Math.min(m, x[i]!);
  return m;
};

export const firstNonfiniteReference = (x: ArrayLike<number>): number => {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i]!)) return i;
  return -1;
};

/**
 * Σ terms in the documented order: term i < 4⌊n/4⌋ into s[i mod 8], the rest
 * in order into t, then (((s0+s2)+(s4+s6)) + ((s1+s3)+(s5+s7))) + t.
 */
export function fixedOrderSum(terms: ArrayLike<number>): number {
  const n = terms.length;
  const s = new Float64Array(8);
  const body = n - (n % 4);
  for (let i = 0; i < body; i++) s[i % 8] = s[i % 8]! + terms[i]!;
  let t = 0;
  for (let i = body; i < n; i++) t += terms[i]!;
  const even = (s[0]! + s[2]!) + (s[4]! + s[6]!);
  const odd = (s[1]! + s[3]!) + (s[5]! + s[7]!);
  return (even + odd) + t;
}
