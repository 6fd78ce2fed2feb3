// Where an autoencoder's time goes: every kernel of the engine swapped for a
// timed wrapper while a function runs, the times summed by phase and key;
// interleaved epoch and reconstruct timings around them; the tables.
import { Autoencoder, type AutoencoderConfig, type DataInput } from "../src/index.js";
import type { Kernels } from "../src/wasm/kernels.js";
import { getEngine } from "../src/wasm/module.js";
import { epochTimer, fixed, markdownTable } from "./report.js";

export interface Tally {
  /** The kernel, with its shape where `keyOf` gives one. */
  key: string;
  phase: string;
  ms: number;
  calls: number;
  flops: number;
}

/** Tallies by "phase|key". */
export type Tallies = Map<string, Tally>;

/**
 * A fresh follower for one timed run: called before every kernel call with
 * the kernel's name, it returns the phase that call belongs to.
 */
export type Phases = () => (kernel: string) => string;

/**
 * The tally key of a call: the convolution kernels by image n×h×w×c and filter
 * count (with FLOPs, padded taps included), gemm by m×n×k, others by name.
 */
function keyOf(name: string, args: number[]): { key: string; flops: number } {
  // gemm: (c, a, b, bias, m, n, k, accumulate, work)
  if (name.startsWith("f32_gemm_")) return { key: `${name} ${args[4]}×${args[5]}×${args[6]}`, flops: 2 * args[4]! * args[5]! * args[6]! };
  // f32_conv2d_nhwc and _adjoint: (out, in, wm, bias, geometry, accumulate, start, end, ...); _filter_grad:
  // (wm, x, g, geometry, accumulate, start, end, work). The geometry block: n, h, w, c, kh, kw, sh, sw,
  // padTop, padLeft, oh, ow, f (i32).
  if (name.startsWith("f32_conv2d_nhwc") && !name.endsWith("_workspace_bytes")) {
    const at = name.endsWith("_filter_grad") ? 3 : 4;
    const block = getEngine().arena.u32.slice(args[at]! >>> 2, (args[at]! >>> 2) + 13);
    const [n, h, w, c, kh, kw] = block.slice(0, 6) as unknown as [number, number, number, number, number, number];
    const [oh, ow, f] = block.slice(10, 13) as unknown as [number, number, number];
    // The share of the output the call's range holds: channels of c for the adjoint, of f otherwise.
    const axis = name.includes("_adjoint") ? c : f;
    const share = Math.max(0, Math.min(args[at + 3]!, axis) - Math.max(args[at + 2]!, 0)) / axis;
    return { key: `${name} ${n}×${h}×${w}×${c}, f ${f}`, flops: 2 * n * oh * ow * kh * kw * c * f * share };
  }
  return { key: name, flops: 0 };
}

/** Replaces the engine's kernels with timed wrappers while `fn` runs, adding into `tallies`. */
export async function withTimedKernels<T>(tallies: Tallies, phases: Phases, fn: () => T | Promise<T>): Promise<T> {
  const engine = getEngine() as { kernels: Kernels };
  const raw = engine.kernels;
  const timed: Record<string, unknown> = {};
  const phaseOf = phases();
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value !== "function") continue;
    const f = value as (...args: number[]) => unknown;
    timed[name] = (...args: number[]) => {
      const phase = phaseOf(name);
      const t0 = performance.now();
      const out = f(...args);
      const ms = performance.now() - t0;
      const { key, flops } = keyOf(name, args);
      const full = `${phase}|${key}`;
      const tally = tallies.get(full) ?? { key, phase, ms: 0, calls: 0, flops: 0 };
      tally.ms += ms;
      tally.calls++;
      tally.flops += flops;
      tallies.set(full, tally);
      return out;
    };
  }
  engine.kernels = timed as unknown as Kernels;
  try {
    return await fn();
  } finally {
    engine.kernels = raw;
  }
}

/** Total ms of the tallies whose key `keep` accepts (all by default). */
export const sumMs = (tallies: Tallies, keep: (key: string) => boolean = () => true): number =>
  [...tallies.values()].filter((t) => keep(t.key)).reduce((a, t) => a + t.ms, 0);

