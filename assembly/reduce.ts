// Reductions over contiguous f32 arrays. Sums add f64 terms (each f32 value,
// square or product is exact in f64) in the fixed order of math.ts, which
// depends on n only.
import { finishSum, highF64, lowF64 } from "./math";

const enum Sum {
  Plain,
  Squares,
  Dot,
}

// @ts-ignore: decorator
@inline function term(sum: Sum, a: v128, b: v128): v128 {
  switch (sum) {
    case Sum.Plain: return a;
    case Sum.Squares: return f64x2.mul(a, a);
    default: return f64x2.mul(a, b);
  }
}

// @ts-ignore: decorator
@inline function reduceSum(sum: Sum, a: usize, b: usize, n: i32): f64 {
  let s01 = f64x2.splat(0);
  let s23 = f64x2.splat(0);
  let s45 = f64x2.splat(0);
  let s67 = f64x2.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const off = <usize>i << 2;
    const a0 = v128.load(a + off);
    const a1 = v128.load(a + off, 16);
    const b0 = sum == Sum.Dot ? v128.load(b + off) : a0;
    const b1 = sum == Sum.Dot ? v128.load(b + off, 16) : a1;
    s01 = f64x2.add(s01, term(sum, lowF64(a0), lowF64(b0)));
    s23 = f64x2.add(s23, term(sum, highF64(a0), highF64(b0)));
    s45 = f64x2.add(s45, term(sum, lowF64(a1), lowF64(b1)));
    s67 = f64x2.add(s67, term(sum, highF64(a1), highF64(b1)));
  }
  if (i + 4 <= n) {
    const off = <usize>i << 2;
    const a0 = v128.load(a + off);
    const b0 = sum == Sum.Dot ? v128.load(b + off) : a0;
    s01 = f64x2.add(s01, term(sum, lowF64(a0), lowF64(b0)));
    s23 = f64x2.add(s23, term(sum, highF64(a0), highF64(b0)));
    i += 4;
  }
  let tail: f64 = 0;
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const x = <f64>load<f32>(a + off);
    tail += sum == Sum.Plain ? x : sum == Sum.Squares ? x * x : x * <f64>load<f32>(b + off);
  }
  return finishSum(s01, s23, s45, s67, tail);
}

export function f32_sum(x: usize, n: i32): f64 {
  return reduceSum(Sum.Plain, x, x, n);
}

export function f32_sum_squares(x: usize, n: i32): f64 {
  return reduceSum(Sum.Squares, x, x, n);
}

export function f32_dot(a: usize, b: usize, n: i32): f64 {
  return reduceSum(Sum.Dot, a, b, n);
}

// @ts-ignore: decorator
@inline function extreme(isMax: bool, x: usize, n: i32): f32 {
  // f32x4.max/min propagate NaN and order -0 below +0, so the result does not
  // depend on the order; -Inf (max) or +Inf (min) when n = 0.
  const init: f32 = isMax ? -Infinity : Infinity;
  let m0 = f32x4.splat(init);
  let m1 = m0;
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const off = <usize>i << 2;
    const a0 = v128.load(x + off);
    const a1 = v128.load(x + off, 16);
    m0 = isMax ? f32x4.max(m0, a0) : f32x4.min(m0, a0);
    m1 = isMax ? f32x4.max(m1, a1) : f32x4.min(m1, a1);
  }
  if (i + 4 <= n) {
    const a0 = v128.load(x + (<usize>i << 2));
    m0 = isMax ? f32x4.max(m0, a0) : f32x4.min(m0, a0);
    i += 4;
  }
  const m = isMax ? f32x4.max(m0, m1) : f32x4.min(m0, m1);
  let r = isMax
    ? max(max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)))
    : min(min(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), min(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    r = isMax ? max(r, v) : min(r, v);
  }
  return r;
}

/** Largest element; NaN if any element is NaN; -Inf when n = 0. */
export function f32_max(x: usize, n: i32): f32 {
  return extreme(true, x, n);
}

/** Smallest element; NaN if any element is NaN; +Inf when n = 0. */
export function f32_min(x: usize, n: i32): f32 {
  return extreme(false, x, n);
}

const EXPONENT: v128 = i32x4(0x7f800000, 0x7f800000, 0x7f800000, 0x7f800000);

/** Index of the first NaN or ±Inf (all exponent bits set), or -1. */
export function f32_first_nonfinite(x: usize, n: i32): i32 {
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = x + (<usize>i << 2);
    const m0 = i32x4.eq(v128.and(v128.load(p), EXPONENT), EXPONENT);
    const m1 = i32x4.eq(v128.and(v128.load(p, 16), EXPONENT), EXPONENT);
    const m2 = i32x4.eq(v128.and(v128.load(p, 32), EXPONENT), EXPONENT);
    const m3 = i32x4.eq(v128.and(v128.load(p, 48), EXPONENT), EXPONENT);
    if (v128.any_true(v128.or(v128.or(m0, m1), v128.or(m2, m3)))) {
      const bits = i32x4.bitmask(m0) | (i32x4.bitmask(m1) << 4) | (i32x4.bitmask(m2) << 8) | (i32x4.bitmask(m3) << 12);
      return i + ctz(bits);
    }
  }
  for (; i + 4 <= n; i += 4) {
    const m = i32x4.eq(v128.and(v128.load(x + (<usize>i << 2)), EXPONENT), EXPONENT);
    if (v128.any_true(m)) return i + ctz(i32x4.bitmask(m));
  }
  for (; i < n; i++) {
    if ((load<u32>(x + (<usize>i << 2)) & 0x7f800000) == 0x7f800000) return i;
  }
  return -1;
}
