// Loads the wasm core once per realm, in every runtime: from where the build
// puts it by default (default-core.ts), or from a URL, bytes or a compiled
// module that the host supplies (strict Content-Security-Policy, CDN cache).
import { AutoencoderError, ConfigError, describe, UnsupportedRuntimeError } from "../errors.js";
import { checkOptionKeys, keysOf } from "../options.js";
import { Arena } from "./arena.js";
import type { Pool } from "./pool.js";
import { checkThreadsOption, CONTROL_BYTES, requestedThreads, startPool, threadsUnavailable, type EngineInfo, type ThreadsOption } from "./threads.js";
import { withSharedMemoryImport, workerModuleBytes } from "./module-bytes.js";
import { defaultCoreBytes } from "./default-core.js";
import type { Kernels } from "./kernels.js";
import { assertCoreNumerics, checkNumerics, coreSource, withNumerics, type Numerics } from "./numerics.js";

/** Where to get the wasm core from; the build's own copy when omitted. */
export type WasmSource = WebAssembly.Module | ArrayBuffer | Uint8Array | URL | string;

export interface Engine {
  readonly kernels: Kernels;
  readonly arena: Arena;
  /**
   * The workers that share large kernel calls, or null on one thread (and
   * while they start: kernel calls run on the caller's thread until then,
   * with the same bits).
   */
  pool: Pool | null;
  /**
   * Starts the workers in the background, once: the first kernel call large
   * enough to share calls it (src/ops/parallel.ts), or threadsReady(); null
   * once called, or when no workers can start.
   */
  startThreads: (() => void) | null;
  /** Settles once the workers have started or failed to; null when none are starting. */
  starting: Promise<void> | null;
  /** Threads asked for ("auto" resolved). */
  readonly requested: number;
  /** Why there is no pool although more than one thread was asked for. */
  reason: string | null;
  readonly sharedMemory: boolean;
  /** The numerics profile of the loaded core (numerics.ts). */
  readonly numerics: Numerics;
}

let engine: Engine | null = null;
let pending: Promise<Engine> | null = null;

// The smallest module that uses a v128 instruction: (func (result v128) i32x4.splat(i32.const 0)).
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 8, 1, 6, 0, 65, 0, 253, 17, 11,
]);

function assertRuntimeSupport(): void {
  if (typeof WebAssembly !== "object" || typeof WebAssembly.instantiate !== "function") {
    throw new UnsupportedRuntimeError("autoencoders needs WebAssembly, and this runtime has no WebAssembly object");
  }
  if (!WebAssembly.validate(SIMD_PROBE)) {
    throw new UnsupportedRuntimeError(
      "autoencoders needs WebAssembly SIMD (fixed-width v128), which this runtime does not support; " +
        "use Node >= 16.4, Deno, Chrome >= 91, Firefox >= 89 or Safari >= 16.4",
    );
  }
}

async function fetchBytes(url: URL): Promise<ArrayBuffer> {
  if (url.protocol === "file:") {
    // Node and Deno: fetch() of file: URLs is not universal, the file system is.
    // Built at run time so bundlers and minifiers leave this Node-only import alone.
    const fsModule = ["node", "fs/promises"].join(":");
    const fs = (await import(/* @vite-ignore */ fsModule)) as { readFile(path: URL): Promise<Uint8Array> };
    const data = await fs.readFile(url);
    return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  }
  const response = await fetch(url);
  if (!response.ok) throw new UnsupportedRuntimeError(`could not fetch the wasm core from ${url}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

/**
 * The synchronous WebAssembly API where the runtime allows it (Node, Deno,
 * workers): it spares start-up the task-queue round trip of the promise API
 * (about 0.3 ms to compile the core); browsers refuse large modules on the
 * main thread with a RangeError, and then the promise API does the work.
 */
async function syncWhereAllowed<T>(sync: () => T, promised: () => Promise<T>): Promise<T> {
  try {
    return sync();
  } catch (error) {
    if (error instanceof RangeError) return promised();
    throw error;
  }
}

const compileBytes = (bytes: BufferSource): Promise<WebAssembly.Module> =>
  syncWhereAllowed(() => new WebAssembly.Module(bytes), () => WebAssembly.compile(bytes));

/**
 * A runtime that forbids compiling from bytes (Cloudflare Workers / workerd:
 * "Wasm code generation disallowed by embedder"; the embedded core's base64
 * decoder is wasm too) or bytes that are no wasm core give an
 * UnsupportedRuntimeError that says what to do, not a bare CompileError.
 */
function compileFailure(error: unknown): never {
  if (!(error instanceof WebAssembly.CompileError)) throw error;
  const reason = describe(error.message, 160);
  // Chromium: "… violates the following Content Security policy directive …"; Firefox: "… blocked by CSP".
  if (/content security policy|\bCSP\b/i.test(error.message)) {
    throw new UnsupportedRuntimeError(
      `the page's Content-Security-Policy forbids compiling WebAssembly (${reason}): add 'wasm-unsafe-eval' to its script-src (see the README's "Threads" for a strict-CSP page)`,
    );
  }
  if (/disallow/i.test(error.message)) {
    throw new UnsupportedRuntimeError(
      `this runtime does not compile WebAssembly from bytes (${reason}): import autoencoders/core.wasm as a module and pass it to init({ wasm }) (see the README's "Edge functions")`,
    );
  }
  throw new UnsupportedRuntimeError(`expected the autoencoders wasm core, found bytes that do not compile: ${reason}`);
}

