// Cloudflare Workers (and other runtimes with the same module-worker shape).
// The model travels with the code: wrangler.toml declares .bin files as data
// modules, so the import below gives an ArrayBuffer:
//
//   [[rules]]
//   type = "Data"
//   globs = ["**/*.bin"]
//
// Produce model.bin with `ae.save()` (see make-model.ts), then `npx wrangler deploy`.
import modelBytes from "./model.bin";
import { createHandler } from "./handler.mjs";

export default createHandler(() => new Uint8Array(modelBytes));
