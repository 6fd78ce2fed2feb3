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

/** Keras clipvalue in f64: each value clamped to [−limit, limit]. */
export function clipValueReference(g: ArrayLike<number>, limit: number): Float64Array {
  return Float64Array.from(g, (x) => Math.min(Math.max(x, -limit), limit));
}

/** Keras clip_by_norm in f64: g·maxNorm/‖g‖ when ‖g‖ > maxNorm, else g. */
export function clipNormReference(g: ArrayLike<number>, maxNorm: number): Float64Array {
  let sum = 0;
  for (let i = 0; i < g.length; i++) sum += g[i]! * g[i]!;
  const norm = Math.sqrt(sum);
  const s = norm > maxNorm ? maxNorm / norm : 1;
  return Float64Array.from(g, (x) => x * s);
}

/** Keras clip_by_global_norm in f64 over several tensors: each scaled by maxNorm/‖all‖ when ‖all‖ > maxNorm. */
export function clipGlobalNormReference(tensors: readonly ArrayLike<number>[], maxNorm: number): Float64Array[] {
  let sum = 0;
  for (const g of tensors) for (let i = 0; i < g.length; i++) sum += g[i]! * g[i]!;
  const norm = Math.sqrt(sum);
  const s = norm > maxNorm ? maxNorm / norm : 1;
  return tensors.map((g) => Float64Array.from(g, (x) => x * s));
}
