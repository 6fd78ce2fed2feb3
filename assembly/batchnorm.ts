// Batch normalization of a [rows, cols] matrix: cols channels, every other
// axis flattened into rows (N·H·W for NHWC images, N for dense features).
// Per-channel sums run in f64 over rows 0..rows-1 in order (f32 products of
// two f32 values are exact in f64): blocks of ROWS_BLOCK rows, eight channels
// at a time in registers, their accumulators carried in `work` from block to
// block, so each channel still adds its rows in order. Element math is f32,
// two channels (sums) or four (elementwise) per vector, with a scalar tail
// doing the same IEEE operations, so a channel's bits never depend on which
// loop handled it.
//
// Ranges, part of the ABI: every kernel here computes only the channels
// [c0, c1) (clamped to [0, cols), an empty range doing nothing) and neither
// reads nor writes the outputs' other channels. A channel's operations and
// their order are the same whatever range holds it (the loops above give it
// the same bits alone or in a group), so calls on any partition of the
// channels give the bits of one call, and disjoint ranges may run at once on
// one memory, each with its own work.
//
// work: 16·cols bytes of scratch for every kernel here (any range), indexed
// by channel.

function zeroF64(p: usize, n: i32): void {
  memory.fill(p, 0, <usize>n << 3);
}

/** c clamped to [0, cols]. */
@inline function clampChannel(c: i32, cols: i32): i32 {
  return min(max(c, 0), cols);
}

/** Rows per block of the sums: a block of a few dozen channels stays in L1 while each group of eight passes over it. */
const ROWS_BLOCK = 128;

