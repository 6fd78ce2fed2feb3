// Kernels of the estimators in src/apps/: the scalers' per-column affine map
// and column extremes, squared distances and nearest-neighbour selection for
// k-NN, softmax cross-entropy for logistic regression, and erf for PyOD's
// "unify" outlier probabilities. Pointers are byte offsets and need only
// 4-byte alignment here (rows of any width); counts are elements.
import { lane0, splat, vexpCalled, vlogCalled } from "./math";

/**
 * dst[r, c] = src[r, c]·scale[c] + offset[c], two roundings (no FMA), so a
 * lane and the scalar tail give the same bits. In place allowed.
 */
export function f32_affine_columns(dst: usize, src: usize, scale: usize, offset: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const ps = src + <usize>r * rowBytes;
    const pd = dst + <usize>r * rowBytes;
    let j = 0;
    for (; j + 8 <= cols; j += 8) {
      const o = <usize>j << 2;
      const r0 = f32x4.add(f32x4.mul(v128.load(ps + o), v128.load(scale + o)), v128.load(offset + o));
      const r1 = f32x4.add(f32x4.mul(v128.load(ps + o, 16), v128.load(scale + o, 16)), v128.load(offset + o, 16));
      v128.store(pd + o, r0);
      v128.store(pd + o, r1, 16);
    }
    for (; j + 4 <= cols; j += 4) {
      const o = <usize>j << 2;
      v128.store(pd + o, f32x4.add(f32x4.mul(v128.load(ps + o), v128.load(scale + o)), v128.load(offset + o)));
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      store<f32>(pd + o, load<f32>(ps + o) * load<f32>(scale + o) + load<f32>(offset + o));
    }
  }
}

/**
 * min[c], max[c] over the rows of x[rows, cols]; +Inf and -Inf when rows = 0.
 * f32x4.min/max propagate NaN, so a NaN in a column makes both NaN.
 */
export function f32_column_min_max(min: usize, max: usize, x: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    const o = <usize>j << 2;
    let lo = f32x4.splat(Infinity);
    let hi = f32x4.splat(-Infinity);
    for (let r = 0; r < rows; r++) {
      const v = v128.load(x + <usize>r * rowBytes + o);
      lo = f32x4.min(lo, v);
      hi = f32x4.max(hi, v);
    }
    v128.store(min + o, lo);
    v128.store(max + o, hi);
  }
  for (; j < cols; j++) {
    const o = <usize>j << 2;
    let lo = splat(Infinity);
    let hi = splat(-Infinity);
    for (let r = 0; r < rows; r++) {
      const v = splat(load<f32>(x + <usize>r * rowBytes + o));
      lo = f32x4.min(lo, v);
      hi = f32x4.max(hi, v);
    }
    store<f32>(min + o, lane0(lo));
    store<f32>(max + o, lane0(hi));
  }
}

/**
 * dst[r] = Σ_j x[r, j]², summed in f64 (each square exact) and rounded once:
 * element j < 4⌊cols/4⌋ goes to partial sum j mod 4, the last cols mod 4 to a
 * tail t in order; dst = f32(((s0 + s2) + (s1 + s3)) + t).
 */
export function f32_row_sum_squares(dst: usize, x: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const p = x + <usize>r * rowBytes;
    let s01 = f64x2.splat(0);
    let s23 = f64x2.splat(0);
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const v = v128.load(p + (<usize>j << 2));
      const lo = f64x2.promote_low_f32x4(v);
      const hi = f64x2.promote_low_f32x4(v128.shuffle<i64>(v, v, 1, 1));
      s01 = f64x2.add(s01, f64x2.mul(lo, lo));
      s23 = f64x2.add(s23, f64x2.mul(hi, hi));
    }
    let tail: f64 = 0;
    for (; j < cols; j++) {
      const v = <f64>load<f32>(p + (<usize>j << 2));
      tail += v * v;
    }
    const s = f64x2.add(s01, s23);
    store<f32>(dst + (<usize>r << 2), <f32>((f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1)) + tail));
  }
}

/**
 * d[i, j] = max((na[i] + nb[j]) − 2·dot[i, j], 0): squared Euclidean distances
 * from squared norms and dot products (rounding can make the difference
 * slightly negative; it is clamped). In place allowed (d = dot).
 */
export function f32_sq_distances(d: usize, dot: usize, na: usize, nb: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  const zero = f32x4.splat(0);
  const two = f32x4.splat(2);
  for (let i = 0; i < rows; i++) {
    const a = load<f32>(na + (<usize>i << 2));
    const va = f32x4.splat(a);
    const pg = dot + <usize>i * rowBytes;
    const pd = d + <usize>i * rowBytes;
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = <usize>j << 2;
      const s = f32x4.sub(f32x4.add(va, v128.load(nb + o)), f32x4.mul(two, v128.load(pg + o)));
      v128.store(pd + o, f32x4.max(s, zero));
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      const s = (a + load<f32>(nb + o)) - <f32>2 * load<f32>(pg + o);
      store<f32>(pd + o, s > 0 ? s : 0);
    }
  }
}

/**
 * idx[r, 0..k) (u32) = the columns of the k smallest x[r, ·], ascending by
 * value, equal values by lower column: a stable selection. 1 ≤ k ≤ cols;
 * values must not be NaN.
 */
