// y[N,OH,OW,F] = conv2d(x[N,H,W,C], w[KH,KW,C,F]) + b[F], NHWC, dilation 1,
// with TensorFlow's "same"/"valid" geometry; and its backward. In the
// notation of the gemm lowering, y = im2col(x)·w, dw = im2col(x)ᵀ·dy and
// dx = col2im(dy·wᵀ); assembly/conv-forward.ts, conv-adjoint.ts and
// conv-filter-grad.ts compute them as implicit gemms that read the image in
// place, so no im2col matrix is ever written.
import { ConfigError, describe, ShapeError } from "../errors.js";
import { getEngine } from "../wasm/module.js";
import type { Pool } from "../wasm/pool.js";
import { activateInPlace, EPILOGUE, inputGradTarget, maskInPlace, preActivationGrad, recordFused, type FusedActivation } from "./activation.js";
import { gemm } from "./gemm.js";
import { poolFor, splitRange, workStride } from "./parallel.js";
import type { Tape } from "./tape.js";
import { Tensor } from "./tensor.js";
import { shapeText } from "../shape.js";

/**
 * "valid", TensorFlow's "same" (the odd padding row at the end), or explicit
 * zero rows and columns [[top, bottom], [left, right]] (PyTorch's and ONNX's
 * pads, which may put more at the start than "same" does).
 */
export type Padding = "same" | "valid" | ExplicitPadding;
/** Zero rows and columns added around the input: [[top, bottom], [left, right]]. */
export type ExplicitPadding = readonly [readonly [number, number], readonly [number, number]];
/** One axis of a Padding: the rule, or [before, after]. */
export type AxisPadding = "same" | "valid" | readonly [number, number];

/** Axis 0 (rows) or 1 (columns) of a padding. */
export const axisPadding = (padding: Padding, axis: 0 | 1): AxisPadding => (typeof padding === "string" ? padding : padding[axis]);

/** A padding as text for messages: "same", or [[1, 0], [1, 0]]. */
export const paddingText = (padding: Padding): string =>
  typeof padding === "string" ? `"${padding}"` : `[${padding.map((a) => `[${a.join(", ")}]`).join(", ")}]`;

/**
 * The filter gradient is summed over chunks of whole images, as many as an
 * im2col matrix of this many bytes would hold (the matrix itself is never
 * written). The chunks fix the k blocks of that sum, so this is a constant:
 * changing it changes bits.
 */
const COL_CHUNK_BYTES = 1 << 20;

/**
 * The geometry of a convolution's windows: the image [n, h, w, c] read by a
 * kh×kw window at strides (sh, sw) with padTop/padLeft, giving an oh×ow grid
 * of windows.
 */
export interface WindowGeometry {
  n: number;
  h: number;
  w: number;
  c: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  padTop: number;
  padLeft: number;
  oh: number;
  ow: number;
}

/** Output length and leading padding of one axis of a convolution (TensorFlow's rule, or explicit pads). */
export function convOutputLength(input: number, kernel: number, stride: number, padding: AxisPadding): { length: number; padBefore: number } {
  if (typeof padding !== "string") return { length: Math.floor((input + padding[0] + padding[1] - kernel) / stride) + 1, padBefore: padding[0] };
  if (padding === "valid") return { length: Math.floor((input - kernel) / stride) + 1, padBefore: 0 };
  const length = Math.ceil(input / stride);
  const total = Math.max((length - 1) * stride + kernel - input, 0);
  return { length, padBefore: Math.floor(total / 2) };
}

/** Checks strides and padding given by a user or a layer config. */
export function checkWindowOptions(op: string, strides: readonly number[], padding: unknown): void {
  if (strides.length !== 2 || !strides.every((s) => Number.isInteger(s) && s >= 1)) {
    throw new ConfigError(`${op}: strides must be two positive integers, found ${shapeText(strides)}`);
  }
  if (padding === "same" || padding === "valid") return;
  const explicit = Array.isArray(padding) && padding.length === 2
    && padding.every((a: unknown) => Array.isArray(a) && a.length === 2 && a.every((p: unknown) => Number.isInteger(p) && (p as number) >= 0 && (p as number) <= 1 << 16));
  if (!explicit) {
    throw new ConfigError(`${op}: padding must be "same" or "valid" (or explicit [[top, bottom], [left, right]] of integers in [0, 65536]), found ${describe(padding)}`);
  }
}

