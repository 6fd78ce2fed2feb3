// Train at scale there, deploy and fine-tune here, end to end on MNIST:
//   1. PyTorch trains our dense autoencoder (784-128-32-128-784, MSE) with
//      torch.distributed data parallelism: torchrun starts N ranks on CPU (gloo),
//      each on its share of the first 6,000 training digits; rank 0 exports ONNX
//      and PyTorch's reconstruction error on the 10,000 test digits (train_ddp.py);
//   2. our command line imports the ONNX file (`autoencoders import`) and scores
//      the same test file (`autoencoders score`): the mean error must equal
//      PyTorch's within 1e-5 relative;
//   3. examples/edge's handler serves the imported model under workerd
//      (Cloudflare's runtime): its scores must have the command line's bits;
//   4. the imported model trains further here (fit) on 6,000 digits PyTorch
//      never saw, and is saved.
// Needs `npm run build` (dist/cli.js, and dist/index.js for workerd) and
// Debian's python3-torch for /usr/bin/python3 (PYTHON overrides the path).
//
//   npx tsx examples/pytorch/run.ts [--nproc N] [--out DIR] [--epochs N] [--no-edge] [--no-fine-tune]
//
// The last line printed is a JSON summary (what test/examples/pytorch.test.ts reads).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Autoencoder, AutoencoderError, ConfigError, init } from "../../src/index.js";
import { readNpy } from "../../src/io/npy.js";
import { loadMnist, MNIST_PIXELS, mnistDataDir } from "../lib/mnist.js";

/** A step of the pipeline failed, or two of its results disagree. */
export class PipelineError extends AutoencoderError {
  override name = "PipelineError";
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const PYTHON = process.env.PYTHON ?? "/usr/bin/python3";
const CLI = join(ROOT, "dist", "cli.js");
const WORKERD = join(ROOT, "node_modules", "workerd", "bin", "workerd");
/** The agreement the comparison requires between PyTorch's test error and ours. */
export const TOLERANCE = 1e-5;
/** Test digits sent to the edge function in one request. */
const EDGE_ROWS = 16;
/** Training digits 6,000 to 11,999: the fine-tuning rows, none of which PyTorch trained on. */
const FINE_TUNE = { from: 6000, to: 12_000, epochs: 2, batchSize: 128 };

interface Args { nproc: number; out: string; epochs: number; edge: boolean; fineTune: boolean }

function parseArgs(argv: string[]): Args {
  const args: Args = { nproc: 2, out: join(ROOT, "out", "pytorch"), epochs: 4, edge: true, fineTune: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = argv[i + 1];
    if (arg === "--nproc" && /^[1-9]\d*$/.test(value ?? "")) args.nproc = Number(argv[++i]);
    else if (arg === "--epochs" && /^[1-9]\d*$/.test(value ?? "")) args.epochs = Number(argv[++i]);
    else if (arg === "--out" && value) args.out = resolve(argv[++i]!);
    else if (arg === "--no-edge") args.edge = false;
    else if (arg === "--no-fine-tune") args.fineTune = false;
    else throw new ConfigError(`run.ts: expected --nproc N, --epochs N, --out DIR, --no-edge or --no-fine-tune, found ${JSON.stringify(arg)}`);
  }
  return args;
}

/** Runs a command to its end, its output passed through with a prefix; fails naming the command and its exit. */
function step(name: string, command: string, args: string[]): Promise<void> {
  console.log(`\n== ${name}: ${[command, ...args].map((a) => (a.includes(" ") ? JSON.stringify(a) : a)).join(" ")}`);
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let tail = "";
    const pass = (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      tail = (tail + text).slice(-4000);
      process.stdout.write(text.replace(/^(?=.)/gm, "   "));
    };
    child.stdout.on("data", pass);
    child.stderr.on("data", pass);
    child.on("error", (error) => fail(new PipelineError(`${name}: could not start ${command}: ${error.message}`)));
    child.on("close", (code, signal) => {
      if (code === 0) done();
      else fail(new PipelineError(`${name}: expected exit 0 from ${command}, found ${code ?? signal}; its last output:\n${tail}`));
    });
  });
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer().on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (address && typeof address === "object" ? done(address.port) : fail(new PipelineError("no free port"))));
    });
  });
}

