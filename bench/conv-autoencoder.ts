// The convolutional autoencoder of the issue (28×28×1 → conv 3×3/2 "same" 32
// ReLU → conv 3×3/2 "same" 64 ReLU → convT 3×3/2 "same" 32 ReLU → convT
// 3×3/2 "same" 1 sigmoid; BCE, fused with the sigmoid as BCE from logits; Adam
// 1e-3; batch 64), ours against TensorFlow.js 4.22: wasm backend on one thread
// (inference only: it has no Conv2DBackpropFilter, so training throws; the
// error is printed) and cpu backend (inference and a short training run).
// Then, for ours, where a training step and a reconstruct call spend their
// time: every kernel call timed, grouped by phase, kernel and shape.
// Single thread, one process, the same synthetic data for every library.
// Run: npx tsx bench/conv-autoencoder.ts [--quick] [--no-cpu] [--no-peers] [--no-profile]
// (--quick: fewer runs; --no-cpu: skip tfjs's cpu backend; --no-peers: skip
// tfjs altogether, for iterating on ours; --no-profile: the comparison table only)
import { cpus, loadavg } from "node:os";
import * as tf from "@tensorflow/tfjs";
import { Autoencoder, layers, type AutoencoderConfig } from "../src/index.js";
import { lcg, prototypeMixes } from "./data.js";
import { kernelTable, phaseTable, profileEpochs, profileReconstruct, sumCalls, sumMs, type Phases } from "./profile.js";
import { cpuMedianMs, environmentLine, epochTimer, fixed, median, markdownTable, medianMs, ratio, type TimingOptions } from "./report.js";
import { epochCallbacks, predictCall, startTfjsWasm, tfjsWasmVersion } from "./tfjs.js";

const SIDE = 28;
const FEATURES = SIDE * SIDE;
const BATCH = 64;
/** tfjs predict's batch: the rows our reconstruct runs at once (INFERENCE_BATCH). */
const INFER_BATCH = 256;

const quick = process.argv.includes("--quick");
const withPeers = !process.argv.includes("--no-peers");
const withCpu = withPeers && !process.argv.includes("--no-cpu");
const withProfile = !process.argv.includes("--no-profile");

/**
 * Samples per timed epoch, timed epochs (after one warm-up epoch), samples per
 * inference call. Fifteen timed epochs (12 s here): other jobs on the machine
 * slow it for seconds at a time, and the median of more epochs moves less.
 */
const PLAN = {
  ours: { train: 2048, epochs: quick ? 3 : 15, infer: 2048 },
  wasm: { infer: 1024 },
  cpu: { train: 64, epochs: 1, infer: 256 },
};
const inferTiming: TimingOptions = quick ? { time: 500, warmupTime: 200, iterations: 5 } : { time: 2000, warmupTime: 500, iterations: 10 };
const cpuInferTiming: TimingOptions = { time: quick ? 500 : 2000, warmupTime: 0, iterations: quick ? 2 : 5 };

/** The layers: [input side, input channels, output channels, transposed]. */
const LAYERS: [number, number, number, boolean][] = [
  [28, 1, 32, false],
  [14, 32, 64, false],
  [7, 64, 32, true],
  [14, 32, 1, true],
];
// FLOPs per sample, a multiply-add counted as 2, padded taps included (as
// bench/conv.ts): every output pixel of a conv and every input pixel of a
// convT meets 3·3·c·f weights. A training step adds the filter gradient of
// every layer and the input gradient of all but the first.
const MACS = LAYERS.map(([side, c, f, t]) => (t ? side * side : (side / 2) ** 2) * 9 * c * f);
const FORWARD_FLOPS = 2 * MACS.reduce((a, b) => a + b, 0);
const TRAIN_FLOPS = 3 * FORWARD_FLOPS - 2 * MACS[0]!;

const conv = (filters: number, activation: "relu" | "sigmoid") => ({ filters, kernelSize: 3, strides: 2, padding: "same" as const, activation });
const OUR_CONFIG: AutoencoderConfig = {
  input: [SIDE, SIDE, 1],
  encoder: [layers.conv2d(conv(32, "relu")), layers.conv2d(conv(64, "relu"))],
  decoder: [layers.conv2dTranspose(conv(32, "relu")), layers.conv2dTranspose(conv(1, "sigmoid"))],
  loss: "bce",
  optimizer: { name: "adam", learningRate: 1e-3 },
  seed: 7,
};

