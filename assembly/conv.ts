// Convolution lowering for NHWC images: im2col gathers the receptive field of
// every output pixel into one row of a matrix, so that a convolution is one
// gemm; col2im scatters such rows back, adding where windows overlap.
//
// Shared geometry: the image x is [n, h, w, c]; the matrix col is
// [n·oh·ow, kh·kw·c], row (b, oy, ox), column (ky, kx, ci): the order of a
// [kh, kw, c, f] filter read as a [kh·kw·c, f] matrix. Entry (b, oy, ox; ky,
// kx, ci) is x[b, oy·sh − padTop + ky, ox·sw − padLeft + kx, ci], or zero
// outside the image. Dilation 1: for fixed ky the kx·c entries of a row are
// contiguous in x too, so both kernels move whole in-bounds runs at once.

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

/** dst[0..len) = 0 */
@inline function zeroRun(dst: usize, len: i32): void {
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= len; i += 4) v128.store(dst + (<usize>i << 2), z);
  for (; i < len; i++) store<f32>(dst + (<usize>i << 2), 0);
}

/** dst[0..len) += src[0..len); lane adds and scalar adds round alike. */
@inline function addRun(dst: usize, src: usize, len: i32): void {
  let i = 0;
  for (; i + 8 <= len; i += 8) {
    const o = <usize>i << 2;
    const pd = dst + o;
    const ps = src + o;
    const r0 = f32x4.add(v128.load(pd), v128.load(ps));
    const r1 = f32x4.add(v128.load(pd, 16), v128.load(ps, 16));
    v128.store(pd, r0);
    v128.store(pd, r1, 16);
  }
  for (; i + 4 <= len; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < len; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
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
    zeroRun(dst, len);
    return;
  }
  let i = 0;
  for (; i + 2 <= len; i += 2) store<u64>(dst + (<usize>i << 2), 0);
  if (i < len) store<f32>(dst + (<usize>i << 2), 0);
}

@inline function addAny(dst: usize, src: usize, len: i32): void {
  if (len >= 4) {
    addRun(dst, src, len);
    return;
  }
  for (let i = 0; i < len; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

/** col[n·oh·ow, kh·kw·c] = the receptive fields of x[n, h, w, c], zero where padded. */
export function f32_im2col_nhwc(
  col: usize, x: usize, n: i32, h: i32, w: i32, c: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, oh: i32, ow: i32,
): void {
  const runLen = kw * c;
  const runBytes = <usize>runLen << 2;
  const pixelBytes = <usize>c << 2;
  const imageRowBytes = <usize>w * pixelBytes;
  const imageBytes = <usize>h * imageRowBytes;
  let dst = col;
  for (let b = 0; b < n; b++) {
    const image = x + <usize>b * imageBytes;
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - padTop;
      const rowsInside = iy0 >= 0 && iy0 + kh <= h;
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * sw - padLeft;
        // kx in [kx0, kx1) lands inside the image row.
        const kx0 = max(0, -ix0);
        const kx1 = min(kw, w - ix0);
        if (rowsInside && kx0 == 0 && kx1 == kw) {
          let src = image + <usize>iy0 * imageRowBytes + <usize>ix0 * pixelBytes;
          for (let ky = 0; ky < kh; ky++, src += imageRowBytes, dst += runBytes) copyAny(dst, src, runLen);
          continue;
        }
        const before = kx0 * c;
        const inside = max(0, kx1 - kx0) * c;
        for (let ky = 0; ky < kh; ky++, dst += runBytes) {
          const iy = iy0 + ky;
          if (iy < 0 || iy >= h || inside == 0) {
            zeroAny(dst, runLen);
          } else {
            zeroAny(dst, before);
            const src = image + <usize>iy * imageRowBytes + <usize>(ix0 + kx0) * pixelBytes;
            copyAny(dst + (<usize>before << 2), src, inside);
            zeroAny(dst + (<usize>(before + inside) << 2), runLen - before - inside);
          }
        }
      }
    }
  }
}

/**
 * x[n, h, w, c] (+)= the col rows scattered back to their receptive fields;
 * padded entries are dropped. Each x element starts from zero (or its value
 * when accumulating) and adds its terms in row order, then ky, kx order.
 */
export function f32_col2im_nhwc(
  x: usize, col: usize, n: i32, h: i32, w: i32, c: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, oh: i32, ow: i32, accumulate: i32,
): void {
  if (!accumulate) zeroRun(x, n * h * w * c);
  const runLen = kw * c;
  const runBytes = <usize>runLen << 2;
  const pixelBytes = <usize>c << 2;
  const imageRowBytes = <usize>w * pixelBytes;
  const imageBytes = <usize>h * imageRowBytes;
  let src = col;
  for (let b = 0; b < n; b++) {
    const image = x + <usize>b * imageBytes;
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - padTop;
      const rowsInside = iy0 >= 0 && iy0 + kh <= h;
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * sw - padLeft;
        const kx0 = max(0, -ix0);
        const kx1 = min(kw, w - ix0);
        if (rowsInside && kx0 == 0 && kx1 == kw) {
          let dst = image + <usize>iy0 * imageRowBytes + <usize>ix0 * pixelBytes;
          for (let ky = 0; ky < kh; ky++, dst += imageRowBytes, src += runBytes) addAny(dst, src, runLen);
          continue;
        }
        const before = kx0 * c;
        const inside = max(0, kx1 - kx0) * c;
        for (let ky = 0; ky < kh; ky++, src += runBytes) {
          const iy = iy0 + ky;
          if (iy >= 0 && iy < h && inside > 0) {
            const dst = image + <usize>iy * imageRowBytes + <usize>(ix0 + kx0) * pixelBytes;
            addAny(dst, src + (<usize>before << 2), inside);
          }
        }
      }
    }
  }
}
