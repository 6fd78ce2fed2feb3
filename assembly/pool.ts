// 2×2 max pooling (stride 2, "valid": an odd last row or column is dropped)
// and ×2 nearest-neighbour upsampling of NHWC images x[n, h, w, c], with
// their backwards. Four channels per vector, then a scalar tail with the same
// comparisons and additions, so a channel's bits never depend on its loop.
//
// The window maximum is a running one in row-major window order, replaced
// only by a strictly greater value: ties go to the first element, and a NaN
// after the first element never wins. The backward routes dy to that element.

/** y[n, h/2, w/2, c] = max over each 2×2 window of x (h, w rounded down to even). */
export function f32_maxpool2x2(y: usize, x: usize, n: i32, h: i32, w: i32, c: i32): void {
  const oh = h >> 1;
  const ow = w >> 1;
  const pixel = <usize>c << 2;
  const rowBytes = <usize>w * pixel;
  let dst = y;
  for (let b = 0; b < n; b++) {
    const image = x + <usize>b * <usize>h * rowBytes;
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const p00 = image + <usize>(2 * i) * rowBytes + <usize>(2 * j) * pixel;
        const p10 = p00 + rowBytes;
        let ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          const o = <usize>ch << 2;
          let m = v128.load(p00 + o);
          const v01 = v128.load(p00 + pixel + o);
          m = v128.bitselect(v01, m, f32x4.gt(v01, m));
          const v10 = v128.load(p10 + o);
          m = v128.bitselect(v10, m, f32x4.gt(v10, m));
          const v11 = v128.load(p10 + pixel + o);
          m = v128.bitselect(v11, m, f32x4.gt(v11, m));
          v128.store(dst + o, m);
        }
        for (; ch < c; ch++) {
          const o = <usize>ch << 2;
          let m = load<f32>(p00 + o);
          const v01 = load<f32>(p00 + pixel + o);
          if (v01 > m) m = v01;
          const v10 = load<f32>(p10 + o);
          if (v10 > m) m = v10;
          const v11 = load<f32>(p10 + pixel + o);
          if (v11 > m) m = v11;
          store<f32>(dst + o, m);
        }
        dst += pixel;
      }
    }
  }
}

/**
 * dx[n, h, w, c] (+)= dy[n, h/2, w/2, c] routed to each window's maximum of x;
 * the other window elements (and a dropped odd row or column) get 0, or are
 * left as they are when accumulating (dx + 0).
 */
export function f32_maxpool2x2_backward(dx: usize, dy: usize, x: usize, n: i32, h: i32, w: i32, c: i32, accumulate: i32): void {
  const oh = h >> 1;
  const ow = w >> 1;
  const pixel = <usize>c << 2;
  const rowBytes = <usize>w * pixel;
  let g = dy;
  for (let b = 0; b < n; b++) {
    const offset = <usize>b * <usize>h * rowBytes;
    const image = x + offset;
    const grad = dx + offset;
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const o00 = <usize>(2 * i) * rowBytes + <usize>(2 * j) * pixel;
        const o01 = o00 + pixel;
        const o10 = o00 + rowBytes;
        const o11 = o10 + pixel;
        let ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          const o = <usize>ch << 2;
          let m = v128.load(image + o00 + o);
          const v01 = v128.load(image + o01 + o);
          const s01 = f32x4.gt(v01, m);
          m = v128.bitselect(v01, m, s01);
          const v10 = v128.load(image + o10 + o);
          const s10 = f32x4.gt(v10, m);
          m = v128.bitselect(v10, m, s10);
          const s11 = f32x4.gt(v128.load(image + o11 + o), m);
          // The last strictly greater element wins.
          const w11 = s11;
          const w10 = v128.andnot(s10, s11);
          const w01 = v128.andnot(s01, v128.or(s10, s11));
          const w00 = v128.not(v128.or(s01, v128.or(s10, s11)));
          const d = v128.load(g + o);
          let g00 = v128.and(d, w00);
          let g01 = v128.and(d, w01);
          let g10 = v128.and(d, w10);
          let g11 = v128.and(d, w11);
          if (accumulate) {
            g00 = f32x4.add(v128.load(grad + o00 + o), g00);
            g01 = f32x4.add(v128.load(grad + o01 + o), g01);
            g10 = f32x4.add(v128.load(grad + o10 + o), g10);
            g11 = f32x4.add(v128.load(grad + o11 + o), g11);
          }
          v128.store(grad + o00 + o, g00);
          v128.store(grad + o01 + o, g01);
          v128.store(grad + o10 + o, g10);
          v128.store(grad + o11 + o, g11);
        }
        for (; ch < c; ch++) {
          const o = <usize>ch << 2;
          let m = load<f32>(image + o00 + o);
          const v01 = load<f32>(image + o01 + o);
          const s01 = v01 > m;
          if (s01) m = v01;
          const v10 = load<f32>(image + o10 + o);
          const s10 = v10 > m;
          if (s10) m = v10;
          const s11 = load<f32>(image + o11 + o) > m;
          const d = load<f32>(g + o);
          let g00: f32 = !(s01 || s10 || s11) ? d : 0;
          let g01: f32 = s01 && !s10 && !s11 ? d : 0;
          let g10: f32 = s10 && !s11 ? d : 0;
          let g11: f32 = s11 ? d : 0;
          if (accumulate) {
            g00 = load<f32>(grad + o00 + o) + g00;
            g01 = load<f32>(grad + o01 + o) + g01;
            g10 = load<f32>(grad + o10 + o) + g10;
            g11 = load<f32>(grad + o11 + o) + g11;
          }
          store<f32>(grad + o00 + o, g00);
          store<f32>(grad + o01 + o, g01);
          store<f32>(grad + o10 + o, g10);
          store<f32>(grad + o11 + o, g11);
        }
        g += pixel;
      }
    }
    if (!accumulate) {
      // The dropped last column and row receive no gradient.
      if (w & 1) {
        for (let r = 0; r < 2 * oh; r++) zeroFloats(grad + <usize>r * rowBytes + <usize>(w - 1) * pixel, c);
      }
      if (h & 1) zeroFloats(grad + <usize>(h - 1) * rowBytes, w * c);
    }
  }
}

