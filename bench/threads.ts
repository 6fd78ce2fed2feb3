// Thread scaling of our engine: the dense autoencoder of
// bench/dense-autoencoder.ts (784-512-128-32-128-512-784, batch 128) and the
// conv autoencoder of bench/conv-autoencoder.ts (28×28, conv 32/64 stride 2,
// convT 32/1, batch 64): training and batch-256 inference samples/s on 1 and
// 2 threads (more with --threads 1,2,4), each count in its own process
// (the engine starts its threads once per process), the counts alternating
// over --rounds rounds so load drifts hit each alike; medians. Also the cost
// of one dispatch that does no work (wake the workers, join them), which
// sets the split threshold in src/ops/parallel.ts. GFLOP/s are of the
// products alone, against one core's measured mul + add limit (--peak,
// default 38 GFLOP/s: give what bench/peak.ts measures on the machine at
// hand) times the threads.
// Run: npx tsx bench/threads.ts [--threads 1,2] [--rounds 3] [--quick] [--peak GFLOPS]
import { spawnSync } from "node:child_process";
import { Autoencoder, engineInfo, init, layers, threadsReady, type AutoencoderConfig } from "../src/index.js";
import { getEngine } from "../src/wasm/module.js";
import { lcg } from "./data.js";
import { environmentLine, fixed, markdownTable, median } from "./report.js";

const argValue = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
/** One core's f32x4 mul + add throughput (bench/peak.ts): 37–39 GFLOP/s on the issues' Sapphire Rapids class, 40–42 measured on the 2-vCPU Xeon of BENCHMARKS.md. */
const CORE_GFLOPS = Number(argValue("--peak", "38"));
const quick = process.argv.includes("--quick");

const DENSE_WIDTHS = [784, 512, 128, 32, 128, 512, 784];
const DENSE_MACS = DENSE_WIDTHS.slice(1).map((out, i) => DENSE_WIDTHS[i]! * out);
const DENSE_FORWARD = 2 * DENSE_MACS.reduce((a, b) => a + b, 0);
const DENSE_TRAIN = 3 * DENSE_FORWARD - 2 * DENSE_MACS[0]!;
const CONV_LAYERS: [number, number, number, boolean][] = [[28, 1, 32, false], [14, 32, 64, false], [7, 64, 32, true], [14, 32, 1, true]];
const CONV_MACS = CONV_LAYERS.map(([side, c, f, t]) => (t ? side * side : (side / 2) ** 2) * 9 * c * f);
const CONV_FORWARD = 2 * CONV_MACS.reduce((a, b) => a + b, 0);
const CONV_TRAIN = 3 * CONV_FORWARD - 2 * CONV_MACS[0]!;

const conv = (filters: number, activation: "relu" | "sigmoid") => ({ filters, kernelSize: 3, strides: 2, padding: "same" as const, activation });
const MODELS: Record<string, { config: AutoencoderConfig; features: number[]; batch: number; train: number; trainFlops: number; forwardFlops: number }> = {
  dense: {
    config: {
      input: [784],
      encoder: [layers.dense(512, "relu"), layers.dense(128, "relu"), layers.dense(32)],
      decoder: [layers.dense(128, "relu"), layers.dense(512, "relu"), layers.dense(784, "sigmoid")],
      loss: "mse", optimizer: { name: "adam", learningRate: 1e-3 }, seed: 7,
    },
    features: [784], batch: 128, train: quick ? 1024 : 2048, trainFlops: DENSE_TRAIN, forwardFlops: DENSE_FORWARD,
  },
  conv: {
    config: {
      input: [28, 28, 1],
      encoder: [layers.conv2d(conv(32, "relu")), layers.conv2d(conv(64, "relu"))],
      decoder: [layers.conv2dTranspose(conv(32, "relu")), layers.conv2dTranspose(conv(1, "sigmoid"))],
      loss: "bce", optimizer: { name: "adam", learningRate: 1e-3 }, seed: 7,
    },
    features: [28, 28, 1], batch: 64, train: quick ? 512 : 1024, trainFlops: CONV_TRAIN, forwardFlops: CONV_FORWARD,
  },
};

interface ChildResult {
  threads: number;
  dispatchUs: number;
  roundTripUs: number;
  models: Record<string, { train: number; infer: number }>;
}

/** Samples in [0, 1] from an LCG: timing needs no structure in the data. */
function data(rows: number, features: number[], seed: number) {
  const next = lcg(seed);
  const size = features.reduce((a, b) => a * b, 1);
  return { data: Float32Array.from({ length: rows * size }, () => next()), shape: [rows, ...features] };
}

