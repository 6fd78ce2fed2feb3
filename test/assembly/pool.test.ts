import { describe, expect, it } from "vitest";
import type { Engine } from "../../src/wasm/module.js";
import { engine, expectClose, put, randomArray } from "../helpers.js";
import { maxPoolBackwardRef, maxPoolRef, upsampleBackwardRef, upsampleRef } from "../reference/conv.js";

const SIDES = [2, 3, 4, 5, 7, 8, 9];
const CHANNELS = [1, 3, 4, 5, 8, 9, 32];
const SENTINEL = -7777.25;
const GUARD = 8;
const EXACT = { atol: 0, rtol: 0 };

type Shape = [n: number, h: number, w: number, c: number];
const GRID: Shape[] = SIDES.flatMap((h, i) => CHANNELS.map((c, j) => [1 + ((i + j) % 3), h, SIDES[(i + 2 * j + 1) % SIDES.length]!, c] as Shape));

/** Runs a kernel writing `n` floats (starting as `init`) and checks the guard after them. */
function out(e: Engine, n: number, init: Float32Array | null, kernel: (p: number) => void, label: string): Float32Array {
  return e.arena.scoped(() => {
    const region = new Float32Array(n + GUARD).fill(SENTINEL);
    if (init) region.set(init);
    else region.fill(Number.NaN, 0, n);
    const p = put(e, region);
    kernel(p);
    expect(Array.from(e.arena.read(p + 4 * n, GUARD)), `${label}: wrote past the end`).toEqual(new Array(GUARD).fill(SENTINEL));
    return e.arena.read(p, n);
  });
}

/** Integer-valued data with many ties inside windows. */
function tied(count: number, seed: number): Float32Array {
  return randomArray(count, seed).map((v) => Math.round(v * 2));
}

/** ((a + b) + c) + d in f32, as the kernel adds each 2×2 block. */
function upsampleBackwardF32(dy: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
  const f = Math.fround;
  const dx = new Float32Array(n * h * w * c);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        for (let ch = 0; ch < c; ch++) {
          const at = (y: number, x: number) => dy[((b * 2 * h + 2 * i + y) * 2 * w + 2 * j + x) * c + ch]!;
          dx[((b * h + i) * w + j) * c + ch] = f(f(f(at(0, 0) + at(0, 1)) + at(1, 0)) + at(1, 1));
        }
      }
    }
  }
  return dx;
}

describe("pooling kernels", () => {
  it.each(GRID)("f32_maxpool2x2 n=%i %ix%ix%i, random and tied data", async (n, h, w, c) => {
    const e = await engine();
    const size = n * (h >> 1) * (w >> 1) * c;
    for (const x of [randomArray(n * h * w * c, h * 13 + c), tied(n * h * w * c, w + c)]) {
      const y = out(e, size, null, (p) => e.kernels.f32_maxpool2x2(p, put(e, x), n, h, w, c), "maxpool");
      expectClose(y, maxPoolRef(x, n, h, w, c), EXACT, `maxpool ${n}x${h}x${w}x${c}`);
    }
  });

  it.each(GRID)("f32_maxpool2x2_backward n=%i %ix%ix%i routes to the first maximum, writing and accumulating", async (n, h, w, c) => {
    const e = await engine();
    const dy = randomArray(n * (h >> 1) * (w >> 1) * c, c + 5);
    const dx0 = randomArray(n * h * w * c, h + 11);
    for (const x of [randomArray(n * h * w * c, h * 13 + c), tied(n * h * w * c, w + c)]) {
      const routed = maxPoolBackwardRef(dy, x, n, h, w, c);
      const got = out(e, n * h * w * c, null, (p) => e.kernels.f32_maxpool2x2_backward(p, put(e, dy), put(e, x), n, h, w, c, 0), "maxpool backward");
      expectClose(got, routed, EXACT, `maxpool backward ${n}x${h}x${w}x${c}`);
      const acc = out(e, n * h * w * c, dx0, (p) => e.kernels.f32_maxpool2x2_backward(p, put(e, dy), put(e, x), n, h, w, c, 1), "maxpool backward acc");
      expectClose(acc, dx0.map((v, i) => Math.fround(v + routed[i]!)), EXACT, `maxpool backward accumulate ${n}x${h}x${w}x${c}`);
    }
  });

  it("a window of equal values sends its gradient to the top-left element", async () => {
    const e = await engine();
    // 1×2×2×2, channels interleaved: channel 0 is 5, 5, 5, 5; channel 1 is 5, 7, 7, 7.
    const x = new Float32Array([5, 5, 5, 7, 5, 7, 5, 7]);
    const got = out(e, 8, null, (p) => e.kernels.f32_maxpool2x2_backward(p, put(e, [2, 3]), put(e, x), 1, 2, 2, 2, 0), "ties");
    expect(Array.from(got)).toEqual([2, 0, 0, 3, 0, 0, 0, 0]);
  });

  it.each(GRID)("f32_upsample2x n=%i %ix%ix%i", async (n, h, w, c) => {
    const e = await engine();
    const x = randomArray(n * h * w * c, h + w + c);
    const y = out(e, 4 * n * h * w * c, null, (p) => e.kernels.f32_upsample2x(p, put(e, x), n, h, w, c), "upsample");
    expectClose(y, upsampleRef(x, n, h, w, c), EXACT, `upsample ${n}x${h}x${w}x${c}`);
  });

  it.each(GRID)("f32_upsample2x_backward n=%i %ix%ix%i: f32 block sums in order, writing and accumulating", async (n, h, w, c) => {
    const e = await engine();
    const dy = randomArray(4 * n * h * w * c, h * w + c);
    const dx0 = randomArray(n * h * w * c, 7);
    const sums = upsampleBackwardF32(dy, n, h, w, c);
    expectClose(sums, upsampleBackwardRef(dy, n, h, w, c), { atol: 1e-6, rtol: 1e-6 }, "f32 emulation against f64");
    const got = out(e, n * h * w * c, null, (p) => e.kernels.f32_upsample2x_backward(p, put(e, dy), n, h, w, c, 0), "upsample backward");
    expectClose(got, sums, EXACT, `upsample backward ${n}x${h}x${w}x${c}`);
    const acc = out(e, n * h * w * c, dx0, (p) => e.kernels.f32_upsample2x_backward(p, put(e, dy), n, h, w, c, 1), "upsample backward acc");
    expectClose(acc, dx0.map((v, i) => Math.fround(v + sums[i]!)), EXACT, `upsample backward accumulate ${n}x${h}x${w}x${c}`);
  });
});