/** torchrun, or `python3 -m torch.distributed.run` where the torchrun script is not beside Debian's python3. */
function launcher(): [string, string[]] {
  const torchrun = join(dirname(PYTHON), "torchrun");
  return existsSync(torchrun) ? [torchrun, []] : [PYTHON, ["-m", "torch.distributed.run"]];
}

const mean = (values: Float32Array): number => values.reduce((sum, v) => sum + v, 0) / values.length;

async function readScores(path: string, what: string): Promise<Float32Array> {
  const scores = readNpy(new Uint8Array(await readFile(path))).data;
  if (scores.length !== 10_000) throw new PipelineError(`${what} (${path}): expected 10000 scores, found ${scores.length}`);
  return scores;
}

/** PyTorch's per-digit errors against ours: the means' relative difference, and the largest per digit. */
export function compareScores(pytorch: Float32Array, ours: Float32Array): { pytorch: number; ours: number; relative: number; maxDigitRelative: number } {
  let maxDigitRelative = 0;
  for (let i = 0; i < pytorch.length; i++) maxDigitRelative = Math.max(maxDigitRelative, Math.abs(ours[i]! - pytorch[i]!) / pytorch[i]!);
  const [p, o] = [mean(pytorch), mean(ours)];
  return { pytorch: p, ours: o, relative: Math.abs(o - p) / p, maxDigitRelative };
}

