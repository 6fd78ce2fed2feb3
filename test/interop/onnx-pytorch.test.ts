// fromOnnx on files made by real PyTorch (torch.onnx.export; fixtures/make_fixtures.py):
// ours on NHWC inputs equals PyTorch's outputs and onnxruntime's on NCHW ones,
// within 1e-5. When Debian's torch is present the script runs again and its
// fresh files are checked the same way.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { Autoencoder, layers, VAE } from "../../src/index.js";
import { fromOnnx } from "../../src/interop/index.js";

const exec = promisify(execFile);
const FIXTURES = fileURLToPath(new URL("./fixtures", import.meta.url));
const PYTHON = "/usr/bin/python3";
const TOLERANCE = 1e-5;

interface Expected {
  shape: number[];
  input: number[];
  output: number[];
  code?: number[];
  mu?: number[];
  logvar?: number[];
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(b.length).toBe(a.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** NHWC [n, h, w, c] values in NCHW order. */
function toNchw(data: Float32Array, [n, h, w, c]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < n!; i++) for (let y = 0; y < h!; y++) for (let x = 0; x < w!; x++) for (let k = 0; k < c!; k++) {
    out[((i * c! + k) * h! + y) * w! + x] = data[((i * h! + y) * w! + x) * c! + k]!;
  }
  return out;
}

async function onnxruntime(bytes: Uint8Array, name: string, data: Float32Array, shape: number[]): Promise<Record<string, Float32Array>> {
  const image = shape.length === 4;
  const session = await ort.InferenceSession.create(bytes);
  const feed = new ort.Tensor("float32", image ? toNchw(data, shape) : data, image ? [shape[0]!, shape[3]!, shape[1]!, shape[2]!] : shape);
  const out = await session.run({ [name]: feed });
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
}

const readExpected = async (dir: string) => JSON.parse(await readFile(join(dir, "expected.json"), "utf8")) as Record<string, Expected>;
const readOnnx = async (dir: string, name: string) => new Uint8Array(await readFile(join(dir, `${name}.onnx`)));

async function checkAutoencoders(dir: string): Promise<void> {
  const expected = await readExpected(dir);
  for (const name of ["dense-ae", "conv-ae"]) {
    const { shape, input, output } = expected[name]!;
    const bytes = await readOnnx(dir, name);
    const model = await fromOnnx(bytes);
    const x = { data: Float32Array.from(input), shape };
    const ours = model.reconstruct(x).data;
    expect(maxAbsDiff(ours, output), `${name} vs PyTorch`).toBeLessThanOrEqual(TOLERANCE);
    const theirs = (await onnxruntime(bytes, "input", x.data, shape)).reconstruction!;
    expect(maxAbsDiff(shape.length === 4 ? toNchw(ours, shape) : ours, theirs), `${name} vs onnxruntime`).toBeLessThanOrEqual(TOLERANCE);
    model.dispose();
  }
}

/** The dense AE exported as two graphs: an encoder alone and a decoder alone. */
async function checkParts(dir: string): Promise<void> {
  const { shape, input, code, output } = (await readExpected(dir))["dense-parts"]!;
  const x = { data: Float32Array.from(input), shape };
  const model = await fromOnnx(await readOnnx(dir, "dense-encoder"), { decoder: await readOnnx(dir, "dense-decoder") });
  expect(maxAbsDiff(model.encode(x).data, code!), "encoder vs PyTorch").toBeLessThanOrEqual(TOLERANCE);
  expect(maxAbsDiff(model.reconstruct(x).data, output), "encoder + decoder vs PyTorch").toBeLessThanOrEqual(TOLERANCE);
  model.dispose();
}

async function checkVae(dir: string): Promise<void> {
  const { shape, input, output, mu, logvar } = (await readExpected(dir))["vae"]!;
  const x = { data: Float32Array.from(input), shape };
  const bytes = await readOnnx(dir, "vae");
  const whole = await fromOnnx(bytes, { vae: { mu: "mu", logVar: "logvar" } });
  const split = await fromOnnx(await readOnnx(dir, "vae-encoder"), { vae: { mu: "mu", logVar: "logvar" }, decoder: await readOnnx(dir, "vae-decoder") });
  const theirs = await onnxruntime(bytes, "input", x.data, shape);
  for (const [label, model] of [["one graph", whole], ["encoder and decoder graphs", split]] as const) {
    const ours = model.encode(x, { logVariance: true });
    expect(maxAbsDiff(ours.mean.data, mu!), `${label}: mu vs PyTorch`).toBeLessThanOrEqual(TOLERANCE);
    expect(maxAbsDiff(ours.logVariance.data, logvar!), `${label}: logVar vs PyTorch`).toBeLessThanOrEqual(TOLERANCE);
    const recon = model.reconstruct(x).data;
    expect(maxAbsDiff(recon, output), `${label}: reconstruction vs PyTorch`).toBeLessThanOrEqual(TOLERANCE);
    expect(maxAbsDiff(toNchw(recon, shape), theirs.reconstruction!), `${label}: reconstruction vs onnxruntime`).toBeLessThanOrEqual(TOLERANCE);
    expect(maxAbsDiff(ours.mean.data, theirs.mu!), `${label}: mu vs onnxruntime`).toBeLessThanOrEqual(TOLERANCE);
  }
  whole.dispose();
  split.dispose();
}

async function checkFixtures(dir: string): Promise<void> {
  await checkAutoencoders(dir);
  await checkParts(dir);
  await checkVae(dir);
}

const torchPresent = existsSync(PYTHON) && (await exec(PYTHON, ["-c", "import torch"]).then(() => true, () => false));

describe("fromOnnx on PyTorch's exports", () => {
  it("the committed fixtures: a dense AE (Gemm) and a conv AE (Conv, BatchNormalization, LeakyRelu, MaxPool, ConvTranspose, Resize)", async () => {
    await checkAutoencoders(FIXTURES);
  });

  it("the committed fixtures: the dense AE's encoder and decoder exported apart", async () => {
    await checkParts(FIXTURES);
  });

  it("the committed fixtures: a conv VAE with stride-2 padding 1 (one graph, and encoder and decoder graphs)", async () => {
    await checkVae(FIXTURES);
  });

  it("an imported PyTorch VAE trains further, saves and loads", async () => {
    const { shape, input } = (await readExpected(FIXTURES))["vae"]!;
    const model = await fromOnnx(await readOnnx(FIXTURES, "vae"), { vae: { mu: "mu", logVar: "logvar" }, seed: 2 });
    const x = { data: Float32Array.from(input), shape };
    const before = model.evaluate(x).loss;
    await model.fit(x, { epochs: 8, batchSize: 2 });
    expect(model.evaluate(x).loss).toBeLessThan(before);
    const loaded = await VAE.load(model.save());
    expect(loaded.reconstruct(x).data).toEqual(model.reconstruct(x).data);
    model.dispose();
    loaded.dispose();
  });

  it("a PyTorch encoder alone with a decoder trained here, and a decoder alone with an encoder trained here", async () => {
    const { shape, input, code, output } = (await readExpected(FIXTURES))["dense-parts"]!;
    const x = { data: Float32Array.from(input), shape };
    const withDecoder = await fromOnnx(await readOnnx(FIXTURES, "dense-encoder"), { decoder: [layers.dense(12, "sigmoid")], seed: 1 });
    expect(maxAbsDiff(withDecoder.encode(x).data, code!)).toBeLessThanOrEqual(TOLERANCE);
    const withEncoder = await fromOnnx(await readOnnx(FIXTURES, "dense-decoder"), { encoder: [layers.dense(3, "tanh")], input: [12], seed: 1 });
    const z = { data: Float32Array.from(code!), shape: [shape[0]!, 3] };
    expect(maxAbsDiff(withEncoder.decode(z).data, output)).toBeLessThanOrEqual(TOLERANCE);
    for (const model of [withDecoder, withEncoder]) {
      const before = model.evaluate(x);
      await model.fit(x, { epochs: 20, batchSize: 5 });
      expect(model.evaluate(x)).toBeLessThan(before);
      const loaded = await Autoencoder.load(model.save());
      expect(loaded.reconstruct(x).data).toEqual(model.reconstruct(x).data);
      model.dispose();
      loaded.dispose();
    }
  });

  it("an imported PyTorch conv AE trains further", async () => {
    const model = await fromOnnx(new Uint8Array(await readFile(join(FIXTURES, "conv-ae.onnx"))), { seed: 1 });
    const expected = JSON.parse(await readFile(join(FIXTURES, "expected.json"), "utf8")) as Record<string, Expected>;
    const x = { data: Float32Array.from(expected["conv-ae"]!.input), shape: expected["conv-ae"]!.shape };
    const before = model.evaluate(x);
    await model.fit(x, { epochs: 5, batchSize: 2 });
    expect(model.evaluate(x)).toBeLessThan(before);
    model.dispose();
  });

  it.skipIf(!torchPresent)("the fixture script, run again with the installed torch", async () => {
    const dir = await mkdtemp(join(tmpdir(), "onnx-fixtures-"));
    try {
      await exec(PYTHON, [join(FIXTURES, "make_fixtures.py"), dir], { timeout: 300_000 });
      await checkFixtures(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
