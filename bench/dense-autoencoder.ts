// The dense autoencoder 784-512-128-32-128-512-784 (ReLU, sigmoid output, MSE,
// Adam 1e-3, batch 128), ours against TensorFlow.js 4.22 (wasm backend, one
// thread; cpu backend): training and inference samples/s. Then, for ours,
// where a training step and a reconstruct call spend their time (every
// kernel call timed, by phase and gemm shape), and a longer run that shows
// Adam slowing down once its first moments decay into subnormals.
// Single thread, one process, the same synthetic data for every library.
// Run: npx tsx bench/dense-autoencoder.ts [--quick] [--no-cpu] [--no-profile]
// (--quick: fewer runs, no long run; --no-cpu: skip tfjs's cpu backend;
// --no-profile: the comparison table only)
import { cpus, loadavg } from "node:os";
import * as tf from "@tensorflow/tfjs";
import { Autoencoder, layers, type AutoencoderConfig } from "../src/index.js";
import { getEngine } from "../src/wasm/module.js";
import { lcg, prototypeMixes } from "./data.js";
import {
  epochMs,
  kernelTable,
  phaseTable,
  profileEpochs,
  profileReconstruct,
  sumCalls,
  sumMs,
  withTimedKernels,
  type Phases,
  type Tallies,
} from "./profile.js";
import { cpuMedianMs, environmentLine, epochTimer, fixed, median, markdownTable, medianMs, ratio, type TimingOptions } from "./report.js";
import { epochCallbacks, predictCall, startTfjsWasm, tfjsWasmVersion } from "./tfjs.js";

const FEATURES = 784;
const WIDTHS = [FEATURES, 512, 128, 32, 128, 512, FEATURES];
const BATCH = 128;
const INFER_BATCH = 256;

const quick = process.argv.includes("--quick");
const withCpu = !process.argv.includes("--no-cpu");
const withProfile = !process.argv.includes("--no-profile");

/** Samples per timed epoch, timed epochs (after one warm-up epoch), samples per inference call. */
const PLAN = {
  ours: { train: 4096, epochs: quick ? 3 : 7, infer: 2048 },
  wasm: { train: 2048, epochs: quick ? 2 : 5, infer: 1024 },
  cpu: { train: 256, epochs: quick ? 1 : 3, infer: 256 },
};
const inferTiming: TimingOptions = quick ? { time: 500, warmupTime: 200, iterations: 5 } : { time: 2000, warmupTime: 500, iterations: 10 };
const cpuInferTiming: TimingOptions = { time: quick ? 500 : 2000, warmupTime: 0, iterations: quick ? 2 : 5 };

// FLOPs per sample, counting a multiply-add as 2. Forward: 2·Σ in·out. A
// training step adds dW = xᵀ·dy (2·in·out per layer) and dX = dy·Wᵀ (2·in·out
// per layer except the first, whose input needs no gradient). Activations,
// loss, bias gradients and Adam are left out (O(Σ out) per sample, or per step).
const MACS = WIDTHS.slice(1).map((out, i) => WIDTHS[i]! * out);
const FORWARD_FLOPS = 2 * MACS.reduce((a, b) => a + b, 0);
const TRAIN_FLOPS = 3 * FORWARD_FLOPS - 2 * MACS[0]!;

const OUR_CONFIG: AutoencoderConfig = {
  input: [FEATURES],
  encoder: [layers.dense(512, "relu"), layers.dense(128, "relu"), layers.dense(32)],
  decoder: [layers.dense(128, "relu"), layers.dense(512, "relu"), layers.dense(FEATURES, "sigmoid")],
  loss: "mse",
  optimizer: { name: "adam", learningRate: 1e-3 },
  seed: 7,
};

/**
 * Image-like rows in [0, 1]: each mixes two of 16 fixed random prototypes plus
 * a little noise, so the model has something to learn. An LCG, seeded: the
 * same numbers on every run and for every library.
 */
function syntheticImages(rows: number, seed: number): Float32Array {
  const next = lcg(seed);
  const prototypes = Array.from({ length: 16 }, () => Float32Array.from({ length: FEATURES }, () => next()));
  return prototypeMixes(rows, prototypes, 0.1, next);
}

interface Result {
  backend: string;
  /** Samples per second of wall time (median), and per second of this process's CPU time (median). */
  train: { wall: number; cpu: number };
  infer: { wall: number; cpu: number };
  note: string;
}


