// Explicit conv padding [[top, bottom], [left, right]] (PyTorch's and ONNX's
// pads): conv2d against the f64 "valid" reference on a zero-padded image,
// conv2dTranspose against the f64 "valid" transpose cropped by the pads, both
// forward and backward (finite differences), and the layers built with it.
import { describe, expect, it } from "vitest";
import { Autoencoder, ConfigError, layers } from "../../src/index.js";
import { conv2d, type ExplicitPadding } from "../../src/ops/conv2d.js";
import { conv2dTranspose } from "../../src/ops/conv2d-transpose.js";
import { conv2dRef, conv2dTransposeRef, type ConvShape } from "../reference/conv.js";
import { checkOp } from "../ops/check-op.js";

interface Case {
  n: number; h: number; w: number; c: number; kh: number; kw: number; f: number; sh: number; sw: number;
  pad: ExplicitPadding;
}

/** x [n, h, w, c] with zero rows and columns added around each image. */
function padImage(x: Float64Array, s: Case): Float64Array {
  const [[t, b], [l, r]] = s.pad;
  const ph = s.h + t + b, pw = s.w + l + r;
  const out = new Float64Array(s.n * ph * pw * s.c);
  for (let i = 0; i < s.n; i++) for (let y = 0; y < s.h; y++) for (let x0 = 0; x0 < s.w; x0++) for (let k = 0; k < s.c; k++) {
    out[((i * ph + y + t) * pw + x0 + l) * s.c + k] = x[((i * s.h + y) * s.w + x0) * s.c + k]!;
  }
  return out;
}

/** y [n, h, w, c] without `crop` rows/columns at each side. */
function cropImage(y: Float64Array, [n, h, w, c]: number[], crop: ExplicitPadding): Float64Array {
  const [[t, b], [l, r]] = crop;
  const oh = h! - t - b, ow = w! - l - r;
  const out = new Float64Array(n! * oh * ow * c!);
  for (let i = 0; i < n!; i++) for (let y0 = 0; y0 < oh; y0++) for (let x0 = 0; x0 < ow; x0++) for (let k = 0; k < c!; k++) {
    out[((i * oh + y0) * ow + x0) * c! + k] = y[((i * h! + y0 + t) * w! + x0 + l) * c! + k]!;
  }
  return out;
}

const valid = (s: Case, h: number, w: number): ConvShape => ({ n: s.n, h, w, c: s.c, kh: s.kh, kw: s.kw, f: s.f, sh: s.sh, sw: s.sw, padding: "valid" });

const CONV_CASES: [string, Case][] = [
  ["3x3 s2 pads 1 (PyTorch's stride-2 conv)", { n: 2, h: 6, w: 5, c: 2, kh: 3, kw: 3, f: 3, sh: 2, sw: 2, pad: [[1, 1], [1, 1]] }],
  ["4x3 s1 uneven pads", { n: 1, h: 4, w: 4, c: 3, kh: 4, kw: 3, f: 2, sh: 1, sw: 1, pad: [[2, 0], [0, 1]] }],
  ["3x3 s2 pads 1, one channel (the few-channel kernel)", { n: 4, h: 8, w: 8, c: 1, kh: 3, kw: 3, f: 4, sh: 2, sw: 2, pad: [[1, 1], [1, 1]] }],
  ["3x3 s2 pads 1, 4 to 8 channels", { n: 4, h: 4, w: 4, c: 4, kh: 3, kw: 3, f: 8, sh: 2, sw: 2, pad: [[1, 1], [1, 1]] }],
  ["1x1 s1 pads 1", { n: 1, h: 3, w: 3, c: 2, kh: 1, kw: 1, f: 2, sh: 1, sw: 1, pad: [[1, 1], [1, 1]] }],
];

describe("conv2d with explicit padding", () => {
  it.each(CONV_CASES)("%s: forward and backward", async (label, s) => {
    const [[t, b], [l, r]] = s.pad;
    await checkOp({
      label: `conv2d ${label}`,
      inputs: [{ shape: [s.n, s.h, s.w, s.c] }, { shape: [s.kh, s.kw, s.c, s.f] }, { shape: [s.f] }],
      op: (tape, [x, w, bias]) => conv2d(tape, x!, w!, bias!, [s.sh, s.sw], s.pad),
      reference: ([x, w, bias]) => conv2dRef(padImage(x!, s), w!, bias!, valid(s, s.h + t + b, s.w + l + r)).y,
    });
  });
});

