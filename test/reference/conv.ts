// Naive f64 references for convolution, transposed convolution, batch norm and
// pooling on NHWC arrays: direct loops written for clarity, sharing no code
// with src/ops (their geometry is derived again here).

export type Padding = "same" | "valid";

/** TensorFlow's conv output length and leading pad for one axis. */
export function convAxis(input: number, kernel: number, stride: number, padding: Padding): { out: number; pad: number } {
  if (padding === "valid") return { out: Math.floor((input - kernel) / stride) + 1, pad: 0 };
  const out = Math.ceil(input / stride);
  return { out, pad: Math.floor(Math.max(0, (out - 1) * stride + kernel - input) / 2) };
}

export interface ConvShape {
  n: number;
  h: number;
  w: number;
  c: number;
  kh: number;
  kw: number;
  f: number;
  sh: number;
  sw: number;
  padding: Padding;
}

/** The direct 7-loop convolution: y[n, oh, ow, f] = Σ x·w[kh, kw, c, f] + b. */
export function conv2dRef(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null, s: ConvShape): { y: Float64Array; oh: number; ow: number } {
  const rows = convAxis(s.h, s.kh, s.sh, s.padding);
  const cols = convAxis(s.w, s.kw, s.sw, s.padding);
  const y = new Float64Array(s.n * rows.out * cols.out * s.f);
  for (let b0 = 0; b0 < s.n; b0++) {
    for (let oy = 0; oy < rows.out; oy++) {
      for (let ox = 0; ox < cols.out; ox++) {
        for (let f = 0; f < s.f; f++) {
          let sum = b ? b[f]! : 0;
          for (let ky = 0; ky < s.kh; ky++) {
            const iy = oy * s.sh - rows.pad + ky;
            if (iy < 0 || iy >= s.h) continue;
            for (let kx = 0; kx < s.kw; kx++) {
              const ix = ox * s.sw - cols.pad + kx;
              if (ix < 0 || ix >= s.w) continue;
              for (let c = 0; c < s.c; c++) {
                sum += x[((b0 * s.h + iy) * s.w + ix) * s.c + c]! * w[((ky * s.kw + kx) * s.c + c) * s.f + f]!;
              }
            }
          }
          y[((b0 * rows.out + oy) * cols.out + ox) * s.f + f] = sum;
        }
      }
    }
  }
  return { y, oh: rows.out, ow: cols.out };
}

/** Keras' transposed-conv output length (dilation 1). */
export function convTransposeAxis(input: number, kernel: number, stride: number, padding: Padding, outputPadding: number | null): { out: number; pad: number } {
  let out: number;
  if (outputPadding === null) out = padding === "valid" ? input * stride + Math.max(kernel - stride, 0) : input * stride;
  else out = (input - 1) * stride + kernel - 2 * (padding === "same" ? Math.floor(kernel / 2) : 0) + outputPadding;
  // TensorFlow pads as the conv2d from `out` back to `input` would.
  return { out, pad: convAxis(out, kernel, stride, padding).pad };
}

/**
 * Transposed convolution in scatter form: every input pixel (b, i, j) adds
 * x[b, i, j, :]·w[ky, kx, f, :] to y[b, i·sh − pad + ky, j·sw − pad + kx, f].
 * s.c is the input channel count, s.f the output one; w is [kh, kw, f, c].
 */
export function conv2dTransposeRef(
  x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null, s: ConvShape, outputPadding: [number, number] | null,
): { y: Float64Array; oh: number; ow: number } {
  const rows = convTransposeAxis(s.h, s.kh, s.sh, s.padding, outputPadding ? outputPadding[0] : null);
  const cols = convTransposeAxis(s.w, s.kw, s.sw, s.padding, outputPadding ? outputPadding[1] : null);
  const y = new Float64Array(s.n * rows.out * cols.out * s.f);
  for (let b0 = 0; b0 < s.n; b0++) {
    for (let i = 0; i < s.h; i++) {
      for (let j = 0; j < s.w; j++) {
        for (let ky = 0; ky < s.kh; ky++) {
          const yy = i * s.sh - rows.pad + ky;
          if (yy < 0 || yy >= rows.out) continue;
          for (let kx = 0; kx < s.kw; kx++) {
            const yx = j * s.sw - cols.pad + kx;
            if (yx < 0 || yx >= cols.out) continue;
            for (let f = 0; f < s.f; f++) {
              let sum = 0;
              for (let c = 0; c < s.c; c++) sum += x[((b0 * s.h + i) * s.w + j) * s.c + c]! * w[((ky * s.kw + kx) * s.f + f) * s.c + c]!;
              y[((b0 * rows.out + yy) * cols.out + yx) * s.f + f]! += sum;
            }
          }
        }
      }
    }
  }
  if (b) for (let p = 0; p < y.length; p++) y[p]! += b[p % s.f]!;
  return { y, oh: rows.out, ow: cols.out };
}