/** Checks a 4-D NHWC tensor shape with positive spatial sizes. */
export function checkImage(op: string, what: string, shape: readonly number[]): void {
  if (shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d >= 0) || shape.slice(1).some((d) => d === 0)) {
    throw new ShapeError(`${op}: expected ${what} of shape [batch, height, width, channels], found ${shapeText(shape)}`);
  }
}

/** Validates shapes and returns the geometry of conv2d (image x, output y) plus the filter count. */
export function conv2dGeometry(
  xShape: readonly number[], wShape: readonly number[], biasSize: number | null,
  strides: readonly number[], padding: Padding,
): WindowGeometry & { f: number } {
  checkWindowOptions("conv2d", strides, padding);
  checkImage("conv2d", "an input", xShape);
  if (wShape.length !== 4 || wShape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new ShapeError(`conv2d: expected a filter of shape [kernelHeight, kernelWidth, inChannels, filters], found ${shapeText(wShape)}`);
  }
  const [n, h, w, c] = xShape as [number, number, number, number];
  const [kh, kw, wc, f] = wShape as [number, number, number, number];
  if (wc !== c) throw new ShapeError(`conv2d: input ${shapeText(xShape)} has ${c} channels but filter ${shapeText(wShape)} expects ${wc}`);
  if (biasSize !== null && biasSize !== f) {
    throw new ShapeError(`conv2d: filter ${shapeText(wShape)} has ${f} filters but the bias has ${biasSize} values`);
  }
  const [sh, sw] = strides as [number, number];
  const rows = convOutputLength(h, kh, sh, axisPadding(padding, 0));
  const cols = convOutputLength(w, kw, sw, axisPadding(padding, 1));
  if (rows.length < 1 || cols.length < 1) {
    throw new ShapeError(`conv2d: filter ${shapeText(wShape)} is larger than the input ${shapeText(xShape)} with padding ${paddingText(padding)}`);
  }
  return { n, h, w, c, kh, kw, sh, sw, padTop: rows.padBefore, padLeft: cols.padBefore, oh: rows.length, ow: cols.length, f };
}

/** A 1×1 window at stride 1 without padding: every window is one pixel, so the convolution is a plain gemm. */
export function isPointwise(g: WindowGeometry): boolean {
  return g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.padTop === 0 && g.padLeft === 0 && g.oh === g.h && g.ow === g.w;
}

/** Whole images per filter-gradient chunk: as many as COL_CHUNK_BYTES of im2col rows would hold, at least one. */
export function imagesPerChunk(g: WindowGeometry): number {
  const bytesPerImage = g.oh * g.ow * g.kh * g.kw * g.c * 4;
  return Math.max(1, Math.min(g.n, Math.floor(COL_CHUNK_BYTES / Math.max(bytesPerImage, 1))));
}

/** Bytes of a geometry block: 13 i32 (assembly/conv-common.ts's ConvGeometry). */
const GEOMETRY_BYTES = 13 * 4;

/**
 * Writes the block the convolution kernels read their geometry from,
 * [n, h, w, c, kh, kw, sh, sw, padTop, padLeft, oh, ow, f], into scratch of
 * the current scope and returns its pointer.
 */
export function convGeometryBlock(g: WindowGeometry, f: number, n = g.n): number {
  const { arena } = getEngine();
  const ptr = arena.scratch(GEOMETRY_BYTES);
  // Every field is a non-negative integer, so u32 holds the i32 the kernels read.
  arena.u32.set([n, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.padTop, g.padLeft, g.oh, g.ow, f], ptr >>> 2);
  return ptr;
}

const WORKSPACE_EXPORT = {
  forward: "f32_conv2d_nhwc_workspace_bytes",
  adjoint: "f32_conv2d_nhwc_adjoint_workspace_bytes",
  filterGrad: "f32_conv2d_nhwc_filter_grad_workspace_bytes",
} as const;

/**
 * Bytes of workspace f32_conv2d_nhwc, _adjoint or _filter_grad needs for
 * geometry g (n images) and f filters, for any range: the kernels' own
 * count of their layout.
 */
export function convWorkspaceBytes(kernel: "forward" | "adjoint" | "filterGrad", g: WindowGeometry, f: number, n = g.n): number {
  const { arena, kernels } = getEngine();
  return arena.scoped(() => kernels[WORKSPACE_EXPORT[kernel]](convGeometryBlock(g, f, n)));
}

