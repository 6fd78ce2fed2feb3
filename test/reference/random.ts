// References for assembly/random.ts, written from the specifications rather
// than from the kernel: Philox4x32-10 (Salmon et al., SC'11) in plain JS
// numbers (the 32×32→64 product split into 16-bit halves, where the kernel
// uses a u64 multiply), the counter layout of src/wasm/kernels.ts, the
// uniform mapping emulated in f32 with Math.fround, Box–Muller in f64 with
// the host's Math (so normals match to rounding, not bits), and Fisher–Yates
// with Lemire's bounded integers.

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two u32. */
function mulhi(a: number, b: number): number {
  const t = a * (b & 0xffff); // < 2^48, exact
  const u = a * (b >>> 16); // < 2^48, exact
  return Math.floor((u + Math.floor(t / 65536)) / 65536) >>> 0;
}

/** Philox4x32-10 of counter c (4 × u32) and key k (2 × u32). */
export function philoxReference(c: readonly number[], k: readonly number[]): number[] {
  let [c0, c1, c2, c3] = c.map((x) => x >>> 0) as [number, number, number, number];
  let [k0, k1] = k.map((x) => x >>> 0) as [number, number];
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulhi(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
  }
  return [c0, c1, c2, c3];
}

/** Word i of the draw (seed, stream, counter): block (i >>> 2, counter, attempt, 0), output word i & 3. */
export function wordReference(seed: number, stream: number, counter: number, i: number, attempt = 0): number {
  return philoxReference([Math.floor(i / 4), counter, attempt, 0], [seed, stream])[i % 4]!;
}

/** The n words of a draw, one Philox call per block. */
export function wordsReference(n: number, seed: number, stream: number, counter: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let b = 0; 4 * b < n; b++) {
    const w = philoxReference([b, counter, 0, 0], [seed, stream]);
    for (let j = 0; j < 4 && 4 * b + j < n; j++) out[4 * b + j] = w[j]!;
  }
  return out;
}

/** The largest f32 below x (x finite, not NaN). */
export function f32Below(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer);
  if (x > 0) u[0]! -= 1;
  else if (x < 0) u[0]! += 1;
  else u[0] = 0x80000001;
  return f[0]!;
}

/** f32 uniform: lo + (hi − lo)·((w >>> 8)·2^-24), each operation rounded to f32, clamped below hi. */
export function uniformReference(n: number, seed: number, stream: number, counter: number, lo: number, hi: number): Float32Array {
  const f = Math.fround;
  const flo = f(lo);
  const fhi = f(hi);
  const range = f(fhi - flo);
  const top = Math.max(flo, f32Below(fhi));
  return Float32Array.from(wordsReference(n, seed, stream, counter), (w) =>
    Math.min(f(flo + f(range * ((w >>> 8) / 16777216))), top),
  );
}

/** Box–Muller on word pairs (0, 1), (2, 3) of each block, in f64 with the host's Math. */
export function normalReference(n: number, seed: number, stream: number, counter: number, mean: number, std: number): Float64Array {
  const words = wordsReference(n + 4, seed, stream, counter);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const pair = i & ~1;
    const r = Math.sqrt(-2 * Math.log((words[pair]! + 1) / 4294967296));
    const theta = (2 * Math.PI * words[pair + 1]!) / 4294967296;
    out[i] = Math.fround(mean) + Math.fround(std) * (r * ((i & 1) === 0 ? Math.cos(theta) : Math.sin(theta)));
  }
  return out;
}

/**
 * Fisher–Yates: swap j puts at position i = n−1−j the element at k, uniform
 * in [0, i] by Lemire's method on word j; a rejected word is replaced by
 * word j with counter word 2 = attempt (1, 2, …). Also counts rejections.
 */
export function permutationReference(n: number, seed: number, stream: number, counter: number): { perm: Uint32Array; rejections: number } {
  const perm = Uint32Array.from({ length: n }, (_, i) => i);
  const words = wordsReference(Math.max(n - 1, 0), seed, stream, counter);
  let rejections = 0;
  for (let j = 0; j < n - 1; j++) {
    const s = n - j;
    const threshold = 2 ** 32 % s;
    let x = words[j]!;
    let attempt = 0;
    while (Math.imul(x, s) >>> 0 < threshold) {
      rejections++;
      x = wordReference(seed, stream, counter, j, ++attempt);
    }
    const k = mulhi(x, s);
    const i = n - 1 - j;
    [perm[i], perm[k]] = [perm[k]!, perm[i]!];
  }
  return { perm, rejections };
}
