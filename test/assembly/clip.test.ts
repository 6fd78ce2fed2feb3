// Gradient clipping kernels against f64 references of Keras's clipvalue,
// clipnorm (per tensor) and global_clipnorm, over sizes that exercise the
// SIMD loop and every tail length.
import { describe, expect, it } from "vitest";
import { engine, expectClose, put, randomArray } from "../helpers.js";
import { clipGlobalNormReference, clipNormReference, clipValueReference } from "../reference/optim.js";

const SIZES = [0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 1027];
// The factor is rounded to f32 once, then one f32 multiply: two roundings.
const TOL = { atol: 1e-12, rtol: 3e-7 };
const bits = (x: Float32Array): number[] => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length));

describe("f32_clip_value", () => {
  it.each(SIZES)("clamps each of n=%i values to [-limit, limit] exactly", async (n) => {
    const e = await engine();
    e.arena.scoped(() => {
      const g = randomArray(n, n + 7, -3, 3);
      const p = put(e, g);
      e.kernels.f32_clip_value(p, n, 0.75);
      expect(Array.from(e.arena.read(p, n))).toEqual(Array.from(clipValueReference(g, 0.75)));
    });
  });

  it("keeps NaN, so the update's check still sees a broken gradient", async () => {
    const e = await engine();
    e.arena.scoped(() => {
      const p = put(e, [1, Number.NaN, -2, 0.5, Number.NaN]);
      e.kernels.f32_clip_value(p, 5, 1);
      expect(Array.from(e.arena.read(p, 5))).toEqual([1, Number.NaN, -1, 0.5, Number.NaN]);
    });
  });
});

describe("f32_clip_norm_each", () => {
  it.each(SIZES)("scales each tensor to norm <= maxNorm against f64 (tensors of n=%i, 2n+1 and 5)", async (n) => {
    const e = await engine();
    e.arena.scoped(() => {
      const parts = [randomArray(n, n + 1, -2, 2), randomArray(2 * n + 1, n + 2, -0.01, 0.01), randomArray(5, n + 3, -4, 4)];
      const all = new Float32Array(parts.reduce((a, t) => a + t.length, 0));
      const bounds = [0];
      for (const t of parts) {
        all.set(t, bounds[bounds.length - 1]!);
        bounds.push(bounds[bounds.length - 1]! + t.length);
      }
      const p = put(e, all);
      const b = e.arena.scratch(bounds.length * 4);
      e.arena.u32.set(bounds, b >>> 2);
      e.kernels.f32_clip_norm_each(p, b, parts.length, 1.5);
      const got = e.arena.read(p, all.length);
      parts.forEach((t, i) => {
        const slice = got.subarray(bounds[i]!, bounds[i + 1]!);
        expectClose(slice, clipNormReference(t, 1.5), TOL, `tensor ${i} of ${n}`);
        // The small tensor is within the bound: left bit for bit.
        if (i === 1) expect(bits(slice)).toEqual(bits(t));
      });
    });
  });
});

describe("f32_clip_global_norm", () => {
  it.each(SIZES)("scales all n=%i values together against f64 and returns the norm before clipping", async (n) => {
    const e = await engine();
    e.arena.scoped(() => {
      const g = randomArray(n, 3 * n + 11, -1, 1);
      const p = put(e, g);
      const norm = e.kernels.f32_clip_global_norm(p, n, 0.5);
      let sum = 0;
      for (const x of g) sum += x * x;
      expect(Math.abs(norm - Math.sqrt(sum))).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.sqrt(sum)));
      expectClose(e.arena.read(p, n), clipGlobalNormReference([g], 0.5)[0]!, TOL, `n=${n}`);
    });
  });

  it("the norm has the same bits whatever the offset of the data (fixed order, no dependence on alignment of the tail)", async () => {
    const e = await engine();
    e.arena.scoped(() => {
      const g = randomArray(1027, 5, -1, 1);
      const a = e.kernels.f32_clip_global_norm(put(e, g), 1027, 1e9);
      const b = e.kernels.f32_clip_global_norm(put(e, g), 1027, 1e9);
      expect(a).toBe(b);
    });
  });

  it("leaves a gradient within the bound, or with a non-finite norm, untouched", async () => {
    const e = await engine();
    e.arena.scoped(() => {
      const g = randomArray(37, 9, -1, 1);
      const p = put(e, g);
      e.kernels.f32_clip_global_norm(p, 37, 100);
      expect(bits(e.arena.read(p, 37))).toEqual(bits(g));
      const withInf = Float32Array.from(g);
      withInf[3] = Infinity;
      const q = put(e, withInf);
      expect(e.kernels.f32_clip_global_norm(q, 37, 1)).toBe(Infinity);
      expect(bits(e.arena.read(q, 37))).toEqual(bits(withInf));
    });
  });
});
