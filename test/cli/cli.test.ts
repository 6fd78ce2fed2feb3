// The command line end to end: the BUILT binary (`node dist/cli.js ...`, what
// `npx autoencoders` runs) on small files made here: 200×8 CSV samples on a
// 2-D plane with 5 off-plane outliers, the same as .npy, a tiny u8 IDX file.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ENCODE, GENERATE, RECONSTRUCT, SCORE } from "../../src/cli/apply.js";
import { TRAIN } from "../../src/cli/train.js";
import { Autoencoder, layers, readCsv, readNpy, writeIdx, writeNpy } from "../../src/index.js";
import { ensureDist, ROOT } from "../package/dist.js";

const CLI = join(ROOT, "dist", "cli.js");
const ROWS = 200;
const FEATURES = 8;
const OUTLIERS = [11, 47, 96, 133, 170];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli.js ...args`; never rejects. */
function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** mulberry32: a small seeded generator for test data. */
function random(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Samples near the plane x_j = sin(j+1)·z1 + cos(2j+1)·z2; the OUTLIERS rows uniform in [-3, 3]. */
function planeData(): Float32Array {
  const r = random(12345);
  const data = new Float32Array(ROWS * FEATURES);
  for (let i = 0; i < ROWS; i++) {
    const z1 = r() * 2 - 1;
    const z2 = r() * 2 - 1;
    for (let j = 0; j < FEATURES; j++) {
      data[i * FEATURES + j] = OUTLIERS.includes(i) ? r() * 6 - 3 : Math.sin(j + 1) * z1 + Math.cos(2 * j + 1) * z2 + 0.02 * (r() - 0.5);
    }
  }
  return data;
}

const csvOf = (header: string[], data: Float32Array, cols: number): string => {
  const lines = [header.join(",")];
  for (let i = 0; i < data.length / cols; i++) lines.push(Array.from(data.subarray(i * cols, (i + 1) * cols), (v) => v.toFixed(5)).join(","));
  return `${lines.join("\n")}\n`;
};

let dir = "";
const at = (name: string): string => join(dir, name);
const TRAINING = ["--code", "2", "--epochs", "30", "--batch-size", "32", "--seed", "1"];

beforeAll(async () => {
  await ensureDist();
  dir = await mkdtemp(join(tmpdir(), "autoencoders-cli-"));
  const data = planeData();
  const header = Array.from({ length: FEATURES }, (_, j) => `f${j}`);
  await writeFile(at("data.csv"), csvOf(header, data, FEATURES));
  await writeFile(at("data.npy"), writeNpy({ data, shape: [ROWS, FEATURES] }));
  await writeFile(at("three.csv"), csvOf(["a", "b", "c"], data.subarray(0, 30), 3));
  await writeFile(at("bad.csv"), "a,b,c\n1,2,3\n4,oops,6\n");
  const r = random(7);
  await writeFile(at("images-idx3-ubyte"), writeIdx({ data: Float32Array.from({ length: 30 * 16 }, () => Math.floor(r() * 256)), shape: [30, 4, 4] }, "u8"));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Rows of a CSV written by the CLI: its header line and values. */
async function readOutput(name: string): Promise<{ header: string; rows: number[][] }> {
  const text = await readFile(at(name), "utf8");
  const [header, ...lines] = text.trimEnd().split("\n");
  return { header: header!, rows: lines.map((l) => l.split(",").map(Number)) };
}

const topIndices = (scores: number[], k: number): number[] =>
  scores.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0]).slice(0, k).map(([, i]) => i).sort((a, b) => a - b);

describe("train", () => {
  test("each kind trains and writes a model file, with one progress line per epoch on a non-TTY stderr", async () => {
    for (const kind of ["detector", "autoencoder", "denoiser", "vae"]) {
      const run = await cli("train", at("data.csv"), "--kind", kind, ...TRAINING, "--patience", "0", "--out", at(`${kind}.aenc`));
      expect(run.stderr, kind).not.toMatch(/\x1b/);
      expect(run.stderr.trimEnd().split("\n").filter((l) => /epoch +\d+\/30 .*loss \d.*val \d.*samples\/s.*left/.test(l)), kind).toHaveLength(30);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^trained ${kind} on 200 samples × 8 features, 30 epochs, final loss \\d+\\.\\d+ \\(val \\d+\\.\\d+\\) → .*${kind}\\.aenc \\(\\d+\\.\\d kB\\)\\n$`));
      expect((await readFile(at(`${kind}.aenc`))).subarray(0, 7).toString()).toBe("AUTOENC");
    }
  });

  test("--quiet silences the progress; the same seed gives the same file; .npy and IDX data train too", async () => {
    const a = await cli("train", at("data.npy"), ...TRAINING, "--quiet", "--out", at("a.aenc"));
    const b = await cli("train", at("data.npy"), ...TRAINING, "--quiet", "--out", at("b.aenc"));
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).toBe("");
    expect(b.code).toBe(0);
    expect(Buffer.compare(await readFile(at("a.aenc")), await readFile(at("b.aenc")))).toBe(0);
    const idx = await cli("train", at("images-idx3-ubyte"), "--epochs", "2", "--quiet", "--out", at("idx.aenc"));
    expect(idx.code, idx.stderr).toBe(0);
    expect(idx.stdout).toContain("on 30 samples × 16 features");
  });
});

