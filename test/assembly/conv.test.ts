import { describe, expect, it } from "vitest";
import { convGeometryBlock, convWorkspaceBytes } from "../../src/ops/conv2d.js";
import type { Engine } from "../../src/wasm/module.js";
import { engine, put, randomArray } from "../helpers.js";
import { col2imRef, convAxis, convGrid, epilogueRef, im2colRef, type EpilogueRef, type GridCase } from "../reference/conv.js";

const SENTINEL = -7777.25;
const GUARD = 8;

interface Window {
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

function windowOf(s: GridCase): Window {
  const rows = convAxis(s.h, s.kh, s.sh, s.padding);
  const cols = convAxis(s.w, s.kw, s.sw, s.padding);
  return { n: s.n, h: s.h, w: s.w, c: s.c, kh: s.kh, kw: s.kw, sh: s.sh, sw: s.sw, padTop: rows.pad, padLeft: cols.pad, oh: rows.out, ow: cols.out };
}

const args = (g: Window) => [g.n, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.padTop, g.padLeft, g.oh, g.ow] as const;
const imageSize = (g: Window) => g.n * g.h * g.w * g.c;

/** Output memory of `n` floats (filled with `fill`) followed by GUARD sentinels. */
function guarded(e: Engine, n: number, fill: number | Float32Array): number {
  const region = new Float32Array(n + GUARD).fill(SENTINEL);
  if (typeof fill === "number") region.fill(fill, 0, n);
  else region.set(fill);
  return put(e, region);
}

function expectGuard(e: Engine, ptr: number, n: number, label: string): void {
  expect(Array.from(e.arena.read(ptr + 4 * n, GUARD)), `${label}: wrote past the end`).toEqual(new Array(GUARD).fill(SENTINEL));
}

const cases = convGrid();

// ---- the convolution kernels (implicit gemm and the few-channel paths) ------

const U = 2 ** -24;

/** A product's output against f64: |got − expected| ≤ (terms + 2)·2⁻²⁴·Σ|terms|, the bound of an f32 sum of that many terms. */
function expectSumClose(got: Float32Array, expected: Float64Array, scale: Float64Array, terms: number, label: string): void {
  expect(got.length, `${label}: length`).toBe(expected.length);
  for (let i = 0; i < got.length; i++) {
    if (!(Math.abs(got[i]! - expected[i]!) <= (terms + 2) * U * scale[i]! + 1e-30)) {
      expect.fail(`${label}: at [${i}] expected ${expected[i]}, got ${got[i]} (|diff| ${Math.abs(got[i]! - expected[i]!)})`);
    }
  }
}

/** a[rows×k]·b[k×cols] in f64, or with |a|, |b| when `abs`. */
function matmul(a: ArrayLike<number>, b: ArrayLike<number>, rows: number, k: number, cols: number, abs = false): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let p = 0; p < k; p++) {
      const av = abs ? Math.abs(a[i * k + p]!) : a[i * k + p]!;
      for (let j = 0; j < cols; j++) out[i * cols + j]! += av * (abs ? Math.abs(b[p * cols + j]!) : b[p * cols + j]!);
    }
  }
  return out;
}

const transpose = (a: ArrayLike<number>, rows: number, cols: number): Float64Array => {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j]!;
  return t;
};

type ConvKernel = "forward" | "adjoint" | "filterGrad";
const KERNEL_NAMES = { forward: "f32_conv2d_nhwc", adjoint: "f32_conv2d_nhwc_adjoint", filterGrad: "f32_conv2d_nhwc_filter_grad" } as const;

/**
 * Runs one convolution kernel on guarded output and workspace: out (+)= the
 * product (out starts as `prior`, or NaN when writing), workspace of exactly
 * convWorkspaceBytes followed by sentinels. Returns the output.
 */
