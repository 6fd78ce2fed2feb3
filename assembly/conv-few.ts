// Few image channels. With c < 4 the im2col depth kh·kw·c is a handful (9
// for a 3×3 window on one channel): too shallow for the 4×8 tile's panels,
// and the adjoint's kh·kw·c columns would fill a third of its 8-wide panels.
// These paths keep each element's sum in the same order and blocks as the
// tiled ones (the adjoint's col rows, the filter gradient's stream blocks),
// and take the same ranges (conv-forward.ts, conv-adjoint.ts,
// conv-filter-grad.ts): a column is computed by the same operations in
// whichever of the vector or scalar loops a range puts it.

import { madd, maddScalar } from "./madd";
import { EPI_MASK, EPI_NONE, EPI_RELU, MR } from "./tile";
import {
  applyEpilogue, ConvGeometry, fillRun, finishVector, inRange, kBlockDepth, PANELS, tapRange, transpose4, zeroAny,
} from "./conv-common";

/**
 * f32_conv2d_nhwc for c < 4 and kh·kw·c ≤ KC (one k block), output channels
 * [f0, f1): per pixel, its in-image (tap, channel) terms, listed at `taps`
 * as (x offset from the window origin, wm row offset) byte pairs, times wm
 * rows, f in vectors.
 */
export function convFewChannels(
  y: usize, x: usize, wm: usize, bias: usize, g: ConvGeometry, accumulate: i32, f0: i32, f1: i32, taps: usize,
  epilogue: i32, alpha: f32, maskDelta: usize,
): void {
  // One loop per case, so that the per-vector bias, accumulate and epilogue
  // tests fold away; the epilogue too for the two one-channel layers of a
  // convolutional autoencoder (a fused ReLU on a biased output, and the
  // input gradient's mask).
  if (!accumulate && bias != 0 && epilogue == EPI_RELU) {
    convFewChannelsBody(true, false, y, x, wm, bias, g, f0, f1, taps, EPI_RELU, alpha, maskDelta);
    return;
  }
  if (!accumulate && bias == 0 && epilogue == EPI_MASK) {
    convFewChannelsBody(false, false, y, x, wm, bias, g, f0, f1, taps, EPI_MASK, alpha, maskDelta);
    return;
  }
  if (bias != 0) {
    if (accumulate) convFewChannelsBody(true, true, y, x, wm, bias, g, f0, f1, taps, epilogue, alpha, maskDelta);
    else convFewChannelsBody(true, false, y, x, wm, bias, g, f0, f1, taps, epilogue, alpha, maskDelta);
  } else {
    if (accumulate) convFewChannelsBody(false, true, y, x, wm, bias, g, f0, f1, taps, epilogue, alpha, maskDelta);
    else convFewChannelsBody(false, false, y, x, wm, bias, g, f0, f1, taps, epilogue, alpha, maskDelta);
  }
}

// @ts-ignore: decorator
@inline function convFewChannelsBody(
  withBias: bool, accumulate: bool, y: usize, x: usize, wm: usize, bias: usize, g: ConvGeometry, f0: i32, f1: i32, taps: usize,
  epilogue: i32, alpha: f32, maskDelta: usize,
): void {
  const n = g.n, h = g.h, w = g.w, c = g.c, kh = g.kh, kw = g.kw, sh = g.sh, sw = g.sw;
  const padTop = g.padTop, padLeft = g.padLeft, oh = g.oh, ow = g.ow, f = g.f;
  const ldw = <usize>f << 2;
  const pixelBytes = <usize>c << 2;
  // Two neighbours at once need whole 16-column groups in the range.
  const paired = ((f1 - f0) & 15) == 0;
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
        // Two neighbours of one class share the list and the wm loads.
        if (paired && ox + 1 < ow && tapRange(ix0 + sw, kw, w) == rx) {
          fewPixelPair(withBias, accumulate, yr, ldw, origin, <usize>(sw * c) << 2, wm, bias, taps, end, f0, f1, epilogue, alpha, maskDelta);
          ox++;
          yr += ldw;
          continue;
        }
        fewPixel(withBias, accumulate, yr, origin, wm, bias, taps, end, f0, f1);
        if (epilogue != EPI_NONE) applyEpilogue(yr + (<usize>f0 << 2), f1 - f0, epilogue, alpha, maskDelta);
      }
    }
  }
}