function zeroFloats(p: usize, count: i32): void {
  memory.fill(p, 0, <usize>count << 2);
}

/** y[n, 2h, 2w, c]: each pixel of x[n, h, w, c] repeated over a 2×2 block. */
export function f32_upsample2x(y: usize, x: usize, n: i32, h: i32, w: i32, c: i32): void {
  const pixel = <usize>c << 2;
  const outRowBytes = <usize>(2 * w) * pixel;
  let src = x;
  let dst = y;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < h; i++) {
      const top = dst;
      for (let j = 0; j < w; j++) {
        let ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          const o = <usize>ch << 2;
          const v = v128.load(src + o);
          v128.store(dst + o, v);
          v128.store(dst + pixel + o, v);
        }
        for (; ch < c; ch++) {
          const o = <usize>ch << 2;
          const v = load<f32>(src + o);
          store<f32>(dst + o, v);
          store<f32>(dst + pixel + o, v);
        }
        src += pixel;
        dst += pixel << 1;
      }
      memory.copy(dst, top, outRowBytes);
      dst += outRowBytes;
    }
  }
}

/** dx[n, h, w, c] (+)= ((dy00 + dy01) + dy10) + dy11 over each 2×2 block of dy[n, 2h, 2w, c]. */
export function f32_upsample2x_backward(dx: usize, dy: usize, n: i32, h: i32, w: i32, c: i32, accumulate: i32): void {
  const pixel = <usize>c << 2;
  const dyRowBytes = <usize>(2 * w) * pixel;
  let dst = dx;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < h; i++) {
      let p00 = dy + (<usize>(b * h + i) * 2) * dyRowBytes;
      for (let j = 0; j < w; j++) {
        const p10 = p00 + dyRowBytes;
        let ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          const o = <usize>ch << 2;
          let s = f32x4.add(v128.load(p00 + o), v128.load(p00 + pixel + o));
          s = f32x4.add(s, v128.load(p10 + o));
          s = f32x4.add(s, v128.load(p10 + pixel + o));
          if (accumulate) s = f32x4.add(v128.load(dst + o), s);
          v128.store(dst + o, s);
        }
        for (; ch < c; ch++) {
          const o = <usize>ch << 2;
          let s = load<f32>(p00 + o) + load<f32>(p00 + pixel + o);
          s = s + load<f32>(p10 + o);
          s = s + load<f32>(p10 + pixel + o);
          if (accumulate) s = load<f32>(dst + o) + s;
          store<f32>(dst + o, s);
        }
        p00 += pixel << 1;
        dst += pixel;
      }
    }
  }
}
