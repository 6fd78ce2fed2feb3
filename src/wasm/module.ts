// Loads the wasm core once per realm, in every runtime: from where the build
// puts it by default (default-core.ts), or from a URL, bytes or a compiled
// module that the host supplies (strict Content-Security-Policy, CDN cache).
import { AutoencoderError, describe, UnsupportedRuntimeError } from "../errors.js";
import { Arena } from "./arena.js";
import { defaultCoreBytes } from "./default-core.js";
import type { Kernels } from "./kernels.js";
import { assertCoreNumerics, checkNumerics, coreSource, withNumerics, type Numerics } from "./numerics.js";

/** Where to get the wasm core from; the build's own copy when omitted. */
export type WasmSource = WebAssembly.Module | ArrayBuffer | Uint8Array | URL | string;

export interface Engine {
  readonly kernels: Kernels;
  readonly arena: Arena;
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
  if (/disallow/i.test(error.message)) {
    throw new UnsupportedRuntimeError(
      `this runtime does not compile WebAssembly from bytes (${reason}): import autoencoders/core.wasm as a module and pass it to init({ wasm }) (see the README's "Edge functions")`,
    );
  }
  throw new UnsupportedRuntimeError(`expected the autoencoders wasm core, found bytes that do not compile: ${reason}`);
}

const instantiate = (module: WebAssembly.Module, imports: WebAssembly.Imports): Promise<WebAssembly.Instance> =>
  syncWhereAllowed(() => new WebAssembly.Instance(module, imports), () => WebAssembly.instantiate(module, imports));

async function compile(source: WasmSource | undefined): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (source === undefined) {
    // The slim bundle carries no wasm (see rollup.config.mjs).
    const bytes = await defaultCoreBytes();
    if (bytes === null) {
      throw new UnsupportedRuntimeError("this build of autoencoders carries no wasm core: call init({ wasm }) with its URL, bytes or a compiled WebAssembly.Module first");
    }
    return compileBytes(bytes);
  }
  if (typeof source === "string" || source instanceof URL) return compileBytes(await fetchBytes(new URL(source)));
  return compileBytes(source as BufferSource);
}

/**
 * Loads the wasm core. Models call this themselves; call it first only to
 * choose where the wasm comes from, or `numerics: "fma"` (numerics.ts). Later
 * calls return the same engine (and reject a different `numerics`).
 */
export function init(options: { wasm?: WasmSource; numerics?: Numerics } = {}): Promise<Engine> {
  if (engine) return withNumerics(engine, options.numerics);
  if (!pending) {
    pending = (async () => {
      assertRuntimeSupport();
      const numerics = checkNumerics(options.numerics);
      const module = await compile(await coreSource(numerics, options.wasm)).catch(compileFailure);
      // Fresh, hence zeroed: the core is built with zeroFilledMemory (asconfig.json), so its zero data is not in the file.
      const memory = new WebAssembly.Memory({ initial: 16 });
      const instance = await instantiate(module, {
        env: {
          memory,
          abort(_message: number, _file: number, line: number, column: number) {
            throw new AutoencoderError(`wasm core: assertion failed at ${line}:${column}`);
          },
        },
      });
      const kernels = instance.exports as unknown as Kernels;
      const arena = new Arena(memory, kernels.heap_base());
      assertCoreNumerics(kernels, arena, numerics);
      engine = { kernels, arena, numerics };
      return engine;
    })();
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
