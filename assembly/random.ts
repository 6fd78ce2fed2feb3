// Counter-based random numbers: Philox4x32-10 from J. K. Salmon, M. A. Moraes,
// R. O. Dror and D. E. Shaw, "Parallel random numbers: as easy as 1, 2, 3",
// SC'11 (the round multipliers 0xD2511F53, 0xCD9E8D57 and the Weyl key bumps
// 0x9E3779B9, 0xBB67AE85 are the paper's; checked against Random123's
// known-answer vectors in test/assembly/random.test.ts).
//
// Layout, the reproducibility contract: key = (seed, stream); the u32 word w
// of a draw is output word w & 3 of the block with counter
// (w >>> 2, counter, 0, 0). So `counter` selects a segment of 2^34 words and
// element i of any draw is a pure function of (seed, stream, counter, i): a
// draw of n is the first n elements of every longer draw with the same key
// and counter, whatever loop (SIMD or scalar) produced them. Seeds, streams
// and counters are u32 (JS numbers wrap through i32 on the boundary).

const M0: u32 = 0xD2511F53;
const M1: u32 = 0xCD9E8D57;
const W0: u32 = 0x9E3779B9;
const W1: u32 = 0xBB67AE85;

/** The four output words of Philox4x32-10 as the lanes of a v128. */
@inline function philox(c0: u32, c1: u32, c2: u32, c3: u32, k0: u32, k1: u32): v128 {
  // Ten rounds, the key bumped after each (the last bump is unused).
  for (let r = 0; r < 10; r++) {
    const p0 = <u64>M0 * <u64>c0;
    const p1 = <u64>M1 * <u64>c2;
    const n0 = <u32>(p1 >>> 32) ^ c1 ^ k0;
    const n2 = <u32>(p0 >>> 32) ^ c3 ^ k1;
    c1 = <u32>p1;
    c3 = <u32>p0;
    c0 = n0;
    c2 = n2;
    k0 += W0;
    k1 += W1;
  }
  return i32x4.replace_lane(i32x4.replace_lane(i32x4.replace_lane(i32x4.splat(c0), 1, c1), 2, c2), 3, c3);
}

@inline function mulhi(a: v128, m: v128): v128 {
  return i32x4.shuffle(i64x2.extmul_low_i32x4_u(a, m), i64x2.extmul_high_i32x4_u(a, m), 1, 3, 5, 7);
}

// philox4 leaves four blocks' words here, word-major: x<w> lane b is word w
// of block b (wasm globals, not exports and not linear memory).
let x0: v128 = i32x4.splat(0);
let x1: v128 = i32x4.splat(0);
let x2: v128 = i32x4.splat(0);
let x3: v128 = i32x4.splat(0);

/** Philox4x32-10 of the four counters (b..b+3, c1, 0, 0), one block per lane. */
@inline function philox4(b: u32, c1: u32, k0: u32, k1: u32): void {
  const vm0 = i32x4.splat(M0);
  const vm1 = i32x4.splat(M1);
  const vw0 = i32x4.splat(W0);
  const vw1 = i32x4.splat(W1);
  let vk0 = i32x4.splat(k0);
  let vk1 = i32x4.splat(k1);
  let v0 = i32x4.add(i32x4.splat(b), i32x4(0, 1, 2, 3));
  let v1 = i32x4.splat(c1);
  let v2 = i32x4.splat(0);
  let v3 = i32x4.splat(0);
  for (let r = 0; r < 10; r++) {
    const n0 = v128.xor(v128.xor(mulhi(v2, vm1), v1), vk0);
    const n2 = v128.xor(v128.xor(mulhi(v0, vm0), v3), vk1);
    v1 = i32x4.mul(v2, vm1);
    v3 = i32x4.mul(v0, vm0);
    v0 = n0;
    v2 = n2;
    vk0 = i32x4.add(vk0, vw0);
    vk1 = i32x4.add(vk1, vw1);
  }
  x0 = v0;
  x1 = v1;
  x2 = v2;
  x3 = v3;
}