/** The f64 widening of the f32 pair at p. */
@inline function widened(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

/**
 * acc[c] += x[r, c] (squares = false) or (x[r, c] − center[c])² (squares =
 * true), in f64, over rows [r0, r1) in order, for the channels [c0, c1).
 */
@inline function addRows(acc: usize, center: usize, x: usize, r0: i32, r1: i32, cols: i32, c0: i32, c1: i32, squares: bool): void {
  const rowBytes = <usize>cols << 2;
  let j = c0;
  for (; j + 8 <= c1; j += 8) {
    const a = acc + (<usize>j << 3);
    let s0 = v128.load(a);
    let s1 = v128.load(a, 16);
    let s2 = v128.load(a, 32);
    let s3 = v128.load(a, 48);
    const m = center + (<usize>j << 3);
    const m0 = squares ? v128.load(m) : f64x2.splat(0);
    const m1 = squares ? v128.load(m, 16) : f64x2.splat(0);
    const m2 = squares ? v128.load(m, 32) : f64x2.splat(0);
    const m3 = squares ? v128.load(m, 48) : f64x2.splat(0);
    let row = x + <usize>r0 * rowBytes + (<usize>j << 2);
    for (let r = r0; r < r1; r++, row += rowBytes) {
      if (squares) {
        const d0 = f64x2.sub(widened(row), m0);
        const d1 = f64x2.sub(widened(row + 8), m1);
        const d2 = f64x2.sub(widened(row + 16), m2);
        const d3 = f64x2.sub(widened(row + 24), m3);
        s0 = f64x2.add(s0, f64x2.mul(d0, d0));
        s1 = f64x2.add(s1, f64x2.mul(d1, d1));
        s2 = f64x2.add(s2, f64x2.mul(d2, d2));
        s3 = f64x2.add(s3, f64x2.mul(d3, d3));
      } else {
        s0 = f64x2.add(s0, widened(row));
        s1 = f64x2.add(s1, widened(row + 8));
        s2 = f64x2.add(s2, widened(row + 16));
        s3 = f64x2.add(s3, widened(row + 24));
      }
    }
    v128.store(a, s0);
    v128.store(a, s1, 16);
    v128.store(a, s2, 32);
    v128.store(a, s3, 48);
  }
  for (; j + 2 <= c1; j += 2) {
    const a = acc + (<usize>j << 3);
    let s0 = v128.load(a);
    const m0 = squares ? v128.load(center + (<usize>j << 3)) : f64x2.splat(0);
    let row = x + <usize>r0 * rowBytes + (<usize>j << 2);
    for (let r = r0; r < r1; r++, row += rowBytes) {
      if (squares) {
        const d = f64x2.sub(widened(row), m0);
        s0 = f64x2.add(s0, f64x2.mul(d, d));
      } else {
        s0 = f64x2.add(s0, widened(row));
      }
    }
    v128.store(a, s0);
  }
  for (; j < c1; j++) {
    const a = acc + (<usize>j << 3);
    let s0 = load<f64>(a);
    const m0 = squares ? load<f64>(center + (<usize>j << 3)) : 0;
    let row = x + <usize>r0 * rowBytes + (<usize>j << 2);
    for (let r = r0; r < r1; r++, row += rowBytes) {
      if (squares) {
        const d = <f64>load<f32>(row) - m0;
        s0 = s0 + d * d;
      } else {
        s0 = s0 + <f64>load<f32>(row);
      }
    }
    store<f64>(a, s0);
  }
}

/**
 * mean[c], variance[c] (f32) of the columns c in [c0, c1) of x[rows, cols]:
 * two passes in f64, the biased (population) variance Σ(x − mean)² / rows.
 */
export function f32_batchnorm_stats(mean: usize, variance: usize, x: usize, rows: i32, cols: i32, c0: i32, c1: i32, work: usize): void {
  c0 = clampChannel(c0, cols);
  c1 = clampChannel(c1, cols);
  if (c0 >= c1) return;
  const sums = work;
  const squares = work + (<usize>cols << 3);
  zeroF64(sums + (<usize>c0 << 3), c1 - c0);
  zeroF64(squares + (<usize>c0 << 3), c1 - c0);
  for (let r0 = 0; r0 < rows; r0 += ROWS_BLOCK) addRows(sums, 0, x, r0, min(rows, r0 + ROWS_BLOCK), cols, c0, c1, false);
  const n = <f64>rows;
  for (let j = c0; j < c1; j++) {
    const a = sums + (<usize>j << 3);
    store<f64>(a, load<f64>(a) / n);
  }
  for (let r0 = 0; r0 < rows; r0 += ROWS_BLOCK) addRows(squares, sums, x, r0, min(rows, r0 + ROWS_BLOCK), cols, c0, c1, true);
  for (let j = c0; j < c1; j++) {
    store<f32>(mean + (<usize>j << 2), <f32>load<f64>(sums + (<usize>j << 3)));
    store<f32>(variance + (<usize>j << 2), <f32>(load<f64>(squares + (<usize>j << 3)) / n));
  }
}

/**
 * invstd[c] = 1 / sqrt(variance[c] + eps), then
 * y = ((x − mean)·invstd)·gamma + beta per element, for the channels c in
 * [c0, c1). In place (y = x) allowed.
 */
export function f32_batchnorm_forward(
  y: usize, invstd: usize, x: usize, mean: usize, variance: usize, gamma: usize, beta: usize,
  eps: f32, rows: i32, cols: i32, c0: i32, c1: i32,
): void {
  c0 = clampChannel(c0, cols);
  c1 = clampChannel(c1, cols);
  if (c0 >= c1) return;
  for (let j = c0; j < c1; j++) {
    const o = <usize>j << 2;
    store<f32>(invstd + o, <f32>1 / Mathf.sqrt(load<f32>(variance + o) + eps));
  }
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowBytes;
    const yr = y + <usize>r * rowBytes;
    let j = c0;
    for (; j + 4 <= c1; j += 4) {
      const o = <usize>j << 2;
      const xhat = f32x4.mul(f32x4.sub(v128.load(xr + o), v128.load(mean + o)), v128.load(invstd + o));
      v128.store(yr + o, f32x4.add(f32x4.mul(xhat, v128.load(gamma + o)), v128.load(beta + o)));
    }
    for (; j < c1; j++) {
      const o = <usize>j << 2;
      const xhat = (load<f32>(xr + o) - load<f32>(mean + o)) * load<f32>(invstd + o);
      store<f32>(yr + o, xhat * load<f32>(gamma + o) + load<f32>(beta + o));
    }
  }
}

/**
 * sumDy[c] = Σ dy and sumDyXhat[c] = Σ dy·xhat over rows, xhat = (x − mean)·invstd
 * computed as in the forward: the gradients of beta and gamma, for the
 * channels c in [c0, c1).
 */
