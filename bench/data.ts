// Plain helpers for the benches' numbers, free of tfjs: seeded inputs (the same
// on every run and for every library) and the check of an output against a peer's.

/** Numbers in [0, 1) from an LCG seeded with `seed` (benches need no quality randomness). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Deterministic data in [-1, 1): `count` draws of `lcg(seed)`, each scaled to 2·u − 1 (exact in f64). */
export function seededData(count: number, seed: number): Float32Array {
  const next = lcg(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = 2 * next() - 1;
  return out;
}

/**
 * `rows` rows in [0, 1], each t·a + (1 − t)·b of two prototypes a, b drawn
 * from `prototypes` plus uniform noise of width `noise`, clamped; a, b, t and
 * the noise are drawn from `next` in that order.
 */
export function prototypeMixes(rows: number, prototypes: readonly Float32Array[], noise: number, next: () => number): Float32Array {
  const features = prototypes[0]!.length;
  const out = new Float32Array(rows * features);
  for (let r = 0; r < rows; r++) {
    const a = prototypes[Math.floor(next() * prototypes.length)]!;
    const b = prototypes[Math.floor(next() * prototypes.length)]!;
    const t = next();
    for (let j = 0; j < features; j++) {
      const v = t * a[j]! + (1 - t) * b[j]! + noise * (next() - 0.5);
      out[r * features + j] = Math.min(1, Math.max(0, v));
    }
  }
  return out;
}

/** Largest |ours − theirs| over max |theirs|: a guard against timing a wrong result. */
export function relativeDiff(ours: Float32Array, theirs: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < theirs.length; i++) {
    diff = Math.max(diff, Math.abs(ours[i]! - theirs[i]!));
    scale = Math.max(scale, Math.abs(theirs[i]!));
  }
  return diff / (scale || 1);
}
