// The core the workers get: the shared-memory import and the stripped data.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { withSharedMemoryImport, workerModuleBytes } from "../../src/wasm/module-bytes.js";

const core = new Uint8Array(readFileSync(new URL("../../build/core.wasm", import.meta.url)));
const abort = () => {
  throw new Error("abort");
};

describe("the workers' core", () => {
  test("withSharedMemoryImport makes the memory import shared, with the same exports", () => {
    const shared = withSharedMemoryImport(core)!;
    const module = new WebAssembly.Module(shared as BufferSource);
    const [memoryImport] = WebAssembly.Module.imports(module).filter((entry) => entry.kind === "memory");
    expect(memoryImport?.name).toBe("memory");
    expect(WebAssembly.Module.exports(module)).toEqual(WebAssembly.Module.exports(new WebAssembly.Module(core)));
    const memory = new WebAssembly.Memory({ initial: 16, maximum: 65536, shared: true });
    expect(() => new WebAssembly.Instance(module, { env: { memory, abort } })).not.toThrow();
    // An unshared memory no longer links: the import really is shared.
    expect(() => new WebAssembly.Instance(module, { env: { memory: new WebAssembly.Memory({ initial: 16 }), abort } })).toThrow(WebAssembly.LinkError);
  });

  test("workerModuleBytes keeps every export and writes nothing to the memory when instantiated", () => {
    const shared = withSharedMemoryImport(core)!;
    const full = new WebAssembly.Module(shared as BufferSource);
    const stripped = new WebAssembly.Module(workerModuleBytes(shared) as BufferSource);
    expect(WebAssembly.Module.exports(stripped)).toEqual(WebAssembly.Module.exports(full));
    const memory = new WebAssembly.Memory({ initial: 16, maximum: 65536, shared: true });
    const bytes = new Uint8Array(memory.buffer);
    bytes.fill(0xa5);
    new WebAssembly.Instance(stripped, { env: { memory, abort } });
    expect(bytes.every((b) => b === 0xa5)).toBe(true);
    // The full core does write its data there: what the workers must not do once models exist.
    new WebAssembly.Instance(full, { env: { memory, abort } });
    expect(bytes.every((b) => b === 0xa5)).toBe(false);
  });
});
