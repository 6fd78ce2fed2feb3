import { describe, expect, it } from "vitest";
import type { Engine } from "../../src/wasm/module.js";
import { engine, put, randomArray } from "../helpers.js";
import { gemmAbsReference, gemmExactOrder, gemmReference, type GemmForm } from "../reference/gemm.js";

const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 17, 31, 33, 64, 65];
const FORMS: GemmForm[] = ["nn", "nt", "tn"];
const GUARD_BEFORE = 8;
const GUARD_AFTER = 16;
const SENTINEL = -7777.25;

type Shape = readonly [m: number, n: number, k: number];

/**
 * Every (m, n) pair of SIZES, each with two depths chosen so that every
 * (m, k) and (n, k) pair of SIZES also occurs; then k = 0, and shapes that
 * cross the k blocks (depth 256), the row block (64) and the column block (1024).
 */
function shapeGrid(): Shape[] {
  const shapes: Shape[] = [];
  SIZES.forEach((m, im) =>
    SIZES.forEach((n, jn) => {
      shapes.push([m, n, SIZES[(im + 2 * jn) % SIZES.length]!]);
      shapes.push([m, n, SIZES[(3 * im + jn + 7) % SIZES.length]!]);
    }),
  );
  shapes.push([1, 1, 0], [4, 8, 0], [5, 9, 0], [17, 3, 0]);
  shapes.push([129, 257, 300], [9, 17, 513], [33, 31, 784], [5, 12, 256], [7, 9, 257], [3, 5, 1031], [2, 1030, 20], [67, 1037, 9]);
  return shapes;
}

interface Operands {
  a: Float32Array;
  b: Float32Array;
  bias: Float32Array | null;
  c0: Float32Array | null;
}

function operands(form: GemmForm, [m, n, k]: Shape, withBias: boolean, accumulate: boolean, seed: number): Operands {
  return {
    a: randomArray(m * k, seed),
    b: randomArray(k * n, seed + 1),
    bias: withBias ? randomArray(n, seed + 2) : null,
    c0: accumulate ? randomArray(m * n, seed + 3) : null,
  };
}

/**
 * Runs one kernel on fresh scratch and returns C, after checking that the
 * guard floats around C and past the workspace were left untouched.
 */
function runGemm(e: Engine, form: GemmForm, [m, n, k]: Shape, ops: Operands): Float32Array {
  return e.arena.scoped(() => {
    const a = put(e, ops.a);
    const b = put(e, ops.b);
    const bias = ops.bias ? put(e, ops.bias) : 0;
    const region = new Float32Array(GUARD_BEFORE + m * n + GUARD_AFTER).fill(SENTINEL);
    // Without accumulate, C starts as NaN: reading it would show in the result.
    region.fill(ops.c0 ? 0 : Number.NaN, GUARD_BEFORE, GUARD_BEFORE + m * n);
    if (ops.c0) region.set(ops.c0, GUARD_BEFORE);
    const base = put(e, region);
    const c = base + 4 * GUARD_BEFORE;
    const workBytes = e.kernels.gemm_workspace_bytes(m, n, k);
    expect(workBytes % 16, "workspace bytes are whole vectors").toBe(0);
    const work = put(e, new Float32Array(workBytes / 4 + GUARD_AFTER).fill(SENTINEL));
    const kernel = { nn: e.kernels.f32_gemm_nn, nt: e.kernels.f32_gemm_nt, tn: e.kernels.f32_gemm_tn }[form];
    kernel(c, a, b, bias, m, n, k, ops.c0 ? 1 : 0, work);
    const shape = `${form} ${m}x${n}x${k}`;
    const after = e.arena.read(base, region.length);
    for (let i = 0; i < GUARD_BEFORE; i++) expect(after[i], `${shape}: guard before C [${i}]`).toBe(SENTINEL);
    for (let i = 0; i < GUARD_AFTER; i++) expect(after[GUARD_BEFORE + m * n + i], `${shape}: guard after C [${i}]`).toBe(SENTINEL);
    const workAfter = e.arena.read(work + workBytes, GUARD_AFTER);
    for (let i = 0; i < GUARD_AFTER; i++) expect(workAfter[i], `${shape}: guard after workspace [${i}]`).toBe(SENTINEL);
    return after.slice(GUARD_BEFORE, GUARD_BEFORE + m * n);
  });
}

/**
 * Checks C against the f64 reference with tolerance max(1e-5, 1e-5·|ref|,
 * (k+2)·2⁻²⁴·(Σ|a·b| + |c0| + |bias|)): the rounding bound of a (k+2)-term f32 sum.
 */
function expectGemmClose(form: GemmForm, shape: Shape, ops: Operands, got: Float32Array): void {
  const [m, n, k] = shape;
  const ref = gemmReference(form, ops.a, ops.b, ops.bias, m, n, k, ops.c0);
  const scale = gemmAbsReference(form, ops.a, ops.b, m, n, k);
  const u = 2 ** -24;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const idx = i * n + j;
      const expected = ref[idx]!;
      const bound = scale[idx]! + Math.abs(ops.c0?.[idx] ?? 0) + Math.abs(ops.bias?.[j] ?? 0);
      const tol = Math.max(1e-5, 1e-5 * Math.abs(expected), (k + 2) * u * bound);
      const g = got[idx]!;
      if (!(Math.abs(g - expected) <= tol)) {
        expect.fail(`${form} ${m}x${n}x${k}: at (${i}, ${j}) expected ${expected}, got ${g} (tol ${tol})`);
      }
    }
  }
}

