// Shared helpers for the benches: time a function with tinybench, take the
// median, turn it into a rate, and print a Markdown table.
import { Bench } from "tinybench";

export interface TimingOptions {
  /** Time budget per measurement in ms (tinybench `time`); default 1000. */
  time?: number;
  /** Minimum number of timed calls; default 20. */
  iterations?: number;
  /** Warm-up budget in ms, so the optimizing tier is in place; default 300. */
  warmupTime?: number;
}

/** Runs `fn` under tinybench and returns the median time of one call in ms. */
export async function medianMs(name: string, fn: () => unknown, options: TimingOptions = {}): Promise<number> {
  const bench = new Bench({
    name,
    time: options.time ?? 1000,
    iterations: options.iterations ?? 20,
    warmup: true,
    warmupTime: options.warmupTime ?? 300,
    throws: true,
  });
  bench.add(name, fn);
  await bench.run();
  const result = bench.getTask(name)?.result;
  if (!result || !("latency" in result)) throw new Error(`bench ${name}: no latency statistics (state ${result?.state})`);
  return result.latency.p50;
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
