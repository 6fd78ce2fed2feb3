// Batch normalization of a [rows, cols] matrix: cols channels, every other
// axis flattened into rows (N·H·W for NHWC images, N for dense features).
// Per-channel sums run in f64 over rows 0..rows-1 in order (f32 products of
// two f32 values are exact in f64), in accumulators kept in `work`; element
// math is f32, two channels (sums) or four (elementwise) per vector, with a
// scalar tail doing the same IEEE operations, so a channel's bits never
// depend on which loop handled it.
//
// work: 16·cols bytes of scratch for every kernel here.

/** acc[0..1] (f64) += the two f32 at p, widened. */
@inline function addPair(acc: usize, p: usize): void {
  v128.store(acc, f64x2.add(v128.load(acc), f64x2.promote_low_f32x4(v128.load64_zero(p))));
}

function zeroF64(p: usize, n: i32): void {
  memory.fill(p, 0, <usize>n << 3);
}

/**
 * mean[c], variance[c] (f32) of the columns of x[rows, cols]: two passes in
 * f64, the biased (population) variance Σ(x − mean)² / rows.
 */
export function f32_batchnorm_stats(mean: usize, variance: usize, x: usize, rows: i32, cols: i32, work: usize): void {
  const sums = work;
  const squares = work + (<usize>cols << 3);
  zeroF64(work, 2 * cols);
  const rowBytes = <usize>cols << 2;
  let row = x;
  for (let r = 0; r < rows; r++, row += rowBytes) {
    let j = 0;
    for (; j + 2 <= cols; j += 2) addPair(sums + (<usize>j << 3), row + (<usize>j << 2));
    for (; j < cols; j++) {
      const a = sums + (<usize>j << 3);
      store<f64>(a, load<f64>(a) + <f64>load<f32>(row + (<usize>j << 2)));
    }
  }
  const n = <f64>rows;
  for (let j = 0; j < cols; j++) {
    const a = sums + (<usize>j << 3);
    store<f64>(a, load<f64>(a) / n);
  }
  row = x;
  for (let r = 0; r < rows; r++, row += rowBytes) {
    let j = 0;
    for (; j + 2 <= cols; j += 2) {
      const a = squares + (<usize>j << 3);
      const d = f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(row + (<usize>j << 2))), v128.load(sums + (<usize>j << 3)));
      v128.store(a, f64x2.add(v128.load(a), f64x2.mul(d, d)));
    }
    for (; j < cols; j++) {
      const a = squares + (<usize>j << 3);
      const d = <f64>load<f32>(row + (<usize>j << 2)) - load<f64>(sums + (<usize>j << 3));
      store<f64>(a, load<f64>(a) + d * d);
    }
  }
  for (let j = 0; j < cols; j++) {
    store<f32>(mean + (<usize>j << 2), <f32>load<f64>(sums + (<usize>j << 3)));
    store<f32>(variance + (<usize>j << 2), <f32>(load<f64>(squares + (<usize>j << 3)) / n));
  }
}

/**
 * invstd[c] = 1 / sqrt(variance[c] + eps), then
 * y = ((x − mean)·invstd)·gamma + beta per element. In place (y = x) allowed.
 */
export function f32_batchnorm_forward(
  y: usize, invstd: usize, x: usize, mean: usize, variance: usize, gamma: usize, beta: usize,
  eps: f32, rows: i32, cols: i32,
): void {
  for (let j = 0; j < cols; j++) {
    const o = <usize>j << 2;
    store<f32>(invstd + o, <f32>1 / Mathf.sqrt(load<f32>(variance + o) + eps));
  }
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowBytes;
    const yr = y + <usize>r * rowBytes;
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = <usize>j << 2;
      const xhat = f32x4.mul(f32x4.sub(v128.load(xr + o), v128.load(mean + o)), v128.load(invstd + o));
      v128.store(yr + o, f32x4.add(f32x4.mul(xhat, v128.load(gamma + o)), v128.load(beta + o)));
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      const xhat = (load<f32>(xr + o) - load<f32>(mean + o)) * load<f32>(invstd + o);
      store<f32>(yr + o, xhat * load<f32>(gamma + o) + load<f32>(beta + o));
    }
  }
}

