import { describe, expect, it } from "vitest";
import { ConfigError, ShapeError } from "../../src/errors.js";
import { conv2d, type Padding } from "../../src/ops/conv2d.js";
import { Tape } from "../../src/ops/tape.js";
import { Tensor } from "../../src/ops/tensor.js";
import { getEngine, type Engine } from "../../src/wasm/module.js";
import { engine, expectClose, put, randomArray } from "../helpers.js";
import { conv2dAbsRef, conv2dFilterGradRef, conv2dRef, conv2dTransposeRef, convGrid, type ConvShape } from "../reference/conv.js";
import { checkOp } from "./check-op.js";

const U = 2 ** -24;

function tensor(e: Engine, data: Float32Array, shape: number[], requiresGrad = false): Tensor {
  return new Tensor(put(e, data), shape, requiresGrad);
}

/** |got − expected| ≤ (k + 2)·2⁻²⁴·Σ|terms| per element: the rounding bound of a k-term f32 sum. */
function expectConvClose(got: Float32Array, expected: Float64Array, scale: Float64Array, terms: number, label: string): void {
  expect(got.length, `${label}: length`).toBe(expected.length);
  for (let i = 0; i < got.length; i++) {
    if (!(Math.abs(got[i]! - expected[i]!) <= (terms + 2) * U * scale[i]! + 1e-30)) {
      expect.fail(`${label}: at [${i}] expected ${expected[i]}, got ${got[i]}`);
    }
  }
}

const shapeOf = (s: ConvShape) => ({ x: [s.n, s.h, s.w, s.c], w: [s.kh, s.kw, s.c, s.f] });

describe("conv2d forward", () => {
  it.each(convGrid().map((s) => [s.label, s] as const))("%s against the direct convolution", async (_, s) => {
    const e = await engine();
    const x = randomArray(s.n * s.h * s.w * s.c, s.h * 3 + s.c);
    const w = randomArray(s.kh * s.kw * s.c * s.f, s.kh + s.f);
    const b = randomArray(s.f, s.f + 1);
    const ref = conv2dRef(x, w, b, s);
    e.arena.scoped(() => {
      const y = conv2d(null, tensor(e, x, shapeOf(s).x), tensor(e, w, shapeOf(s).w), tensor(e, b, [s.f]), [s.sh, s.sw], s.padding);
      expect(y.shape, s.label).toEqual([s.n, ref.oh, ref.ow, s.f]);
      expectConvClose(e.arena.read(y.ptr, y.size), ref.y, conv2dAbsRef(x, w, b, s), s.kh * s.kw * s.c, s.label);
    });
  });

  it("defaults to stride 1 and \"valid\", like Keras", async () => {
    const e = await engine();
    e.arena.scoped(() => {
      const y = conv2d(null, tensor(e, randomArray(2 * 6 * 5 * 3, 1), [2, 6, 5, 3]), tensor(e, randomArray(3 * 3 * 3 * 4, 2), [3, 3, 3, 4]), null);
      expect(y.shape).toEqual([2, 4, 3, 4]);
    });
  });
});

const GRAD_CASES: [string, ConvShape, boolean][] = [
  ["3x3 s1 same", { n: 2, h: 5, w: 5, c: 3, kh: 3, kw: 3, f: 2, sh: 1, sw: 1, padding: "same" }, true],
  ["3x3 s2 same, even width", { n: 2, h: 5, w: 6, c: 3, kh: 3, kw: 3, f: 4, sh: 2, sw: 2, padding: "same" }, true],
  ["3x2 s2x1 valid", { n: 1, h: 7, w: 5, c: 2, kh: 3, kw: 2, f: 3, sh: 2, sw: 1, padding: "valid" }, false],
  ["1x1 s1 (pointwise)", { n: 2, h: 4, w: 3, c: 5, kh: 1, kw: 1, f: 3, sh: 1, sw: 1, padding: "valid" }, true],
  ["1x1 s2 same", { n: 2, h: 5, w: 5, c: 4, kh: 1, kw: 1, f: 2, sh: 2, sw: 2, padding: "same" }, true],
  ["5x5 s2 same on 6x6", { n: 1, h: 6, w: 6, c: 1, kh: 5, kw: 5, f: 2, sh: 2, sw: 2, padding: "same" }, true],
  ["3x3 valid to 1x1", { n: 3, h: 3, w: 3, c: 2, kh: 3, kw: 3, f: 2, sh: 1, sw: 1, padding: "valid" }, false],
  ["4x4 s3 same (odd total padding)", { n: 1, h: 7, w: 8, c: 2, kh: 4, kw: 4, f: 2, sh: 3, sw: 3, padding: "same" }, true],
];

