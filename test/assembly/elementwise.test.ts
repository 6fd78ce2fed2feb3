import { describe, expect, it } from "vitest";
import { blank, engine, expectClose, put, randomArray } from "../helpers.js";

const SIZES = [0, 1, 3, 4, 5, 15, 16, 17, 33, 1027];

describe("elementwise kernels", () => {
  it.each(SIZES)("f32_fill writes exactly n=%i elements", async (n) => {
    const e = await engine();
    e.arena.scoped(() => {
      const dst = blank(e, n + 4, -7);
      e.kernels.f32_fill(dst, 2.5, n);
      const out = e.arena.read(dst, n + 4);
      expectClose(out.subarray(0, n), new Float32Array(n).fill(2.5), {}, `fill n=${n}`);
      expect(Array.from(out.subarray(n))).toEqual([-7, -7, -7, -7]);
    });
  });

  it.each(SIZES)("f32_copy copies n=%i elements", async (n) => {
    const e = await engine();
    e.arena.scoped(() => {
      const src = randomArray(n, n + 1);
      const dst = blank(e, n);
      e.kernels.f32_copy(dst, put(e, src), n);
      expectClose(e.arena.read(dst, n), src, { atol: 0, rtol: 0 }, `copy n=${n}`);
    });
  });
});
