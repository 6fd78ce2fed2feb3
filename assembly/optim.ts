// Optimizer updates over n contiguous parameters, PyTorch's conventions.
// Scalars derived from the hyperparameters are computed once per call in
// f64 (AssemblyScript's own Math.pow and Math.sqrt: wasm code, so the same
// bits everywhere), rounded to f32, then the loops run in f32. Lanes and the
// scalar tail do the same IEEE operations (mul, add, div, sqrt; no FMA),
// so each element's bits are independent of n and of its position.

/**
 * Adam/AdamW, step t ≥ 1:
 *   g = grad + wd·p                        (L2, when decoupled = 0)
 *   p = p·(1 − lr·wd)                      (AdamW, when decoupled = 1; as torch.optim.AdamW)
 *   m = β1·m + (1 − β1)·g;  v = β2·v + (1 − β2)·g²
 *   p = p − (lr / (1 − β1^t))·m / (√v / √(1 − β2^t) + eps)
 * The last line is p − lr·m̂/(√v̂ + eps) arranged as torch.optim.Adam does.
 * grad is read only. With wd = 0 both decay terms are exact no-ops for finite p.
 * Moments below the smallest normal f32 (2^-126) are stored as zero: a gradient
 * that stays zero (a dead unit, an always-blank pixel) decays m by β1 every step
 * into subnormals, on which x86 arithmetic runs about 100× slower, while such a
 * moment moves its parameter by less than lr·2^-126/eps.
 * keep ≠ 0: before the update, p, m and v of element i are also stored at
 * keep + 4i, keep + 4(keepStride + i) and keep + 4(2·keepStride + i), the copy
 * a training step goes back to if the update diverges. Stored here in the
 * same pass rather than by a copy before it: 10 memory streams instead of 13.
 */
export function f32_adam_step(param: usize, grad: usize, m: usize, v: usize, n: i32, lr: f64, beta1: f64,
  beta2: f64, eps: f64, weightDecay: f64, decoupled: i32, t: i32, keep: usize, keepStride: i32): i32 {
  if (keep != 0) return adamLoop(true, param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, decoupled, t, keep, keepStride);
  return adamLoop(false, param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, decoupled, t, 0, 0);
}

/** The update of f32_adam_step, inlined once with the keeping stores and once without. */
@inline function adamLoop(keeping: bool, param: usize, grad: usize, m: usize, v: usize, n: i32, lr: f64, beta1: f64,
  beta2: f64, eps: f64, weightDecay: f64, decoupled: i32, t: i32, keep: usize, keepStride: i32): i32 {
  assert(t >= 1, "Adam step t counts from 1");
  const stepSize = <f32>(lr / (1.0 - Math.pow(beta1, <f64>t)));
  const sqrtBc2 = <f32>Math.sqrt(1.0 - Math.pow(beta2, <f64>t));
  const b1 = <f32>beta1;
  const c1 = <f32>(1.0 - beta1);
  const b2 = <f32>beta2;
  const c2 = <f32>(1.0 - beta2);
  const e = <f32>eps;
  const l2 = decoupled ? <f32>0 : <f32>weightDecay;
  const shrink = decoupled ? <f32>(1.0 - lr * weightDecay) : <f32>1;
  const vStep = f32x4.splat(stepSize);
  const vSqrtBc2 = f32x4.splat(sqrtBc2);
  const vb1 = f32x4.splat(b1);
  const vc1 = f32x4.splat(c1);
  const vb2 = f32x4.splat(b2);
  const vc2 = f32x4.splat(c2);
  const ve = f32x4.splat(e);
  const vl2 = f32x4.splat(l2);
  const vShrink = f32x4.splat(shrink);
  const ks = <usize>keepStride << 2;
  let bad = f32x4.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i << 2;
    if (keeping) keepVec(param + o, m + o, v + o, keep + o, ks);
    if (keeping) keepVec(param + o + 16, m + o + 16, v + o + 16, keep + o + 16, ks);
    bad = v128.or(bad, adamVec(param + o, grad + o, m + o, v + o, vStep, vSqrtBc2, vb1, vc1, vb2, vc2, ve, vl2, vShrink));
    bad = v128.or(bad, adamVec(param + o + 16, grad + o + 16, m + o + 16, v + o + 16, vStep, vSqrtBc2, vb1, vc1, vb2, vc2, ve, vl2, vShrink));
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    if (keeping) keepVec(param + o, m + o, v + o, keep + o, ks);
    bad = v128.or(bad, adamVec(param + o, grad + o, m + o, v + o, vStep, vSqrtBc2, vb1, vc1, vb2, vc2, ve, vl2, vShrink));
  }
  let found = v128.any_true(bad);
  for (; i < n; i++) {
    const o = <usize>i << 2;
    let p = load<f32>(param + o);
    const m0 = load<f32>(m + o);
    const v0 = load<f32>(v + o);
    if (keeping) {
      store<f32>(keep + o, p);
      store<f32>(keep + ks + o, m0);
      store<f32>(keep + 2 * ks + o, v0);
    }
    const g = load<f32>(grad + o) + l2 * p;
    p = p * shrink;
    const mm = flush(b1 * m0 + c1 * g);
    const vv = flush(b2 * v0 + c2 * (g * g));
    const denom = Mathf.sqrt(vv) / sqrtBc2 + e;
    const updated = p - (stepSize * mm) / denom;
    if (updated - updated != 0) found = true;
    store<f32>(param + o, updated);
    store<f32>(m + o, mm);
    store<f32>(v + o, vv);
  }
  return found ? firstNonFinite(param, n) : -1;
}