const instantiate = (module: WebAssembly.Module, imports: WebAssembly.Imports): Promise<WebAssembly.Instance> =>
  syncWhereAllowed(() => new WebAssembly.Instance(module, imports), () => WebAssembly.instantiate(module, imports));
/** The core as bytes (to compile, shared or not) or as the module the host compiled. */
async function coreOf(source: WasmSource | undefined): Promise<Uint8Array | WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (source === undefined) {
    // The slim bundle carries no wasm (see rollup.config.mjs).
    const bytes = await defaultCoreBytes();
    if (bytes === null) {
      throw new UnsupportedRuntimeError("this build of autoencoders carries no wasm core: call init({ wasm }) with its URL, bytes or a compiled WebAssembly.Module first");
    }
    return bytes;
  }
  if (typeof source === "string" || source instanceof URL) {
    // A relative string ("/dist/core.wasm") resolves against the page or worker, as fetch would resolve it.
    const base = (globalThis as { location?: { href?: string } }).location?.href;
    return new Uint8Array(await fetchBytes(new URL(source, base)));
  }
  return ArrayBuffer.isView(source) ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength) : new Uint8Array(source);
}

/** Options of `init`. */
export interface InitOptions {
  /** Where the wasm core comes from. Default: the copy this build embeds (none in autoencoders/slim). */
  wasm?: WasmSource;
  /**
   * Threads that share each large kernel call: a count, or "auto" (the
   * default) for the cores the runtime reports, at most 8. Every count gives
   * the same bits.
   */
  threads?: ThreadsOption;
  /**
   * "exact" (the default): the same bits on every runtime and CPU; "fma":
   * fused multiply-adds where the runtime has them (numerics.ts), else init
   * rejects with an UnsupportedRuntimeError. Chosen once per realm.
   */
  numerics?: Numerics;
  /**
   * Where browsers, web workers and Bun load the pool's worker script from:
   * the URL of `dist/worker.js` (`autoencoders/worker.js`), served from the
   * page's origin. For pages whose Content-Security-Policy forbids `blob:`
   * workers (a `worker-src` or `script-src` without `blob:`), where the
   * default, a module Worker from a Blob of the inline source, cannot start
   * and the engine runs on one thread. Relative URLs resolve as
   * `new Worker(url)` resolves them. Node and Deno ignore it: their
   * worker_threads run the inline source.
   */
  workerUrl?: string | URL;
}

const INIT_KEYS = keysOf<InitOptions>({ wasm: true, threads: true, numerics: true, workerUrl: true });

/** Throws a ConfigError unless `url` is a string, a URL or undefined. */
function checkWorkerUrl(url: unknown): void {
  if (url === undefined || (typeof url === "string" && url !== "") || url instanceof URL) return;
  throw new ConfigError(`init: workerUrl must be the URL (a string or a URL) of autoencoders' dist/worker.js, found ${describe(url)}`);
}

/** Shared memory with the most pages the engine grants: 4 GiB, else 1 GiB (32-bit hosts), else none. */
function sharedMemory(): WebAssembly.Memory | null {
  for (const maximum of [65536, 16384]) {
    try {
      return new WebAssembly.Memory({ initial: 16, maximum, shared: true });
    } catch (error) {
      if (!(error instanceof RangeError || error instanceof TypeError)) throw error;
    }
  }
  return null;
}

const abort = (_message: number, _file: number, line: number, column: number) => {
  throw new AutoencoderError(`wasm core: assertion failed at ${line}:${column}`);
};

async function load(options: InitOptions): Promise<Engine> {
  checkOptionKeys("init", options, INIT_KEYS);
  checkWorkerUrl(options.workerUrl);
  assertRuntimeSupport();
  const requested = await requestedThreads(options.threads);
  let reason: string | null = requested === 1 ? null : threadsUnavailable();
  const numerics = checkNumerics(options.numerics);
  const core = await coreOf(await coreSource(numerics, options.wasm)).catch(compileFailure);
  // Fresh, hence zeroed: the core is built with zeroFilledMemory (asconfig.json), so its zero data is not in the file.
  let memory = requested > 1 && reason === null ? sharedMemory() : null;
  if (requested > 1 && reason === null && memory === null) reason = "the engine refused a shared WebAssembly.Memory";
  let module: WebAssembly.Module;
  let shared: Uint8Array | null = null;
  if (core instanceof WebAssembly.Module) module = core;
  else {
    shared = memory ? withSharedMemoryImport(core) : null;
    if (memory && shared === null) {
      reason = "the wasm core given has no memory import to share";
      memory = null;
    }
    module = await compileBytes((shared ?? core) as BufferSource).catch(compileFailure);
  }
  let used = memory ?? new WebAssembly.Memory({ initial: 16 });
  let instance: WebAssembly.Instance;
  try {
    instance = await instantiate(module, { env: { memory: used, abort } });
  } catch (error) {
    // A module the host compiled declares the memory it was built with: unshared, for the core this package ships.
    if (!(error instanceof WebAssembly.LinkError) || memory === null) throw error;
    memory = null;
    reason = "the WebAssembly.Module given to init imports an unshared memory";
    used = new WebAssembly.Memory({ initial: 16 });
    instance = await instantiate(module, { env: { memory: used, abort } });
  }
  const kernels = instance.exports as unknown as Kernels;
  const arena = new Arena(used, kernels.heap_base());
  assertCoreNumerics(kernels, arena, numerics);
  const loaded: Engine = { kernels, arena, pool: null, startThreads: null, starting: null, requested, reason, sharedMemory: memory !== null, numerics };
  if (memory !== null && reason === null) {
    const sharedMemory = memory;
    const { workerUrl } = options;
    loaded.startThreads = () => {
      loaded.startThreads = null;
      loaded.starting = startWorkers(loaded, shared, sharedMemory, instance, workerUrl);
    };
  }
  return loaded;
}

