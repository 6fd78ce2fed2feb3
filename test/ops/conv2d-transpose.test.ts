import { describe, expect, it } from "vitest";
import { ShapeError } from "../../src/errors.js";
import { conv2d, type Padding } from "../../src/ops/conv2d.js";
import { conv2dTranspose } from "../../src/ops/conv2d-transpose.js";
import { Tape } from "../../src/ops/tape.js";
import { Tensor } from "../../src/ops/tensor.js";
import { getEngine, type Engine } from "../../src/wasm/module.js";
import { engine, expectClose, put, randomArray } from "../helpers.js";
import { conv2dFilterGradRef, conv2dRef, conv2dTransposeRef, convAxis, convGrid, convTransposeAxis, type ConvShape } from "../reference/conv.js";
import { checkOp } from "./check-op.js";

const U = 2 ** -24;
type Pair = [number, number];

function tensor(e: Engine, data: Float32Array, shape: number[], requiresGrad = false): Tensor {
  return new Tensor(put(e, data), shape, requiresGrad);
}

/** Whether TensorFlow accepts this output size: the conv2d from it maps back to the input size. */
function consistent(s: ConvShape, outputPadding: Pair | null): boolean {
  const rows = convTransposeAxis(s.h, s.kh, s.sh, s.padding, outputPadding ? outputPadding[0] : null).out;
  const cols = convTransposeAxis(s.w, s.kw, s.sw, s.padding, outputPadding ? outputPadding[1] : null).out;
  return convAxis(rows, s.kh, s.sh, s.padding).out === s.h && convAxis(cols, s.kw, s.sw, s.padding).out === s.w;
}

/** The grid of conv2d read as transposed convolutions (c in, f out), with and without output padding. */
function cases(): [string, ConvShape, Pair | null][] {
  const out: [string, ConvShape, Pair | null][] = [];
  for (const s of convGrid()) {
    out.push([s.label, s, null]);
    const op: Pair = [s.sh - 1, s.sw - 1];
    if (consistent(s, op)) out.push([`${s.label} outputPadding ${op}`, s, op]);
  }
  return out;
}

const shapeOf = (s: ConvShape) => ({ x: [s.n, s.h, s.w, s.c], w: [s.kh, s.kw, s.f, s.c] });
const abs = (v: ArrayLike<number>) => Float64Array.from(v as ArrayLike<number>, Math.abs);

describe("conv2dTranspose forward", () => {
  it.each(cases())("%s against the scatter form", async (label, s, op) => {
    const e = await engine();
    const x = randomArray(s.n * s.h * s.w * s.c, s.w * 3 + s.c);
    const w = randomArray(s.kh * s.kw * s.c * s.f, s.kw + s.f);
    const b = randomArray(s.f, s.f + 2);
    const ref = conv2dTransposeRef(x, w, b, s, op);
    const scale = conv2dTransposeRef(abs(x), abs(w), abs(b), s, op).y;
    e.arena.scoped(() => {
      const y = conv2dTranspose(null, tensor(e, x, shapeOf(s).x), tensor(e, w, shapeOf(s).w), tensor(e, b, [s.f]), [s.sh, s.sw], s.padding, op);
      expect(y.shape, label).toEqual([s.n, ref.oh, ref.ow, s.f]);
      const got = e.arena.read(y.ptr, y.size);
      const terms = s.kh * s.kw + s.c + 2;
      for (let i = 0; i < got.length; i++) {
        if (!(Math.abs(got[i]! - ref.y[i]!) <= terms * U * scale[i]! + 1e-30)) expect.fail(`${label}: at [${i}] expected ${ref.y[i]}, got ${got[i]}`);
      }
    });
  });

  it("output sizes follow Keras: valid H·s + max(K − s, 0), same H·s, or (H − 1)·s + K − 2·pad + outputPadding", async () => {
    const e = await engine();
    const size = (h: number, k: number, s: number, padding: Padding, op: Pair | null) =>
      e.arena.scoped(() => conv2dTranspose(null, tensor(e, new Float32Array(h * h), [1, h, h, 1]), tensor(e, new Float32Array(k * k), [k, k, 1, 1]), null, [s, s], padding, op).shape[1]);
    expect(size(7, 3, 2, "same", null)).toBe(14);
    expect(size(7, 3, 2, "valid", null)).toBe(15);
    expect(size(7, 1, 2, "valid", null)).toBe(14);
    expect(size(7, 3, 2, "same", [1, 1])).toBe(14);
    expect(size(7, 3, 2, "same", [0, 0])).toBe(13);
    expect(size(7, 3, 2, "valid", [1, 1])).toBe(16);
    expect(size(5, 4, 2, "same", [1, 1])).toBe(9);
  });
});

