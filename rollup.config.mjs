// Bundles the tsc output (dist-tsc/) into dist/:
//   dist/index.js       the default entry, the wasm core embedded as base64
//                       (runs with no file system and no fetch: edge, workers);
//   dist/slim.js        the same API without the embedded wasm: call
//                       init({ wasm: url | bytes | WebAssembly.Module }) first
//                       (pages with a strict CSP, a CDN-cached .wasm);
//   dist/core.wasm      the wasm core as a file, for the slim entry;
//   dist/onnx.js        the `autoencoders/onnx` entry (toOnnx, fromOnnx); the
//                       model classes it needs come from dist/index.js, so
//                       one copy of them (and of the wasm core) is loaded;
//   dist/cli.js         the `autoencoders` command (package.json "bin"), Node
//                       only, self-contained (the wasm embedded).
import { transform } from "esbuild";
import { chmod, copyFile, mkdir } from "node:fs/promises";

/**
 * Minifies the library bundles (size and parse time). Names are not kept:
 * esbuild's keepNames adds a call per function and class, about a millisecond
 * of start-up; the classes that show their names (errors, estimators) state them.
 */
const minify = () => ({
  name: "minify",
  async renderChunk(code) {
    const result = await transform(code, { minify: true, format: "esm", target: "es2022" });
    return { code: result.code, map: null };
  },
});

/** The slim bundle's default core: none (src/wasm/default-core.ts). */
const withoutDefaultCore = () => ({
  name: "without-default-core",
  load(id) {
    return id.endsWith("/wasm/default-core.js") ? "export async function defaultCoreBytes() { return null; }" : null;
  },
});

const copyWasm = () => ({
  name: "copy-wasm",
  async writeBundle() {
    await mkdir("dist", { recursive: true });
    await copyFile("build/core.wasm", "dist/core.wasm");
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
      'export { AutoencoderError, ShapeError, DataError, ConfigError, DivergenceError, ModelFormatError, UnsupportedRuntimeError, DisposedError } from "./index.js";',
      `export { describe } from ${JSON.stringify(new URL("./dist-tsc/errors.js", import.meta.url).pathname)};`,
    ].join("\n");
  },
});

export default [
  { input: "dist-tsc/index.js", output: { file: "dist/index.js", format: "es" }, external, plugins: [minify()] },
  { input: "dist-tsc/index.js", output: { file: "dist/slim.js", format: "es" }, external, plugins: [withoutDefaultCore(), copyWasm(), minify()] },
  { input: "dist-tsc/interop/index.js", output: { file: "dist/onnx.js", format: "es" }, external, plugins: [fromIndex(), minify()] },
  { input: "dist-tsc/cli/main.js", output: { file: "dist/cli.js", format: "es", banner: "#!/usr/bin/env node" }, external: (id) => id.startsWith("node:"), plugins: [executable()] },
];