/**
 * sumDy[c] = Σ dy and sumDyXhat[c] = Σ dy·xhat over rows, xhat = (x − mean)·invstd
 * computed as in the forward: the gradients of beta and gamma.
 */
export function f32_batchnorm_backward_sums(
  sumDy: usize, sumDyXhat: usize, dy: usize, x: usize, mean: usize, invstd: usize, rows: i32, cols: i32, work: usize,
): void {
  const accDy = work;
  const accDyXhat = work + (<usize>cols << 3);
  zeroF64(work, 2 * cols);
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowBytes;
    const dyr = dy + <usize>r * rowBytes;
    let j = 0;
    for (; j + 2 <= cols; j += 2) {
      const o = <usize>j << 2;
      const xhat = f32x4.mul(f32x4.sub(v128.load64_zero(xr + o), v128.load64_zero(mean + o)), v128.load64_zero(invstd + o));
      const g = f64x2.promote_low_f32x4(v128.load64_zero(dyr + o));
      const a = accDy + (<usize>j << 3);
      const b = accDyXhat + (<usize>j << 3);
      v128.store(a, f64x2.add(v128.load(a), g));
      v128.store(b, f64x2.add(v128.load(b), f64x2.mul(g, f64x2.promote_low_f32x4(xhat))));
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      const xhat = (load<f32>(xr + o) - load<f32>(mean + o)) * load<f32>(invstd + o);
      const g = <f64>load<f32>(dyr + o);
      const a = accDy + (<usize>j << 3);
      const b = accDyXhat + (<usize>j << 3);
      store<f64>(a, load<f64>(a) + g);
      store<f64>(b, load<f64>(b) + g * <f64>xhat);
    }
  }
  for (let j = 0; j < cols; j++) {
    store<f32>(sumDy + (<usize>j << 2), <f32>load<f64>(accDy + (<usize>j << 3)));
    store<f32>(sumDyXhat + (<usize>j << 2), <f32>load<f64>(accDyXhat + (<usize>j << 3)));
  }
}

/**
 * dx (+)= k·((dy − a) − xhat·b) with k = gamma·invstd and, in training mode
 * (statistics from the batch), a = sumDy / rows, b = sumDyXhat / rows; in
 * inference mode (fixed statistics) a = b = 0, so dx = k·dy.
 */
export function f32_batchnorm_backward(
  dx: usize, dy: usize, x: usize, mean: usize, invstd: usize, gamma: usize, sumDy: usize, sumDyXhat: usize,
  rows: i32, cols: i32, training: i32, accumulate: i32, work: usize,
): void {
  const ks = work;
  const as = work + (<usize>cols << 2);
  const bs = as + (<usize>cols << 2);
  const n = <f32>rows;
  for (let j = 0; j < cols; j++) {
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
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = <usize>j << 2;
      const xhat = f32x4.mul(f32x4.sub(v128.load(xr + o), v128.load(mean + o)), v128.load(invstd + o));
      const t = f32x4.sub(f32x4.sub(v128.load(dyr + o), v128.load(as + o)), f32x4.mul(xhat, v128.load(bs + o)));
      let g = f32x4.mul(v128.load(ks + o), t);
      if (accumulate) g = f32x4.add(v128.load(dxr + o), g);
      v128.store(dxr + o, g);
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      const xhat = (load<f32>(xr + o) - load<f32>(mean + o)) * load<f32>(invstd + o);
      const t = (load<f32>(dyr + o) - load<f32>(as + o)) - xhat * load<f32>(bs + o);
      let g = load<f32>(ks + o) * t;
      if (accumulate) g = load<f32>(dxr + o) + g;
      store<f32>(dxr + o, g);
    }
  }
}