export function f32_batchnorm_backward_sums(
  sumDy: usize, sumDyXhat: usize, dy: usize, x: usize, mean: usize, invstd: usize, rows: i32, cols: i32,
  c0: i32, c1: i32, work: usize,
): void {
  c0 = clampChannel(c0, cols);
  c1 = clampChannel(c1, cols);
  if (c0 >= c1) return;
  const accDy = work;
  const accDyXhat = work + (<usize>cols << 3);
  zeroF64(accDy + (<usize>c0 << 3), c1 - c0);
  zeroF64(accDyXhat + (<usize>c0 << 3), c1 - c0);
  const rowBytes = <usize>cols << 2;
  for (let r0 = 0; r0 < rows; r0 += ROWS_BLOCK) {
    const r1 = min(rows, r0 + ROWS_BLOCK);
    let j = c0;
    // Eight, then four channels at a time: xhat in f32 as the forward computes it, the sums in f64.
    for (; j + 8 <= c1; j += 8) {
      const o = <usize>j << 2;
      const a = accDy + (<usize>j << 3);
      const b = accDyXhat + (<usize>j << 3);
      let g0 = v128.load(a);
      let g1 = v128.load(a, 16);
      let g2 = v128.load(a, 32);
      let g3 = v128.load(a, 48);
      let h0 = v128.load(b);
      let h1 = v128.load(b, 16);
      let h2 = v128.load(b, 32);
      let h3 = v128.load(b, 48);
      let xr = x + <usize>r0 * rowBytes + o;
      let dyr = dy + <usize>r0 * rowBytes + o;
      for (let r = r0; r < r1; r++, xr += rowBytes, dyr += rowBytes) {
        const xa = f32x4.mul(f32x4.sub(v128.load(xr), v128.load(mean + o)), v128.load(invstd + o));
        const xb = f32x4.mul(f32x4.sub(v128.load(xr, 16), v128.load(mean + o, 16)), v128.load(invstd + o, 16));
        const da = v128.load(dyr);
        const db = v128.load(dyr, 16);
        const d0 = f64x2.promote_low_f32x4(da);
        const d1 = f64x2.promote_low_f32x4(i32x4.shuffle(da, da, 2, 3, 2, 3));
        const d2 = f64x2.promote_low_f32x4(db);
        const d3 = f64x2.promote_low_f32x4(i32x4.shuffle(db, db, 2, 3, 2, 3));
        g0 = f64x2.add(g0, d0);
        g1 = f64x2.add(g1, d1);
        g2 = f64x2.add(g2, d2);
        g3 = f64x2.add(g3, d3);
        h0 = f64x2.add(h0, f64x2.mul(d0, f64x2.promote_low_f32x4(xa)));
        h1 = f64x2.add(h1, f64x2.mul(d1, f64x2.promote_low_f32x4(i32x4.shuffle(xa, xa, 2, 3, 2, 3))));
        h2 = f64x2.add(h2, f64x2.mul(d2, f64x2.promote_low_f32x4(xb)));
        h3 = f64x2.add(h3, f64x2.mul(d3, f64x2.promote_low_f32x4(i32x4.shuffle(xb, xb, 2, 3, 2, 3))));
      }
      v128.store(a, g0);
      v128.store(a, g1, 16);
      v128.store(a, g2, 32);
      v128.store(a, g3, 48);
      v128.store(b, h0);
      v128.store(b, h1, 16);
      v128.store(b, h2, 32);
      v128.store(b, h3, 48);
    }
    for (; j + 4 <= c1; j += 4) {
      const o = <usize>j << 2;
      const a = accDy + (<usize>j << 3);
      const b = accDyXhat + (<usize>j << 3);
      let g0 = v128.load(a);
      let g1 = v128.load(a, 16);
      let h0 = v128.load(b);
      let h1 = v128.load(b, 16);
      const m = v128.load(mean + o);
      const k = v128.load(invstd + o);
      let xr = x + <usize>r0 * rowBytes + o;
      let dyr = dy + <usize>r0 * rowBytes + o;
      for (let r = r0; r < r1; r++, xr += rowBytes, dyr += rowBytes) {
        const xhat = f32x4.mul(f32x4.sub(v128.load(xr), m), k);
        const d = v128.load(dyr);
        const dLo = f64x2.promote_low_f32x4(d);
        const dHi = f64x2.promote_low_f32x4(i32x4.shuffle(d, d, 2, 3, 2, 3));
        g0 = f64x2.add(g0, dLo);
        g1 = f64x2.add(g1, dHi);
        h0 = f64x2.add(h0, f64x2.mul(dLo, f64x2.promote_low_f32x4(xhat)));
        h1 = f64x2.add(h1, f64x2.mul(dHi, f64x2.promote_low_f32x4(i32x4.shuffle(xhat, xhat, 2, 3, 2, 3))));
      }
      v128.store(a, g0);
      v128.store(a, g1, 16);
      v128.store(b, h0);
      v128.store(b, h1, 16);
    }
    for (; j < c1; j++) {
      const o = <usize>j << 2;
      const a = accDy + (<usize>j << 3);
      const b = accDyXhat + (<usize>j << 3);
      let g = load<f64>(a);
      let hs = load<f64>(b);
      const m = load<f32>(mean + o);
      const k = load<f32>(invstd + o);
      let xr = x + <usize>r0 * rowBytes + o;
      let dyr = dy + <usize>r0 * rowBytes + o;
      for (let r = r0; r < r1; r++, xr += rowBytes, dyr += rowBytes) {
        const xhat = (load<f32>(xr) - m) * k;
        const d = <f64>load<f32>(dyr);
        g = g + d;
        hs = hs + d * <f64>xhat;
      }
      store<f64>(a, g);
      store<f64>(b, hs);
    }
  }
  for (let j = c0; j < c1; j++) {
    store<f32>(sumDy + (<usize>j << 2), <f32>load<f64>(accDy + (<usize>j << 3)));
    store<f32>(sumDyXhat + (<usize>j << 2), <f32>load<f64>(accDyXhat + (<usize>j << 3)));
  }
}