const GRAD_CASES: [string, ConvShape, Pair | null, boolean][] = [
  ["3x3 s2 same", { n: 2, h: 3, w: 3, c: 4, kh: 3, kw: 3, f: 2, sh: 2, sw: 2, padding: "same" }, null, true],
  ["3x3 s2 same outputPadding 1", { n: 1, h: 3, w: 4, c: 2, kh: 3, kw: 3, f: 3, sh: 2, sw: 2, padding: "same" }, [1, 1], true],
  ["3x3 s1 valid", { n: 2, h: 3, w: 2, c: 3, kh: 3, kw: 3, f: 2, sh: 1, sw: 1, padding: "valid" }, null, false],
  ["2x2 s2 valid", { n: 2, h: 3, w: 3, c: 2, kh: 2, kw: 2, f: 3, sh: 2, sw: 2, padding: "valid" }, null, true],
  ["1x1 s1 (pointwise)", { n: 2, h: 3, w: 4, c: 5, kh: 1, kw: 1, f: 3, sh: 1, sw: 1, padding: "same" }, null, true],
  ["1x1 s2 valid (uncovered rows)", { n: 1, h: 3, w: 3, c: 2, kh: 1, kw: 1, f: 2, sh: 2, sw: 2, padding: "valid" }, null, true],
  ["5x5 s2 same outputPadding 0,1", { n: 1, h: 3, w: 3, c: 1, kh: 5, kw: 5, f: 2, sh: 2, sw: 2, padding: "same" }, [0, 1], true],
  ["4x3 s3x2 valid outputPadding 2,1", { n: 1, h: 2, w: 3, c: 2, kh: 4, kw: 3, f: 2, sh: 3, sw: 2, padding: "valid" }, [2, 1], true],
];

describe("conv2dTranspose backward against finite differences", () => {
  it.each(GRAD_CASES)("%s", async (label, s, op, withBias) => {
    const { x, w } = shapeOf(s);
    await checkOp({
      label: `conv2dTranspose ${label}`,
      inputs: withBias ? [{ shape: x }, { shape: w }, { shape: [s.f] }] : [{ shape: x }, { shape: w }],
      op: (tape, [tx, tw, tb]) => conv2dTranspose(tape, tx!, tw!, tb ?? null, [s.sh, s.sw], s.padding, op),
      reference: ([rx, rw, rb]) => conv2dTransposeRef(rx!, rw!, rb ?? null, s, op).y,
    });
  });

  it("input not trainable, and gradients accumulating over two uses", async () => {
    const s: ConvShape = { n: 2, h: 3, w: 3, c: 2, kh: 3, kw: 3, f: 2, sh: 2, sw: 2, padding: "same" };
    await checkOp({
      label: "conv2dTranspose fixed input",
      inputs: [{ shape: shapeOf(s).x, grad: false }, { shape: shapeOf(s).w }, { shape: [s.f] }],
      op: (tape, [tx, tw, tb]) => conv2dTranspose(tape, tx!, tw!, tb!, [2, 2], "same"),
      reference: ([rx, rw, rb]) => conv2dTransposeRef(rx!, rw!, rb!, s, null).y,
    });
    const t: ConvShape = { ...s, sh: 1, sw: 1, padding: "valid" };
    const u = randomArray(2 * 6 * 6 * 2, 5);
    const v = randomArray(2 * 5 * 5 * 2, 6);
    const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
      let sum = 0;
      for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
      return sum;
    };
    await checkOp({
      label: "conv2dTranspose used twice",
      inputs: [{ shape: shapeOf(s).x }, { shape: shapeOf(s).w }],
      op: (tape, [tx, tw]) => {
        const { arena } = getEngine();
        const outputs = [conv2dTranspose(tape, tx!, tw!, null, [2, 2], "same"), conv2dTranspose(tape, tx!, tw!, null, [1, 1], "valid")];
        let loss = 0;
        outputs.forEach((y, k) => {
          const weights = k === 0 ? u : v;
          loss += dot(arena.read(y.ptr, y.size), weights);
          arena.write(tape.gradTarget(y).ptr, weights);
        });
        return loss;
      },
      reference: ([rx, rw]) => dot(conv2dTransposeRef(rx!, rw!, null, s, null).y, u) + dot(conv2dTransposeRef(rx!, rw!, null, t, null).y, v),
    });
  });
});

