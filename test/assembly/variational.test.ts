// Per-sample density kernels and corruption kernels against f64 references.
import { describe, expect, it } from "vitest";
import { corrupt } from "../../src/ops/corrupt.js";
import { Tensor } from "../../src/ops/tensor.js";
import { blank, engine, expectClose, put, randomArray } from "../helpers.js";

const GRID: [number, number][] = [[1, 1], [1, 5], [3, 4], [4, 7], [17, 9]];
const LOG_2PI = Math.log(2 * Math.PI);

describe("variational kernels", () => {
  it.each(GRID)("f32_row_log_normal %ix%i, general and standard", async (rows, cols) => {
    const e = await engine();
    e.arena.scoped(() => {
      const z = randomArray(rows * cols, 1, -3, 3);
      const mu = randomArray(rows * cols, 2);
      const lv = randomArray(rows * cols, 3, -2, 2);
      const dst = blank(e, rows);
      e.kernels.f32_row_log_normal(dst, put(e, z), put(e, mu), put(e, lv), rows, cols);
      const expected = new Float64Array(rows);
      const standard = new Float64Array(rows);
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < cols; j++) {
          const i = r * cols + j;
          expected[r]! -= 0.5 * (LOG_2PI + lv[i]! + (z[i]! - mu[i]!) ** 2 / Math.exp(lv[i]!));
          standard[r]! -= 0.5 * (LOG_2PI + z[i]! ** 2);
        }
      }
      expectClose(e.arena.read(dst, rows), expected, { atol: 1e-5, rtol: 1e-5 }, "log normal");
      e.kernels.f32_row_log_normal(dst, put(e, z), 0, 0, rows, cols);
      expectClose(e.arena.read(dst, rows), standard, { atol: 1e-5, rtol: 1e-5 }, "standard log normal");
    });
  });

  it.each(GRID)("f32_row_bce_logits and f32_row_sq_sum %ix%i", async (rows, cols) => {
    const e = await engine();
    e.arena.scoped(() => {
      const z = randomArray(rows * cols, 4, -30, 30);
      const t = randomArray(rows * cols, 5, 0, 1);
      const dst = blank(e, rows);
      e.kernels.f32_row_bce_logits(dst, put(e, z), put(e, t), rows, cols);
      const bce = new Float64Array(rows);
      const sq = new Float64Array(rows);
      for (let i = 0; i < rows * cols; i++) {
        const r = Math.floor(i / cols);
        bce[r]! += Math.max(z[i]!, 0) - z[i]! * t[i]! + Math.log1p(Math.exp(-Math.abs(z[i]!)));
        sq[r]! += (z[i]! - t[i]!) ** 2;
      }
      expectClose(e.arena.read(dst, rows), bce, { atol: 1e-4, rtol: 1e-5 }, "row bce");
      e.kernels.f32_row_sq_sum(dst, put(e, z), put(e, t), rows, cols);
      expectClose(e.arena.read(dst, rows), sq, { atol: 1e-4, rtol: 1e-5 }, "row squared error");
    });
  });

  it.each([[1, 1], [5, 3], [64, 2], [3, 17]])("f32_logmeanexp_cols k=%i cols=%i, stable for large values", async (k, cols) => {
    const e = await engine();
    e.arena.scoped(() => {
      const src = randomArray(k * cols, 6, -400, -300);
      const dst = blank(e, cols);
      e.kernels.f32_logmeanexp_cols(dst, put(e, src), k, cols);
      const expected = new Float64Array(cols);
      for (let j = 0; j < cols; j++) {
        let m = -Infinity;
        for (let i = 0; i < k; i++) m = Math.max(m, src[i * cols + j]!);
        let s = 0;
        for (let i = 0; i < k; i++) s += Math.exp(src[i * cols + j]! - m);
        expected[j] = m + Math.log(s / k);
      }
      expectClose(e.arena.read(dst, cols), expected, { atol: 1e-4, rtol: 1e-6 }, "logmeanexp");
    });
  });
});

describe("corruption", () => {
  it("salt-and-pepper sets about rate/2 to each extreme and keeps the rest", async () => {
    const e = await engine();
    e.arena.scoped(() => {
      const n = 40000;
      const x = new Tensor(put(e, new Float32Array(n).fill(0.5)), [1, n]);
      const y = e.arena.read(corrupt(x, { type: "saltPepper", rate: 0.2 }, 1, 2, 3).ptr, n);
      const low = y.filter((v) => v === 0).length / n;
      const high = y.filter((v) => v === 1).length / n;
      expect(Math.abs(low - 0.1)).toBeLessThan(0.01);
      expect(Math.abs(high - 0.1)).toBeLessThan(0.01);
      expect(y.filter((v) => v === 0.5).length / n).toBeCloseTo(0.8, 1);
    });
  });

  it("gaussian noise has the asked spread and respects the clip; the same key gives the same bits", async () => {
    const e = await engine();
    e.arena.scoped(() => {
      const n = 40000;
      const x = new Tensor(put(e, new Float32Array(n).fill(0.5)), [1, n]);
      const noisy = e.arena.read(corrupt(x, { type: "gaussian", stddev: 0.1 }, 1, 2, 3).ptr, n);
      const mean = noisy.reduce((s, v) => s + v, 0) / n;
      const std = Math.sqrt(noisy.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
      expect(Math.abs(mean - 0.5)).toBeLessThan(0.003);
      expect(Math.abs(std - 0.1)).toBeLessThan(0.003);
      const clipped = e.arena.read(corrupt(x, { type: "gaussian", stddev: 1, clip: [0, 1] }, 1, 2, 3).ptr, n);
      expect(Math.min(...clipped)).toBe(0);
      expect(Math.max(...clipped)).toBe(1);
      const again = e.arena.read(corrupt(x, { type: "gaussian", stddev: 0.1 }, 1, 2, 3).ptr, n);
      expect(Array.from(again)).toEqual(Array.from(noisy));
      const masked = e.arena.read(corrupt(x, { type: "mask", rate: 0.3 }, 1, 2, 3).ptr, n);
      expect(Math.abs(masked.filter((v) => v === 0).length / n - 0.3)).toBeLessThan(0.01);
    });
  });
});