/**
 * dx (+)= k·((dy − a) − xhat·b) with k = gamma·invstd and, in training mode
 * (statistics from the batch), a = sumDy / rows, b = sumDyXhat / rows; in
 * inference mode (fixed statistics) a = b = 0, so dx = k·dy; for the
 * channels [c0, c1).
 */
export function f32_batchnorm_backward(
  dx: usize, dy: usize, x: usize, mean: usize, invstd: usize, gamma: usize, sumDy: usize, sumDyXhat: usize,
  rows: i32, cols: i32, training: i32, accumulate: i32, c0: i32, c1: i32, work: usize,
): void {
  c0 = clampChannel(c0, cols);
  c1 = clampChannel(c1, cols);
  if (c0 >= c1) return;
  const ks = work;
  const as = work + (<usize>cols << 2);
  const bs = as + (<usize>cols << 2);
  const n = <f32>rows;
  for (let j = c0; j < c1; j++) {
    const o = <usize>j << 2;
    store<f32>(ks + o, load<f32>(gamma + o) * load<f32>(invstd + o));
    store<f32>(as + o, training ? load<f32>(sumDy + o) / n : 0);
    store<f32>(bs + o, training ? load<f32>(sumDyXhat + o) / n : 0);
  }
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * rowBytes;
    const xr = x + off;
    const dyr = dy + off;
    const dxr = dx + off;
    let j = c0;
    for (; j + 4 <= c1; j += 4) {
      const o = <usize>j << 2;
      const xhat = f32x4.mul(f32x4.sub(v128.load(xr + o), v128.load(mean + o)), v128.load(invstd + o));
      const t = f32x4.sub(f32x4.sub(v128.load(dyr + o), v128.load(as + o)), f32x4.mul(xhat, v128.load(bs + o)));
      let g = f32x4.mul(v128.load(ks + o), t);
      if (accumulate) g = f32x4.add(v128.load(dxr + o), g);
      v128.store(dxr + o, g);
    }
    for (; j < c1; j++) {
      const o = <usize>j << 2;
      const xhat = (load<f32>(xr + o) - load<f32>(mean + o)) * load<f32>(invstd + o);
      const t = (load<f32>(dyr + o) - load<f32>(as + o)) - xhat * load<f32>(bs + o);
      let g = load<f32>(ks + o) * t;
      if (accumulate) g = load<f32>(dxr + o) + g;
      store<f32>(dxr + o, g);
    }
  }
}