describe("conv2d backward against finite differences", () => {
  it.each(GRAD_CASES)("%s", async (label, s, withBias) => {
    const { x, w } = shapeOf(s);
    await checkOp({
      label: `conv2d ${label}`,
      inputs: withBias ? [{ shape: x }, { shape: w }, { shape: [s.f] }] : [{ shape: x }, { shape: w }],
      op: (tape, [tx, tw, tb]) => conv2d(tape, tx!, tw!, tb ?? null, [s.sh, s.sw], s.padding),
      reference: ([rx, rw, rb]) => conv2dRef(rx!, rw!, rb ?? null, s).y,
    });
  });

  it("input not trainable: only the filter and bias get gradients", async () => {
    const s: ConvShape = { n: 2, h: 5, w: 4, c: 2, kh: 3, kw: 3, f: 3, sh: 2, sw: 1, padding: "same" };
    await checkOp({
      label: "conv2d fixed input",
      inputs: [{ shape: shapeOf(s).x, grad: false }, { shape: shapeOf(s).w }, { shape: [s.f] }],
      op: (tape, [tx, tw, tb]) => conv2d(tape, tx!, tw!, tb!, [s.sh, s.sw], s.padding),
      reference: ([rx, rw, rb]) => conv2dRef(rx!, rw!, rb!, s).y,
    });
  });

  it("gradients accumulate when the input and filter feed two convolutions", async () => {
    const s: ConvShape = { n: 2, h: 5, w: 5, c: 3, kh: 3, kw: 3, f: 2, sh: 2, sw: 2, padding: "same" };
    const t: ConvShape = { ...s, sh: 1, sw: 1, padding: "valid" };
    const u = randomArray(2 * 3 * 3 * 2, 5);
    const v = randomArray(2 * 3 * 3 * 2, 6);
    const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
      let sum = 0;
      for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
      return sum;
    };
    await checkOp({
      label: "conv2d used twice",
      inputs: [{ shape: shapeOf(s).x }, { shape: shapeOf(s).w }],
      op: (tape, [tx, tw]) => {
        const y1 = conv2d(tape, tx!, tw!, null, [2, 2], "same");
        const y2 = conv2d(tape, tx!, tw!, null, [1, 1], "valid");
        return seedLoss(tape, [y1, y2], [u, v]);
      },
      reference: ([rx, rw]) => dot(conv2dRef(rx!, rw!, null, s).y, u) + dot(conv2dRef(rx!, rw!, null, t).y, v),
    });
  });
});

/** Σ_k ⟨weights[k], outputs[k]⟩ as a scalar loss, with its gradient seeded on the tape. */
function seedLoss(tape: Tape, outputs: Tensor[], weights: Float32Array[]): number {
  const { arena } = getEngine();
  let loss = 0;
  outputs.forEach((y, k) => {
    const values = arena.read(y.ptr, y.size);
    for (let i = 0; i < y.size; i++) loss += values[i]! * weights[k]![i]!;
    arena.write(tape.gradTarget(y).ptr, weights[k]!);
  });
  return loss;
}

