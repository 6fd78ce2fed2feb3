// Elementwise kernels over contiguous f32 arrays. Pointers are byte offsets
// into the linear memory; n counts elements. Loops run a 4-vector unrolled
// main body, a single-vector remainder, then the scalar tail. Every lane op
// has a scalar twin with the same IEEE result (no FMA), so an element's bits
// never depend on which of the three loops computed it. In place (dst equal
// to an input) is allowed; partial overlap is not.

export function f32_fill(dst: usize, value: f32, n: i32): void {
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = dst + (<usize>i << 2);
    v128.store(p, v);
    v128.store(p, v, 16);
    v128.store(p, v, 32);
    v128.store(p, v, 48);
  }
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v);
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), value);
}

export function f32_copy(dst: usize, src: usize, n: i32): void {
  memory.copy(dst, src, <usize>n << 2);
}

// Binary ops share one loop; `op` is a constant at each (inlined) call site,
// so the optimizer folds the selection away.
const ADD = 0;
const SUB = 1;
const MUL = 2;

@inline function vop(op: i32, x: v128, y: v128): v128 {
  if (op == ADD) return f32x4.add(x, y);
  if (op == SUB) return f32x4.sub(x, y);
  return f32x4.mul(x, y);
}

@inline function sop(op: i32, x: f32, y: f32): f32 {
  if (op == ADD) return x + y;
  if (op == SUB) return x - y;
  return x * y;
}

@inline function binary(op: i32, dst: usize, a: usize, b: usize, n: i32): void {
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 2;
    const pa = a + o;
    const pb = b + o;
    const pd = dst + o;
    const r0 = vop(op, v128.load(pa), v128.load(pb));
    const r1 = vop(op, v128.load(pa, 16), v128.load(pb, 16));
    const r2 = vop(op, v128.load(pa, 32), v128.load(pb, 32));
    const r3 = vop(op, v128.load(pa, 48), v128.load(pb, 48));
    v128.store(pd, r0);
    v128.store(pd, r1, 16);
    v128.store(pd, r2, 32);
    v128.store(pd, r3, 48);
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, vop(op, v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, sop(op, load<f32>(a + o), load<f32>(b + o)));
  }
}

export function f32_add(dst: usize, a: usize, b: usize, n: i32): void {
  binary(ADD, dst, a, b, n);
}

export function f32_sub(dst: usize, a: usize, b: usize, n: i32): void {
  binary(SUB, dst, a, b, n);
}

export function f32_mul(dst: usize, a: usize, b: usize, n: i32): void {
  binary(MUL, dst, a, b, n);
}

export function f32_scale(dst: usize, src: usize, c: f32, n: i32): void {
  const vc = f32x4.splat(c);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 2;
    const ps = src + o;
    const pd = dst + o;
    const r0 = f32x4.mul(vc, v128.load(ps));
    const r1 = f32x4.mul(vc, v128.load(ps, 16));
    const r2 = f32x4.mul(vc, v128.load(ps, 32));
    const r3 = f32x4.mul(vc, v128.load(ps, 48));
    v128.store(pd, r0);
    v128.store(pd, r1, 16);
    v128.store(pd, r2, 32);
    v128.store(pd, r3, 48);
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.mul(vc, v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, c * load<f32>(src + o));
  }
}

/** dst = dst + (alpha · x), rounded after the product: no FMA. */
export function f32_axpy(dst: usize, x: usize, alpha: f32, n: i32): void {
  const va = f32x4.splat(alpha);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 2;
    const px = x + o;
    const pd = dst + o;
    const r0 = f32x4.add(v128.load(pd), f32x4.mul(va, v128.load(px)));
    const r1 = f32x4.add(v128.load(pd, 16), f32x4.mul(va, v128.load(px, 16)));
    const r2 = f32x4.add(v128.load(pd, 32), f32x4.mul(va, v128.load(px, 32)));
    const r3 = f32x4.add(v128.load(pd, 48), f32x4.mul(va, v128.load(px, 48)));
    v128.store(pd, r0);
    v128.store(pd, r1, 16);
    v128.store(pd, r2, 32);
    v128.store(pd, r3, 48);
  }
  for (; i + 4 <= n; i += 4) {
    const pd = dst + (<usize>i << 2);
    v128.store(pd, f32x4.add(v128.load(pd), f32x4.mul(va, v128.load(x + (<usize>i << 2)))));
  }
  for (; i < n; i++) {
    const pd = dst + (<usize>i << 2);
    store<f32>(pd, load<f32>(pd) + alpha * load<f32>(x + (<usize>i << 2)));
  }
}

/** NaN in src stays NaN (wasm min/max propagate NaN, lanes and scalars alike). */
export function f32_clip(dst: usize, src: usize, lo: f32, hi: f32, n: i32): void {
  const vlo = f32x4.splat(lo);
  const vhi = f32x4.splat(hi);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 2;
    const ps = src + o;
    const pd = dst + o;
    const r0 = f32x4.min(f32x4.max(v128.load(ps), vlo), vhi);
    const r1 = f32x4.min(f32x4.max(v128.load(ps, 16), vlo), vhi);
    const r2 = f32x4.min(f32x4.max(v128.load(ps, 32), vlo), vhi);
    const r3 = f32x4.min(f32x4.max(v128.load(ps, 48), vlo), vhi);
    v128.store(pd, r0);
    v128.store(pd, r1, 16);
    v128.store(pd, r2, 32);
    v128.store(pd, r3, 48);
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.min(f32x4.max(v128.load(src + o), vlo), vhi));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, min<f32>(max<f32>(load<f32>(src + o), lo), hi));
  }
}

