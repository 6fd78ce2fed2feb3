// `train --stream`: the built CLI reading .csv and .npy a chunk at a time, on small files made here.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { csvChunks } from "../../src/cli/data.js";
import { writeNpy } from "../../src/index.js";
import { ensureDist, ROOT } from "../package/dist.js";
import { randomArray } from "../helpers.js";

const CLI = join(ROOT, "dist", "cli.js");
const ROWS = 300;
const FEATURES = 6;
let dir = "";
const at = (name: string) => join(dir, name);

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  await ensureDist();
  dir = await mkdtemp(join(tmpdir(), "autoencoders-stream-"));
  const data = randomArray(ROWS * FEATURES, 21, 0, 1);
  const header = Array.from({ length: FEATURES }, (_, j) => `f${j}`);
  await writeFile(at("unit.csv"), [...csvChunks(header, data, ROWS)].join(""));
  await writeFile(at("unit.npy"), writeNpy({ data, shape: [ROWS, FEATURES] }));
  const wide = Float32Array.from(data, (v) => v * 10 - 5);
  await writeFile(at("wide.csv"), [...csvChunks(header, wide, ROWS)].join(""));
  const bad = data.slice();
  bad[7 * FEATURES + 2] = Number.NaN;
  await writeFile(at("nan.csv"), [...csvChunks(header, bad, ROWS)].join(""));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const common = ["--epochs", "3", "--seed", "4", "--quiet"];

describe("train --stream", () => {
  test("trains from .csv and .npy to the same model file, the same bytes for the same seed", async () => {
    const csv = await cli("train", at("unit.csv"), "--stream", "--out", at("csv.aenc"), ...common);
    expect(csv.stderr).toBe("");
    expect(csv.code).toBe(0);
    expect(csv.stdout).toMatch(/^trained autoencoder on 300 samples × 6 features, 3 epochs, .*val/);
    const again = await cli("train", at("unit.csv"), "--stream", "--out", at("csv2.aenc"), ...common);
    expect(again.code).toBe(0);
    const npy = await cli("train", at("unit.npy"), "--stream", "--out", at("npy.aenc"), ...common);
    expect(npy.code).toBe(0);
    const bytes = await readFile(at("csv.aenc"));
    expect(Buffer.compare(bytes, await readFile(at("csv2.aenc")))).toBe(0);
    expect(Buffer.compare(bytes, await readFile(at("npy.aenc")))).toBe(0);
    // Another shuffle buffer is another order of samples, so other weights.
    const other = await cli("train", at("unit.csv"), "--stream", "--shuffle-buffer", "7", "--out", at("other.aenc"), ...common);
    expect(other.code).toBe(0);
    expect(Buffer.compare(bytes, await readFile(at("other.aenc")))).not.toBe(0);
    const reconstructed = await cli("reconstruct", at("npy.aenc"), at("unit.csv"));
    expect(reconstructed.code).toBe(0);
    expect(reconstructed.stdout.trim().split("\n")).toHaveLength(ROWS + 1);
  });

  test("a denoiser streams too; one line per epoch goes to a non-TTY stderr", async () => {
    const run = await cli("train", at("unit.csv"), "--stream", "--kind", "denoiser", "--epochs", "2", "--out", at("dn.aenc"));
    expect(run.code).toBe(0);
    expect(run.stderr.trim().split("\n")).toHaveLength(2);
    expect(run.stdout).toContain("trained denoiser on 300 samples");
  });

  test("refuses what it cannot stream, and data with NaN naming the row and column", async () => {
    const vae = await cli("train", at("unit.csv"), "--stream", "--kind", "vae", "--out", at("x.aenc"));
    expect(vae.code).toBe(2);
    expect(vae.stderr).toContain("--stream, which --kind autoencoder and denoiser support, not vae");
    const wide = await cli("train", at("wide.csv"), "--stream", "--out", at("x.aenc"));
    expect(wide.code).toBe(2);
    expect(wide.stderr).toContain("holds values outside [0, 1]");
    const scaled = await cli("train", at("wide.csv"), "--stream", "--scale", "standard", "--out", at("x.aenc"));
    expect(scaled.code).toBe(2);
    const unscaled = await cli("train", at("wide.csv"), "--stream", "--scale", "none", "--out", at("w.aenc"), ...common);
    expect(unscaled.code).toBe(0);
    const nan = await cli("train", at("nan.csv"), "--stream", "--out", at("x.aenc"));
    expect(nan.code).toBe(1);
    expect(nan.stderr).toContain("expected finite numbers, found NaN at row 7, column 2");
    const buffer = await cli("train", at("unit.csv"), "--shuffle-buffer", "5", "--out", at("x.aenc"));
    expect(buffer.code).toBe(2);
    expect(buffer.stderr).toContain("--shuffle-buffer applies to streamed data");
    await writeFile(at("unit.csv.gz"), new Uint8Array([0x1f, 0x8b]));
    const gz = await cli("train", at("unit.csv.gz"), "--stream", "--out", at("x.aenc"));
    expect(gz.code).toBe(2);
    expect(gz.stderr).toContain("cannot be streamed");
  });
});
