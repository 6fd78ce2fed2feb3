// Reconstruction losses over contiguous f32 arrays. *_sum return the f64 sum
// of the per-element terms in the fixed order of math.ts (it depends on n
// only); each term is computed once in f32x4 (exp, log) and widened to f64
// where it cancels (z·t, (1 - t)). *_backward write, or add to, scale·∂sum/∂pred.
// Every element, in the vector body or the scalar tail, goes through the same
// f32x4 code, so its bits do not depend on n.
import { finishSum, highF64, lane0, lowF64, splat, vexp, vexpCalled, vlog1p, vlog1pCalled, vlogCalled, vsigmoid, vsigmoidFromExp } from "./math";

const enum Loss {
  Mse,
  BceLogits,
  Bce,
  L1,
}

const SIGN: v128 = i32x4(0x80000000, 0x80000000, 0x80000000, 0x80000000);

/**
 * e^-|z| for BCE from logits, shared by its term and its gradient; unused
 * otherwise. hot: inlined (the training step's loss and gradient), else
 * called (evaluation), the same bits either way.
 */
// @ts-ignore: decorator
@inline function expPart(loss: Loss, a: v128, hot: bool): v128 {
  if (loss != Loss.BceLogits) return a;
  return hot ? vexp(v128.or(a, SIGN)) : vexpCalled(v128.or(a, SIGN));
}

/** sigmoid(z) - t from e = e^-|z|: the bits of the backward's vsigmoid(z) - t. */
// @ts-ignore: decorator
@inline function sigmoidDiff(z: v128, t: v128, e: v128): v128 {
  return f32x4.sub(vsigmoidFromExp(z, e), t);
}

/** The f32 part of a term: log1p(e^-|z|) for BCE from logits (e = expPart), log p for BCE; hot as in expPart. */
// @ts-ignore: decorator
@inline function termF32(loss: Loss, a: v128, e: v128, lo: v128, hi: v128, hot: bool): v128 {
  switch (loss) {
    case Loss.BceLogits: return hot ? vlog1p(e) : vlog1pCalled(e);
    case Loss.Bce: return vlogCalled(f32x4.pmin(f32x4.pmax(a, lo), hi));
    default: return a;
  }
}

/** The second f32 part: log(1 - p) for BCE. */
// @ts-ignore: decorator
@inline function termF32b(loss: Loss, a: v128, lo: v128, hi: v128): v128 {
  if (loss == Loss.Bce) return vlog1pCalled(f32x4.neg(f32x4.pmin(f32x4.pmax(a, lo), hi)));
  return a;
}

/** Two terms in f64 from two lanes of pred a, target b and the f32 parts u, v. */
// @ts-ignore: decorator
@inline function termF64(loss: Loss, a: v128, b: v128, u: v128, v: v128): v128 {
  switch (loss) {
    case Loss.Mse: {
      const d = f64x2.sub(a, b);
      return f64x2.mul(d, d);
    }
    // max(z, 0) - z·t is exact in f64.
    case Loss.BceLogits: return f64x2.add(f64x2.sub(f64x2.pmax(a, f64x2.splat(0)), f64x2.mul(a, b)), u);
    case Loss.Bce: return f64x2.neg(f64x2.add(f64x2.mul(b, u), f64x2.mul(f64x2.sub(f64x2.splat(1), b), v)));
    default: return f64x2.abs(f64x2.sub(a, b));
  }
}

