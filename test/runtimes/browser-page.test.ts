// The browser example (examples/browser/) in headless Chromium: the worker
// trains on MNIST digits, the page draws the loss curve and reconstructions,
// and a stroke drawn with the mouse gets a reconstruction and an anomaly
// score. Saves a screenshot to out/browser-example.png.
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { serve } from "../../examples/browser/serve.mjs";
import { DATA_DIR, writeDigits } from "../../examples/browser/make-data.js";
import { ensureDist } from "../package/dist.js";
import { launchChromium, missing, ROOT } from "./runtimes.js";

let server: { origin: string; close(): Promise<void> } | undefined;

beforeAll(async () => {
  await ensureDist();
  if (!existsSync(join(DATA_DIR, "digits.u8"))) await writeDigits(2000);
  server = await serve({ root: ROOT });
}, 600_000);

afterAll(async () => {
  await server?.close();
});

/** Pixel variance (0..255 grey levels) of each 28·zoom square tile in a row of a canvas. */
const TILE_VARIANCES = `(id, top, size, count) => {
  const ctx = document.getElementById(id).getContext("2d");
  return Array.from({ length: count }, (_, k) => {
    const { data } = ctx.getImageData(k * size, top, size, size);
    let sum = 0, sq = 0, n = data.length / 4;
    for (let i = 0; i < data.length; i += 4) { sum += data[i]; sq += data[i] * data[i]; }
    const mean = sum / n;
    return sq / n - mean * mean;
  });
}`;

test("examples/browser: trains in a worker, shows non-blank reconstructions, scores a drawn digit", async (ctx) => {
  if (missing("chromium")) return ctx.skip();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 760 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${server!.origin}/examples/browser/?epochs=4`);
    // One epoch is 57 steps: wait past it, so the held-out thresholds are in.
    await page.waitForFunction("globalThis.exampleState && (exampleState.error || (exampleState.steps >= 70 && exampleState.reconstructions >= 4))", null, { timeout: 60_000 });
    expect(await page.evaluate("exampleState.error")).toBeNull();
    // The test server sends COOP/COEP, so the worker's engine shares its memory with threads of its own.
    const cores = (await page.evaluate("navigator.hardwareConcurrency")) as number;
    expect(await page.evaluate("exampleState.engine")).toEqual({ threads: Math.min(8, cores), requested: Math.min(8, cores), reason: null, sharedMemory: true });
    expect(cores).toBeGreaterThanOrEqual(2);

    const size = 28 * 3;
    const originals = (await page.evaluate(`(${TILE_VARIANCES})("recon", 0, ${size}, 8)`)) as number[];
    const reconstructions = (await page.evaluate(`(${TILE_VARIANCES})("recon", ${size}, ${size}, 8)`)) as number[];
    expect(originals.every((v) => v > 500), `originals' pixel variances ${originals.map(Math.round)}`).toBe(true);
    expect(reconstructions.every((v) => v > 200), `reconstructions' pixel variances ${reconstructions.map(Math.round)}`).toBe(true);

    // Draw a "0": an ellipse in the drawing canvas.
    const box = (await page.locator("#draw").boundingBox())!;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    await page.mouse.move(cx, cy - 90);
    await page.mouse.down();
    for (let a = 0; a <= 2 * Math.PI + 0.3; a += 0.15) await page.mouse.move(cx + 55 * Math.sin(a), cy - 90 * Math.cos(a));
    await page.mouse.up();
    await page.waitForFunction("exampleState.score !== null", null, { timeout: 20_000 });
    const score = (await page.evaluate("exampleState.score")) as number;
    expect(Number.isFinite(score) && score > 0 && score < 1, `score ${score}`).toBe(true);
    const [seen] = (await page.evaluate(`(${TILE_VARIANCES})("seen", 0, 168, 1)`)) as number[];
    const [drawn] = (await page.evaluate(`(${TILE_VARIANCES})("drawn-recon", 0, 168, 1)`)) as number[];
    expect(seen!, "the 28×28 drawing").toBeGreaterThan(500);
    expect(drawn!, "its reconstruction").toBeGreaterThan(200);
    expect(await page.textContent("#score")).toMatch(/anomaly score: 0\.\d{4} — .*held-out median/);
    expect(errors).toEqual([]);

    await mkdir(join(ROOT, "out"), { recursive: true });
    await page.screenshot({ path: join(ROOT, "out", "browser-example.png") });
  } finally {
    await browser.close();
  }
});
