// The command line on files as they come: CSV with a label column (--columns),
// gzip-compressed data, IDX bytes scaled without a per-element callback, an
// --out that cannot be written (refused before any training, with the reason),
// a run whose loss explodes (exit 1), the kept epoch in the summary, and model
// files without the optimizer state. Runs the BUILT binary, as cli.test.ts.
import { execFile } from "node:child_process";
import { access, chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { constants } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { checkWritable, readData } from "../../src/cli/data.js";
import { Reducer, writeIdx, writeNpy } from "../../src/index.js";
import { ensureDist, ROOT } from "../package/dist.js";

const CLI = join(ROOT, "dist", "cli.js");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: ROOT, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
    });
  });
}
const cli = (...args: string[]): Promise<Run> => run(process.execPath, [CLI, ...args]);

/** mulberry32, for test data. */
function random(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let dir = "";
const at = (name: string): string => join(dir, name);
const QUICK = ["--epochs", "3", "--batch-size", "16", "--seed", "1", "--quiet"];

/** 120 samples of 4 measurements on a line plus a text label, as scikit-learn's iris.csv has. */
function labelledCsv(): string {
  const r = random(99);
  const lines = ["sepal_length,sepal_width,petal_length,petal_width,species"];
  for (let i = 0; i < 120; i++) {
    const t = r();
    lines.push([4 + 3 * t, 2 + t, 1 + 5 * t, 0.1 + 2 * t].map((v) => (v + 0.05 * (r() - 0.5)).toFixed(3)).join(",") + `,${["setosa", "versicolor", "virginica"][i % 3]}`);
  }
  return `${lines.join("\n")}\n`;
}

beforeAll(async () => {
  await ensureDist();
  dir = await mkdtemp(join(tmpdir(), "autoencoders-cli-files-"));
  await writeFile(at("iris.csv"), labelledCsv());
  await writeFile(at("iris.csv.gz"), gzipSync(labelledCsv()));
  const r = random(5);
  const bytes = Float32Array.from({ length: 40 * 9 }, () => Math.floor(r() * 256));
  await writeFile(at("images-idx3-ubyte"), writeIdx({ data: bytes, shape: [40, 3, 3] }, "u8"));
  await writeFile(at("images-idx3-ubyte.gz"), gzipSync(writeIdx({ data: bytes, shape: [40, 3, 3] }, "u8")));
  const wide = Float32Array.from({ length: 200 * 6 }, (_, i) => 50 * Math.sin(i * 0.37) + 20 * (r() - 0.5));
  await writeFile(at("wide.npy"), writeNpy({ data: wide, shape: [200, 6] }));
}, 600_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("data files as they come", () => {
  test("--columns picks CSV columns by name or by index; without it the label column is refused", async () => {
    const all = await cli("train", at("iris.csv"), ...QUICK, "--out", at("all.aenc"));
    expect(all.code).toBe(1);
    expect(all.stderr).toMatch(/column "species" \(index 4\): expected a number, found "setosa"/);
    const byName = await cli("train", at("iris.csv"), ...QUICK, "--columns", "sepal_length,sepal_width,petal_length,petal_width", "--out", at("names.aenc"));
    expect(byName.code, byName.stderr).toBe(0);
    expect(byName.stdout).toContain("on 120 samples × 4 features");
    const byIndex = await cli("train", at("iris.csv"), ...QUICK, "--columns", "0,1,2,3", "--out", at("indices.aenc"));
    expect(byIndex.code, byIndex.stderr).toBe(0);
    expect(Buffer.compare(await readFile(at("names.aenc")), await readFile(at("indices.aenc")))).toBe(0);
    const codes = await cli("encode", at("names.aenc"), at("iris.csv"), "--columns", "0,1,2,3");
    expect(codes.code, codes.stderr).toBe(0);
    expect(codes.stdout.trimEnd().split("\n")).toHaveLength(121);
    const unknown = await cli("train", at("iris.csv"), ...QUICK, "--columns", "sepal_lenght", "--out", at("x.aenc"));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("sepal_lenght");
    const notCsv = await cli("train", at("wide.npy"), ...QUICK, "--columns", "0", "--out", at("x.aenc"));
    expect(notCsv.code).toBe(1);
    expect(notCsv.stderr).toContain("--columns selects CSV columns; this is a npy file");
  });

  test(".gz input is decompressed: the same model as from the plain file", async () => {
    const plain = await cli("train", at("images-idx3-ubyte"), ...QUICK, "--out", at("plain.aenc"));
    const gz = await cli("train", at("images-idx3-ubyte.gz"), ...QUICK, "--out", at("gz.aenc"));
    expect(plain.code, plain.stderr).toBe(0);
    expect(gz.code, gz.stderr).toBe(0);
    expect(Buffer.compare(await readFile(at("plain.aenc")), await readFile(at("gz.aenc")))).toBe(0);
    const csv = await cli("train", at("iris.csv.gz"), ...QUICK, "--columns", "0,1,2,3", "--out", at("csvgz.aenc"));
    expect(csv.code, csv.stderr).toBe(0);
    expect(Buffer.compare(await readFile(at("names.aenc")), await readFile(at("csvgz.aenc")))).toBe(0);
    await writeFile(at("broken.csv.gz"), "not gzip at all");
    const broken = await cli("train", at("broken.csv.gz"), ...QUICK, "--out", at("x.aenc"));
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain("broken.csv.gz: not gzip data, or damaged");
  });

  test("IDX u8 values become f32(v / 255), every one of the 256", async () => {
    const bytes = Float32Array.from({ length: 256 * 2 }, (_, i) => i % 256);
    await writeFile(at("all-bytes-idx2-ubyte"), writeIdx({ data: bytes, shape: [256, 2] }, "u8"));
    const { data, shape } = await readData(at("all-bytes-idx2-ubyte"));
    expect(shape).toEqual([256, 2]);
    for (let i = 0; i < data.length; i++) expect(data[i]).toBe(Math.fround((i % 256) / 255));
  });
});

describe("--out is checked before any work, with the reason", () => {
  test("a missing directory, a directory, a path through a file: exit 1 and no training", async () => {
    const missing = await cli("train", at("wide.npy"), "--epochs", "3", "--out", at("no/such/dir/model.aenc"));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`autoencoders: --out ${at("no/such/dir/model.aenc")}: no such directory: ${at("no/such/dir")}\n`);
    await mkdir(at("adir"));
    const isDir = await cli("train", at("wide.npy"), "--epochs", "3", "--out", at("adir"));
    expect(isDir.stderr).toBe(`autoencoders: --out ${at("adir")}: is a directory\n`);
    const throughFile = await cli("encode", at("names.aenc"), at("iris.csv"), "--columns", "0,1,2,3", "--out", join(at("iris.csv"), "codes.csv"));
    expect(throughFile.code).toBe(1);
    expect(throughFile.stderr).toContain(`${at("iris.csv")} is not a directory`);
  });

  test("an existing directory without write permission says so (not 'no such directory')", async () => {
    if (process.getuid?.() !== 0) {
      await mkdir(at("locked"));
      await chmod(at("locked"), 0o500);
      await expect(checkWritable(at("locked/model.aenc"))).rejects.toThrow(/the directory .*locked is not writable \(permission denied\)/);
      await chmod(at("locked"), 0o700);
      return;
    }
    // As root (CI) mode bits do not stop a write; /proc/sys refuses new files even to root.
    const denied = await access("/proc/sys", constants.W_OK).then(() => false, () => true);
    if (!denied) throw new Error("running as root, and /proc/sys is writable here: no unwritable directory to test with");
    await expect(checkWritable("/proc/sys/model.aenc")).rejects.toThrow(/the directory \/proc\/sys is not writable \(permission denied\)/);
  });
});

describe("training outcomes", () => {
  test("a loss that grows by orders of magnitude exits 1, says so, and writes no model", async () => {
    const runaway = await cli("train", at("wide.npy"), "--learning-rate", "1000", "--epochs", "20", "--seed", "0", "--quiet", "--out", at("runaway.aenc"));
    expect(runaway.code).toBe(1);
    expect(runaway.stderr).toMatch(/^autoencoders: training diverged: the mean loss grew from \S+ \(first batch\) to \S+ at epoch \d+, over 1000×; no model written/);
    expect(runaway.stdout).toBe("");
    await expect(stat(at("runaway.aenc"))).rejects.toThrow();
  });

  test("the summary reports the kept epoch and its loss when early stopping restores the best weights", async () => {
    const args = ["train", at("wide.npy"), "--scale", "standard", "--learning-rate", "0.05", "--epochs", "60", "--patience", "3", "--seed", "2", "--quiet", "--code", "1"];
    const trained = await cli(...args, "--out", at("kept.aenc"));
    expect(trained.code, trained.stderr).toBe(0);
    const match = /(\d+) epochs, best epoch (\d+) kept: loss (\d+\.\d+) \(val (\d+\.\d+)\), last epoch loss \d+\.\d+ \(val (\d+\.\d+)\)/.exec(trained.stdout);
    expect(match, trained.stdout).not.toBeNull();
    const [, epochs, kept, , keptVal, lastVal] = match!.map(Number);
    expect(kept).toBeLessThan(epochs!);
    expect(keptVal).toBeLessThanOrEqual(lastVal!);
  });

  test("--no-optimizer-state writes a smaller file that gives the same codes", async () => {
    const base = ["train", at("wide.npy"), ...QUICK, "--scale", "standard", "--hidden", "32,16"];
    const full = await cli(...base, "--out", at("full.aenc"));
    const lean = await cli(...base, "--no-optimizer-state", "--out", at("lean.aenc"));
    expect(full.code, full.stderr).toBe(0);
    expect(lean.code, lean.stderr).toBe(0);
    const [a, b] = [await readFile(at("full.aenc")), await readFile(at("lean.aenc"))];
    // Adam keeps two moments per parameter, as many floats again as the weights each.
    expect(a.includes("optimizer.state0")).toBe(true);
    expect(b.includes("optimizer.state")).toBe(false);
    expect(b.length).toBeLessThan(a.length * 0.6);
    const [ra, rb] = [await Reducer.load(new Uint8Array(a)), await Reducer.load(new Uint8Array(b))];
    const x = { data: Float32Array.from({ length: 12 }, (_, i) => 10 * Math.cos(i)), shape: [2, 6] };
    expect(Array.from(rb.transform(x).data)).toEqual(Array.from(ra.transform(x).data));
    ra.dispose();
    rb.dispose();
  });
});

describe("--debug", () => {
  test("the executable's stack names src/cli/*.ts lines (its shebang enables source maps)", async () => {
    const missing = await run(CLI, ["train", at("nowhere.csv"), "--out", at("x.aenc"), "--debug"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^ {4}at (async )?readBytes \(.*\/src\/cli\/data\.ts:\d+:\d+\)$/m);
  });
});