/** Total kernel calls of the tallies. */
export const sumCalls = (tallies: Tallies): number => [...tallies.values()].reduce((a, t) => a + t.calls, 0);

/** Wall time of one fit epoch in ms. */
export async function epochMs(model: Autoencoder, data: DataInput, batchSize: number, yieldEveryMs?: number): Promise<number> {
  const timer = epochTimer();
  await model.fit(data, { epochs: 1, batchSize, yieldEveryMs, onEpochBegin: timer.onEpochBegin, onEpochEnd: timer.onEpochEnd });
  return timer.times[0]!;
}

/**
 * Rounds of three interleaved epochs (as fit runs by default, without yields
 * to the event loop, without yields and with timed kernels), so the noise of
 * a shared machine hits all three alike. Each round starts from a fresh model
 * and one warm-up epoch. Returns each round's epoch times in ms and the tallies.
 */
export async function profileEpochs(config: AutoencoderConfig, data: DataInput, batchSize: number, rounds: number, phases: Phases) {
  const plain: number[] = [];
  const noYield: number[] = [];
  const timedEpochs: number[] = [];
  const tallies: Tallies = new Map();
  for (let r = 0; r < rounds; r++) {
    const model = await Autoencoder.create(config);
    await epochMs(model, data, batchSize);
    plain.push(await epochMs(model, data, batchSize));
    noYield.push(await epochMs(model, data, batchSize, 1e9));
    timedEpochs.push(await withTimedKernels(tallies, phases, () => epochMs(model, data, batchSize, 1e9)));
    model.dispose();
  }
  return { plain, noYield, timedEpochs, tallies };
}

/** Rounds of a plain reconstruct and one with timed kernels: the plain times and the total of the timed ones, in ms. */
export async function profileReconstruct(model: Autoencoder, input: DataInput, rounds: number, phases: Phases) {
  const plain: number[] = [];
  let timedTotal = 0;
  const tallies: Tallies = new Map();
  for (let r = 0; r < rounds; r++) {
    let t0 = performance.now();
    model.reconstruct(input);
    plain.push(performance.now() - t0);
    t0 = performance.now();
    await withTimedKernels(tallies, phases, () => model.reconstruct(input));
    timedTotal += performance.now() - t0;
  }
  return { plain, timedTotal, tallies };
}

/** ms per step of each phase over `runs` steps, and of the JS outside kernels; shares of `stepMs`. */
export function phaseTable(tallies: Tallies, runs: number, stepMs: number, kernelsMs: number): string {
  const pct = (ms: number) => `${fixed((100 * ms) / stepMs)}%`;
  const phases = new Map<string, number>();
  for (const t of tallies.values()) phases.set(t.phase, (phases.get(t.phase) ?? 0) + t.ms / runs);
  const rows = [...phases].sort((a, b) => b[1] - a[1]).map(([p, ms]) => [p, fixed(ms, 3), pct(ms)]);
  rows.push(["JS outside kernels (incl. ~0.1 µs timer per call)", fixed(stepMs - kernelsMs, 3), pct(stepMs - kernelsMs)]);
  return markdownTable(["part", "ms/step", "share"], rows);
}

/** One row per tally, slowest first, per `per` over `runs` runs; shares of `totalMs`. */
export function kernelTable(tallies: Tallies, kernelColumn: string, runs: number, totalMs: number, withPhase: boolean, per: string): string {
  const rows = [...tallies.values()]
    .map((t) => ({ key: t.key, phase: t.phase, ms: t.ms / runs, calls: t.calls / runs, gflops: t.flops ? t.flops / t.ms / 1e6 : NaN }))
    .sort((a, b) => b.ms - a.ms)
    .map((r) => [r.key, ...(withPhase ? [r.phase] : []), fixed(r.calls, 1), fixed(r.ms, 3), `${fixed((100 * r.ms) / totalMs)}%`, fixed(r.gflops)]);
  return markdownTable([kernelColumn, ...(withPhase ? ["phase"] : []), `calls/${per}`, `ms/${per}`, "share", "GFLOP/s"], rows);
}