/** The im2col matrix, element by element from its definition. */
export function im2colRef(
  x: ArrayLike<number>, n: number, h: number, w: number, c: number, kh: number, kw: number,
  sh: number, sw: number, padTop: number, padLeft: number, oh: number, ow: number,
): Float64Array {
  const k = kh * kw * c;
  const col = new Float64Array(n * oh * ow * k);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const row = (b * oh + oy) * ow + ox;
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) {
            for (let ci = 0; ci < c; ci++) {
              const iy = oy * sh - padTop + ky;
              const ix = ox * sw - padLeft + kx;
              const inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
              col[row * k + (ky * kw + kx) * c + ci] = inside ? x[((b * h + iy) * w + ix) * c + ci]! : 0;
            }
          }
        }
      }
    }
  }
  return col;
}

/** col2im as the transpose of im2colRef: x[index] += col[row, column] for every in-image entry. */
export function col2imRef(
  col: ArrayLike<number>, x0: ArrayLike<number> | null, n: number, h: number, w: number, c: number, kh: number, kw: number,
  sh: number, sw: number, padTop: number, padLeft: number, oh: number, ow: number,
): Float64Array {
  const x = x0 ? Float64Array.from(x0) : new Float64Array(n * h * w * c);
  const k = kh * kw * c;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) {
            const iy = oy * sh - padTop + ky;
            const ix = ox * sw - padLeft + kx;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            for (let ci = 0; ci < c; ci++) x[((b * h + iy) * w + ix) * c + ci]! += col[((b * oh + oy) * ow + ox) * k + (ky * kw + kx) * c + ci]!;
          }
        }
      }
    }
  }
  return x;
}

/** Per-channel mean and biased variance of x[rows, cols]. */
export function momentsRef(x: ArrayLike<number>, rows: number, cols: number): { mean: Float64Array; variance: Float64Array } {
  const mean = new Float64Array(cols);
  const variance = new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += x[r * cols + j]!;
    mean[j] = s / rows;
    let q = 0;
    for (let r = 0; r < rows; r++) q += (x[r * cols + j]! - mean[j]!) ** 2;
    variance[j] = q / rows;
  }
  return { mean, variance };
}

/** y = (x − mean)/sqrt(variance + eps)·gamma + beta, with batch statistics when `stats` is null. */
export function batchNormRef(
  x: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number>, rows: number, cols: number, eps: number,
  stats: { mean: ArrayLike<number>; variance: ArrayLike<number> } | null,
): Float64Array {
  const { mean, variance } = stats ?? momentsRef(x, rows, cols);
  const y = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) {
      y[r * cols + j] = ((x[r * cols + j]! - mean[j]!) / Math.sqrt(variance[j]! + eps)) * gamma[j]! + beta[j]!;
    }
  }
  return y;
}

