// What a user sees when a library error goes uncaught in Node: the message,
// the real class name and a stack a terminal can show (the embedded wasm's
// base64 never on a printed line); with --enable-source-maps the frames name
// src/*.ts lines through the source maps shipped beside the bundles.
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import { DIST, ensureDist } from "./dist.js";

let dir = "";
const entry = (file: string) => JSON.stringify(pathToFileURL(join(DIST, file)).href);

/** Runs a module that throws from inside the library, uncaught; resolves to what Node printed and its exit code. */
function uncaught(script: string, flags: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...flags, script], { maxBuffer: 16 << 20 }, (error, _stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stderr });
    });
  });
}

beforeAll(async () => {
  await ensureDist();
  dir = await mkdtemp(join(tmpdir(), "autoencoders-stack-"));
  for (const file of ["index.js", "slim.js"]) {
    await writeFile(join(dir, `throw-${file}.mjs`), `import { PCA } from ${entry(file)};\nnew PCA({ nComponents: 0 });\n`);
  }
}, 600_000);

describe.each(["index.js", "slim.js"])("an uncaught error from dist/%s", (file) => {
  test("prints the message, the class name and a short stack", async () => {
    const { code, stderr } = await uncaught(join(dir, `throw-${file}.mjs`), []);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^ConfigError: nComponents: expected a positive integer, found 0$/m);
    expect(stderr).toMatch(/^ {4}at new PCA \(/m);
    // Before: the bundle's one line, about 240 KB with the embedded wasm.
    expect(stderr.length, stderr.slice(0, 400)).toBeLessThan(4096);
    expect(stderr).not.toMatch(/[A-Za-z0-9+/]{200}/);
  });

  test("with --enable-source-maps the frames name src/ files and lines", async () => {
    const { stderr } = await uncaught(join(dir, `throw-${file}.mjs`), ["--enable-source-maps"]);
    expect(stderr).toMatch(/^ {4}at new PCA \(.*\/src\/models\/pca\.ts:\d+:\d+\)$/m);
    // Node shows the throwing line of the original source (sourcesContent), not the bundle's.
    expect(stderr).toMatch(/src\/models\/pca\.ts:\d+\n\s*throw new ConfigError\(/);
    expect(stderr.length).toBeLessThan(4096);
  });

  test("every exported class has its own name", async () => {
    const lib = (await import(pathToFileURL(join(DIST, file)).href)) as Record<string, unknown>;
    const classes = Object.entries(lib).filter(([key, value]) => typeof value === "function" && /^[A-Z]/.test(key));
    expect(classes.map(([key]) => key)).toEqual(expect.arrayContaining(["PCA", "Reducer", "AnomalyDetector", "Autoencoder", "ShapeError"]));
    for (const [key, value] of classes) expect((value as { name: string }).name, key).toBe(key);
  });
});
