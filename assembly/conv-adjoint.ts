// The adjoint of the convolution: x[n, h, w, c] (+)= col2im(p·wmᵀ) (+ bias),
// p [n·oh·ow, f]. For c ≥ 4 a gather per pixel of x (adjointGather: no
// scatter, so no element is added to twice); fewer channels take
// conv-few.ts's scatter.
//
// Range: a call computes the input channels [c0, c1) of x (its output's
// innermost axis; any bounds, aligned to no tile). The gather packs only
// those columns of wmᵀ; the scatter adds only their terms, in the order of
// the whole call. The taps, the stream and the blocks are the whole call's.
//
// Workspace (gather): the header, a run of f zeros, the packed wmᵀ columns,
// x's pixel stream, a tile's tap records and a block's, the row and column
// classes and tap tables, then the class cache (AdjointTables) and its tap
// list. f32_conv2d_nhwc_adjoint_workspace_bytes bounds both paths for any range.

import { EPI_NONE, MR, NR } from "./tile";
import {
  applyEpilogue, ConvGeometry, copyAny, ENTRY, fillRun, kBlockDepth, PANELS, roundUp, tileKernelRows,
} from "./conv-common";
import { adjointFewChannels, COLS } from "./conv-few";

/** Bytes of workspace f32_conv2d_nhwc_adjoint and _fused need for a geometry, for any range of input channels. */
export function f32_conv2d_nhwc_adjoint_workspace_bytes(geometry: usize): i32 {
  const g = changetype<ConvGeometry>(geometry);
  const h = g.h, w = g.w, f = g.f;
  const taps = g.kh * g.kw;
  const depth = taps * f;
  // The gather (c ≥ 4): zero run and panels, stream (16 bytes a pixel), tile and block records (24 bytes),
  // class and tap tables, the class cache and its list. The scatter (c < 4): weights in COLS-column chunks,
  // f quads, a 4-row col tile and a tap list.
  const gather = <i32>PANELS + 16 * depth + 4 * depth * roundUp(g.c, NR) + 16 * g.n * h * w + 24 * (3 * taps + 2) +
    8 * (h + w) + 4 * (h * g.kh + w * g.kw) + <i32>offsetof<AdjointTables>() + 8 * taps;
  const chunks = (taps * g.c + COLS - 1) / COLS;
  const few = <i32>PANELS + 4 * COLS * f * chunks + 16 * f + (4 * MR + 8) * COLS * chunks;
  return max(gather, few);
}

/**
 * x[n, h, w, c] (+)= col2im(p·wmᵀ) (+ bias[c] when writing; bias = 0: none)
 * on the input channels [c0, c1), p [n·oh·ow, f]: the adjoint of
 * f32_conv2d_nhwc, computed per pixel of x by adjointGather (c < 4: by
 * adjointFewChannels, x starting from the bias).
 */
export function f32_conv2d_nhwc_adjoint(
  x: usize, p: usize, wm: usize, bias: usize, geometry: usize, accumulate: i32, c0: i32, c1: i32, work: usize,
): void {
  adjointImplicit(x, p, wm, bias, changetype<ConvGeometry>(geometry), accumulate, c0, c1, EPI_NONE, 0, 0, work);
}

/** x = epilogue(f32_conv2d_nhwc_adjoint's x): as f32_conv2d_nhwc_fused, `mask` laid out as x. */
export function f32_conv2d_nhwc_adjoint_fused(
  x: usize, p: usize, wm: usize, bias: usize, geometry: usize, accumulate: i32, c0: i32, c1: i32,
  epilogue: i32, alpha: f32, mask: usize, work: usize,
): void {
  adjointImplicit(x, p, wm, bias, changetype<ConvGeometry>(geometry), accumulate, c0, c1, epilogue, alpha, mask, work);
}

