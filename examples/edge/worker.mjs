// Cloudflare Workers (and workerd, their runtime, which runs this file in
// test/runtimes/workerd.test.ts). Workers refuse to compile wasm from bytes at
// run time ("Wasm code generation disallowed by embedder"), so the core comes
// in as a wasm module: wrangler compiles `.wasm` imports at deploy time and
// hands the worker a WebAssembly.Module. The model travels with the code as a
// data module (an ArrayBuffer); wrangler.toml:
//
//   [[rules]]
//   type = "Data"
//   globs = ["**/*.bin"]
//
// Produce model.bin with `ae.save()` (see make-model.ts), then `npx wrangler deploy`.
// Without wrangler: `npx workerd serve -I out test/runtimes/workerd.capnp edge`.
import wasm from "autoencoders/core.wasm";
import modelBytes from "./model.bin";
import { createHandler } from "./handler.mjs";

export default createHandler(() => new Uint8Array(modelBytes), { wasm });
