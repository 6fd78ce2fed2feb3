// Inference from saved model bytes where there is no Node: Deno with no
// permissions at all, the example edge handler (called directly and under
// Deno.serve), and a module worker in Chromium. Each must reproduce Node's
// bits, and the bundle must not reach for process, Buffer or require.
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { serve } from "../../examples/browser/serve.mjs";
import { ensureDist } from "../package/dist.js";
import { lastJson, launchChromium, missing, ROOT, run, runDeno, spawnDeno } from "./runtimes.js";
import { edgeProbe } from "./scenario.mjs";

interface Reference {
  parts: { denseBceAdam: { hashes: Record<string, string> } };
  modelBase64: string;
}

/** The scenario's hash format: `${length}:${sha256 of the f32 bits}`. */
const hashFloats = (values: Float32Array) =>
  `${values.length}:${createHash("sha256").update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength)).digest("hex")}`;

let reference: Reference;
let expected: Record<string, string>;
let modelBytes: Uint8Array;
let temp: string;

beforeAll(async () => {
  await ensureDist();
  reference = lastJson<Reference>(await run(process.execPath, ["test/runtimes/run-cli.mjs", "--with-model"]), "node run-cli.mjs --with-model");
  expected = reference.parts.denseBceAdam.hashes;
  modelBytes = new Uint8Array(Buffer.from(reference.modelBase64, "base64"));
  temp = await mkdtemp(join(tmpdir(), "autoencoders-edge-"));
}, 600_000);

afterAll(async () => {
  if (temp) await rm(temp, { recursive: true, force: true });
});

