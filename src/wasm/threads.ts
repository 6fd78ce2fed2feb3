// Starting the worker pool in each runtime, and what the engine reports about
// it. Node and Deno: worker_threads from the inline source (eval), unref'd
// once ready so it never keeps a process alive (Deno's web Worker has no
// unref). Browsers, web workers and Bun: a module Worker from a Blob URL of
// the same source (Bun's has unref), or from init's workerUrl (dist/worker.js,
// that source as a file) where a Content-Security-Policy forbids blob:
// workers. No Node global is read: a runtime is told apart by its Worker and
// Deno globals, and Node modules are imported by names built at run time, so
// bundlers leave them alone.
import { ConfigError, describe } from "../errors.js";
import { Pool, type PoolWorker } from "./pool.js";
import { CONTROL_BYTES, workerSource } from "./worker-source.js";


/** What `init({ threads })` accepts: a count, or "auto" for the cores the runtime reports. */
export type ThreadsOption = number | "auto";

/** Most threads "auto" picks; a count given explicitly may go to MAX_THREADS. */
export const AUTO_MAX_THREADS = 8;
export const MAX_THREADS = 64;
/** Workers that have not answered by then are taken as unable to start. */
const START_TIMEOUT_MS = 30_000;

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

/** The kernels a pool may run on a worker: those the ops split into ranges. */
export const DISPATCHED_KERNELS = [
  "f32_gemm_nn_range", "f32_gemm_nt_range", "f32_gemm_tn_range",
  "f32_conv2d_nhwc", "f32_conv2d_nhwc_fused", "f32_conv2d_nhwc_adjoint", "f32_conv2d_nhwc_adjoint_fused",
  "f32_conv2d_nhwc_filter_grad", "f32_adam_step", "f32_sgd_step", "f32_copy",
  "f32_sigmoid", "f32_tanh", "f32_softplus",
  "f32_batchnorm_stats", "f32_batchnorm_forward", "f32_batchnorm_backward_sums", "f32_batchnorm_backward",
] as const;

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
function nodeWorkers(): boolean {
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

/** Whether this thread may block in Atomics.wait (not on a browser's main thread). */
export function canBlock(): boolean {
  try {
    // A value that does not match returns "not-equal" at once, where waiting is allowed at all.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

interface AnyWorker extends PoolWorker {
  postMessage(message: unknown): void;
}

/** A timeout that does not keep a Node, Deno or Bun process alive. */
function backgroundTimer(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
  const timer = setTimeout(fn, ms);
  if (typeof timer === "object") (timer as { unref?: () => void }).unref?.();
  else (globalThis as { Deno?: { unrefTimer?(id: number): void } }).Deno?.unrefTimer?.(timer as number);
  return timer;
}

/**
 * Creates one worker running workerSource() and resolves once its core is
 * instantiated. The worker never keeps the process alive, even while it
 * starts (threadsReady() holds the process open for as long as it waits).
 */
async function startWorker(init: object, onExit: () => void, workerUrl?: string | URL): Promise<AnyWorker> {
  if (nodeWorkers()) {
    const wt = (await import(/* @vite-ignore */ ["node", "worker_threads"].join(":")).catch(() => {
      throw new Error("this runtime has neither a Worker nor worker_threads");
    })) as {
      Worker: new (source: string, options: { eval: true }) => AnyWorker & {
        once(event: string, fn: (value: unknown) => void): void;
        on(event: string, fn: (value: unknown) => void): void;
        off(event: string, fn: (value: unknown) => void): void;
        unref(): void;
      };
    };
    const worker = new wt.Worker(workerSource(true), { eval: true });
    // At once: the pool starts in the background, and a program that is done before it is must still exit.
    worker.unref();
    await new Promise<void>((resolve, reject) => {
      const timer = backgroundTimer(() => reject(new Error(`no answer in ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      const onError = (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      };
      worker.once("error", onError);
      worker.once("message", (message) => {
        clearTimeout(timer);
        worker.off("error", onError);
        const m = message as { ready?: boolean; error?: string };
        if (m.ready) resolve();
        else reject(new Error(m.error ?? "the worker did not start"));
      });
      worker.postMessage(init);
    }).catch((error: unknown) => {
      worker.terminate();
      throw error;
    });
    worker.on("exit", onExit);
    worker.on("error", () => undefined);
    return worker;
  }
  const WorkerClass = (globalThis as unknown as { Worker: new (url: string | URL, options: { type: "module" }) => AnyWorker & EventTarget }).Worker;
  // A page whose CSP forbids blob: workers gives the URL of dist/worker.js, the same source as a file.
  const blob = workerUrl === undefined ? URL.createObjectURL(new Blob([workerSource(false)], { type: "text/javascript" })) : null;
  const worker = new WorkerClass(blob ?? workerUrl!, { type: "module" });
  // Bun: the web Worker keeps the process alive unless unref'd; browsers have no unref.
  (worker as { unref?: () => void }).unref?.();
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = backgroundTimer(() => reject(new Error(`no answer in ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      worker.addEventListener("error", (event) => {
        clearTimeout(timer);
        const why = blob !== null
          ? "the worker script did not load from its blob: URL (a CSP without blob: in worker-src refuses it; pass init({ workerUrl }))"
          : `the worker script failed to load from ${String(workerUrl)}`;
        reject(new Error((event as ErrorEvent).message || why));
      }, { once: true });
      worker.addEventListener("message", (event) => {
        clearTimeout(timer);
        const m = (event as MessageEvent).data as { ready?: boolean; error?: string };
        if (m.ready) resolve();
        else reject(new Error(m.error ?? "the worker did not start"));
      }, { once: true });
      worker.postMessage(init);
    });
  } catch (error) {
    worker.terminate();
    throw error;
  } finally {
    if (blob !== null) URL.revokeObjectURL(blob);
  }
  worker.addEventListener("error", onExit);
  return worker;
}

/**
 * Starts `count` workers on `memory` and the pool that drives them, or
 * throws (the caller then runs on one thread and reports why).
 */
export async function startPool(
  module: WebAssembly.Module, memory: WebAssembly.Memory, control: number, exports: Record<string, unknown>,
  count: number, workerUrl?: string | URL,
): Promise<Pool> {
  const names = [...DISPATCHED_KERNELS];
  const workers: AnyWorker[] = [];
  let pool: Pool | null = null;
  const onExit = () => pool?.fail("a worker thread stopped");
  // All at once: the module the workers get has no data segments (workerModuleBytes), so their instantiations write nothing.
  const started = await Promise.allSettled(Array.from({ length: count - 1 }, (_, i) => startWorker({ module, memory, control, names, id: i + 1 }, onExit, workerUrl)));
  for (const result of started) if (result.status === "fulfilled") workers.push(result.value);
  const failed = started.find((result) => result.status === "rejected");
  if (failed) {
    for (const worker of workers) worker.terminate();
    throw (failed as PromiseRejectedResult).reason;
  }
  pool = new Pool(memory, control, names, exports, workers, canBlock());
  return pool;
}

export { CONTROL_BYTES };