export function f32_add_bias(dst: usize, bias: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const row = dst + <usize>r * rowBytes;
    let j = 0;
    for (; j + 16 <= cols; j += 16) {
      const o = <usize>j << 2;
      const pd = row + o;
      const pb = bias + o;
      const r0 = f32x4.add(v128.load(pd), v128.load(pb));
      const r1 = f32x4.add(v128.load(pd, 16), v128.load(pb, 16));
      const r2 = f32x4.add(v128.load(pd, 32), v128.load(pb, 32));
      const r3 = f32x4.add(v128.load(pd, 48), v128.load(pb, 48));
      v128.store(pd, r0);
      v128.store(pd, r1, 16);
      v128.store(pd, r2, 32);
      v128.store(pd, r3, 48);
    }
    for (; j + 4 <= cols; j += 4) {
      const o = <usize>j << 2;
      v128.store(row + o, f32x4.add(v128.load(row + o), v128.load(bias + o)));
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      store<f32>(row + o, load<f32>(row + o) + load<f32>(bias + o));
    }
  }
}

/**
 * Each column is summed from zero over rows 0..rows-1 in order, then stored
 * (or added to dst once, when accumulating): vectorized across columns, so
 * the order per column is the same in every loop.
 */
export function f32_colsum(dst: usize, src: usize, rows: i32, cols: i32, accumulate: i32): void {
  const rowBytes = <usize>cols << 2;
  let j = 0;
  // 32 columns a pass where there are that many (one read of a 32-channel
  // gradient instead of two), then 16, 4 and 1.
  for (; j + 32 <= cols; j += 32) {
    let acc0 = f32x4.splat(0);
    let acc1 = f32x4.splat(0);
    let acc2 = f32x4.splat(0);
    let acc3 = f32x4.splat(0);
    let acc4 = f32x4.splat(0);
    let acc5 = f32x4.splat(0);
    let acc6 = f32x4.splat(0);
    let acc7 = f32x4.splat(0);
    let p = src + (<usize>j << 2);
    for (let r = 0; r < rows; r++, p += rowBytes) {
      acc0 = f32x4.add(acc0, v128.load(p));
      acc1 = f32x4.add(acc1, v128.load(p, 16));
      acc2 = f32x4.add(acc2, v128.load(p, 32));
      acc3 = f32x4.add(acc3, v128.load(p, 48));
      acc4 = f32x4.add(acc4, v128.load(p, 64));
      acc5 = f32x4.add(acc5, v128.load(p, 80));
      acc6 = f32x4.add(acc6, v128.load(p, 96));
      acc7 = f32x4.add(acc7, v128.load(p, 112));
    }
    const pd = dst + (<usize>j << 2);
    if (accumulate) {
      acc0 = f32x4.add(v128.load(pd), acc0);
      acc1 = f32x4.add(v128.load(pd, 16), acc1);
      acc2 = f32x4.add(v128.load(pd, 32), acc2);
      acc3 = f32x4.add(v128.load(pd, 48), acc3);
      acc4 = f32x4.add(v128.load(pd, 64), acc4);
      acc5 = f32x4.add(v128.load(pd, 80), acc5);
      acc6 = f32x4.add(v128.load(pd, 96), acc6);
      acc7 = f32x4.add(v128.load(pd, 112), acc7);
    }
    v128.store(pd, acc0);
    v128.store(pd, acc1, 16);
    v128.store(pd, acc2, 32);
    v128.store(pd, acc3, 48);
    v128.store(pd, acc4, 64);
    v128.store(pd, acc5, 80);
    v128.store(pd, acc6, 96);
    v128.store(pd, acc7, 112);
  }
  for (; j + 16 <= cols; j += 16) {
    let acc0 = f32x4.splat(0);
    let acc1 = f32x4.splat(0);
    let acc2 = f32x4.splat(0);
    let acc3 = f32x4.splat(0);
    let p = src + (<usize>j << 2);
    for (let r = 0; r < rows; r++, p += rowBytes) {
      acc0 = f32x4.add(acc0, v128.load(p));
      acc1 = f32x4.add(acc1, v128.load(p, 16));
      acc2 = f32x4.add(acc2, v128.load(p, 32));
      acc3 = f32x4.add(acc3, v128.load(p, 48));
    }
    const pd = dst + (<usize>j << 2);
    if (accumulate) {
      acc0 = f32x4.add(v128.load(pd), acc0);
      acc1 = f32x4.add(v128.load(pd, 16), acc1);
      acc2 = f32x4.add(v128.load(pd, 32), acc2);
      acc3 = f32x4.add(v128.load(pd, 48), acc3);
    }
    v128.store(pd, acc0);
    v128.store(pd, acc1, 16);
    v128.store(pd, acc2, 32);
    v128.store(pd, acc3, 48);
  }
  for (; j + 4 <= cols; j += 4) {
    let acc = f32x4.splat(0);
    let p = src + (<usize>j << 2);
    for (let r = 0; r < rows; r++, p += rowBytes) acc = f32x4.add(acc, v128.load(p));
    const pd = dst + (<usize>j << 2);
    if (accumulate) acc = f32x4.add(v128.load(pd), acc);
    v128.store(pd, acc);
  }
  for (; j < cols; j++) {
    let acc: f32 = 0;
    let p = src + (<usize>j << 2);
    for (let r = 0; r < rows; r++, p += rowBytes) acc += load<f32>(p);
    const pd = dst + (<usize>j << 2);
    store<f32>(pd, accumulate ? load<f32>(pd) + acc : acc);
  }
}

export function f32_gather_rows(dst: usize, src: usize, idx: usize, count: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < count; r++) {
    const k = load<u32>(idx + (<usize>r << 2));
    memory.copy(dst + <usize>r * rowBytes, src + <usize>k * rowBytes, rowBytes);
  }
}
