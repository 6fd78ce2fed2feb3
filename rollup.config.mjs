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
/** An entry and its one lazily imported chunk, what numerics "fma" needs (src/wasm/fma-core.ts). */
const withFmaChunk = (entry, chunk) => ({ dir: "dist", entryFileNames: entry, chunkFileNames: chunk, format: "es", sourcemap: true });

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
  { input: "dist-tsc/index.js", output: withFmaChunk("index.js", "core-fma.js"), external, plugins: [tscSourceMaps(), minify()] },
  { input: "dist-tsc/index.js", output: withFmaChunk("slim.js", "slim-fma.js"), external, plugins: [withoutDefaultCore(), tscSourceMaps(), copyWasm(), workerFile(), minify()] },
  { input: "dist-tsc/interop/index.js", output: output("dist/onnx.js"), external, plugins: [fromIndex(), tscSourceMaps(), minify()] },
  {
    input: "dist-tsc/cli/main.js",
    // env -S passes the flag: the command's --debug stack names src/*.ts lines.
    // One file: the FMA core inlined (Node only, so size is no concern).
    output: output("dist/cli.js", { banner: "#!/usr/bin/env -S node --enable-source-maps", inlineDynamicImports: true }),
    external: (id) => id.startsWith("node:"),
    plugins: [tscSourceMaps(), executable()],
  },
];