/**
 * Digit-like images in [0, 1]: each mixes two of 16 fixed prototypes (a few
 * soft random strokes each) plus a little noise, so the model has something
 * to learn. An LCG, seeded: the same numbers on every run and for every library.
 */
function syntheticImages(rows: number, seed: number): Float32Array {
  const next = lcg(seed);
  const prototypes = Array.from({ length: 16 }, () => {
    const img = new Float32Array(FEATURES);
    for (let stroke = 0; stroke < 3; stroke++) {
      const [x0, y0, x1, y1] = [4 + 20 * next(), 4 + 20 * next(), 4 + 20 * next(), 4 + 20 * next()];
      for (let t = 0; t <= 1; t += 0.02) {
        const cx = x0 + t * (x1 - x0);
        const cy = y0 + t * (y1 - y0);
        for (let y = Math.max(0, Math.floor(cy - 2)); y <= Math.min(SIDE - 1, Math.ceil(cy + 2)); y++) {
          for (let x = Math.max(0, Math.floor(cx - 2)); x <= Math.min(SIDE - 1, Math.ceil(cx + 2)); x++) {
            const d2 = (x - cx) ** 2 + (y - cy) ** 2;
            img[y * SIDE + x] = Math.max(img[y * SIDE + x]!, Math.exp(-d2 / 1.5));
          }
        }
      }
    }
    return img;
  });
  return prototypeMixes(rows, prototypes, 0.05, next);
}

interface Rate {
  wall: number;
  cpu: number;
}

interface Result {
  backend: string;
  /** Samples per second of wall time (median), and per second of this process's CPU time (median); null when it cannot train. */
  train: Rate | null;
  infer: Rate;
  note: string;
}


const rate = (samples: number, ms: number) => (samples / ms) * 1000;

/** Training throughput from the timed epochs (all but the first when there are several, the warm-up). */
function trainRate(samples: number, timer: ReturnType<typeof epochTimer>): { rate: Rate; timed: number[] } {
  const skip = timer.times.length > 1 ? 1 : 0;
  const wall = timer.times.slice(skip);
  const cpu = timer.cpu.slice(skip);
  return { rate: { wall: rate(samples, median(wall)), cpu: rate(samples, median(cpu)) }, timed: wall };
}

async function benchOurs(x: Float32Array): Promise<{ result: Result; model: Autoencoder }> {
  const { train, epochs, infer } = PLAN.ours;
  const model = await Autoencoder.create(OUR_CONFIG);
  const timer = epochTimer();
  const history = await model.fit({ data: x.subarray(0, train * FEATURES), shape: [train, SIDE, SIDE, 1] }, {
    epochs: 1 + epochs,
    batchSize: BATCH,
    shuffle: true,
    onEpochBegin: timer.onEpochBegin,
    onEpochEnd: timer.onEpochEnd,
  });
  const input = { data: x.subarray(0, infer * FEATURES), shape: [infer, SIDE, SIDE, 1] };
  const reconstruct = () => model.reconstruct(input);
  const wallMs = await medianMs("ours reconstruct", reconstruct, inferTiming);
  const cpuMs = cpuMedianMs(reconstruct, quick ? 5 : 15);
  const { rate: trainR, timed } = trainRate(train, timer);
  const loss = history.loss;
  return {
    model,
    result: {
      backend: "ours (wasm SIMD)",
      train: trainR,
      infer: { wall: rate(infer, wallMs), cpu: rate(infer, cpuMs) },
      note: `${train} samples/epoch × ${timed.length} timed epochs, fastest ${fixed(rate(train, Math.min(...timed)), 0)}/s; loss ${loss[0]!.toFixed(4)} → ${loss[loss.length - 1]!.toFixed(4)}`,
    },
  };
}

