// One scenario (scenario.mjs), every runtime, identical bits: Node, Deno, Bun,
// Chromium and Firefox each train the same models from the same seeds with
// dist/index.js and must return the same SHA-256 of the weights and of every
// output (workerd.test.ts runs it in workerd too). A runtime that is not
// installed is skipped with a banner, and fails the run under CI.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { serve } from "../../examples/browser/serve.mjs";
import { ensureDist } from "../package/dist.js";
import { BUN, lastJson, launchChromium, launchFirefox, missing, ROOT, run, runDeno } from "./runtimes.js";

interface ScenarioResult {
  parts: Record<string, { hashes: Record<string, string>; firstValues: number[] }>;
  engine: { threads: number; reason: string | null };
}

/** The same bits as the reference, on at least two threads (every runtime here may run them: the pages are cross-origin isolated). */
function expectReferenceOnThreads(result: ScenarioResult): void {
  expect(result.parts).toEqual(reference.parts);
  expect(result.engine.threads, `threads (${result.engine.reason})`).toBeGreaterThanOrEqual(2);
}

/** Runs in the page: imports the built library and the scenario from the test server. */
const IN_PAGE = `(async () => {
  const lib = await import("/dist/index.js");
  const { runScenario } = await import("/test/runtimes/scenario.mjs");
  await lib.threadsReady();
  return JSON.stringify({ ...(await runScenario(lib)), engine: lib.engineInfo() });
})()`;

let server: { origin: string; close(): Promise<void> };
let reference: ScenarioResult;

beforeAll(async () => {
  await ensureDist();
  server = await serve({ root: ROOT });
  reference = lastJson<ScenarioResult>(await run(process.execPath, ["test/runtimes/run-cli.mjs"]), "node run-cli.mjs");
}, 600_000);

afterAll(async () => {
  await server?.close();
});

describe("the scenario gives identical bits in every runtime", () => {
  test("node: a second process gives the same hashes (and every part ran)", async () => {
    const again = lastJson<ScenarioResult>(await run(process.execPath, ["test/runtimes/run-cli.mjs"]), "node run-cli.mjs");
    expect(Object.keys(reference.parts)).toEqual(["denseBceAdam", "denseMseSgd", "convVae", "denseWide"]);
    for (const part of Object.values(reference.parts)) {
      expect(part.hashes.loadedReconstruct, "reconstruct after save → load").toBe(part.hashes.reconstruct);
      expect(part.hashes.resaved, "save → load → save").toBe(part.hashes.saved);
    }
    expect(again).toEqual(reference);
    expectReferenceOnThreads(again);
  });

  test("node on one thread gives the hashes of node on its threads", async () => {
    const single = lastJson<ScenarioResult>(await run(process.execPath, ["test/runtimes/run-cli.mjs", "--threads=1"]), "node run-cli.mjs --threads=1");
    expect(single.engine.threads).toBe(1);
    expect(single.parts).toEqual(reference.parts);
  });

  test("deno (no permissions)", async () => {
    const result = lastJson<ScenarioResult>(await runDeno([], "test/runtimes/run-cli.mjs"), "deno run-cli.mjs");
    expectReferenceOnThreads(result);
  });

  test("bun (the npm package's binary)", async (ctx) => {
    if (missing("bun")) return ctx.skip();
    const result = lastJson<ScenarioResult>(await run(BUN, ["test/runtimes/run-cli.mjs"]), "bun run-cli.mjs");
    expectReferenceOnThreads(result);
  });

  test("chromium (playwright-core)", async (ctx) => {
    if (missing("chromium")) return ctx.skip();
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${server.origin}/test/runtimes/blank.html`);
      const result = JSON.parse((await page.evaluate(IN_PAGE)) as string) as ScenarioResult;
      expectReferenceOnThreads(result);
    } finally {
      await browser.close();
    }
  });

  test("firefox (puppeteer-core, WebDriver BiDi)", async (ctx) => {
    if (missing("firefox")) return ctx.skip();
    const browser = await launchFirefox();
    try {
      const page = await browser.newPage();
      await page.goto(`${server.origin}/test/runtimes/blank.html`);
      const result = JSON.parse((await page.evaluate(IN_PAGE)) as string) as ScenarioResult;
      expectReferenceOnThreads(result);
    } finally {
      await browser.close();
    }
  });
});
