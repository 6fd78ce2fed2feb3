// The convolution as a product: y[n·oh·ow, f] (+)= im2col(x)·wm (+ bias),
// gemm nn on the im2col matrix with its entries read from the image straight
// into the 4×8 tile (conv-common.ts). Same k blocks as gemm.ts
// (kBlockDepth(kh·kw·c)), hence gemm nn's bits; fewer than 4 image channels
// take conv-few.ts's direct path.
//
// Range: a call computes the output channels [f0, f1) of y (any bounds,
// aligned to no tile): it packs only those columns of wm, and each column's
// elements are summed in the same blocks and order whatever the range.
//
// Workspace: the header (PANELS bytes), the A panel [kc][4], the packed wm
// columns [k][roundUp(f1 − f0, 8)], the pixel stream, the depth segments of a
// tile and the stream's runs; f32_conv2d_nhwc_workspace_bytes bounds it for
// any range.

import { EPI_NONE, MR, NR } from "./tile";
import {
  buildStream, ConvGeometry, ENTRY, kBlockDepth, KC, NOWHERE, packColumns8, PANELS, roundUp, tileKernel, transpose4,
} from "./conv-common";
import { convFewChannels } from "./conv-few";

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

/** Bytes of workspace f32_conv2d_nhwc and _fused need for a geometry, for any range of output channels. */
export function f32_conv2d_nhwc_workspace_bytes(geometry: usize): i32 {
  const g = changetype<ConvGeometry>(geometry);
  const taps = g.kh * g.kw;
  const k = taps * g.c;
  const pixels = g.oh * g.ow;
  // Panel (a k block is never deeper than KC), packed wm, stream and runs (16 bytes a pixel, at most one run
  // per grid pixel), a tile's segments (8 bytes each, at most one per tap); the few-channel path's tap list
  // (8 bytes per term, k ≤ KC) fits in the panel and packed wm.
  return <i32>PANELS + 16 * min(k, KC) + 4 * k * roundUp(g.f, NR) + 16 * (g.n + 1) * pixels + 8 * (taps + 1);
}

/**
 * 1 where f32_conv2d_nhwc and _fused take the few-channel path for this
 * geometry (c < 4, one k block): each output pixel computed on its own, in
 * natural order, so calls on any ranges of whole images give one call's
 * bits; 0 on the tiled path, whose 4-pixel tiles mix the images of a window
 * class.
 */
export function f32_conv2d_nhwc_pixelwise(geometry: usize): i32 {
  return fewChannelPath(changetype<ConvGeometry>(geometry)) ? 1 : 0;
}

// @ts-ignore: decorator
@inline function fewChannelPath(g: ConvGeometry): bool {
  return g.c < MR && g.kh * g.kw * g.c <= KC;
}

/**
 * y[n·oh·ow, f] (+)= im2col(x)·wm (+ bias[f], or bias = 0) on the output
 * channels [f0, f1): gemm nn's bits (but for the sign of an all-zero sum).
 */
export function f32_conv2d_nhwc(
  y: usize, x: usize, wm: usize, bias: usize, geometry: usize, accumulate: i32, f0: i32, f1: i32, work: usize,
): void {
  convImplicit(y, x, wm, bias, changetype<ConvGeometry>(geometry), accumulate, f0, f1, EPI_NONE, 0, 0, work);
}

/**
 * y = epilogue(f32_conv2d_nhwc's y): each element, once final, goes through
 * the epilogue (EPI_*: relu, leaky relu with alpha, or the ReLU-backward mask
 * read from `mask`, an array laid out as y).
 */
export function f32_conv2d_nhwc_fused(
  y: usize, x: usize, wm: usize, bias: usize, geometry: usize, accumulate: i32, f0: i32, f1: i32,
  epilogue: i32, alpha: f32, mask: usize, work: usize,
): void {
  convImplicit(y, x, wm, bias, changetype<ConvGeometry>(geometry), accumulate, f0, f1, epilogue, alpha, mask, work);
}

