// Shared helpers for the benches: time a function with tinybench, take the
// median, turn it into a rate, and print a Markdown table.
import { Bench } from "tinybench";

export interface TimingOptions {
  /** Time budget per function in ms, over all rounds (tinybench `time`); default 1000. */
  time?: number;
  /** Minimum number of timed calls per function and round; default 10. */
  iterations?: number;
  /** Warm-up budget in ms before the first round, so the optimizing tier is in place; default 300. */
  warmupTime?: number;
  /** Rounds that alternate between the functions, so bursts of background load hit all alike; default 3. */
  rounds?: number;
  /** The clock, in ms; performance.now() by default, or `cpuTimeMs`. */
  now?: () => number;
}

/**
 * Process CPU time (user + system) in ms: a clock that stops while the process
 * is descheduled, steadier than wall time on a machine shared with other jobs
 * (it also counts V8's helper threads, so it suits single-threaded code only).
 */
export function cpuTimeMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** Runs `fn` once under tinybench and returns all its per-call times in ms. */
async function samples(
  name: string,
  fn: () => unknown,
  time: number,
  iterations: number,
  warmupTime: number,
  now: (() => number) | undefined,
): Promise<number[]> {
  const bench = new Bench({
    name,
    ...(now ? { now } : {}),
    time,
    iterations,
    warmup: warmupTime > 0,
    warmupTime,
    retainSamples: true,
    throws: true,
  });
  bench.add(name, fn);
  await bench.run();
  const result = bench.getTask(name)?.result;
  if (!result || !("latency" in result) || !result.latency.samples) {
    throw new Error(`bench ${name}: no latency samples (state ${result?.state})`);
  }
  return [...result.latency.samples];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Times each function in alternating rounds (A, B, A, B, …) and returns its
 * median time per call in ms over the samples of all rounds.
 */
export async function medianTimes<K extends string>(
  tasks: Record<K, () => unknown>,
  options: TimingOptions = {},
): Promise<Record<K, number>> {
  const rounds = options.rounds ?? 3;
  const time = (options.time ?? 1000) / rounds;
  const iterations = options.iterations ?? 10;
  const names = Object.keys(tasks) as K[];
  const all = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>;
  for (let round = 0; round < rounds; round++) {
    for (const name of names) {
      const warmup = round === 0 ? (options.warmupTime ?? 300) : 0;
      all[name].push(...(await samples(name, tasks[name], time, iterations, warmup, options.now)));
    }
  }
  return Object.fromEntries(names.map((name) => [name, median(all[name])])) as Record<K, number>;
}

/** The median time per call of one function, in ms. */
export async function medianMs(name: string, fn: () => unknown, options: TimingOptions = {}): Promise<number> {
  return (await medianTimes({ [name]: fn }, options))[name]!;
}

/** Giga-operations per second for `ops` operations done in `ms` milliseconds. */
export function gigaPerSecond(ops: number, ms: number): number {
  return ops / ms / 1e6;
}

/** A number with `digits` decimals, or "–" when missing or not finite. */
export function fixed(x: number | undefined, digits = 1): string {
  return x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(digits);
}

/** "1.23×", ours over theirs, for rates (higher is better). */
export function ratio(ours: number | undefined, theirs: number | undefined): string {
  return ours === undefined || theirs === undefined || !(theirs > 0) ? "–" : `${(ours / theirs).toFixed(2)}×`;
}

/** A Markdown table: first the header, then rows of cells; numbers right-aligned. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const numeric = header.map((_, c) => rows.length > 0 && rows.every((r) => /^[-\d.×–%]+$/.test(r[c] ?? "")));
  const cell = (text: string, c: number) => (numeric[c] ? text.padStart(widths[c]!) : text.padEnd(widths[c]!));
  const line = (cells: readonly string[]) => `| ${cells.map((t, c) => cell(t, c)).join(" | ")} |`;
  const rule = `| ${widths.map((w, c) => (numeric[c] ? "-".repeat(w - 1) + ":" : "-".repeat(w))).join(" | ")} |`;
  return [line(header), rule, ...rows.map((r) => line(r))].join("\n");
}

/** One line naming the runtime and machine, to print above a table. */
export function environmentLine(): string {
  const g = globalThis as { process?: { version?: string; arch?: string; platform?: string } };
  const p = g.process;
  return p ? `Node ${p.version} ${p.platform}/${p.arch}` : "unknown runtime";
}

/** This process's CPU time (user + system) in ms since `from`, or the reading to pass as `from`. */
export const cpuNow = () => process.cpuUsage();
export const cpuMsSince = (from: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
};

/**
 * Wall and CPU time of each epoch in ms, from the epoch-begin to the
 * epoch-end callback (data upload excluded). On a shared machine the CPU time
 * leaves out the time other processes held the core.
 */
export function epochTimer() {
  const times: number[] = [];
  const cpu: number[] = [];
  let begin = 0;
  let cpuBegin = cpuNow();
  return {
    times,
    cpu,
    onEpochBegin: () => {
      begin = performance.now();
      cpuBegin = cpuNow();
    },
    onEpochEnd: () => {
      times.push(performance.now() - begin);
      cpu.push(cpuMsSince(cpuBegin));
    },
  };
}

/** Median CPU time of `fn` in ms over `calls` calls (after one untimed call). */
export function cpuMedianMs(fn: () => unknown, calls: number): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const from = cpuNow();
    fn();
    times.push(cpuMsSince(from));
  }
  return median(times);
}