const TRANSPOSE_CASES: [string, Case, [number, number] | null][] = [
  ["3x3 s2 pads 1 output padding 1 (PyTorch's doubling)", { n: 2, h: 3, w: 2, c: 2, kh: 3, kw: 3, f: 3, sh: 2, sw: 2, pad: [[1, 1], [1, 1]] }, [1, 1]],
  ["4x4 s2 pads 1", { n: 1, h: 2, w: 3, c: 3, kh: 4, kw: 4, f: 2, sh: 2, sw: 2, pad: [[1, 1], [1, 1]] }, null],
  ["3x2 s1 uneven pads", { n: 1, h: 3, w: 3, c: 2, kh: 3, kw: 2, f: 2, sh: 1, sw: 1, pad: [[0, 2], [1, 0]] }, null],
];

describe("conv2dTranspose with explicit padding", () => {
  it.each(TRANSPOSE_CASES)("%s: forward and backward", async (label, s, op) => {
    const extra: [number, number] = op ?? [0, 0];
    await checkOp({
      label: `conv2dTranspose ${label}`,
      inputs: [{ shape: [s.n, s.h, s.w, s.c] }, { shape: [s.kh, s.kw, s.f, s.c] }, { shape: [s.f] }],
      op: (tape, [x, w, bias]) => conv2dTranspose(tape, x!, w!, bias!, [s.sh, s.sw], s.pad, op),
      reference: ([x, w, bias]) => {
        // The "valid" transpose, (h − 1)·s + k (+ output padding) long, cropped by the pads.
        const full = conv2dTransposeRef(x!, w!, bias!, valid(s, s.h, s.w), extra);
        const fh = (s.h - 1) * s.sh + s.kh + extra[0], fw = (s.w - 1) * s.sw + s.kw + extra[1];
        return cropImage(full.y, [s.n, fh, fw, s.f], s.pad);
      },
    });
  });
});

describe("conv layers with explicit padding", () => {
  it("infer PyTorch's shapes, train, save and load with the padding", async () => {
    const pad: ExplicitPadding = [[1, 1], [1, 1]];
    const model = await Autoencoder.create({
      input: [8, 8, 1],
      encoder: [layers.conv2d({ filters: 2, kernelSize: 3, strides: 2, padding: pad, activation: "relu" })],
      decoder: [layers.conv2dTranspose({ filters: 1, kernelSize: 3, strides: 2, padding: pad, outputPadding: 1, activation: "sigmoid" })],
      seed: 3,
    });
    expect(model.codeShape).toEqual([4, 4, 2]);
    const x = { data: Float32Array.from({ length: 4 * 64 }, (_, i) => ((i * 37) % 11) / 10), shape: [4, 8, 8, 1] };
    const before = model.evaluate(x);
    await model.fit(x, { epochs: 3, batchSize: 2 });
    expect(model.evaluate(x)).toBeLessThan(before);
    const loaded = await Autoencoder.load(model.save());
    expect(loaded.reconstruct(x).data).toEqual(model.reconstruct(x).data);
    model.dispose();
    loaded.dispose();
  });

  it("refuses malformed explicit padding with a ConfigError", async () => {
    for (const padding of [[[1, 1]], [[1, -1], [0, 0]], [[1.5, 0], [0, 0]], [[1, 1], [1, 1, 1]]]) {
      const create = Autoencoder.create({ input: [4, 4, 1], encoder: [layers.conv2d({ filters: 1, kernelSize: 3, padding: padding as never })], decoder: [layers.flatten(), layers.dense(16), layers.reshape([4, 4, 1])] });
      await expect(create).rejects.toBeInstanceOf(ConfigError);
      await expect(create).rejects.toThrow(/padding must be "same" or "valid" \(or explicit \[\[top, bottom\], \[left, right\]\]/);
    }
  });
});