/** Resolves once workerd prints that it listens; rejects if it exits first or takes longer than a minute. */
function listening(child: ChildProcess): Promise<void> {
  let output = "";
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new PipelineError(`workerd: expected "Listening on" within 60 s, found:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (/Listening on http:\/\/127\.0\.0\.1:\d+/.test(output)) {
        clearTimeout(timer);
        done();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      fail(new PipelineError(`workerd: exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
}

/** examples/edge/worker.mjs under workerd with the imported model; the scores of the first test digits. */
async function serveAtTheEdge(out: string, rows: number[][]): Promise<{ get: unknown; scores: number[] }> {
  if (!existsSync(join(ROOT, "dist", "index.js")) || !existsSync(WORKERD)) {
    throw new PipelineError(`edge: expected dist/index.js and ${WORKERD} (npm run build, npm install)`);
  }
  // test/runtimes/workerd.capnp embeds "/edge-model.bin", which -I resolves in `out`.
  await copyFile(join(out, "model.aenc"), join(out, "edge-model.bin"));
  const port = await freePort();
  const args = ["serve", "-I", out, "test/runtimes/workerd.capnp", "edge", "-s", `http=127.0.0.1:${port}`];
  console.log(`\n== edge: workerd ${args.join(" ")}`);
  const child = spawn(WORKERD, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  try {
    await listening(child);
    const origin = `http://127.0.0.1:${port}`;
    const get = await (await fetch(origin, { signal: AbortSignal.timeout(30_000) })).json();
    const response = await fetch(origin, { method: "POST", body: JSON.stringify({ rows }), signal: AbortSignal.timeout(30_000) });
    const body = (await response.json()) as { scores?: number[]; error?: string };
    if (response.status !== 200 || !Array.isArray(body.scores)) throw new PipelineError(`edge: expected HTTP 200 with scores, found ${response.status} ${JSON.stringify(body).slice(0, 400)}`);
    console.log(`   GET → ${JSON.stringify(get)}; POST of ${rows.length} test digits → scores ${body.scores.slice(0, 3).map((s) => s.toPrecision(7)).join(", ")}, …`);
    return { get, scores: body.scores };
  } finally {
    child.kill("SIGKILL");
  }
}

/** The imported model trained further here on digits PyTorch never saw; the test error before and after. */
async function fineTune(out: string): Promise<{ rows: number; epochs: number; before: number; after: number }> {
  console.log(`\n== fine-tune here: Autoencoder.load(model.aenc), fit on training digits ${FINE_TUNE.from}-${FINE_TUNE.to - 1}, ${FINE_TUNE.epochs} epochs`);
  await init();
  const { train, test } = await loadMnist({ trainSize: FINE_TUNE.to });
  const rows = FINE_TUNE.to - FINE_TUNE.from;
  const x = { data: train.x.data.subarray(FINE_TUNE.from * MNIST_PIXELS), shape: [rows, MNIST_PIXELS] };
  const model = await Autoencoder.load(new Uint8Array(await readFile(join(out, "model.aenc"))));
  try {
    const before = mean(model.reconstructionError(test.x));
    const history = await model.fit(x, { epochs: FINE_TUNE.epochs, batchSize: FINE_TUNE.batchSize, shuffle: true });
    const after = mean(model.reconstructionError(test.x));
    await writeFile(join(out, "model-finetuned.aenc"), model.save());
    console.log(`   training loss per epoch ${history.loss.map((l) => l.toPrecision(6)).join(", ")}; test error ${before.toPrecision(7)} → ${after.toPrecision(7)}; wrote model-finetuned.aenc`);
    return { rows, epochs: FINE_TUNE.epochs, before, after };
  } finally {
    model.dispose();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!existsSync(CLI)) throw new PipelineError(`expected the command line at ${CLI}, found none: run npm run build first`);
  await rm(args.out, { recursive: true, force: true });
  await mkdir(args.out, { recursive: true });
  const data = mnistDataDir();
  const testImages = join(data, "t10k-images-idx3-ubyte");

  // torch 1.13's torchrun on Python 3.11 fails with its default --redirects 0 and --tee 0
  // (Std.from_str("0") finds no member: "'NoneType' object has no attribute 'get'"):
  // stdout goes to a log file under --log_dir and is copied to the console (1 = stdout).
  const [command, prefix] = launcher();
  await step(`train with torch.distributed (${args.nproc} ranks, gloo)`, command, [
    ...prefix, "--redirects", "1", "--tee", "1", "--log_dir", join(args.out, "torchrun-logs"),
    "--nnodes", "1", "--nproc_per_node", String(args.nproc), "--master_addr", "127.0.0.1", "--master_port", String(await freePort()),
    "examples/pytorch/train_ddp.py", "--data", data, "--out", args.out, "--epochs", String(args.epochs),
  ]);
  const pytorch = JSON.parse(await readFile(join(args.out, "pytorch.json"), "utf8")) as { testError: number; worldSize: number; epochLosses: number[] };

  await step("import", process.execPath, [CLI, "import", join(args.out, "model.onnx"), "--out", join(args.out, "model.aenc")]);
  await step("evaluate", process.execPath, [CLI, "score", join(args.out, "model.aenc"), testImages, "--out", join(args.out, "scores-ours.npy")]);
  const ourScores = await readScores(join(args.out, "scores-ours.npy"), "our scores");
  const comparison = compareScores(await readScores(join(args.out, "scores.npy"), "PyTorch's scores"), ourScores);
  console.log(`\n   test reconstruction error over 10,000 digits: PyTorch ${comparison.pytorch.toPrecision(9)}, ours ${comparison.ours.toPrecision(9)}, ` +
    `relative difference ${comparison.relative.toExponential(2)} (largest per digit ${comparison.maxDigitRelative.toExponential(2)})`);
  if (!(comparison.relative <= TOLERANCE)) {
    throw new PipelineError(`expected our test error within ${TOLERANCE} relative of PyTorch's ${comparison.pytorch}, found ${comparison.ours} (${comparison.relative})`);
  }

  let edge: { get: unknown; scores: number[]; matchesCli: boolean } | null = null;
  if (args.edge) {
    const { test } = await loadMnist({ trainSize: 0, testSize: EDGE_ROWS });
    const rows = Array.from({ length: EDGE_ROWS }, (_, r) => Array.from(test.x.data.subarray(r * MNIST_PIXELS, (r + 1) * MNIST_PIXELS)));
    const served = await serveAtTheEdge(args.out, rows);
    const matchesCli = served.scores.length === EDGE_ROWS && served.scores.every((s, i) => Object.is(Math.fround(s), ourScores[i]));
    if (!matchesCli) throw new PipelineError(`edge: expected the command line's scores ${Array.from(ourScores.subarray(0, 3))}, …, found ${served.scores.slice(0, 3)}, …`);
    console.log(`   the edge function's ${EDGE_ROWS} scores have the command line's bits`);
    edge = { ...served, matchesCli };
  }
  const tuned = args.fineTune ? await fineTune(args.out) : null;
  console.log(JSON.stringify({ worldSize: pytorch.worldSize, epochLosses: pytorch.epochLosses, ...comparison, edge, fineTune: tuned, out: args.out }));
}

await main();
