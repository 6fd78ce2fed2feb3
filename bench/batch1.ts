// Batch-1 latency: one 784-feature row through the dense autoencoder
// 784-512-128-32-128-512-784 (ReLU, linear code, sigmoid out; 3.8 MB of f32
// weights), ours (reconstruct) against onnxruntime-node and onnxruntime-web
// (the same weights, through our toOnnx) and PyTorch CPU (Debian's
// python3-torch, its own initial weights: latency does not depend on them).
// Median ms per call, tinybench, rounds alternating between the JS peers;
// PyTorch runs in its own process right after, timed by perf_counter_ns.
// onnxruntime-web on 2 threads starts its own worker pool once per process,
// and a realm runs one numerics profile and thread count of ours, so those
// run in child processes of this bench (--peer=ort-web-2, --peer=ours:fma:1).
// Run: npx tsx bench/batch1.ts [--quick]
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import * as ortNode from "onnxruntime-node";
import * as ortWeb from "onnxruntime-web";
import { Autoencoder, engineInfo, init, layers, threadsReady, type AutoencoderConfig } from "../src/index.js";
import { toOnnx } from "../src/interop/index.js";
import { environmentLine, fixed, markdownTable, medianTimes, type TimingOptions } from "./report.js";

const FEATURES = 784;
const WIDTHS = [FEATURES, 512, 128, 32, 128, 512, FEATURES];
const PYTHON = "/usr/bin/python3";
const quick = process.argv.includes("--quick");
const peer = process.argv.find((a) => a.startsWith("--peer="))?.slice("--peer=".length);
const timing: TimingOptions = quick ? { time: 1500, warmupTime: 300, iterations: 200, rounds: 3 } : { time: 6000, warmupTime: 1000, iterations: 1000, rounds: 5 };

const CONFIG: AutoencoderConfig = {
  input: [FEATURES],
  encoder: [layers.dense(512, "relu"), layers.dense(128, "relu"), layers.dense(32)],
  decoder: [layers.dense(128, "relu"), layers.dense(512, "relu"), layers.dense(FEATURES, "sigmoid")],
  loss: "mse",
  optimizer: { name: "adam", learningRate: 1e-3 },
  seed: 7,
};

const MACS = WIDTHS.slice(1).reduce((sum, out, i) => sum + WIDTHS[i]! * out, 0);
const WEIGHT_BYTES = 4 * MACS;
const row = Float32Array.from({ length: FEATURES }, (_, i) => ((i * 37) % 101) / 101);

async function ortWebSession(bytes: Uint8Array, threads: number): Promise<() => Promise<unknown>> {
  ortWeb.env.wasm.numThreads = threads;
  const session = await ortWeb.InferenceSession.create(bytes, { executionProviders: ["wasm"] });
  return () => session.run({ input: new ortWeb.Tensor("float32", row, [1, FEATURES]) });
}

async function ortNodeSession(bytes: Uint8Array, threads: number): Promise<() => Promise<unknown>> {
  const session = await ortNode.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: "sequential" });
  return () => session.run({ input: new ortNode.Tensor("float32", row, [1, FEATURES]) });
}

/** The largest |difference| between our reconstruction of `row` and a peer's. */
async function maxDiff(ours: Float32Array, run: () => Promise<unknown>): Promise<number> {
  const out = (await run()) as Record<string, { data: Float32Array }>;
  const theirs = out.reconstruction!.data;
  let m = 0;
  for (let i = 0; i < ours.length; i++) m = Math.max(m, Math.abs(ours[i]! - theirs[i]!));
  return m;
}

// Child process: one configuration alone, one JSON line out.
if (peer === "ort-web-2") {
  await init({ threads: 1 });
  const model = await Autoencoder.create(CONFIG);
  const run = await ortWebSession(toOnnx(model), 2);
  console.log(JSON.stringify(await medianTimes({ [peer]: run }, timing)));
  process.exit(0);
}
if (peer?.startsWith("ours:")) {
  const [, numerics, threads] = peer.split(":") as [string, "exact" | "fma", string];
  await init({ numerics, threads: Number(threads) });
  await threadsReady();
  const model = await Autoencoder.create(CONFIG);
  const input = { data: row, shape: [1, FEATURES] };
  const times = await medianTimes({ [peer]: () => model.reconstruct(input) }, timing);
  console.log(JSON.stringify({ ...times, threads: engineInfo().threads }));
  process.exit(0);
}

/** A child process's median for `name`, or its last stderr line. */
function inChild(name: string): number | string {
  const r = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), `--peer=${name}`, ...(quick ? ["--quick"] : [])], { encoding: "utf8" });
  if (r.status !== 0) return `child failed: ${(r.stderr || "").trim().split("\n").pop()}`;
  return (JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, number>)[name]!;
}