function adjointImplicit(
  x: usize, p: usize, wm: usize, bias: usize, g: ConvGeometry, accumulate: i32, c0: i32, c1: i32,
  epilogue: i32, alpha: f32, mask: usize, work: usize,
): void {
  const c = g.c, f = g.f;
  const pixels = g.n * g.h * g.w;
  c0 = max(c0, 0);
  c1 = min(c1, c);
  if (pixels <= 0 || c0 >= c1) return;
  const maskDelta: usize = mask - x;
  if (c >= MR && f > 0) {
    adjointGather(x, p, wm, bias, g, accumulate, c0, c1, work, epilogue, alpha, maskDelta);
    return;
  }
  const whole = c0 == 0 && c1 == c;
  const pixelBytes = <usize>c << 2;
  const first = x + (<usize>c0 << 2);
  const end = x + <usize>pixels * pixelBytes;
  if (!accumulate) {
    if (whole && bias == 0) fillRun(x, 0, pixels * c);
    else if (whole && c == 1) fillRun(x, load<f32>(bias), pixels);
    else if (bias == 0) for (let px = first; px < end; px += pixelBytes) fillRun(px, 0, c1 - c0);
    else for (let px = first; px < end; px += pixelBytes) copyAny(px, bias + (<usize>c0 << 2), c1 - c0);
  }
  if (f > 0) adjointFewChannels(x, p, wm, g, c0, c1, work);
  // The scatter finishes an element only at the end: one pass over x (over the range's channels of each pixel).
  if (whole) applyEpilogue(x, pixels * c, epilogue, alpha, maskDelta);
  else if (epilogue != EPI_NONE) for (let px = first; px < end; px += pixelBytes) applyEpilogue(px, c1 - c0, epilogue, alpha, maskDelta);
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
 * The tables of adjointGather, and the taps of the last class of four
 * pixels it listed (a cache: consecutive tiles mostly share their class).
 * One record in the workspace.
 */
@unmanaged class AdjointTables {
  rowClass: usize;
  colClass: usize;
  rowTaps: usize;
  colTaps: usize;
  zeros: usize;
  /** (depth offset, p offset from the first tap's row) pairs of the listed class, after this record. */
  classList: usize;
  listed: i32;
  listCount: i32;
  listKy: i32;
  listKx: i32;
}

/** Where a tile row (stream entry e, or none past the stream's end) reads tap (ky, kx). */
@inline function tapSource(t: AdjointTables, g: ConvGeometry, e: usize, present: bool, ky: i32, kx: i32): usize {
  return present ? transposedSource(load<usize>(e), load<i32>(e, 4), load<i32>(e, 8), ky, kx, t.rowTaps, t.colTaps, g.kh, g.kw, g.ow, g.f, t.zeros) : t.zeros;
}

@inline function entryClass(t: AdjointTables, e: usize, present: bool): i32 {
  return present ? pixelClass(t.rowClass, t.colClass, load<i32>(e, 4), load<i32>(e, 8)) : -1;
}

/**
 * The taps that reach any of a tile's pixels (stream entries en, `rows` of
 * them), one 24-byte record each at segs (depth offset, f, the four pixels'
 * p rows or the zero run), in ky, kx order. Returns the record count.
 */
function tileTaps(segs: usize, en: usize, rows: i32, t: AdjointTables, g: ConvGeometry): i32 {
  const kh = g.kh, kw = g.kw, ow = g.ow, f = g.f;
  const taps = kh * kw;
  const e1 = en + ENTRY;
  const e2 = e1 + ENTRY;
  const e3 = e2 + ENTRY;
  const cls = rows == MR ? entryClass(t, en, true) : -1;
  if (cls >= 0 && entryClass(t, e1, true) == cls && entryClass(t, e2, true) == cls && entryClass(t, e3, true) == cls) {
    // Four pixels of one class: the class's taps, each at a fixed offset
    // from the pixel's first p row (the same records as below, fewer lookups).
    if (cls != t.listed) {
      t.listed = cls;
      let count = 0;
      let first = 0;
      const y0 = load<i32>(en, 4);
      const x0 = load<i32>(en, 8);
      for (let tap = 0; tap < taps; tap++) {
        const ty = tap / kw;
        const tx = tap - ty * kw;
        const oy = load<i32>(t.rowTaps + (<usize>(y0 * kh + ty) << 2));
        const ox = load<i32>(t.colTaps + (<usize>(x0 * kw + tx) << 2));
        if (oy < 0 || ox < 0) continue;
        const off = (oy * ow + ox) * f * 4;
        if (count == 0) {
          first = off;
          t.listKy = ty;
          t.listKx = tx;
        }
        const rec = t.classList + (<usize>count << 3);
        store<i32>(rec, tap * f);
        store<i32>(rec, off - first, 4);
        count++;
      }
      t.listCount = count;
    }
    const count = t.listCount;
    if (count > 0) {
      const src0 = tapSource(t, g, en, true, t.listKy, t.listKx);
      const src1 = tapSource(t, g, e1, true, t.listKy, t.listKx);
      const src2 = tapSource(t, g, e2, true, t.listKy, t.listKx);
      const src3 = tapSource(t, g, e3, true, t.listKy, t.listKx);
      for (let i = 0; i < count; i++) {
        const item = t.classList + (<usize>i << 3);
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
    return count;
  }
  let nsegs = 0;
  let ky = 0;
  let kx = 0;
  for (let tap = 0; tap < taps; tap++) {
    const src0 = tapSource(t, g, en, true, ky, kx);
    const src1 = tapSource(t, g, e1, rows > 1, ky, kx);
    const src2 = tapSource(t, g, e2, rows > 2, ky, kx);
    const src3 = tapSource(t, g, e3, rows > 3, ky, kx);
    if (src0 != t.zeros || src1 != t.zeros || src2 != t.zeros || src3 != t.zeros) {
      const rec = segs + <usize>nsegs * 24;
      store<i32>(rec, tap * f);
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
  return nsegs;
}

/**
 * The stream of x's pixels at table: row class, column class, image, row,
 * column; entries (p of the pixel's image, y, x, pixel index).
 */
function adjointStream(table: usize, p: usize, t: AdjointTables, rowClasses: i32, colClasses: i32, g: ConvGeometry): void {
  const h = g.h, w = g.w;
  const imageBytes = <usize>(g.oh * g.ow * g.f) << 2;
  let e = table;
  for (let rc = 0; rc < rowClasses; rc++) {
    for (let cc = 0; cc < colClasses; cc++) {
      for (let b = 0; b < g.n; b++) {
        const pbase = p + <usize>b * imageBytes;
        for (let y = 0; y < h; y++) {
          if (load<i32>(t.rowClass + (<usize>y << 2)) != rc) continue;
          for (let xx = 0; xx < w; xx++) {
            if (load<i32>(t.colClass + (<usize>xx << 2)) != cc) continue;
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
}

/** op(B) [taps·f, c1 − c0] as 8-column panels [taps·f][8]: depth (t, fi), column j holds wm[t·c + c0 + j, fi], zero past c1. */
function packAdjointWeights(packedB: usize, wm: usize, taps: i32, c: i32, f: i32, c0: i32, c1: i32): void {
  const k = taps * f;
  for (let j0 = c0; j0 < c1; j0 += NR) {
    let d = packedB + <usize>((j0 - c0) * k * 4);
    for (let kk = 0; kk < k; kk++, d += 32) {
      const t = kk / f;
      const fi = kk - t * f;
      for (let j = 0; j < NR; j++) {
        const ci = j0 + j;
        store<f32>(d + (<usize>j << 2), ci < c1 ? load<f32>(wm + <usize>((t * c + ci) * f + fi) * 4) : 0);
      }
    }
  }
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
  x: usize, p: usize, wm: usize, bias: usize, g: ConvGeometry, accumulate: i32, c0: i32, c1: i32, work: usize,
  epilogue: i32, alpha: f32, maskDelta: usize,
): void {
  const h = g.h, w = g.w, c = g.c, kh = g.kh, kw = g.kw, f = g.f;
  const m = g.n * h * w;
  const taps = kh * kw;
  const k = taps * f;
  const nc = c1 - c0;
  const tile = work;
  // A run of f zeros, read by pixels a tap does not reach.
  const zeros = work + PANELS;
  const packedB = zeros + <usize>(k * MR * 4);
  const table = packedB + <usize>k * roundUp(nc, NR) * 4;
  const segs = table + <usize>m * ENTRY;
  const blockSegs = segs + <usize>(taps + 1) * 24;
  const t = changetype<AdjointTables>(blockSegs + <usize>(2 * taps + 1) * 24);
  t.rowClass = changetype<usize>(t) + offsetof<AdjointTables>();
  const rowFirst = t.rowClass + (<usize>h << 2);
  t.colClass = rowFirst + (<usize>h << 2);
  const colFirst = t.colClass + (<usize>w << 2);
  t.rowTaps = colFirst + (<usize>w << 2);
  t.colTaps = t.rowTaps + (<usize>(h * kh) << 2);
  t.classList = t.colTaps + (<usize>(w * kw) << 2);
  t.zeros = zeros;
  t.listed = -1;
  fillRun(zeros, 0, f);
  transposedTaps(t.rowTaps, h, kh, g.sh, g.padTop, g.oh);
  transposedTaps(t.colTaps, w, kw, g.sw, g.padLeft, g.ow);
  packAdjointWeights(packedB, wm, taps, c, f, c0, c1);
  const rowClasses = transposedClasses(t.rowClass, rowFirst, h, kh, g.sh, g.padTop, g.oh);
  const colClasses = transposedClasses(t.colClass, colFirst, w, kw, g.sw, g.padLeft, g.ow);
  adjointStream(table, p, t, rowClasses, colClasses, g);
  const ldc = <usize>c << 2;
  // Output rows and the bias from channel c0: tile column j of the range is channel c0 + j.
  const x0 = x + (<usize>c0 << 2);
  const bias0: usize = bias != 0 ? bias + (<usize>c0 << 2) : 0;
  for (let s0 = 0; s0 < m; s0 += MR) {
    const rows = min(MR, m - s0);
    const en = table + <usize>s0 * ENTRY;
    const r0 = x0 + <usize>load<i32>(en, 12) * ldc;
    const r1 = rows > 1 ? x0 + <usize>load<i32>(en, 28) * ldc : r0;
    const r2 = rows > 2 ? x0 + <usize>load<i32>(en, 44) * ldc : r0;
    const r3 = rows > 3 ? x0 + <usize>load<i32>(en, 60) * ldc : r0;
    const nsegs = tileTaps(segs, en, rows, t, g);
    const depth = nsegs * f;
    // Blocks of kBlockDepth(depth) over the listed depths (at least one, for the first write and the bias).
    const blockDepth = depth > 0 ? kBlockDepth(depth) : 0;
    if (blockDepth == depth) {
      // One block: the records are its segments.
      for (let j = 0; j < nc; j += NR) {
        const cj = <usize>j << 2;
        tileKernelRows(segs, nsegs, packedB + <usize>(j * k * 4), r0 + cj, r1 + cj, r2 + cj, r3 + cj,
          rows, min(NR, nc - j), accumulate != 0, bias0 != 0 ? bias0 + cj : 0, tile, epilogue, alpha, maskDelta);
      }
      continue;
    }
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
      const blockBias: usize = done >= depth ? bias0 : 0;
      for (let j = 0; j < nc; j += NR) {
        const cj = <usize>j << 2;
        tileKernelRows(blockSegs, nb, packedB + <usize>(j * k * 4), r0 + cj, r1 + cj, r2 + cj, r3 + cj,
          rows, min(NR, nc - j), loadC, blockBias != 0 ? blockBias + cj : 0, tile, done >= depth ? epilogue : EPI_NONE, alpha, maskDelta);
      }
      first = false;
    }
  }
}
