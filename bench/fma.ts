// The FMA profile: dense autoencoder 784-512-128-32-128-512-784 training
// (ReLU, sigmoid out, MSE, Adam 1e-3, batch 128), init({ numerics: "exact" })
// against init({ numerics: "fma" }), on 1 and 2 threads, beside PyTorch CPU
// (Debian's python3-torch, 1 and 2 threads) in the same run. A realm runs one
// profile, so each configuration is a child process of this bench; the
// children run in interleaved rounds so bursts of load on a shared machine
// hit every configuration alike, and each figure is the median over rounds of
// a child's median epoch. GFLOP/s against the one-core peak measured on this
// machine class (../shared/TOOLCHAIN.md: mul + add 37–39, relaxed_madd 52–55
// on the Sapphire Rapids class; 50 and 61 on Zen 5: pass --peaks=50,61).
// Run: npx tsx bench/fma.ts [--quick] [--peaks=MULADD,FMA]
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { Autoencoder, engineInfo, init, layers, threadsReady, type AutoencoderConfig } from "../src/index.js";
import { lcg, prototypeMixes } from "./data.js";
import { environmentLine, fixed, markdownTable, median } from "./report.js";

const FEATURES = 784;
const WIDTHS = [FEATURES, 512, 128, 32, 128, 512, FEATURES];
const BATCH = 128;
const PYTHON = "/usr/bin/python3";
const quick = process.argv.includes("--quick");
const child = process.argv.find((a) => a.startsWith("--child="))?.slice("--child=".length);
const SAMPLES = 4096;
const EPOCHS = quick ? 2 : 4;
const ROUNDS = quick ? 2 : 3;
/** One core's f32x4 GFLOP/s: separate mul + add, and relaxed_madd. */
const [PEAK_MULADD, PEAK_FMA] = (process.argv.find((a) => a.startsWith("--peaks="))?.slice("--peaks=".length) ?? "38,53.5").split(",").map(Number) as [number, number];

// FLOPs per sample (as bench/dense-autoencoder.ts): forward 2·Σ in·out, dW for every layer, dX for all but the first.
const MACS = WIDTHS.slice(1).map((out, i) => WIDTHS[i]! * out);
const FORWARD_FLOPS = 2 * MACS.reduce((a, b) => a + b, 0);
const TRAIN_FLOPS = 3 * FORWARD_FLOPS - 2 * MACS[0]!;

const CONFIG: AutoencoderConfig = {
  input: [FEATURES],
  encoder: [layers.dense(512, "relu"), layers.dense(128, "relu"), layers.dense(32)],
  decoder: [layers.dense(128, "relu"), layers.dense(512, "relu"), layers.dense(FEATURES, "sigmoid")],
  loss: "mse",
  optimizer: { name: "adam", learningRate: 1e-3 },
  seed: 7,
};

function images(rows: number): Float32Array {
  const next = lcg(12345);
  const prototypes = Array.from({ length: 16 }, () => Float32Array.from({ length: FEATURES }, () => next()));
  return prototypeMixes(rows, prototypes, 0.1, next);
}

/** One configuration in this process: the median epoch of a fit (after a warm-up epoch), as samples/s. */
async function runChild(spec: string): Promise<void> {
  const [numerics, threads] = spec.split(":") as ["exact" | "fma", string];
  await init({ numerics, threads: Number(threads) });
  await threadsReady();
  const model = await Autoencoder.create(CONFIG);
  const times: number[] = [];
  const cpu: number[] = [];
  let begin = 0;
  let cpuBegin = process.cpuUsage();
  await model.fit({ data: images(SAMPLES), shape: [SAMPLES, FEATURES] }, {
    epochs: 1 + EPOCHS,
    batchSize: BATCH,
    shuffle: true,
    onEpochBegin: () => {
      begin = performance.now();
      cpuBegin = process.cpuUsage();
    },
    onEpochEnd: () => {
      times.push(performance.now() - begin);
      const used = process.cpuUsage(cpuBegin);
      cpu.push((used.user + used.system) / 1000);
    },
  });
  const info = engineInfo();
  const rate = (ms: number[]) => (SAMPLES / median(ms.slice(1))) * 1000;
  console.log(JSON.stringify({ rate: rate(times), cpuRate: rate(cpu), threads: info.threads, reason: info.reason }));
}

const PYTORCH_SCRIPT = `
import json, sys, time, torch
threads, samples, epochs = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads); torch.manual_seed(0)
w = [${WIDTHS.join(", ")}]
mods = []
for i in range(6):
    mods.append(torch.nn.Linear(w[i], w[i + 1]))
    mods.append(torch.nn.Sigmoid() if i == 5 else torch.nn.Identity() if i == 2 else torch.nn.ReLU())
net = torch.nn.Sequential(*mods)
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
x = torch.rand(samples, w[0])
times, cpu = [], []
for epoch in range(1 + epochs):
    t0, c0 = time.perf_counter(), time.process_time()
    for i in torch.randperm(samples).split(${BATCH}):
        xb = x[i]
        opt.zero_grad(); loss = torch.nn.functional.mse_loss(net(xb), xb); loss.backward(); opt.step()
    times.append(time.perf_counter() - t0); cpu.append(time.process_time() - c0)
med = lambda v: sorted(v[1:])[len(v[1:]) // 2]
print(json.dumps({"rate": samples / med(times), "cpuRate": samples / med(cpu), "version": torch.__version__}))
`;