/**
 * Starts the pool in the background, when the first kernel call is large
 * enough to share, so that init (and a cold start's first result, and any
 * program of small models) does not wait the tens of milliseconds a worker
 * takes to start: until the pool is there, kernel calls run on the
 * caller's thread, with the same bits. The workers get the core without its data segments
 * (workerModuleBytes), so instantiating one never writes to the memory
 * that models are already using.
 */
async function startWorkers(
  loaded: Engine, shared: Uint8Array | null, memory: WebAssembly.Memory, instance: WebAssembly.Instance, workerUrl: string | URL | undefined,
): Promise<void> {
  const control = loaded.arena.alloc(CONTROL_BYTES, "the thread pool's control block");
  try {
    // A module the host compiled with a shared memory import would re-apply its data segments in each worker.
    if (shared === null) throw new Error("expected the core's bytes to give the workers a copy without data segments, found a compiled WebAssembly.Module");
    const workerModule = await WebAssembly.compile(workerModuleBytes(shared) as BufferSource);
    loaded.pool = await startPool(workerModule, memory, control, instance.exports as Record<string, unknown>, loaded.requested, workerUrl);
  } catch (error) {
    loaded.arena.free(control);
    loaded.reason = `worker threads did not start: ${describe((error as Error)?.message ?? error, 160)}`;
  } finally {
    loaded.starting = null;
  }
}

/**
 * Loads the wasm core and starts its threads. Models call this themselves;
 * call it first only to choose where the wasm comes from or how many threads
 * run. Later calls return the same engine.
 */
export function init(options: InitOptions = {}): Promise<Engine> {
  if (engine) {
    try {
      checkOptionKeys("init", options, INIT_KEYS);
      checkThreadsOption(options.threads);
      checkWorkerUrl(options.workerUrl);
    } catch (error) {
      return Promise.reject(error);
    }
    return withNumerics(engine, options.numerics);
  }
  if (!pending) {
    pending = load(options).then((loaded) => (engine = loaded));
    pending.catch(() => {
      pending = null;
    });
  }
  return pending.then((loaded) => withNumerics(loaded, options.numerics));
}

/** The loaded engine; throws when `init()` has not finished. */
export function getEngine(): Engine {
  if (!engine) throw new UnsupportedRuntimeError("the wasm core is not loaded yet: await init() (or a model's create/load) first");
  return engine;
}

/**
 * How many threads the engine runs and, when fewer than asked, why;
 * `init()` must have finished. Right after init the workers may still be
 * starting (see threadsReady()).
 */
export function engineInfo(): EngineInfo {
  const { pool, requested, reason, sharedMemory, starting, startThreads } = getEngine();
  const threads = pool ? pool.threads : 1;
  const stopped = pool?.broken ? `a worker thread stopped (${pool.broken}), so the engine went on with one thread` : null;
  const waiting = starting
    ? "the worker threads are still starting (await threadsReady() to wait for them)"
    : startThreads
      ? "the worker threads start with the first kernel call large enough to share (await threadsReady() to start them now)"
      : null;
  const why = requested === 1 ? "init was asked for one thread" : reason ?? stopped ?? waiting;
  return { threads, requested, reason: threads === 1 ? why : null, sharedMemory };
}

/**
 * Starts the worker threads now, if they have not started, and waits for
 * them (the engine starts them in the background with the first kernel
 * call large enough to share; until they are up, kernel calls run on one
 * thread, with the same bits); returns what then runs, at once when no
 * workers can start. Calls init() with no options first when it has not run.
 */
export async function threadsReady(): Promise<EngineInfo> {
  const loaded = await init();
  loaded.startThreads?.();
  if (loaded.starting) {
    // The starting workers do not keep a Node or Deno process alive; this wait must.
    const keepAlive = setInterval(() => undefined, 1000);
    try {
      await loaded.starting;
    } finally {
      clearInterval(keepAlive);
    }
  }
  return engineInfo();
}
