// Vector math on f32x4 lanes, shared by the kernel families. Not re-exported
// by index.ts, so nothing here becomes a wasm export.
//
// Everything is plain lane-wise wasm SIMD (no relaxed-simd, no host Math), so
// results are the same bits in every runtime, and a value computed through a
// splatted vector (the scalar tails) equals the same value in any lane.
//
// Max errors in f32 ULPs, measured against f64 Math on every 7th f32 bit
// pattern of the range (3e8 points each; test/assembly/math.test.ts re-checks
// a sparser sweep against looser bounds):
//   vexp      0.96 on [-87.3, 88.7] (normal results), 0.75 down to -104
//             (subnormal results); +Inf above 88.72, 0 below -103.97, NaN → NaN
//   vexpm1    1.15 on [-30, 0] (the side the kernels use), 1.96 on [0, 88.7]
//   vlog      0.84 on all positive f32 (subnormals too); log(±0) = -Inf,
//             log(x < 0) = NaN, log(+Inf) = +Inf, NaN → NaN
//   vlog1p    0.86 on (-1, 1e6]
//   vsigmoid  2.36 on [-104, 20]; exactly 0 at -Inf and 1 from 16.7 on
//   vtanh     2.49 on [-10, 10]; exactly ±1 beyond 9.01
//   vsoftplus 1.61 on [-104, 1e6]

// @ts-ignore: decorator
@inline export function splat(x: f32): v128 {
  return f32x4.splat(x);
}

/** Lane 0 of f32x4 op(splat(x)): the scalar tail of a vector loop. */
// @ts-ignore: decorator
@inline export function lane0(v: v128): f32 {
  return f32x4.extract_lane(v, 0);
}

// Constants stay v128.const: V8 rebuilds each from immediates at every use,
// yet that measured faster than loading them from static data.
const ONE: v128 = f32x4(1, 1, 1, 1);
const SIGN: v128 = i32x4(0x80000000, 0x80000000, 0x80000000, 0x80000000);

// exp and expm1: x = n·ln2 + r, |r| ≤ ln2/2 (Cody–Waite: ln2 = LN2_HI + LN2_LO,
// LN2_HI has 16 significant bits so n·LN2_HI is exact for |n| < 2^8), then
// e^r - 1 = r + r²·(1/2 + r·S(r)), S a minimax fit of degree 3 on
// [-ln2/2, ln2/2] (absolute error 7.5e-9 in e^r - 1).
const LOG2E: v128 = f32x4(1.4426950408889634, 1.4426950408889634, 1.4426950408889634, 1.4426950408889634);
const LN2_HI: v128 = f32x4(0.693145751953125, 0.693145751953125, 0.693145751953125, 0.693145751953125);
const LN2_LO: v128 = f32x4(1.428606765330187e-6, 1.428606765330187e-6, 1.428606765330187e-6, 1.428606765330187e-6);
// Adding 1.5·2^23 rounds to the nearest integer (ties to even) and leaves it
// in the low mantissa bits.
const ROUNDER: v128 = f32x4(12582912.0, 12582912.0, 12582912.0, 12582912.0);
const E3: v128 = f32x4(0.16666576266288757, 0.16666576266288757, 0.16666576266288757, 0.16666576266288757);
const E4: v128 = f32x4(0.04166637361049652, 0.04166637361049652, 0.04166637361049652, 0.04166637361049652);
const E5: v128 = f32x4(0.008363175205886364, 0.008363175205886364, 0.008363175205886364, 0.008363175205886364);
const E6: v128 = f32x4(0.0013941113138571382, 0.0013941113138571382, 0.0013941113138571382, 0.0013941113138571382);
const HALF: v128 = f32x4(0.5, 0.5, 0.5, 0.5);
// exp(88.75) overflows and exp(-104) rounds to 0, so clamping there changes no
// result and keeps 2^n within two normal factors 2^(n>>1)·2^(n-(n>>1)).
const EXP_MAX: v128 = f32x4(88.75, 88.75, 88.75, 88.75);
const EXP_MIN: v128 = f32x4(-104, -104, -104, -104);
// expm1(x) rounds to -1 below -17.4.
const EXPM1_MIN: v128 = f32x4(-30, -30, -30, -30);
const EXP_BIAS: v128 = i32x4(127, 127, 127, 127);
const EXP_BIAS_M1: v128 = i32x4(126, 126, 126, 126);