function tfjsModel(): tf.Sequential {
  const model = tf.sequential();
  const opts = (filters: number, activation: "relu" | "sigmoid") => ({ filters, kernelSize: 3, strides: 2, padding: "same" as const, activation });
  model.add(tf.layers.conv2d({ inputShape: [SIDE, SIDE, 1], ...opts(32, "relu") }));
  model.add(tf.layers.conv2d(opts(64, "relu")));
  model.add(tf.layers.conv2dTranspose(opts(32, "relu")));
  model.add(tf.layers.conv2dTranspose(opts(1, "sigmoid")));
  model.compile({ optimizer: tf.train.adam(1e-3), loss: "binaryCrossentropy" });
  return model;
}

/** predict + dataSync over `rows` rows (Float32Array in and out, like reconstruct): wall and CPU ms per call. */
async function tfjsInfer(backend: string, model: tf.Sequential, x: Float32Array, rows: number, timing: TimingOptions, cpuCalls: number) {
  const predict = predictCall(model, x.subarray(0, rows * FEATURES), [rows, SIDE, SIDE, 1], INFER_BATCH);
  return { wallMs: await medianMs(`tfjs-${backend} predict`, predict, timing), cpuMs: cpuMedianMs(predict, cpuCalls) };
}

async function tfjsTrain(model: tf.Sequential, x: Float32Array, samples: number, epochs: number) {
  const xs = tf.tensor4d(x.subarray(0, samples * FEATURES), [samples, SIDE, SIDE, 1]);
  const timer = epochTimer();
  try {
    const history = await model.fit(xs, xs, {
      epochs,
      batchSize: BATCH,
      shuffle: true,
      verbose: 0,
      callbacks: epochCallbacks(timer),
    });
    return { timer, loss: history.history.loss as number[] };
  } finally {
    xs.dispose();
  }
}

async function benchTfjsWasm(x: Float32Array): Promise<{ result: Result; trainError: string }> {
  const model = tfjsModel();
  let trainError = "(training did not fail)";
  try {
    await tfjsTrain(model, x, BATCH, 1);
  } catch (error) {
    trainError = error instanceof Error ? error.message : String(error);
  }
  const { infer } = PLAN.wasm;
  const { wallMs, cpuMs } = await tfjsInfer("wasm", model, x, infer, inferTiming, quick ? 5 : 15);
  model.dispose();
  return {
    trainError,
    result: { backend: "tfjs-wasm", train: null, infer: { wall: rate(infer, wallMs), cpu: rate(infer, cpuMs) }, note: `cannot train (see below); predict of ${infer} rows` },
  };
}

async function benchTfjsCpu(x: Float32Array): Promise<Result> {
  const { train, epochs, infer } = PLAN.cpu;
  const model = tfjsModel();
  // No warm-up epoch: one epoch takes ~15 s, warm-up costs are lost in it.
  const { timer, loss } = await tfjsTrain(model, x, train, epochs);
  const { rate: trainR, timed } = trainRate(train, timer);
  const { wallMs, cpuMs } = await tfjsInfer("cpu", model, x, infer, cpuInferTiming, 3);
  model.dispose();
  return {
    backend: "tfjs-cpu",
    train: trainR,
    infer: { wall: rate(infer, wallMs), cpu: rate(infer, cpuMs) },
    note: `${train} samples/epoch × ${timed.length} epoch (no warm-up); loss ${loss[0]!.toFixed(4)}`,
  };
}

// ---- profile: every kernel call of a real fit, timed -----------------------

/**
 * The phase of a step, followed from the call sequence: a step gathers its
 * batch (f32_gather_rows), runs the forward up to the loss sum, the backward
 * until the optimizer, then the optimizer. Kernels outside those (gradient
 * zeroing, rollback copies) count as housekeeping.
 */
type Phase = "forward" | "backward" | "optimizer" | "housekeeping";
const LOSS_SUMS = new Set(["f32_bce_logits_sum", "f32_bce_logits_sum_diff", "f32_bce_sum", "f32_mse_sum", "f32_l1_sum"]);
const OPTIMIZERS = new Set(["f32_adam_step", "f32_sgd_step"]);
const phases: Phases = () => {
  let phase: Phase = "housekeeping";
  return (name) => {
    if (name === "f32_gather_rows") phase = "forward";
    else if (OPTIMIZERS.has(name)) phase = "optimizer";
    const current = phase;
    // The phase of the calls after this one.
    if (LOSS_SUMS.has(name) && phase === "forward") phase = "backward";
    else if (OPTIMIZERS.has(name)) phase = "housekeeping";
    return current;
  };
};
const KERNEL_COLUMN = "kernel (conv: image n×h×w×c, f filters; gemm m×n×k)";