/** The textbook batch-norm backward with batch statistics: dx, dgamma, dbeta. */
export function batchNormBackwardRef(
  dy: ArrayLike<number>, x: ArrayLike<number>, gamma: ArrayLike<number>, rows: number, cols: number, eps: number,
): { dx: Float64Array; dgamma: Float64Array; dbeta: Float64Array } {
  const { mean, variance } = momentsRef(x, rows, cols);
  const dx = new Float64Array(rows * cols);
  const dgamma = new Float64Array(cols);
  const dbeta = new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    const inv = 1 / Math.sqrt(variance[j]! + eps);
    let sdy = 0;
    let sdyx = 0;
    for (let r = 0; r < rows; r++) {
      const xhat = (x[r * cols + j]! - mean[j]!) * inv;
      sdy += dy[r * cols + j]!;
      sdyx += dy[r * cols + j]! * xhat;
    }
    dbeta[j] = sdy;
    dgamma[j] = sdyx;
    for (let r = 0; r < rows; r++) {
      const xhat = (x[r * cols + j]! - mean[j]!) * inv;
      dx[r * cols + j] = (gamma[j]! * inv / rows) * (rows * dy[r * cols + j]! - sdy - xhat * sdyx);
    }
  }
  return { dx, dgamma, dbeta };
}

/** 2×2 stride-2 max pooling; odd last row/column dropped. */
export function maxPoolRef(x: ArrayLike<number>, n: number, h: number, w: number, c: number): Float64Array {
  const oh = Math.floor(h / 2);
  const ow = Math.floor(w / 2);
  const y = new Float64Array(n * oh * ow * c);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let ch = 0; ch < c; ch++) {
          let m = -Infinity;
          for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) m = Math.max(m, x[((b * h + 2 * i + dy) * w + 2 * j + dx) * c + ch]!);
          y[((b * oh + i) * ow + j) * c + ch] = m;
        }
      }
    }
  }
  return y;
}

/** dx of max pooling: dy to the first maximal element of each window (row-major), 0 elsewhere. */
export function maxPoolBackwardRef(dyv: ArrayLike<number>, x: ArrayLike<number>, n: number, h: number, w: number, c: number): Float64Array {
  const oh = Math.floor(h / 2);
  const ow = Math.floor(w / 2);
  const dx = new Float64Array(n * h * w * c);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let ch = 0; ch < c; ch++) {
          let best = -1;
          let m = -Infinity;
          for (let k = 0; k < 4; k++) {
            const at = ((b * h + 2 * i + (k >> 1)) * w + 2 * j + (k & 1)) * c + ch;
            if (best < 0 || x[at]! > m) {
              m = x[at]!;
              best = at;
            }
          }
          dx[best] = dyv[((b * oh + i) * ow + j) * c + ch]!;
        }
      }
    }
  }
  return dx;
}

/** Nearest ×2 upsampling. */
export function upsampleRef(x: ArrayLike<number>, n: number, h: number, w: number, c: number): Float64Array {
  const y = new Float64Array(n * 4 * h * w * c);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < 2 * h; i++) {
      for (let j = 0; j < 2 * w; j++) {
        for (let ch = 0; ch < c; ch++) y[((b * 2 * h + i) * 2 * w + j) * c + ch] = x[((b * h + (i >> 1)) * w + (j >> 1)) * c + ch]!;
      }
    }
  }
  return y;
}

/** dx of upsampling: the sum of each 2×2 block of dy. */
export function upsampleBackwardRef(dyv: ArrayLike<number>, n: number, h: number, w: number, c: number): Float64Array {
  const dx = new Float64Array(n * h * w * c);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < 2 * h; i++) {
      for (let j = 0; j < 2 * w; j++) {
        for (let ch = 0; ch < c; ch++) dx[((b * h + (i >> 1)) * w + (j >> 1)) * c + ch]! += dyv[((b * 2 * h + i) * 2 * w + j) * c + ch]!;
      }
    }
  }
  return dx;
}

/** Σ |terms| of each conv output: the scale of its f32 rounding error. */
export function conv2dAbsRef(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null, s: ConvShape): Float64Array {
  const abs = (v: ArrayLike<number>) => Float64Array.from(v as ArrayLike<number>, Math.abs);
  return conv2dRef(abs(x), abs(w), b ? abs(b) : null, s).y;
}

/** One case of the shape grid shared by the conv tests. */
export interface GridCase extends ConvShape {
  label: string;
}

const SIDES = [1, 3, 5, 7, 8, 9];
const CHANNELS = [1, 3, 5, 8, 32];
const FILTERS = [1, 2, 4, 7];

/**
 * Every height × kernel (1, 3, 5) × stride (1, 2) × padding, with the width,
 * channels, filters and batch (1, 3) cycled so each of their values meets
 * each kernel and stride; then rectangular kernels and mixed strides. Cases
 * whose kernel exceeds a "valid" input are left out (`invalid` lists some).
 */
