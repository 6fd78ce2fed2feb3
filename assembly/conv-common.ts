// What the convolution kernels share (conv-forward.ts, conv-adjoint.ts,
// conv-filter-grad.ts, conv-few.ts): the geometry block, the block sizes, the
// pixel stream grouped by window class, the 4×8 tile kernels over depth
// segments, and the run and epilogue loops. Not re-exported by index.ts.
//
// The image x is [n, h, w, c]; im2col(x) is the matrix [n·oh·ow, kh·kw·c]
// whose row (b, oy, ox), column (ky, kx, ci) holds
// x[b, oy·sh − padTop + ky, ox·sw − padLeft + kx, ci], or zero outside the
// image: the order of a [kh, kw, c, f] filter read as a [kh·kw·c, f] matrix.
// col2im is its adjoint: rows scattered back, added where windows overlap.
// Dilation 1: for fixed ky the kx·c entries of a row are contiguous in x.
//
// Padding taps are skipped, not multiplied: pixels are visited as a stream
// grouped by window class (the taps that are in the image: a 3×3 "same"
// window has interior, edge and corner classes), so the four pixels of a
// tile mostly share their taps, and the tile's products run over those taps
// only. Skipping exact zero terms leaves a sum's value unchanged, except
// that an all-zero sum may come out +0 rather than −0.
//
// Per-element order, the determinism contract: each k block is summed from
// zero in k order, then C = C + block, bias last. The blocks depend on the
// shapes alone, never on the range of columns a call computes: every kernel
// takes a range of its output's innermost axis (output channels, or input
// channels for the adjoint), a column of the output is computed by the same
// operations whichever range holds it, so calls on [0, a) and [a, n) give
// the bits of one call on [0, n).
//
// Workspace layout: a 4×8 edge tile (128 bytes), a zero quad (16 bytes, at
// 128), then each kernel's panels and tables from byte PANELS; each kernel's
// file exports the byte count of its layout for a geometry.

import { madd } from "./madd";
import { EPI_MASK, EPI_NONE, epilogueVector as epilogueOf, MR, NR, storeTile } from "./tile";

/**
 * The geometry of a convolution, one block of 13 i32 in linear memory that
 * the host writes once and every kernel call reads: [n, h, w, c, kh, kw, sh,
 * sw, padTop, padLeft, oh, ow, f]. A block in the memory rather than
 * globals set by a call, because globals belong to one instance while the
 * memory is shared by every instance that computes a range of the product.
 */
@unmanaged export class ConvGeometry {
  n: i32;
  h: i32;
  w: i32;
  c: i32;
  kh: i32;
  kw: i32;
  sh: i32;
  sw: i32;
  padTop: i32;
  padLeft: i32;
  oh: i32;
  ow: i32;
  f: i32;
}

/** dst[0..len) = src[0..len); v128 body, scalar tail. */
// @ts-ignore: decorator
@inline export function copyRun(dst: usize, src: usize, len: i32): void {
  let i = 0;
  for (; i + 8 <= len; i += 8) {
    const o = <usize>i << 2;
    v128.store(dst + o, v128.load(src + o));
    v128.store(dst + o, v128.load(src + o, 16), 16);
  }
  for (; i + 4 <= len; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, v128.load(src + o));
  }
  for (; i < len; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(src + o));
  }
}

/** dst[0..len) = value; v128 body, scalar tail. */
// @ts-ignore: decorator
@inline export function fillRun(dst: usize, value: f32, len: i32): void {
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 8 <= len; i += 8) {
    v128.store(dst + (<usize>i << 2), v);
    v128.store(dst + (<usize>i << 2), v, 16);
  }
  for (; i + 4 <= len; i += 4) v128.store(dst + (<usize>i << 2), v);
  for (; i < len; i++) store<f32>(dst + (<usize>i << 2), value);
}