/** Writes Philox4x32-10(counter (c0, c1, c2, c3), key (k0, k1)) as 4 u32 at dst. */
export function u32_philox4x32(dst: usize, c0: u32, c1: u32, c2: u32, c3: u32, k0: u32, k1: u32): void {
  v128.store(dst, philox(c0, c1, c2, c3, k0, k1));
}

/** [0, 1) in steps of 2^-24 from the top 24 bits of each lane: exact in f32. */
@inline function unit24(w: v128): v128 {
  return f32x4.mul(f32x4.convert_i32x4_s(i32x4.shr_u(w, 8)), f32x4.splat(<f32>5.9604644775390625e-8));
}

/**
 * dst[i] = min(lo + (hi − lo)·u_i, top) in f32, u_i = (word_i >>> 8)·2^-24.
 * top = max(lo, the largest f32 below hi): rounding can carry lo + (hi − lo)·u
 * up to hi (e.g. lo = 1, hi = 2, u = 1 − 2^-24), and the clamp keeps every
 * value in [lo, hi) when lo < hi (lo when lo = hi). Needs lo ≤ hi, hi − lo finite.
 */
export function f32_rand_uniform(dst: usize, n: i32, seed: u32, stream: u32, counter: u32, lo: f32, hi: f32): void {
  const bits = reinterpret<i32>(hi);
  const below = hi > 0 ? bits - 1 : hi < 0 ? bits + 1 : <i32>0x80000001;
  const vtop = f32x4.splat(max<f32>(lo, reinterpret<f32>(below)));
  const vlo = f32x4.splat(lo);
  const vrange = f32x4.splat(hi - lo);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    philox4(<u32>i >>> 2, counter, seed, stream);
    const f0 = f32x4.min(f32x4.add(vlo, f32x4.mul(vrange, unit24(x0))), vtop);
    const f1 = f32x4.min(f32x4.add(vlo, f32x4.mul(vrange, unit24(x1))), vtop);
    const f2 = f32x4.min(f32x4.add(vlo, f32x4.mul(vrange, unit24(x2))), vtop);
    const f3 = f32x4.min(f32x4.add(vlo, f32x4.mul(vrange, unit24(x3))), vtop);
    // Transpose word-major to element order: block b is elements 4b..4b+3.
    const t0 = i32x4.shuffle(f0, f1, 0, 4, 1, 5);
    const t1 = i32x4.shuffle(f2, f3, 0, 4, 1, 5);
    const t2 = i32x4.shuffle(f0, f1, 2, 6, 3, 7);
    const t3 = i32x4.shuffle(f2, f3, 2, 6, 3, 7);
    const p = dst + (<usize>i << 2);
    v128.store(p, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
    v128.store(p, i32x4.shuffle(t0, t1, 2, 3, 6, 7), 16);
    v128.store(p, i32x4.shuffle(t2, t3, 0, 1, 4, 5), 32);
    v128.store(p, i32x4.shuffle(t2, t3, 2, 3, 6, 7), 48);
  }
  for (; i < n; i += 4) {
    const w = philox(<u32>i >>> 2, counter, 0, 0, seed, stream);
    const f = f32x4.min(f32x4.add(vlo, f32x4.mul(vrange, unit24(w))), vtop);
    const p = dst + (<usize>i << 2);
    if (i + 4 <= n) {
      v128.store(p, f);
    } else {
      store<f32>(p, f32x4.extract_lane(f, 0));
      if (i + 1 < n) store<f32>(p, f32x4.extract_lane(f, 1), 4);
      if (i + 2 < n) store<f32>(p, f32x4.extract_lane(f, 2), 8);
    }
  }
}

/**
 * Box–Muller per pair of words of a block, in f64 with AssemblyScript's
 * NativeMath (wasm code, so the same bits everywhere): u1 = (a + 1)·2^-32 in
 * (0, 1] keeps the log finite, u2 = b·2^-32 in [0, 1); words (0, 1) give
 * elements 4k, 4k+1 as r·cos θ, r·sin θ, words (2, 3) give 4k+2, 4k+3.
 * |z| ≤ √(64 ln 2) ≈ 6.66. Scalar: the f64 transcendental calls dominate.
 */
