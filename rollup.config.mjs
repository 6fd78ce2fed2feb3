// Bundles the tsc output (dist-tsc/) into dist/:
//   dist/index.js       the default entry, the wasm core embedded as base64
//                       (runs with no file system and no fetch: edge, workers);
//   dist/slim.js        the same API without the embedded wasm: call
//                       init({ wasm: url | bytes | WebAssembly.Module }) first
//                       (pages with a strict CSP, a CDN-cached .wasm);
//   dist/core.wasm      the wasm core as a file, for the slim entry;
//   dist/worker.js      the thread pool's worker as a file, for pages whose
//                       CSP forbids blob: workers: init({ workerUrl });
//   dist/core-fma.js    what init({ numerics: "fma" }) loads: the fused
//                       multiply-add check and the FMA core, embedded like
//                       the default one, in a chunk that dist/index.js
//                       imports only then, so the default entry does not
//                       grow (dist/slim-fma.js: the check alone); the
//                       chunk imports nothing from the entry;
//   dist/training.js, dist/threads.js, dist/csv-tables.js, dist/npy-arrays.js
//                       (and their slim-* twins) the chunks that the first
//                       fit(), the pool's start and a stream's first pass
//                       import (withChunks below);
//                       dist/core-fma.wasm the FMA core as a file;
//   dist/onnx.js        the `autoencoders/onnx` entry (toOnnx, fromOnnx); the
//                       model classes it needs come from dist/index.js, so
//                       one copy of them (and of the wasm core) is loaded;
//   dist/cli.js         the `autoencoders` command (package.json "bin"), Node
//                       only, self-contained (the wasm embedded).
// Each bundle has a source map beside it (sources included, since src/ is not
// published), chained from tsc's maps: `node --enable-source-maps` (or
// NODE_OPTIONS=--enable-source-maps) shows stack frames in src/*.ts.
import { transform } from "esbuild";
import { existsSync } from "node:fs";
import { chmod, copyFile, mkdir, readFile, writeFile } from "node:fs/promises";