/** Throughput from the timed epochs (all but the first, the warm-up) and the inference timings. */
function summarize(backend: string, samples: number, timer: ReturnType<typeof epochTimer>, loss: number[], infer: { rows: number; wallMs: number; cpuMs: number }): Result {
  const wall = timer.times.slice(1);
  const cpu = timer.cpu.slice(1);
  const rate = (ms: number) => (samples / ms) * 1000;
  return {
    backend,
    train: { wall: rate(median(wall)), cpu: rate(median(cpu)) },
    infer: { wall: (infer.rows / infer.wallMs) * 1000, cpu: (infer.rows / infer.cpuMs) * 1000 },
    note: `${samples} samples/epoch × ${wall.length} timed epochs, fastest ${fixed(rate(Math.min(...wall)), 0)}/s; loss ${loss[0]!.toFixed(4)} → ${loss[loss.length - 1]!.toFixed(4)}`,
  };
}

async function benchOurs(x: Float32Array): Promise<{ result: Result; model: Autoencoder }> {
  const { train, epochs, infer } = PLAN.ours;
  const model = await Autoencoder.create(OUR_CONFIG);
  const timer = epochTimer();
  const history = await model.fit({ data: x.subarray(0, train * FEATURES), shape: [train, FEATURES] }, {
    epochs: 1 + epochs,
    batchSize: BATCH,
    shuffle: true,
    onEpochBegin: timer.onEpochBegin,
    onEpochEnd: timer.onEpochEnd,
  });
  const input = { data: x.subarray(0, infer * FEATURES), shape: [infer, FEATURES] };
  const reconstruct = () => model.reconstruct(input);
  const wallMs = await medianMs("ours reconstruct", reconstruct, inferTiming);
  const cpuMs = cpuMedianMs(reconstruct, quick ? 5 : 15);
  return { model, result: summarize("ours (wasm SIMD)", train, timer, history.loss, { rows: infer, wallMs, cpuMs }) };
}

function tfjsModel(): tf.Sequential {
  const model = tf.sequential();
  WIDTHS.slice(1).forEach((units, i) => {
    const activation = i === WIDTHS.length - 2 ? "sigmoid" : i === 2 ? "linear" : "relu";
    model.add(tf.layers.dense(i === 0 ? { inputShape: [FEATURES], units, activation } : { units, activation }));
  });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: "meanSquaredError" });
  return model;
}

async function benchTfjs(backend: "wasm" | "cpu", x: Float32Array): Promise<Result> {
  const { train, epochs, infer } = PLAN[backend];
  const model = tfjsModel();
  const xs = tf.tensor2d(x.subarray(0, train * FEATURES), [train, FEATURES]);
  const timer = epochTimer();
  const history = await model.fit(xs, xs, {
    epochs: 1 + epochs,
    batchSize: BATCH,
    shuffle: true,
    verbose: 0,
    callbacks: epochCallbacks(timer),
  });
  xs.dispose();
  const predict = predictCall(model, x.subarray(0, infer * FEATURES), [infer, FEATURES], INFER_BATCH);
  const wallMs = await medianMs(`tfjs-${backend} predict`, predict, backend === "cpu" ? cpuInferTiming : inferTiming);
  const cpuMs = cpuMedianMs(predict, backend === "cpu" ? 3 : quick ? 5 : 15);
  model.dispose();
  return summarize(`tfjs-${backend}`, train, timer, history.history.loss as number[], { rows: infer, wallMs, cpuMs });
}

// ---- profile: every kernel call of a real fit, timed -----------------------

type Phase = "forward" | "backward" | "optimizer" | "per-step housekeeping";

function phaseOf(kernel: string): Phase {
  if (kernel === "f32_gemm_nn" || kernel === "f32_mse_sum" || /^f32_(relu|sigmoid|leaky_relu|tanh|softplus)$/.test(kernel)) return "forward";
  if (kernel === "f32_gemm_nt" || kernel === "f32_gemm_tn" || kernel === "f32_colsum" || kernel.endsWith("_backward")) return "backward";
  if (kernel === "f32_adam_step" || kernel === "f32_sgd_step") return "optimizer";
  return "per-step housekeeping";
}

const phases: Phases = () => phaseOf;
const KERNEL_COLUMN = "kernel (gemm m×n×k)";

/** Median time of `await setTimeout(0)`, the yield fit makes every yieldEveryMs (25 ms by default). */
async function yieldMs(): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 41; i++) {
    const t0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 0));
    times.push(performance.now() - t0);
  }
  return median(times);
}

const isGemm = (key: string) => key.startsWith("f32_gemm_");

/**
 * Interleaved epochs (see profileEpochs); medians over the rounds. Each round
 * starts from a fresh model and one warm-up epoch, so every round times steps
 * 33-128 of a training run, before Adam's moments can decay into subnormals
 * (see longRun).
 */