function runConv(e: Engine, kernel: ConvKernel, g: Window, f: number, data: { a: Float32Array; b: Float32Array; bias?: Float32Array }, outSize: number, prior: Float32Array | null): Float32Array {
  return e.arena.scoped(() => {
    const out = guarded(e, outSize, prior ?? Number.NaN);
    const bytes = convWorkspaceBytes(kernel, g, f);
    const work = e.arena.scratch(bytes + 4 * GUARD);
    e.arena.f32.fill(SENTINEL, (work + bytes) >>> 2, ((work + bytes) >>> 2) + GUARD);
    const k = e.kernels as unknown as Record<string, (...v: number[]) => void>;
    const a = put(e, data.a);
    const b = put(e, data.b);
    const acc = prior ? 1 : 0;
    const geometry = convGeometryBlock(g, f);
    const end = kernel === "adjoint" ? g.c : f;
    if (kernel === "filterGrad") k[KERNEL_NAMES[kernel]]!(out, a, b, geometry, acc, 0, end, work);
    else k[KERNEL_NAMES[kernel]]!(out, a, b, data.bias ? put(e, data.bias) : 0, geometry, acc, 0, end, work);
    expectGuard(e, out, outSize, KERNEL_NAMES[kernel]);
    expect(Array.from(e.arena.read(work + bytes, GUARD)), `${KERNEL_NAMES[kernel]}: wrote past its workspace`).toEqual(new Array(GUARD).fill(SENTINEL));
    return e.arena.read(out, outSize);
  });
}

/** Cases of the grid, plus shapes that reach every path: c below and at 4, depths past one k block, long pixel streams. */
const kernelCases: GridCase[] = [
  ...cases,
  { label: "n2 12x12x4 k3x3 f9 s22 same", n: 2, h: 12, w: 12, c: 4, kh: 3, kw: 3, f: 9, sh: 2, sw: 2, padding: "same" },
  { label: "n3 14x14x32 k3x3 f16 s22 same (k 288: two blocks)", n: 3, h: 14, w: 14, c: 32, kh: 3, kw: 3, f: 16, sh: 2, sw: 2, padding: "same" },
  { label: "n2 7x7x40 k3x3 f33 s11 same (c 40: the adjoint's depth 297)", n: 2, h: 7, w: 7, c: 40, kh: 3, kw: 3, f: 33, sh: 1, sw: 1, padding: "same" },
  { label: "n9 28x28x1 k3x3 f32 s22 same (stream of 1764)", n: 9, h: 28, w: 28, c: 1, kh: 3, kw: 3, f: 32, sh: 2, sw: 2, padding: "same" },
  { label: "n2 10x10x2 k9x9 f5 s11 same (k 162, c < 4)", n: 2, h: 10, w: 10, c: 2, kh: 9, kw: 9, f: 5, sh: 1, sw: 1, padding: "same" },
  { label: "n1 20x20x3 k11x11 f4 s11 same (k 363 > one block, c < 4)", n: 1, h: 20, w: 20, c: 3, kh: 11, kw: 11, f: 4, sh: 1, sw: 1, padding: "same" },
  { label: "n2 9x9x6 k2x2 f300 s33 valid (f 300: two blocks, gaps)", n: 2, h: 9, w: 9, c: 6, kh: 2, kw: 2, f: 300, sh: 3, sw: 3, padding: "valid" },
];

/**
 * A forward case: its inputs (the same seeds for the plain and the fused
 * kernel) and, writing and accumulating onto y0, the f64 result, the sum of
 * the terms' magnitudes that bounds its error, and the number of terms.
 */
function forwardCase(s: GridCase) {
  const g = windowOf(s);
  const k = s.kh * s.kw * s.c;
  const m = s.n * g.oh * g.ow;
  const x = randomArray(imageSize(g), s.h * 7 + s.f);
  const w = randomArray(k * s.f, s.kw + 3 * s.c);
  const b = randomArray(s.f, s.f + 2);
  const y0 = randomArray(m * s.f, 5);
  const col = im2colRef(x, ...args(g));
  const product = matmul(col, w, m, k, s.f);
  const scale = matmul(col, w, m, k, s.f, true);
  const priors = [null, y0].map((prior) => ({
    prior,
    expected: product.map((v, i) => v + (prior ? prior[i]! : 0) + b[i % s.f]!),
    bound: scale.map((v, i) => v + (prior ? Math.abs(prior[i]!) : 0) + Math.abs(b[i % s.f]!)),
  }));
  return { g, size: m * s.f, terms: k + 2, inputs: { a: x, b: w, bias: b }, priors };
}

