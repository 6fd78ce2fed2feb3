// toOnnx: every model kind, part and layer kind, run by onnxruntime-node on the
// same inputs as ours; outputs agree within 1e-5.
import { describe, expect, it } from "vitest";
import * as ort from "onnxruntime-node";
import { Autoencoder, layers, VAE, type LayerSpec } from "../../src/index.js";
import { fromOnnx, toOnnx, type OnnxPart } from "../../src/interop/index.js";
import { randomArray } from "../helpers.js";

const TOLERANCE = 1e-5;

async function runOnnx(bytes: Uint8Array, feeds: Record<string, { data: Float32Array; shape: number[] }>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  const inputs: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) inputs[name] = new ort.Tensor("float32", t.data, t.shape);
  return session.run(inputs);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(b.length).toBe(a.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const product = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Trains a few steps so biases and batch-norm moving statistics are not at their initial values. */
async function trained<T extends Autoencoder | VAE>(model: T, input: number[], seed: number): Promise<T> {
  const x = randomArray(32 * product(input), seed, 0, 1);
  await model.fit({ data: x, shape: [32, ...input] }, { epochs: 3, batchSize: 8 });
  return model;
}

async function expectAutoencoderParts(model: Autoencoder, rows: number, seed: number): Promise<void> {
  const x = { data: randomArray(rows * product(model.inputShape), seed, 0, 1), shape: [rows, ...model.inputShape] };
  const code = model.encode(x);
  const cases: [OnnxPart, string, { data: Float32Array; shape: number[] }, string, Float32Array][] = [
    ["full", "input", x, "reconstruction", model.reconstruct(x).data],
    ["encoder", "input", x, "code", code.data],
    ["decoder", "code", code, "reconstruction", model.decode(code).data],
  ];
  for (const [part, inName, feed, outName, ours] of cases) {
    const out = await runOnnx(toOnnx(model, { part }), { [inName]: feed });
    const theirs = out[outName]!;
    expect(theirs.dims).toEqual(part === "encoder" ? code.shape : x.shape);
    expect(maxAbsDiff(ours, theirs.data as Float32Array), `${part}`).toBeLessThanOrEqual(TOLERANCE);
  }
}

describe("toOnnx on Autoencoders", () => {
  it("explicit conv padding (PyTorch's stride-2 conv and its doubling transpose), exported and imported again", async () => {
    const pad = [[1, 1], [1, 1]] as const;
    const model = await trained(await Autoencoder.create({
      input: [8, 6, 2],
      encoder: [
        layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: pad, activation: "relu" }),
        layers.conv2d({ filters: 2, kernelSize: [3, 2], padding: [[2, 0], [0, 1]] }),
      ],
      decoder: [
        layers.conv2dTranspose({ filters: 3, kernelSize: [3, 2], padding: [[2, 0], [0, 1]], activation: "relu" }),
        layers.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: pad, outputPadding: 1, activation: "sigmoid" }),
      ],
      seed: 5,
    }), [8, 6, 2], 13);
    await expectAutoencoderParts(model, 3, 23);
    const imported = await fromOnnx(toOnnx(model));
    const x = { data: randomArray(3 * 96, 29, 0, 1), shape: [3, 8, 6, 2] };
    expect(maxAbsDiff(model.reconstruct(x).data, imported.reconstruct(x).data)).toBeLessThanOrEqual(1e-6);
    model.dispose();
    imported.dispose();
  });

  it("dense layers with every activation, with and without bias", async () => {
    const model = await trained(await Autoencoder.create({
      input: [12],
      encoder: [layers.dense(10, "relu"), layers.dense(8, { activation: "leakyRelu", alpha: 0.2 }), layers.dense(6), layers.activation("tanh"), layers.dropout(0.2)],
      decoder: [layers.dense(8, "softplus"), layers.leakyRelu(), layers.dense(10, { useBias: false }), layers.batchNorm(), layers.dense(12, "sigmoid")],
      seed: 3,
    }), [12], 11);
    await expectAutoencoderParts(model, 5, 21);
    model.dispose();
  });

  it("conv2d, batch norm, max pooling, strided 'same' conv2dTranspose and upsampling", async () => {
    const model = await trained(await Autoencoder.create({
      input: [8, 8, 2],
      encoder: [
        layers.conv2d({ filters: 4, kernelSize: 3, padding: "same", activation: "relu" }),
        layers.batchNorm({ epsilon: 1e-2 }),
        layers.maxPool2d(),
        layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: "same", activation: "tanh" }),
        layers.flatten(),
        layers.dense(5),
      ],
      decoder: [
        layers.dense(12, "relu"),
        layers.reshape([2, 2, 3]),
        layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: "same", activation: "leakyRelu", alpha: 0.1 }),
        layers.upSampling2d(),
        layers.conv2dTranspose({ filters: 2, kernelSize: 2, padding: "valid", useBias: false }),
        layers.conv2d({ filters: 2, kernelSize: 2, padding: "valid", activation: "sigmoid" }),
      ],
      seed: 5,
    }), [8, 8, 2], 12);
    await expectAutoencoderParts(model, 4, 22);
    model.dispose();
  });

  it("strided 'valid' convolutions, output padding, rectangular kernels and batch norm on flat and 2-D samples", async () => {
    const model = await trained(await Autoencoder.create({
      input: [7, 7, 1],
      encoder: [
        layers.conv2d({ filters: 2, kernelSize: [3, 2], strides: [2, 1], padding: "valid", activation: "softplus" }),
        layers.batchNorm(),
        layers.reshape([3, 12]),
        layers.batchNorm(),
        layers.flatten(),
        layers.dense(4),
        layers.batchNorm(),
      ],
      decoder: [
        layers.dense(18, "relu"),
        layers.reshape([3, 3, 2]),
        layers.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: "same", outputPadding: 1, activation: "relu" }),
        layers.conv2dTranspose({ filters: 2, kernelSize: [5, 3], padding: "same", activation: "tanh" }),
        layers.conv2dTranspose({ filters: 1, kernelSize: 2, padding: "valid" }),
      ],
      seed: 6,
    }), [7, 7, 1], 13);
    await expectAutoencoderParts(model, 3, 23);
    model.dispose();
  });

  it("conv2dTranspose 'valid' with stride above the kernel, and with output padding", async () => {
    const model = await trained(await Autoencoder.create({
      input: [7, 7, 1],
      encoder: [layers.conv2d({ filters: 2, kernelSize: 3, strides: 2, activation: "relu" }), layers.flatten(), layers.dense(3)],
      decoder: [
        layers.dense(8),
        layers.reshape([2, 2, 2]),
        layers.conv2dTranspose({ filters: 2, kernelSize: 1, strides: 3, padding: "valid" }),
        layers.conv2dTranspose({ filters: 1, kernelSize: 2, strides: 1, padding: "valid", outputPadding: 0, activation: "sigmoid" }),
      ],
      seed: 7,
    }), [7, 7, 1], 14);
    await expectAutoencoderParts(model, 2, 24);
    model.dispose();
  });

  it("a dynamic batch: one exported file runs batches of 1 and 300", async () => {
    const model = await Autoencoder.create({ input: [6], encoder: [layers.dense(3, "tanh")], decoder: [layers.dense(6)], seed: 1 });
    const bytes = toOnnx(model);
    for (const rows of [1, 300]) {
      const x = { data: randomArray(rows * 6, rows), shape: [rows, 6] };
      const out = await runOnnx(bytes, { input: x });
      expect(maxAbsDiff(model.reconstruct(x).data, out.reconstruction!.data as Float32Array)).toBeLessThanOrEqual(TOLERANCE);
    }
    model.dispose();
  });

  it("refuses a k-sparse autoencoder and an unknown part", async () => {
    const model = await Autoencoder.create({ input: [6], encoder: [layers.dense(4)], decoder: [layers.dense(6)], sparsity: { k: 2 } });
    expect(() => toOnnx(model)).toThrow(/k-sparse/);
    expect(() => toOnnx(model, { part: "middle" as OnnxPart })).toThrow(/expected part "full", "encoder" or "decoder", found "middle"/);
    model.dispose();
  });
});