async function profileTraining(x: Float32Array): Promise<string> {
  const train = PLAN.ours.train;
  const steps = Math.ceil(train / BATCH);
  const data = { data: x.subarray(0, train * FEATURES), shape: [train, FEATURES] };
  const rounds = quick ? 3 : 7;
  const { plain, noYield, timedEpochs, tallies } = await profileEpochs(OUR_CONFIG, data, BATCH, rounds, phases);
  const runs = rounds * steps;
  const yieldLatency = await yieldMs();
  const step = median(plain) / steps;
  const stepNoYield = median(noYield) / steps;
  // Kernel times are per-step means; the step times medians: the JS share is an estimate.
  const stepTimed = timedEpochs.reduce((a, b) => a + b, 0) / runs;
  const kernels = sumMs(tallies) / runs;
  const gemm = sumMs(tallies, isGemm) / runs;
  const calls = sumCalls(tallies) / runs;
  const pct = (ms: number) => `${fixed((100 * ms) / stepTimed)}%`;

  return [
    `## Where our training step goes (batch ${BATCH}; ${rounds} rounds × ${steps} steps; every kernel call timed with performance.now())\n`,
    `step, median: ${fixed(step, 3)} ms as fit runs it (yields to the event loop every 25 ms), ${fixed(stepNoYield, 3)} ms with yieldEveryMs = ∞ ` +
      `(difference ${fixed(step - stepNoYield, 3)} ms/step; one yield, setTimeout(0), takes ${fixed(yieldLatency, 2)} ms here, ` +
      `so yielding every 25 ms costs ≈ ${fixed((100 * yieldLatency) / (25 + yieldLatency))}% of wall time); mean with timed kernels ${fixed(stepTimed, 3)} ms, ${fixed(calls, 0)} kernel calls per step. ` +
      `gemm ${fixed(gemm, 3)} ms (${pct(gemm)}), other kernels ${fixed(kernels - gemm, 3)} ms (${pct(kernels - gemm)}), ` +
      `JS ${fixed(stepTimed - kernels, 3)} ms (${pct(stepTimed - kernels)}). Shares are of the timed step.\n`,
    phaseTable(tallies, runs, stepTimed, kernels),
    "",
    kernelTable(tallies, KERNEL_COLUMN, runs, stepTimed, true, "step"),
  ].join("\n");
}

/** reconstruct over PLAN.ours.infer rows (256-row chunks): kernels against the copies in and out and the JS around them. */
async function profileInference(model: Autoencoder, x: Float32Array): Promise<string> {
  const rows = PLAN.ours.infer;
  const input = { data: x.subarray(0, rows * FEATURES), shape: [rows, FEATURES] };
  const rounds = quick ? 5 : 15;
  const { plain, timedTotal, tallies } = await profileReconstruct(model, input, rounds, phases);
  const call = timedTotal / rounds;
  const kernels = sumMs(tallies) / rounds;
  const gemm = sumMs(tallies, isGemm) / rounds;
  return [
    `## Where our inference goes (reconstruct of ${rows} rows in ${Math.ceil(rows / INFER_BATCH)} chunks of ${INFER_BATCH})\n`,
    `call: ${fixed(median(plain), 2)} ms median, ${fixed(call, 2)} ms mean with timed kernels: gemm ${fixed(gemm, 2)} ms (${fixed((100 * gemm) / call)}%), ` +
      `other kernels ${fixed(kernels - gemm, 2)} ms (${fixed((100 * (kernels - gemm)) / call)}%), ` +
      `outside kernels (input copy in, output copy out, JS) ${fixed(call - kernels, 2)} ms (${fixed((100 * (call - kernels)) / call)}%).\n`,
    kernelTable(tallies, KERNEL_COLUMN, rounds, call, false, "call"),
  ].join("\n");
}

/**
 * A longer run (steps 1 to LONG_EPOCHS · 32): wall time per step, Adam's time
 * per step and how many first moments are subnormal, at the first and the last
 * epoch. Gradients that stay exactly zero (dead ReLU units) let m decay by
 * beta1 per step into the subnormal range, where x86 arithmetic is slow.
 */