/** A range [start, end) of an output's innermost axis (channels), or null for all of it. */
export type ChannelRange = readonly [start: number, end: number] | null;

/** What a kernel does to each output element once it is final: nothing, an activation, or the ReLU mask (by `mask`, laid out as the output). */
export type Epilogue = { act: FusedActivation } | { mask: number } | null;

const epilogueArgs = (e: Epilogue): [number, number, number] =>
  e === null ? [EPILOGUE.none, 0, 0] : "act" in e ? [EPILOGUE[e.act.kind], e.act.alpha, 0] : [EPILOGUE.mask, 0, e.mask];

/**
 * out[n·oh·ow, f] (+)= im2col(image)·wm (+ bias), then the epilogue: a
 * convolution of `image` with the [kh·kw·c, f] matrix wm, on the output
 * channels of `range` (all by default; any split gives the bits of one call).
 */
export function convForward(
  out: number, image: number, g: WindowGeometry, wm: number, bias: number, f: number, accumulate: 0 | 1,
  epilogue: Epilogue = null, range: ChannelRange = null,
): void {
  const { arena, kernels } = getEngine();
  const [f0, f1] = range ?? [0, f];
  const pool = range === null ? poolFor(convMacs(g, f, g.n)) : null;
  arena.scoped(() => {
    const geometry = convGeometryBlock(g, f);
    const bytes = kernels.f32_conv2d_nhwc_workspace_bytes(geometry);
    const kernel = epilogue === null ? "f32_conv2d_nhwc" : "f32_conv2d_nhwc_fused";
    // Where the kernel computes each pixel on its own, split by whole images: split by channels, every thread
    // walked every pixel (a one-channel input layer ran no faster on 2 threads than on 1).
    if (pool !== null && g.n >= pool.threads && kernels.f32_conv2d_nhwc_pixelwise(geometry)) {
      onImages(pool, kernel, [out, g.oh * g.ow * f * 4], [image, g.h * g.w * g.c * 4], g, wm, bias, f, accumulate, epilogue, bytes, f);
      return;
    }
    if (pool !== null) {
      onThreads(pool, kernel, [out, image, wm, bias, geometry, accumulate], f, epilogue, bytes);
      return;
    }
    const work = arena.scratch(bytes);
    if (epilogue === null) kernels.f32_conv2d_nhwc(out, image, wm, bias, geometry, accumulate, f0, f1, work);
    else kernels.f32_conv2d_nhwc_fused(out, image, wm, bias, geometry, accumulate, f0, f1, ...epilogueArgs(epilogue), work);
  });
}

/**
 * image (+)= col2im(p·wmᵀ) (+ bias when not accumulating), p [n·oh·ow, f],
 * then the epilogue: the adjoint of convForward, on the image channels of
 * `range` (all by default).
 */
export function convAdjoint(
  image: number, p: number, g: WindowGeometry, wm: number, bias: number, f: number, accumulate: 0 | 1,
  epilogue: Epilogue = null, range: ChannelRange = null,
): void {
  const { arena, kernels } = getEngine();
  const [c0, c1] = range ?? [0, g.c];
  const pool = range === null ? poolFor(convMacs(g, f, g.n)) : null;
  arena.scoped(() => {
    const geometry = convGeometryBlock(g, f);
    const bytes = kernels.f32_conv2d_nhwc_adjoint_workspace_bytes(geometry);
    const kernel = epilogue === null ? "f32_conv2d_nhwc_adjoint" : "f32_conv2d_nhwc_adjoint_fused";
    if (pool !== null && adjointByImages(g, pool.threads)) {
      onImages(pool, kernel, [image, g.h * g.w * g.c * 4], [p, g.oh * g.ow * f * 4], g, wm, bias, f, accumulate, epilogue, bytes, g.c);
      return;
    }
    if (pool !== null) {
      onThreads(pool, kernel, [image, p, wm, bias, geometry, accumulate], g.c, epilogue, bytes);
      return;
    }
    const work = arena.scratch(bytes);
    if (epilogue === null) kernels.f32_conv2d_nhwc_adjoint(image, p, wm, bias, geometry, accumulate, c0, c1, work);
    else kernels.f32_conv2d_nhwc_adjoint_fused(image, p, wm, bias, geometry, accumulate, c0, c1, ...epilogueArgs(epilogue), work);
  });
}