describe("toOnnx on VAEs", () => {
  const cases: [string, number[], LayerSpec[], LayerSpec[]][] = [
    ["dense", [10], [layers.dense(8, "relu")], [layers.dense(8, "relu"), layers.dense(10, "sigmoid")]],
    ["conv", [4, 4, 1], [layers.conv2d({ filters: 2, kernelSize: 3, padding: "same", activation: "relu" }), layers.batchNorm()],
      [layers.dense(8, "relu"), layers.reshape([2, 2, 2]), layers.upSampling2d(), layers.conv2d({ filters: 1, kernelSize: 3, padding: "same", activation: "sigmoid" })]],
  ];
  for (const [kind, input, encoder, decoder] of cases) {
    it(`${kind}: encoder to mu and logVar, decoder, full`, async () => {
      const model = await trained(await VAE.create({ input, encoder, latent: 3, decoder, seed: 9 }), input, 15);
      const rows = 4;
      const x = { data: randomArray(rows * product(input), 25, 0, 1), shape: [rows, ...input] };
      const { mean, logVariance } = model.encode(x, { logVariance: true });
      const enc = await runOnnx(toOnnx(model, { part: "encoder" }), { input: x });
      expect(maxAbsDiff(mean.data, enc.mu!.data as Float32Array)).toBeLessThanOrEqual(TOLERANCE);
      expect(maxAbsDiff(logVariance.data, enc.logVar!.data as Float32Array)).toBeLessThanOrEqual(TOLERANCE);
      const z = { data: randomArray(rows * 3, 26, -2, 2), shape: [rows, 3] };
      const dec = await runOnnx(toOnnx(model, { part: "decoder" }), { z });
      expect(maxAbsDiff(model.decode(z).data, dec.reconstruction!.data as Float32Array)).toBeLessThanOrEqual(TOLERANCE);
      const full = await runOnnx(toOnnx(model), { input: x });
      expect(maxAbsDiff(model.reconstruct(x).data, full.reconstruction!.data as Float32Array)).toBeLessThanOrEqual(TOLERANCE);
      model.dispose();
    });
  }
});