/** An adjoint case, as forwardCase: the bias goes in only when writing (onto x0, none). */
function adjointCase(s: GridCase) {
  const g = windowOf(s);
  const k = s.kh * s.kw * s.c;
  const m = s.n * g.oh * g.ow;
  const p = randomArray(m * s.f, s.w * 11 + s.c);
  const w = randomArray(k * s.f, s.kh + 5 * s.f);
  const b = randomArray(s.c, s.c + 9);
  const x0 = randomArray(imageSize(g), 6);
  const wt = transpose(w, k, s.f);
  const product = col2imRef(matmul(p, wt, m, s.f, k), null, ...args(g));
  const scale = col2imRef(matmul(p, wt, m, s.f, k, true), null, ...args(g));
  const priors = [null, x0].map((prior) => ({
    prior,
    inputs: { a: p, b: w, bias: prior ? undefined : b },
    expected: product.map((v, i) => v + (prior ? prior[i]! : b[i % s.c]!)),
    bound: scale.map((v, i) => v + Math.abs(prior ? prior[i]! : b[i % s.c]!)),
  }));
  return { g, size: imageSize(g), terms: s.kh * s.kw * s.f + 2, priors };
}

describe("f32_conv2d_nhwc", () => {
  it.each(kernelCases.map((s) => [s.label, s] as const))("%s: y = im2col(x)·w + b against f64, writing and accumulating", async (_, s) => {
    const e = await engine();
    const c = forwardCase(s);
    for (const { prior, expected, bound } of c.priors) {
      const got = runConv(e, "forward", c.g, s.f, c.inputs, c.size, prior);
      expectSumClose(got, expected, bound, c.terms, `${s.label} accumulate=${prior ? 1 : 0}`);
    }
  });

  it("gives the bits of f32_gemm_nn on the im2col matrix (padding taps skipped, not multiplied)", async () => {
    const e = await engine();
    for (const s of kernelCases.filter((_, i) => i % 3 === 0)) {
      const g = windowOf(s);
      const k = s.kh * s.kw * s.c;
      const m = s.n * g.oh * g.ow;
      const x = randomArray(imageSize(g), 21);
      const w = randomArray(k * s.f, 22);
      const b = randomArray(s.f, 23);
      const viaGemm = e.arena.scoped(() => {
        const col = put(e, Float32Array.from(im2colRef(x, ...args(g))));
        const y = e.arena.scratch(4 * m * s.f);
        e.kernels.f32_gemm_nn(y, col, put(e, w), put(e, b), m, s.f, k, 0, e.arena.scratch(e.kernels.gemm_workspace_bytes(m, s.f, k)));
        return e.arena.read(y, m * s.f);
      });
      const got = runConv(e, "forward", g, s.f, { a: x, b: w, bias: b }, m * s.f, null);
      for (let i = 0; i < got.length; i++) {
        if (got[i] !== viaGemm[i]) expect.fail(`${s.label}: at [${i}] gemm gives ${viaGemm[i]}, the kernel ${got[i]}`);
      }
    }
  });
});

describe("f32_conv2d_nhwc_adjoint", () => {
  it.each(kernelCases.map((s) => [s.label, s] as const))("%s: x = col2im(p·wᵀ) + b against f64, writing and accumulating", async (_, s) => {
    const e = await engine();
    const c = adjointCase(s);
    for (const { prior, inputs, expected, bound } of c.priors) {
      const got = runConv(e, "adjoint", c.g, s.f, inputs, c.size, prior);
      expectSumClose(got, expected, bound, c.terms, `${s.label} accumulate=${prior ? 1 : 0}`);
    }
  });

  it("is the transpose of f32_conv2d_nhwc: <conv(x), p> = <x, adjoint(p)>", async () => {
    const e = await engine();
    for (const s of kernelCases.filter((_, i) => i % 5 === 0)) {
      const g = windowOf(s);
      const k = s.kh * s.kw * s.c;
      const m = s.n * g.oh * g.ow;
      const x = randomArray(imageSize(g), 31);
      const p = randomArray(m * s.f, 32);
      const w = randomArray(k * s.f, 33);
      const y = runConv(e, "forward", g, s.f, { a: x, b: w }, m * s.f, null);
      const xt = runConv(e, "adjoint", g, s.f, { a: p, b: w }, imageSize(g), null);
      const left = y.reduce((t, v, i) => t + v * p[i]!, 0);
      const right = xt.reduce((t, v, i) => t + v * x[i]!, 0);
      expect(Math.abs(left - right), s.label).toBeLessThan(1e-4 * (1 + Math.abs(left)));
    }
  });
});