/**
 * The reduced argument's e^(r + rlo) - 1, where
 * r + rlo = x - n·ln2, given t = x·log2 e + ROUNDER (so n = t - ROUNDER).
 * x - n·LN2_HI is exact; rlo keeps the rounding error of subtracting n·LN2_LO.
 */
// @ts-ignore: decorator
@inline function expm1Reduced(x: v128, t: v128): v128 {
  const n = f32x4.sub(t, ROUNDER);
  const a = f32x4.sub(x, f32x4.mul(n, LN2_HI));
  const c = f32x4.mul(n, LN2_LO);
  const r = f32x4.sub(a, c);
  const rlo = f32x4.sub(f32x4.sub(a, r), c);
  const q = f32x4.add(E3, f32x4.mul(r, f32x4.add(E4, f32x4.mul(r, f32x4.add(E5, f32x4.mul(r, E6))))));
  // e^(r + rlo) - 1 = (e^r - 1) + rlo·(1 + O(r)), |rlo| ≤ 2^-24·|r|.
  return f32x4.add(r, f32x4.add(rlo, f32x4.mul(f32x4.mul(r, r), f32x4.add(HALF, f32x4.mul(r, q)))));
}

/** e^x. */
// @ts-ignore: decorator
@inline export function vexp(x: v128): v128 {
  // pmin/pmax are one instruction each (min/max, several in V8 on x64); a NaN
  // compares false, so its lane keeps x and stays NaN throughout.
  const xc = f32x4.pmax(f32x4.pmin(x, EXP_MAX), EXP_MIN);
  const t = f32x4.add(f32x4.mul(xc, LOG2E), ROUNDER);
  const p = f32x4.add(expm1Reduced(xc, t), ONE);
  const n = i32x4.sub(t, ROUNDER);
  const n1 = i32x4.shr_s(n, 1);
  const s1 = i32x4.shl(i32x4.add(n1, EXP_BIAS), 23);
  const s2 = i32x4.shl(i32x4.add(i32x4.sub(n, n1), EXP_BIAS), 23);
  // p·s1 is exact; the one rounding happens in ·s2 (into subnormals or +Inf).
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

/** e^x - 1, accurate near 0. */
// @ts-ignore: decorator
@inline export function vexpm1(x: v128): v128 {
  const xc = f32x4.pmax(f32x4.pmin(x, EXP_MAX), EXPM1_MIN);
  const t = f32x4.add(f32x4.mul(xc, LOG2E), ROUNDER);
  const p = expm1Reduced(xc, t);
  // h = 2^(n-1) stays finite for n ≤ 128; e^x - 1 = ((h - 1/2) + h·p)·2, where
  // h - 1/2 is exact for n ≤ 25 and h·p for |x| ≥ 2^-125, so one rounding
  // remains (beyond n = 25, e^x dwarfs the 1 anyway).
  const h = i32x4.shl(i32x4.add(i32x4.sub(t, ROUNDER), EXP_BIAS_M1), 23);
  const y = f32x4.add(f32x4.sub(h, HALF), f32x4.mul(h, p));
  return f32x4.add(y, y);
}

// log: x = 2^k·m with m in [√½, √2), f = m - 1, s = f/(2 + f), so that
// log(m) = 2s + s·R and R = z·P(z), z = s² ≤ 0.0295, P a minimax fit of
// degree 2 (relative error 2.7e-9 in log(m)).
const MIN_NORMAL: v128 = f32x4(1.1754943508222875e-38, 1.1754943508222875e-38, 1.1754943508222875e-38, 1.1754943508222875e-38);
const TWO_POW_23: v128 = f32x4(8388608, 8388608, 8388608, 8388608);
const SUBNORMAL_SHIFT: v128 = i32x4(23, 23, 23, 23);
// Adding bits(1) - bits(√½) carries into the exponent exactly when m ≥ √2.
const MANTISSA_CARRY: v128 = i32x4(0x004afb0d, 0x004afb0d, 0x004afb0d, 0x004afb0d);
const SQRT_HALF_BITS: v128 = i32x4(0x3f3504f3, 0x3f3504f3, 0x3f3504f3, 0x3f3504f3);
const MANTISSA: v128 = i32x4(0x007fffff, 0x007fffff, 0x007fffff, 0x007fffff);
const TWO: v128 = f32x4(2, 2, 2, 2);
const L1: v128 = f32x4(0.6666668653488159, 0.6666668653488159, 0.6666668653488159, 0.6666668653488159);
const L2: v128 = f32x4(0.39988717436790466, 0.39988717436790466, 0.39988717436790466, 0.39988717436790466);
const L3: v128 = f32x4(0.2958204746246338, 0.2958204746246338, 0.2958204746246338, 0.2958204746246338);
const ZERO: v128 = f32x4(0, 0, 0, 0);
const INF: v128 = f32x4(Infinity, Infinity, Infinity, Infinity);
const NEG_INF: v128 = f32x4(-Infinity, -Infinity, -Infinity, -Infinity);
const NAN: v128 = i32x4(0x7fc00000, 0x7fc00000, 0x7fc00000, 0x7fc00000);

/** log(x) + low, for a correction |low| ≲ ulp(log x) folded in before the last rounding. */
// @ts-ignore: decorator
@inline function logPlus(x: v128, low: v128, hasLow: bool): v128 {
  const tiny = f32x4.lt(x, MIN_NORMAL);
  const xs = v128.bitselect(f32x4.mul(x, TWO_POW_23), x, tiny);
  const ix = i32x4.add(xs, MANTISSA_CARRY);
  const k = i32x4.sub(i32x4.sub(i32x4.shr_s(ix, 23), EXP_BIAS), v128.and(tiny, SUBNORMAL_SHIFT));
  const m = i32x4.add(v128.and(ix, MANTISSA), SQRT_HALF_BITS);
  const f = f32x4.sub(m, ONE);
  const s = f32x4.div(f, f32x4.add(f, TWO));
  const z = f32x4.mul(s, s);
  const r = f32x4.mul(z, f32x4.add(L1, f32x4.mul(z, f32x4.add(L2, f32x4.mul(z, L3)))));
  const hfsq = f32x4.mul(HALF, f32x4.mul(f, f));
  const kf = f32x4.convert_i32x4_s(k);
  // log(m) = f - hfsq + s·(hfsq + r), the small terms summed first.
  let small = f32x4.mul(kf, LN2_LO);
  if (hasLow) small = f32x4.add(small, low);
  const lo = f32x4.add(f32x4.mul(s, f32x4.add(hfsq, r)), small);
  const y = f32x4.add(f32x4.mul(kf, LN2_HI), f32x4.sub(f, f32x4.sub(hfsq, lo)));
  const finite = v128.and(f32x4.gt(x, ZERO), f32x4.lt(x, INF));
  const special = v128.bitselect(NEG_INF, v128.bitselect(NAN, x, f32x4.lt(x, ZERO)), f32x4.eq(x, ZERO));
  return v128.bitselect(y, special, finite);
}

/** Natural logarithm. */
// @ts-ignore: decorator
@inline export function vlog(x: v128): v128 {
  return logPlus(x, ZERO, false);
}

/** log(1 + u), accurate for small |u|. */
// @ts-ignore: decorator
@inline export function vlog1p(u: v128): v128 {
  const w = f32x4.add(u, ONE);
  // log(1 + u) = log(w) + log(1 + c) with c = (u - (w - 1))/w the rounding
  // error of w relative to w; log(1 + c) = c within f32 as |c| < 2^-24. (c is
  // NaN only where w is 0 or ±Inf, and there the special value wins.)
  const c = f32x4.div(f32x4.sub(u, f32x4.sub(w, ONE)), w);
  return logPlus(w, c, true);
}

/** 1 / (1 + e^-x), from t = e^-|x| ∈ (0, 1] so nothing overflows. */
// @ts-ignore: decorator
@inline export function vsigmoid(x: v128): v128 {
  return vsigmoidFromExp(x, vexp(v128.or(x, SIGN)));
}

/** sigmoid(x) given t = e^-|x| (for callers that need t too): vsigmoid's bits. */
// @ts-ignore: decorator
@inline export function vsigmoidFromExp(x: v128, t: v128): v128 {
  const numerator = v128.bitselect(ONE, t, f32x4.ge(x, ZERO));
  return f32x4.div(numerator, f32x4.add(ONE, t));
}

/** tanh(x) = sign(x)·(-e)/(2 + e) with e = e^-2|x| - 1, accurate near 0. */
// @ts-ignore: decorator
@inline export function vtanh(x: v128): v128 {
  const ax = f32x4.abs(x);
  const e = vexpm1(f32x4.neg(f32x4.add(ax, ax)));
  const t = f32x4.div(f32x4.neg(e), f32x4.add(TWO, e));
  return v128.bitselect(x, t, SIGN);
}

/** log(1 + e^x) = max(x, 0) + log1p(e^-|x|). */
// @ts-ignore: decorator
@inline export function vsoftplus(x: v128): v128 {
  return f32x4.add(f32x4.pmax(x, ZERO), vlog1pCalled(vexpCalled(v128.or(x, SIGN))));
}

/** 1 - e^-y, the softplus derivative from its output y = softplus(x). */
// @ts-ignore: decorator
@inline export function vsoftplusGradFromOutput(y: v128): v128 {
  return f32x4.neg(vexpm1Called(f32x4.neg(y)));
}

// The same functions as calls, not inlined, for kernels off the training
// step's hot path (softplus, BCE on probabilities, scalar uses): each inlined
// copy of exp or log is about 1 KB of code, more than a call per vector costs
// there. Same operations, so the same bits.

/** vexp, called. */
function vexpCalled(x: v128): v128 {
  return vexp(x);
}

/** vexpm1, called. */
function vexpm1Called(x: v128): v128 {
  return vexpm1(x);
}

/** vlog, called. */
function vlogCalled(x: v128): v128 {
  return vlog(x);
}

/** vlog1p, called. */
function vlog1pCalled(u: v128): v128 {
  return vlog1p(u);
}

export { vexpCalled, vexpm1Called, vlogCalled, vlog1pCalled };

// ---- fixed-order f64 summation -------------------------------------------
// Sums in this project add f64 terms in one order that depends on n only:
// element i < 4⌊n/4⌋ goes to partial sum s[i mod 8] (four f64x2 accumulators
// (s0,s1) (s2,s3) (s4,s5) (s6,s7)); the last n mod 4 terms go, in order, to a
// scalar tail t starting at 0; the result is
//   (((s0 + s2) + (s4 + s6)) + ((s1 + s3) + (s5 + s7))) + t.

/** Lanes 0, 1 of an f32x4 as f64x2. */
// @ts-ignore: decorator
@inline export function lowF64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

/** Lanes 2, 3 of an f32x4 as f64x2. */
// @ts-ignore: decorator
@inline export function highF64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<i64>(v, v, 1, 1));
}

/** The documented combination of the four accumulators and the tail. */
// @ts-ignore: decorator
@inline export function finishSum(s01: v128, s23: v128, s45: v128, s67: v128, tail: f64): f64 {
  const s = f64x2.add(f64x2.add(s01, s23), f64x2.add(s45, s67));
  return (f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1)) + tail;
}
