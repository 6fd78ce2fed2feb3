// The range arguments of the convolution kernels (src/wasm/kernels.ts): a
// kernel run over 1, 2, 3, 4 or 7 consecutive ranges of its output's
// channels — uneven, on no tile boundary, some empty — gives the bits of one
// call over all of them, and a call leaves the output outside its range alone.
import { describe, expect, it } from "vitest";
import { convGeometryBlock, convWorkspaceBytes } from "../../src/ops/conv2d.js";
import type { Engine } from "../../src/wasm/module.js";
import { engine, put, randomArray } from "../helpers.js";
import { convAxis, convGrid, type GridCase } from "../reference/conv.js";

const SPLITS = [1, 2, 3, 4, 7];

/** Bounds of `parts` consecutive ranges covering [0, size): uneven (a quadratic spacing, shifted off multiples of 4 and 8), possibly empty. */
function splitBounds(size: number, parts: number): number[] {
  const bounds = [0];
  for (let i = 1; i < parts; i++) bounds.push(Math.min(size, Math.floor((size * i * i) / (parts * parts)) + (i % 2)));
  bounds.push(size);
  for (let i = 1; i < bounds.length; i++) bounds[i] = Math.max(bounds[i]!, bounds[i - 1]!);
  return bounds;
}

const shapes: GridCase[] = [
  ...convGrid(),
  { label: "n2 12x12x4 k3x3 f9 s22 same", n: 2, h: 12, w: 12, c: 4, kh: 3, kw: 3, f: 9, sh: 2, sw: 2, padding: "same" },
  { label: "n3 14x14x32 k3x3 f16 s22 same (two k blocks)", n: 3, h: 14, w: 14, c: 32, kh: 3, kw: 3, f: 16, sh: 2, sw: 2, padding: "same" },
  { label: "n2 7x7x40 k3x3 f33 s11 same (adjoint depth 297)", n: 2, h: 7, w: 7, c: 40, kh: 3, kw: 3, f: 33, sh: 1, sw: 1, padding: "same" },
  { label: "n9 28x28x1 k3x3 f32 s22 same (one channel, stride 2)", n: 9, h: 28, w: 28, c: 1, kh: 3, kw: 3, f: 32, sh: 2, sw: 2, padding: "same" },
  { label: "n2 10x10x2 k9x9 f5 s11 same (c < 4)", n: 2, h: 10, w: 10, c: 2, kh: 9, kw: 9, f: 5, sh: 1, sw: 1, padding: "same" },
  { label: "n1 20x20x3 k11x11 f4 s11 same (k > one block, c < 4)", n: 1, h: 20, w: 20, c: 3, kh: 11, kw: 11, f: 4, sh: 1, sw: 1, padding: "same" },
  { label: "n2 9x9x6 k2x2 f300 s33 valid (f past one NC block of 8-column tiles)", n: 2, h: 9, w: 9, c: 6, kh: 2, kw: 2, f: 300, sh: 3, sw: 3, padding: "valid" },
  { label: "n2 8x8x3 k3x3 f48 s11 same (paired pixels, c < 4)", n: 2, h: 8, w: 8, c: 3, kh: 3, kw: 3, f: 48, sh: 1, sw: 1, padding: "same" },
];

type Variant = { kernel: "forward" | "adjoint" | "filterGrad"; epilogue: number; alpha: number };
const VARIANTS: Variant[] = [
  { kernel: "forward", epilogue: 0, alpha: 0 },
  { kernel: "forward", epilogue: 1, alpha: 0 },
  { kernel: "forward", epilogue: 3, alpha: 0 },
  { kernel: "adjoint", epilogue: 0, alpha: 0 },
  { kernel: "adjoint", epilogue: 2, alpha: 0.3 },
  { kernel: "adjoint", epilogue: 3, alpha: 0 },
  { kernel: "filterGrad", epilogue: 0, alpha: 0 },
];

const nameOf = (v: Variant) =>
  v.kernel === "forward" ? (v.epilogue ? "f32_conv2d_nhwc_fused" : "f32_conv2d_nhwc")
  : v.kernel === "adjoint" ? (v.epilogue ? "f32_conv2d_nhwc_adjoint_fused" : "f32_conv2d_nhwc_adjoint")
  : "f32_conv2d_nhwc_filter_grad";

/** The operands of one shape: image, filter, output gradient, biases, a prior output and a mask for each kernel. */
function operands(s: GridCase) {
  const rows = convAxis(s.h, s.kh, s.sh, s.padding);
  const cols = convAxis(s.w, s.kw, s.sw, s.padding);
  const g = { n: s.n, h: s.h, w: s.w, c: s.c, kh: s.kh, kw: s.kw, sh: s.sh, sw: s.sw, padTop: rows.pad, padLeft: cols.pad, oh: rows.out, ow: cols.out };
  const m = s.n * g.oh * g.ow;
  const k = s.kh * s.kw * s.c;
  const image = s.n * s.h * s.w * s.c;
  const out = { forward: m * s.f, adjoint: image, filterGrad: k * s.f };
  const axis = { forward: s.f, adjoint: s.c, filterGrad: s.f };
  return {
    g, out, axis,
    x: randomArray(image, s.h + 3 * s.c), w: randomArray(k * s.f, s.kw + s.f), p: randomArray(m * s.f, s.w + 7),
    biasF: randomArray(s.f, 11), biasC: randomArray(s.c, 13),
    prior: (n: number) => randomArray(n, 17), mask: (n: number) => randomArray(n, 19),
  };
}

