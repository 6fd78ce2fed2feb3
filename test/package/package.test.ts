// The package as users get it: `npm run build`'s dist/, imported BY NAME from a
// tiny consumer project (node_modules/.cache/…/consumer, whose
// node_modules/autoencoders links to this repository, as `npm install
// ../autoencoders` would). Checks the exports map, the type declarations (tsc
// on a consumer file), the default entry, and the slim entry with and without
// init({ wasm }).
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, test } from "vitest";
import { ensureDist, ROOT } from "./dist.js";

const exec = promisify(execFile);
const CONSUMER = join(ROOT, "node_modules", ".cache", "autoencoders-tests", "consumer");

/** Runs in the consumer project, in plain Node: everything comes from "autoencoders" and its subpaths. */
const MAIN = `
import { readFile } from "node:fs/promises";
import * as full from "autoencoders";
import * as slim from "autoencoders/slim";

const x = { data: Float32Array.from({ length: 12 * 6 }, (_, i) => ((i * 7) % 13) / 13), shape: [12, 6] };
async function train(lib) {
  const ae = await lib.Autoencoder.create({
    input: [6],
    encoder: [lib.layers.dense(4, "tanh"), lib.layers.dense(2)],
    decoder: [lib.layers.dense(6, "sigmoid")],
    seed: 3,
  });
  const history = await ae.fit(x, { epochs: 3, batchSize: 4 });
  const code = ae.encode(x);
  const saved = ae.save();
  const again = await lib.Autoencoder.load(saved);
  const out = {
    loss: history.loss,
    codeShape: code.shape,
    code: Array.from(code.data),
    reconstruct: Array.from(again.reconstruct(x).data),
    savedBytes: saved.length,
  };
  ae.dispose();
  again.dispose();
  return out;
}

const result = { exports: Object.keys(full).sort(), slimExports: Object.keys(slim).sort() };
// The bundle is minified with kept names: each error class has its own.
result.errorNames = Object.keys(full).filter((k) => k.endsWith("Error")).map((k) => [k, new full[k]("m").name]);
result.unfitted = ["AnomalyDetector", "StandardScaler"].map((k) => { try { const instance = new full[k](); (instance.predict ?? instance.transform).call(instance, [[1]]); } catch (error) { return error.message; } });
result.full = await train(full);
try {
  await train(slim);
  result.slimWithoutInit = "no error";
} catch (error) {
  result.slimWithoutInit = { name: error.name, isUnsupportedRuntime: error instanceof slim.UnsupportedRuntimeError, message: error.message };
}
const wasmUrl = new URL(import.meta.resolve("autoencoders/core.wasm"));
result.wasmPath = wasmUrl.pathname;
await slim.init({ wasm: await readFile(wasmUrl) });
result.slim = await train(slim);
console.log(JSON.stringify(result));
`;

/** Type-checked with tsc against dist/types through the exports map, as a consumer on nodenext resolution. */
const CONSUMER_TS = `
import { Autoencoder, layers, UnsupportedRuntimeError, type TensorData, type AutoencoderConfig } from "autoencoders";
import { init } from "autoencoders/slim";

const config: AutoencoderConfig = { input: [6], encoder: [layers.dense(2, "relu")], decoder: [layers.dense(6, "sigmoid")], seed: 1 };
export async function run(bytes: Uint8Array): Promise<number> {
  await init({ wasm: bytes });
  const ae: Autoencoder = await Autoencoder.create(config);
  const code: TensorData = ae.encode([[0, 1, 2, 3, 4, 5]]);
  const scores: Float32Array = ae.reconstructionError({ data: new Float32Array(6), shape: [1, 6] });
  const saved: Uint8Array = ae.save();
  // @ts-expect-error: layers.dense takes a unit count, so the declarations are typed (not any)
  layers.dense("eight");
  return code.shape[0]! + scores.length + saved.length + (new UnsupportedRuntimeError("x") instanceof Error ? 1 : 0);
}
`;

