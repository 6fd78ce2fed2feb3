// The filter gradient: wm[kh·kw·c, f] (+)= im2col(x)ᵀ·g, g [n·oh·ow, f]:
// gemm tn with the pixel stream (conv-common.ts) as the depth of the
// product, k blocks of kBlockDepth(n·oh·ow) stream positions; fewer than 4
// image channels take conv-few.ts's direct path.
//
// Range: a call computes the columns [f0, f1) of wm (the output channels
// the gradient sums into, never a part of the batch it sums over; any
// bounds, aligned to no tile): it packs only those columns of g, and every
// element is summed over the whole stream in the whole call's blocks.
//
// Workspace: the header, the A panels of an MC block, the B panels of an NC
// block, the pixel stream, its runs, then each 4-row tile's segments;
// f32_conv2d_nhwc_filter_grad_workspace_bytes bounds both paths for any range.

import { MR, NR } from "./tile";
import {
  buildStream, ConvGeometry, ENTRY, fillRun, inRange, kBlockDepth, MC, NC, PANELS, roundUp, RUN, tileKernel,
} from "./conv-common";
import { filterGradFewChannels } from "./conv-few";

/** Bytes of workspace f32_conv2d_nhwc_filter_grad needs for a geometry, for any range of output channels. */
export function f32_conv2d_nhwc_filter_grad_workspace_bytes(geometry: usize): i32 {
  const g = changetype<ConvGeometry>(geometry);
  const k = g.kh * g.kw * g.c;
  const pixels = g.oh * g.ow;
  // Tiled panels, or (c < 4) the block's transposed im2col rows; then the stream (16 bytes a pixel), its
  // runs (at most one per grid pixel) and the tiles' segments (8 bytes per run and tile of an MC block).
  const kc = min(g.n * pixels, 256);
  const panels = max(4 * kc * min(roundUp(k, MR), MC) + 4 * kc * min(roundUp(g.f, NR), NC), 4 * kc * (roundUp(k, 2) + g.f));
  return <i32>PANELS + panels + 16 * (g.n + 1) * pixels + 128 * (pixels + 1);
}

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
 * wm[kh·kw·c, f] (+)= im2col(x)ᵀ·g, g [n·oh·ow, f], on the columns [f0, f1)
 * of wm. For each 4-depth tile, only the stream segments whose windows have
 * its taps in the image are multiplied.
 */
export function f32_conv2d_nhwc_filter_grad(
  wm: usize, x: usize, gp: usize, geometry: usize, accumulate: i32, f0: i32, f1: i32, work: usize,
): void {
  const g = changetype<ConvGeometry>(geometry);
  const c = g.c, f = g.f;
  const m = g.kh * g.kw * c;
  const depth = g.n * g.oh * g.ow;
  f0 = max(f0, 0);
  f1 = min(f1, f);
  if (m <= 0 || f0 >= f1) return;
  if (depth <= 0) {
    if (!accumulate) for (let r = 0; r < m; r++) fillRun(wm + (<usize>(r * f + f0) << 2), 0, f1 - f0);
    return;
  }
  if (c < MR) {
    filterGradFewChannels(wm, x, gp, g, accumulate, f0, f1, work);
    return;
  }
  const kcMax = kBlockDepth(depth);
  const mcMax = min(roundUp(m, MR), MC);
  const tile = work;
  const packedA = work + PANELS;
  const packedB = packedA + <usize>(kcMax * mcMax * 4);
  const table = packedB + <usize>(kcMax * min(roundUp(f, NR), NC) * 4);
  const runs = table + <usize>depth * ENTRY;
  const nruns = buildStream(table, runs, x, g);
  // Segments of each 4-depth tile of an MC block.
  const segStride = <usize>(nruns + 1) << 3;
  const segs = runs + <usize>nruns * RUN;
  const ldc = <usize>f << 2;
  for (let p0 = 0; p0 < depth; p0 += kcMax) {
    const kc = min(kcMax, depth - p0);
    const block = table + <usize>p0 * ENTRY;
    const loadC = p0 > 0 || accumulate != 0;
    for (let j0 = f0; j0 < f1; j0 += NC) {
      const nc = min(NC, f1 - j0);
      packStreamRows(packedB, block, gp + (<usize>j0 << 2), ldc, nc, kc);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = min(MC, m - i0);
        // op(A): the transpose of the block's im2col rows, one 4-depth panel
        // [kc][4] per tile, written on its segments only.
        for (let ii = 0; ii < mc; ) {
          ii += packTapTiles(packedA, segs, segStride, runs, nruns, block, p0, kc, i0, ii, mc, g);
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

/** op(B): 8-column panels [kc][8] of nc columns of the rows of g (from its column at gj) in stream order; the last zero-padded. */
function packStreamRows(packedB: usize, block: usize, gj: usize, ldc: usize, nc: i32, kc: i32): void {
  for (let jj = 0; jj < nc; jj += NR) {
    const cols = min(NR, nc - jj);
    let d = packedB + <usize>(jj * kc * 4);
    let e = block;
    for (let i = 0; i < kc; i++, e += ENTRY, d += 32) {
      const src = gj + <usize>load<i32>(e, 12) * ldc + (<usize>jj << 2);
      if (cols == NR) {
        v128.store(d, v128.load(src));
        v128.store(d, v128.load(src, 16), 16);
      } else {
        for (let j = 0; j < NR; j++) store<f32>(d + (<usize>j << 2), j < cols ? load<f32>(src + (<usize>j << 2)) : 0);
      }
    }
  }
}

/**
 * Packs the A panel of tile ii of MC block i0 (depths i0 + ii.. of wm) and
 * its segments, or, where four depths of one tap make a tile, the tiles of
 * that tap together (they share their segments), pixel by pixel. Returns
 * the rows of the block it packed.
 */
function packTapTiles(
  packedA: usize, segs: usize, segStride: usize, runs: usize, nruns: i32, block: usize, p0: i32, kc: i32,
  i0: i32, ii: i32, mc: i32, g: ConvGeometry,
): i32 {
  const c = g.c, kw = g.kw;
  const m = g.kh * kw * c;
  const d0 = i0 + ii;
  const d1 = min(d0 + MR, m);
  const tap = d0 / c;
  const ci = d0 - tap * c;
  const seg = segs + <usize>(ii >> 2) * segStride;
  const nsegs = runSegments(seg + 8, runs, nruns, p0, kc, kw, tap, (d1 - 1) / c);
  store<i32>(seg, nsegs);
  const panel = packedA + <usize>(ii * kc * 4);
  if (ci + MR > c) {
    packMixedTile(panel, seg, nsegs, block, d0, d1, g);
    return MR;
  }
  // Four depths of one tap a tile: a quad of x per window, all in the image on a segment.
  let group = 1;
  while (ii + (group + 1) * MR <= mc && ci + (group + 1) * MR <= c) group++;
  for (let t = 1; t < group; t++) memory.copy(seg + <usize>t * segStride, seg, <usize>(nsegs + 1) << 3);
  const ky = tap / kw;
  const kx = tap - ky * kw;
  const tapOff = <usize>(((ky * g.w + kx) * c + ci) * 4);
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
  return group * MR;
}

/** A tile whose four depths [d0, d1) span two taps (or run past m): element by element, zero outside the image. */
function packMixedTile(panel: usize, seg: usize, nsegs: i32, block: usize, d0: i32, d1: i32, g: ConvGeometry): void {
  const h = g.h, w = g.w, c = g.c, kw = g.kw;
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
}