describe("conv2dTranspose is the adjoint of conv2d", () => {
  /** The output padding that makes conv2dTranspose return to the conv2d input size, if any. */
  function backToInput(s: ConvShape): Pair | null | undefined {
    const oh = convAxis(s.h, s.kh, s.sh, s.padding).out;
    const ow = convAxis(s.w, s.kw, s.sw, s.padding).out;
    const back: ConvShape = { ...s, h: oh, w: ow, c: s.f, f: s.c };
    const candidates: (Pair | null)[] = [null];
    for (let a = 0; a < s.sh; a++) for (let b = 0; b < s.sw; b++) candidates.push([a, b]);
    return candidates.find((op) => {
      if (!consistent(back, op)) return false;
      return convTransposeAxis(oh, s.kh, s.sh, s.padding, op ? op[0] : null).out === s.h && convTransposeAxis(ow, s.kw, s.sw, s.padding, op ? op[1] : null).out === s.w;
    });
  }

  // Keras' output padding is one pair for both axes, so a few shapes (an even
  // kernel at stride 1 on one axis with a stride > 1 on the other) cannot return.
  const grid = convGrid();
  const reachable = grid.filter((s) => backToInput(s) !== undefined);

  it("covers nearly all of the grid", () => {
    expect(reachable.length).toBeGreaterThanOrEqual(grid.length - 2);
  });

  it.each(reachable.map((s) => [s.label, s] as const))("<conv2d(x), y> = <x, conv2dTranspose(y)> for %s", async (label, s) => {
    const op = backToInput(s);
    const e = await engine();
    const x = randomArray(s.n * s.h * s.w * s.c, 21);
    const w = randomArray(s.kh * s.kw * s.c * s.f, 22);
    e.arena.scoped(() => {
      const tw = tensor(e, w, [s.kh, s.kw, s.c, s.f]);
      const cx = conv2d(null, tensor(e, x, [s.n, s.h, s.w, s.c]), tw, null, [s.sh, s.sw], s.padding);
      const y = randomArray(cx.size, 23);
      const ty = conv2dTranspose(null, tensor(e, y, cx.shape as number[]), tw, null, [s.sh, s.sw], s.padding, op ?? null);
      expect(ty.shape, label).toEqual([s.n, s.h, s.w, s.c]);
      const a = e.arena.read(cx.ptr, cx.size);
      const b = e.arena.read(ty.ptr, ty.size);
      let lhs = 0;
      let rhs = 0;
      let scale = 0;
      for (let i = 0; i < a.length; i++) {
        lhs += a[i]! * y[i]!;
        scale += Math.abs(a[i]! * y[i]!);
      }
      for (let i = 0; i < b.length; i++) rhs += b[i]! * x[i]!;
      expect(Math.abs(lhs - rhs), `${label}: ${lhs} vs ${rhs}`).toBeLessThanOrEqual(1e-5 * (scale + 1));
    });
  });
});

