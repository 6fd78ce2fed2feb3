// The streaming readers in Deno: a web ReadableStream, and paths through node:fs (the runtime-built import).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ensureDist } from "../package/dist.js";
import { writeNpy } from "../../src/index.js";
import { lastJson, runDeno } from "./runtimes.js";

let dir = "";
beforeAll(async () => {
  await ensureDist();
  dir = await mkdtemp(join(tmpdir(), "stream-deno-"));
  await writeFile(join(dir, "x.csv"), "x,y\n0.5,1\n2,3\n");
  await writeFile(join(dir, "x.npy"), writeNpy({ data: new Float32Array([9, 8, 7]), shape: [3] }));
}, 600_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("streaming readers in Deno", () => {
  test("read a ReadableStream in chunks and paths with --allow-read, as in Node", async () => {
    const result = lastJson<Record<string, unknown[]>>(
      await runDeno([`--allow-read=${dir}`], "test/runtimes/stream-scenario.mjs", [join(dir, "x.csv"), join(dir, "x.npy")]),
      "deno stream-scenario.mjs",
    );
    expect(result.csvStream).toEqual(result.csvWhole);
    expect(result.csvStream).toEqual([1, 2.5, -3, 4, 0.5, 6, 7, "nan", 9]);
    expect(result.npyStream).toEqual([1, 2, 3, 4, 5, 6]);
    expect(result.csvPath).toEqual([0.5, 1, 2, 3]);
    expect(result.npyPath).toEqual([9, 8, 7]);
  });
});
