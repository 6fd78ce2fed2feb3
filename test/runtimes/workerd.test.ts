// Cloudflare Workers' own runtime, workerd (the npm package's binary), serving
// on 127.0.0.1: examples/edge/worker.mjs loads a saved model and scores
// requests, and every score must have Node's bits; a second worker runs the
// whole cross-runtime scenario (training included) and must give Node's
// hashes. workerd.capnp is the config; the model reaches it through -I.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ensureDist } from "../package/dist.js";
import { freePort, lastJson, missing, ROOT, run, WORKERD } from "./runtimes.js";
import { edgeProbe, generateData, hashFloats } from "./scenario.mjs";

type Library = typeof import("../../src/index.js");

interface ScenarioResult {
  parts: Record<string, { hashes: Record<string, string>; firstValues: number[] }>;
  modelBase64?: string;
}

/** How many scoring requests the loop sends (bounded: count, and a timeout on each). */
const REQUESTS = 24;
const REQUEST_TIMEOUT_MS = 30_000;

let skipped: string | null = null;
let reference: ScenarioResult;
let node: Awaited<ReturnType<Library["Autoencoder"]["load"]>>;
let temp: string;
let child: ChildProcess | null = null;
let output = "";
const origins = { edge: "", scenario: "" };

/** Resolves once workerd has printed a "Listening on" line for each socket; rejects if it exits first. */
function listening(process: ChildProcess, count: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`workerd did not listen within ${timeoutMs} ms\n${output}`)), timeoutMs);
    const onData = (chunk: string) => {
      output += chunk;
      if ((output.match(/Listening on http:\/\/127\.0\.0\.1:\d+/g) ?? []).length >= count) {
        clearTimeout(timer);
        resolve();
      }
    };
    process.stdout!.setEncoding("utf8").on("data", onData);
    process.stderr!.setEncoding("utf8").on("data", onData);
    process.on("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`workerd exited (${code ?? signal}) before listening\n${output}`));
    });
  });
}

beforeAll(async () => {
  skipped = missing("workerd");
  if (skipped) return;
  await ensureDist();
  reference = lastJson<ScenarioResult>(await run(process.execPath, ["test/runtimes/run-cli.mjs", "--with-model"]), "node run-cli.mjs --with-model");
  const modelBytes = new Uint8Array(Buffer.from(reference.modelBase64!, "base64"));
  temp = await mkdtemp(join(tmpdir(), "autoencoders-workerd-"));
  // workerd.capnp embeds "/edge-model.bin", which -I resolves to this file.
  await writeFile(join(temp, "edge-model.bin"), modelBytes);

  const lib = (await import(pathToFileURL(join(ROOT, "dist", "index.js")).href)) as Library;
  node = await lib.Autoencoder.load(modelBytes);

  const [edgePort, scenarioPort] = [await freePort(), await freePort()];
  origins.edge = `http://127.0.0.1:${edgePort}`;
  origins.scenario = `http://127.0.0.1:${scenarioPort}`;
  child = spawn(WORKERD, ["serve", "-I", temp, "test/runtimes/workerd.capnp", "runtimes",
    "-s", `http=127.0.0.1:${edgePort}`, "-s", `scenario=127.0.0.1:${scenarioPort}`], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  await listening(child, 2, 60_000);
}, 600_000);

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child!.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }
  node?.dispose();
  if (temp) await rm(temp, { recursive: true, force: true });
});

/** A request with a deadline, so a stuck server fails the test instead of hanging it. */
async function ask(path: "edge" | "scenario", init: RequestInit = {}): Promise<Response> {
  return fetch(origins[path], { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
}

const rowsOf = (x: { data: Float32Array; shape: number[] }) =>
  Array.from({ length: x.shape[0]! }, (_, r) => Array.from(x.data.subarray(r * x.shape[1]!, (r + 1) * x.shape[1]!)));

/** The f32 bit patterns of scores that came back as JSON numbers (f32 → f64 → JSON → f64 is exact). */
const bitsOf = (values: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(values).buffer));

/** The JSON body of a response with `status`, or a failure that quotes the body and workerd's log. */
async function bodyOf<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  let body: T | undefined;
  try {
    body = JSON.parse(text) as T;
  } catch {}
  if (response.status !== status || body === undefined) {
    throw new Error(`expected HTTP ${status} with a JSON body, found ${response.status}: ${text.slice(0, 2000)}\nworkerd:\n${output}`);
  }
  return body;
}

async function score(rows: number[][]): Promise<number[]> {
  const response = await ask("edge", { method: "POST", body: JSON.stringify({ rows }) });
  return (await bodyOf<{ scores: number[] }>(response, 200)).scores;
}

const errorOf = async (response: Response, status: number) => (await bodyOf<{ error: string }>(response, status)).error;

describe("workerd: examples/edge/worker.mjs on 127.0.0.1", () => {
  test("GET describes the loaded model", async (ctx) => {
    if (skipped) return ctx.skip();
    expect(await bodyOf(await ask("edge"), 200)).toEqual({ inputShape: [24], codeShape: [4] });
  });

  test("POST of the probe rows: the scenario's hash of Node's scores", async (ctx) => {
    if (skipped) return ctx.skip();
    const scores = await score(rowsOf(edgeProbe()));
    expect(await hashFloats(Float32Array.from(scores))).toBe(reference.parts.denseBceAdam!.hashes.reconstructionError);
  });

  test(`${REQUESTS} requests of 1 to 16 rows, four at a time: every score has the bits Node computes`, async (ctx) => {
    if (skipped) return ctx.skip();
    const batches = Array.from({ length: REQUESTS }, (_, i) => generateData(1 + ((i * 7) % 16), 24, 0x1000 + i));
    for (let start = 0; start < REQUESTS; start += 4) {
      const group = batches.slice(start, start + 4);
      const answers = await Promise.all(group.map((x) => score(rowsOf(x))));
      group.forEach((x, k) => {
        expect(bitsOf(answers[k]!), `request ${start + k} (${x.shape[0]} rows)`).toEqual(bitsOf(node.reconstructionError(x)));
      });
    }
  });

  test("bad requests: 400 for a body that is not JSON or rows of the wrong width, 405 for PUT", async (ctx) => {
    if (skipped) return ctx.skip();
    expect(await errorOf(await ask("edge", { method: "POST", body: "not json" }), 400)).toMatch(/expected a JSON body/);
    const narrow = await ask("edge", { method: "POST", body: JSON.stringify({ rows: [[1, 2]] }) });
    expect(await errorOf(narrow, 400)).toMatch(/expected every row to have 24 values/);
    expect(await errorOf(await ask("edge", { method: "PUT", body: "{}" }), 405)).toBe("use GET or POST");
    // The isolate still answers after the errors.
    expect(await score(rowsOf(edgeProbe()))).toHaveLength(10);
  });
});

describe("workerd: the cross-runtime scenario", () => {
  test("training, outputs, save and load give Node's hashes; no Node globals", async (ctx) => {
    if (skipped) return ctx.skip();
    const body = await bodyOf<ScenarioResult & { nodeGlobals: Record<string, string> }>(await ask("scenario"), 200);
    expect(body.nodeGlobals).toEqual({ process: "undefined", Buffer: "undefined", require: "undefined", global: "undefined" });
    expect(body.parts).toEqual(reference.parts);
  });
});