interface Figure {
  rate: number;
  /** Samples per second of the process's CPU time (all its threads). */
  cpuRate: number;
  threads?: number;
  reason?: string | null;
  version?: string;
}

function runOnce(name: string): Figure | string {
  if (name.startsWith("torch:")) {
    if (!existsSync(PYTHON)) return `${PYTHON} is missing`;
    const threads = name.slice("torch:".length);
    const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: threads, OPENBLAS_NUM_THREADS: "1" };
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    const r = spawnSync(PYTHON, ["-c", PYTORCH_SCRIPT, threads, String(SAMPLES), String(EPOCHS)], { encoding: "utf8", env });
    if (r.status !== 0) return `PyTorch did not run (${(r.stderr || r.error?.message || "").trim().split("\n").pop()})`;
    return JSON.parse(r.stdout.trim().split("\n").pop()!) as Figure;
  }
  const r = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), `--child=${name}`, ...(quick ? ["--quick"] : [])], { encoding: "utf8" });
  if (r.status !== 0) return `failed: ${(r.stderr || "").trim().split("\n").pop()}`;
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Figure;
}

if (child) {
  await runChild(child);
} else {
  const names = ["exact:1", "fma:1", "exact:2", "fma:2", "torch:1", "torch:2"];
  const startLoad = fixed(loadavg()[0], 2);
  const runs = new Map<string, Figure[]>(names.map((n) => [n, []]));
  const failures = new Map<string, string>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of names) {
      if (failures.has(name)) continue;
      const r = runOnce(name);
      if (typeof r === "string") failures.set(name, r);
      else runs.get(name)!.push(r);
    }
  }
  const rate = (name: string) => (runs.get(name)!.length ? median(runs.get(name)!.map((r) => r.rate)) : undefined);
  const cpuRate = (name: string) => (runs.get(name)!.length ? median(runs.get(name)!.map((r) => r.cpuRate)) : undefined);
  const gflops = (name: string) => ((rate(name) ?? NaN) * TRAIN_FLOPS) / 1e9;
  const cpuGflops = (name: string) => ((cpuRate(name) ?? NaN) * TRAIN_FLOPS) / 1e9;
  const torch2 = rate("torch:2");
  const label = (name: string) => {
    const [kind, threads] = name.split(":");
    const t = `${threads} thread${threads === "1" ? "" : "s"}`;
    if (kind === "torch") return `PyTorch ${runs.get(name)![0]?.version ?? ""} CPU, ${t}`;
    const ran = runs.get(name)![0];
    return `ours, numerics "${kind}", ${t}${ran && ran.threads !== Number(threads) ? ` (ran ${ran.threads}: ${ran.reason})` : ""}`;
  };
  const rows = names.map((name) => {
    const threads = Number(name.split(":")[1]);
    const fma = name.startsWith("fma");
    const peak = fma ? PEAK_FMA : PEAK_MULADD;
    return [
      label(name),
      fixed(rate(name), 0),
      fixed(cpuRate(name), 0),
      fixed(gflops(name), 1),
      fixed(cpuGflops(name), 1),
      name.startsWith("torch") ? "–" : `${fixed((100 * gflops(name)) / (peak * threads), 0)}% (${fixed((100 * cpuGflops(name)) / peak, 0)}%) of ${threads} × ${peak}`,
      torch2 === undefined ? "–" : `${fixed((rate(name) ?? NaN) / torch2, 2)}×`,
      failures.get(name) ? `SKIPPED: ${failures.get(name)}` : `${runs.get(name)!.length} rounds`,
    ];
  });
  console.log(`# Dense autoencoder ${WIDTHS.join("-")} training, batch ${BATCH}: numerics "exact" and "fma"`);
  console.log(`${environmentLine()}, ${cpus()[0]?.model ?? "unknown CPU"} (${cpus().length} cores); load average at start ${startLoad}, at end ${fixed(loadavg()[0], 2)}`);
  console.log(`${SAMPLES} samples/epoch, median of ${EPOCHS} epochs after a warm-up, median over ${ROUNDS} interleaved rounds of fresh processes; ${TRAIN_FLOPS} FLOP/sample\n`);
  console.log(markdownTable(["configuration", "samples/s", "per CPU-s", "GFLOP/s", "per CPU-s", "of the mul+add (FMA) peak (per CPU-s: of one core's)", "× PyTorch 2 threads", "note"], rows));
  const exact1 = rate("exact:1");
  const fma1 = rate("fma:1");
  console.log(`\nfma / exact: ${fixed((fma1 ?? NaN) / (exact1 ?? NaN), 2)}× on 1 thread, ${fixed((rate("fma:2") ?? NaN) / (rate("exact:2") ?? NaN), 2)}× on 2.`);
  console.log(`per CPU-s: samples per second of the process's CPU time, all threads (robust to a shared machine; for one thread, a core's rate).`);
  console.log(`peaks used: one core, f32x4 mul + add ${PEAK_MULADD} GFLOP/s, relaxed_madd ${PEAK_FMA} (../shared/TOOLCHAIN.md; --peaks to change).`);
  if (failures.has("torch:1")) console.log(`\n!!! PyTorch SKIPPED: ${failures.get("torch:1")}. Install Debian's python3-torch to compare. !!!`);
}
