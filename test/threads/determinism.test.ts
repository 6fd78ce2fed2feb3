// Same bits at any thread count: each count trains the same models in its own
// process (the engine starts once per process) with every kernel call split,
// however small, and all must print the same hashes. Each process must also
// exit by itself: the pool never keeps one alive.
import { describe, expect, test } from "vitest";
import { lastJson, run } from "../runtimes/runtimes.js";

interface Hashes {
  info: { threads: number; requested: number; reason: string | null; sharedMemory: boolean };
  parts: Record<string, { hashes: Record<string, string> }>;
}

const hashes = async (threads: number, ...flags: string[]): Promise<Hashes> => {
  const result = await run(process.execPath, ["--import", "tsx", "test/threads/hashes.ts", String(threads), ...flags], { timeoutMs: 300_000 });
  expect(result.code, result.stderr).toBe(0);
  return lastJson<Hashes>(result, `hashes.ts ${threads}`);
};

describe("threads give the same bits", () => {
  test("dense, conv with batch norm and VAE models: saved bytes and outputs for 1, 2, 3, 4 and 7 threads", async () => {
    const counts = [1, 2, 3, 4, 7];
    // Two at a time: the machine has 2 cores and each process starts up to 6 more threads.
    const results: Hashes[] = [];
    for (let i = 0; i < counts.length; i += 2) results.push(...(await Promise.all(counts.slice(i, i + 2).map((t) => hashes(t)))));
    const [single, ...threaded] = results;
    expect(single!.info).toEqual({ threads: 1, requested: 1, reason: "init was asked for one thread", sharedMemory: false });
    expect(Object.keys(single!.parts)).toEqual(["denseBceAdam", "denseMseSgd", "convVae", "denseWide", "convAutoencoder", "convToOneChannel", "fewRows", "convBatchNormWide"]);
    threaded.forEach((result, i) => {
      expect(result.info, `${counts[i + 1]} threads`).toEqual({ threads: counts[i + 1], requested: counts[i + 1], reason: null, sharedMemory: true });
      expect(result.parts, `${counts[i + 1]} threads`).toEqual(single!.parts);
    });
  }, 900_000);

  test("the default split threshold gives the same bits too", async () => {
    const [one, two] = await Promise.all([hashes(1), hashes(2, "--default-threshold")]);
    expect(two.info.threads).toBe(2);
    expect(two.parts).toEqual(one.parts);
  }, 600_000);
});

test("a program that trains on 4 threads and keeps its model exits by itself", async () => {
  const program = `
    import { Autoencoder, engineInfo, init, layers, threadsReady } from "./src/index.ts";
    await init({ threads: 4 });
    await threadsReady();
    const model = await Autoencoder.create({ input: [300], encoder: [layers.dense(200, "relu")], decoder: [layers.dense(300)], seed: 1 });
    await model.fit({ data: new Float32Array(256 * 300).fill(0.5), shape: [256, 300] }, { epochs: 1, batchSize: 128 });
    console.log(JSON.stringify(engineInfo()));`;
  const result = await run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", program], { timeoutMs: 120_000 });
  expect(result.code, result.stderr).toBe(0);
  expect(JSON.parse(result.stdout.trim())).toMatchObject({ threads: 4 });
}, 180_000);
