// This machine's single-thread ceiling for WebAssembly SIMD f32 mul + add (the
// separate f32x4.mul and f32x4.add our gemm and conv kernels use; no FMA, no
// relaxed SIMD): loops over registers only with 8, 12, 16 and 24 independent
// f32x4 accumulators, for mul + add (acc = acc·x + y: see bench/peak/kernels.ts
// for why not acc += x·y), add alone and mul alone; and, for context,
// the 4×8 gemm tile's inner loop over L1-resident panels (k = 256). The probes
// (bench/peak/kernels.ts) are compiled here with asc into memory, so the
// library's build is untouched. GFLOP/s is the median over interleaved rounds
// of one ~100 ms call per probe.
// Run: npx tsx bench/peak.ts [--rounds N] [--cpu-time]   (default 9 rounds)
import { resolve } from "node:path";
import asc from "assemblyscript/asc";
import { cpuTimeMs, environmentLine, fixed, gigaPerSecond, markdownTable, median } from "./report.js";

const CONFIG = resolve(import.meta.dirname, "peak/asconfig.json");
const args = process.argv.slice(2);
const roundsFlag = args.indexOf("--rounds");
const ROUNDS = roundsFlag >= 0 ? Number(args[roundsFlag + 1]) : 9;
const now = args.includes("--cpu-time") ? cpuTimeMs : () => performance.now();
const TARGET_MS = 100;
const ACCUMULATORS = [8, 12, 16, 24];
const KC = 256;

interface Exports {
  memory: WebAssembly.Memory;
  operands_pointer(): number;
  panel_a_pointer(): number;
  panel_b_pointer(): number;
  f32_tile_4x8(kc: number, repeats: number): number;
  [probe: `f32x4_${string}`]: (operands: number, iterations: number) => number;
}

/** Compiles bench/peak/kernels.ts with its own asconfig, capturing the binary instead of writing it. */
async function compile(): Promise<Exports> {
  let binary: Uint8Array | undefined;
  const { error } = await asc.main(["--config", CONFIG], {
    stderr: process.stderr,
    writeFile: (name, contents) => {
      if (name.endsWith(".wasm") && typeof contents !== "string") binary = contents;
    },
  });
  if (error || !binary) throw new Error(`asc failed on bench/peak/kernels.ts: ${error?.message ?? "no binary"}`);
  const instance = await WebAssembly.instantiate(await WebAssembly.compile(new Uint8Array(binary)), {
    env: { abort: () => { throw new Error("abort in bench/peak/kernels.ts"); } },
  });
  return instance.exports as unknown as Exports;
}

const wasm = await compile();

// x, y, one: x = 0.5 and y = 1 draw acc·x + y to 2, and one = 1 keeps the
// products exact: no denormals, no infinities.
const operands = wasm.operands_pointer();
new Float32Array(wasm.memory.buffer, operands, 12).set([0.5, 0.5, 0.5, 0.5, 1, 1, 1, 1, 1, 1, 1, 1]);

/** Deterministic panel values in [-1, 1) (an LCG; benches need no quality randomness). */
function fillPanel(pointer: number, count: number, seed: number): void {
  const view = new Float32Array(wasm.memory.buffer, pointer, count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    view[i] = s / 2 ** 31 - 1;
  }
}
fillPanel(wasm.panel_a_pointer(), KC * 4, 1);
fillPanel(wasm.panel_b_pointer(), KC * 8, 2);

interface Probe {
  kernel: string;
  accumulators: number;
  /** FLOPs per unit of `count` (one loop step, or one pass over the panels). */
  flops: number;
  run: (count: number) => number;
  /** Loop steps or passes per timed call, set by calibration. */
  count: number;
}

const probe = (kernel: string, name: string, n: number, opsPerAccumulator: number): Probe => {
  const fn = wasm[`f32x4_${name}_${n}`];
  if (!fn) throw new Error(`bench/peak/kernels.ts exports no f32x4_${name}_${n}`);
  return { kernel, accumulators: n, flops: 4 * opsPerAccumulator * n, run: (count) => fn(operands, count), count: 1 };
};

const probes: Probe[] = [
  ...ACCUMULATORS.map((n) => probe("mul+add, registers only", "mul_add", n, 2)),
  ...ACCUMULATORS.map((n) => probe("add only, registers only", "add", n, 1)),
  ...ACCUMULATORS.map((n) => probe("mul only, registers only", "mul", n, 1)),
  {
    kernel: `4×8 gemm tile, k = ${KC}, panels in L1`,
    accumulators: 8,
    flops: 2 * 4 * 8 * KC,
    run: (count) => wasm.f32_tile_4x8(KC, count),
    count: 1,
  },
];

let sink = 0;
/** Time of one call in ms. */
function timeOnce(p: Probe, count: number): number {
  const start = now();
  sink += p.run(count);
  return now() - start;
}

// Warm-up: V8 starts every wasm function in Liftoff and swaps in TurboFan code
// on a later call once the function has run enough, so call each probe until
// its time per step stops falling; then size its calls to about TARGET_MS.
for (const p of probes) {
  let count = Math.max(1, Math.round(2e6 / p.flops));
  let best = Infinity;
  for (let call = 0, stale = 0; call < 200 && stale < 5; call++) {
    const perStep = timeOnce(p, count) / count;
    if (perStep < best * 0.98) {
      best = perStep;
      stale = 0;
    } else stale++;
    if (perStep * count < 5) count *= 2;
  }
  p.count = Math.max(1, Math.round(TARGET_MS / best));
}

const rates = probes.map(() => [] as number[]);
for (let round = 0; round < ROUNDS; round++) {
  probes.forEach((p, i) => rates[i]!.push(gigaPerSecond(p.flops * p.count, timeOnce(p, p.count))));
}
const medians = rates.map((r) => median(r));

console.log(`\n## f32x4 mul + add peak, one thread (median of ${ROUNDS} rounds${now === cpuTimeMs ? ", CPU time" : ""})\n`);
console.log(environmentLine());
console.log();
console.log(
  markdownTable(
    ["kernel", "accumulators", "GFLOP/s"],
    probes.map((p, i) => [p.kernel, String(p.accumulators), fixed(medians[i])]),
  ),
);
// Every probe but add only and mul only does one mul per add, so the best of
// them is the ceiling measured (the tile is a mul + add loop too, and a
// lower bound on the ceiling like the others).
const best = probes
  .map((p, i) => ({ p, rate: medians[i]! }))
  .filter(({ p }) => !p.kernel.startsWith("add only") && !p.kernel.startsWith("mul only"))
  .reduce((x, y) => (y.rate > x.rate ? y : x));
console.log(
  `\nMeasured f32x4 mul + add ceiling on this machine: ${fixed(best.rate)} GFLOP/s, one thread ` +
    `(${best.p.kernel}, ${best.p.accumulators} accumulators).`,
);
if (!Number.isFinite(sink)) console.log("(non-finite checksum)");