// Runs shorter than two vectors (few channels) go through 64-bit moves or
// scalar adds: at one channel they are most of the work, and the vector
// loops' bookkeeping would double it.
// @ts-ignore: decorator
@inline export function copyAny(dst: usize, src: usize, len: i32): void {
  if (len >= 8) {
    copyRun(dst, src, len);
    return;
  }
  let i = 0;
  for (; i + 2 <= len; i += 2) store<u64>(dst + (<usize>i << 2), load<u64>(src + (<usize>i << 2)));
  if (i < len) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

// @ts-ignore: decorator
@inline export function zeroAny(dst: usize, len: i32): void {
  if (len >= 8) {
    fillRun(dst, 0, len);
    return;
  }
  let i = 0;
  for (; i + 2 <= len; i += 2) store<u64>(dst + (<usize>i << 2), 0);
  if (i < len) store<f32>(dst + (<usize>i << 2), 0);
}

/** gemm.ts's block sizes: KC fixes the bits, MC and NC only the cache use. */
export const KC = 256;
export const MC = 64;
export const NC = 1024;
export const PANELS: usize = 160;
/** Stream entries: address of the window's (0, 0) tap (may lie outside the image), iy0, ix0, output row. */
export const ENTRY: usize = 16;
/** Window-class runs of the stream: start, end, in-image ky range, kx range (lo | hi << 16). */
export const RUN: usize = 16;
/** Tile rows past the end of the stream get this window origin, outside every image. */
export const NOWHERE: i32 = -0x10000000;

// @ts-ignore: decorator
@inline export function kBlockDepth(k: i32): i32 {
  const blocks = (k + KC - 1) / KC;
  return min(k, ((k + blocks - 1) / blocks + 3) & ~3);
}

// @ts-ignore: decorator
@inline export function roundUp(x: i32, to: i32): i32 {
  return (x + to - 1) / to * to;
}

/** The in-image tap range [lo, hi) of a window axis starting at i0 (kernel k, image size s), as lo | hi << 16. */
// @ts-ignore: decorator
@inline export function tapRange(i0: i32, k: i32, s: i32): i32 {
  const lo = min(max(0, -i0), k);
  const hi = max(min(k, s - i0), lo);
  return lo | (hi << 16);
}

// @ts-ignore: decorator
@inline export function inRange(range: i32, t: i32): bool {
  return t >= (range & 0xffff) && t < (range >>> 16);
}

/**
 * Fills `table` with the n·oh·ow output pixels grouped by window class: for
 * each run of output rows sharing their ky range, each run of columns
 * sharing their kx range, images in order, then rows, then columns. Writes
 * one RUN record per (row class, column class) and returns their count.
 */
export function buildStream(table: usize, runs: usize, x: usize, g: ConvGeometry): i32 {
  const n = g.n, h = g.h, w = g.w, c = g.c, kh = g.kh, kw = g.kw, sh = g.sh, sw = g.sw;
  const padTop = g.padTop, padLeft = g.padLeft, oh = g.oh, ow = g.ow;
  let e = table;
  let s = 0;
  let count = 0;
  for (let oy0 = 0; oy0 < oh; ) {
    const ry = tapRange(oy0 * sh - padTop, kh, h);
    let oy1 = oy0 + 1;
    while (oy1 < oh && tapRange(oy1 * sh - padTop, kh, h) == ry) oy1++;
    for (let ox0 = 0; ox0 < ow; ) {
      const rx = tapRange(ox0 * sw - padLeft, kw, w);
      let ox1 = ox0 + 1;
      while (ox1 < ow && tapRange(ox1 * sw - padLeft, kw, w) == rx) ox1++;
      const start = s;
      for (let b = 0; b < n; b++) {
        for (let oy = oy0; oy < oy1; oy++) {
          const iy = oy * sh - padTop;
          for (let ox = ox0; ox < ox1; ox++, e += ENTRY, s++) {
            const ix = ox * sw - padLeft;
            store<usize>(e, x + <usize>(((b * h + iy) * w + ix) * c) * 4);
            store<i32>(e, iy, 4);
            store<i32>(e, ix, 8);
            store<i32>(e, (b * oh + oy) * ow + ox, 12);
          }
        }
      }
      const run = runs + <usize>count * RUN;
      store<i32>(run, start);
      store<i32>(run, s, 4);
      store<i32>(run, ry, 8);
      store<i32>(run, rx, 12);
      count++;
      ox0 = ox1;
    }
    oy0 = oy1;
  }
  return count;
}

/**
 * gemm.ts's microkernel over depth segments: one 4×8 tile, a panel [kc][4]
 * and b panel [kc][8] read at the `nsegs` (offset, length) pairs at segs.
 * C rows at c0..c3: C = (C + acc) + bias on the valid rows × cols
 * (C = acc + bias when !loadC).
 */
// @ts-ignore: decorator
@inline export function tileKernel(
  a: usize, b: usize, segs: usize, nsegs: i32, c0: usize, c1: usize, c2: usize, c3: usize,
  rows: i32, cols: i32, loadC: bool, bias: usize, tile: usize, epilogue: i32 = EPI_NONE, alpha: f32 = 0, maskDelta: usize = 0,
): void {
  let c0x0123 = f32x4.splat(0);
  let c0x4567 = f32x4.splat(0);
  let c1x0123 = f32x4.splat(0);
  let c1x4567 = f32x4.splat(0);
  let c2x0123 = f32x4.splat(0);
  let c2x4567 = f32x4.splat(0);
  let c3x0123 = f32x4.splat(0);
  let c3x4567 = f32x4.splat(0);
  for (let s = 0; s < nsegs; s++) {
    const seg = segs + (<usize>s << 3);
    const off = load<i32>(seg);
    let ap = a + (<usize>off << 4);
    let bp = b + (<usize>off << 5);
    for (let p = load<i32>(seg, 4); p > 0; p--) {
      const b0123 = v128.load(bp);
      const b4567 = v128.load(bp, 16);
      let av = v128.load32_splat(ap);
      c0x0123 = madd(av, b0123, c0x0123);
      c0x4567 = madd(av, b4567, c0x4567);
      av = v128.load32_splat(ap, 4);
      c1x0123 = madd(av, b0123, c1x0123);
      c1x4567 = madd(av, b4567, c1x4567);
      av = v128.load32_splat(ap, 8);
      c2x0123 = madd(av, b0123, c2x0123);
      c2x4567 = madd(av, b4567, c2x4567);
      av = v128.load32_splat(ap, 12);
      c3x0123 = madd(av, b0123, c3x0123);
      c3x4567 = madd(av, b4567, c3x4567);
      ap += 16;
      bp += 32;
    }
  }
  storeTile(c0x0123, c0x4567, c1x0123, c1x4567, c2x0123, c2x4567, c3x0123, c3x4567, c0, c1, c2, c3, rows, cols, loadC, bias, tile, epilogue, alpha, maskDelta);
}


/**
 * tileKernel with its a panel read in place: 24-byte segment records
 * (offset in the b panel, length, four row sources), depth i of a segment at
 * source + 4·i for each tile row. The same products in the same order as
 * tileKernel on the packed panel, without the packing: worth it when a
 * panel would serve few column panels.
 */
// @ts-ignore: decorator
@inline export function tileKernelRows(
  list: usize, count: i32, b: usize, c0: usize, c1: usize, c2: usize, c3: usize,
  rows: i32, cols: i32, loadC: bool, bias: usize, tile: usize, epilogue: i32, alpha: f32, maskDelta: usize,
): void {
  let c0x0123 = f32x4.splat(0);
  let c0x4567 = f32x4.splat(0);
  let c1x0123 = f32x4.splat(0);
  let c1x4567 = f32x4.splat(0);
  let c2x0123 = f32x4.splat(0);
  let c2x4567 = f32x4.splat(0);
  let c3x0123 = f32x4.splat(0);
  let c3x4567 = f32x4.splat(0);
  for (let s = 0; s < count; s++) {
    const seg = list + <usize>s * 24;
    let bp = b + (<usize>load<i32>(seg) << 5);
    let a0 = load<usize>(seg, 8);
    let a1 = load<usize>(seg, 12);
    let a2 = load<usize>(seg, 16);
    let a3 = load<usize>(seg, 20);
    for (let p = load<i32>(seg, 4); p > 0; p--) {
      const b0123 = v128.load(bp);
      const b4567 = v128.load(bp, 16);
      let av = v128.load32_splat(a0);
      c0x0123 = madd(av, b0123, c0x0123);
      c0x4567 = madd(av, b4567, c0x4567);
      av = v128.load32_splat(a1);
      c1x0123 = madd(av, b0123, c1x0123);
      c1x4567 = madd(av, b4567, c1x4567);
      av = v128.load32_splat(a2);
      c2x0123 = madd(av, b0123, c2x0123);
      c2x4567 = madd(av, b4567, c2x4567);
      av = v128.load32_splat(a3);
      c3x0123 = madd(av, b0123, c3x0123);
      c3x4567 = madd(av, b4567, c3x4567);
      a0 += 4;
      a1 += 4;
      a2 += 4;
      a3 += 4;
      bp += 32;
    }
  }
  storeTile(c0x0123, c0x4567, c1x0123, c1x4567, c2x0123, c2x4567, c3x0123, c3x4567, c0, c1, c2, c3, rows, cols, loadC, bias, tile, epilogue, alpha, maskDelta);
}

/** Stores 4 rows of 4 floats depth-major: quad i = (r0[i], r1[i], r2[i], r3[i]) at d + i·step. */
// @ts-ignore: decorator
@inline export function transpose4(d: usize, step: usize, r0: v128, r1: v128, r2: v128, r3: v128): void {
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(d, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
  v128.store(d + step, i32x4.shuffle(t0, t1, 2, 3, 6, 7));
  v128.store(d + 2 * step, i32x4.shuffle(t2, t3, 0, 1, 4, 5));
  v128.store(d + 3 * step, i32x4.shuffle(t2, t3, 2, 3, 6, 7));
}

/** 8-column panels [kc][8] of a matrix with rows of `ld` floats (element (p, j) at src + 4·(p·ld + j)); the last panel zero-padded. */
export function packColumns8(dst: usize, src: usize, cols: i32, ld: i32, kc: i32): void {
  const ldb = <usize>ld << 2;
  for (let j0 = 0; j0 < cols; j0 += NR) {
    let d = dst + <usize>(j0 * kc * 4);
    let s = src + (<usize>j0 << 2);
    if (j0 + NR <= cols) {
      for (let p = 0; p < kc; p++, s += ldb, d += 32) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
      }
    } else {
      const valid = cols - j0;
      for (let p = 0; p < kc; p++, s += ldb, d += 32) {
        for (let j = 0; j < NR; j++) store<f32>(d + (<usize>j << 2), j < valid ? load<f32>(s + (<usize>j << 2)) : 0);
      }
    }
  }
}

/** applyEpilogue's operations on one vector held in a register, bound for `out`. */
// @ts-ignore: decorator
@inline export function epilogueVector(v: v128, out: usize, epilogue: i32, alpha: f32, maskDelta: usize): v128 {
  return epilogueOf(v, epilogue, alpha, epilogue == EPI_MASK ? v128.load(out + maskDelta) : f32x4.splat(0));
}

/** out[0..len) = epilogue(out[0..len)) (tile.ts's EPI_*), element by element; the scalar tail as a splat through the same vector operations. */
export function applyEpilogue(out: usize, len: i32, epilogue: i32, alpha: f32, maskDelta: usize): void {
  if (epilogue == EPI_NONE) return;
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const o = out + (<usize>i << 2);
    v128.store(o, epilogueVector(v128.load(o), o, epilogue, alpha, maskDelta));
  }
  for (; i < len; i++) {
    const o = out + (<usize>i << 2);
    const mask = epilogue == EPI_MASK ? f32x4.splat(load<f32>(o + maskDelta)) : f32x4.splat(0);
    store<f32>(o, f32x4.extract_lane(epilogueOf(f32x4.splat(load<f32>(o)), epilogue, alpha, mask), 0));
  }
}

/** C = (C + acc) + bias for one vector (C = acc + bias without accumulate; bias 0: none). */
// @ts-ignore: decorator
@inline export function finishVector(
  acc: v128, c: usize, accumulate: i32, bias: usize, epilogue: i32 = EPI_NONE, alpha: f32 = 0, maskDelta: usize = 0,
): void {
  if (accumulate) acc = f32x4.add(v128.load(c), acc);
  if (bias != 0) acc = f32x4.add(acc, v128.load(bias));
  if (epilogue != EPI_NONE) acc = epilogueVector(acc, c, epilogue, alpha, maskDelta);
  v128.store(c, acc);
}