describe("f32_conv2d_nhwc_filter_grad", () => {
  it.each(kernelCases.map((s) => [s.label, s] as const))("%s: w = im2col(x)ᵀ·g against f64, writing and accumulating", async (_, s) => {
    const e = await engine();
    const g = windowOf(s);
    const k = s.kh * s.kw * s.c;
    const m = s.n * g.oh * g.ow;
    const x = randomArray(imageSize(g), s.h * 13 + s.kh);
    const grad = randomArray(m * s.f, s.f * 3 + s.w);
    const w0 = randomArray(k * s.f, 7);
    const colT = transpose(im2colRef(x, ...args(g)), m, k);
    const product = matmul(colT, grad, k, m, s.f);
    const scale = matmul(colT, grad, k, m, s.f, true);
    for (const prior of [null, w0]) {
      const expected = product.map((v, i) => v + (prior ? prior[i]! : 0));
      const bound = scale.map((v, i) => v + (prior ? Math.abs(prior[i]!) : 0));
      const got = runConv(e, "filterGrad", g, s.f, { a: x, b: grad }, k * s.f, prior);
      expectSumClose(got, expected, bound, m + 2, `${s.label} accumulate=${prior ? 1 : 0}`);
    }
  });

  it("no pixels: zero, or the prior unchanged when accumulating", async () => {
    const e = await engine();
    const g: Window = { n: 0, h: 5, w: 5, c: 8, kh: 3, kw: 3, sh: 1, sw: 1, padTop: 1, padLeft: 1, oh: 5, ow: 5 };
    const w0 = randomArray(72 * 3, 8);
    expect(Array.from(runConv(e, "filterGrad", g, 3, { a: new Float32Array(0), b: new Float32Array(0) }, 72 * 3, null))).toEqual(new Array(216).fill(0));
    expect(Array.from(runConv(e, "filterGrad", g, 3, { a: new Float32Array(0), b: new Float32Array(0) }, 72 * 3, w0))).toEqual(Array.from(w0));
  });
});

// ---- the _fused variants: each finished element through an epilogue ----------

const EPILOGUES = [
  { name: "relu", code: 1, alpha: 0 },
  { name: "leakyRelu", code: 2, alpha: 0.3 },
  { name: "mask", code: 3, alpha: 0 },
] as const;

/**
 * Runs the _fused variant of the forward or adjoint kernel (out starts as
 * `prior`, or NaN when writing) with a guarded workspace; the mask array
 * (read by epilogue 3) is `mask`.
 */
function runFused(
  e: Engine, kernel: "forward" | "adjoint", g: Window, f: number, data: { a: Float32Array; b: Float32Array; bias?: Float32Array },
  outSize: number, prior: Float32Array | null, epilogue: (typeof EPILOGUES)[number], mask: Float32Array,
): Float32Array {
  return e.arena.scoped(() => {
    const out = guarded(e, outSize, prior ?? Number.NaN);
    const bytes = convWorkspaceBytes(kernel, g, f);
    const work = e.arena.scratch(bytes + 4 * GUARD);
    e.arena.f32.fill(SENTINEL, (work + bytes) >>> 2, ((work + bytes) >>> 2) + GUARD);
    const name = kernel === "forward" ? "f32_conv2d_nhwc_fused" : "f32_conv2d_nhwc_adjoint_fused";
    const bias = data.bias ? put(e, data.bias) : 0;
    e.kernels[name](out, put(e, data.a), put(e, data.b), bias, convGeometryBlock(g, f), prior ? 1 : 0, 0, kernel === "forward" ? f : g.c, epilogue.code, epilogue.alpha, put(e, mask), work);
    expectGuard(e, out, outSize, name);
    expect(Array.from(e.arena.read(work + bytes, GUARD)), `${name}: wrote past its workspace`).toEqual(new Array(GUARD).fill(SENTINEL));
    return e.arena.read(out, outSize);
  });
}

