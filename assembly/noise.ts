// Input corruption and dropout from uniforms u in [0, 1) drawn by the random
// kernels, so the draw and its use stay separate and each is tested alone.
import { splat } from "./math";

/**
 * dst (+)= (u < rate ? 0 : x·scale). Dropout uses scale = 1/(1 − rate) and is
 * its own backward (same u); masking noise uses scale = 1.
 */
export function f32_dropout(dst: usize, x: usize, u: usize, rate: f32, scale: f32, n: i32, accumulate: i32): void {
  const vrate = splat(rate);
  const vscale = splat(scale);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const keep = f32x4.ge(v128.load(u + o), vrate);
    let y = v128.and(f32x4.mul(v128.load(x + o), vscale), keep);
    if (accumulate) y = f32x4.add(v128.load(dst + o), y);
    v128.store(dst + o, y);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    let y: f32 = load<f32>(u + o) >= rate ? load<f32>(x + o) * scale : 0;
    if (accumulate) y = load<f32>(dst + o) + y;
    store<f32>(dst + o, y);
  }
}

/** dst = lo where u < rate/2, hi where u ≥ 1 − rate/2, else x: salt-and-pepper noise. */
export function f32_salt_pepper(dst: usize, x: usize, u: usize, rate: f32, lo: f32, hi: f32, n: i32): void {
  const half = rate * 0.5;
  const top: f32 = 1 - half;
  const vhalf = splat(half);
  const vtop = splat(top);
  const vlo = splat(lo);
  const vhi = splat(hi);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const uv = v128.load(u + o);
    let y = v128.bitselect(vlo, v128.load(x + o), f32x4.lt(uv, vhalf));
    y = v128.bitselect(vhi, y, f32x4.ge(uv, vtop));
    v128.store(dst + o, y);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const uv = load<f32>(u + o);
    store<f32>(dst + o, uv >= top ? hi : uv < half ? lo : load<f32>(x + o));
  }
}