// @ts-ignore: decorator
@inline function lossSum(loss: Loss, a: usize, b: usize, eps: f32, n: i32, diff: usize = 0): f64 {
  const lo = splat(eps);
  const hi = splat(1 - eps);
  let s01 = f64x2.splat(0);
  let s23 = f64x2.splat(0);
  let s45 = f64x2.splat(0);
  let s67 = f64x2.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const off = <usize>i << 2;
    const a0 = v128.load(a + off);
    const b0 = v128.load(b + off);
    const a1 = v128.load(a + off, 16);
    const b1 = v128.load(b + off, 16);
    const e0 = expPart(loss, a0, diff != 0);
    const e1 = expPart(loss, a1, diff != 0);
    if (diff != 0) {
      v128.store(diff + off, sigmoidDiff(a0, b0, e0));
      v128.store(diff + off, sigmoidDiff(a1, b1, e1), 16);
    }
    const u0 = termF32(loss, a0, e0, lo, hi, diff != 0);
    const v0 = termF32b(loss, a0, lo, hi);
    const u1 = termF32(loss, a1, e1, lo, hi, diff != 0);
    const v1 = termF32b(loss, a1, lo, hi);
    s01 = f64x2.add(s01, termF64(loss, lowF64(a0), lowF64(b0), lowF64(u0), lowF64(v0)));
    s23 = f64x2.add(s23, termF64(loss, highF64(a0), highF64(b0), highF64(u0), highF64(v0)));
    s45 = f64x2.add(s45, termF64(loss, lowF64(a1), lowF64(b1), lowF64(u1), lowF64(v1)));
    s67 = f64x2.add(s67, termF64(loss, highF64(a1), highF64(b1), highF64(u1), highF64(v1)));
  }
  if (i + 4 <= n) {
    const off = <usize>i << 2;
    const a0 = v128.load(a + off);
    const b0 = v128.load(b + off);
    const e0 = expPart(loss, a0, diff != 0);
    if (diff != 0) v128.store(diff + off, sigmoidDiff(a0, b0, e0));
    const u0 = termF32(loss, a0, e0, lo, hi, diff != 0);
    const v0 = termF32b(loss, a0, lo, hi);
    s01 = f64x2.add(s01, termF64(loss, lowF64(a0), lowF64(b0), lowF64(u0), lowF64(v0)));
    s23 = f64x2.add(s23, termF64(loss, highF64(a0), highF64(b0), highF64(u0), highF64(v0)));
    i += 4;
  }
  let tail: f64 = 0;
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const a0 = splat(load<f32>(a + off));
    const b0 = splat(load<f32>(b + off));
    const e0 = expPart(loss, a0, diff != 0);
    if (diff != 0) store<f32>(diff + off, lane0(sigmoidDiff(a0, b0, e0)));
    const u0 = termF32(loss, a0, e0, lo, hi, diff != 0);
    const v0 = termF32b(loss, a0, lo, hi);
    tail += f64x2.extract_lane(termF64(loss, lowF64(a0), lowF64(b0), lowF64(u0), lowF64(v0)), 0);
  }
  return finishSum(s01, s23, s45, s67, tail);
}

/** scale·∂term/∂a in f32. */
// @ts-ignore: decorator
@inline function gradient(loss: Loss, a: v128, b: v128, scale: v128, lo: v128, hi: v128): v128 {
  switch (loss) {
    // scale holds 2·scale here.
    case Loss.Mse: return f32x4.mul(scale, f32x4.sub(a, b));
    case Loss.BceLogits: return f32x4.mul(scale, f32x4.sub(vsigmoid(a), b));
    case Loss.Bce: {
      // (p - t)/(p(1 - p)) inside [eps, 1 - eps]; 0 where the clamp is active
      // (the derivative of the clamped loss). NaN p is neither, so it passes.
      const g = f32x4.div(f32x4.mul(scale, f32x4.sub(a, b)), f32x4.mul(a, f32x4.sub(f32x4.splat(1), a)));
      return v128.andnot(g, v128.or(f32x4.lt(a, lo), f32x4.gt(a, hi)));
    }
    default: {
      // sign(a - b)·scale; d - d is 0 where a == b and NaN where d is NaN.
      const d = f32x4.sub(a, b);
      const positive = f32x4.gt(d, f32x4.splat(0));
      const s = v128.bitselect(scale, f32x4.neg(scale), positive);
      return v128.bitselect(s, f32x4.sub(d, d), v128.or(positive, f32x4.lt(d, f32x4.splat(0))));
    }
  }
}

