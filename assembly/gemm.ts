// f32 gemm, row-major and contiguous: C[m×n] (+)= op(A)·op(B) (+ bias[n]).
//
// Goto-style: the k axis is cut into blocks of depth kc; per block, op(B) is
// packed into 8-column panels ([kc][8]) and op(A) into 4-row panels ([kc][4]),
// zero-padded at the edges, so NN, NT and TN all run the same branch-free
// 4×8 microkernel (eight f32x4 accumulators: the most V8 keeps in its 16 xmm
// registers without spilling). Each step is madd (madd.ts): mul + add in the
// default core, one fused relaxed_madd in the FMA core.
//
// Summation order, the determinism contract: for every C element, block b
// sums its kc terms in k order from zero, then C = C + block (C = block for
// the first block unless accumulating), and the bias is added last:
// C = (C + block_last) + bias. The block depths depend on k alone, so the
// bits never depend on m, n, or which rows a caller computes. Products with
// fewer than 4 rows and op(B) rows contiguous (NN, TN) skip packing and
// stream op(B) in place, in the same order (gemm-few.ts).
//
// Workspace (from gemm_workspace_bytes, 16-byte aligned): an edge-tile
// buffer, then the packed A block (MC rows), then the packed B block (NC cols).

import { fewRowsWorkBytes, gemmFewRows } from "./gemm-few";
import { madd } from "./madd";
import { MR, NR, storeTile } from "./tile";
/** Largest k-block depth; blocks are balanced to about k / ceil(k / KC). */
const KC = 256;
/** Rows of op(A) packed at once. */
const MC = 64;
/** Columns of op(B) packed at once. */
const NC = 1024;
const TILE_BYTES: i32 = MR * NR * 4;

/** Depth of every k block but the last (a multiple of 4), from k alone. */
@inline function kBlockDepth(k: i32): i32 {
  const blocks = (k + KC - 1) / KC;
  return min(k, ((k + blocks - 1) / blocks + 3) & ~3);
}

@inline function roundUp(x: i32, to: i32): i32 {
  return (x + to - 1) / to * to;
}

export function gemm_workspace_bytes(m: i32, n: i32, k: i32): i32 {
  if (m <= 0 || n <= 0 || k <= 0) return 0;
  const kc = kBlockDepth(k);
  // A block of fewer than 4 rows of a _range call takes the few-row path (gemm-few.ts).
  return max(TILE_BYTES + 4 * kc * (min(roundUp(m, MR), MC) + min(roundUp(n, NR), NC)), fewRowsWorkBytes(m, n));
}

export function f32_gemm_nn(c: usize, a: usize, b: usize, bias: usize, m: i32, n: i32, k: i32, accumulate: i32, work: usize): void {
  gemm(c, a, b, bias, m, n, k, accumulate, work, k, 1, 1, n, n);
}

export function f32_gemm_nt(c: usize, a: usize, b: usize, bias: usize, m: i32, n: i32, k: i32, accumulate: i32, work: usize): void {
  gemm(c, a, b, bias, m, n, k, accumulate, work, k, 1, k, 1, n);
}

export function f32_gemm_tn(c: usize, a: usize, b: usize, bias: usize, m: i32, n: i32, k: i32, accumulate: i32, work: usize): void {
  gemm(c, a, b, bias, m, n, k, accumulate, work, 1, m, 1, n, n);
}

// Ranges: the _range variants compute the block rows [i0, i1) × columns
// [j0, j1) of C (bounds clamped to m and n, any values: no tile alignment)
// and leave the rest of C unread and unwritten. An element's k blocks and
// order do not depend on where its tile starts (see the contract above), so
// any partition of C into such blocks gives the bits of the whole product;
// gemm_workspace_bytes(m, n, k) is enough for every block.

export function f32_gemm_nn_range(
  c: usize, a: usize, b: usize, bias: usize, m: i32, n: i32, k: i32, accumulate: i32, i0: i32, i1: i32, j0: i32, j1: i32, work: usize,
): void {
  gemmRange(c, a, b, bias, m, n, k, accumulate, work, k, 1, 1, n, i0, i1, j0, j1);
}

export function f32_gemm_nt_range(
  c: usize, a: usize, b: usize, bias: usize, m: i32, n: i32, k: i32, accumulate: i32, i0: i32, i1: i32, j0: i32, j1: i32, work: usize,
): void {
  gemmRange(c, a, b, bias, m, n, k, accumulate, work, k, 1, k, 1, i0, i1, j0, j1);
}

export function f32_gemm_tn_range(
  c: usize, a: usize, b: usize, bias: usize, m: i32, n: i32, k: i32, accumulate: i32, i0: i32, i1: i32, j0: i32, j1: i32, work: usize,
): void {
  gemmRange(c, a, b, bias, m, n, k, accumulate, work, 1, m, 1, n, i0, i1, j0, j1);
}