/** tsc's output with its source map, so the bundles map back to src/*.ts. */
const tscSourceMaps = () => ({
  name: "tsc-source-maps",
  async load(id) {
    if (!id.endsWith(".js") || !existsSync(`${id}.map`)) return null;
    const code = await readFile(id, "utf8");
    const map = JSON.parse(await readFile(`${id}.map`, "utf8"));
    // The embedded wasm's base64 would be a second copy in the map: its text is not worth showing.
    if (/core-(wasm|fma)\.generated\.js$/.test(id)) map.sourcesContent = null;
    return { code: namedClasses(code.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n")), map };
  },
});

/**
 * Each top-level class states its name in a static block at the end of its
 * first line (so tsc's line mappings stand): the minifier renames classes,
 * and esbuild's keepNames would also wrap every function (about 2 KB gzip).
 */
function namedClasses(code) {
  return code.replace(/^((?:export )?class (\w+)\b[^\n{]*\{)$/gm, (_, head, name) => `${head} static { Object.defineProperty(this, "name", { value: "${name}" }); }`);
}

/**
 * Minifies the library bundles (size and parse time); namedClasses keeps the
 * class names (`PCA.name === "PCA"`, `ShapeError: …`).
 * lineLimit keeps the lines short: Node prints the line a stack trace starts
 * on, and one line would be the whole bundle with the embedded wasm.
 */
const minify = () => ({
  name: "minify",
  async renderChunk(code) {
    const result = await transform(code, { minify: true, lineLimit: 1000, format: "esm", target: "es2022", sourcemap: true });
    return { code: result.code, map: result.map };
  },
});

/** The slim bundle's default and FMA cores: none (src/wasm/default-core.ts, src/wasm/fma-core.ts). */
const withoutDefaultCore = () => ({
  name: "without-default-core",
  load(id) {
    if (id.endsWith("/wasm/default-core.js")) return "export async function defaultCoreBytes() { return null; }";
    if (!id.endsWith("/wasm/fma-core.js")) return null;
    return 'export { relaxedMadd, relaxedSimdReady } from "./fma-probe.js"; export const CORE_FMA_DEFLATED_BASE64 = null, CORE_FMA_SIZE = 0;';
  },
});

const copyWasm = () => ({
  name: "copy-wasm",
  async writeBundle() {
    await mkdir("dist", { recursive: true });
    await copyFile("build/core.wasm", "dist/core.wasm");
    await copyFile("build/core-fma.wasm", "dist/core-fma.wasm");
  },
});

/** dist/worker.js: the source the entries start their web Workers from (src/wasm/worker-source.ts), as a file. */
const workerFile = () => ({
  name: "worker-file",
  async writeBundle() {
    const { workerSource } = await import(new URL("./dist-tsc/wasm/worker-source.js", import.meta.url).href);
    await writeFile("dist/worker.js", workerSource(false));
  },
});

/** Marks the bundle executable, so `./dist/cli.js` runs as is. */
const executable = () => ({
  name: "executable",
  async writeBundle(options) {
    await chmod(options.file, 0o755);
  },
});

const external = ["node:fs/promises"];
const output = (file, extra = {}) => ({ file, format: "es", sourcemap: true, ...extra });
/**
 * An entry and its lazily imported chunks, each named `${prefix}${name}.js`:
 * core-fma (what numerics "fma" needs, src/wasm/fma-core.ts), training (what
 * fit() runs, src/models/training.ts), threads (the worker pool and its
 * workers' source, src/wasm/threads.ts, loaded when the pool starts),
 * csv-tables and npy-arrays (what streamCsv and streamNpy parse with,
 * loaded with a stream's first pass). The
 * chunks import what they share with the entry from it ("./index.js"), so
 * the entry exports those internals too (preserveEntrySignatures), under
 * short names that are no part of the API.
 */
const withChunks = (entry, prefix) => ({
  dir: "dist",
  entryFileNames: entry,
  chunkFileNames: (chunk) => `${prefix}${chunk.name === "fma-core" ? (prefix ? "fma" : "core-fma") : chunk.name}.js`,
  format: "es",
  sourcemap: true,
  // The internals the chunks import keep their own names: an exported class's name is its export name.
  minifyInternalExports: false,
});

/**
 * The CLI is one file: its lazy chunks become static imports. Inlined as
 * dynamic ones, rollup would put them after the command's top-level await,
 * so they would not be evaluated yet when the command first needs them.
 */
/**
 * The internals an entry exports to its chunks share its namespace with the
 * API: none may pass for an error class (consumers take the *Error exports as
 * constructors), nor for a class under another name.
 */
const internalExportsCheck = () => ({
  name: "internal-exports-check",
  generateBundle(_, bundle) {
    for (const chunk of Object.values(bundle)) {
      if (chunk.type !== "chunk" || !chunk.isEntry) continue;
      const api = new Set(this.getModuleInfo(chunk.facadeModuleId).exports);
      const clashing = chunk.exports.filter((name) => !api.has(name) && /Error$/.test(name));
      if (clashing.length > 0) this.error(`${chunk.fileName}: internal exports named like error classes: ${clashing.join(", ")}; rename them`);
    }
  },
});

const staticLazyImports = () => ({
  name: "static-lazy-imports",
  transform(code) {
    const heads = [];
    const out = code.replace(/\bimport\("(\.\.?\/[\w./-]+\.js)"\)/g, (_, specifier) => {
      heads.push(`import * as lazy${heads.length} from ${JSON.stringify(specifier)};`);
      return `Promise.resolve(lazy${heads.length - 1})`;
    });
    // Prepended to line 1 (a comment), so tsc's line mappings stand.
    return heads.length === 0 ? null : { code: heads.join(" ") + out, map: null };
  },
});

/**
 * The onnx entry takes the model classes and the error classes from the
 * default entry instead of bundling copies, so `instanceof` holds across the
 * two; describe() (not exported there) is bundled from errors.js itself.
 */
const ERRORS = "\0errors-from-index";
const fromIndex = () => ({
  name: "from-index",
  resolveId(source, importer) {
    if (!importer) return null;
    if (importer === ERRORS) return source === "./index.js" ? { id: source, external: true } : null;
    if (/\/interop\//.test(importer) && /\/models\/(autoencoder|vae)\.js$/.test(source)) return { id: "./index.js", external: true };
    if (/(^|\/)errors\.js$/.test(source)) return ERRORS;
    return null;
  },
  load(id) {
    if (id !== ERRORS) return null;
    return [
      'export { AutoencoderError, ShapeError, DataError, ConfigError, DivergenceError, ModelFormatError, UnsupportedRuntimeError, DisposedError, ResourceError, WorkerError } from "./index.js";',
      `export { describe } from ${JSON.stringify(new URL("./dist-tsc/errors.js", import.meta.url).pathname)};`,
    ].join("\n");
  },
});

export default [
  { input: "dist-tsc/index.js", output: withChunks("index.js", ""), preserveEntrySignatures: "allow-extension", external, plugins: [tscSourceMaps(), minify(), internalExportsCheck()] },
  { input: "dist-tsc/index.js", output: withChunks("slim.js", "slim-"), preserveEntrySignatures: "allow-extension", external, plugins: [withoutDefaultCore(), tscSourceMaps(), copyWasm(), workerFile(), minify(), internalExportsCheck()] },
  { input: "dist-tsc/interop/index.js", output: output("dist/onnx.js"), external, plugins: [fromIndex(), tscSourceMaps(), minify()] },
  {
    input: "dist-tsc/cli/main.js",
    // env -S passes the flag: the command's --debug stack names src/*.ts lines.
    // One file: the FMA core inlined (Node only, so size is no concern).
    output: output("dist/cli.js", { banner: "#!/usr/bin/env -S node --enable-source-maps", inlineDynamicImports: true }),
    external: (id) => id.startsWith("node:"),
    plugins: [tscSourceMaps(), staticLazyImports(), executable()],
  },
];
