// Gradient clipping over the gradient region of the parameter slab, with
// Keras's meanings (keras.optimizers.Optimizer clipnorm / clipvalue /
// global_clipnorm), applied in place before the optimizer's update.
// Sums of squares run in f64 in a fixed order (two f64x2 accumulators over
// the lanes, then the scalar tail, added in that order), so a norm has the
// same bits for the same gradients everywhere. Each square of an f32 is exact
// in f64 (48 significant bits), so the only rounding is in the additions:
// relative error below n·2^-53. Zero padding between tensors adds nothing.

/** Σ g² over n floats at p, in f64, in the fixed order above. */
function sumSquares(p: usize, n: i32): f64 {
  let acc0 = f64x2.splat(0);
  let acc1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(p + (<usize>i << 2));
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
    acc0 = f64x2.add(acc0, f64x2.mul(lo, lo));
    acc1 = f64x2.add(acc1, f64x2.mul(hi, hi));
  }
  let tail: f64 = 0;
  for (; i < n; i++) {
    const x = <f64>load<f32>(p + (<usize>i << 2));
    tail += x * x;
  }
  const lanes = f64x2.add(acc0, acc1);
  return f64x2.extract_lane(lanes, 0) + f64x2.extract_lane(lanes, 1) + tail;
}

/** g = g·s over n floats at p (f32 multiplies, lanes and tail alike). */
function scale(p: usize, n: i32, s: f32): void {
  const vs = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = p + (<usize>i << 2);
    v128.store(o, f32x4.mul(v128.load(o), vs));
  }
  for (; i < n; i++) {
    const o = p + (<usize>i << 2);
    store<f32>(o, load<f32>(o) * s);
  }
}

/**
 * The factor that brings a norm √sumSq down to maxNorm, or 1 when it is
 * within the bound (the gradient is then left bit for bit). A NaN or infinite
 * norm is left to the update, whose non-finite check reports it.
 */
@inline function factor(sumSq: f64, maxNorm: f64): f32 {
  const norm = Math.sqrt(sumSq);
  return norm > maxNorm && norm < Infinity ? <f32>(maxNorm / norm) : <f32>1;
}

/**
 * clipvalue: each of n gradients clamped to [−limit, limit] in place (limit > 0).
 * NaN stays NaN (wasm's min and max propagate it).
 */
export function f32_clip_value(grad: usize, n: i32, limit: f32): void {
  assert(limit > 0, "clip value must be positive");
  const hi = f32x4.splat(limit);
  const lo = f32x4.splat(-limit);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = grad + (<usize>i << 2);
    v128.store(o, f32x4.max(f32x4.min(v128.load(o), hi), lo));
  }
  for (; i < n; i++) {
    const o = grad + (<usize>i << 2);
    store<f32>(o, Mathf.max(Mathf.min(load<f32>(o), limit), -limit));
  }
}

/**
 * clipnorm: each tensor's gradient scaled to an L2 norm of at most maxNorm.
 * Tensor t spans floats [bounds[t], bounds[t + 1]) of grad; bounds is a u32
 * table of tensors + 1 increasing offsets. Scaling is g·(maxNorm/‖g‖) with
 * the factor rounded to f32 once per tensor.
 */
export function f32_clip_norm_each(grad: usize, bounds: usize, tensors: i32, maxNorm: f64): void {
  assert(maxNorm > 0, "clip norm must be positive");
  for (let t = 0; t < tensors; t++) {
    const start = load<u32>(bounds + (<usize>t << 2));
    const end = load<u32>(bounds + (<usize>(t + 1) << 2));
    assert(end >= start, "tensor bounds must increase");
    const p = grad + (<usize>start << 2);
    const n = <i32>(end - start);
    const s = factor(sumSquares(p, n), maxNorm);
    if (s != 1) scale(p, n, s);
  }
}

/**
 * global_clipnorm: all n gradients scaled together so that their joint L2
 * norm is at most maxNorm. Returns the norm before clipping.
 */
export function f32_clip_global_norm(grad: usize, n: i32, maxNorm: f64): f64 {
  assert(maxNorm > 0, "clip norm must be positive");
  const sumSq = sumSquares(grad, n);
  const s = factor(sumSq, maxNorm);
  if (s != 1) scale(grad, n, s);
  return Math.sqrt(sumSq);
}
