// fromOnnx on our own exports: the imported model computes what the exported
// one did, trains further and saves/loads; unsupported graphs and malformed
// bytes give typed errors.
import { describe, expect, it } from "vitest";
import { Autoencoder, ConfigError, layers, ModelFormatError, VAE, type AutoencoderConfig } from "../../src/index.js";
import { fromOnnx, toOnnx } from "../../src/interop/index.js";
import { encodeModel, type OnnxModel } from "../../src/interop/onnx-proto.js";
import { randomArray, rng } from "../helpers.js";

const product = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(b.length).toBe(a.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const CONFIGS: [string, AutoencoderConfig][] = [
  ["dense", {
    input: [12],
    encoder: [layers.dense(10, "relu"), layers.dense(6, { activation: "leakyRelu", alpha: 0.2 }), layers.batchNorm(), layers.dense(3, "tanh")],
    decoder: [layers.dense(8, "softplus"), layers.dense(12, { activation: "sigmoid", useBias: false })],
  }],
  ["an image output by a reshape at the graph's end", {
    input: [8, 8, 1],
    encoder: [layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: [[1, 1], [1, 1]], activation: "relu" }), layers.flatten(), layers.dense(6)],
    decoder: [layers.dense(64, "sigmoid"), layers.reshape([8, 8, 1])],
  }],
  ["conv", {
    input: [8, 8, 2],
    encoder: [
      layers.conv2d({ filters: 4, kernelSize: 3, padding: "same", activation: "relu" }), layers.batchNorm(), layers.maxPool2d(),
      layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: "same", activation: "tanh" }), layers.flatten(), layers.dense(5),
    ],
    decoder: [
      layers.dense(12, "relu"), layers.reshape([2, 2, 3]),
      layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: "same", activation: "leakyRelu", alpha: 0.1 }),
      layers.upSampling2d(), layers.conv2dTranspose({ filters: 2, kernelSize: [5, 3], padding: "same", outputPadding: 0 }),
      layers.conv2d({ filters: 2, kernelSize: 1, activation: "sigmoid" }),
    ],
  }],
];

describe("fromOnnx on toOnnx's files", () => {
  for (const [kind, config] of CONFIGS) {
    it(`${kind}: the same reconstructions, then fit, save and load`, async () => {
      const original = await Autoencoder.create({ ...config, seed: 4 });
      const x = { data: randomArray(16 * product(config.input), 31, 0, 1), shape: [16, ...config.input] };
      await original.fit(x, { epochs: 2, batchSize: 4 });
      const imported = await fromOnnx(toOnnx(original), { seed: 4 });
      expect(imported.codeShape).toEqual(original.codeShape);
      expect(maxAbsDiff(original.reconstruct(x).data, imported.reconstruct(x).data)).toBeLessThanOrEqual(1e-6);
      const before = imported.evaluate(x);
      await imported.fit(x, { epochs: 3, batchSize: 4 });
      expect(imported.evaluate(x)).toBeLessThan(before);
      const loaded = await Autoencoder.load(imported.save());
      expect(loaded.reconstruct(x).data).toEqual(imported.reconstruct(x).data);
      for (const m of [original, imported, loaded]) m.dispose();
    });
  }

  it("splits at a named code value", async () => {
    const original = await Autoencoder.create({ input: [6], encoder: [layers.dense(4, "relu"), layers.dense(2)], decoder: [layers.dense(6)] });
    await expect(fromOnnx(toOnnx(original), { code: "nowhere" })).rejects.toThrow(/expected code to name a value between two layers, found "nowhere"/);
    original.dispose();
  });
});

const node = (op: string, inputs: string[], outputs: string[], attributes: OnnxModel["graph"]["nodes"][0]["attributes"] = new Map()) =>
  ({ op, name: `${op.toLowerCase()}_1`, domain: "", inputs, outputs, attributes });

function graph(nodes: OnnxModel["graph"]["nodes"], initializers: OnnxModel["graph"]["initializers"] = []): Uint8Array {
  return encodeModel({
    irVersion: 8, opset: 13, producer: "test", doc: "",
    graph: { name: "g", nodes, initializers, inputs: [{ name: "x", dims: ["batch", 4], elemType: 1 }], outputs: [{ name: "y", dims: ["batch", 4], elemType: 1 }] },
  });
}