export function convGrid(): GridCase[] {
  const cases: GridCase[] = [];
  let i = 0;
  const add = (s: ConvShape) => {
    if (s.padding === "valid" && (s.kh > s.h || s.kw > s.w)) return;
    const label = `n${s.n} ${s.h}x${s.w}x${s.c} k${s.kh}x${s.kw} f${s.f} s${s.sh}${s.sw} ${s.padding}`;
    cases.push({ ...s, label });
  };
  for (const h of SIDES) {
    for (const k of [1, 3, 5]) {
      for (const stride of [1, 2]) {
        for (const padding of ["same", "valid"] as const) {
          add({
            n: (i + (i >> 2)) % 2 === 0 ? 1 : 3, h, w: SIDES[(i * 5 + 2) % SIDES.length]!, c: CHANNELS[i % CHANNELS.length]!,
            kh: k, kw: k, f: FILTERS[(i >> 1) % FILTERS.length]!, sh: stride, sw: stride, padding,
          });
          i++;
        }
      }
    }
  }
  add({ n: 2, h: 7, w: 9, c: 3, kh: 3, kw: 1, f: 4, sh: 1, sw: 2, padding: "same" });
  add({ n: 1, h: 8, w: 5, c: 8, kh: 1, kw: 5, f: 7, sh: 2, sw: 1, padding: "valid" });
  add({ n: 3, h: 9, w: 8, c: 5, kh: 5, kw: 3, f: 2, sh: 2, sw: 1, padding: "same" });
  add({ n: 1, h: 5, w: 7, c: 32, kh: 2, kw: 4, f: 4, sh: 1, sw: 3, padding: "same" });
  add({ n: 2, h: 9, w: 9, c: 4, kh: 4, kw: 2, f: 8, sh: 3, sw: 2, padding: "valid" });
  return cases;
}

/** dw[kh, kw, c, f] = Σ x[b, iy, ix, c]·dy[b, oy, ox, f] over the window positions: conv2d's filter gradient. */
export function conv2dFilterGradRef(x: ArrayLike<number>, dy: ArrayLike<number>, s: ConvShape): Float64Array {
  const rows = convAxis(s.h, s.kh, s.sh, s.padding);
  const cols = convAxis(s.w, s.kw, s.sw, s.padding);
  const dw = new Float64Array(s.kh * s.kw * s.c * s.f);
  for (let ky = 0; ky < s.kh; ky++) {
    for (let kx = 0; kx < s.kw; kx++) {
      for (let c = 0; c < s.c; c++) {
        for (let f = 0; f < s.f; f++) {
          let sum = 0;
          for (let b = 0; b < s.n; b++) {
            for (let oy = 0; oy < rows.out; oy++) {
              const iy = oy * s.sh - rows.pad + ky;
              if (iy < 0 || iy >= s.h) continue;
              for (let ox = 0; ox < cols.out; ox++) {
                const ix = ox * s.sw - cols.pad + kx;
                if (ix < 0 || ix >= s.w) continue;
                sum += x[((b * s.h + iy) * s.w + ix) * s.c + c]! * dy[((b * rows.out + oy) * cols.out + ox) * s.f + f]!;
              }
            }
          }
          dw[((ky * s.kw + kx) * s.c + c) * s.f + f] = sum;
        }
      }
    }
  }
  return dw;
}

/** The epilogues of the fused convolution kernels in f64: relu, leaky relu (x > 0 ? x : alpha·x), or the ReLU-backward mask (v where mask > 0, else 0). */
export type EpilogueRef = { kind: "relu" } | { kind: "leakyRelu"; alpha: number } | { kind: "mask"; mask: ArrayLike<number> };

export function epilogueRef(v: ArrayLike<number>, e: EpilogueRef): Float64Array {
  return Float64Array.from(v as ArrayLike<number>, (x, i) => {
    if (e.kind === "relu") return x < 0 ? 0 : x;
    if (e.kind === "leakyRelu") return x > 0 ? x : e.alpha * x;
    return e.mask[i]! > 0 ? x : 0;
  });
}
