// Exactly rounded f32 fused multiply-add, and the gemm's documented order
// (assembly/gemm.ts) with each step fused, as the FMA core computes it.
import { gemmBlockDepth } from "./gemm.js";

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The f32 next to r (an f32) in the direction of s. */
function neighbour(r: number, s: number): number {
  f32[0] = r;
  if (r === 0) u32[0] = s > 0 ? 1 : 0x80000001;
  else u32[0] = u32[0]! + ((s > r) === (r > 0) ? 1 : -1);
  return f32[0]!;
}

/**
 * fl32(a·b + c) rounded once. a·b of two f32 is exact in f64 (48 significant
 * bits); s = a·b + c in f64 may round, and that can change the f32 result
 * only when s lands exactly on a midpoint of two f32: then the sign of the
 * f64 rounding error (TwoSum) says which side the exact value lies on.
 */
export function fma32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const bv = s - p;
  const err = p - (s - bv) + (c - bv);
  const r = Math.fround(s);
  if (err === 0 || r === s) return r;
  const other = neighbour(r, s);
  if (s !== (r + other) / 2) return r;
  // A tie in f64 that is not one in exact arithmetic: round toward the exact value.
  return (err > 0) === (other > r) ? other : r;
}

/** gemmExactOrder (reference/gemm.ts) for "nn" with acc = fma32(a, b, acc) at every depth. */
export function gemmFusedOrder(
  a: ArrayLike<number>, b: ArrayLike<number>, bias: ArrayLike<number> | null, m: number, n: number, k: number, c0: ArrayLike<number> | null,
): Float32Array {
  const f = Math.fround;
  const out = new Float32Array(m * n);
  const kc = gemmBlockDepth(k);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let c = c0 ? c0[i * n + j]! : 0;
      for (let p0 = 0; p0 < k; p0 += kc) {
        let acc = 0;
        for (let p = p0; p < Math.min(k, p0 + kc); p++) acc = fma32(a[i * k + p]!, b[p * n + j]!, acc);
        c = p0 > 0 || c0 ? f(c + acc) : acc;
      }
      if (bias) c = f(c + bias[j]!);
      out[i * n + j] = c;
    }
  }
  return out;
}
