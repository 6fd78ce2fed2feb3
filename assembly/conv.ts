// Convolutions of NHWC images as products on the 4×8 tile of tile.ts, with
// the im2col matrix never written.
//
// Shared geometry: the image x is [n, h, w, c]; im2col(x) is the matrix
// [n·oh·ow, kh·kw·c] whose row (b, oy, ox), column (ky, kx, ci) holds
// x[b, oy·sh − padTop + ky, ox·sw − padLeft + kx, ci], or zero outside the
// image: the order of a [kh, kw, c, f] filter read as a [kh·kw·c, f] matrix.
// col2im is its adjoint: rows scattered back, added where windows overlap.
// Dilation 1: for fixed ky the kx·c entries of a row are contiguous in x.

import { EPI_MASK, EPI_NONE, EPI_RELU, epilogueVector as epilogueOf, MR, NR, storeTile } from "./tile";
/** dst[0..len) = src[0..len); v128 body, scalar tail. */
@inline function copyRun(dst: usize, src: usize, len: i32): void {
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
@inline function fillRun(dst: usize, value: f32, len: i32): void {
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
@inline function copyAny(dst: usize, src: usize, len: i32): void {
  if (len >= 8) {
    copyRun(dst, src, len);
    return;
  }
  let i = 0;
  for (; i + 2 <= len; i += 2) store<u64>(dst + (<usize>i << 2), load<u64>(src + (<usize>i << 2)));
  if (i < len) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

@inline function zeroAny(dst: usize, len: i32): void {
  if (len >= 8) {
    fillRun(dst, 0, len);
    return;
  }
  let i = 0;
  for (; i + 2 <= len; i += 2) store<u64>(dst + (<usize>i << 2), 0);
  if (i < len) store<f32>(dst + (<usize>i << 2), 0);
}

// ---- implicit gemm ----------------------------------------------------------
// The three products of a convolution, with the im2col matrix never written:
// its entries are read from the image straight into gemm.ts's 4×8 register
// tile (same panel layouts, same k blocks):
//   f32_conv2d_nhwc              y (+)= im2col(x)·wm (+ bias)      (gemm nn)
//   f32_conv2d_nhwc_adjoint      x (+)= col2im(p·wmᵀ) (+ bias)     its transpose
//   f32_conv2d_nhwc_filter_grad  wm (+)= im2col(x)ᵀ·g              (gemm tn)
// wm is a [kh, kw, c, f] filter read as a [kh·kw·c, f] matrix; p, g and y
// are [n·oh·ow, f].
//
// Padding taps are skipped, not multiplied: pixels are visited as a stream
// grouped by window class (the taps that are in the image: a 3×3 "same"
// window has interior, edge and corner classes), so the four pixels of a
// tile mostly share their taps, and the tile's products run over those taps
// only. Skipping exact zero terms leaves a sum's value unchanged, except
// that an all-zero sum may come out +0 rather than −0.
//
// Per-element order, the determinism contract: each k block is summed from
// zero in k order, then C = C + block, bias last. f32_conv2d_nhwc's blocks
// are gemm.ts's (kBlockDepth(kh·kw·c)), so it gives gemm nn's bits. The
// filter gradient's depth is the pixel stream (blocks of stream positions).
// The adjoint gathers per pixel of x over the taps that reach it; see
// adjointGather. The stream and the blocks depend on the shapes alone.
// Fewer than 4 image channels take the direct paths at the end of the file.
// The _fused variants of the forward and the adjoint pass each element,
// once final, through tile.ts's epilogue (relu, leaky relu, or the ReLU
// mask of a gradient): in registers as the last k block is written, or in a
// pass over the output where the scatter finishes elements only at the end.
//
// Workspace layout: a 4×8 edge tile (128 bytes), a zero quad (16 bytes, at
// 128), then each kernel's panels and tables from byte 160 (their sizes:
// convWorkspaceBytes in src/ops/conv2d.ts).

/** gemm.ts's block sizes: KC fixes the bits, MC and NC only the cache use. */
const KC = 256;
const MC = 64;
const NC = 1024;
const PANELS: usize = 160;
/** Stream entries: address of the window's (0, 0) tap (may lie outside the image), iy0, ix0, output row. */
const ENTRY: usize = 16;
/** Window-class runs of the stream: start, end, in-image ky range, kx range (lo | hi << 16). */
const RUN: usize = 16;
/** Tile rows past the end of the stream get this window origin, outside every image. */
const NOWHERE: i32 = -0x10000000;

@inline function kBlockDepth(k: i32): i32 {
  const blocks = (k + KC - 1) / KC;
  return min(k, ((k + blocks - 1) / blocks + 3) & ~3);
}

@inline function roundUp(x: i32, to: i32): i32 {
  return (x + to - 1) / to * to;
}

/** The in-image tap range [lo, hi) of a window axis starting at i0 (kernel k, image size s), as lo | hi << 16. */
@inline function tapRange(i0: i32, k: i32, s: i32): i32 {
  const lo = min(max(0, -i0), k);
  const hi = max(min(k, s - i0), lo);
  return lo | (hi << 16);
}

@inline function inRange(range: i32, t: i32): bool {
  return t >= (range & 0xffff) && t < (range >>> 16);
}

/**
 * Fills `table` with the n·oh·ow output pixels grouped by window class: for
 * each run of output rows sharing their ky range, each run of columns
 * sharing their kx range, images in order, then rows, then columns. Writes
 * one RUN record per (row class, column class) and returns their count.
 */
function buildStream(
  table: usize, runs: usize, x: usize, n: i32, h: i32, w: i32, c: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, oh: i32, ow: i32,
): i32 {
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
@inline function tileKernel(
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
      c0x0123 = f32x4.add(c0x0123, f32x4.mul(av, b0123));
      c0x4567 = f32x4.add(c0x4567, f32x4.mul(av, b4567));
      av = v128.load32_splat(ap, 4);
      c1x0123 = f32x4.add(c1x0123, f32x4.mul(av, b0123));
      c1x4567 = f32x4.add(c1x4567, f32x4.mul(av, b4567));
      av = v128.load32_splat(ap, 8);
      c2x0123 = f32x4.add(c2x0123, f32x4.mul(av, b0123));
      c2x4567 = f32x4.add(c2x4567, f32x4.mul(av, b4567));
      av = v128.load32_splat(ap, 12);
      c3x0123 = f32x4.add(c3x0123, f32x4.mul(av, b0123));
      c3x4567 = f32x4.add(c3x4567, f32x4.mul(av, b4567));
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
@inline function tileKernelRows(
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
      c0x0123 = f32x4.add(c0x0123, f32x4.mul(av, b0123));
      c0x4567 = f32x4.add(c0x4567, f32x4.mul(av, b4567));
      av = v128.load32_splat(a1);
      c1x0123 = f32x4.add(c1x0123, f32x4.mul(av, b0123));
      c1x4567 = f32x4.add(c1x4567, f32x4.mul(av, b4567));
      av = v128.load32_splat(a2);
      c2x0123 = f32x4.add(c2x0123, f32x4.mul(av, b0123));
      c2x4567 = f32x4.add(c2x4567, f32x4.mul(av, b4567));
      av = v128.load32_splat(a3);
      c3x0123 = f32x4.add(c3x0123, f32x4.mul(av, b0123));
      c3x4567 = f32x4.add(c3x4567, f32x4.mul(av, b4567));
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
@inline function transpose4(d: usize, step: usize, r0: v128, r1: v128, r2: v128, r3: v128): void {
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
function packColumns8(dst: usize, src: usize, cols: i32, ld: i32, kc: i32): void {
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

/**
 * The taps of k block [p0, p0 + kc) that are in the image for at least one
 * of four windows (origins iy·, ix·), as (offset in block, length) segments
 * at segs, adjacent taps merged. Returns the segment count.
 */
function blockSegments(
  segs: usize, p0: i32, kc: i32, c: i32, kw: i32, h: i32, w: i32,
  iy0: i32, ix0: i32, iy1: i32, ix1: i32, iy2: i32, ix2: i32, iy3: i32, ix3: i32,
): i32 {
  const kEnd = p0 + kc;
  const tap0 = p0 / c;
  let ky = tap0 / kw;
  let kx = tap0 - ky * kw;
  let count = 0;
  let open = false;
  for (let k = tap0 * c; k < kEnd; k += c) {
    const inside =
      (<u32>(iy0 + ky) < <u32>h && <u32>(ix0 + kx) < <u32>w) ||
      (<u32>(iy1 + ky) < <u32>h && <u32>(ix1 + kx) < <u32>w) ||
      (<u32>(iy2 + ky) < <u32>h && <u32>(ix2 + kx) < <u32>w) ||
      (<u32>(iy3 + ky) < <u32>h && <u32>(ix3 + kx) < <u32>w);
    if (inside) {
      const lo = max(k, p0) - p0;
      const hi = min(k + c, kEnd) - p0;
      if (open) store<i32>(segs + (<usize>(count - 1) << 3), hi - load<i32>(segs + (<usize>(count - 1) << 3)), 4);
      else {
        store<i32>(segs + (<usize>count << 3), lo);
        store<i32>(segs + (<usize>count << 3), hi - lo, 4);
        count++;
      }
    }
    open = inside;
    if (++kx == kw) {
      kx = 0;
      ky++;
    }
  }
  return count;
}

/**
 * Writes depths [k0, k1) of the A panel [kc][4] of block p0 (quad k − p0):
 * im2col entries of four windows, zero for a tap outside the image. A tap's
 * c depths are contiguous in x; a row outside reads the zero quad without
 * advancing.
 */
function packWindows(
  panel: usize, zeros: usize, k0: i32, k1: i32, p0: i32, h: i32, w: i32, c: i32, kw: i32,
  o0: usize, iy0: i32, ix0: i32, o1: usize, iy1: i32, ix1: i32,
  o2: usize, iy2: i32, ix2: i32, o3: usize, iy3: i32, ix3: i32,
): void {
  const tap = k0 / c;
  let ci = k0 - tap * c;
  let ky = tap / kw;
  let kx = tap - ky * kw;
  let d = panel + (<usize>(k0 - p0) << 4);
  for (let k = k0; k < k1; ) {
    const len = min(k1 - k, c - ci);
    const off = <usize>(((ky * w + kx) * c + ci) * 4);
    const v0 = <u32>(iy0 + ky) < <u32>h && <u32>(ix0 + kx) < <u32>w;
    const v1 = <u32>(iy1 + ky) < <u32>h && <u32>(ix1 + kx) < <u32>w;
    const v2 = <u32>(iy2 + ky) < <u32>h && <u32>(ix2 + kx) < <u32>w;
    const v3 = <u32>(iy3 + ky) < <u32>h && <u32>(ix3 + kx) < <u32>w;
    let s0 = v0 ? o0 + off : zeros;
    let s1 = v1 ? o1 + off : zeros;
    let s2 = v2 ? o2 + off : zeros;
    let s3 = v3 ? o3 + off : zeros;
    const st0: usize = v0 ? 4 : 0;
    const st1: usize = v1 ? 4 : 0;
    const st2: usize = v2 ? 4 : 0;
    const st3: usize = v3 ? 4 : 0;
    let i = 0;
    for (; i + 4 <= len; i += 4, d += 64) {
      transpose4(d, 16, v128.load(s0), v128.load(s1), v128.load(s2), v128.load(s3));
      s0 += st0 << 2;
      s1 += st1 << 2;
      s2 += st2 << 2;
      s3 += st3 << 2;
    }
    for (; i < len; i++, d += 16) {
      store<f32>(d, load<f32>(s0));
      store<f32>(d, load<f32>(s1), 4);
      store<f32>(d, load<f32>(s2), 8);
      store<f32>(d, load<f32>(s3), 12);
      s0 += st0;
      s1 += st1;
      s2 += st2;
      s3 += st3;
    }
    k += len;
    ci = 0;
    if (++kx == kw) {
      kx = 0;
      ky++;
    }
  }
}

/**
 * y[n·oh·ow, f] (+)= im2col(x)·wm (+ bias[f], or bias = 0): gemm nn's bits
 * (but for the sign of an all-zero sum).
 */
export function f32_conv2d_nhwc(
  y: usize, x: usize, wm: usize, bias: usize, n: i32, h: i32, w: i32, c: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, oh: i32, ow: i32, f: i32, accumulate: i32, work: usize,
): void {
  convImplicit(y, x, wm, bias, n, h, w, c, kh, kw, sh, sw, padTop, padLeft, oh, ow, f, accumulate, EPI_NONE, 0, 0, work);
}

/**
 * y = epilogue(f32_conv2d_nhwc's y): each element, once final, goes through
 * the epilogue (EPI_*: relu, leaky relu with alpha, or the ReLU-backward mask
 * read from `mask`, an array laid out as y).
 */
export function f32_conv2d_nhwc_fused(
  y: usize, x: usize, wm: usize, bias: usize, n: i32, h: i32, w: i32, c: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, oh: i32, ow: i32, f: i32, accumulate: i32,
  epilogue: i32, alpha: f32, mask: usize, work: usize,
): void {
  convImplicit(y, x, wm, bias, n, h, w, c, kh, kw, sh, sw, padTop, padLeft, oh, ow, f, accumulate, epilogue, alpha, mask, work);
}

function convImplicit(
  y: usize, x: usize, wm: usize, bias: usize, n: i32, h: i32, w: i32, c: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, oh: i32, ow: i32, f: i32, accumulate: i32,
  epilogue: i32, alpha: f32, mask: usize, work: usize,
): void {
  const m = n * oh * ow;
  const k = kh * kw * c;
  if (m <= 0 || f <= 0) return;
  // The mask element of an output element at address a is at a + maskDelta (wrapping).
  const maskDelta: usize = mask - y;
  if (c < MR && k <= KC) {
    convFewChannels(y, x, wm, bias, n, h, w, c, kh, kw, sh, sw, padTop, padLeft, oh, ow, f, accumulate, work + PANELS, epilogue, alpha, maskDelta);
    return;
  }
  const kcMax = kBlockDepth(k);
  const fp = roundUp(f, NR);
  const tile = work;
  const zeros = work + 128;
  const panel = work + PANELS;
  const packedB = panel + <usize>(kcMax * MR * 4);
  const table = packedB + <usize>k * fp * 4;
  const segs = table + <usize>m * ENTRY;
  const runs = segs + <usize>(kh * kw + 1) * 8;
  v128.store(zeros, f32x4.splat(0));
  for (let p0 = 0; p0 < k; p0 += kcMax) {
    packColumns8(packedB + <usize>p0 * fp * 4, wm + <usize>p0 * f * 4, f, f, min(kcMax, k - p0));
  }
  buildStream(table, runs, x, n, h, w, c, kh, kw, sh, sw, padTop, padLeft, oh, ow);
  const ldc = <usize>f << 2;
  for (let s0 = 0; s0 < m; s0 += MR) {
    const rows = min(MR, m - s0);
    const e = table + <usize>s0 * ENTRY;
    const o0 = load<usize>(e);
    const iy0 = load<i32>(e, 4);
    const ix0 = load<i32>(e, 8);
    const r0 = y + <usize>load<i32>(e, 12) * ldc;
    const o1 = rows > 1 ? load<usize>(e, 16) : 0;
    const iy1 = rows > 1 ? load<i32>(e, 20) : NOWHERE;
    const ix1 = rows > 1 ? load<i32>(e, 24) : 0;
    const r1 = rows > 1 ? y + <usize>load<i32>(e, 28) * ldc : r0;
    const o2 = rows > 2 ? load<usize>(e, 32) : 0;
    const iy2 = rows > 2 ? load<i32>(e, 36) : NOWHERE;
    const ix2 = rows > 2 ? load<i32>(e, 40) : 0;
    const r2 = rows > 2 ? y + <usize>load<i32>(e, 44) * ldc : r0;
    const o3 = rows > 3 ? load<usize>(e, 48) : 0;
    const iy3 = rows > 3 ? load<i32>(e, 52) : NOWHERE;
    const ix3 = rows > 3 ? load<i32>(e, 56) : 0;
    const r3 = rows > 3 ? y + <usize>load<i32>(e, 60) * ldc : r0;
    for (let p0 = 0; p0 < k; p0 += kcMax) {
      const kc = min(kcMax, k - p0);
      const nsegs = blockSegments(segs, p0, kc, c, kw, h, w, iy0, ix0, iy1, ix1, iy2, ix2, iy3, ix3);
      for (let s = 0; s < nsegs; s++) {
        const k0 = p0 + load<i32>(segs + (<usize>s << 3));
        const k1 = k0 + load<i32>(segs + (<usize>s << 3), 4);
        packWindows(panel, zeros, k0, k1, p0, h, w, c, kw, o0, iy0, ix0, o1, iy1, ix1, o2, iy2, ix2, o3, iy3, ix3);
      }
      const loadC = p0 > 0 || accumulate != 0;
      const blockBias: usize = p0 + kc >= k ? bias : 0;
      const bBlock = packedB + <usize>p0 * fp * 4;
      // The last block's write-back finishes the elements: the epilogue goes with it.
      const blockEpilogue = p0 + kc >= k ? epilogue : EPI_NONE;
      for (let j = 0; j < f; j += NR) {
        const cj = <usize>j << 2;
        tileKernel(panel, bBlock + <usize>(j * kc * 4), segs, nsegs, r0 + cj, r1 + cj, r2 + cj, r3 + cj,
          rows, min(NR, f - j), loadC, blockBias != 0 ? blockBias + cj : 0, tile, blockEpilogue, alpha, maskDelta);
      }
    }
  }
}

/**
 * x[n, h, w, c] (+)= col2im(p·wmᵀ) (+ bias[c] when writing; bias = 0: none),
 * p [n·oh·ow, f]: the adjoint of f32_conv2d_nhwc, computed per pixel of x by
 * adjointGather (c < 4: by adjointFewChannels, x starting from the bias).
 */
export function f32_conv2d_nhwc_adjoint(
  x: usize, p: usize, wm: usize, bias: usize, n: i32, h: i32, w: i32, c: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, oh: i32, ow: i32, f: i32, accumulate: i32, work: usize,
): void {
  adjointImplicit(x, p, wm, bias, n, h, w, c, kh, kw, sh, sw, padTop, padLeft, oh, ow, f, accumulate, EPI_NONE, 0, 0, work);
}

/** x = epilogue(f32_conv2d_nhwc_adjoint's x): as f32_conv2d_nhwc_fused, `mask` laid out as x. */
export function f32_conv2d_nhwc_adjoint_fused(
  x: usize, p: usize, wm: usize, bias: usize, n: i32, h: i32, w: i32, c: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, oh: i32, ow: i32, f: i32, accumulate: i32,
  epilogue: i32, alpha: f32, mask: usize, work: usize,
): void {
  adjointImplicit(x, p, wm, bias, n, h, w, c, kh, kw, sh, sw, padTop, padLeft, oh, ow, f, accumulate, epilogue, alpha, mask, work);
}

function adjointImplicit(
  x: usize, p: usize, wm: usize, bias: usize, n: i32, h: i32, w: i32, c: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, oh: i32, ow: i32, f: i32, accumulate: i32,
  epilogue: i32, alpha: f32, mask: usize, work: usize,
): void {
  if (n <= 0 || c <= 0) return;
  const maskDelta: usize = mask - x;
  if (c >= MR && f > 0) {
    adjointGather(x, p, wm, bias, n, h, w, c, kh, kw, sh, sw, padTop, padLeft, oh, ow, f, accumulate, work, epilogue, alpha, maskDelta);
    return;
  }
  if (!accumulate) {
    if (bias == 0) fillRun(x, 0, n * h * w * c);
    else if (c == 1) fillRun(x, load<f32>(bias), n * h * w);
    else {
      const pixelBytes = <usize>c << 2;
      const end = x + <usize>(n * h * w) * pixelBytes;
      for (let px = x; px < end; px += pixelBytes) copyAny(px, bias, c);
    }
  }
  if (f > 0) adjointFewChannels(x, p, wm, n, h, w, c, kh, kw, sh, sw, padTop, padLeft, oh, ow, f, work);
  // The scatter finishes an element only at the end: one pass over x.
  applyEpilogue(x, n * h * w * c, epilogue, alpha, maskDelta);
}

/**
 * The output rows of a transposed window: row y of x receives tap t from
 * window row (y + pad − t)/s when that is a whole number in [0, out). Rows
 * are grouped into classes of equal tap sets; classes[y] is y's class,
 * firsts[class] its first row. Returns the class count.
 */
function transposedClasses(classes: usize, firsts: usize, size: i32, k: i32, s: i32, pad: i32, out: i32): i32 {
  let count = 0;
  for (let y = 0; y < size; y++) {
    let cls = 0;
    for (; cls < count; cls++) {
      const y0 = load<i32>(firsts + (<usize>cls << 2));
      let same = true;
      for (let t = 0; t < k && same; t++) same = (transposedTap(y, t, s, pad, out) < 0) == (transposedTap(y0, t, s, pad, out) < 0);
      if (same) break;
    }
    if (cls == count) {
      store<i32>(firsts + (<usize>count << 2), y);
      count++;
    }
    store<i32>(classes + (<usize>y << 2), cls);
  }
  return count;
}

/** A pixel's (row class, column class), one number; −1 for a row past the stream's end. */
@inline function pixelClass(rowClass: usize, colClass: usize, y: i32, x: i32): i32 {
  return y < 0 ? -1 : load<i32>(rowClass + (<usize>y << 2)) | (load<i32>(colClass + (<usize>x << 2)) << 16);
}

/** The window row (or column) that reaches output row y through tap t, or −1. */
@inline function transposedTap(y: i32, t: i32, s: i32, pad: i32, out: i32): i32 {
  const ty = y + pad - t;
  const o = ty / s;
  return ty >= 0 && o * s == ty && o < out ? o : -1;
}

/** taps[y·k + t] = transposedTap(y, t, ...) for y < size, t < k: a lookup instead of divisions. */
function transposedTaps(taps: usize, size: i32, k: i32, s: i32, pad: i32, out: i32): void {
  for (let y = 0; y < size; y++) {
    for (let t = 0; t < k; t++) store<i32>(taps + (<usize>(y * k + t) << 2), transposedTap(y, t, s, pad, out));
  }
}

/** Where a tile row of the transposed stream reads tap (ky, kx): its p row, or the zero quad. */
@inline function transposedSource(
  pbase: usize, y: i32, x: i32, ky: i32, kx: i32, rowTaps: usize, colTaps: usize, kh: i32, kw: i32, ow: i32, f: i32, zeros: usize,
): usize {
  if (y < 0) return zeros;
  const oy = load<i32>(rowTaps + (<usize>(y * kh + ky) << 2));
  const ox = load<i32>(colTaps + (<usize>(x * kw + kx) << 2));
  return oy >= 0 && ox >= 0 ? pbase + <usize>((oy * ow + ox) * f) * 4 : zeros;
}

/**
 * f32_conv2d_nhwc_adjoint for c ≥ 4, per pixel of x (a gather, no scatter):
 * x[Y, X, :] = Σ over the taps (ky, kx) whose window (oy, ox) has
 * Y = oy·sh − padTop + ky and X = ox·sw − padLeft + kx of p[oy, ox, :]·wm_tapᵀ.
 * A product of x's n·h·w pixels with depth (tap, fi) and c columns, in 4×8
 * tiles, x's pixels in a stream grouped by tap sets. A tile multiplies the
 * taps that reach any of its four pixels (in ky, kx order, f in order), D
 * depths in all, in blocks of kBlockDepth(D): each block summed from zero,
 * C = C + block, bias last. A pixel's bits thus depend on the taps of its
 * tile-mates too, which the shapes alone fix.
 */
function adjointGather(
  x: usize, p: usize, wm: usize, bias: usize, n: i32, h: i32, w: i32, c: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, oh: i32, ow: i32, f: i32, accumulate: i32, work: usize,
  epilogue: i32, alpha: f32, maskDelta: usize,
): void {
  const m = n * h * w;
  const taps = kh * kw;
  const k = taps * f;
  const cp = roundUp(c, NR);
  const tile = work;
  // A run of f zeros, read by pixels a tap does not reach.
  const zeros = work + PANELS;
  const packedB = zeros + <usize>(k * MR * 4);
  const table = packedB + <usize>k * cp * 4;
  const segs = table + <usize>m * ENTRY;
  const blockSegs = segs + <usize>(taps + 1) * 24;
  const rowClass = blockSegs + <usize>(2 * taps + 1) * 24;
  const rowFirst = rowClass + (<usize>h << 2);
  const colClass = rowFirst + (<usize>h << 2);
  const colFirst = colClass + (<usize>w << 2);
  const rowTaps = colFirst + (<usize>w << 2);
  const colTaps = rowTaps + (<usize>(h * kh) << 2);
  // The taps of the last class seen, as (depth offset, p offset from the first tap's row) pairs.
  const classList = colTaps + (<usize>(w * kw) << 2);
  let listed = -1;
  let listCount = 0;
  let listKy = 0;
  let listKx = 0;
  fillRun(zeros, 0, f);
  transposedTaps(rowTaps, h, kh, sh, padTop, oh);
  transposedTaps(colTaps, w, kw, sw, padLeft, ow);
  // op(B) [taps·f, c], 8-column panels [taps·f][8]: depth (t, fi), column ci holds wm[t·c + ci, fi].
  for (let j0 = 0; j0 < c; j0 += NR) {
    let d = packedB + <usize>(j0 * k * 4);
    for (let kk = 0; kk < k; kk++, d += 32) {
      const t = kk / f;
      const fi = kk - t * f;
      for (let j = 0; j < NR; j++) {
        const ci = j0 + j;
        store<f32>(d + (<usize>j << 2), ci < c ? load<f32>(wm + <usize>((t * c + ci) * f + fi) * 4) : 0);
      }
    }
  }
  // The stream of x's pixels: row class, column class, image, row, column.
  const rowClasses = transposedClasses(rowClass, rowFirst, h, kh, sh, padTop, oh);
  const colClasses = transposedClasses(colClass, colFirst, w, kw, sw, padLeft, ow);
  let e = table;
  for (let rc = 0; rc < rowClasses; rc++) {
    for (let cc = 0; cc < colClasses; cc++) {
      for (let b = 0; b < n; b++) {
        const pbase = p + <usize>(b * oh * ow * f) * 4;
        for (let y = 0; y < h; y++) {
          if (load<i32>(rowClass + (<usize>y << 2)) != rc) continue;
          for (let xx = 0; xx < w; xx++) {
            if (load<i32>(colClass + (<usize>xx << 2)) != cc) continue;
            store<usize>(e, pbase);
            store<i32>(e, y, 4);
            store<i32>(e, xx, 8);
            store<i32>(e, (b * h + y) * w + xx, 12);
            e += ENTRY;
          }
        }
      }
    }
  }
  const ldc = <usize>c << 2;
  for (let s0 = 0; s0 < m; s0 += MR) {
    const rows = min(MR, m - s0);
    const en = table + <usize>s0 * ENTRY;
    // Rows past the stream's end: y = −1, reached by no tap.
    const b0 = load<usize>(en);
    const y0 = load<i32>(en, 4);
    const x0 = load<i32>(en, 8);
    const r0 = x + <usize>load<i32>(en, 12) * ldc;
    const b1 = rows > 1 ? load<usize>(en, 16) : 0;
    const y1 = rows > 1 ? load<i32>(en, 20) : -1;
    const x1 = rows > 1 ? load<i32>(en, 24) : 0;
    const r1 = rows > 1 ? x + <usize>load<i32>(en, 28) * ldc : r0;
    const b2 = rows > 2 ? load<usize>(en, 32) : 0;
    const y2 = rows > 2 ? load<i32>(en, 36) : -1;
    const x2 = rows > 2 ? load<i32>(en, 40) : 0;
    const r2 = rows > 2 ? x + <usize>load<i32>(en, 44) * ldc : r0;
    const b3 = rows > 3 ? load<usize>(en, 48) : 0;
    const y3 = rows > 3 ? load<i32>(en, 52) : -1;
    const x3 = rows > 3 ? load<i32>(en, 56) : 0;
    const r3 = rows > 3 ? x + <usize>load<i32>(en, 60) * ldc : r0;
    // The taps that reach any of the four pixels, one record each (depth
    // offset, f, the four pixels' p rows or the zero run).
    let nsegs = 0;
    const cls = rows == MR ? pixelClass(rowClass, colClass, y0, x0) : -1;
    if (cls >= 0 && pixelClass(rowClass, colClass, y1, x1) == cls &&
      pixelClass(rowClass, colClass, y2, x2) == cls && pixelClass(rowClass, colClass, y3, x3) == cls) {
      // Four pixels of one class: the class's taps, each at a fixed offset
      // from the pixel's first p row (the same records as below, fewer lookups).
      if (cls != listed) {
        listed = cls;
        listCount = 0;
        let first = 0;
        for (let t = 0; t < taps; t++) {
          const ty = t / kw;
          const tx = t - ty * kw;
          const oy = load<i32>(rowTaps + (<usize>(y0 * kh + ty) << 2));
          const ox = load<i32>(colTaps + (<usize>(x0 * kw + tx) << 2));
          if (oy < 0 || ox < 0) continue;
          const off = (oy * ow + ox) * f * 4;
          if (listCount == 0) {
            first = off;
            listKy = ty;
            listKx = tx;
          }
          const rec = classList + (<usize>listCount << 3);
          store<i32>(rec, t * f);
          store<i32>(rec, off - first, 4);
          listCount++;
        }
      }
      if (listCount > 0) {
        const src0 = transposedSource(b0, y0, x0, listKy, listKx, rowTaps, colTaps, kh, kw, ow, f, zeros);
        const src1 = transposedSource(b1, y1, x1, listKy, listKx, rowTaps, colTaps, kh, kw, ow, f, zeros);
        const src2 = transposedSource(b2, y2, x2, listKy, listKx, rowTaps, colTaps, kh, kw, ow, f, zeros);
        const src3 = transposedSource(b3, y3, x3, listKy, listKx, rowTaps, colTaps, kh, kw, ow, f, zeros);
        for (let i = 0; i < listCount; i++) {
          const item = classList + (<usize>i << 3);
          const d = <usize>load<i32>(item, 4);
          const rec = segs + <usize>i * 24;
          store<i32>(rec, load<i32>(item));
          store<i32>(rec, f, 4);
          store<usize>(rec, src0 + d, 8);
          store<usize>(rec, src1 + d, 12);
          store<usize>(rec, src2 + d, 16);
          store<usize>(rec, src3 + d, 20);
        }
      }
      nsegs = listCount;
    } else {
      let ky = 0;
      let kx = 0;
      for (let t = 0; t < taps; t++) {
        const src0 = transposedSource(b0, y0, x0, ky, kx, rowTaps, colTaps, kh, kw, ow, f, zeros);
        const src1 = transposedSource(b1, y1, x1, ky, kx, rowTaps, colTaps, kh, kw, ow, f, zeros);
        const src2 = transposedSource(b2, y2, x2, ky, kx, rowTaps, colTaps, kh, kw, ow, f, zeros);
        const src3 = transposedSource(b3, y3, x3, ky, kx, rowTaps, colTaps, kh, kw, ow, f, zeros);
        if (src0 != zeros || src1 != zeros || src2 != zeros || src3 != zeros) {
          const rec = segs + <usize>nsegs * 24;
          store<i32>(rec, t * f);
          store<i32>(rec, f, 4);
          store<usize>(rec, src0, 8);
          store<usize>(rec, src1, 12);
          store<usize>(rec, src2, 16);
          store<usize>(rec, src3, 20);
          nsegs++;
        }
        if (++kx == kw) {
          kx = 0;
          ky++;
        }
      }
    }
    const depth = nsegs * f;
    // Blocks of kBlockDepth(depth) over the listed depths (at least one, for the first write and the bias).
    const blockDepth = depth > 0 ? kBlockDepth(depth) : 0;
    if (blockDepth == depth) {
      // One block: the records are its segments.
      for (let j = 0; j < c; j += NR) {
        const cj = <usize>j << 2;
        tileKernelRows(segs, nsegs, packedB + <usize>(j * k * 4), r0 + cj, r1 + cj, r2 + cj, r3 + cj,
          rows, min(NR, c - j), accumulate != 0, bias != 0 ? bias + cj : 0, tile, epilogue, alpha, maskDelta);
      }
    } else {
      let si = 0;
      let used = 0;
      let done = 0;
      let first = true;
      while (first || done < depth) {
        const want = min(blockDepth, depth - done);
        let nb = 0;
        let got = 0;
        while (got < want) {
          const rec = segs + <usize>si * 24;
          const take = min(f - used, want - got);
          const br = blockSegs + <usize>nb * 24;
          const skip = <usize>used << 2;
          store<i32>(br, load<i32>(rec) + used);
          store<i32>(br, take, 4);
          store<usize>(br, load<usize>(rec, 8) + skip, 8);
          store<usize>(br, load<usize>(rec, 12) + skip, 12);
          store<usize>(br, load<usize>(rec, 16) + skip, 16);
          store<usize>(br, load<usize>(rec, 20) + skip, 20);
          nb++;
          got += take;
          used += take;
          if (used == f) {
            si++;
            used = 0;
          }
        }
        done += got;
        const loadC = !first || accumulate != 0;
        const blockBias: usize = done >= depth ? bias : 0;
        for (let j = 0; j < c; j += NR) {
          const cj = <usize>j << 2;
          tileKernelRows(blockSegs, nb, packedB + <usize>(j * k * 4), r0 + cj, r1 + cj, r2 + cj, r3 + cj,
            rows, min(NR, c - j), loadC, blockBias != 0 ? blockBias + cj : 0, tile, done >= depth ? epilogue : EPI_NONE, alpha, maskDelta);
        }
        first = false;
      }
    }
  }
}

/** Whether a run of windows with in-image ranges ry, rx has any of taps t0..t1 in the image. */
@inline function runHasTap(ry: i32, rx: i32, kw: i32, t0: i32, t1: i32): bool {
  let inside = false;
  for (let t = t0; t <= t1; t++) {
    const ky = t / kw;
    inside = inside || (inRange(ry, ky) && inRange(rx, t - ky * kw));
  }
  return inside;
}

/**
 * The (offset in block, length) segments of stream positions [p0, p0 + kc)
 * whose windows have any of taps t0..t1 in the image, adjacent runs merged.
 * Returns the segment count.
 */
function runSegments(segs: usize, runs: usize, nruns: i32, p0: i32, kc: i32, kw: i32, t0: i32, t1: i32): i32 {
  const kEnd = p0 + kc;
  let count = 0;
  let lastEnd = -1;
  for (let i = 0; i < nruns; i++) {
    const run = runs + <usize>i * RUN;
    const lo = max(load<i32>(run), p0);
    const hi = min(load<i32>(run, 4), kEnd);
    if (lo >= hi || !runHasTap(load<i32>(run, 8), load<i32>(run, 12), kw, t0, t1)) continue;
    if (lo == lastEnd) {
      const seg = segs + (<usize>(count - 1) << 3);
      store<i32>(seg, load<i32>(seg, 4) + hi - lo, 4);
    } else {
      const seg = segs + (<usize>count << 3);
      store<i32>(seg, lo - p0);
      store<i32>(seg, hi - lo, 4);
      count++;
    }
    lastEnd = hi;
  }
  return count;
}

/**
 * wm[kh·kw·c, f] (+)= im2col(x)ᵀ·g, g [n·oh·ow, f]: gemm tn with the pixel
 * stream as the depth of the product (k blocks of kBlockDepth(n·oh·ow)
 * stream positions). For each 4-depth tile, only the stream segments whose
 * windows have its taps in the image are multiplied.
 */
export function f32_conv2d_nhwc_filter_grad(
  wm: usize, x: usize, g: usize, n: i32, h: i32, w: i32, c: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, oh: i32, ow: i32, f: i32, accumulate: i32, work: usize,
): void {
  const m = kh * kw * c;
  const depth = n * oh * ow;
  if (m <= 0 || f <= 0) return;
  if (depth <= 0) {
    if (!accumulate) fillRun(wm, 0, m * f);
    return;
  }
  if (c < MR) {
    filterGradFewChannels(wm, x, g, n, h, w, c, kh, kw, sh, sw, padTop, padLeft, oh, ow, f, accumulate, work);
    return;
  }
  const kcMax = kBlockDepth(depth);
  const mcMax = min(roundUp(m, MR), MC);
  const tile = work;
  const packedA = work + PANELS;
  const packedB = packedA + <usize>(kcMax * mcMax * 4);
  const table = packedB + <usize>(kcMax * min(roundUp(f, NR), NC) * 4);
  const runs = table + <usize>depth * ENTRY;
  const nruns = buildStream(table, runs, x, n, h, w, c, kh, kw, sh, sw, padTop, padLeft, oh, ow);
  // Segments of each 4-depth tile of an MC block.
  const segStride = <usize>(nruns + 1) << 3;
  const segs = runs + <usize>nruns * RUN;
  const ldc = <usize>f << 2;
  for (let p0 = 0; p0 < depth; p0 += kcMax) {
    const kc = min(kcMax, depth - p0);
    const block = table + <usize>p0 * ENTRY;
    const loadC = p0 > 0 || accumulate != 0;
    for (let j0 = 0; j0 < f; j0 += NC) {
      const nc = min(NC, f - j0);
      // op(B): the rows of g in stream order.
      for (let jj = 0; jj < nc; jj += NR) {
        const cols = min(NR, nc - jj);
        let d = packedB + <usize>(jj * kc * 4);
        let e = block;
        for (let i = 0; i < kc; i++, e += ENTRY, d += 32) {
          const src = g + <usize>load<i32>(e, 12) * ldc + (<usize>(j0 + jj) << 2);
          if (cols == NR) {
            v128.store(d, v128.load(src));
            v128.store(d, v128.load(src, 16), 16);
          } else {
            for (let j = 0; j < NR; j++) store<f32>(d + (<usize>j << 2), j < cols ? load<f32>(src + (<usize>j << 2)) : 0);
          }
        }
      }
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = min(MC, m - i0);
        // op(A): the transpose of the block's im2col rows, one 4-depth panel
        // [kc][4] per tile, written on its segments only. The tiles of one
        // tap share their segments and are packed together, pixel by pixel.
        for (let ii = 0; ii < mc; ) {
          const d0 = i0 + ii;
          const d1 = min(d0 + MR, m);
          const tap = d0 / c;
          const ci = d0 - tap * c;
          const seg = segs + <usize>(ii >> 2) * segStride;
          const nsegs = runSegments(seg + 8, runs, nruns, p0, kc, kw, tap, (d1 - 1) / c);
          store<i32>(seg, nsegs);
          const panel = packedA + <usize>(ii * kc * 4);
          if (ci + MR <= c) {
            // Four depths of one tap a tile: a quad of x per window, all in the image on a segment.
            let group = 1;
            while (ii + (group + 1) * MR <= mc && ci + (group + 1) * MR <= c) group++;
            for (let t = 1; t < group; t++) memory.copy(seg + <usize>t * segStride, seg, <usize>(nsegs + 1) << 3);
            const ky = tap / kw;
            const kx = tap - ky * kw;
            const tapOff = <usize>(((ky * w + kx) * c + ci) * 4);
            const panelBytes = <usize>(kc * MR * 4);
            for (let s = 0; s < nsegs; s++) {
              const off = load<i32>(seg + 8 + (<usize>s << 3));
              const len = load<i32>(seg + 8 + (<usize>s << 3), 4);
              let e = block + <usize>off * ENTRY;
              let d = panel + (<usize>off << 4);
              if (group == 8) {
                // A whole 32-channel tap (the common case), unrolled.
                const p1 = panelBytes;
                const p2 = p1 << 1;
                const p3 = p2 + p1;
                const p4 = p1 << 2;
                for (let i = 0; i < len; i++, e += ENTRY, d += 16) {
                  const src = load<usize>(e) + tapOff;
                  const q0 = v128.load(src);
                  const q1 = v128.load(src, 16);
                  const q2 = v128.load(src, 32);
                  const q3 = v128.load(src, 48);
                  const q4 = v128.load(src, 64);
                  const q5 = v128.load(src, 80);
                  const q6 = v128.load(src, 96);
                  const q7 = v128.load(src, 112);
                  v128.store(d, q0);
                  v128.store(d + p1, q1);
                  v128.store(d + p2, q2);
                  v128.store(d + p3, q3);
                  const d4 = d + p4;
                  v128.store(d4, q4);
                  v128.store(d4 + p1, q5);
                  v128.store(d4 + p2, q6);
                  v128.store(d4 + p3, q7);
                }
                continue;
              }
              for (let i = 0; i < len; i++, e += ENTRY, d += 16) {
                const src = load<usize>(e) + tapOff;
                let dt = d;
                for (let t = 0; t < group; t++, dt += panelBytes) v128.store(dt, v128.load(src + (<usize>t << 4)));
              }
            }
            ii += group * MR;
            continue;
          }
          for (let s = 0; s < nsegs; s++) {
            const off = load<i32>(seg + 8 + (<usize>s << 3));
            const len = load<i32>(seg + 8 + (<usize>s << 3), 4);
            let e = block + <usize>off * ENTRY;
            let d = panel + (<usize>off << 4);
            for (let i = 0; i < len; i++, e += ENTRY, d += 16) {
              const iy = load<i32>(e, 4);
              const ix = load<i32>(e, 8);
              for (let r = 0; r < MR; r++) {
                const dr = d0 + r;
                let v: f32 = 0;
                if (dr < d1) {
                  const t = dr / c;
                  const ky = t / kw;
                  const kx = t - ky * kw;
                  if (<u32>(iy + ky) < <u32>h && <u32>(ix + kx) < <u32>w) {
                    v = load<f32>(load<usize>(e) + <usize>(((ky * w + kx) * c + dr - t * c) * 4));
                  }
                }
                store<f32>(d + (<usize>r << 2), v);
              }
            }
          }
          ii += MR;
        }
        for (let jj = 0; jj < nc; jj += NR) {
          const bp = packedB + <usize>(jj * kc * 4);
          const cols = min(NR, nc - jj);
          let cp = wm + <usize>i0 * ldc + (<usize>(j0 + jj) << 2);
          for (let ii = 0; ii < mc; ii += MR) {
            const seg = segs + <usize>(ii >> 2) * segStride;
            tileKernel(packedA + <usize>(ii * kc * 4), bp, seg + 8, load<i32>(seg), cp, cp + ldc, cp + 2 * ldc, cp + 3 * ldc,
              min(MR, mc - ii), cols, loadC, 0, tile);
            cp += ldc << 2;
          }
        }
      }
    }
  }
}

// ---- few image channels -----------------------------------------------------
// With c < 4 image channels the im2col depth kh·kw·c is a handful (9 for a
// 3×3 window on one channel): too shallow for the 4×8 tile's panels, and the
// adjoint's kh·kw·c columns would fill a third of its 8-wide panels. These
// paths keep each element's sum in the same order and blocks as the tiled
// ones (the adjoint's col rows, the filter gradient's stream blocks).

/**
 * f32_conv2d_nhwc for c < 4 and kh·kw·c ≤ KC (one k block): per pixel, its
 * in-image (tap, channel) terms, listed at `taps` as (x offset from the
 * window origin, wm row offset) byte pairs, times wm rows, f in vectors.
 */
function convFewChannels(
  y: usize, x: usize, wm: usize, bias: usize, n: i32, h: i32, w: i32, c: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, oh: i32, ow: i32, f: i32, accumulate: i32, taps: usize,
  epilogue: i32, alpha: f32, maskDelta: usize,
): void {
  // One loop per case, so that the per-vector bias, accumulate and epilogue
  // tests fold away; the epilogue too for the two one-channel layers of a
  // convolutional autoencoder (a fused ReLU on a biased output, and the
  // input gradient's mask).
  if (!accumulate && bias != 0 && epilogue == EPI_RELU) {
    convFewChannelsBody(true, false, y, x, wm, bias, n, h, w, c, kh, kw, sh, sw, padTop, padLeft, oh, ow, f, taps, EPI_RELU, alpha, maskDelta);
    return;
  }
  if (!accumulate && bias == 0 && epilogue == EPI_MASK) {
    convFewChannelsBody(false, false, y, x, wm, bias, n, h, w, c, kh, kw, sh, sw, padTop, padLeft, oh, ow, f, taps, EPI_MASK, alpha, maskDelta);
    return;
  }
  if (bias != 0) {
    if (accumulate) convFewChannelsBody(true, true, y, x, wm, bias, n, h, w, c, kh, kw, sh, sw, padTop, padLeft, oh, ow, f, taps, epilogue, alpha, maskDelta);
    else convFewChannelsBody(true, false, y, x, wm, bias, n, h, w, c, kh, kw, sh, sw, padTop, padLeft, oh, ow, f, taps, epilogue, alpha, maskDelta);
  } else {
    if (accumulate) convFewChannelsBody(false, true, y, x, wm, bias, n, h, w, c, kh, kw, sh, sw, padTop, padLeft, oh, ow, f, taps, epilogue, alpha, maskDelta);
    else convFewChannelsBody(false, false, y, x, wm, bias, n, h, w, c, kh, kw, sh, sw, padTop, padLeft, oh, ow, f, taps, epilogue, alpha, maskDelta);
  }
}

@inline function convFewChannelsBody(
  withBias: bool, accumulate: bool, y: usize, x: usize, wm: usize, bias: usize, n: i32, h: i32, w: i32, c: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, oh: i32, ow: i32, f: i32, taps: usize,
  epilogue: i32, alpha: f32, maskDelta: usize,
): void {
  const ldw = <usize>f << 2;
  const pixelBytes = <usize>c << 2;
  let yr = y;
  let listedY = -1;
  let listedX = -1;
  let count = 0;
  for (let b = 0; b < n; b++) {
    const image = x + <usize>(b * h * w) * pixelBytes;
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - padTop;
      const ry = tapRange(iy0, kh, h);
      for (let ox = 0; ox < ow; ox++, yr += ldw) {
        const ix0 = ox * sw - padLeft;
        const rx = tapRange(ix0, kw, w);
        // The list depends on the window class alone.
        if (ry != listedY || rx != listedX) {
          listedY = ry;
          listedX = rx;
          count = 0;
          for (let ky = ry & 0xffff; ky < (ry >>> 16); ky++) {
            for (let kx = rx & 0xffff; kx < (rx >>> 16); kx++) {
              for (let ci = 0; ci < c; ci++, count++) {
                store<i32>(taps + (<usize>count << 3), ((ky * w + kx) * c + ci) * 4);
                store<i32>(taps + (<usize>count << 3), ((ky * kw + kx) * c + ci) * f * 4, 4);
              }
            }
          }
        }
        const origin = image + <usize>((iy0 * w + ix0) * c) * 4;
        const end = taps + (<usize>count << 3);
        // Two neighbours of one class share the list and the wm loads, 16 columns at a time.
        if ((f & 15) == 0 && ox + 1 < ow && tapRange(ix0 + sw, kw, w) == rx) {
          const next = <usize>(sw * c) << 2;
          for (let j = 0; j < f; j += 16) {
            let acc00 = f32x4.splat(0);
            let acc01 = f32x4.splat(0);
            let acc02 = f32x4.splat(0);
            let acc03 = f32x4.splat(0);
            let acc10 = f32x4.splat(0);
            let acc11 = f32x4.splat(0);
            let acc12 = f32x4.splat(0);
            let acc13 = f32x4.splat(0);
            const wj = wm + (<usize>j << 2);
            for (let t = taps; t < end; t += 8) {
              const xa = origin + <usize>load<i32>(t);
              const wr = wj + <usize>load<i32>(t, 4);
              const w0 = v128.load(wr);
              const w1 = v128.load(wr, 16);
              const w2 = v128.load(wr, 32);
              const w3 = v128.load(wr, 48);
              let xv = v128.load32_splat(xa);
              acc00 = f32x4.add(acc00, f32x4.mul(xv, w0));
              acc01 = f32x4.add(acc01, f32x4.mul(xv, w1));
              acc02 = f32x4.add(acc02, f32x4.mul(xv, w2));
              acc03 = f32x4.add(acc03, f32x4.mul(xv, w3));
              xv = v128.load32_splat(xa + next);
              acc10 = f32x4.add(acc10, f32x4.mul(xv, w0));
              acc11 = f32x4.add(acc11, f32x4.mul(xv, w1));
              acc12 = f32x4.add(acc12, f32x4.mul(xv, w2));
              acc13 = f32x4.add(acc13, f32x4.mul(xv, w3));
            }
            const out0 = yr + (<usize>j << 2);
            const out1 = out0 + ldw;
            const acc = accumulate ? 1 : 0;
            const bj = bias + (<usize>j << 2);
            finishVector(acc00, out0, acc, withBias ? bj : 0, epilogue, alpha, maskDelta);
            finishVector(acc01, out0 + 16, acc, withBias ? bj + 16 : 0, epilogue, alpha, maskDelta);
            finishVector(acc02, out0 + 32, acc, withBias ? bj + 32 : 0, epilogue, alpha, maskDelta);
            finishVector(acc03, out0 + 48, acc, withBias ? bj + 48 : 0, epilogue, alpha, maskDelta);
            finishVector(acc10, out1, acc, withBias ? bj : 0, epilogue, alpha, maskDelta);
            finishVector(acc11, out1 + 16, acc, withBias ? bj + 16 : 0, epilogue, alpha, maskDelta);
            finishVector(acc12, out1 + 32, acc, withBias ? bj + 32 : 0, epilogue, alpha, maskDelta);
            finishVector(acc13, out1 + 48, acc, withBias ? bj + 48 : 0, epilogue, alpha, maskDelta);
          }
          ox++;
          yr += ldw;
          continue;
        }
        let j = 0;
        for (; j + 32 <= f; j += 32) {
          let acc0 = f32x4.splat(0);
          let acc1 = f32x4.splat(0);
          let acc2 = f32x4.splat(0);
          let acc3 = f32x4.splat(0);
          let acc4 = f32x4.splat(0);
          let acc5 = f32x4.splat(0);
          let acc6 = f32x4.splat(0);
          let acc7 = f32x4.splat(0);
          const wj = wm + (<usize>j << 2);
          for (let t = taps; t < end; t += 8) {
            const xv = v128.load32_splat(origin + <usize>load<i32>(t));
            const wr = wj + <usize>load<i32>(t, 4);
            acc0 = f32x4.add(acc0, f32x4.mul(xv, v128.load(wr)));
            acc1 = f32x4.add(acc1, f32x4.mul(xv, v128.load(wr, 16)));
            acc2 = f32x4.add(acc2, f32x4.mul(xv, v128.load(wr, 32)));
            acc3 = f32x4.add(acc3, f32x4.mul(xv, v128.load(wr, 48)));
            acc4 = f32x4.add(acc4, f32x4.mul(xv, v128.load(wr, 64)));
            acc5 = f32x4.add(acc5, f32x4.mul(xv, v128.load(wr, 80)));
            acc6 = f32x4.add(acc6, f32x4.mul(xv, v128.load(wr, 96)));
            acc7 = f32x4.add(acc7, f32x4.mul(xv, v128.load(wr, 112)));
          }
          const out = yr + (<usize>j << 2);
          const bj = bias + (<usize>j << 2);
          finishVector(acc0, out, accumulate ? 1 : 0, withBias ? bj : 0);
          finishVector(acc1, out + 16, accumulate ? 1 : 0, withBias ? bj + 16 : 0);
          finishVector(acc2, out + 32, accumulate ? 1 : 0, withBias ? bj + 32 : 0);
          finishVector(acc3, out + 48, accumulate ? 1 : 0, withBias ? bj + 48 : 0);
          finishVector(acc4, out + 64, accumulate ? 1 : 0, withBias ? bj + 64 : 0);
          finishVector(acc5, out + 80, accumulate ? 1 : 0, withBias ? bj + 80 : 0);
          finishVector(acc6, out + 96, accumulate ? 1 : 0, withBias ? bj + 96 : 0);
          finishVector(acc7, out + 112, accumulate ? 1 : 0, withBias ? bj + 112 : 0);
        }
        for (; j + 4 <= f; j += 4) {
          let acc = f32x4.splat(0);
          const wj = wm + (<usize>j << 2);
          for (let t = taps; t < end; t += 8) {
            acc = f32x4.add(acc, f32x4.mul(v128.load32_splat(origin + <usize>load<i32>(t)), v128.load(wj + <usize>load<i32>(t, 4))));
          }
          finishVector(acc, yr + (<usize>j << 2), accumulate ? 1 : 0, withBias ? bias + (<usize>j << 2) : 0);
        }
        for (; j < f; j++) {
          let acc: f32 = 0;
          const wj = wm + (<usize>j << 2);
          for (let t = taps; t < end; t += 8) acc = acc + load<f32>(origin + <usize>load<i32>(t)) * load<f32>(wj + <usize>load<i32>(t, 4));
          const out = yr + (<usize>j << 2);
          if (accumulate) acc = load<f32>(out) + acc;
          if (withBias) acc = acc + load<f32>(bias + (<usize>j << 2));
          store<f32>(out, acc);
        }
        if (epilogue != EPI_NONE) applyEpilogue(yr, f, epilogue, alpha, maskDelta);
      }
    }
  }
}

/** applyEpilogue's operations on one vector held in a register, bound for `out`. */
@inline function epilogueVector(v: v128, out: usize, epilogue: i32, alpha: f32, maskDelta: usize): v128 {
  return epilogueOf(v, epilogue, alpha, epilogue == EPI_MASK ? v128.load(out + maskDelta) : f32x4.splat(0));
}

/** out[0..len) = epilogue(out[0..len)) (tile.ts's EPI_*), element by element; the scalar tail as a splat through the same vector operations. */
function applyEpilogue(out: usize, len: i32, epilogue: i32, alpha: f32, maskDelta: usize): void {
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
@inline function finishVector(
  acc: v128, c: usize, accumulate: i32, bias: usize, epilogue: i32 = EPI_NONE, alpha: f32 = 0, maskDelta: usize = 0,
): void {
  if (accumulate) acc = f32x4.add(v128.load(c), acc);
  if (bias != 0) acc = f32x4.add(acc, v128.load(bias));
  if (epilogue != EPI_NONE) acc = epilogueVector(acc, c, epilogue, alpha, maskDelta);
  v128.store(c, acc);
}

/** Columns of the adjoint's col rows computed at once by adjointFewChannels: one accumulator each. */
const COLS = 9;

/**
 * f32_conv2d_nhwc_adjoint (after x is initialized) for c < 4 and f ≤ KC (one
 * k block): four consecutive pixels in the lanes, their p rows transposed to
 * f quads, then COLS col columns at a time, each summed over f in order.
 * The col rows are added into x in pixel order, each in ky, kx order (the
 * order of the reference col2im); but for one channel, a 3×3 window and column
 * stride 2, four neighbours in a row add each kernel row's 9 columns at once
 * (addRun9).
 */
function adjointFewChannels(
  x: usize, p: usize, wm: usize, n: i32, h: i32, w: i32, c: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, oh: i32, ow: i32, f: i32, work: usize,
): void {
  const m = n * oh * ow;
  const k = kh * kw * c;
  const chunks = (k + COLS - 1) / COLS;
  // wp[chunk][fi][t] = wm[chunk·COLS + t, fi], zero past k; pt: f quads; colTile: 4 rows of chunks·COLS.
  const wp = work + PANELS;
  const pt = wp + <usize>(chunks * f * COLS * 4);
  const colTile = pt + <usize>(f * 16);
  const ldt = <usize>(chunks * COLS) << 2;
  const list = colTile + <usize>MR * ldt;
  let listEnd = list;
  let listedY = -1;
  let listedX = -1;
  let qb = 0;
  let qy = 0;
  let qx = 0;
  for (let ch = 0; ch < chunks; ch++) {
    for (let fi = 0; fi < f; fi++) {
      const d = wp + <usize>((ch * f + fi) * COLS * 4);
      for (let t = 0; t < COLS; t++) {
        const j = ch * COLS + t;
        store<f32>(d + (<usize>t << 2), j < k ? load<f32>(wm + <usize>(j * f + fi) * 4) : 0);
      }
    }
  }
  const imageBytes = <usize>(h * w * c) << 2;
  const ldp = <usize>f << 2;
  for (let q0 = 0; q0 < m; q0 += MR) {
    const rows = min(MR, m - q0);
    // Transpose the tile's p rows (missing rows read as zero).
    const s0 = p + <usize>q0 * ldp;
    let fi = 0;
    if (rows == MR) {
      for (; fi + 4 <= f; fi += 4) {
        const o = <usize>fi << 2;
        transpose4(pt + (<usize>fi << 4), 16, v128.load(s0 + o), v128.load(s0 + ldp + o), v128.load(s0 + 2 * ldp + o), v128.load(s0 + 3 * ldp + o));
      }
    }
    for (; fi < f; fi++) {
      const o = <usize>fi << 2;
      for (let r = 0; r < MR; r++) store<f32>(pt + (<usize>fi << 4) + (<usize>r << 2), r < rows ? load<f32>(s0 + <usize>r * ldp + o) : 0);
    }
    // One channel, a 3×3 window at column stride 2, four pixels of one output row inside x's columns.
    const fast = chunks == 1 && c == 1 && kw == 3 && kh == 3 && sw == 2 && rows == MR && qx + MR <= ow &&
      qx * sw - padLeft >= 0 && (qx + MR - 1) * sw - padLeft + kw <= w;
    for (let ch = 0; ch < chunks; ch++) {
      let acc0 = f32x4.splat(0);
      let acc1 = f32x4.splat(0);
      let acc2 = f32x4.splat(0);
      let acc3 = f32x4.splat(0);
      let acc4 = f32x4.splat(0);
      let acc5 = f32x4.splat(0);
      let acc6 = f32x4.splat(0);
      let acc7 = f32x4.splat(0);
      let acc8 = f32x4.splat(0);
      let pq = pt;
      let wq = wp + <usize>(ch * f * COLS * 4);
      // Two passes over f (columns 0-4, then 5-8): nine accumulators at once spill in V8.
      const pq0 = pq;
      const wq0 = wq;
      for (let i = f; i > 0; i--, pq += 16, wq += COLS * 4) {
        const pv = v128.load(pq);
        acc0 = f32x4.add(acc0, f32x4.mul(pv, v128.load32_splat(wq)));
        acc1 = f32x4.add(acc1, f32x4.mul(pv, v128.load32_splat(wq, 4)));
        acc2 = f32x4.add(acc2, f32x4.mul(pv, v128.load32_splat(wq, 8)));
        acc3 = f32x4.add(acc3, f32x4.mul(pv, v128.load32_splat(wq, 12)));
        acc4 = f32x4.add(acc4, f32x4.mul(pv, v128.load32_splat(wq, 16)));
      }
      pq = pq0;
      wq = wq0;
      for (let i = f; i > 0; i--, pq += 16, wq += COLS * 4) {
        const pv = v128.load(pq);
        acc5 = f32x4.add(acc5, f32x4.mul(pv, v128.load32_splat(wq, 20)));
        acc6 = f32x4.add(acc6, f32x4.mul(pv, v128.load32_splat(wq, 24)));
        acc7 = f32x4.add(acc7, f32x4.mul(pv, v128.load32_splat(wq, 28)));
        acc8 = f32x4.add(acc8, f32x4.mul(pv, v128.load32_splat(wq, 32)));
      }
      if (fast) {
        // Four neighbours of one row, all of their window columns in x:
        // each kernel row adds a 9-column run of x at once.
        const ry = tapRange(qy * sh - padTop, kh, h);
        const row = x + <usize>qb * imageBytes + <usize>((qy * sh - padTop) * w + qx * sw - padLeft) * 4;
        const rowBytes = <usize>w << 2;
        if (inRange(ry, 0)) addRun9(row, acc0, acc1, acc2);
        if (inRange(ry, 1)) addRun9(row + rowBytes, acc3, acc4, acc5);
        if (inRange(ry, 2)) addRun9(row + 2 * rowBytes, acc6, acc7, acc8);
        continue;
      }
      const t0 = colTile + <usize>(ch * COLS * 4);
      storeLanes(t0, ldt, acc0);
      storeLanes(t0 + 4, ldt, acc1);
      storeLanes(t0 + 8, ldt, acc2);
      storeLanes(t0 + 12, ldt, acc3);
      storeLanes(t0 + 16, ldt, acc4);
      storeLanes(t0 + 20, ldt, acc5);
      storeLanes(t0 + 24, ldt, acc6);
      storeLanes(t0 + 28, ldt, acc7);
      storeLanes(t0 + 32, ldt, acc8);
    }
    if (fast) {
      qx += MR;
      if (qx == ow) {
        qx = 0;
        if (++qy == oh) {
          qy = 0;
          qb++;
        }
      }
      continue;
    }
    // Add each col row into x: its in-image (tap, channel) terms in ky, kx,
    // ci order, from a list of (x offset from the window origin, col offset)
    // byte pairs that depends on the window class alone.
    for (let r = 0; r < rows; r++) {
      const iy0 = qy * sh - padTop;
      const ix0 = qx * sw - padLeft;
      const ry = tapRange(iy0, kh, h);
      const rx = tapRange(ix0, kw, w);
      if (ry != listedY || rx != listedX) {
        listedY = ry;
        listedX = rx;
        listEnd = list;
        for (let ky = ry & 0xffff; ky < (ry >>> 16); ky++) {
          for (let kx = rx & 0xffff; kx < (rx >>> 16); kx++) {
            for (let ci = 0; ci < c; ci++, listEnd += 8) {
              store<i32>(listEnd, ((ky * w + kx) * c + ci) * 4);
              store<i32>(listEnd, ((ky * kw + kx) * c + ci) * 4, 4);
            }
          }
        }
      }
      const origin = x + <usize>qb * imageBytes + <usize>((iy0 * w + ix0) * c) * 4;
      const src = colTile + <usize>r * ldt;
      for (let t = list; t < listEnd; t += 8) {
        const dst = origin + <usize>load<i32>(t);
        store<f32>(dst, load<f32>(dst) + load<f32>(src + <usize>load<i32>(t, 4)));
      }
      if (++qx == ow) {
        qx = 0;
        if (++qy == oh) {
          qy = 0;
          qb++;
        }
      }
    }
  }
}

/**
 * x[0..9) += the kernel-row contributions of four stride-2 windows with
 * taps a0, a1, a2 (lane r: window r, at columns 2r, 2r + 1, 2r + 2): even
 * columns get a0[r] + a2[r − 1], odd ones a1[r], column 8 a2[3].
 */
@inline function addRun9(d: usize, a0: v128, a1: v128, a2: v128): void {
  const even = f32x4.add(a0, i32x4.shuffle(f32x4.splat(0), a2, 0, 4, 5, 6));
  v128.store(d, f32x4.add(v128.load(d), i32x4.shuffle(even, a1, 0, 4, 1, 5)));
  v128.store(d, f32x4.add(v128.load(d, 16), i32x4.shuffle(even, a1, 2, 6, 3, 7)), 16);
  store<f32>(d, load<f32>(d, 32) + f32x4.extract_lane(a2, 3), 32);
}

/** Lane r of v to d + r·ld. */
@inline function storeLanes(d: usize, ld: usize, v: v128): void {
  store<f32>(d, f32x4.extract_lane(v, 0));
  store<f32>(d + ld, f32x4.extract_lane(v, 1));
  store<f32>(d + 2 * ld, f32x4.extract_lane(v, 2));
  store<f32>(d + 3 * ld, f32x4.extract_lane(v, 3));
}

/**
 * f32_conv2d_nhwc_filter_grad for c < 4, over the pixels in their natural
 * order (not the stream) in k blocks of kBlockDepth(n·oh·ow): per block, the
 * block's im2col entries transposed to kh·kw·c rows (zero outside the
 * image), then two wm rows × 16 columns at a time, each summed over the
 * block's pixels in order.
 */
function filterGradFewChannels(
  wm: usize, x: usize, g: usize, n: i32, h: i32, w: i32, c: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, oh: i32, ow: i32, f: i32, accumulate: i32, work: usize,
): void {
  const m = kh * kw * c;
  const depth = n * oh * ow;
  const kcMax = kBlockDepth(depth);
  const mEven = (m + 1) & ~1;
  const colT = work + PANELS;
  const ldc = <usize>f << 2;
  const ldt = <usize>kcMax << 2;
  const pixelBytes = <usize>c << 2;
  const step = <usize>sw * pixelBytes;
  // A padding row of zeros pairs with the last row when m is odd.
  if (mEven > m) fillRun(colT + <usize>m * ldt, 0, kcMax);
  const pixels = oh * ow;
  for (let p0 = 0; p0 < depth; p0 += kcMax) {
    const kc = min(kcMax, depth - p0);
    // colT, one output row run at a time: pixels [q, q + len) of output row oy of image b.
    for (let q = p0; q < p0 + kc; ) {
      const b = q / pixels;
      const rem = q - b * pixels;
      const oy = rem / ow;
      const ox0 = rem - oy * ow;
      const len = min(ow - ox0, p0 + kc - q);
      const iy0 = oy * sh - padTop;
      let row = colT + (<usize>(q - p0) << 2);
      for (let ky = 0; ky < kh; ky++) {
        const iy = iy0 + ky;
        for (let kx = 0; kx < kw; kx++) {
          // The run's columns whose tap kx is in the image: [lo, hi).
          const ix0 = ox0 * sw - padLeft + kx;
          let lo = 0;
          while (lo < len && ix0 + lo * sw < 0) lo++;
          let hi = len;
          while (hi > lo && ix0 + (hi - 1) * sw >= w) hi--;
          if (<u32>iy >= <u32>h) hi = lo = 0;
          for (let ci = 0; ci < c; ci++, row += ldt) {
            zeroAny(row, lo);
            let src = x + <usize>(((b * h + iy) * w + ix0 + lo * sw) * c + ci) * 4;
            let d = row + (<usize>lo << 2);
            for (let i = lo; i < hi; i++, d += 4, src += step) store<f32>(d, load<f32>(src));
            zeroAny(row + (<usize>hi << 2), len - hi);
          }
        }
      }
      q += len;
    }
    const gb = g + <usize>p0 * ldc;
    const loadC = p0 > 0 || accumulate != 0;
    for (let r = 0; r < m; r += 2) {
      const a0 = colT + <usize>r * ldt;
      const a1 = a0 + ldt;
      const c0 = wm + <usize>r * ldc;
      const c1 = c0 + ldc;
      const two = r + 1 < m;
      let j = 0;
      // The odd last row alone: half the products of pairing it with the zero row.
      if (!two) {
        for (; j + 16 <= f; j += 16) {
          let acc0 = f32x4.splat(0);
          let acc1 = f32x4.splat(0);
          let acc2 = f32x4.splat(0);
          let acc3 = f32x4.splat(0);
          let gp = gb + (<usize>j << 2);
          for (let i = 0; i < kc; i++, gp += ldc) {
            const av = v128.load32_splat(a0 + (<usize>i << 2));
            acc0 = f32x4.add(acc0, f32x4.mul(av, v128.load(gp)));
            acc1 = f32x4.add(acc1, f32x4.mul(av, v128.load(gp, 16)));
            acc2 = f32x4.add(acc2, f32x4.mul(av, v128.load(gp, 32)));
            acc3 = f32x4.add(acc3, f32x4.mul(av, v128.load(gp, 48)));
          }
          const o = <usize>j << 2;
          finishVector(acc0, c0 + o, loadC ? 1 : 0, 0);
          finishVector(acc1, c0 + o + 16, loadC ? 1 : 0, 0);
          finishVector(acc2, c0 + o + 32, loadC ? 1 : 0, 0);
          finishVector(acc3, c0 + o + 48, loadC ? 1 : 0, 0);
        }
      }
      for (; j + 16 <= f; j += 16) {
        let acc00 = f32x4.splat(0);
        let acc01 = f32x4.splat(0);
        let acc02 = f32x4.splat(0);
        let acc03 = f32x4.splat(0);
        let acc10 = f32x4.splat(0);
        let acc11 = f32x4.splat(0);
        let acc12 = f32x4.splat(0);
        let acc13 = f32x4.splat(0);
        let gp = gb + (<usize>j << 2);
        for (let i = 0; i < kc; i++, gp += ldc) {
          const o = <usize>i << 2;
          const g0 = v128.load(gp);
          const g1 = v128.load(gp, 16);
          const g2 = v128.load(gp, 32);
          const g3 = v128.load(gp, 48);
          let av = v128.load32_splat(a0 + o);
          acc00 = f32x4.add(acc00, f32x4.mul(av, g0));
          acc01 = f32x4.add(acc01, f32x4.mul(av, g1));
          acc02 = f32x4.add(acc02, f32x4.mul(av, g2));
          acc03 = f32x4.add(acc03, f32x4.mul(av, g3));
          av = v128.load32_splat(a1 + o);
          acc10 = f32x4.add(acc10, f32x4.mul(av, g0));
          acc11 = f32x4.add(acc11, f32x4.mul(av, g1));
          acc12 = f32x4.add(acc12, f32x4.mul(av, g2));
          acc13 = f32x4.add(acc13, f32x4.mul(av, g3));
        }
        const o = <usize>j << 2;
        finishVector(acc00, c0 + o, loadC ? 1 : 0, 0);
        finishVector(acc01, c0 + o + 16, loadC ? 1 : 0, 0);
        finishVector(acc02, c0 + o + 32, loadC ? 1 : 0, 0);
        finishVector(acc03, c0 + o + 48, loadC ? 1 : 0, 0);
        if (two) {
          finishVector(acc10, c1 + o, loadC ? 1 : 0, 0);
          finishVector(acc11, c1 + o + 16, loadC ? 1 : 0, 0);
          finishVector(acc12, c1 + o + 32, loadC ? 1 : 0, 0);
          finishVector(acc13, c1 + o + 48, loadC ? 1 : 0, 0);
        }
      }
      for (; j + 4 <= f; j += 4) {
        let acc0 = f32x4.splat(0);
        let acc1 = f32x4.splat(0);
        let gp = gb + (<usize>j << 2);
        for (let i = 0; i < kc; i++, gp += ldc) {
          const gv = v128.load(gp);
          acc0 = f32x4.add(acc0, f32x4.mul(v128.load32_splat(a0 + (<usize>i << 2)), gv));
          acc1 = f32x4.add(acc1, f32x4.mul(v128.load32_splat(a1 + (<usize>i << 2)), gv));
        }
        finishVector(acc0, c0 + (<usize>j << 2), loadC ? 1 : 0, 0);
        if (two) finishVector(acc1, c1 + (<usize>j << 2), loadC ? 1 : 0, 0);
      }
      for (; j < f; j++) {
        let acc0: f32 = 0;
        let acc1: f32 = 0;
        let gp = gb + (<usize>j << 2);
        for (let i = 0; i < kc; i++, gp += ldc) {
          const gv = load<f32>(gp);
          acc0 = acc0 + load<f32>(a0 + (<usize>i << 2)) * gv;
          acc1 = acc1 + load<f32>(a1 + (<usize>i << 2)) * gv;
        }
        const o = <usize>j << 2;
        store<f32>(c0 + o, loadC ? load<f32>(c0 + o) + acc0 : acc0);
        if (two) store<f32>(c1 + o, loadC ? load<f32>(c1 + o) + acc1 : acc1);
      }
    }
  }
}
