// Naive f64 references for assembly/losses.ts, from the definitions: one term
// per element, its derivative with respect to the prediction, and plain sums.
import { sigmoidReference } from "./activations.js";

export interface LossReference {
  /** The loss of one element: prediction (or logit) p, target t. */
  term: (p: number, t: number) => number;
  /** ∂term/∂p. */
  dterm: (p: number, t: number) => number;
}

export const mse: LossReference = {
  term: (p, t) => (p - t) ** 2,
  dterm: (p, t) => 2 * (p - t),
};

/** Binary cross-entropy of sigmoid(z) against t, written as -t·log σ(z) - (1 - t)·log(1 - σ(z)). */
export const bceLogits: LossReference = {
  term: (z, t) => {
    // log σ(z) = -log(1 + e^-z), log(1 - σ(z)) = -log(1 + e^z), each without overflow.
    const logSig = z >= 0 ? -Math.log1p(Math.exp(-z)) : z - Math.log1p(Math.exp(z));
    const logOneMinusSig = z >= 0 ? -z - Math.log1p(Math.exp(-z)) : -Math.log1p(Math.exp(z));
    return -(t * logSig + (1 - t) * logOneMinusSig);
  },
  dterm: (z, t) => sigmoidReference(z) - t,
};

/** Binary cross-entropy on probabilities, p clamped to [eps, 1 - eps] (1 - eps rounded to f32). */
export const bce = (eps: number): LossReference => {
  const lo = eps;
  const hi = Math.fround(1 - eps);
  return {
    term: (p, t) => {
      const q = Math.min(Math.max(p, lo), hi);
      return -(t * Math.log(q) + (1 - t) * Math.log(1 - q));
    },
    dterm: (p, t) => (p < lo || p > hi ? 0 : -(t / p) + (1 - t) / (1 - p)),
  };
};

export const l1: LossReference = {
  term: (p, t) => Math.abs(p - t),
  dterm: (p, t) => Math.sign(p - t),
};

/** Σ term(p[i], t[i]) and Σ |term| (the scale of its rounding error). */
export function lossSumReference(loss: LossReference, p: ArrayLike<number>, t: ArrayLike<number>): { sum: number; abs: number } {
  let sum = 0;
  let abs = 0;
  for (let i = 0; i < p.length; i++) {
    const v = loss.term(p[i]!, t[i]!);
    sum += v;
    abs += Math.abs(v);
  }
  return { sum, abs };
}

/** mean_j (p[r, j] - t[r, j])² per row. */
export function rowMseReference(p: ArrayLike<number>, t: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += (p[r * cols + j]! - t[r * cols + j]!) ** 2;
    out[r] = s / cols;
  }
  return out;
}
