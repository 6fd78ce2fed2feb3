// The `autoencoders/onnx` entry as built: imported by name beside the default
// entry, it shares that entry's classes (errors are instances of the same
// ConfigError) and bundles neither the models nor the wasm core.
import { execFile } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, test } from "vitest";
import { DIST, ensureDist, ROOT } from "../package/dist.js";

const exec = promisify(execFile);

// Run from the package root, where `autoencoders` names the package itself (Node's self-reference).
const SCRIPT = `
import { Autoencoder, ConfigError, layers } from "autoencoders";
import { toOnnx } from "autoencoders/onnx";
const model = await Autoencoder.create({ input: [4], encoder: [layers.dense(2)], decoder: [layers.dense(4)] });
const bytes = toOnnx(model);
let sameClass = false;
try { toOnnx(model, { part: "middle" }); } catch (error) { sameClass = error instanceof ConfigError; }
console.log(JSON.stringify({ bytes: bytes.length, sameClass }));
`;

beforeAll(async () => {
  await ensureDist();
}, 600_000);

describe("the onnx entry", () => {
  test("exports map entry points at the built file and its types", async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { exports: Record<string, unknown> };
    expect(pkg.exports["./onnx"]).toEqual({ types: "./dist/types/interop/index.d.ts", default: "./dist/onnx.js" });
    await stat(join(DIST, "types", "interop", "index.d.ts"));
  });

  test("imported by name, it exports a model whose errors are the default entry's classes", async () => {
    const { stdout, stderr } = await exec(process.execPath, ["--input-type=module", "-e", SCRIPT], { cwd: ROOT });
    const result = JSON.parse(stdout.trim().split("\n").at(-1)!) as { bytes: number; sameClass: boolean };
    expect(result.bytes, stderr).toBeGreaterThan(100);
    expect(result.sameClass).toBe(true);
  });

  test("takes the model classes from dist/index.js instead of bundling them (and so no wasm core)", async () => {
    const code = await readFile(join(DIST, "onnx.js"), "utf8");
    expect(code).toMatch(/from"\.\/index\.js"/);
    // The embedded core alone is about 180 KB of base64; the entry is far below it.
    expect(code.length).toBeLessThan(60_000);
  });
});
