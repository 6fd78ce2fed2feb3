// What users download: the bytes of dist/ raw, gzip (level 9) and brotli
// (quality 11), beside TensorFlow.js 4.22's minified core + wasm backend (the
// peer for a dense autoencoder in the browser). Target: the default entry
// (dist/index.js, wasm embedded) at most 100 KB gzip; the chunks it imports
// only when a feature is first used (training, the thread pool, streamed
// CSV and .npy, the FMA core) are listed beside it.
// Which source files the bytes come from: bench/size-sources.ts.
// Run: npx tsx bench/size.ts   (builds dist/ first when it is missing)
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { markdownTable } from "./report.js";

const ROOT = resolve(import.meta.dirname, "..");
const TARGET_GZIP_KB = 100;

const CHUNKS = ["training.js", "threads.js", "csv-tables.js", "npy-arrays.js", "core-fma.js"];
if (![...["index.js", "slim.js", "core.wasm", "onnx.js"], ...CHUNKS].map((f) => `dist/${f}`).every((f) => existsSync(join(ROOT, f)))) {
  console.log("dist/ is incomplete: running npm run build");
  if (spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" }).status !== 0) process.exit(1);
}

interface Size {
  raw: number;
  gzip: number;
  brotli: number;
}

function sizeOf(paths: string[]): Size {
  let total = { raw: 0, gzip: 0, brotli: 0 };
  for (const path of paths) {
    const bytes = readFileSync(path);
    total = {
      raw: total.raw + bytes.length,
      // Each file compressed on its own, as a server sends it.
      gzip: total.gzip + gzipSync(bytes, { level: 9 }).length,
      brotli: total.brotli + brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
    };
  }
  return total;
}

const require = createRequire(import.meta.url);
const tfCore = join(dirname(require.resolve("@tensorflow/tfjs-core/package.json")), "dist");
const tfWasm = join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist");
const dist = (file: string) => join(ROOT, "dist", file);

const DEFAULT_ENTRY = "dist/index.js (wasm embedded, deflated, as base64): what `import \"autoencoders\"` loads";
const rows: [string, Size][] = [
  ["dist/core.wasm", sizeOf([dist("core.wasm")])],
  ["dist/slim.js (no wasm)", sizeOf([dist("slim.js")])],
  ["dist/slim.js + dist/core.wasm", sizeOf([dist("slim.js"), dist("core.wasm")])],
  [DEFAULT_ENTRY, sizeOf([dist("index.js")])],
  // The chunks dist/index.js imports only when a feature is first used.
  ["dist/training.js (chunk: the first fit())", sizeOf([dist("training.js")])],
  ["dist/threads.js (chunk: the worker pool, when it starts)", sizeOf([dist("threads.js")])],
  ["dist/csv-tables.js (chunk: streamCsv's first pass)", sizeOf([dist("csv-tables.js")])],
  ["dist/npy-arrays.js (chunk: streamNpy's first pass)", sizeOf([dist("npy-arrays.js")])],
  ["dist/core-fma.js (chunk: init({ numerics: \"fma\" }))", sizeOf([dist("core-fma.js")])],
  ["dist/onnx.js (autoencoders/onnx; imports dist/index.js)", sizeOf([dist("onnx.js")])],
  ["TensorFlow.js 4.22: tf-core.min.js + tf-backend-wasm.min.js + tfjs-backend-wasm-simd.wasm",
    sizeOf([join(tfCore, "tf-core.min.js"), join(tfWasm, "tf-backend-wasm.min.js"), join(tfWasm, "tfjs-backend-wasm-simd.wasm")])],
];

const kb = (n: number) => (n / 1024).toFixed(1);
console.log("Bytes of the published files, KB = 1024 bytes; gzip -9 and brotli -q 11 per file.\n");
console.log(markdownTable(["file", "raw KB", "gzip KB", "brotli KB"], rows.map(([name, s]) => [name, kb(s.raw), kb(s.gzip), kb(s.brotli)])));
const whole = rows.find(([name]) => name === DEFAULT_ENTRY)![1].gzip / 1024;
console.log(`\nTarget: the default entry (dist/index.js) ≤ ${TARGET_GZIP_KB} KB gzip: ${whole.toFixed(1)} KB — ${whole <= TARGET_GZIP_KB ? "met" : "NOT met"}`);