/** Multiply-adds of a convolution of n images with f filters: what decides whether it is split over threads. */
const convMacs = (g: WindowGeometry, f: number, n: number): number => n * g.oh * g.ow * g.kh * g.kw * g.c * f;

/** [0, count) cut into one range a thread, at multiples of the tile width (8) when each thread gets a tile. */
const channelRanges = (count: number, threads: number): [number, number][] => splitRange(count, threads, count >= 8 * threads ? 8 : 1);

/**
 * One convolution kernel on every thread, each on a range of the output's
 * channels (`count` of them): `head` is the arguments before the range,
 * then the epilogue's (for the _fused kernels), then the thread's work.
 */
function onThreads(pool: Pool, kernel: string, head: number[], count: number, epilogue: Epilogue, bytes: number): void {
  const tail = epilogue === null ? [] : epilogueArgs(epilogue);
  const stride = workStride(bytes);
  const work = getEngine().arena.scratch(stride * pool.threads);
  const tasks = channelRanges(count, pool.threads).map(([s, e]) => [...head, s, e, ...tail, work]);
  pool.run(kernel, tasks, head.length + 2 + tail.length, stride);
}

/**
 * Whether an adjoint splits by whole images rather than by image channels:
 * when there are fewer channels than threads (a transposed convolution to
 * one channel) and the kernel's few-channel scatter (c < 4) walks p in tiles
 * of 4 rows that never straddle two images (oh·ow a multiple of 4). An
 * image's pixels then come from its own rows of p alone, tile for tile as in
 * the whole call, so each image range gives the whole call's bits.
 */
const adjointByImages = (g: WindowGeometry, threads: number): boolean =>
  g.c < threads && g.c < 4 && g.n > 1 && (g.oh * g.ow) % 4 === 0;

/**
 * A forward or adjoint kernel on every thread, each on a range of whole
 * images: the output and input pointers (with their bytes an image) and the
 * mask (laid out as the output) offset to the range, n in the range's own
 * geometry block, all `channels` of the output.
 */
function onImages(
  pool: Pool, kernel: string, [output, outputImageBytes]: [number, number], [input, inputImageBytes]: [number, number],
  g: WindowGeometry, wm: number, bias: number, f: number, accumulate: 0 | 1, epilogue: Epilogue, bytes: number, channels: number,
): void {
  const [kind, alpha, mask] = epilogue === null ? [] : epilogueArgs(epilogue);
  const stride = workStride(bytes);
  const work = getEngine().arena.scratch(stride * pool.threads);
  const tasks = splitRange(g.n, pool.threads).map(([b0, b1]) => {
    const head = [output + b0 * outputImageBytes, input + b0 * inputImageBytes, wm, bias, convGeometryBlock(g, f, b1 - b0), accumulate, 0, channels];
    return epilogue === null ? [...head, work] : [...head, kind!, alpha!, mask ? mask + b0 * outputImageBytes : 0, work];
  });
  pool.run(kernel, tasks, tasks[0]!.length - 1, stride);
}

/** The epilogue that masks an input gradient written for a fused ReLU's output (see inputGradTarget). */
export const maskEpilogue = (mask: number): Epilogue => (mask ? { mask } : null);

/** After a gemm wrote an input gradient: its mask, if it needs one. */
export function maskAfterGemm(target: { ptr: number; mask: number }, n: number): void {
  if (target.mask) maskInPlace(target.ptr, target.mask, n);
}

/**
 * wm[kh·kw·c, f] (+)= im2col(image)ᵀ·grad, grad [n·oh·ow, f], summed over
 * chunks of whole images (imagesPerChunk): the chunks fix the k blocks of the
 * sum, so they depend on the shapes alone. On the filters of `range` (all by
 * default): a split over what the sum goes into, never over the batch.
 */