async function child(threads: number): Promise<ChildResult> {
  await init({ threads });
  await threadsReady();
  if (engineInfo().threads !== threads) throw new Error(`asked for ${threads} threads, the engine runs ${JSON.stringify(engineInfo())}`);
  const pool = getEngine().pool;
  // Dispatches of empty tasks: the fixed cost of a split. With the caller taking part it often runs them all
  // before a worker wakes (the cost when workers are slow to come); with the workers alone taking them, the
  // round trip of waking them and joining them.
  const dispatch: number[] = [];
  const roundTrip: number[] = [];
  if (pool) {
    const tasks = Array.from({ length: threads }, () => [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
    for (const [times, callerTakesPart] of [[dispatch, true], [roundTrip, false]] as const) {
      pool.callerTakesPart = callerTakesPart;
      for (let round = 0; round < 50; round++) {
        const t0 = performance.now();
        for (let i = 0; i < 20; i++) pool.run("f32_adam_step", tasks);
        times.push(((performance.now() - t0) / 20) * 1000);
      }
    }
    pool.callerTakesPart = true;
  }
  const models: ChildResult["models"] = {};
  for (const [name, m] of Object.entries(MODELS)) {
    const model = await Autoencoder.create(m.config);
    const x = data(m.train, m.features, 1);
    const epochs: number[] = [];
    for (let e = 0; e < (quick ? 3 : 5); e++) {
      const t0 = performance.now();
      await model.fit(x, { epochs: 1, batchSize: m.batch });
      epochs.push((m.train / (performance.now() - t0)) * 1000);
    }
    const probe = data(256, m.features, 2);
    const infer: number[] = [];
    model.reconstruct(probe);
    for (let i = 0; i < (quick ? 10 : 30); i++) {
      const t0 = performance.now();
      model.reconstruct(probe);
      infer.push((256 / (performance.now() - t0)) * 1000);
    }
    model.dispose();
    models[name] = { train: median(epochs.slice(1)), infer: median(infer) };
  }
  return { threads, dispatchUs: pool ? median(dispatch) : 0, roundTripUs: pool ? median(roundTrip) : 0, models };
}

if (process.argv.includes("--child")) {
  console.log(JSON.stringify(await child(Number(argValue("--child", "1")))));
} else {
  const counts = argValue("--threads", "1,2").split(",").map(Number);
  const rounds = Number(argValue("--rounds", quick ? "1" : "3"));
  const runs = new Map<number, ChildResult[]>(counts.map((t) => [t, []]));
  for (let r = 0; r < rounds; r++) {
    for (const t of counts) {
      const out = spawnSync(process.execPath, ["--import", "tsx", "bench/threads.ts", "--child", String(t), ...(quick ? ["--quick"] : [])], { encoding: "utf8" });
      if (out.status !== 0) throw new Error(`child with ${t} threads failed: ${out.stderr}`);
      runs.get(t)!.push(JSON.parse(out.stdout.trim().split("\n").at(-1)!) as ChildResult);
    }
  }
  console.log(`# Thread scaling (medians of ${rounds} processes per count)\n\n${environmentLine()}\n`);
  const rows: string[][] = [];
  const base = new Map<string, number>();
  for (const t of counts) {
    const results = runs.get(t)!;
    for (const name of Object.keys(MODELS)) {
      const m = MODELS[name]!;
      for (const kind of ["train", "infer"] as const) {
        const rate = median(results.map((r) => r.models[name]![kind]));
        const key = `${name}-${kind}`;
        if (t === counts[0]) base.set(key, rate);
        const gflops = (rate * (kind === "train" ? m.trainFlops : m.forwardFlops)) / 1e9;
        rows.push([`${name} ${kind === "train" ? `training (batch ${m.batch})` : "inference (batch 256)"}`, String(t), fixed(rate, 0),
          `${fixed(rate / base.get(key)!, 2)}×`, fixed(gflops, 1), `${fixed((100 * gflops) / (CORE_GFLOPS * t), 0)}%`]);
      }
    }
  }
  rows.sort((a, b) => a[0]!.localeCompare(b[0]!) || Number(a[1]) - Number(b[1]));
  console.log(markdownTable(["workload", "threads", "samples/s", "vs first count", "GFLOP/s", `of ${CORE_GFLOPS} × threads`], rows));
  for (const t of counts.filter((c) => c > 1)) {
    const us = (key: "dispatchUs" | "roundTripUs") => fixed(median(runs.get(t)!.map((r) => r[key])), 1);
    console.log(`\nan empty dispatch on ${t} threads: ${us("dispatchUs")} µs with the caller taking part, ${us("roundTripUs")} µs for the workers' wake-up and join (medians)`);
  }
  console.log("\nThe machine is shared and loaded while this runs: figures are noisy; compare ratios within one run.");
}