const SMALLEST_NORMAL: f32 = 1.1754943508222875e-38;

/** x, or 0 when |x| is subnormal. */
@inline function flush(x: f32): f32 {
  return Mathf.abs(x) >= SMALLEST_NORMAL ? x : 0;
}

@inline function flushVec(x: v128): v128 {
  return v128.and(x, f32x4.ge(f32x4.abs(x), f32x4.splat(SMALLEST_NORMAL)));
}

/** Four lanes of the scalar tail above, operation for operation; returns a mask of the lanes whose new p is not finite. */
@inline function adamVec(pp: usize, pg: usize, pm: usize, pv: usize, stepSize: v128, sqrtBc2: v128, b1: v128,
  c1: v128, b2: v128, c2: v128, eps: v128, l2: v128, shrink: v128): v128 {
  let p = v128.load(pp);
  const g = f32x4.add(v128.load(pg), f32x4.mul(l2, p));
  p = f32x4.mul(p, shrink);
  const mm = flushVec(f32x4.add(f32x4.mul(b1, v128.load(pm)), f32x4.mul(c1, g)));
  const vv = flushVec(f32x4.add(f32x4.mul(b2, v128.load(pv)), f32x4.mul(c2, f32x4.mul(g, g))));
  const denom = f32x4.add(f32x4.div(f32x4.sqrt(vv), sqrtBc2), eps);
  const updated = f32x4.sub(p, f32x4.div(f32x4.mul(stepSize, mm), denom));
  v128.store(pp, updated);
  v128.store(pm, mm);
  v128.store(pv, vv);
  return nonFinite(updated);
}

/** Stores four lanes of p, m and v at keep, keep + stride and keep + 2·stride (bytes). */
@inline function keepVec(pp: usize, pm: usize, pv: usize, keep: usize, stride: usize): void {
  v128.store(keep, v128.load(pp));
  v128.store(keep + stride, v128.load(pm));
  v128.store(keep + 2 * stride, v128.load(pv));
}

/** Lanes where x is NaN or ±Infinity (x − x is exactly 0 for finite x). */
@inline function nonFinite(x: v128): v128 {
  return f32x4.ne(f32x4.sub(x, x), f32x4.splat(0));
}

const PLAIN = 0;
const MOMENTUM = 1;
const NESTEROV = 2;

/**
 * SGD as torch.optim.SGD (no dampening): g = grad + wd·p; with momentum μ ≠ 0,
 * v = μ·v + g (v starts at zero, so the first step gives v = g, as PyTorch's
 * clone) and the update is v, or g + μ·v when nesterov = 1; p = p − lr·update.
 * velocity is neither read nor written when μ = 0 (it may be 0 then).
 */
export function f32_sgd_step(param: usize, grad: usize, velocity: usize, n: i32, lr: f32, momentum: f32,
  weightDecay: f32, nesterov: i32): i32 {
  let found: bool;
  if (momentum == 0) found = sgd(PLAIN, param, grad, velocity, n, lr, momentum, weightDecay);
  else if (nesterov) found = sgd(NESTEROV, param, grad, velocity, n, lr, momentum, weightDecay);
  else found = sgd(MOMENTUM, param, grad, velocity, n, lr, momentum, weightDecay);
  return found ? firstNonFinite(param, n) : -1;
}

/** Index of the first NaN or ±Infinity among n parameters (the update found one), or -1. */
function firstNonFinite(p: usize, n: i32): i32 {
  for (let j = 0; j < n; j++) {
    const x = load<f32>(p + (<usize>j << 2));
    if (x - x != 0) return j;
  }
  return -1;
}

/** The update; returns whether any new parameter is not finite. */
@inline function sgd(mode: i32, param: usize, grad: usize, velocity: usize, n: i32, lr: f32, mu: f32, wd: f32): bool {
  const vlr = f32x4.splat(lr);
  const vmu = f32x4.splat(mu);
  const vwd = f32x4.splat(wd);
  let bad = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const p = v128.load(param + o);
    const g = f32x4.add(v128.load(grad + o), f32x4.mul(vwd, p));
    let update = g;
    if (mode != PLAIN) {
      const vel = f32x4.add(f32x4.mul(vmu, v128.load(velocity + o)), g);
      v128.store(velocity + o, vel);
      update = mode == NESTEROV ? f32x4.add(g, f32x4.mul(vmu, vel)) : vel;
    }
    const updated = f32x4.sub(p, f32x4.mul(vlr, update));
    v128.store(param + o, updated);
    bad = v128.or(bad, nonFinite(updated));
  }
  let found = v128.any_true(bad);
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const p = load<f32>(param + o);
    const g = load<f32>(grad + o) + wd * p;
    let update = g;
    if (mode != PLAIN) {
      const vel = mu * load<f32>(velocity + o) + g;
      store<f32>(velocity + o, vel);
      update = mode == NESTEROV ? g + mu * vel : vel;
    }
    const updated = p - lr * update;
    if (updated - updated != 0) found = true;
    store<f32>(param + o, updated);
  }
  return found;
}