export function convFilterGrad(
  wm: number, image: number, grad: number, g: WindowGeometry, f: number, accumulate: 0 | 1, range: ChannelRange = null,
): void {
  const { arena, kernels } = getEngine();
  const chunk = imagesPerChunk(g);
  const pixels = g.oh * g.ow;
  const [f0, f1] = range ?? [0, f];
  const pool = range === null ? poolFor(convMacs(g, f, chunk)) : null;
  arena.scoped(() => {
    const geometry = convGeometryBlock(g, f, chunk);
    const bytes = kernels.f32_conv2d_nhwc_filter_grad_workspace_bytes(geometry);
    const stride = workStride(bytes);
    const work = arena.scratch(pool === null ? bytes : stride * pool.threads);
    for (let b0 = 0; b0 < g.n; b0 += chunk) {
      const nb = Math.min(chunk, g.n - b0);
      // The last chunk may hold fewer images: n is the block's first field.
      arena.u32[geometry >>> 2] = nb;
      const x = image + b0 * g.h * g.w * g.c * 4;
      const dy = grad + b0 * pixels * f * 4;
      const acc = b0 > 0 ? 1 : accumulate;
      if (pool !== null) {
        // Chunk after chunk as on one thread; within a chunk, the filters split over the threads.
        const tasks = channelRanges(f, pool.threads).map(([s, e]) => [wm, x, dy, geometry, acc, s, e, work]);
        pool.run("f32_conv2d_nhwc_filter_grad", tasks, 7, stride);
      } else kernels.f32_conv2d_nhwc_filter_grad(wm, x, dy, geometry, acc, f0, f1, work);
    }
  });
}

/**
 * Keras' Conv2D: x[N,H,W,C] with filter w[KH,KW,C,F] (HWIO) and bias b[F] (or
 * null) → y[N,OH,OW,F]. "valid": OH = floor((H−KH)/sh)+1; "same": OH =
 * ceil(H/sh) with the odd padding row at the bottom; explicit [[t, b], ..]:
 * OH = floor((H+t+b−KH)/sh)+1. With `act`, y =
 * act(conv2d(x)) with activation()'s bits, the activation applied as the
 * kernel writes y.
 */
export function conv2d(
  tape: Tape | null, x: Tensor, w: Tensor, b: Tensor | null,
  strides: readonly [number, number] = [1, 1], padding: Padding = "valid", act: FusedActivation | null = null,
): Tensor {
  const g = conv2dGeometry(x.shape, w.shape, b ? b.size : null, strides, padding);
  const { arena } = getEngine();
  const requiresGrad = tape !== null && (x.requiresGrad || w.requiresGrad || (b?.requiresGrad ?? false));
  const y = new Tensor(arena.scratch(g.n * g.oh * g.ow * g.f * 4), [g.n, g.oh, g.ow, g.f], requiresGrad);
  const bias = b ? b.ptr : 0;
  if (isPointwise(g)) {
    gemm("nn", y.ptr, x.ptr, w.ptr, bias, g.n * g.h * g.w, g.f, g.c, 0);
    if (act) activateInPlace(y.ptr, y.size, act);
  } else convForward(y.ptr, x.ptr, g, w.ptr, bias, g.f, 0, act ? { act } : null);
  if (requiresGrad) {
    const z = act ? recordFused(y, act) : null;
    tape!.record(() => conv2dBackward(tape!, x, w, b, y, z, act, g));
  }
  return y;
}

function conv2dBackward(
  tape: Tape, x: Tensor, w: Tensor, b: Tensor | null, y: Tensor, z: Tensor | null, act: FusedActivation | null, g: WindowGeometry & { f: number },
): void {
  const dy = z && act ? preActivationGrad(tape, y, z, act) : tape.gradOf(y);
  if (!dy) return;
  const { kernels } = getEngine();
  const pixels = g.oh * g.ow;
  if (b && b.requiresGrad) {
    const db = tape.gradTarget(b);
    kernels.f32_colsum(db.ptr, dy.ptr, g.n * pixels, g.f, db.accumulate);
  }
  const dw = w.requiresGrad ? tape.gradTarget(w) : null;
  const dx = x.requiresGrad ? inputGradTarget(tape, x) : null;
  if (isPointwise(g)) {
    const m = g.n * pixels;
    if (dw) gemm("tn", dw.ptr, x.ptr, dy.ptr, 0, g.c, g.f, m, dw.accumulate); // dw[C×F] = xᵀ·dy
    if (dx) {
      gemm("nt", dx.ptr, dy.ptr, w.ptr, 0, m, g.c, g.f, dx.accumulate); // dx[M×C] = dy·wᵀ
      maskAfterGemm(dx, x.size);
    }
    return;
  }
  if (dw) convFilterGrad(dw.ptr, x.ptr, dy.ptr, g, g.f, dw.accumulate);
  if (dx) convAdjoint(dx.ptr, dy.ptr, g, w.ptr, 0, g.f, dx.accumulate, maskEpilogue(dx.mask));
}