const LONG_EPOCHS = 24;
async function longRun(x: Float32Array): Promise<string> {
  const train = PLAN.ours.train;
  const steps = Math.ceil(train / BATCH);
  const data = { data: x.subarray(0, train * FEATURES), shape: [train, FEATURES] };
  const model = await Autoencoder.create(OUR_CONFIG);
  const { arena } = getEngine();
  const { state, count } = model.slab.regions;
  const subnormals = (ptr: number) => {
    const view = arena.f32.subarray(ptr >>> 2, (ptr >>> 2) + count);
    let n = 0;
    for (let i = 0; i < view.length; i++) if (view[i] !== 0 && Math.abs(view[i]!) < 2 ** -126) n++;
    return n;
  };
  const rows: string[][] = [];
  for (let epoch = 1; epoch <= LONG_EPOCHS; epoch++) {
    const tallies: Tallies = new Map();
    const ms = await withTimedKernels(tallies, phases, () => epochMs(model, data, BATCH, 1e9));
    if (epoch === 2 || epoch % 4 === 0) {
      const adam = [...tallies.values()].find((t) => t.key === "f32_adam_step")!;
      rows.push([String(model.step), fixed(ms / steps, 2), fixed(adam.ms / adam.calls, 2), String(subnormals(state[0]!)), String(subnormals(state[1]!))]);
    }
  }
  model.dispose();
  return [
    `## A longer run: Adam and subnormal moments (${LONG_EPOCHS} epochs of ${steps} steps, timed kernels, no yields; ${count} parameters)\n`,
    markdownTable(["after step", "ms/step", "adam ms/step", "subnormal m", "subnormal v"], rows),
  ].join("\n");
}

// ---- main -------------------------------------------------------------------

const startLoad = fixed(loadavg()[0], 2);
const x = syntheticImages(Math.max(PLAN.ours.train, PLAN.ours.infer), 12345);

const { result: ours, model } = await benchOurs(x);
const inference = withProfile ? `${await profileInference(model, x)}` : "";
model.dispose();
const training = withProfile ? `${await profileTraining(x)}` : "";
const long = withProfile && !quick ? `${await longRun(x)}` : "";

const binary = await startTfjsWasm();
const results: Result[] = [ours, await benchTfjs("wasm", x)];
if (withCpu) {
  await tf.setBackend("cpu");
  results.push(await benchTfjs("cpu", x));
}

const both = (ours: { wall: number; cpu: number }, peer: { wall: number; cpu: number }) => `${ratio(ours.wall, peer.wall)} (${ratio(ours.cpu, peer.cpu)})`;
const rows = results.map((r) => [
  r.backend,
  fixed(r.train.wall, 0),
  fixed(r.train.cpu, 0),
  fixed(r.infer.wall, 0),
  fixed(r.infer.cpu, 0),
  r === ours ? "–" : both(ours.train, r.train),
  r === ours ? "–" : both(ours.infer, r.infer),
  r.note,
]);

console.log(`# Dense autoencoder 784-512-128-32-128-512-784, ReLU, sigmoid output, MSE, Adam 1e-3, batch ${BATCH}`);
console.log(`${environmentLine()}, ${cpus()[0]?.model ?? "unknown CPU"} (${cpus().length} cores); single thread; load average at start ${startLoad}, at end ${fixed(loadavg()[0], 2)}`);
console.log(`tfjs ${tf.version.tfjs}, wasm backend ${tfjsWasmVersion}: ran ${binary}`);
console.log(
  `data: synthetic, seeded (mixes of 16 random prototypes + noise, in [0, 1]), ${FEATURES} features. ` +
    `Training: median wall time of an epoch (onEpochBegin → onEpochEnd, performance.now()) after one warm-up epoch; fit with shuffle. ` +
    `Inference: tinybench median of reconstruct / predict+dataSync (Float32Array in and out) at batch ${INFER_BATCH}.\n`,
);
console.log(
  markdownTable(["backend", "train /s", "train /CPU-s", "infer /s", "infer /CPU-s", "train ours/peer (CPU)", "infer ours/peer (CPU)", "runs"], rows),
);
console.log(`/s: samples per second of wall time, median; /CPU-s: per second of this process's CPU time, median (robust to a shared machine).`);
const gflops = (rate: number, flops: number) => fixed((rate * flops) / 1e9);
console.log(
  `\nours: training ${gflops(ours.train.wall, TRAIN_FLOPS)} GFLOP/s (${gflops(ours.train.cpu, TRAIN_FLOPS)} per CPU-s), ` +
    `${TRAIN_FLOPS} FLOP/sample = 2·(2·Σ in·out − in·out of layer 1): forward + dW + dX, no dX for layer 1; ` +
    `inference ${gflops(ours.infer.wall, FORWARD_FLOPS)} GFLOP/s (${gflops(ours.infer.cpu, FORWARD_FLOPS)} per CPU-s), ${FORWARD_FLOPS} FLOP/sample = 2·Σ in·out.`,
);
console.log(`targets: ≥ 8000 training samples/s, ≥ 25000 inference samples/s.`);
for (const section of [training, inference, long]) if (section) console.log(`\n${section}`);
