// The one multiply-add of the mul+add-bound kernels (gemm, the few-row
// product, the convolutions' inner loops), chosen when the core is compiled:
// the default core (asconfig.json, no relaxed SIMD) rounds twice, c + a·b as
// f32x4.mul then f32x4.add; the FMA core (asconfig.json's fma target,
// --enable relaxed-simd) uses f32x4.relaxed_madd, which src/wasm/fma.ts
// accepts only where a probe shows it fused (one rounding of a·b + c), so
// its bits are the same on every CPU that fuses. ASC_FEATURE_RELAXED_SIMD is
// a compile-time constant: the other branch is not in the binary, and the
// default core's bytes do not change.
// Not re-exported by index.ts.

/** c + a·b per lane: two roundings in the default core, one in the FMA core. */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** The scalar c + a·b that matches one lane of madd (a tail element gets its vector's rounding). */
// @ts-ignore: decorator
@inline export function maddScalar(a: f32, b: f32, c: f32): f32 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.extract_lane(f32x4.relaxed_madd(f32x4.splat(a), f32x4.splat(b), f32x4.splat(c)), 0);
  return c + a * b;
}