const bits = (x: Float32Array) => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length));

function transpose(x: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = x[r * cols + c]!;
  return out;
}

describe("f32 gemm", () => {
  const variants = FORMS.flatMap((form) =>
    [false, true].flatMap((withBias) => [false, true].map((accumulate) => ({ form, withBias, accumulate }))),
  );

  it.each(variants)("$form bias=$withBias accumulate=$accumulate matches the f64 reference", async ({ form, withBias, accumulate }) => {
    const e = await engine();
    shapeGrid().forEach((shape, s) => {
      const ops = operands(form, shape, withBias, accumulate, 1000 * s + 17);
      expectGemmClose(form, shape, ops, runGemm(e, form, shape, ops));
    });
  });

  it("needs a workspace bounded by the cache blocks, and none for empty products", async () => {
    const e = await engine();
    const bound = 128 + 4 * 256 * (64 + 1024);
    expect(e.kernels.gemm_workspace_bytes(100_000, 100_000, 100_000)).toBeLessThanOrEqual(bound);
    expect(e.kernels.gemm_workspace_bytes(1, 1, 1)).toBeGreaterThan(0);
    for (const [m, n, k] of [[0, 5, 5], [5, 0, 5], [5, 5, 0]]) expect(e.kernels.gemm_workspace_bytes(m!, n!, k!)).toBe(0);
  });

  it("m = 0 or n = 0 writes nothing", async () => {
    const e = await engine();
    for (const form of FORMS) {
      for (const shape of [[0, 5, 3], [4, 0, 3], [0, 0, 0]] as Shape[]) {
        const ops = operands(form, shape, true, false, 5);
        expect(runGemm(e, form, shape, ops).length).toBe(0);
      }
    }
  });

  it("k = 0 with accumulate and no bias leaves C bit-identical", async () => {
    const e = await engine();
    const c0 = Float32Array.from([-0, 0, 1.5, -2, Number.MIN_VALUE, 3, 7, -1]);
    for (const form of FORMS) {
      const got = runGemm(e, form, [2, 4, 0], { a: new Float32Array(0), b: new Float32Array(0), bias: null, c0 });
      expect(bits(got)).toEqual(bits(c0));
    }
  });

  it("follows the documented summation order bit for bit (k blocks, then C, then bias)", async () => {
    const e = await engine();
    const shapes: Shape[] = [[5, 9, 600], [2, 19, 257], [6, 8, 1031], [9, 3, 7], [1, 1, 513]];
    for (const form of FORMS) {
      for (const shape of shapes) {
        for (const [withBias, accumulate] of [[false, false], [true, true], [true, false]]) {
          const ops = operands(form, shape, withBias!, accumulate!, 31);
          const expected = gemmExactOrder(form, ops.a, ops.b, ops.bias, ...shape, ops.c0);
          const label = `${form} ${shape.join("x")} bias=${withBias} accumulate=${accumulate}`;
          expect(bits(runGemm(e, form, shape, ops)), label).toEqual(bits(expected));
        }
      }
    }
  });

  it("gives identical bits when run twice", async () => {
    const e = await engine();
    for (const form of FORMS) {
      for (const shape of [[129, 257, 300], [33, 31, 784], [7, 9, 5]] as Shape[]) {
        const ops = operands(form, shape, true, true, 99);
        expect(bits(runGemm(e, form, shape, ops)), `${form} ${shape.join("x")}`).toEqual(bits(runGemm(e, form, shape, ops)));
      }
    }
  });

  // NN and TN with m < 4 take the unpacked few-rows path, NT the packed one.
  it("gives the same bits for NN, NT and TN of the same product (one summation order)", async () => {
    const e = await engine();
    const shapes: Shape[] = [[129, 257, 300], [33, 31, 784], [7, 9, 5], [65, 17, 513], [1, 37, 300], [2, 16, 5], [3, 21, 513]];
    for (const [m, n, k] of shapes) {
      const a = randomArray(m * k, 3);
      const b = randomArray(k * n, 4);
      const bias = randomArray(n, 5);
      const nn = runGemm(e, "nn", [m, n, k], { a, b, bias, c0: null });
      const nt = runGemm(e, "nt", [m, n, k], { a, b: transpose(b, k, n), bias, c0: null });
      const tn = runGemm(e, "tn", [m, n, k], { a: transpose(a, m, k), b, bias, c0: null });
      expect(bits(nt), `nt vs nn ${m}x${n}x${k}`).toEqual(bits(nn));
      expect(bits(tn), `tn vs nn ${m}x${n}x${k}`).toEqual(bits(nn));
    }
  });

  it("gives the same bits for any split of the rows into separate calls", async () => {
    const e = await engine();
    const [m, n, k] = [131, 45, 600];
    for (const form of ["nn", "nt"] as GemmForm[]) {
      const ops = operands(form, [m, n, k], true, true, 7);
      const whole = runGemm(e, form, [m, n, k], ops);
      for (const splits of [[1, 130], [3, 64, 64], [5, 2, 7, 117]]) {
        const parts = new Float32Array(m * n);
        let r0 = 0;
        for (const rows of splits) {
          const part = runGemm(e, form, [rows, n, k], {
            a: ops.a.subarray(r0 * k, (r0 + rows) * k),
            b: ops.b,
            bias: ops.bias,
            c0: ops.c0!.subarray(r0 * n, (r0 + rows) * n),
          });
          parts.set(part, r0 * n);
          r0 += rows;
        }
        expect(bits(parts), `${form} rows split ${splits.join("+")}`).toEqual(bits(whole));
      }
    }
  });
});
