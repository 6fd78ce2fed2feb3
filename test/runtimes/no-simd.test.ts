// Runtimes without WebAssembly SIMD (or without WebAssembly) get a typed error
// that says what is missing, from a fresh module instance whose probe sees a
// stubbed WebAssembly.validate; the real runtime loads fine afterwards.
import { afterEach, expect, test, vi } from "vitest";

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  vi.resetModules();
});

async function fresh() {
  vi.resetModules();
  const module = await import("../../src/wasm/module.js");
  const errors = await import("../../src/errors.js");
  const api = await import("../../src/index.js");
  return { ...module, ...errors, Autoencoder: api.Autoencoder, layers: api.layers };
}

test("no SIMD: init() and Autoencoder.create reject with UnsupportedRuntimeError naming SIMD", async () => {
  const validate = vi.spyOn(WebAssembly, "validate").mockReturnValue(false);
  const { init, Autoencoder, layers, UnsupportedRuntimeError } = await fresh();
  const error = await init().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UnsupportedRuntimeError);
  expect((error as Error).name).toBe("UnsupportedRuntimeError");
  expect((error as Error).message).toMatch(/SIMD/);
  expect(validate).toHaveBeenCalled();
  const probe = validate.mock.calls[0]![0] as Uint8Array;
  expect(Array.from(probe.subarray(0, 4)), "the probe is a wasm module").toEqual([0, 97, 115, 109]);
  await expect(Autoencoder.create({ input: [2], encoder: [layers.dense(1)], decoder: [layers.dense(2)] })).rejects.toThrow(/SIMD/);
});

test("the same module instance recovers once the runtime supports SIMD (a failed init is not cached)", async () => {
  const validate = vi.spyOn(WebAssembly, "validate").mockReturnValue(false);
  const { init, UnsupportedRuntimeError } = await fresh();
  await expect(init()).rejects.toBeInstanceOf(UnsupportedRuntimeError);
  validate.mockRestore();
  const engine = await init();
  expect(typeof engine.kernels.heap_base).toBe("function");
});

test("no WebAssembly at all: UnsupportedRuntimeError naming WebAssembly", async () => {
  const { init, UnsupportedRuntimeError } = await fresh();
  vi.stubGlobal("WebAssembly", undefined);
  const error = await init().catch((e: unknown) => e);
  vi.unstubAllGlobals();
  expect(error).toBeInstanceOf(UnsupportedRuntimeError);
  expect((error as Error).message).toMatch(/needs WebAssembly/);
});

test("a runtime that forbids compiling wasm from bytes (workerd) gets UnsupportedRuntimeError saying to pass a Module", async () => {
  const { init, UnsupportedRuntimeError } = await fresh();
  // A function, not an arrow: `new WebAssembly.Module(bytes)` constructs it.
  const disallowed = function () {
    throw new WebAssembly.CompileError("WebAssembly.Module(): Wasm code generation disallowed by embedder");
  };
  vi.spyOn(WebAssembly, "Module").mockImplementation(disallowed as never);
  vi.spyOn(WebAssembly, "compile").mockImplementation(disallowed as never);
  const error = await init().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UnsupportedRuntimeError);
  expect((error as Error).message).toMatch(/init\(\{ wasm \}\)/);
  expect((error as Error).message).toMatch(/disallowed by embedder/);
});

test("bytes that are no wasm core: UnsupportedRuntimeError, not a bare CompileError", async () => {
  const { init, UnsupportedRuntimeError } = await fresh();
  const error = await init({ wasm: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 99]) }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UnsupportedRuntimeError);
  expect((error as Error).message).toMatch(/do not compile/);
});