function convImplicit(
  y: usize, x: usize, wm: usize, bias: usize, g: ConvGeometry, accumulate: i32, f0: i32, f1: i32,
  epilogue: i32, alpha: f32, mask: usize, work: usize,
): void {
  const h = g.h, w = g.w, c = g.c, kw = g.kw, f = g.f;
  const m = g.n * g.oh * g.ow;
  const k = g.kh * kw * c;
  f0 = max(f0, 0);
  f1 = min(f1, f);
  if (m <= 0 || f0 >= f1) return;
  // The mask element of an output element at address a is at a + maskDelta (wrapping).
  const maskDelta: usize = mask - y;
  if (fewChannelPath(g)) {
    convFewChannels(y, x, wm, bias, g, accumulate, f0, f1, work + PANELS, epilogue, alpha, maskDelta);
    return;
  }
  const nf = f1 - f0;
  const kcMax = kBlockDepth(k);
  const fp = roundUp(nf, NR);
  const tile = work;
  const zeros = work + 128;
  const panel = work + PANELS;
  const packedB = panel + <usize>(kcMax * MR * 4);
  const table = packedB + <usize>k * fp * 4;
  const segs = table + <usize>m * ENTRY;
  const runs = segs + <usize>(g.kh * kw + 1) * 8;
  v128.store(zeros, f32x4.splat(0));
  // Columns f0.. of wm, 8-column panels from there (tiles of the range, not of the whole output).
  for (let p0 = 0; p0 < k; p0 += kcMax) {
    packColumns8(packedB + <usize>p0 * fp * 4, wm + (<usize>(p0 * f + f0) << 2), nf, f, min(kcMax, k - p0));
  }
  buildStream(table, runs, x, g);
  const ldc = <usize>f << 2;
  // Output rows and the bias from column f0: tile column j of the range is column f0 + j.
  const y0 = y + (<usize>f0 << 2);
  const bias0: usize = bias != 0 ? bias + (<usize>f0 << 2) : 0;
  for (let s0 = 0; s0 < m; s0 += MR) {
    const rows = min(MR, m - s0);
    const e = table + <usize>s0 * ENTRY;
    const o0 = load<usize>(e);
    const iy0 = load<i32>(e, 4);
    const ix0 = load<i32>(e, 8);
    const r0 = y0 + <usize>load<i32>(e, 12) * ldc;
    const o1 = rows > 1 ? load<usize>(e, 16) : 0;
    const iy1 = rows > 1 ? load<i32>(e, 20) : NOWHERE;
    const ix1 = rows > 1 ? load<i32>(e, 24) : 0;
    const r1 = rows > 1 ? y0 + <usize>load<i32>(e, 28) * ldc : r0;
    const o2 = rows > 2 ? load<usize>(e, 32) : 0;
    const iy2 = rows > 2 ? load<i32>(e, 36) : NOWHERE;
    const ix2 = rows > 2 ? load<i32>(e, 40) : 0;
    const r2 = rows > 2 ? y0 + <usize>load<i32>(e, 44) * ldc : r0;
    const o3 = rows > 3 ? load<usize>(e, 48) : 0;
    const iy3 = rows > 3 ? load<i32>(e, 52) : NOWHERE;
    const ix3 = rows > 3 ? load<i32>(e, 56) : 0;
    const r3 = rows > 3 ? y0 + <usize>load<i32>(e, 60) * ldc : r0;
    for (let p0 = 0; p0 < k; p0 += kcMax) {
      const kc = min(kcMax, k - p0);
      const nsegs = blockSegments(segs, p0, kc, c, kw, h, w, iy0, ix0, iy1, ix1, iy2, ix2, iy3, ix3);
      for (let s = 0; s < nsegs; s++) {
        const k0 = p0 + load<i32>(segs + (<usize>s << 3));
        const k1 = k0 + load<i32>(segs + (<usize>s << 3), 4);
        packWindows(panel, zeros, k0, k1, p0, h, w, c, kw, o0, iy0, ix0, o1, iy1, ix1, o2, iy2, ix2, o3, iy3, ix3);
      }
      const loadC = p0 > 0 || accumulate != 0;
      const blockBias: usize = p0 + kc >= k ? bias0 : 0;
      const bBlock = packedB + <usize>p0 * fp * 4;
      // The last block's write-back finishes the elements: the epilogue goes with it.
      const blockEpilogue = p0 + kc >= k ? epilogue : EPI_NONE;
      for (let j = 0; j < nf; j += NR) {
        const cj = <usize>j << 2;
        tileKernel(panel, bBlock + <usize>(j * kc * 4), segs, nsegs, r0 + cj, r1 + cj, r2 + cj, r3 + cj,
          rows, min(NR, nf - j), loadC, blockBias != 0 ? blockBias + cj : 0, tile, blockEpilogue, alpha, maskDelta);
      }
    }
  }
}
