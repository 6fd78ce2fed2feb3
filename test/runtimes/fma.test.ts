// numerics "fma" across runtimes: the cross-runtime scenario (scenario.mjs)
// run after init({ numerics: "fma" }) in Node (a fresh process with no flag:
// Node 20 keeps relaxed SIMD behind one, which init sets itself), Deno,
// Chromium and Firefox must give one set of hashes on this machine, and
// none of the default profile's (so the FMA core really runs); in Node also
// on 1 and 3 threads (the others run init's default, "auto").
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { serve } from "../../examples/browser/serve.mjs";
import { ensureDist } from "../package/dist.js";
import { lastJson, launchChromium, launchFirefox, missing, ROOT, run, runDeno } from "./runtimes.js";

interface ScenarioResult {
  parts: Record<string, { hashes: Record<string, string>; firstValues: number[] }>;
}

const IN_PAGE = `(async () => {
  const lib = await import("/dist/index.js");
  await lib.init({ numerics: "fma" });
  const { runScenario } = await import("/test/runtimes/scenario.mjs");
  return JSON.stringify(await runScenario(lib));
})()`;

let server: { origin: string; close(): Promise<void> };
let fma: ScenarioResult;
let exact: ScenarioResult;

beforeAll(async () => {
  await ensureDist();
  server = await serve({ root: ROOT });
  fma = lastJson<ScenarioResult>(await run(process.execPath, ["test/runtimes/run-cli.mjs", "--numerics=fma"]), "node run-cli.mjs --numerics=fma");
  exact = lastJson<ScenarioResult>(await run(process.execPath, ["test/runtimes/run-cli.mjs"]), "node run-cli.mjs");
}, 600_000);

afterAll(async () => {
  await server?.close();
});

describe('numerics "fma" gives identical bits in every runtime, and not the default\'s', () => {
  test("node: every part ran, none with the default profile's bits; a second process agrees", async () => {
    expect(Object.keys(fma.parts)).toEqual(Object.keys(exact.parts));
    for (const [name, part] of Object.entries(fma.parts)) {
      expect(part.hashes.loadedReconstruct, `${name}: reconstruct after save → load`).toBe(part.hashes.reconstruct);
      expect(part.hashes.resaved, `${name}: save → load → save`).toBe(part.hashes.saved);
      for (const key of ["history", "reconstruct", "saved"]) expect(part.hashes[key], `${name} ${key}`).not.toBe(exact.parts[name]!.hashes[key]);
    }
    const again = lastJson<ScenarioResult>(await run(process.execPath, ["test/runtimes/run-cli.mjs", "--numerics=fma"]), "node run-cli.mjs --numerics=fma");
    expect(again).toEqual(fma);
  });

  test("node on 1 and 3 threads", async () => {
    for (const threads of [1, 3]) {
      const result = lastJson<ScenarioResult>(await run(process.execPath, ["test/runtimes/run-cli.mjs", "--numerics=fma", `--threads=${threads}`]), `run-cli.mjs --threads=${threads}`);
      expect(result.parts, `${threads} threads`).toEqual(fma.parts);
    }
  });

  test("deno (no permissions)", async () => {
    const result = lastJson<ScenarioResult>(await runDeno([], "test/runtimes/run-cli.mjs", ["--numerics=fma"]), "deno run-cli.mjs --numerics=fma");
    expect(result).toEqual(fma);
  });

  test("chromium (playwright-core)", async (ctx) => {
    if (missing("chromium")) return ctx.skip();
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${server.origin}/test/runtimes/blank.html`);
      expect(JSON.parse((await page.evaluate(IN_PAGE)) as string).parts).toEqual(fma.parts);
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
      expect(JSON.parse((await page.evaluate(IN_PAGE)) as string).parts).toEqual(fma.parts);
    } finally {
      await browser.close();
    }
  });
});