export function f32_rand_normal(dst: usize, n: i32, seed: u32, stream: u32, counter: u32, mean: f32, std: f32): void {
  for (let i = 0; i < n; i += 4) {
    const w = philox(<u32>i >>> 2, counter, 0, 0, seed, stream);
    const p = dst + (<usize>i << 2);
    boxMuller(i32x4.extract_lane(w, 0), i32x4.extract_lane(w, 1));
    store<f32>(p, <f32>(<f64>mean + <f64>std * zc));
    if (i + 1 < n) store<f32>(p, <f32>(<f64>mean + <f64>std * zs), 4);
    if (i + 2 < n) {
      boxMuller(i32x4.extract_lane(w, 2), i32x4.extract_lane(w, 3));
      store<f32>(p, <f32>(<f64>mean + <f64>std * zc), 8);
      if (i + 3 < n) store<f32>(p, <f32>(<f64>mean + <f64>std * zs), 12);
    }
  }
}

// boxMuller's results, r·cos θ and r·sin θ.
let zc: f64 = 0;
let zs: f64 = 0;

@inline function boxMuller(a: u32, b: u32): void {
  const r = Math.sqrt(-2.0 * Math.log((<f64>a + 1.0) * 2.3283064365386963e-10));
  NativeMath.sincos(6.283185307179586 * (<f64>b * 2.3283064365386963e-10));
  zc = r * NativeMath.sincos_cos;
  zs = r * NativeMath.sincos_sin;
}

/**
 * Fisher–Yates (Durstenfeld): swap j = 0..n−2 exchanges position i = n−1−j
 * with k uniform in [0, i], drawn from word j of the (seed, stream, counter)
 * sequence by Lemire's multiply-shift with rejection ("Fast random integer
 * generation in an interval", ACM TOMACS 2019): k = (x·s) >> 32 for s = i + 1,
 * rejected when the low word is below 2^32 mod s, which makes k exactly
 * uniform. A rejected swap j retries with word j of the block with counter
 * word 2 = attempt (1, 2, …), outside every regular draw (counter word 2 = 0),
 * so the result stays a pure function of (seed, stream, counter, n).
 * Rejection has probability s/2^32 per swap, so it is rare.
 */
export function u32_permutation(dst: usize, n: i32, seed: u32, stream: u32, counter: u32): void {
  for (let i = 0; i < n; i++) store<u32>(dst + (<usize>i << 2), <u32>i);
  const swaps = n - 1;
  for (let j = 0; j < swaps; j += 4) {
    const w = philox(<u32>j >>> 2, counter, 0, 0, seed, stream);
    swap(dst, n, j, i32x4.extract_lane(w, 0), seed, stream, counter);
    if (j + 1 < swaps) swap(dst, n, j + 1, i32x4.extract_lane(w, 1), seed, stream, counter);
    if (j + 2 < swaps) swap(dst, n, j + 2, i32x4.extract_lane(w, 2), seed, stream, counter);
    if (j + 3 < swaps) swap(dst, n, j + 3, i32x4.extract_lane(w, 3), seed, stream, counter);
  }
}

@inline function swap(dst: usize, n: i32, j: i32, x: u32, seed: u32, stream: u32, counter: u32): void {
  const i = n - 1 - j;
  const s = <u32>(i + 1);
  let m = <u64>x * <u64>s;
  if (<u32>m < s) {
    const threshold: u32 = (<u32>0 - s) % s;
    for (let attempt: u32 = 1; <u32>m < threshold; attempt++) {
      m = <u64>wordOf(philox(<u32>j >>> 2, counter, attempt, 0, seed, stream), j & 3) * <u64>s;
    }
  }
  const pi = dst + (<usize>i << 2);
  const pk = dst + (<usize>(m >>> 32) << 2);
  const t = load<u32>(pi);
  store<u32>(pi, load<u32>(pk));
  store<u32>(pk, t);
}

function wordOf(w: v128, lane: i32): u32 {
  if (lane == 0) return i32x4.extract_lane(w, 0);
  if (lane == 1) return i32x4.extract_lane(w, 1);
  if (lane == 2) return i32x4.extract_lane(w, 2);
  return i32x4.extract_lane(w, 3);
}