/** The products: gemm and the convolution kernels (implicit gemm: no im2col matrix is written). */
const isGemm = (key: string) => key.startsWith("f32_gemm_") || key.startsWith("f32_conv2d_nhwc");

/** Interleaved epochs (see profileEpochs); medians over the rounds. */
async function profileTraining(x: Float32Array): Promise<string> {
  const train = PLAN.ours.train;
  const steps = Math.ceil(train / BATCH);
  const data = { data: x.subarray(0, train * FEATURES), shape: [train, SIDE, SIDE, 1] };
  const rounds = quick ? 3 : 5;
  const { plain, noYield, timedEpochs, tallies } = await profileEpochs(OUR_CONFIG, data, BATCH, rounds, phases);
  const runs = rounds * steps;
  const step = median(plain) / steps;
  const stepNoYield = median(noYield) / steps;
  // Kernel times are per-step means; the step times medians: the JS share is an estimate.
  const stepTimed = timedEpochs.reduce((a, b) => a + b, 0) / runs;
  const kernels = sumMs(tallies) / runs;
  const gemm = sumMs(tallies, isGemm) / runs;
  const calls = sumCalls(tallies) / runs;
  const pct = (ms: number) => `${fixed((100 * ms) / stepTimed)}%`;
  const gemmFlops = [...tallies.values()].filter((t) => isGemm(t.key)).reduce((a, t) => a + t.flops, 0) / runs;
  // GFLOP/s are nominal: padded taps counted, though the kernels skip them.

  return [
    `## Where our training step goes (batch ${BATCH}; ${rounds} rounds × ${steps} steps; every kernel call timed with performance.now())\n`,
    `step, median: ${fixed(step, 3)} ms as fit runs it (${fixed(rate(BATCH, step), 0)} samples/s), ${fixed(stepNoYield, 3)} ms with yieldEveryMs = ∞; ` +
      `mean with timed kernels ${fixed(stepTimed, 3)} ms, ${fixed(calls, 0)} kernel calls per step. ` +
      `products (conv kernels and gemm) ${fixed(gemm, 3)} ms (${pct(gemm)}, ${fixed(gemmFlops / gemm / 1e6)} GFLOP/s), ` +
      `other kernels ${fixed(kernels - gemm, 3)} ms (${pct(kernels - gemm)}), ` +
      `JS ${fixed(stepTimed - kernels, 3)} ms (${pct(stepTimed - kernels)}). Shares are of the timed step.\n`,
    phaseTable(tallies, runs, stepTimed, kernels),
    "",
    kernelTable(tallies, KERNEL_COLUMN, runs, stepTimed, true, "step"),
  ].join("\n");
}

/** reconstruct over PLAN.ours.infer rows (256-row chunks): kernels against the copies in and out and the JS around them. */
async function profileInference(model: Autoencoder, x: Float32Array): Promise<string> {
  const rows = PLAN.ours.infer;
  const input = { data: x.subarray(0, rows * FEATURES), shape: [rows, SIDE, SIDE, 1] };
  const rounds = quick ? 5 : 15;
  const { plain, timedTotal, tallies } = await profileReconstruct(model, input, rounds, phases);
  const call = timedTotal / rounds;
  const kernels = sumMs(tallies) / rounds;
  const gemm = sumMs(tallies, isGemm) / rounds;
  return [
    `## Where our inference goes (reconstruct of ${rows} rows in ${Math.ceil(rows / INFER_BATCH)} chunks of ${INFER_BATCH})\n`,
    `call: ${fixed(median(plain), 2)} ms median (${fixed(rate(rows, median(plain)), 0)} samples/s), ${fixed(call, 2)} ms mean with timed kernels: products (conv kernels and gemm) ${fixed(gemm, 2)} ms (${fixed((100 * gemm) / call)}%), ` +
      `other kernels ${fixed(kernels - gemm, 2)} ms (${fixed((100 * (kernels - gemm)) / call)}%), ` +
      `outside kernels (input copy in, output copy out, JS) ${fixed(call - kernels, 2)} ms (${fixed((100 * (call - kernels)) / call)}%).\n`,
    kernelTable(tallies, KERNEL_COLUMN, rounds, call, false, "call"),
  ].join("\n");
}