describe("fromOnnx refuses what it cannot build", () => {
  it("an unsupported op, naming the node, the op and the supported ones", async () => {
    await expect(fromOnnx(graph([node("Softmax", ["x"], ["y"])]))).rejects.toThrow(/node "softmax_1" \(Softmax\): op "Softmax" is not supported; supported: Gemm, MatMul/);
    await expect(fromOnnx(graph([node("Softmax", ["x"], ["y"])]))).rejects.toBeInstanceOf(ConfigError);
  });

  it("an unsupported attribute or value", async () => {
    const w = { name: "w", dims: [4, 4], data: new Float32Array(16) };
    const gemm = node("Gemm", ["x", "w"], ["h"], new Map([["alpha", { f: 2 }]]));
    await expect(fromOnnx(graph([gemm, node("Relu", ["h"], ["y"])], [w]))).rejects.toThrow(/node "gemm_1" \(Gemm\): expected alpha = beta = 1/);
    const odd = node("Relu", ["x"], ["y"], new Map([["color", { s: "blue" }]]));
    await expect(fromOnnx(graph([odd]))).rejects.toThrow(/attribute "color" is not supported; supported: none/);
  });

  it("an unsupported data type, naming it", async () => {
    const bytes = graph([node("Gemm", ["x", "w"], ["y"])], [{ name: "w", dims: [4, 4], data: new Float32Array(16) }]);
    // Patch the initializer's data_type (field 2, FLOAT = 1) to DOUBLE (11): the byte after the tag 0x10 following its dims.
    const at = findSubarray(bytes, Uint8Array.of(0x0a, 0x02, 0x04, 0x04, 0x10, 0x01));
    expect(at).toBeGreaterThan(0);
    bytes[at + 5] = 11;
    await expect(fromOnnx(bytes)).rejects.toThrow(/tensor "w": unsupported data type DOUBLE; expected FLOAT/);
  });

  it("malformed bytes: every truncation and random byte changes give typed errors, never another exception", async () => {
    const model = await Autoencoder.create({ input: [4], encoder: [layers.dense(2, "relu")], decoder: [layers.dense(4)] });
    const bytes = toOnnx(model);
    model.dispose();
    const next = rng(77);
    const attempts: Uint8Array[] = [];
    for (let cut = 0; cut < bytes.length; cut += 7) attempts.push(bytes.slice(0, cut));
    for (let i = 0; i < 300; i++) {
      const b = bytes.slice();
      for (let k = 0; k < 3; k++) b[Math.floor(next() * b.length)] = Math.floor(next() * 256);
      attempts.push(b);
    }
    for (const b of attempts) {
      try {
        (await fromOnnx(b)).dispose();
      } catch (error) {
        expect(error instanceof ModelFormatError || error instanceof ConfigError, String(error)).toBe(true);
      }
    }
  });

  it("a length beyond the bytes, before allocating it", async () => {
    // Field 7 (graph), declaring 2^40 bytes.
    const huge = Uint8Array.of(0x3a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20);
    await expect(fromOnnx(huge)).rejects.toThrow(/field 7 declares 1099511627776 bytes, only 0 remain/);
  });
});

function findSubarray(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

describe("fromOnnx for a VAE and for an encoder or decoder alone", () => {
  const vaeConfig = {
    input: [6, 6, 1], latent: 2,
    encoder: [layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: [[1, 1], [1, 1]] as const, activation: "relu" as const })],
    decoder: [layers.dense(9, "relu"), layers.reshape([3, 3, 1]), layers.conv2dTranspose({ filters: 1, kernelSize: 2, strides: 2, activation: "sigmoid" as const })],
  };

  it("our VAE's encoder and decoder graphs import as the same VAE", async () => {
    const original = await VAE.create({ ...vaeConfig, seed: 6 });
    const x = { data: randomArray(8 * 36, 41, 0, 1), shape: [8, 6, 6, 1] };
    await original.fit(x, { epochs: 2, batchSize: 4 });
    const imported = await fromOnnx(toOnnx(original, { part: "encoder" }), { vae: { mu: "mu", logVar: "logVar" }, decoder: toOnnx(original, { part: "decoder" }) });
    const [a, b] = [original.encode(x, { logVariance: true }), imported.encode(x, { logVariance: true })];
    expect(maxAbsDiff(a.mean.data, b.mean.data)).toBeLessThanOrEqual(1e-6);
    expect(maxAbsDiff(a.logVariance.data, b.logVariance.data)).toBeLessThanOrEqual(1e-6);
    expect(maxAbsDiff(original.reconstruct(x).data, imported.reconstruct(x).data)).toBeLessThanOrEqual(1e-6);
    original.dispose();
    imported.dispose();
  });

  it("typed errors for options that do not fit the graph", async () => {
    const vae = await VAE.create({ ...vaeConfig, seed: 6 });
    const encoder = toOnnx(vae, { part: "encoder" });
    const decoder = toOnnx(vae, { part: "decoder" });
    vae.dispose();
    const other = await Autoencoder.create({ input: [4], encoder: [layers.dense(3)], decoder: [layers.dense(4)] });
    const otherDecoder = toOnnx(other, { part: "decoder" });
    other.dispose();
    const cases: [() => Promise<unknown>, RegExp][] = [
      [() => fromOnnx(encoder, { vae: { mu: "mean", logVar: "logVar" }, decoder }), /expected vae.mu to name a graph output, found "mean"; outputs: "mu", "logVar"/],
      [() => fromOnnx(encoder, { vae: { mu: "mu", logVar: "mu" }, decoder }), /expected vae.mu and vae.logVar to name two outputs, found "mu" twice/],
      [() => fromOnnx(encoder, { vae: { mu: "mu", logVar: "logVar" } }), /the VAE graph ends at mu and logVar; expected the decoder/],
      [() => fromOnnx(encoder), /feeds 2 nodes .*for a VAE, give the names of its mu and logVar outputs/],
      [() => fromOnnx(decoder, { encoder: [layers.flatten(), layers.dense(3)] }), /with encoder layers, expected input/],
      [() => fromOnnx(decoder, { encoder: [layers.flatten(), layers.dense(3)], input: [6, 6, 1] }), /expected the encoder layers to end at the decoder graph's input, per-sample \[2\], found \[3\]/],
      [() => fromOnnx(encoder, { vae: { mu: "mu", logVar: "logVar" }, decoder: otherDecoder }), /expected the decoder graph's input "code" to be the code, per-sample \[2\], found \[3\]/],
      [() => fromOnnx(encoder, { code: "x", decoder }), /expected at most one of code, decoder and encoder, found code and decoder/],
      [() => fromOnnx(encoder, { decoder: "layers" as never }), /expected decoder to be ONNX bytes \(a Uint8Array\) or an array of layers, found "layers"/],
    ];
    for (const [build, message] of cases) {
      await expect(build()).rejects.toBeInstanceOf(ConfigError);
      await expect(build()).rejects.toThrow(message);
    }
  });
});