/** The separate pass a fused epilogue replaces, on a copy of `v`: f32_relu, f32_leaky_relu or f32_relu_backward. */
function separatePass(e: Engine, v: Float32Array, epilogue: (typeof EPILOGUES)[number], mask: Float32Array): Float32Array {
  return e.arena.scoped(() => {
    const p = put(e, v);
    if (epilogue.code === 1) e.kernels.f32_relu(p, p, v.length);
    else if (epilogue.code === 2) e.kernels.f32_leaky_relu(p, p, epilogue.alpha, v.length);
    else e.kernels.f32_relu_backward(p, p, put(e, mask), v.length, 0);
    return e.arena.read(p, v.length);
  });
}

const refEpilogue = (epilogue: (typeof EPILOGUES)[number], mask: Float32Array): EpilogueRef =>
  epilogue.code === 1 ? { kind: "relu" } : epilogue.code === 2 ? { kind: "leakyRelu", alpha: epilogue.alpha } : { kind: "mask", mask };

/** A mask with every sign and a few exact zeros (the relu output a gradient is masked by). */
function maskArray(n: number, seed: number): Float32Array {
  const m = randomArray(n, seed);
  for (let i = 0; i < n; i += 7) m[i] = i % 14 === 0 ? 0 : -0;
  return m;
}

function expectSameBits(got: Float32Array, want: Float32Array, label: string): void {
  const a = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const b = new Uint32Array(want.buffer, want.byteOffset, want.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) expect.fail(`${label}: at [${i}] the separate pass gives ${want[i]}, the fused kernel ${got[i]}`);
  }
}

describe("f32_conv2d_nhwc_fused", () => {
  it.each(kernelCases.map((s) => [s.label, s] as const))("%s: epilogue(im2col(x)·w + b) against f64 and the separate pass's bits", async (_, s) => {
    const e = await engine();
    const c = forwardCase(s);
    const mask = maskArray(c.size, s.c + 41);
    for (const { prior, expected, bound } of c.priors) {
      const plain = runConv(e, "forward", c.g, s.f, c.inputs, c.size, prior);
      for (const epi of EPILOGUES) {
        const label = `${s.label} accumulate=${prior ? 1 : 0} ${epi.name}`;
        const got = runFused(e, "forward", c.g, s.f, c.inputs, c.size, prior, epi, mask);
        // relu, leaky relu (alpha < 1) and the mask shrink an error, so the sum's bound holds after them.
        expectSumClose(got, epilogueRef(expected, refEpilogue(epi, mask)), bound, c.terms, label);
        expectSameBits(got, separatePass(e, plain, epi, mask), label);
      }
    }
  });
});

describe("f32_conv2d_nhwc_fused without a bias (an input gradient's mask)", () => {
  it.each(kernelCases.map((s) => [s.label, s] as const))("%s: the separate pass's bits, writing", async (_, s) => {
    const e = await engine();
    const c = forwardCase(s);
    const inputs = { a: c.inputs.a, b: c.inputs.b };
    const mask = maskArray(c.size, s.c + 47);
    const plain = runConv(e, "forward", c.g, s.f, inputs, c.size, null);
    for (const epi of EPILOGUES) {
      const got = runFused(e, "forward", c.g, s.f, inputs, c.size, null, epi, mask);
      expectSameBits(got, separatePass(e, plain, epi, mask), `${s.label} no bias ${epi.name}`);
    }
  });
});

describe("f32_conv2d_nhwc_adjoint_fused", () => {
  it.each(kernelCases.map((s) => [s.label, s] as const))("%s: epilogue(col2im(p·wᵀ) + b) against f64 and the separate pass's bits", async (_, s) => {
    const e = await engine();
    const c = adjointCase(s);
    const mask = maskArray(c.size, s.f + 43);
    for (const { prior, inputs, expected, bound } of c.priors) {
      const plain = runConv(e, "adjoint", c.g, s.f, inputs, c.size, prior);
      for (const epi of EPILOGUES) {
        const label = `${s.label} accumulate=${prior ? 1 : 0} ${epi.name}`;
        const got = runFused(e, "adjoint", c.g, s.f, inputs, c.size, prior, epi, mask);
        expectSumClose(got, epilogueRef(expected, refEpilogue(epi, mask)), bound, c.terms, label);
        expectSameBits(got, separatePass(e, plain, epi, mask), label);
      }
    }
  });
});