// @ts-ignore: decorator
@inline function lossBackward(loss: Loss, da: usize, a: usize, b: usize, eps: f32, scale: f32, n: i32, accumulate: i32): void {
  const vs = splat(loss == Loss.Mse ? scale * 2 : scale);
  const lo = splat(eps);
  const hi = splat(1 - eps);
  const add = accumulate != 0;
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const off = <usize>i << 2;
    let g0 = gradient(loss, v128.load(a + off), v128.load(b + off), vs, lo, hi);
    let g1 = gradient(loss, v128.load(a + off, 16), v128.load(b + off, 16), vs, lo, hi);
    if (add) {
      g0 = f32x4.add(v128.load(da + off), g0);
      g1 = f32x4.add(v128.load(da + off, 16), g1);
    }
    v128.store(da + off, g0);
    v128.store(da + off, g1, 16);
  }
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    let g = gradient(loss, v128.load(a + off), v128.load(b + off), vs, lo, hi);
    if (add) g = f32x4.add(v128.load(da + off), g);
    v128.store(da + off, g);
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    let g = lane0(gradient(loss, splat(load<f32>(a + off)), splat(load<f32>(b + off)), vs, lo, hi));
    if (add) g = load<f32>(da + off) + g;
    store<f32>(da + off, g);
  }
}

export function f32_mse_sum(pred: usize, target: usize, n: i32): f64 {
  return lossSum(Loss.Mse, pred, target, 0, n);
}

export function f32_mse_backward(dpred: usize, pred: usize, target: usize, scale: f32, n: i32, accumulate: i32): void {
  lossBackward(Loss.Mse, dpred, pred, target, 0, scale, n, accumulate);
}

export function f32_bce_logits_sum(logits: usize, target: usize, n: i32): f64 {
  return lossSum(Loss.BceLogits, logits, target, 0, n);
}

/**
 * f32_bce_logits_sum's value, and diff[i] = sigmoid(z_i) - t_i written on the
 * way (from the same e^-|z|): scale·diff (added to dz when accumulating) has
 * f32_bce_logits_backward's bits.
 */
export function f32_bce_logits_sum_diff(logits: usize, target: usize, diff: usize, n: i32): f64 {
  return lossSum(Loss.BceLogits, logits, target, 0, n, diff);
}

export function f32_bce_logits_backward(dlogits: usize, logits: usize, target: usize, scale: f32, n: i32, accumulate: i32): void {
  lossBackward(Loss.BceLogits, dlogits, logits, target, 0, scale, n, accumulate);
}

/** p is clamped to [eps, 1 - eps] (1 - eps rounded to f32). */
export function f32_bce_sum(prob: usize, target: usize, eps: f32, n: i32): f64 {
  return lossSum(Loss.Bce, prob, target, eps, n);
}

/** 0 where p lies outside [eps, 1 - eps], as the clamp's derivative is 0 there. */
export function f32_bce_backward(dprob: usize, prob: usize, target: usize, eps: f32, scale: f32, n: i32, accumulate: i32): void {
  lossBackward(Loss.Bce, dprob, prob, target, eps, scale, n, accumulate);
}

export function f32_l1_sum(pred: usize, target: usize, n: i32): f64 {
  return lossSum(Loss.L1, pred, target, 0, n);
}

export function f32_l1_backward(dpred: usize, pred: usize, target: usize, scale: f32, n: i32, accumulate: i32): void {
  lossBackward(Loss.L1, dpred, pred, target, 0, scale, n, accumulate);
}

/**
 * dst[r] = (Σ_j (pred - target)²)/cols for row r, the f64 sum in f32_mse_sum's
 * order, rounded once to f32; NaN when cols = 0 (a mean of nothing).
 */
export function f32_row_mse(dst: usize, pred: usize, target: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * rowBytes;
    store<f32>(dst + (<usize>r << 2), <f32>(lossSum(Loss.Mse, pred + off, target + off, 0, cols) / <f64>cols));
  }
}
