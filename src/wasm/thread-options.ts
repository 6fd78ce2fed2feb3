// How many threads the engine asks for, and why a runtime cannot run them:
// what init() settles before any worker starts. Starting the workers
// (threads.ts, with the workers' source and the pool) is loaded only when the
// first kernel call large enough to share starts them.
import { ConfigError, describe } from "../errors.js";

/** What `init({ threads })` accepts: a count, or "auto" for the cores the runtime reports. */
export type ThreadsOption = number | "auto";

/** Most threads "auto" picks; a count given explicitly may go to MAX_THREADS. */
export const AUTO_MAX_THREADS = 8;
export const MAX_THREADS = 64;
/** What the engine runs on, from `engineInfo()`. */
export interface EngineInfo {
  /** Threads that share the work of one kernel call, the calling thread included. */
  readonly threads: number;
  /** The count asked for (auto resolved). */
  readonly requested: number;
  /** Why `threads` is below `requested`; null when it is not. */
  readonly reason: string | null;
  /** Whether the wasm memory is a shared one. */
  readonly sharedMemory: boolean;
}

/** The cores the runtime reports: navigator.hardwareConcurrency (browsers, Deno, Bun, Node ≥ 21), else os.availableParallelism(). */
async function reportedCores(): Promise<number> {
  const fromNavigator = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  if (typeof fromNavigator === "number" && fromNavigator >= 1) return fromNavigator;
  if (!nodeWorkers()) return 1;
  try {
    const os = (await import(/* @vite-ignore */ ["node", "os"].join(":"))) as { availableParallelism?: () => number; cpus(): unknown[] };
    return os.availableParallelism ? os.availableParallelism() : os.cpus().length;
  } catch {
    return 1;
  }
}

/** Throws a ConfigError unless `option` is "auto", an integer in [1, MAX_THREADS], or undefined. */
export function checkThreadsOption(option: unknown): void {
  if (option === undefined || option === "auto") return;
  if (typeof option !== "number" || !Number.isInteger(option) || option < 1 || option > MAX_THREADS) {
    throw new ConfigError(`init: threads must be "auto" or an integer in [1, ${MAX_THREADS}], found ${describe(option)}`);
  }
}

/** The thread count an option asks for: "auto" → the reported cores, at most AUTO_MAX_THREADS. */
export async function requestedThreads(option: unknown): Promise<number> {
  checkThreadsOption(option);
  if (option === undefined || option === "auto") return Math.max(1, Math.min(AUTO_MAX_THREADS, await reportedCores()));
  return option as number;
}

/** Whether workers come from worker_threads: Node (no global Worker) and Deno (whose web Worker keeps the process alive). */
export function nodeWorkers(): boolean {
  const g = globalThis as { Worker?: unknown; Deno?: unknown };
  return typeof g.Worker !== "function" || typeof g.Deno === "object";
}

/** Why this runtime cannot run the pool, or null when it may try. */
export function threadsUnavailable(): string | null {
  const g = globalThis as { SharedArrayBuffer?: unknown; Atomics?: unknown; crossOriginIsolated?: boolean };
  if (g.crossOriginIsolated === false) return "the page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)";
  if (typeof g.SharedArrayBuffer !== "function" || typeof g.Atomics !== "object") return "this runtime has no shared memory (SharedArrayBuffer and Atomics)";
  return null;
}