// ---- main -------------------------------------------------------------------

const startLoad = fixed(loadavg()[0], 2);
const x = syntheticImages(Math.max(PLAN.ours.train, PLAN.ours.infer), 12345);

const { result: ours, model } = await benchOurs(x);
const inference = withProfile ? await profileInference(model, x) : "";
model.dispose();
const training = withProfile ? await profileTraining(x) : "";

const binary = withPeers ? await startTfjsWasm() : "nothing (--no-peers)";
const wasm = withPeers ? await benchTfjsWasm(x) : null;
const results: Result[] = wasm ? [ours, wasm.result] : [ours];
if (withCpu) {
  await tf.setBackend("cpu");
  results.push(await benchTfjsCpu(x));
}

const both = (o: Rate | null, p: Rate | null) => (o && p ? `${ratio(o.wall, p.wall)} (${ratio(o.cpu, p.cpu)})` : "–");
const rows = results.map((r) => [
  r.backend,
  r.train ? fixed(r.train.wall, 0) : "–",
  r.train ? fixed(r.train.cpu, 0) : "–",
  fixed(r.infer.wall, 0),
  fixed(r.infer.cpu, 0),
  r === ours ? "–" : both(ours.train, r.train),
  r === ours ? "–" : both(ours.infer, r.infer),
  r.note,
]);

console.log(`# Conv autoencoder 28×28×1 → conv3×3/2 32 → conv3×3/2 64 → convT3×3/2 32 → convT3×3/2 1, ReLU, sigmoid output, BCE, Adam 1e-3, batch ${BATCH}`);
console.log(`${environmentLine()}, ${cpus()[0]?.model ?? "unknown CPU"} (${cpus().length} cores); single thread; load average at start ${startLoad}, at end ${fixed(loadavg()[0], 2)}`);
console.log(`tfjs ${tf.version.tfjs}, wasm backend ${tfjsWasmVersion}: ran ${binary}`);
console.log(
  `data: synthetic, seeded (mixes of 16 stroke prototypes + noise, in [0, 1]), ${SIDE}×${SIDE}×1. ` +
    `Training: median wall time of an epoch (onEpochBegin → onEpochEnd, performance.now()) after one warm-up epoch; fit with shuffle. ` +
    `Inference: tinybench median of reconstruct / predict+dataSync (Float32Array in and out) at batch ${INFER_BATCH}.\n`,
);
console.log(markdownTable(["backend", "train /s", "train /CPU-s", "infer /s", "infer /CPU-s", "train ours/peer (CPU)", "infer ours/peer (CPU)", "runs"], rows));
console.log(`/s: samples per second of wall time, median; /CPU-s: per second of this process's CPU time, median (robust to a shared machine).`);
if (wasm) console.log(`tfjs-wasm training: ${wasm.trainError}`);
const gflops = (r: number, flops: number) => fixed((r * flops) / 1e9);
console.log(
  `\nours: training ${gflops(ours.train!.wall, TRAIN_FLOPS)} GFLOP/s (${gflops(ours.train!.cpu, TRAIN_FLOPS)} per CPU-s), ` +
    `${TRAIN_FLOPS} FLOP/sample (forward + filter gradients + input gradients but the first layer's); ` +
    `inference ${gflops(ours.infer.wall, FORWARD_FLOPS)} GFLOP/s (${gflops(ours.infer.cpu, FORWARD_FLOPS)} per CPU-s), ${FORWARD_FLOPS} FLOP/sample.`,
);
console.log(`targets: ≥ 2500 training samples/s, ≥ 5000 inference samples/s.`);
for (const section of [training, inference]) if (section) console.log(`\n${section}`);
