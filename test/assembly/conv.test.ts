import { describe, expect, it } from "vitest";
import type { Engine } from "../../src/wasm/module.js";
import { engine, expectClose, put, randomArray } from "../helpers.js";
import { col2imRef, convAxis, convGrid, im2colRef, type GridCase } from "../reference/conv.js";

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
const colSize = (g: Window) => g.n * g.oh * g.ow * g.kh * g.kw * g.c;
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

function im2col(e: Engine, g: Window, x: Float32Array): Float32Array {
  return e.arena.scoped(() => {
    const col = guarded(e, colSize(g), Number.NaN);
    e.kernels.f32_im2col_nhwc(col, put(e, x), ...args(g));
    expectGuard(e, col, colSize(g), "im2col");
    return e.arena.read(col, colSize(g));
  });
}

function col2im(e: Engine, g: Window, col: Float32Array, x0: Float32Array | null): Float32Array {
  return e.arena.scoped(() => {
    const x = guarded(e, imageSize(g), x0 ?? Number.NaN);
    e.kernels.f32_col2im_nhwc(x, put(e, col), ...args(g), x0 ? 1 : 0);
    expectGuard(e, x, imageSize(g), "col2im");
    return e.arena.read(x, imageSize(g));
  });
}

const cases = convGrid();

describe("f32_im2col_nhwc", () => {
  it.each(cases.map((s) => [s.label, s] as const))("%s equals the definition", async (_, s) => {
    const e = await engine();
    const g = windowOf(s);
    const x = randomArray(imageSize(g), s.h * 31 + s.c);
    expectClose(im2col(e, g, x), im2colRef(x, ...args(g)), { atol: 0, rtol: 0 }, `im2col ${s.label}`);
  });
});

describe("f32_col2im_nhwc", () => {
  it.each(cases.map((s) => [s.label, s] as const))("%s against f64, writing and accumulating", async (_, s) => {
    const e = await engine();
    const g = windowOf(s);
    const col = randomArray(colSize(g), s.w * 17 + s.kh);
    const x0 = randomArray(imageSize(g), s.n * 5 + s.kw);
    // At most kh·kw + 1 terms per element: that many f32 roundings of Σ|terms|.
    const abs = (v: Float32Array) => v.map(Math.abs);
    for (const prior of [null, x0]) {
      const expected = col2imRef(col, prior, ...args(g));
      const scale = col2imRef(abs(col), prior ? abs(prior) : null, ...args(g));
      const got = col2im(e, g, col, prior);
      const bound = (s.kh * s.kw + 1) * 2 ** -24;
      for (let i = 0; i < got.length; i++) {
        if (!(Math.abs(got[i]! - expected[i]!) <= bound * scale[i]! + 1e-30)) {
          expect.fail(`col2im ${s.label} accumulate=${prior ? 1 : 0}: at [${i}] expected ${expected[i]}, got ${got[i]}`);
        }
      }
    }
  });

  it("is the transpose of im2col: <im2col(x), col> = <x, col2im(col)>", async () => {
    const e = await engine();
    for (const s of cases.filter((_, i) => i % 7 === 0)) {
      const g = windowOf(s);
      const x = randomArray(imageSize(g), 3);
      const col = randomArray(colSize(g), 4);
      const a = im2col(e, g, x).reduce((t, v, i) => t + v * col[i]!, 0);
      const b = col2im(e, g, col, null).reduce((t, v, i) => t + v * x[i]!, 0);
      expect(Math.abs(a - b), s.label).toBeLessThan(1e-4 * (1 + Math.abs(a)));
    }
  });

  it("gives every channel the bits it gets alone (vector and scalar paths agree)", async () => {
    const e = await engine();
    for (const c of [5, 8, 9, 32]) {
      const g: Window = { n: 2, h: 7, w: 6, c, kh: 3, kw: 3, sh: 2, sw: 1, padTop: 1, padLeft: 1, oh: 4, ow: 6 };
      const col = randomArray(colSize(g), c);
      const all = col2im(e, g, col, null);
      for (const ch of [0, 3, c - 1]) {
        const one = { ...g, c: 1 };
        const slice = col.filter((_, i) => i % c === ch);
        const alone = col2im(e, one, slice, null);
        const mine = all.filter((_, i) => i % c === ch);
        expect(Array.from(mine), `channel ${ch} of ${c}`).toEqual(Array.from(alone));
      }
    }
  });
});