const PYTORCH_SCRIPT = `
import json, sys, time, torch
torch.set_num_threads(int(sys.argv[1])); torch.manual_seed(0)
w = [${WIDTHS.join(", ")}]
mods = []
for i in range(6):
    mods.append(torch.nn.Linear(w[i], w[i + 1]))
    mods.append(torch.nn.Sigmoid() if i == 5 else torch.nn.Identity() if i == 2 else torch.nn.ReLU())
net = torch.nn.Sequential(*mods).eval()
x = torch.rand(1, w[0])
rounds, calls, warm = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
times = []
with torch.inference_mode():
    for _ in range(warm): net(x)
    for _ in range(rounds * calls):
        t0 = time.perf_counter_ns(); net(x); times.append(time.perf_counter_ns() - t0)
times.sort()
print(json.dumps({"median_ms": times[len(times) // 2] / 1e6, "version": torch.__version__}))
`;

function pytorch(threads: number): { ms: number; version: string } | string {
  if (!existsSync(PYTHON)) return `${PYTHON} is missing`;
  const calls = quick ? 500 : 2000;
  const run = spawnSync(PYTHON, ["-c", PYTORCH_SCRIPT, String(threads), "5", String(calls), "500"], {
    encoding: "utf8",
    env: { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: "1", OPENBLAS_CORETYPE: "", OPENBLAS_L2_SIZE: "" },
  });
  if (run.status !== 0) return `PyTorch did not run (${(run.stderr || run.error?.message || "").trim().split("\n").pop()})`;
  const out = JSON.parse(run.stdout.trim().split("\n").pop()!) as { median_ms: number; version: string };
  return { ms: out.median_ms, version: out.version };
}

const startLoad = fixed(loadavg()[0], 2);
await init({ threads: 1 });
const model = await Autoencoder.create(CONFIG);
const bytes = toOnnx(model);
const input = { data: row, shape: [1, FEATURES] };
const ours = () => model.reconstruct(input);
const web1 = await ortWebSession(bytes, 1);
const node1 = await ortNodeSession(bytes, 1);
const node2 = await ortNodeSession(bytes, 2);
const reference = ours().data;
const agreement = `max |ours − onnxruntime-web| ${(await maxDiff(reference, web1)).toExponential(1)}, max |ours − onnxruntime-node| ${(await maxDiff(reference, node1)).toExponential(1)}`;

const times = await medianTimes({ ours, "ort-web-1": web1, "ort-node-1": node1, "ort-node-2": node2 }, timing);

const children = Object.fromEntries(["ours:exact:2", "ours:fma:1", "ours:fma:2", "ort-web-2"].map((name) => [name, inChild(name)]));
const childRow = (label: string, name: string) => {
  const r = children[name]!;
  return typeof r === "string" ? line(label, undefined, r) : line(label, r, "child process");
};
const torch1 = pytorch(1);
const torch2 = pytorch(2);

const line = (name: string, ms: number | undefined, note = "") => [
  name,
  fixed(ms, 4),
  ms === undefined ? "–" : `${fixed(ms / times.ours, 2)}×`,
  ms === undefined ? "–" : fixed((2 * MACS) / ms / 1e6, 1),
  ms === undefined ? "–" : fixed(WEIGHT_BYTES / ms / 1e6, 1),
  note,
];
const torchRow = (threads: number, r: ReturnType<typeof pytorch>) =>
  typeof r === "string" ? line(`PyTorch CPU, ${threads} thread${threads > 1 ? "s" : ""}`, undefined, `SKIPPED: ${r}`) : line(`PyTorch ${r.version} CPU, ${threads} thread${threads > 1 ? "s" : ""}`, r.ms, "own process, perf_counter_ns");

console.log(`# Batch-1 latency, dense autoencoder ${WIDTHS.join("-")} (${(WEIGHT_BYTES / 1e6).toFixed(2)} MB of weights, ${2 * MACS} FLOP per row)`);
console.log(`${environmentLine()}, ${cpus()[0]?.model ?? "unknown CPU"} (${cpus().length} cores); load average at start ${startLoad}, at end ${fixed(loadavg()[0], 2)}`);
console.log(`onnxruntime-node ${ortNode.env.versions.node ?? "?"}, onnxruntime-web ${ortWeb.env.versions.web ?? "?"}; ${agreement}`);
console.log(`tinybench medians over ${timing.rounds} alternating rounds; ours: reconstruct (Float32Array in and out); peers: session.run (await)\n`);
console.log(
  markdownTable(["library", "median ms", "× ours", "GFLOP/s", "weights GB/s", "note"], [
    line("ours (wasm SIMD), 1 thread", times.ours),
    line("onnxruntime-web, 1 thread", times["ort-web-1"]),
    childRow("ours, 2 threads", "ours:exact:2"),
    childRow('ours, numerics "fma", 1 thread', "ours:fma:1"),
    childRow('ours, numerics "fma", 2 threads', "ours:fma:2"),
    childRow("onnxruntime-web, 2 threads", "ort-web-2"),
    line("onnxruntime-node, 1 thread", times["ort-node-1"]),
    line("onnxruntime-node, 2 threads", times["ort-node-2"]),
    torchRow(1, torch1),
    torchRow(2, torch2),
  ]),
);
if (typeof torch1 === "string") console.log(`\n!!! PyTorch SKIPPED: ${torch1}. Install Debian's python3-torch (apt-get install -y python3-torch) to compare. !!!`);
console.log(`\ntarget (issue 11, point 3): ours ≤ onnxruntime-web on 1 thread.`);
