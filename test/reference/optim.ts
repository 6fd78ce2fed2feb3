// Naive f64 references for assembly/optim.ts, written from the PyTorch
// documentation's pseudo-code (torch.optim.Adam, AdamW, SGD), one element at a time.

export interface AdamHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  decoupled: boolean;
}

/** One Adam/AdamW step at t ≥ 1, in place on f64 copies of p, m, v. */
export function adamReference(p: Float64Array, g: ArrayLike<number>, m: Float64Array, v: Float64Array, h: AdamHyper, t: number): void {
  for (let i = 0; i < p.length; i++) {
    let grad = g[i]!;
    if (h.decoupled) p[i]! -= h.lr * h.weightDecay * p[i]!;
    else grad += h.weightDecay * p[i]!;
    m[i] = h.beta1 * m[i]! + (1 - h.beta1) * grad;
    v[i] = h.beta2 * v[i]! + (1 - h.beta2) * grad * grad;
    const mHat = m[i]! / (1 - h.beta1 ** t);
    const vHat = v[i]! / (1 - h.beta2 ** t);
    p[i]! -= (h.lr * mHat) / (Math.sqrt(vHat) + h.eps);
  }
}

export interface SgdHyper {
  lr: number;
  momentum: number;
  weightDecay: number;
  nesterov: boolean;
}

/** One SGD step, in place on f64 copies of p and the velocity (zero before the first step). */
export function sgdReference(p: Float64Array, g: ArrayLike<number>, velocity: Float64Array, h: SgdHyper): void {
  for (let i = 0; i < p.length; i++) {
    const grad = g[i]! + h.weightDecay * p[i]!;
    let update = grad;
    if (h.momentum !== 0) {
      velocity[i] = h.momentum * velocity[i]! + grad;
      update = h.nesterov ? grad + h.momentum * velocity[i]! : velocity[i]!;
    }
    p[i]! -= h.lr * update;
  }
}