/**
 * Runs variant v over the given bounds (consecutive ranges), each call with
 * its own NaN-filled workspace, and returns the output's bits; fails if a
 * call changed the output outside its range.
 */
function runRanges(e: Engine, s: GridCase, v: Variant, accumulate: 0 | 1, bias: boolean, bounds: number[]): Uint32Array {
  const o = operands(s);
  return e.arena.scoped(() => {
    const size = o.out[v.kernel];
    const out = put(e, accumulate ? o.prior(size) : new Float32Array(size).fill(Number.NaN));
    const mask = put(e, o.mask(size));
    const geometry = convGeometryBlock(o.g, s.f);
    const bytes = convWorkspaceBytes(v.kernel, o.g, s.f);
    const ks = e.kernels as unknown as Record<string, (...a: number[]) => void>;
    const x = put(e, o.x);
    const w = put(e, o.w);
    const p = put(e, o.p);
    const biasPtr = bias ? put(e, v.kernel === "adjoint" ? o.biasC : o.biasF) : 0;
    const axis = o.axis[v.kernel];
    for (let i = 0; i + 1 < bounds.length; i++) {
      const [lo, hi] = [bounds[i]!, bounds[i + 1]!];
      const work = e.arena.scratch(bytes);
      e.arena.f32.fill(Number.NaN, work >>> 2, (work + bytes) >>> 2);
      const before = new Uint32Array(e.arena.u32.slice(out >>> 2, (out >>> 2) + size));
      if (v.kernel === "filterGrad") ks[nameOf(v)]!(out, x, p, geometry, accumulate, lo, hi, work);
      else if (v.kernel === "forward" && !v.epilogue) ks[nameOf(v)]!(out, x, w, biasPtr, geometry, accumulate, lo, hi, work);
      else if (v.kernel === "forward") ks[nameOf(v)]!(out, x, w, biasPtr, geometry, accumulate, lo, hi, v.epilogue, v.alpha, mask, work);
      else if (!v.epilogue) ks[nameOf(v)]!(out, p, w, biasPtr, geometry, accumulate, lo, hi, work);
      else ks[nameOf(v)]!(out, p, w, biasPtr, geometry, accumulate, lo, hi, v.epilogue, v.alpha, mask, work);
      const after = e.arena.u32.slice(out >>> 2, (out >>> 2) + size);
      for (let j = 0; j < size; j++) {
        const channel = j % axis;
        if ((channel < lo || channel >= hi) && after[j] !== before[j]) {
          expect.fail(`${nameOf(v)} ${s.label}: the range [${lo}, ${hi}) of ${axis} changed element ${j} (channel ${channel}) outside it`);
        }
      }
    }
    return new Uint32Array(e.arena.u32.slice(out >>> 2, (out >>> 2) + size));
  });
}

function firstDifference(a: Uint32Array, b: Uint32Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe("convolution kernels over ranges of channels", () => {
  for (const v of VARIANTS) {
    it(`${nameOf(v)}${v.epilogue ? ` (epilogue ${v.epilogue})` : ""}: 1, 2, 3, 4 and 7 ranges give the bits of the whole call`, async () => {
      const e = await engine();
      for (const s of shapes) {
        for (const accumulate of [0, 1] as const) {
          // The adjoint adds its bias only when writing; the filter gradient has none.
          const bias = v.kernel === "forward" || (v.kernel === "adjoint" && !accumulate);
          const axis = v.kernel === "adjoint" ? s.c : s.f;
          const whole = runRanges(e, s, v, accumulate, bias, [0, axis]);
          for (const parts of SPLITS) {
            const bounds = splitBounds(axis, parts);
            const split = runRanges(e, s, v, accumulate, bias, bounds);
            const at = firstDifference(whole, split);
            if (at >= 0) {
              expect.fail(`${nameOf(v)} ${s.label}, accumulate ${accumulate}, ranges ${JSON.stringify(bounds)}: element ${at} is ` +
                `${new Float32Array(split.buffer)[at]} split, ${new Float32Array(whole.buffer)[at]} whole`);
            }
          }
        }
      }
    });
  }

  it("clamps a range to the axis and does nothing for an empty one", async () => {
    const e = await engine();
    const s = shapes[shapes.length - 1]!;
    const v = VARIANTS[0]!;
    const whole = runRanges(e, s, v, 1, true, [0, s.f]);
    expect(firstDifference(whole, runRanges(e, s, v, 1, true, [-5, 7, 7, 3 * s.f]))).toBe(-1);
    const untouched = new Uint32Array(operands(s).prior(operands(s).out.forward).buffer);
    expect(firstDifference(untouched, runRanges(e, s, v, 1, true, [9, 9]))).toBe(-1);
  });

  it("splits uneven and off the tiles", () => {
    expect(splitBounds(33, 7)).toEqual([0, 1, 2, 7, 10, 17, 24, 33]);
    expect(splitBounds(1, 4)).toEqual([0, 1, 1, 1, 1]);
  });
});