describe("conv2dTranspose over several im2col chunks", () => {
  it("32x32x4 → 64x64x16, 3x3 s2 same: forward, input and filter gradients against direct loops", async () => {
    const e = await engine();
    const s: ConvShape = { n: 3, h: 32, w: 32, c: 4, kh: 3, kw: 3, f: 16, sh: 2, sw: 2, padding: "same" };
    const x = randomArray(s.n * s.h * s.w * s.c, 31);
    const w = randomArray(3 * 3 * 16 * 4, 32);
    const b = randomArray(16, 33);
    const ref = conv2dTransposeRef(x, w, b, s, null);
    const g = randomArray(ref.y.length, 34);
    e.arena.scoped(() => {
      const tape = new Tape();
      const tx = tensor(e, x, shapeOf(s).x, true);
      const tw = tensor(e, w, shapeOf(s).w, true);
      const tb = tensor(e, b, [16], true);
      const y = conv2dTranspose(tape, tx, tw, tb, [2, 2], "same");
      expectClose(e.arena.read(y.ptr, y.size), ref.y, { atol: 1e-5, rtol: 1e-5 }, "forward");
      e.arena.write(tape.gradTarget(y).ptr, g);
      tape.backward();
      // Over the output image, dx is conv2d of dy and dw the conv2d filter gradient with x as the output gradient.
      const image: ConvShape = { ...s, h: 64, w: 64, c: 16, f: 4 };
      expectClose(e.arena.read(tx.grad!.ptr, tx.size), conv2dRef(g, w, null, image).y, { atol: 1e-4, rtol: 1e-4 }, "dx");
      expectClose(e.arena.read(tw.grad!.ptr, tw.size), conv2dFilterGradRef(g, x, image), { atol: 2e-3, rtol: 1e-4 }, "dw");
      const db = new Float64Array(16);
      g.forEach((v, i) => (db[i % 16]! += v));
      expectClose(e.arena.read(tb.grad!.ptr, 16), db, { atol: 1e-3, rtol: 1e-4 }, "db");
    });
  });
});

describe("conv2dTranspose validation", () => {
  const run = (xShape: number[], wShape: number[], strides: Pair, padding: Padding, op: Pair | null, bSize: number | null = null) => async () => {
    const e = await engine();
    e.arena.scoped(() => {
      const size = (s: number[]) => s.reduce((a, d) => a * d, 1);
      const b = bSize === null ? null : tensor(e, new Float32Array(bSize), [bSize]);
      conv2dTranspose(null, tensor(e, new Float32Array(size(xShape)), xShape), tensor(e, new Float32Array(size(wShape)), wShape), b, strides, padding, op);
    });
  };

  it("names both shapes when channels differ (filter is [kh, kw, out, in])", async () => {
    await expect(run([1, 5, 5, 3], [3, 3, 3, 2], [1, 1], "same", null)()).rejects.toThrow(/\[1, 5, 5, 3\].*\[3, 3, 3, 2\]/);
    await expect(run([1, 5, 5, 3], [3, 3, 2, 3], [1, 1], "same", null, 3)()).rejects.toThrow(/2 filters but the bias has 3/);
  });

  it("rejects output padding outside [0, stride) and sizes TensorFlow cannot map back", async () => {
    await expect(run([1, 4, 4, 1], [3, 3, 1, 1], [2, 2], "same", [2, 0])()).rejects.toThrow(ShapeError);
    await expect(run([1, 4, 4, 1], [3, 3, 1, 1], [1, 1], "valid", [1, 0])()).rejects.toThrow(ShapeError);
    await expect(run([1, 4, 4, 1], [2, 2, 1, 1], [1, 1], "same", [0, 0])()).rejects.toThrow(/not one a 2×2 conv2d maps back to 4×4/);
    await expect(run([1, 4, 4, 1], [2, 2, 1, 1], [1, 1], "same", null)()).resolves.toBeUndefined();
  });
});