/** The product restricted to rows [i0, i1) and columns [j0, j1) of C: the operands offset to the block, C's row stride kept. */
function gemmRange(
  c: usize, a: usize, b: usize, bias: usize, m: i32, n: i32, k: i32, accumulate: i32, work: usize,
  aRow: i32, aDepth: i32, bCol: i32, bDepth: i32, i0: i32, i1: i32, j0: i32, j1: i32,
): void {
  i0 = max(i0, 0);
  i1 = min(i1, m);
  j0 = max(j0, 0);
  j1 = min(j1, n);
  if (i0 >= i1 || j0 >= j1) return;
  const cBlock = c + ((<usize>i0 * n + j0) << 2);
  const aBlock = a + (<usize>i0 * aRow << 2);
  const bBlock = b + (<usize>j0 * bCol << 2);
  const biasBlock: usize = bias != 0 ? bias + (<usize>j0 << 2) : 0;
  gemm(cBlock, aBlock, bBlock, biasBlock, i1 - i0, j1 - j0, k, accumulate, work, aRow, aDepth, bCol, bDepth, n);
}

/**
 * op(A)[i, p] is at a + 4·(i·aRow + p·aDepth); op(B)[p, j] at b + 4·(j·bCol + p·bDepth);
 * C[i, j] at c + 4·(i·ldc + j). One of each pair of strides is 1.
 */
function gemm(
  c: usize, a: usize, b: usize, bias: usize, m: i32, n: i32, k: i32, accumulate: i32, work: usize,
  aRow: i32, aDepth: i32, bCol: i32, bDepth: i32, ldcElems: i32,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    biasOnly(c, bias, m, n, accumulate, ldcElems);
    return;
  }
  if (m < MR && bCol == 1) {
    gemmFewRows(c, a, b, bias, m, n, k, kBlockDepth(k), accumulate, aRow, aDepth, bDepth, ldcElems, work);
    return;
  }
  const kcMax = kBlockDepth(k);
  const tile = work;
  const packedA = work + TILE_BYTES;
  const packedB = packedA + <usize>(4 * kcMax * min(roundUp(m, MR), MC));
  const ldc = <usize>ldcElems << 2;
  for (let p0 = 0; p0 < k; p0 += kcMax) {
    const kc = min(kcMax, k - p0);
    const loadC = p0 > 0 || accumulate != 0;
    const blockBias: usize = p0 + kc >= k ? bias : 0;
    for (let j0 = 0; j0 < n; j0 += NC) {
      const nc = min(NC, n - j0);
      if (bDepth == 1) packTransposing(packedB, b + 4 * (<usize>j0 * bCol + p0), nc, bCol, kc, NR);
      else packCopying(packedB, b + 4 * (<usize>p0 * bDepth + j0), nc, bDepth, kc, NR);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = min(MC, m - i0);
        if (aDepth == 1) packTransposing(packedA, a + 4 * (<usize>i0 * aRow + p0), mc, aRow, kc, MR);
        else packCopying(packedA, a + 4 * (<usize>p0 * aDepth + i0), mc, aDepth, kc, MR);
        for (let jj = 0; jj < nc; jj += NR) {
          const bp = packedB + <usize>(jj * kc * 4);
          const biasp: usize = blockBias != 0 ? blockBias + (<usize>(j0 + jj) << 2) : 0;
          const cols = min(NR, nc - jj);
          let cp = c + (<usize>i0 * ldc) + (<usize>(j0 + jj) << 2);
          for (let ii = 0; ii < mc; ii += MR) {
            microkernel(packedA + <usize>(ii * kc * 4), bp, kc, cp, ldc, min(MR, mc - ii), cols, loadC, biasp, tile);
            cp += ldc << 2;
          }
        }
      }
    }
  }
}

/**
 * Packs panels of width w (4 or 8) from a source whose panel rows are
 * contiguous in depth: element (r, p) at src + 4·(r·ld + p). Panel layout
 * [kc][w], the last panel zero-padded to w rows.
 */
