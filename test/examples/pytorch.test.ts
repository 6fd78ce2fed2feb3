// examples/pytorch/run.ts end to end with 2 ranks: PyTorch trains with
// torch.distributed (torchrun, gloo on CPU) and exports ONNX, our command line
// imports and scores it, examples/edge serves it under workerd, and it trains
// further here. The checks read the files each side wrote, not only the
// driver's summary. Needs Debian's python3-torch for /usr/bin/python3: without
// it the file is skipped with a banner, and fails under CI (which installs it).
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Autoencoder } from "../../src/index.js";
import { readNpy } from "../../src/io/npy.js";
import { loadMnist } from "../../examples/lib/mnist.js";
import { ensureDist } from "../package/dist.js";
import { lastJson, missing, run } from "../runtimes/runtimes.js";

const PYTHON = "/usr/bin/python3";

interface Summary {
  worldSize: number;
  pytorch: number;
  ours: number;
  relative: number;
  edge: { get: unknown; scores: number[]; matchesCli: boolean } | null;
  fineTune: { rows: number; epochs: number; before: number; after: number } | null;
}

/** Why the example cannot run here, or null; a loud banner when it cannot, an error under CI. */
async function torchMissing(): Promise<string | null> {
  const probe = existsSync(PYTHON)
    ? await promisify(execFile)(PYTHON, ["-c", "import torch.distributed as d; assert d.is_available() and d.is_gloo_available()"]).then(() => null, (e: Error) => e.message.split("\n").slice(-2).join(" "))
    : `${PYTHON} not found`;
  if (probe === null) return null;
  const reason = `${PYTHON} has no torch with gloo (${probe}); apt-get install -y python3-torch, as .ci/run does`;
  if (process.env.CI) throw new Error(`CI must run examples/pytorch, but ${reason}`);
  const line = "!".repeat(78);
  console.warn(`\n${line}\n!!! SKIPPED: examples/pytorch (torch.distributed training → ONNX → our CLI → edge)\n!!! ${reason}\n!!! (this fails under CI)\n${line}\n`);
  return reason;
}

const npy = async (path: string) => readNpy(new Uint8Array(await readFile(path))).data;
const mean = (values: Float32Array) => values.reduce((sum, v) => sum + v, 0) / values.length;

let skipped: string | null = null;
let out = "";
let summary: Summary;
let noEdge = false;

beforeAll(async () => {
  skipped = await torchMissing();
  if (skipped) return;
  await ensureDist();
  noEdge = missing("workerd") !== null;
  out = await mkdtemp(join(tmpdir(), "autoencoders-pytorch-"));
  const result = await run(process.execPath, ["--import", "tsx", "examples/pytorch/run.ts", "--nproc", "2", "--out", out, ...(noEdge ? ["--no-edge"] : [])], { timeoutMs: 400_000 });
  summary = lastJson<Summary>(result, "examples/pytorch/run.ts");
}, 420_000);

afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

describe("examples/pytorch: train with torch.distributed, import, evaluate, serve, fine-tune", () => {
  it("PyTorch trained on 2 ranks with gloo, and its training loss fell every epoch", async (ctx) => {
    if (skipped) return ctx.skip();
    const pytorch = JSON.parse(await readFile(join(out, "pytorch.json"), "utf8")) as { worldSize: number; backend: string; trainRows: number; epochLosses: number[] };
    expect({ worldSize: pytorch.worldSize, backend: pytorch.backend, trainRows: pytorch.trainRows }).toEqual({ worldSize: 2, backend: "gloo", trainRows: 6000 });
    expect(summary.worldSize).toBe(2);
    for (let e = 1; e < pytorch.epochLosses.length; e++) expect(pytorch.epochLosses[e]).toBeLessThan(pytorch.epochLosses[e - 1]!);
  });

  it("our test error on the 10,000 test digits is PyTorch's within 1e-5 relative, and so is every digit's", async (ctx) => {
    if (skipped) return ctx.skip();
    const theirs = await npy(join(out, "scores.npy"));
    const ours = await npy(join(out, "scores-ours.npy"));
    expect([theirs.length, ours.length]).toEqual([10_000, 10_000]);
    const pytorchJson = JSON.parse(await readFile(join(out, "pytorch.json"), "utf8")) as { testError: number };
    // PyTorch's own mean of its scores (f64 in numpy), against ours of the same file.
    expect(Math.abs(mean(theirs) - pytorchJson.testError) / pytorchJson.testError).toBeLessThan(1e-12);
    const relative = Math.abs(mean(ours) - mean(theirs)) / mean(theirs);
    expect(relative).toBeLessThanOrEqual(1e-5);
    expect(summary.relative).toBe(relative);
    for (let i = 0; i < ours.length; i++) {
      if (!(Math.abs(ours[i]! - theirs[i]!) <= 1e-5 * theirs[i]!)) expect.fail(`digit ${i}: ours ${ours[i]}, PyTorch's ${theirs[i]}`);
    }
  });

  it("the edge handler under workerd serves the imported model with the command line's bits", async (ctx) => {
    if (skipped || noEdge) return ctx.skip();
    const ours = await npy(join(out, "scores-ours.npy"));
    expect(summary.edge!.get).toEqual({ inputShape: [784], codeShape: [32] });
    expect(summary.edge!.scores).toHaveLength(16);
    expect(Float32Array.from(summary.edge!.scores)).toEqual(ours.subarray(0, 16));
  });

  it("the imported model trains further here on digits PyTorch never saw: the test error falls, and the saved file reproduces it", async (ctx) => {
    if (skipped) return ctx.skip();
    const { before, after } = summary.fineTune!;
    expect(before).toBe(summary.ours);
    expect(after).toBeLessThan(before);
    const { test } = await loadMnist({ trainSize: 0 });
    const model = await Autoencoder.load(new Uint8Array(await readFile(join(out, "model-finetuned.aenc"))));
    try {
      expect(mean(model.reconstructionError(test.x))).toBe(after);
    } finally {
      model.dispose();
    }
  });
});
