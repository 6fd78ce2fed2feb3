// A page served with a strict Content-Security-Policy (scripts and workers
// from its own origin only: no inline script, no blob: workers) and
// COOP/COEP, in Chromium and Firefox. The slim entry, given the core and the
// worker as files (init({ wasm, workerUrl })), trains on 2 threads with the
// hashes of one thread; without workerUrl the policy refuses the Blob
// worker, and the engine runs on one thread and says why.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { workerSource } from "../../src/wasm/worker-source.js";
import { serve } from "../../examples/browser/serve.mjs";
import { ensureDist } from "../package/dist.js";
import { launchChromium, launchFirefox, missing, ROOT } from "./runtimes.js";

/** No 'unsafe-inline', no blob:. 'wasm-unsafe-eval' lets the page compile wasm at all (without it both browsers refuse every WebAssembly compile). */
const POLICY = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'";
/** The same without 'wasm-unsafe-eval': init must say what the page is missing. */
const NO_WASM_POLICY = "default-src 'self'; script-src 'self'; worker-src 'self'";

interface PageResult {
  engine: { threads: number; requested: number; reason: string | null; sharedMemory: boolean } | null;
  parts: Record<string, unknown> | null;
  error: string | null;
  violations: string[];
}

/** What playwright's and puppeteer's pages both offer. */
interface AnyPage {
  goto(url: string): Promise<unknown>;
  evaluate(expression: string): Promise<unknown>;
}

type Server = { origin: string; close(): Promise<void> };
let server: Server;
let noWasmServer: Server;

beforeAll(async () => {
  await ensureDist();
  server = await serve({ root: ROOT, headers: { "Content-Security-Policy": POLICY } });
  noWasmServer = await serve({ root: ROOT, headers: { "Content-Security-Policy": NO_WASM_POLICY } });
}, 600_000);

afterAll(async () => {
  await server?.close();
  await noWasmServer?.close();
});

/** Opens csp.html with `query` and waits for its script's result (polled: the policy forbids the eval a waitForFunction would need). */
async function open(page: AnyPage, query: string, origin = server.origin): Promise<PageResult> {
  await page.goto(`${origin}/test/runtimes/csp.html?${query}`);
  const deadline = Date.now() + 240_000;
  while (Date.now() < deadline) {
    const text = (await page.evaluate("globalThis.cspResult ?? null")) as string | null;
    if (text !== null) return JSON.parse(text) as PageResult;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`csp.html?${query}: expected a result within 240 s, found none`);
}

async function checkPage(newPage: () => Promise<AnyPage>): Promise<void> {
  const single = await open(await newPage(), "threads=1&scenario");
  expect(single.error).toBeNull();
  expect(single.engine).toEqual({ threads: 1, requested: 1, reason: "init was asked for one thread", sharedMemory: false });
  expect(Object.keys(single.parts!)).toEqual(["denseBceAdam", "denseMseSgd", "convVae", "denseWide"]);

  const threaded = await open(await newPage(), "threads=2&worker&scenario");
  expect(threaded.error).toBeNull();
  expect(threaded.violations).toEqual([]);
  expect(threaded.engine).toEqual({ threads: 2, requested: 2, reason: null, sharedMemory: true });
  expect(threaded.parts).toEqual(single.parts);

  // The default Blob worker: refused by worker-src, so one thread, and engineInfo says the workers did not start.
  const refused = await open(await newPage(), "threads=2");
  expect(refused.error).toBeNull();
  expect(refused.engine?.threads).toBe(1);
  expect(refused.engine?.reason).toMatch(/^worker threads did not start: /);
  expect(refused.violations.some((v) => v.startsWith("worker-src") && /blob/.test(v)), `violations: ${refused.violations}`).toBe(true);
  expect(refused.engine?.reason).toMatch(/blob: in worker-src refuses it; pass init\(\{ workerUrl \}\)/);

  // No 'wasm-unsafe-eval': the browser refuses to compile the core, and init's typed error names the missing source.
  const noWasm = await open(await newPage(), "threads=2&worker", noWasmServer.origin);
  expect(noWasm.error).toMatch(/^UnsupportedRuntimeError: the page's Content-Security-Policy forbids compiling WebAssembly .*add 'wasm-unsafe-eval' to its script-src/);
}

test("dist/worker.js is the source the entries start their Blob workers from", async () => {
  expect(await readFile(join(ROOT, "dist", "worker.js"), "utf8")).toBe(workerSource(false));
});

describe("a strict-CSP page: the slim entry with workerUrl trains on 2 threads", () => {
  const inBrowser = (name: "chromium" | "firefox", launch: () => Promise<{ newPage(): Promise<AnyPage>; close(): Promise<void> }>) =>
    test(name, async (ctx) => {
      if (missing(name)) return ctx.skip();
      const browser = await launch();
      try {
        await checkPage(() => browser.newPage());
      } finally {
        await browser.close();
      }
    }, 600_000);
  inBrowser("chromium", launchChromium);
  inBrowser("firefox", launchFirefox);
});