export function u32_row_smallest_k(idx: usize, x: usize, rows: i32, cols: i32, k: i32): void {
  for (let r = 0; r < rows; r++) {
    const px = x + <usize>r * (<usize>cols << 2);
    const pi = idx + <usize>r * (<usize>k << 2);
    let count = 0;
    for (let j = 0; j < cols; j++) {
      const v = load<f32>(px + (<usize>j << 2));
      let p = count;
      if (count == k) {
        // Full: v enters only if strictly below the current k-th smallest.
        if (!(v < load<f32>(px + (<usize>load<u32>(pi + (<usize>(k - 1) << 2)) << 2)))) continue;
        p = k - 1;
      } else {
        count++;
      }
      while (p > 0) {
        const prev = load<u32>(pi + (<usize>(p - 1) << 2));
        if (!(load<f32>(px + (<usize>prev << 2)) > v)) break;
        store<u32>(pi + (<usize>p << 2), prev);
        p--;
      }
      store<u32>(pi + (<usize>p << 2), j);
    }
  }
}

/** y[r, ·] = softmax(x[r, ·]) = exp(x − max)/Σ exp(x − max), the sum in f64 in column order. In place allowed. */
export function f32_softmax_rows(y: usize, x: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const px = x + <usize>r * rowBytes;
    const py = y + <usize>r * rowBytes;
    let m: f32 = -Infinity;
    for (let j = 0; j < cols; j++) m = max(m, load<f32>(px + (<usize>j << 2)));
    let sum: f64 = 0;
    for (let j = 0; j < cols; j++) {
      const e = lane0(vexpCalled(splat(load<f32>(px + (<usize>j << 2)) - m)));
      store<f32>(py + (<usize>j << 2), e);
      sum += <f64>e;
    }
    const inv = <f32>(1.0 / sum);
    for (let j = 0; j < cols; j++) store<f32>(py + (<usize>j << 2), load<f32>(py + (<usize>j << 2)) * inv);
  }
}

/**
 * Softmax cross-entropy of logits[rows, cols] against class indices
 * labels[rows] (u32, < cols). Writes dlogits = scale·(softmax − onehot)
 * (dlogits may equal logits) and returns Σ_r −log softmax(logits[r])[label],
 * each row's term log Σ exp(x − max) − (x[label] − max) summed in row order.
 */
export function f32_softmax_xent_backward(dlogits: usize, logits: usize, labels: usize, scale: f32, rows: i32, cols: i32): f64 {
  const rowBytes = <usize>cols << 2;
  let loss: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const px = logits + <usize>r * rowBytes;
    const pd = dlogits + <usize>r * rowBytes;
    const label = <i32>load<u32>(labels + (<usize>r << 2));
    let m: f32 = -Infinity;
    for (let j = 0; j < cols; j++) m = max(m, load<f32>(px + (<usize>j << 2)));
    const target = load<f32>(px + (<usize>label << 2)) - m;
    let sum: f64 = 0;
    for (let j = 0; j < cols; j++) {
      const e = lane0(vexpCalled(splat(load<f32>(px + (<usize>j << 2)) - m)));
      store<f32>(pd + (<usize>j << 2), e);
      sum += <f64>e;
    }
    const inv = <f32>(1.0 / sum);
    for (let j = 0; j < cols; j++) {
      const p = load<f32>(pd + (<usize>j << 2)) * inv;
      store<f32>(pd + (<usize>j << 2), scale * (j == label ? p - 1 : p));
    }
    loss += <f64>lane0(vlogCalled(splat(<f32>sum))) - <f64>target;
  }
  return loss;
}

// erf by Abramowitz & Stegun 7.1.26 (Hastings): for x ≥ 0,
// erf(x) = 1 − t·(a1 + t·(a2 + t·(a3 + t·(a4 + t·a5))))·e^(−x²), t = 1/(1 + p·x),
// absolute error ≤ 1.5e-7 over x ≥ 0; evaluated in f64 (AssemblyScript's
// NativeMath exp, compiled into the module) and rounded once to f32, so the
// result is within 1.5e-7 + 2^-25 of erf(x). Odd: erf(−x) = −erf(x).
const ERF_P: f64 = 0.3275911;
const ERF_A1: f64 = 0.254829592;
const ERF_A2: f64 = -0.284496736;
const ERF_A3: f64 = 1.421413741;
const ERF_A4: f64 = -1.453152027;
const ERF_A5: f64 = 1.061405429;

/** y = erf(x), absolute error ≤ 1.5e-7 + 2^-25; ±0 → ±0, NaN → NaN, ±Inf → ±1. In place allowed. */
export function f32_erf(y: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const v = <f64>load<f32>(x + (<usize>i << 2));
    const a = Math.abs(v);
    const t = 1.0 / (1.0 + ERF_P * a);
    const poly = t * (ERF_A1 + t * (ERF_A2 + t * (ERF_A3 + t * (ERF_A4 + t * ERF_A5))));
    // e^(−a²) underflows to 0 for a > 27, leaving exactly 1.
    const e = 1.0 - poly * Math.exp(-(a * a));
    // ±0 and NaN pass through unchanged.
    store<f32>(y + (<usize>i << 2), <f32>(v < 0 ? -e : v > 0 ? e : v));
  }
}