describe("the bundle carries no Node globals", () => {
  for (const file of ["dist/index.js", "dist/slim.js"]) {
    // The bundles are minified (one long line), so the checks read the text as a whole.
    test(`${file}: no process, Buffer, require; node:fs only in the file: URL branch`, async () => {
      // esbuild's lineLimit (rollup.config.mjs) may cut a string literal with a backslash-newline: join those back.
      const text = (await readFile(join(ROOT, file), "utf8")).replace(/\\\n/g, "");
      const hits = (pattern: RegExp) => [...text.matchAll(new RegExp(pattern.source, "g"))].map((m) => `${file}@${m.index}: …${text.slice(Math.max(0, m.index! - 40), m.index! + 60)}…`);
      expect(hits(/\bprocess\b\s*[.[]|typeof\s+process\b|globalThis\.process/)).toEqual([]);
      expect(hits(/\bBuffer\b/)).toEqual([]);
      expect(hits(/\brequire\s*\(|\bmodule\.exports\b|__dirname|__filename/)).toEqual([]);
      expect(hits(/(^|[;}\s])import\s*[^(\s][^;]*?from\s*["']node:|(^|[;}\s])import\s*["']node:/)).toEqual([]);
      // Dynamic imports only, each of a node: module whose name is built at run time right there:
      // node:fs/promises where a path or file: URL is read (init({ wasm }) given a file: URL, streamCsv /
      // streamNpy given a path, a checkpoint written to a path), node:os and node:worker_threads for the
      // thread pool (also inside the workers' source), which falls back to web Workers or one thread;
      // besides them, only the package's own chunks by relative path.
      expect(hits(/node:/), "static references to node: modules").toEqual([]);
      const specifiers = [...text.matchAll(/\[\s*"node",\s*"fs\/promises"\]/g)].map((m) => m.index!);
      const imports = [...text.matchAll(/\bimport\s*\(/g)].map((m) => m.index!);
      for (const importAt of imports) {
        // The package's own lazy chunks (the FMA core) are imported by relative path.
        if (/^import\s*\(\s*"\.\/[\w-]+\.js"\s*\)/.test(text.slice(importAt, importAt + 60))) continue;
        const near = text.slice(Math.max(0, importAt - 200), importAt + 200).match(/\[\s*\\?"node\\?",\s*\\?"([a-z_/]+)\\?"\]/);
        expect(near?.[1], `the module of the dynamic import at ${importAt}`).toMatch(/^(fs\/promises|os|worker_threads)$/);
      }
      specifiers.forEach((at) => {
        expect(imports.some((i) => Math.abs(i - at) < 200), "each dynamic import follows its node:fs specifier closely").toBe(true);
      });
      const urlBranch = specifiers.filter((at) => text.slice(Math.max(0, at - 200), at).replace(/\s/g, "").includes('protocol==="file:"'));
      expect(urlBranch, "the node:fs branch of the URL loader").toHaveLength(1);
      const pathBranch = specifiers.filter((at) => text.slice(at, at + 300).includes("reading a path needs the file system"));
      expect(pathBranch, "the node:fs branch of the streaming readers' path opener").toHaveLength(1);
    });
  }
});

describe("edge inference from saved model bytes", () => {
  test("deno with no permissions: same bits as node, no Node global read, handler answers", async () => {
    const result = lastJson<Record<string, any>>(
      await runDeno([], "test/runtimes/scenario-edge.mjs", [], { stdin: modelBytes }),
      "deno scenario-edge.mjs",
    );
    expect(result.touched, "Node globals read by the library").toEqual([]);
    expect(Object.values(result.permissions).every((state) => state !== "granted"), JSON.stringify(result.permissions)).toBe(true);
    expect(result.reconstruct).toBe(expected.reconstruct);
    expect(result.reconstructionError).toBe(expected.reconstructionError);
    expect(result.handlerScores).toBe(expected.reconstructionError);
    expect(result.badRequest.status).toBe(400);
    expect(result.badRequest.error).toMatch(/expected every row to have 24 values/);
  });

  test("examples/edge/deno.mjs under Deno.serve: GET describes the model, POST returns node's scores", async () => {
    const modelPath = join(temp, "model.bin");
    await writeFile(modelPath, modelBytes);
    const child = spawnDeno(["--allow-net=127.0.0.1", `--allow-read=${modelPath}`], "examples/edge/deno.mjs", [modelPath, "--port", "0"]);
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    try {
      const origin = await new Promise<string>((resolve, reject) => {
        let out = "";
        const timer = setTimeout(() => reject(new Error(`deno.mjs did not start listening in 20 s\n${out}\n${stderr}`)), 20_000);
        child.stdout.setEncoding("utf8").on("data", (d: string) => {
          out += d;
          const match = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
        child.on("exit", (code) => reject(new Error(`deno.mjs exited with ${code}\n${out}\n${stderr}`)));
      });
      expect(await (await fetch(origin)).json()).toEqual({ inputShape: [24], codeShape: [4] });
      const probe = edgeProbe();
      const rows = Array.from({ length: probe.shape[0]! }, (_, r) => Array.from(probe.data.subarray(r * 24, (r + 1) * 24)));
      const response = await fetch(origin, { method: "POST", body: JSON.stringify({ rows }) });
      expect(response.status).toBe(200);
      const { scores } = (await response.json()) as { scores: number[] };
      expect(hashFloats(Float32Array.from(scores))).toBe(expected.reconstructionError);
      const bad = await fetch(origin, { method: "POST", body: "not json" });
      expect(bad.status).toBe(400);
    } finally {
      child.kill("SIGTERM");
    }
  });

  test("chromium module worker: loads posted model bytes, no Node globals, same bits as node", async (ctx) => {
    if (missing("chromium")) return ctx.skip();
    const server = await serve({ root: ROOT });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${server.origin}/test/runtimes/blank.html`);
      const result = JSON.parse(await page.evaluate(`(async () => {
        const { edgeProbe, fromBase64, hashFloats } = await import("/test/runtimes/scenario.mjs");
        const worker = new Worker("/test/runtimes/edge-worker.mjs", { type: "module" });
        const ask = (message, transfer = []) => new Promise((resolve, reject) => {
          worker.onmessage = ({ data }) => (data.type === "error" ? reject(new Error(data.message)) : resolve(data));
          worker.onerror = (event) => reject(new Error("worker error: " + event.message));
          worker.postMessage(message, transfer);
        });
        const bytes = fromBase64(${JSON.stringify(reference.modelBase64)});
        const loaded = await ask({ type: "load", bytes }, [bytes.buffer]);
        const probe = edgeProbe();
        const answer = await ask({ type: "reconstruct", id: 1, data: probe.data, shape: probe.shape });
        worker.terminate();
        return JSON.stringify({
          nodeGlobals: loaded.nodeGlobals,
          inputShape: loaded.inputShape,
          reconstruct: await hashFloats(answer.data),
          reconstructionError: await hashFloats(answer.scores),
        });
      })()`)) as Record<string, any>;
      expect(result.nodeGlobals).toEqual({ process: "undefined", Buffer: "undefined", require: "undefined", global: "undefined" });
      expect(result.inputShape).toEqual([24]);
      expect(result.reconstruct).toBe(expected.reconstruct);
      expect(result.reconstructionError).toBe(expected.reconstructionError);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