/** Output rows yr and yr + ldw (windows at origin and origin + next) on columns [f0, f1), 16 at a time, epilogue included. */
// @ts-ignore: decorator
@inline function fewPixelPair(
  withBias: bool, accumulate: bool, yr: usize, ldw: usize, origin: usize, next: usize, wm: usize, bias: usize,
  taps: usize, end: usize, f0: i32, f1: i32, epilogue: i32, alpha: f32, maskDelta: usize,
): void {
  for (let j = f0; j < f1; j += 16) {
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
      acc00 = madd(xv, w0, acc00);
      acc01 = madd(xv, w1, acc01);
      acc02 = madd(xv, w2, acc02);
      acc03 = madd(xv, w3, acc03);
      xv = v128.load32_splat(xa + next);
      acc10 = madd(xv, w0, acc10);
      acc11 = madd(xv, w1, acc11);
      acc12 = madd(xv, w2, acc12);
      acc13 = madd(xv, w3, acc13);
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
}

/** Output row yr (window at origin) on columns [f0, f1): 32, then 4 columns at a time, then one; no epilogue. */
// @ts-ignore: decorator
@inline function fewPixel(
  withBias: bool, accumulate: bool, yr: usize, origin: usize, wm: usize, bias: usize, taps: usize, end: usize, f0: i32, f1: i32,
): void {
  let j = f0;
  for (; j + 32 <= f1; j += 32) {
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
      acc0 = madd(xv, v128.load(wr), acc0);
      acc1 = madd(xv, v128.load(wr, 16), acc1);
      acc2 = madd(xv, v128.load(wr, 32), acc2);
      acc3 = madd(xv, v128.load(wr, 48), acc3);
      acc4 = madd(xv, v128.load(wr, 64), acc4);
      acc5 = madd(xv, v128.load(wr, 80), acc5);
      acc6 = madd(xv, v128.load(wr, 96), acc6);
      acc7 = madd(xv, v128.load(wr, 112), acc7);
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
  for (; j + 4 <= f1; j += 4) {
    let acc = f32x4.splat(0);
    const wj = wm + (<usize>j << 2);
    for (let t = taps; t < end; t += 8) {
      acc = madd(v128.load32_splat(origin + <usize>load<i32>(t)), v128.load(wj + <usize>load<i32>(t, 4)), acc);
    }
    finishVector(acc, yr + (<usize>j << 2), accumulate ? 1 : 0, withBias ? bias + (<usize>j << 2) : 0);
  }
  for (; j < f1; j++) {
    let acc: f32 = 0;
    const wj = wm + (<usize>j << 2);
    for (let t = taps; t < end; t += 8) acc = maddScalar(load<f32>(origin + <usize>load<i32>(t)), load<f32>(wj + <usize>load<i32>(t, 4)), acc);
    const out = yr + (<usize>j << 2);
    if (accumulate) acc = load<f32>(out) + acc;
    if (withBias) acc = acc + load<f32>(bias + (<usize>j << 2));
    store<f32>(out, acc);
  }
}

/** Columns of the adjoint's col rows computed at once by adjointFewChannels: one accumulator each. */
export const COLS = 9;

/**
 * f32_conv2d_nhwc_adjoint (after x is initialized) for c < 4 and f ≤ KC (one
 * k block), input channels [c0, c1): four consecutive pixels in the lanes,
 * their p rows transposed to f quads, then COLS col columns at a time, each
 * summed over f in order. The col rows' terms of the range's channels are
 * added into x in pixel order, each in ky, kx order (the order of the
 * reference col2im); but for one channel, a 3×3 window and column stride 2,
 * four neighbours in a row add each kernel row's 9 columns at once (addRun9).
 */
export function adjointFewChannels(x: usize, p: usize, wm: usize, g: ConvGeometry, c0: i32, c1: i32, work: usize): void {
  const h = g.h, w = g.w, c = g.c, kh = g.kh, kw = g.kw, sh = g.sh, sw = g.sw;
  const padTop = g.padTop, padLeft = g.padLeft, oh = g.oh, ow = g.ow, f = g.f;
  const m = g.n * oh * ow;
  const k = kh * kw * c;
  const chunks = (k + COLS - 1) / COLS;
  // wp[chunk][fi][t] = wm[chunk·COLS + t, fi], zero past k; pt: f quads; colTile: 4 rows of chunks·COLS; list: a class's terms.
  const wp = work + PANELS;
  const pt = wp + <usize>(chunks * f * COLS * 4);
  const colTile = pt + <usize>(f * 16);
  const ldt = <usize>(chunks * COLS) << 2;
  const list = colTile + <usize>MR * ldt;
  packChunkWeights(wp, wm, k, f, chunks);
  const imageBytes = <usize>(h * w * c) << 2;
  const ldp = <usize>f << 2;
  // The scatter's state: the pixel (qb, qy, qx) of the tile's first row, the window class listed and its list's end.
  let qb = 0;
  let qy = 0;
  let qx = 0;
  let listedY = -1;
  let listedX = -1;
  let listEnd = list;
  for (let q0 = 0; q0 < m; q0 += MR) {
    const rows = min(MR, m - q0);
    transposeRows(pt, p + <usize>q0 * ldp, ldp, rows, f);
    // One channel, a 3×3 window at column stride 2, four pixels of one output row inside x's columns.
    const fast = chunks == 1 && c == 1 && kw == 3 && kh == 3 && sw == 2 && rows == MR && qx + MR <= ow &&
      qx * sw - padLeft >= 0 && (qx + MR - 1) * sw - padLeft + kw <= w;
    // Four neighbours of one row, all of their window columns in x: each kernel row adds a 9-column run of x at once.
    const fastRow = x + <usize>qb * imageBytes + <usize>((qy * sh - padTop) * w + qx * sw - padLeft) * 4;
    const ry = tapRange(qy * sh - padTop, kh, h);
    for (let ch = 0; ch < chunks; ch++) chunkColumns(pt, wp, f, ch, colTile, ldt, fast, fastRow, <usize>w << 2, ry);
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
    // Add each col row into x: its in-image (tap, channel) terms of the range in ky, kx, ci order, from a
    // list of (x offset from the window origin, col offset) byte pairs that depends on the window class alone.
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
            for (let ci = c0; ci < c1; ci++, listEnd += 8) {
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

/** wp[chunk][fi][t] = wm[chunk·COLS + t, fi] (wm [k, f]), zero past k. */
function packChunkWeights(wp: usize, wm: usize, k: i32, f: i32, chunks: i32): void {
  for (let ch = 0; ch < chunks; ch++) {
    for (let fi = 0; fi < f; fi++) {
      const d = wp + <usize>((ch * f + fi) * COLS * 4);
      for (let t = 0; t < COLS; t++) {
        const j = ch * COLS + t;
        store<f32>(d + (<usize>t << 2), j < k ? load<f32>(wm + <usize>(j * f + fi) * 4) : 0);
      }
    }
  }
}

/** pt[fi] = the quad (row 0..3 of p at s0, rows ldp bytes apart)[fi]; missing rows read as zero. */
// @ts-ignore: decorator
@inline function transposeRows(pt: usize, s0: usize, ldp: usize, rows: i32, f: i32): void {
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
}

/**
 * The COLS col columns of chunk ch for the tile's four pixels (lanes), each
 * summed over f in order: stored to the col tile, or (fast: the one-channel
 * 3×3 stride-2 case) added into x at row for the kernel rows in range ry.
 */
// @ts-ignore: decorator
@inline function chunkColumns(
  pt: usize, wp: usize, f: i32, ch: i32, colTile: usize, ldt: usize, fast: bool, row: usize, rowBytes: usize, ry: i32,
): void {
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
    acc0 = madd(pv, v128.load32_splat(wq), acc0);
    acc1 = madd(pv, v128.load32_splat(wq, 4), acc1);
    acc2 = madd(pv, v128.load32_splat(wq, 8), acc2);
    acc3 = madd(pv, v128.load32_splat(wq, 12), acc3);
    acc4 = madd(pv, v128.load32_splat(wq, 16), acc4);
  }
  pq = pq0;
  wq = wq0;
  for (let i = f; i > 0; i--, pq += 16, wq += COLS * 4) {
    const pv = v128.load(pq);
    acc5 = madd(pv, v128.load32_splat(wq, 20), acc5);
    acc6 = madd(pv, v128.load32_splat(wq, 24), acc6);
    acc7 = madd(pv, v128.load32_splat(wq, 28), acc7);
    acc8 = madd(pv, v128.load32_splat(wq, 32), acc8);
  }
  if (fast) {
    if (inRange(ry, 0)) addRun9(row, acc0, acc1, acc2);
    if (inRange(ry, 1)) addRun9(row + rowBytes, acc3, acc4, acc5);
    if (inRange(ry, 2)) addRun9(row + 2 * rowBytes, acc6, acc7, acc8);
    return;
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

/**
 * x[0..9) += the kernel-row contributions of four stride-2 windows with
 * taps a0, a1, a2 (lane r: window r, at columns 2r, 2r + 1, 2r + 2): even
 * columns get a0[r] + a2[r − 1], odd ones a1[r], column 8 a2[3].
 */
// @ts-ignore: decorator
@inline function addRun9(d: usize, a0: v128, a1: v128, a2: v128): void {
  const even = f32x4.add(a0, i32x4.shuffle(f32x4.splat(0), a2, 0, 4, 5, 6));
  v128.store(d, f32x4.add(v128.load(d), i32x4.shuffle(even, a1, 0, 4, 1, 5)));
  v128.store(d, f32x4.add(v128.load(d, 16), i32x4.shuffle(even, a1, 2, 6, 3, 7)), 16);
  store<f32>(d, load<f32>(d, 32) + f32x4.extract_lane(a2, 3), 32);
}

/** Lane r of v to d + r·ld. */
// @ts-ignore: decorator
@inline function storeLanes(d: usize, ld: usize, v: v128): void {
  store<f32>(d, f32x4.extract_lane(v, 0));
  store<f32>(d + ld, f32x4.extract_lane(v, 1));
  store<f32>(d + 2 * ld, f32x4.extract_lane(v, 2));
  store<f32>(d + 3 * ld, f32x4.extract_lane(v, 3));
}

/**
 * f32_conv2d_nhwc_filter_grad for c < 4, columns [f0, f1) of wm, over the
 * pixels in their natural order (not the stream) in k blocks of
 * kBlockDepth(n·oh·ow): per block, the block's im2col entries transposed to
 * kh·kw·c rows (zero outside the image), then two wm rows × 16 columns at a
 * time, each summed over the block's pixels in order.
 */
export function filterGradFewChannels(wm: usize, x: usize, gp: usize, g: ConvGeometry, accumulate: i32, f0: i32, f1: i32, work: usize): void {
  const m = g.kh * g.kw * g.c;
  const depth = g.n * g.oh * g.ow;
  const kcMax = kBlockDepth(depth);
  const colT = work + PANELS;
  const ldc = <usize>g.f << 2;
  const ldt = <usize>kcMax << 2;
  for (let p0 = 0; p0 < depth; p0 += kcMax) {
    const kc = min(kcMax, depth - p0);
    transposeBlock(colT, ldt, x, p0, kc, g);
    const gb = gp + <usize>p0 * ldc;
    const loadC = p0 > 0 || accumulate != 0;
    for (let r = 0; r < m; r += 2) {
      const a0 = colT + <usize>r * ldt;
      const c0 = wm + <usize>r * ldc;
      // The odd last row alone: half the products of pairing it with a zero row.
      if (r + 1 < m) rowPairProducts(a0, a0 + ldt, c0, c0 + ldc, gb, ldc, kc, f0, f1, loadC);
      else lastRowProducts(a0, c0, gb, ldc, kc, f0, f1, loadC);
    }
  }
}

/** colT row (ky, kx, ci), ldt bytes apart: the im2col entries of pixels [p0, p0 + kc) (natural order), zero outside the image. */
function transposeBlock(colT: usize, ldt: usize, x: usize, p0: i32, kc: i32, g: ConvGeometry): void {
  const h = g.h, w = g.w, c = g.c, kh = g.kh, kw = g.kw, sh = g.sh, sw = g.sw, ow = g.ow;
  const pixels = g.oh * ow;
  const step = <usize>(sw * c) << 2;
  // One output row run at a time: pixels [q, q + len) of output row oy of image b.
  for (let q = p0; q < p0 + kc; ) {
    const b = q / pixels;
    const rem = q - b * pixels;
    const oy = rem / ow;
    const ox0 = rem - oy * ow;
    const len = min(ow - ox0, p0 + kc - q);
    const iy0 = oy * sh - g.padTop;
    let row = colT + (<usize>(q - p0) << 2);
    for (let ky = 0; ky < kh; ky++) {
      const iy = iy0 + ky;
      for (let kx = 0; kx < kw; kx++) {
        // The run's columns whose tap kx is in the image: [lo, hi).
        const ix0 = ox0 * sw - g.padLeft + kx;
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
}

/** wm rows c0, c1 (+)= colT rows a0, a1 · the block's g rows (gb, ldc bytes apart), columns [f0, f1): 16, 4, then 1 at a time. */
function rowPairProducts(a0: usize, a1: usize, c0: usize, c1: usize, gb: usize, ldc: usize, kc: i32, f0: i32, f1: i32, loadC: bool): void {
  const acc = loadC ? 1 : 0;
  let j = f0;
  for (; j + 16 <= f1; j += 16) {
    let acc00 = f32x4.splat(0);
    let acc01 = f32x4.splat(0);
    let acc02 = f32x4.splat(0);
    let acc03 = f32x4.splat(0);
    let acc10 = f32x4.splat(0);
    let acc11 = f32x4.splat(0);
    let acc12 = f32x4.splat(0);
    let acc13 = f32x4.splat(0);
    let gq = gb + (<usize>j << 2);
    for (let i = 0; i < kc; i++, gq += ldc) {
      const o = <usize>i << 2;
      const g0 = v128.load(gq);
      const g1 = v128.load(gq, 16);
      const g2 = v128.load(gq, 32);
      const g3 = v128.load(gq, 48);
      let av = v128.load32_splat(a0 + o);
      acc00 = madd(av, g0, acc00);
      acc01 = madd(av, g1, acc01);
      acc02 = madd(av, g2, acc02);
      acc03 = madd(av, g3, acc03);
      av = v128.load32_splat(a1 + o);
      acc10 = madd(av, g0, acc10);
      acc11 = madd(av, g1, acc11);
      acc12 = madd(av, g2, acc12);
      acc13 = madd(av, g3, acc13);
    }
    const o = <usize>j << 2;
    finishVector(acc00, c0 + o, acc, 0);
    finishVector(acc01, c0 + o + 16, acc, 0);
    finishVector(acc02, c0 + o + 32, acc, 0);
    finishVector(acc03, c0 + o + 48, acc, 0);
    finishVector(acc10, c1 + o, acc, 0);
    finishVector(acc11, c1 + o + 16, acc, 0);
    finishVector(acc12, c1 + o + 32, acc, 0);
    finishVector(acc13, c1 + o + 48, acc, 0);
  }
  for (; j + 4 <= f1; j += 4) {
    let acc0 = f32x4.splat(0);
    let acc1 = f32x4.splat(0);
    let gq = gb + (<usize>j << 2);
    for (let i = 0; i < kc; i++, gq += ldc) {
      const gv = v128.load(gq);
      acc0 = madd(v128.load32_splat(a0 + (<usize>i << 2)), gv, acc0);
      acc1 = madd(v128.load32_splat(a1 + (<usize>i << 2)), gv, acc1);
    }
    finishVector(acc0, c0 + (<usize>j << 2), acc, 0);
    finishVector(acc1, c1 + (<usize>j << 2), acc, 0);
  }
  for (; j < f1; j++) {
    let acc0: f32 = 0;
    let acc1: f32 = 0;
    let gq = gb + (<usize>j << 2);
    for (let i = 0; i < kc; i++, gq += ldc) {
      const gv = load<f32>(gq);
      acc0 = maddScalar(load<f32>(a0 + (<usize>i << 2)), gv, acc0);
      acc1 = maddScalar(load<f32>(a1 + (<usize>i << 2)), gv, acc1);
    }
    const o = <usize>j << 2;
    store<f32>(c0 + o, loadC ? load<f32>(c0 + o) + acc0 : acc0);
    store<f32>(c1 + o, loadC ? load<f32>(c1 + o) + acc1 : acc1);
  }
}

/** rowPairProducts for one row (the odd last): 16, 4, then 1 column at a time. */
function lastRowProducts(a0: usize, c0: usize, gb: usize, ldc: usize, kc: i32, f0: i32, f1: i32, loadC: bool): void {
  const acc = loadC ? 1 : 0;
  let j = f0;
  for (; j + 16 <= f1; j += 16) {
    let acc0 = f32x4.splat(0);
    let acc1 = f32x4.splat(0);
    let acc2 = f32x4.splat(0);
    let acc3 = f32x4.splat(0);
    let gq = gb + (<usize>j << 2);
    for (let i = 0; i < kc; i++, gq += ldc) {
      const av = v128.load32_splat(a0 + (<usize>i << 2));
      acc0 = madd(av, v128.load(gq), acc0);
      acc1 = madd(av, v128.load(gq, 16), acc1);
      acc2 = madd(av, v128.load(gq, 32), acc2);
      acc3 = madd(av, v128.load(gq, 48), acc3);
    }
    const o = <usize>j << 2;
    finishVector(acc0, c0 + o, acc, 0);
    finishVector(acc1, c0 + o + 16, acc, 0);
    finishVector(acc2, c0 + o + 32, acc, 0);
    finishVector(acc3, c0 + o + 48, acc, 0);
  }
  for (; j + 4 <= f1; j += 4) {
    let acc0 = f32x4.splat(0);
    let gq = gb + (<usize>j << 2);
    for (let i = 0; i < kc; i++, gq += ldc) acc0 = madd(v128.load32_splat(a0 + (<usize>i << 2)), v128.load(gq), acc0);
    finishVector(acc0, c0 + (<usize>j << 2), acc, 0);
  }
  for (; j < f1; j++) {
    let acc0: f32 = 0;
    let gq = gb + (<usize>j << 2);
    for (let i = 0; i < kc; i++, gq += ldc) acc0 = maddScalar(load<f32>(a0 + (<usize>i << 2)), load<f32>(gq), acc0);
    const o = <usize>j << 2;
    store<f32>(c0 + o, loadC ? load<f32>(c0 + o) + acc0 : acc0);
  }
}