describe("conv2d over several im2col chunks", () => {
  it("32x32x16 images, 3x3 same: forward, input and filter gradients against direct loops", async () => {
    const e = await engine();
    const s: ConvShape = { n: 3, h: 32, w: 32, c: 16, kh: 3, kw: 3, f: 4, sh: 1, sw: 1, padding: "same" };
    const x = randomArray(s.n * s.h * s.w * s.c, 11);
    const w = randomArray(3 * 3 * 16 * 4, 12);
    const b = randomArray(4, 13);
    const ref = conv2dRef(x, w, b, s);
    const g = randomArray(ref.y.length, 14);
    e.arena.scoped(() => {
      const tape = new Tape();
      const tx = tensor(e, x, shapeOf(s).x, true);
      const tw = tensor(e, w, shapeOf(s).w, true);
      const tb = tensor(e, b, [4], true);
      const y = conv2d(tape, tx, tw, tb, [1, 1], "same");
      expectConvClose(e.arena.read(y.ptr, y.size), ref.y, conv2dAbsRef(x, w, b, s), 144, "forward");
      e.arena.write(tape.gradTarget(y).ptr, g);
      tape.backward();
      // dx is the transposed convolution of dy with the same filter.
      const dx = conv2dTransposeRef(g, w, null, { ...s, c: 4, f: 16 }, null).y;
      expectClose(e.arena.read(tx.grad!.ptr, tx.size), dx, { atol: 1e-4, rtol: 1e-4 }, "dx");
      expectClose(e.arena.read(tw.grad!.ptr, tw.size), conv2dFilterGradRef(x, g, s), { atol: 2e-3, rtol: 1e-4 }, "dw");
      const db = new Float64Array(4);
      g.forEach((v, i) => (db[i % 4]! += v));
      expectClose(e.arena.read(tb.grad!.ptr, 4), db, { atol: 1e-3, rtol: 1e-4 }, "db");
    });
  });
});

describe("conv2d validation", () => {
  const run = (xShape: number[], wShape: number[], bSize: number | null, strides: [number, number] = [1, 1], padding: Padding = "valid") => async () => {
    const e = await engine();
    e.arena.scoped(() => {
      const size = (s: number[]) => s.reduce((a, d) => a * d, 1);
      const b = bSize === null ? null : tensor(e, new Float32Array(bSize), [bSize]);
      conv2d(null, tensor(e, new Float32Array(size(xShape)), xShape), tensor(e, new Float32Array(size(wShape)), wShape), b, strides, padding);
    });
  };

  it("names both shapes when channels differ", async () => {
    await expect(run([1, 5, 5, 3], [3, 3, 4, 2], null)()).rejects.toThrow(ShapeError);
    await expect(run([1, 5, 5, 3], [3, 3, 4, 2], null)()).rejects.toThrow(/\[1, 5, 5, 3\].*\[3, 3, 4, 2\]/);
  });

  it("rejects a filter larger than a \"valid\" input, and accepts it with \"same\"", async () => {
    await expect(run([2, 2, 4, 1], [3, 3, 1, 1], null)()).rejects.toThrow(/\[3, 3, 1, 1\].*larger than the input \[2, 2, 4, 1\]/);
    await expect(run([2, 2, 4, 1], [3, 3, 1, 1], null, [1, 1], "same")()).resolves.toBeUndefined();
  });

  it("rejects a bias of the wrong size, a non-image input, bad strides and padding", async () => {
    await expect(run([1, 5, 5, 3], [3, 3, 3, 2], 3)()).rejects.toThrow(/2 filters but the bias has 3/);
    await expect(run([5, 5, 3], [3, 3, 3, 2], null)()).rejects.toThrow(ShapeError);
    await expect(run([1, 5, 5, 3], [3, 3, 3], null)()).rejects.toThrow(ShapeError);
    await expect(run([1, 5, 5, 3], [3, 3, 3, 2], null, [0, 1])()).rejects.toThrow(ConfigError);
    await expect(run([1, 5, 5, 3], [3, 3, 3, 2], null, [1, 1], "full" as Padding)()).rejects.toThrow(ConfigError);
  });
});
