// Kernels that only tests call, kept out of the shipped core.wasm: the
// entry assembly/testing.ts, compiled here with the core's flags (asconfig.json's
// release target) and instantiated on the engine's memory beside the core (shared
// when the engine runs threads, as the core's). It
// must hold no data segment or global of its own (checked below), so that it
// cannot overwrite the core's static data in the shared memory.
import asc from "assemblyscript/asc";
import { fileURLToPath } from "node:url";
import type { Engine } from "../src/wasm/module.js";
import { withSharedMemoryImport } from "../src/wasm/module-bytes.js";
import { engine } from "./helpers.js";

type Ptr = number;

export interface TestKernels {
  /** Σ x[i], accumulated in f64 in f32_sum_squares' fixed order. */
  f32_sum(x: Ptr, n: number): number;
  /** Σ a[i]·b[i], accumulated in f64 in the same order. */
  f32_dot(a: Ptr, b: Ptr, n: number): number;
  /** dlogits = (or += with accumulate = 1) scale·(sigmoid(z) − t): what f32_bce_logits_sum_diff's diff, scaled, must equal bit for bit. */
  f32_bce_logits_backward(dlogits: Ptr, logits: Ptr, target: Ptr, scale: number, n: number, accumulate: number): void;
}

const ASSEMBLY = fileURLToPath(new URL("../assembly/", import.meta.url));
const FLAGS = ["--enable", "simd", "--runtime", "stub", "--importMemory", "--initialMemory", "1", "--zeroFilledMemory", "--optimizeLevel", "3", "--shrinkLevel", "0", "--noAssert"];

let compiled: Promise<Uint8Array<ArrayBuffer>> | null = null;
let joined: (Engine & { kernels: Engine["kernels"] & TestKernels }) | null = null;

async function compile(): Promise<Uint8Array<ArrayBuffer>> {
  const out = new Map<string, Uint8Array | string>();
  const errors: string[] = [];
  // baseDir assembly/: the repository's asconfig.json (the core's entries) stays out of this build.
  const { error } = await asc.main(["testing.ts", "--baseDir", ASSEMBLY, ...FLAGS, "--outFile", "testing.wasm", "--textFile", "testing.wat"], {
    writeFile: (name: string, contents: Uint8Array | string) => void out.set(name, contents),
    stderr: { write: (text: string) => void errors.push(String(text)) } as never,
    stdout: { write: () => undefined } as never,
  });
  if (error) throw new Error(`assembly/testing.ts did not compile: ${error.message}\n${errors.join("")}`);
  const text = String(out.get("testing.wat"));
  if (/\(data\b|\(global\b/.test(text)) throw new Error("assembly/testing.ts: the module has data segments or globals, which would land on the core's in the shared memory");
  return out.get("testing.wasm") as Uint8Array<ArrayBuffer>;
}

/** The engine, its kernels joined by the test-only ones (same memory, same pointers). */
export async function testEngine(): Promise<Engine & { kernels: Engine["kernels"] & TestKernels }> {
  const e = await engine();
  compiled ??= compile();
  const bytes = await compiled;
  if (joined?.arena !== e.arena) {
    // An engine with threads has a shared memory: the module's import is made shared as the core's is.
    const shared = e.sharedMemory ? withSharedMemoryImport(bytes) : bytes;
    if (!shared) throw new Error("assembly/testing.ts: its memory import could not be made shared");
    const instance = new WebAssembly.Instance(new WebAssembly.Module(shared as Uint8Array<ArrayBuffer>), { env: { memory: e.arena.memory } });
    const kernels = { ...e.kernels, ...(instance.exports as unknown as TestKernels) } as Engine["kernels"] & TestKernels;
    joined = { ...e, kernels };
  }
  return joined!;
}
