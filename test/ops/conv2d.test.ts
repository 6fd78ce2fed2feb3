import { describe, expect, it } from "vitest";
import { ConfigError, ShapeError } from "../../src/errors.js";
import { activation, type FusedActivation } from "../../src/ops/activation.js";
import { conv2d, type Padding } from "../../src/ops/conv2d.js";
import { conv2dTranspose } from "../../src/ops/conv2d-transpose.js";
import { Tape } from "../../src/ops/tape.js";
import { Tensor } from "../../src/ops/tensor.js";
import { getEngine, type Engine } from "../../src/wasm/module.js";
import { engine, expectClose, put, randomArray } from "../helpers.js";
import { conv2dAbsRef, conv2dFilterGradRef, conv2dRef, conv2dTransposeRef, convGrid, epilogueRef, type ConvShape } from "../reference/conv.js";
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

// ---- relu / leaky relu fused into the convolution ----------------------------

const RELU: FusedActivation = { kind: "relu", alpha: 0 };
const LEAKY: FusedActivation = { kind: "leakyRelu", alpha: 0.2 };
const reluRef = (v: Float64Array) => epilogueRef(v, { kind: "relu" });
const leakyRef = (v: Float64Array) => epilogueRef(v, { kind: "leakyRelu", alpha: 0.2 });

describe("conv2d with a fused activation, against finite differences", () => {
  const s1: ConvShape = { n: 2, h: 7, w: 6, c: 1, kh: 3, kw: 3, f: 8, sh: 2, sw: 2, padding: "same" };
  const s2: ConvShape = { n: 2, h: 4, w: 3, c: 8, kh: 3, kw: 3, f: 5, sh: 1, sw: 1, padding: "same" };
  const t3: ConvShape = { n: 2, h: 4, w: 3, c: 5, kh: 3, kw: 3, f: 4, sh: 2, sw: 2, padding: "same" };

  it("relu on one channel (the few-channel kernel's epilogue)", async () => {
    await checkOp({
      label: "conv2d relu",
      inputs: [{ shape: shapeOf(s1).x }, { shape: shapeOf(s1).w }, { shape: [s1.f] }],
      op: (tape, [x, w, b]) => conv2d(tape, x!, w!, b!, [2, 2], "same", RELU),
      reference: ([x, w, b]) => reluRef(conv2dRef(x!, w!, b!, s1).y),
    });
  });

  it("relu → leaky relu → transposed relu: each input gradient masked as it is written", async () => {
    await checkOp({
      label: "conv2d relu → conv2d leaky → conv2dTranspose relu",
      inputs: [{ shape: shapeOf(s1).x }, { shape: shapeOf(s1).w }, { shape: [8] }, { shape: shapeOf(s2).w }, { shape: [5] }, { shape: [3, 3, 4, 5] }, { shape: [4] }],
      op: (tape, [x, w1, b1, w2, b2, w3, b3]) => {
        const y1 = conv2d(tape, x!, w1!, b1!, [2, 2], "same", RELU);
        const y2 = conv2d(tape, y1, w2!, b2!, [1, 1], "same", LEAKY);
        return conv2dTranspose(tape, y2, w3!, b3!, [2, 2], "same", null, RELU);
      },
      reference: ([x, w1, b1, w2, b2, w3, b3]) => {
        const y1 = reluRef(conv2dRef(x!, w1!, b1!, s1).y);
        const y2 = leakyRef(conv2dRef(y1, w2!, b2!, s2).y);
        return reluRef(conv2dTransposeRef(y2, w3!, b3!, t3, null).y);
      },
    });
  });
});

describe("fused activations give the bits of the separate activation op", () => {
  type Net = { out: Float32Array[]; grads: Float32Array[] };

  /**
   * A chain that reaches every epilogue and every writer of a masked input
   * gradient: the few-channel forward, the tiled forward, the gather adjoint,
   * the few-channel adjoint and both 1×1 (gemm) paths; y1 is also read by the
   * loss directly (a second, unmasked writer of its gradient).
   */
  function run(e: Engine, fused: boolean): Net {
    const act = (a: FusedActivation) => (fused ? a : null);
    const then = (tape: Tape, y: Tensor, a: FusedActivation) => (fused ? y : activation(tape, y, a.kind, a.alpha));
    return e.arena.scoped(() => {
      const tape = new Tape();
      const p = (shape: number[], seed: number) => tensor(e, randomArray(shape.reduce((a, d) => a * d, 1), seed), shape, true);
      const x = p([2, 9, 9, 1], 1);
      const params = [
        p([3, 3, 1, 8], 2), p([8], 3), // conv 3×3/2 → 8, relu: [2, 5, 5, 8]
        p([3, 3, 8, 6], 4), p([6], 5), // conv 3×3/1 → 6, relu: [2, 5, 5, 6]
        p([3, 3, 5, 6], 6), p([5], 7), // convT 3×3/2 → 5, leaky: [2, 10, 10, 5]
        p([1, 1, 5, 4], 8), p([4], 9), // conv 1×1 → 4, relu: [2, 10, 10, 4]
        p([3, 3, 1, 4], 10), p([1], 11), // convT 3×3/2 → 1, relu: [2, 20, 20, 1]
        p([1, 1, 3, 1], 12), p([3], 13), // convT 1×1 → 3, relu: [2, 20, 20, 3]
      ];
      const [w1, b1, w2, b2, w3, b3, w4, b4, w5, b5, w6, b6] = params as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
      const y1 = then(tape, conv2d(tape, x, w1, b1, [2, 2], "same", act(RELU)), RELU);
      const y2 = then(tape, conv2d(tape, y1, w2, b2, [1, 1], "same", act(RELU)), RELU);
      const y3 = then(tape, conv2dTranspose(tape, y2, w3, b3, [2, 2], "same", null, act(LEAKY)), LEAKY);
      const y4 = then(tape, conv2d(tape, y3, w4, b4, [1, 1], "valid", act(RELU)), RELU);
      const y5 = then(tape, conv2dTranspose(tape, y4, w5, b5, [2, 2], "same", null, act(RELU)), RELU);
      const y6 = then(tape, conv2dTranspose(tape, y5, w6, b6, [1, 1], "valid", null, act(RELU)), RELU);
      expect(y6.shape).toEqual([2, 20, 20, 3]);
      seedLoss(tape, [y1, y6], [randomArray(y1.size, 20), randomArray(y6.size, 21)]);
      tape.backward();
      const read = (t: Tensor) => e.arena.read(t.ptr, t.size);
      return { out: [read(y1), read(y6)], grads: [x, ...params].map((t) => read(t.grad!)) };
    });
  }

  it("forward outputs and every gradient, bit for bit", async () => {
    const e = await engine();
    const fused = run(e, true);
    const separate = run(e, false);
    const bits = (v: Float32Array) => Array.from(new Uint32Array(v.buffer, v.byteOffset, v.length));
    fused.out.forEach((v, i) => expect(bits(v), `output ${i}`).toEqual(bits(separate.out[i]!)));
    fused.grads.forEach((v, i) => expect(bits(v), `gradient ${i}`).toEqual(bits(separate.grads[i]!)));
    // The chain is not degenerate: relu zeroed some gradients and passed others.
    expect(fused.grads[0]!.some((v) => v !== 0)).toBe(true);
  });
});
