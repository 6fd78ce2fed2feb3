// Training on a CSV larger than memory through the CLI, beside training on a
// subset of the same rows held in memory with the same model and flags. The
// CSV (default 5,000,000 rows × 100 columns of values in [0, 1], about 4 GB)
// is generated in a temporary folder, after checking the free space with df,
// and deleted at the end; nothing is committed. Each run is
// `/usr/bin/time -f %M node dist/cli.js train ...` (the peak RSS in kB), and
// samples/s is what the CLI's epoch lines report (fit's samples per second of
// training, the reading of a streamed file included).
// Run: npm run build && npx tsx bench/stream-train.ts [--rows N] [--cols N] [--held-rows N] [--epochs N] [--hidden W,W] [--dir DIR]
import { execFileSync, spawn } from "node:child_process";
import { open, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { environmentLine } from "./report.js";

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const ROWS = flag("rows", 5_000_000);
const COLS = flag("cols", 100);
const HELD_ROWS = flag("held-rows", 250_000);
const EPOCHS = flag("epochs", 1);
const hiddenAt = args.indexOf("--hidden");
// The same model for every run: the CLI's default for 100 inputs unless --hidden W,W is given.
const MODEL = hiddenAt >= 0 ? ["--hidden", args[hiddenAt + 1]!] : [];
const dirAt = args.indexOf("--dir");
const BASE = dirAt >= 0 ? args[dirAt + 1]! : tmpdir();
const CLI = resolve(import.meta.dirname, "../dist/cli.js");
// Distinct rows in the generated file: rows are drawn from this pool, so writing 4 GB takes seconds, not minutes.
const POOL = 20_000;
const BYTES_PER_ROW = COLS * 8; // "0.12345," per value

/** Free bytes on the file system of `dir`, from df. */
function freeBytes(dir: string): number {
  const out = execFileSync("df", ["-B1", "--output=avail", dir], { encoding: "utf8" });
  return Number(out.trim().split("\n").pop());
}

/** A small seeded generator (mulberry32) for the data; the library's own generator is not needed here. */
function random(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writes `rows` CSV rows of COLS values in [0, 1] (a shared level per row plus noise, so there is something to learn). */
async function writeCsv(path: string, rows: number): Promise<void> {
  const r = random(7);
  const pool = Array.from({ length: POOL }, () => {
    const level = r();
    return `${Array.from({ length: COLS }, () => ((level + r() * 0.5) / 1.5).toFixed(5)).join(",")}\n`;
  });
  const file = await open(path, "w");
  try {
    let chunk = `${Array.from({ length: COLS }, (_, j) => `f${j}`).join(",")}\n`;
    for (let i = 0; i < rows; i++) {
      chunk += pool[(i * 7919) % POOL];
      if (chunk.length >= 1 << 24) {
        await file.write(chunk);
        chunk = "";
      }
    }
    await file.write(chunk);
  } finally {
    await file.close();
  }
}

interface Run {
  seconds: number;
  peakRssMB: number;
  samplesPerSecond: number[];
  summary: string;
}

/** One CLI run under /usr/bin/time; the epoch lines on stderr give samples/s. */
function train(data: string, out: string, extra: string[]): Promise<Run> {
  const argv = ["-f", "peak-rss-kb %M", process.execPath, CLI, "train", data, "--out", out, "--epochs", String(EPOCHS),
    "--validation-split", "0", "--patience", "0", "--seed", "1", "--batch-size", "64", ...MODEL, ...extra];
  console.log(`$ /usr/bin/time ${argv.join(" ")}`);
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = spawn("/usr/bin/time", argv, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => {
      stderr += d;
      process.stderr.write(d);
    });
    child.on("close", (code) => {
      if (code !== 0) return fail(new Error(`train exited with ${code}: ${stderr.slice(-500)}`));
      const rss = /peak-rss-kb (\d+)/.exec(stderr);
      const rates = [...stderr.matchAll(/([\d,]+) samples\/s/g)].map((m) => Number(m[1]!.replace(/,/g, "")));
      done({ seconds: (performance.now() - started) / 1000, peakRssMB: Number(rss?.[1]) / 1024, samplesPerSecond: rates, summary: stdout.trim() });
    });
  });
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

const free = freeBytes(BASE);
const needed = (ROWS + HELD_ROWS) * BYTES_PER_ROW * 1.05 + 2 ** 30;
let rows = ROWS;
if (free < needed) {
  rows = Math.floor((free - 2 ** 30 - HELD_ROWS * BYTES_PER_ROW) / BYTES_PER_ROW / 1.05);
  console.log(`only ${(free / 2 ** 30).toFixed(1)} GiB free in ${BASE}: the large file gets ${rows} rows instead of ${ROWS}`);
}
const dir = await mkdtemp(join(BASE, "stream-train-"));
try {
  console.log(environmentLine());
  console.log(`free space in ${BASE}: ${(free / 2 ** 30).toFixed(1)} GiB`);
  const big = join(dir, "big.csv");
  const held = join(dir, "held.csv");
  let t = performance.now();
  await writeCsv(big, rows);
  await writeCsv(held, HELD_ROWS);
  const bigBytes = (await stat(big)).size;
  console.log(`generated ${big}: ${rows} rows × ${COLS} columns, ${(bigBytes / 1e9).toFixed(2)} GB, and ${HELD_ROWS} rows for the held run, in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  const heldRun = await train(held, join(dir, "held.aenc"), []);
  const heldStream = await train(held, join(dir, "held-stream.aenc"), ["--stream"]);
  t = performance.now();
  const bigRun = await train(big, join(dir, "big.aenc"), ["--stream"]);
  const rate = (r: Run) => median(r.samplesPerSecond);
  console.log("\n| run | rows | file | peak RSS | samples/s (median of epochs) | wall time |");
  console.log("| --- | --- | --- | --- | --- | --- |");
  const line = (name: string, r: Run, n: number, bytes: number) =>
    console.log(`| ${name} | ${n.toLocaleString("en-US")} | ${(bytes / 1e9).toFixed(2)} GB | ${r.peakRssMB.toFixed(0)} MB | ${rate(r).toLocaleString("en-US")} | ${r.seconds.toFixed(0)} s |`);
  const heldBytes = (await stat(held)).size;
  line("held in memory", heldRun, HELD_ROWS, heldBytes);
  line("streamed, same subset", heldStream, HELD_ROWS, heldBytes);
  line("streamed, large file", bigRun, rows, bigBytes);
  console.log(`\nstreamed large / held: ${((rate(bigRun) / rate(heldRun)) * 100).toFixed(0)}% of the held samples/s`);
  console.log(bigRun.summary);
} finally {
  await rm(dir, { recursive: true, force: true });
  console.log(`deleted ${dir}`);
}
