// Naive f64 references for assembly/activations.ts and assembly/math.ts, from
// the definitions, with the host's Math (allowed in tests, never in the
// library), plus the comparison the activation, loss and math tests share.
import { expect } from "vitest";

export interface ActivationReference {
  /** y = f(x) in f64. */
  f: (x: number) => number;
  /** f'(x) in f64, from the input. */
  df: (x: number) => number;
  /** f'(x) in f64 written in terms of the output y = f(x), as the kernels use it. */
  dfFromY: (y: number) => number;
}

export const sigmoidReference = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/** log(1 + e^x) without overflow. */
export const softplusReference = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

export const reluReference: ActivationReference = {
  f: (x) => (Number.isNaN(x) ? x : x > 0 ? x : 0),
  df: (x) => (x > 0 ? 1 : 0),
  dfFromY: (y) => (y > 0 ? 1 : 0),
};

export const leakyReluReference = (alpha: number): ActivationReference => ({
  f: (x) => (x > 0 ? x : alpha * x),
  df: (x) => (x > 0 ? 1 : alpha),
  dfFromY: (y) => (y > 0 ? 1 : alpha),
});

export const sigmoid: ActivationReference = {
  f: sigmoidReference,
  df: (x) => sigmoidReference(x) * sigmoidReference(-x),
  dfFromY: (y) => y * (1 - y),
};

export const tanh: ActivationReference = {
  f: Math.tanh,
  df: (x) => 1 / Math.cosh(x) ** 2,
  dfFromY: (y) => 1 - y * y,
};

export const softplus: ActivationReference = {
  f: softplusReference,
  df: sigmoidReference,
  dfFromY: (y) => -Math.expm1(-y),
};

/** Central difference of f at x with step h. */
export const centralDifference = (f: (x: number) => number, x: number, h: number): number => (f(x + h) - f(x - h)) / (2 * h);

const FLT_MAX = 3.4028234663852886e38;

/** The spacing of f32 numbers at the f32 rounding of v: one ULP (2^-149 for subnormals). */
export function ulpF32(v: number): number {
  const a = Math.abs(Math.fround(v));
  if (a < 2 ** -126) return 2 ** -149;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e -= 1;
  if (2 ** (e + 1) <= a) e += 1;
  return 2 ** (e - 23);
}

/** |got - want| in f32 ULPs of want; 0 when both are the same non-finite value. */
export function ulpError(got: number, want: number): number {
  if (Number.isNaN(want)) return Number.isNaN(got) ? 0 : Infinity;
  if (Math.abs(want) > FLT_MAX) return got === Math.sign(want) * Infinity ? 0 : Infinity;
  if (!Number.isFinite(got)) return Infinity;
  return Math.abs(got - want) / ulpF32(want);
}

/** Per-element tolerances: |got - want| ≤ tol[i] (NaN and ±Inf must match exactly). */
export type Tolerances = ArrayLike<number> | { atol: number; rtol: number };

/**
 * Asserts got ≈ want elementwise; a failure names the index, the input(s),
 * the expected and found values, the tolerance and the label (which should
 * give n). `maxUlp` switches the criterion to f32 ULPs of want.
 */
export function expectNear(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  tol: Tolerances | { maxUlp: number },
  label: string,
  inputs: readonly ArrayLike<number>[] = [],
): void {
  expect(got.length, `${label}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    let ok: boolean;
    let bound: number;
    if ("maxUlp" in tol) {
      bound = tol.maxUlp;
      ok = ulpError(g, w) <= bound;
    } else {
      bound = "atol" in tol ? Math.max(tol.atol, tol.rtol * Math.abs(w)) : (tol as ArrayLike<number>)[i]!;
      ok = Number.isNaN(w) ? Number.isNaN(g) : !Number.isFinite(w) ? g === w : Math.abs(g - w) <= bound;
    }
    if (!ok) {
      const input = inputs.map((a) => a[i]).join(", ");
      const error = "maxUlp" in tol ? `${ulpError(g, w).toFixed(2)} ULP > ${bound} ULP` : `|diff| ${Math.abs(g - w)} > ${bound}`;
      expect.fail(`${label}: at [${i}] input (${input}) expected ${w}, got ${g} (${error})`);
    }
  }
}