const TSCONFIG = {
  compilerOptions: {
    target: "es2022",
    module: "nodenext",
    moduleResolution: "nodenext",
    lib: ["es2022", "dom"],
    types: [],
    strict: true,
    noEmit: true,
    skipLibCheck: false,
  },
  files: ["consumer.ts"],
};

let pkg: { name: string; types: string; exports: Record<string, unknown> };

beforeAll(async () => {
  await ensureDist();
  pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8"));
  await rm(CONSUMER, { recursive: true, force: true });
  await mkdir(join(CONSUMER, "node_modules"), { recursive: true });
  await symlink(ROOT, join(CONSUMER, "node_modules", "autoencoders"), "dir");
  await writeFile(join(CONSUMER, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module", dependencies: { autoencoders: "file:../../../.." } }));
  await writeFile(join(CONSUMER, "main.mjs"), MAIN);
  await writeFile(join(CONSUMER, "consumer.ts"), CONSUMER_TS);
  await writeFile(join(CONSUMER, "tsconfig.json"), JSON.stringify(TSCONFIG));
}, 600_000);

describe("the built package", () => {
  test("exports map: '.', './slim', './core.wasm' and the types entry point at built files", () => {
    expect(pkg.name).toBe("autoencoders");
    const exports = pkg.exports as Record<string, { types?: string; default?: string } | string>;
    expect(exports["."]).toEqual({ types: "./dist/types/index.d.ts", default: "./dist/index.js" });
    expect(exports["./slim"]).toEqual({ types: "./dist/types/index.d.ts", default: "./dist/slim.js" });
    expect(exports["./core.wasm"]).toBe("./dist/core.wasm");
    expect(pkg.types).toBe("./dist/types/index.d.ts");
    for (const file of ["dist/index.js", "dist/slim.js", "dist/core.wasm", "dist/types/index.d.ts"]) {
      expect(existsSync(join(ROOT, file)), `${file} exists after the build`).toBe(true);
    }
  });

  test("imported by name: trains and encodes; slim needs init({ wasm }) and then gives the same bits", async () => {
    const { stdout, stderr } = await exec(process.execPath, ["main.mjs"], { cwd: CONSUMER });
    const result = JSON.parse(stdout.trim().split("\n").at(-1)!) as Record<string, any>;
    expect(result.exports, `stderr: ${stderr}`).toEqual(expect.arrayContaining(["Autoencoder", "init", "layers", "UnsupportedRuntimeError"]));
    expect(result.slimExports).toEqual(result.exports);
    expect(result.errorNames.length).toBeGreaterThanOrEqual(8);
    for (const [exported, name] of result.errorNames) expect(name, "the error's name in the minified bundle").toBe(exported);
    expect(result.unfitted[0]).toMatch(/^AnomalyDetector: this instance is not fitted yet; call `await anomalyDetector\.fit\(x\)`/);
    expect(result.unfitted[1]).toMatch(/^StandardScaler: this instance is not fitted yet/);
    expect(result.full.codeShape).toEqual([12, 2]);
    expect(result.full.code).toHaveLength(24);
    expect(result.full.loss).toHaveLength(3);
    expect(result.full.loss.every(Number.isFinite)).toBe(true);
    expect(result.full.reconstruct.every((v: number) => v > 0 && v < 1)).toBe(true);
    expect(result.slimWithoutInit).toMatchObject({ name: "UnsupportedRuntimeError", isUnsupportedRuntime: true });
    expect(result.slimWithoutInit.message).toMatch(/init\(\{ wasm \}\)/);
    expect(result.wasmPath).toBe(join(ROOT, "dist", "core.wasm"));
    expect(result.slim).toEqual(result.full);
  });

  test("type declarations: a consumer file type-checks against 'autoencoders' and 'autoencoders/slim'", async () => {
    const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
    const check = await exec(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: CONSUMER }).then(
      () => "",
      (error: { stdout?: string; message: string }) => error.stdout || error.message,
    );
    expect(check).toBe("");
  });
});
