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
import { fromOnnx } from "../../src/interop/index.js";

const exec = promisify(execFile);
const FIXTURES = fileURLToPath(new URL("./fixtures", import.meta.url));
const PYTHON = "/usr/bin/python3";
const TOLERANCE = 1e-5;

interface Expected {
  shape: number[];
  input: number[];
  output: number[];
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

async function checkFixtures(dir: string): Promise<void> {
  const expected = JSON.parse(await readFile(join(dir, "expected.json"), "utf8")) as Record<string, Expected>;
  for (const name of ["dense-ae", "conv-ae"]) {
    const { shape, input, output } = expected[name]!;
    const bytes = new Uint8Array(await readFile(join(dir, `${name}.onnx`)));
    const model = await fromOnnx(bytes);
    const x = { data: Float32Array.from(input), shape };
    const ours = model.reconstruct(x).data;
    expect(maxAbsDiff(ours, output), `${name} vs PyTorch`).toBeLessThanOrEqual(TOLERANCE);
    const image = shape.length === 4;
    const session = await ort.InferenceSession.create(bytes);
    const feed = new ort.Tensor("float32", image ? toNchw(x.data, shape) : x.data, image ? [shape[0]!, shape[3]!, shape[1]!, shape[2]!] : shape);
    const theirs = (await session.run({ input: feed })).reconstruction!.data as Float32Array;
    const ourNchw = image ? toNchw(ours, shape) : ours;
    expect(maxAbsDiff(ourNchw, theirs), `${name} vs onnxruntime`).toBeLessThanOrEqual(TOLERANCE);
    model.dispose();
  }
}

const torchPresent = existsSync(PYTHON) && (await exec(PYTHON, ["-c", "import torch"]).then(() => true, () => false));

describe("fromOnnx on PyTorch's exports", () => {
  it("the committed fixtures: a dense AE (Gemm) and a conv AE (Conv, BatchNormalization, LeakyRelu, MaxPool, ConvTranspose, Resize)", async () => {
    await checkFixtures(FIXTURES);
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