function packTransposing(dst: usize, src: usize, rows: i32, ld: i32, kc: i32, w: i32): void {
  const ldb = <usize>ld << 2;
  const wb = <usize>w << 2;
  for (let r0 = 0; r0 < rows; r0 += w) {
    const panel = dst + <usize>(r0 * kc * 4);
    const s = src + <usize>r0 * ldb;
    if (r0 + w <= rows) {
      for (let g = 0; g < w; g += 4) {
        let s0 = s + <usize>g * ldb;
        let s1 = s0 + ldb;
        let s2 = s1 + ldb;
        let s3 = s2 + ldb;
        let d = panel + (<usize>g << 2);
        let p = 0;
        for (; p + 4 <= kc; p += 4) {
          const r0v = v128.load(s0);
          const r1v = v128.load(s1);
          const r2v = v128.load(s2);
          const r3v = v128.load(s3);
          const t0 = i32x4.shuffle(r0v, r1v, 0, 4, 1, 5);
          const t1 = i32x4.shuffle(r2v, r3v, 0, 4, 1, 5);
          const t2 = i32x4.shuffle(r0v, r1v, 2, 6, 3, 7);
          const t3 = i32x4.shuffle(r2v, r3v, 2, 6, 3, 7);
          v128.store(d, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
          v128.store(d + wb, i32x4.shuffle(t0, t1, 2, 3, 6, 7));
          v128.store(d + 2 * wb, i32x4.shuffle(t2, t3, 0, 1, 4, 5));
          v128.store(d + 3 * wb, i32x4.shuffle(t2, t3, 2, 3, 6, 7));
          s0 += 16;
          s1 += 16;
          s2 += 16;
          s3 += 16;
          d += 4 * wb;
        }
        for (; p < kc; p++) {
          store<f32>(d, load<f32>(s0));
          store<f32>(d, load<f32>(s1), 4);
          store<f32>(d, load<f32>(s2), 8);
          store<f32>(d, load<f32>(s3), 12);
          s0 += 4;
          s1 += 4;
          s2 += 4;
          s3 += 4;
          d += wb;
        }
      }
    } else {
      const valid = rows - r0;
      for (let p = 0; p < kc; p++) {
        const d = panel + <usize>p * wb;
        for (let r = 0; r < w; r++) {
          store<f32>(d + (<usize>r << 2), r < valid ? load<f32>(s + <usize>r * ldb + (<usize>p << 2)) : 0);
        }
      }
    }
  }
}

/**
 * Packs panels of width w (4 or 8) from a source whose panel rows are
 * contiguous at each depth: element (r, p) at src + 4·(p·ld + r).
 */
function packCopying(dst: usize, src: usize, rows: i32, ld: i32, kc: i32, w: i32): void {
  const ldb = <usize>ld << 2;
  for (let r0 = 0; r0 < rows; r0 += w) {
    let d = dst + <usize>(r0 * kc * 4);
    let s = src + (<usize>r0 << 2);
    if (r0 + w <= rows) {
      if (w == 8) {
        for (let p = 0; p < kc; p++) {
          v128.store(d, v128.load(s));
          v128.store(d, v128.load(s, 16), 16);
          s += ldb;
          d += 32;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          v128.store(d, v128.load(s));
          s += ldb;
          d += 16;
        }
      }
    } else {
      const valid = rows - r0;
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < w; r++) store<f32>(d + (<usize>r << 2), r < valid ? load<f32>(s + (<usize>r << 2)) : 0);
        s += ldb;
        d += <usize>w << 2;
      }
    }
  }
}

/**
 * One 4×8 tile over kc depths: a panel [kc][4], b panel [kc][8]. Then
 * C = (C + acc) + bias on the valid rows × cols (C = acc + bias when !loadC).
 */
@inline function microkernel(
  a: usize, b: usize, kc: i32, c: usize, ldc: usize, rows: i32, cols: i32, loadC: bool, bias: usize, tile: usize,
): void {
  let c0x0123 = f32x4.splat(0);
  let c0x4567 = f32x4.splat(0);
  let c1x0123 = f32x4.splat(0);
  let c1x4567 = f32x4.splat(0);
  let c2x0123 = f32x4.splat(0);
  let c2x4567 = f32x4.splat(0);
  let c3x0123 = f32x4.splat(0);
  let c3x4567 = f32x4.splat(0);
  // One depth per iteration: unrolled by hand, Binaryen merges each
  // accumulator's adds into one expression tree, which makes V8 keep all the
  // loaded vectors live at once and spill; V8 unrolls this loop itself.
  for (let p = kc; p > 0; p--) {
    const b0123 = v128.load(b);
    const b4567 = v128.load(b, 16);
    let av = v128.load32_splat(a);
    c0x0123 = madd(av, b0123, c0x0123);
    c0x4567 = madd(av, b4567, c0x4567);
    av = v128.load32_splat(a, 4);
    c1x0123 = madd(av, b0123, c1x0123);
    c1x4567 = madd(av, b4567, c1x4567);
    av = v128.load32_splat(a, 8);
    c2x0123 = madd(av, b0123, c2x0123);
    c2x4567 = madd(av, b4567, c2x4567);
    av = v128.load32_splat(a, 12);
    c3x0123 = madd(av, b0123, c3x0123);
    c3x4567 = madd(av, b4567, c3x4567);
    a += 16;
    b += 32;
  }

  const c1 = c + ldc;
  const c2 = c1 + ldc;
  const c3 = c2 + ldc;
  storeTile(c0x0123, c0x4567, c1x0123, c1x4567, c2x0123, c2x4567, c3x0123, c3x4567, c, c1, c2, c3, rows, cols, loadC, bias, tile);
}

/** k = 0: C = bias (or 0), or C += bias when accumulating; C's rows ldcElems floats apart. */
function biasOnly(c: usize, bias: usize, m: i32, n: i32, accumulate: i32, ldcElems: i32): void {
  if (accumulate != 0 && bias == 0) return;
  const ldc = <usize>ldcElems << 2;
  for (let i = 0; i < m; i++) {
    const cr = c + <usize>i * ldc;
    for (let j = 0; j < n; j++) {
      const off = <usize>j << 2;
      const bj: f32 = bias != 0 ? load<f32>(bias + off) : 0;
      store<f32>(cr + off, accumulate != 0 ? load<f32>(cr + off) + bj : bj);
    }
  }
}
