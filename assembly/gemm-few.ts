// The few-row product: C[m×n] (+)= op(A)·op(B) (+ bias) for m < 4 with op(B)
// rows contiguous (NN, TN), the shape of batch-1 inference. Its cost is
// reading op(B) (the weights) once, so op(B) is streamed in row order: each
// pass reads four (then one) consecutive rows of a chunk of columns,
// contiguous, and adds their products into per-element block accumulators
// kept in the workspace (L1-resident, one row of the chunk per row of C). For m = 2, 3 the rows of C take turns on the same four rows of
// op(B), which are then still in L1. (Register strips walking down the
// columns read op(B) at a stride of a row: with n a power of two those rows
// share a few L1 sets, and 1×512×784 ran at half the speed of 1×784×512.)
//
// Summation order (gemm.ts's contract): every element's block of kc depths
// is summed in k order from zero, acc = ((acc + a₀b₀) + a₁b₁) + …, one depth
// at a time whatever the pass width; then C = C + block (C = block for the
// first block unless accumulating), and the bias last. So a chunk's bits are
// those of the packed path, and of any column range of it: the caller's
// range (gemm.ts's _range exports) may start anywhere.
// Not re-exported by index.ts.

import { madd, maddScalar } from "./madd";

/**
 * Columns per chunk: three rows of block accumulators (12 KB) stay in L1
 * beside four rows of op(B) (16 KB). 1×512×784 and 1×784×512 together ran
 * 7% faster than with 512 (longer contiguous runs), 14% than with 256.
 */
export const FEW_COLS = 1024;

/** Workspace bytes the few-row product needs for `rows` rows of C and n columns, whole vectors (zero() stores them). */
export function fewRowsWorkBytes(rows: i32, n: i32): i32 {
  return (4 * min(rows, 3) * min(n, FEW_COLS) + 15) & ~15;
}

/**
 * op(A)[i, p] at a + 4·(i·aRow + p·aDepth), op(B)[p, j] at b + 4·(p·ldb + j),
 * C[i, j] at c + 4·(i·ldc + j); kcMax the block depth of gemm.ts's kBlockDepth(k).
 * `work` holds fewRowsWorkBytes(m, n) bytes.
 */
export function gemmFewRows(
  c: usize, a: usize, b: usize, bias: usize, m: i32, n: i32, k: i32, kcMax: i32, accumulate: i32,
  aRow: i32, aDepth: i32, ldb: i32, ldcElems: i32, work: usize,
): void {
  const aStep = <usize>aDepth << 2;
  const bStep = <usize>ldb << 2;
  const ldc = <usize>ldcElems << 2;
  for (let j0 = 0; j0 < n; j0 += FEW_COLS) {
    const nc = min(FEW_COLS, n - j0);
    const accBytes = <usize>nc << 2;
    for (let p0 = 0; p0 < k; p0 += kcMax) {
      const kc = min(kcMax, k - p0);
      zero(work, <usize>m * accBytes);
      const bBlock = b + <usize>p0 * bStep + (<usize>j0 << 2);
      const aBlock = a + <usize>p0 * aStep;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const bp = bBlock + <usize>p * bStep;
        for (let i = 0; i < m; i++) pass4(work + <usize>i * accBytes, aBlock + (<usize>i * aRow << 2) + <usize>p * aStep, aStep, bp, bStep, nc);
      }
      for (; p < kc; p++) {
        const bp = bBlock + <usize>p * bStep;
        for (let i = 0; i < m; i++) pass1(work + <usize>i * accBytes, aBlock + (<usize>i * aRow << 2) + <usize>p * aStep, bp, nc);
      }
      const loadC = p0 > 0 || accumulate != 0;
      const blockBias: usize = p0 + kc >= k && bias != 0 ? bias + (<usize>j0 << 2) : 0;
      for (let i = 0; i < m; i++) finishRow(c + <usize>i * ldc + (<usize>j0 << 2), work + <usize>i * accBytes, nc, loadC, blockBias);
    }
  }
}

@inline function zero(at: usize, bytes: usize): void {
  for (let o: usize = 0; o < bytes; o += 16) v128.store(at + o, f32x4.splat(0));
}

/** acc[j] = acc + a₀·b₀[j] + … + a₃·b₃[j], one depth at a time, for j < nc; b_q is row q at b + q·bStep. */
// Four rows a pass: eight (fewer loads and stores of acc) ran slower here, its live addresses and vectors spill.
function pass4(acc: usize, a: usize, aStep: usize, b: usize, bStep: usize, nc: i32): void {
  const a0 = v128.load32_splat(a);
  const a1 = v128.load32_splat(a + aStep);
  const a2 = v128.load32_splat(a + 2 * aStep);
  const a3 = v128.load32_splat(a + 3 * aStep);
  const b0 = b;
  const b1 = b0 + bStep;
  const b2 = b1 + bStep;
  const b3 = b2 + bStep;
  const vecEnd = <usize>(nc & ~3) << 2;
  let o: usize = 0;
  for (; o < vecEnd; o += 16) {
    let v = v128.load(acc + o);
    v = madd(a0, v128.load(b0 + o), v);
    v = madd(a1, v128.load(b1 + o), v);
    v = madd(a2, v128.load(b2 + o), v);
    v = madd(a3, v128.load(b3 + o), v);
    v128.store(acc + o, v);
  }
  const end = <usize>nc << 2;
  for (; o < end; o += 4) {
    let s = load<f32>(acc + o);
    s = maddScalar(f32x4.extract_lane(a0, 0), load<f32>(b0 + o), s);
    s = maddScalar(f32x4.extract_lane(a1, 0), load<f32>(b1 + o), s);
    s = maddScalar(f32x4.extract_lane(a2, 0), load<f32>(b2 + o), s);
    s = maddScalar(f32x4.extract_lane(a3, 0), load<f32>(b3 + o), s);
    store<f32>(acc + o, s);
  }
}

/** pass4 over one row. */
function pass1(acc: usize, a: usize, b: usize, nc: i32): void {
  const a0 = v128.load32_splat(a);
  const vecEnd = <usize>(nc & ~3) << 2;
  let o: usize = 0;
  for (; o < vecEnd; o += 16) v128.store(acc + o, madd(a0, v128.load(b + o), v128.load(acc + o)));
  const end = <usize>nc << 2;
  for (; o < end; o += 4) store<f32>(acc + o, maddScalar(f32x4.extract_lane(a0, 0), load<f32>(b + o), load<f32>(acc + o)));
}

/** C = (C + acc) + bias over nc elements (C = acc + bias when !loadC): storeTile's additions, in its order. */
function finishRow(c: usize, acc: usize, nc: i32, loadC: bool, bias: usize): void {
  const vecEnd = <usize>(nc & ~3) << 2;
  let o: usize = 0;
  for (; o < vecEnd; o += 16) {
    let v = v128.load(acc + o);
    if (loadC) v = f32x4.add(v128.load(c + o), v);
    if (bias != 0) v = f32x4.add(v, v128.load(bias + o));
    v128.store(c + o, v);
  }
  const end = <usize>nc << 2;
  for (; o < end; o += 4) {
    let s = load<f32>(acc + o);
    if (loadC) s = load<f32>(c + o) + s;
    if (bias != 0) s = s + load<f32>(bias + o);
    store<f32>(c + o, s);
  }
}