describe("score", () => {
  test("a detector labels by its threshold, and the outliers score highest", async () => {
    const run = await cli("score", at("detector.aenc"), at("data.csv"), "--out", at("scores.csv"));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^scored 200 samples with a detector \(AnomalyDetector\): \d+ above the threshold .* \(the detector's\) → /);
    const { header, rows } = await readOutput("scores.csv");
    expect(header).toBe("score,label");
    expect(rows).toHaveLength(ROWS);
    expect(topIndices(rows.map((r) => r[0]!), OUTLIERS.length)).toEqual(OUTLIERS);
    for (const i of OUTLIERS) expect(rows[i]![1], `label of outlier ${i}`).toBe(1);
    // Without --contamination the threshold is the "auto" rule's (median + 3.5·MAD/0.6745 of the training
    // scores): the 5 outliers and a few borderline samples, not a fixed share.
    const labelled = rows.filter((r) => r[1] === 1).length;
    expect(labelled).toBeGreaterThanOrEqual(OUTLIERS.length);
    expect(labelled).toBeLessThanOrEqual(ROWS / 4);
  });

  test("other models: scores alone on stdout; labels with --threshold or --contamination; .npy output", async () => {
    for (const kind of ["autoencoder", "denoiser", "vae"]) {
      const run = await cli("score", at(`${kind}.aenc`), at("data.csv"));
      expect(run.code, run.stderr).toBe(0);
      const [header, ...lines] = run.stdout.trimEnd().split("\n");
      expect(header).toBe("score");
      expect(topIndices(lines.map(Number), OUTLIERS.length), kind).toEqual(OUTLIERS);
    }
    const top = await cli("score", at("autoencoder.aenc"), at("data.npy"), "--contamination", "0.025");
    expect(top.code, top.stderr).toBe(0);
    const labels = top.stdout.trimEnd().split("\n").slice(1).map((l) => Number(l.split(",")[1]));
    expect(labels.flatMap((l, i) => (l === 1 ? [i] : []))).toEqual(OUTLIERS);
    const given = await cli("score", at("autoencoder.aenc"), at("data.csv"), "--threshold", "1e9", "--out", at("scores.npy"));
    expect(given.code, given.stderr).toBe(0);
    const npy = readNpy(new Uint8Array(await readFile(at("scores.npy"))));
    expect(npy.shape).toEqual([ROWS, 2]);
    expect(Array.from({ length: ROWS }, (_, i) => npy.data[2 * i + 1]).every((l) => l === 0)).toBe(true);
  });
});

describe("score --top", () => {
  test("a detector names the column planted in each outlier as its top feature; other models are refused", async () => {
    // The plane data with the OUTLIERS rows put back on the plane but feature 5 shifted by 4.
    const data = planeData();
    const r = random(99);
    for (const i of OUTLIERS) {
      const z1 = r() * 2 - 1;
      const z2 = r() * 2 - 1;
      for (let j = 0; j < FEATURES; j++) data[i * FEATURES + j] = Math.sin(j + 1) * z1 + Math.cos(2 * j + 1) * z2 + (j === 5 ? 4 : 0);
    }
    await writeFile(at("planted.csv"), csvOf(Array.from({ length: FEATURES }, (_, j) => `f${j}`), data, FEATURES));
    const train = await cli("train", at("planted.csv"), "--kind", "detector", ...TRAINING, "--quiet", "--out", at("planted.aenc"));
    expect(train.code, train.stderr).toBe(0);
    const run = await cli("score", at("planted.aenc"), at("planted.csv"), "--top", "2", "--out", at("planted-scores.csv"));
    expect(run.code, run.stderr).toBe(0);
    const { header, rows } = await readOutput("planted-scores.csv");
    expect(header).toBe("score,label,feature1,share1,feature2,share2");
    for (const i of OUTLIERS) {
      expect(rows[i]![2], `top feature of outlier ${i}`).toBe(5);
      expect(rows[i]![3]).toBeGreaterThan(0.5);
    }
    for (const row of rows) {
      expect(row[3]).toBeGreaterThanOrEqual(row[5]!);
      expect(row[3]! + row[5]!).toBeLessThanOrEqual(1 + 1e-6);
    }
    const other = await cli("score", at("autoencoder.aenc"), at("data.csv"), "--top", "2");
    expect(other.code).toBe(2);
    expect(other.stderr).toContain("--top needs a detector");
  });
});

describe("encode, reconstruct, generate", () => {
  test("encode and reconstruct write .csv and .npy of the right shapes", async () => {
    for (const [kind, code] of [["autoencoder", 2], ["vae", 2], ["detector", 2]] as const) {
      expect((await cli("encode", at(`${kind}.aenc`), at("data.csv"), "--out", at(`${kind}-codes.csv`))).code).toBe(0);
      const csv = await readOutput(`${kind}-codes.csv`);
      expect(csv.header).toBe("c0,c1");
      expect(csv.rows).toHaveLength(ROWS);
      expect(csv.rows.every((r) => r.length === code && r.every(Number.isFinite))).toBe(true);
      expect((await cli("encode", at(`${kind}.aenc`), at("data.csv"), "--out", at(`${kind}-codes.npy`))).code).toBe(0);
      const npy = readNpy(new Uint8Array(await readFile(at(`${kind}-codes.npy`))));
      expect(npy.shape).toEqual([ROWS, code]);
      // CSV values are the shortest decimals that read back to the same f32.
      const fromCsv = readCsv(await readFile(at(`${kind}-codes.csv`), "utf8"));
      expect(Array.from(fromCsv.data)).toEqual(Array.from(npy.data));
    }
    const rec = await cli("reconstruct", at("denoiser.aenc"), at("data.csv"), "--out", at("clean.npy"));
    expect(rec.code, rec.stderr).toBe(0);
    expect(readNpy(new Uint8Array(await readFile(at("clean.npy")))).shape).toEqual([ROWS, FEATURES]);
    expect((await cli("reconstruct", at("detector.aenc"), at("data.npy"), "--out", at("rec.csv"))).code).toBe(0);
    const csv = await readOutput("rec.csv");
    expect(csv.header).toBe(Array.from({ length: FEATURES }, (_, j) => `c${j}`).join(","));
    expect(csv.rows).toHaveLength(ROWS);
  });

  test("a plain Autoencoder file saved by the library works too, with the same bits as in-process", async () => {
    const ae = await Autoencoder.create({ input: [FEATURES], encoder: [layers.dense(3, "tanh")], decoder: [layers.dense(FEATURES)], seed: 5 });
    await writeFile(at("plain.aenc"), ae.save());
    const run = await cli("encode", at("plain.aenc"), at("data.csv"), "--out", at("plain-codes.npy"));
    expect(run.code, run.stderr).toBe(0);
    const codes = readNpy(new Uint8Array(await readFile(at("plain-codes.npy"))));
    const table = readCsv(await readFile(at("data.csv"), "utf8"));
    const expected = ae.encode({ data: table.data, shape: table.shape });
    ae.dispose();
    expect(codes.shape).toEqual([ROWS, 3]);
    expect(Buffer.from(codes.data.buffer, codes.data.byteOffset, codes.data.byteLength).equals(Buffer.from(expected.data.buffer, expected.data.byteOffset, expected.data.byteLength))).toBe(true);
  });

  test("IDX u8 data is read as /255: the reconstructions keep the sample shape and lie in [0, 1] (a sigmoid output)", async () => {
    const run = await cli("reconstruct", at("idx.aenc"), at("images-idx3-ubyte"), "--out", at("idx-rec.npy"));
    expect(run.code, run.stderr).toBe(0);
    const npy = readNpy(new Uint8Array(await readFile(at("idx-rec.npy"))));
    expect(npy.shape).toEqual([30, 4, 4]);
    expect(npy.data.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  test("generate draws samples from a vae, the same for the same seed, and refuses other models", async () => {
    const a = await cli("generate", at("vae.aenc"), "--n", "5", "--seed", "3");
    const b = await cli("generate", at("vae.aenc"), "--n", "5", "--seed", "3", "--out", at("samples.npy"));
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const lines = a.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(6);
    const npy = readNpy(new Uint8Array(await readFile(at("samples.npy"))));
    expect(npy.shape).toEqual([5, FEATURES]);
    expect(lines.slice(1).map((l) => l.split(",").map((v) => Math.fround(Number(v))))).toEqual(Array.from({ length: 5 }, (_, i) => Array.from(npy.data.subarray(i * FEATURES, (i + 1) * FEATURES))));
    const other = await cli("generate", at("detector.aenc"));
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/^autoencoders: .*detector\.aenc: generate needs a vae model .*found a detector/);
  });
});

describe("help", () => {
  test("--help of every command exits 0 and lists its flags with an example", async () => {
    for (const spec of [TRAIN, SCORE, ENCODE, RECONSTRUCT, GENERATE]) {
      const run = await cli(spec.name, "--help");
      expect(run.code, spec.name).toBe(0);
      for (const flag of spec.flags) expect(run.stdout, `${spec.name} --${flag.name}`).toContain(`--${flag.name}`);
      expect(run.stdout).toContain(`Usage: autoencoders ${spec.name}`);
      expect(run.stdout).toMatch(/Examples?:\n {2}autoencoders /);
    }
    expect((await cli("train", "-h")).stdout).toContain("Default: 100.");
  });

  test("--help lists the commands; --version prints the package's", async () => {
    const help = await cli("--help");
    expect(help.code).toBe(0);
    for (const name of ["train", "score", "encode", "reconstruct", "generate"]) expect(help.stdout).toMatch(new RegExp(`\\n {2}${name} `));
    expect(help.stdout).toContain("/255");
    const version = await cli("--version");
    const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(version).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: "" });
  });
});

describe("errors: one line on stderr, exit 2 for usage and 1 for bad input", () => {
  const oneLine = (run: Run) => {
    expect(run.stderr).toMatch(/^autoencoders: [^\n]+\n$/);
    expect(run.stdout).toBe("");
  };

  test("usage: unknown command, unknown flag, missing argument, bad flag value", async () => {
    const unknown = await cli("tarin", "x.csv");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "tarin"; expected one of train, score, encode, reconstruct, generate, export, import');
    oneLine(unknown);
    const flag = await cli("score", at("detector.aenc"), at("data.csv"), "--treshold", "1");
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("unknown flag --treshold; valid flags: --out, --threshold, --contamination");
    oneLine(flag);
    const missing = await cli("encode", at("detector.aenc"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing <data>");
    const out = await cli("train", at("data.csv"));
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("missing --out");
    const value = await cli("train", at("data.csv"), "--out", at("x.aenc"), "--epochs", "ten");
    expect(value.code).toBe(2);
    expect(value.stderr).toContain('--epochs: expected an integer >= 1, found "ten"');
  });

  test("bad input: missing file, non-numeric cell, corrupted model, feature-count mismatch", async () => {
    const missing = await cli("score", at("detector.aenc"), at("nowhere.csv"));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`cannot read ${at("nowhere.csv")}: no such file`);
    oneLine(missing);

    const cell = await cli("train", at("bad.csv"), "--out", at("bad.aenc"));
    expect(cell.code).toBe(1);
    expect(cell.stderr).toContain('bad.csv: line 3, column "b" (index 1): expected a number, found "oops"');
    oneLine(cell);

    const bytes = new Uint8Array(await readFile(at("detector.aenc")));
    bytes[bytes.length >> 1]! ^= 0xff;
    await writeFile(at("corrupt.aenc"), bytes);
    const corrupt = await cli("score", at("corrupt.aenc"), at("data.csv"));
    expect(corrupt.code).toBe(1);
    expect(corrupt.stderr).toMatch(/corrupt\.aenc: corrupted model file: checksum expected 0x[0-9A-F]{8}, found 0x[0-9A-F]{8}/);
    oneLine(corrupt);

    const mismatch = await cli("score", at("detector.aenc"), at("three.csv"));
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toContain("three.csv: expected 8 features per sample (the model's input shape [8]), found 3 (data shape [10, 3])");
    oneLine(mismatch);
  });

  test("--debug adds the stack trace", async () => {
    const run = await cli("score", at("corrupt.aenc"), at("data.csv"), "--debug");
    expect(run.code).toBe(1);
    expect(run.stderr.split("\n")[0]).toContain("corrupted model file");
    expect(run.stderr).toMatch(/\n {4}at /);
  });
});
