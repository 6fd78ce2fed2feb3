// init's workerUrl in Node: a value that is no URL is a ConfigError, before
// and after the engine loads; a URL is for web Workers only, so Node's
// worker_threads still start from the inline source (the browsers' use of it
// is test/runtimes/csp.test.ts).
import { expect, test } from "vitest";
import { ConfigError, engineInfo, init, threadsReady } from "../../src/index.js";

test("workerUrl: not a URL is a ConfigError; in Node a URL is ignored and the pool starts", async () => {
  for (const bad of [42, "", null, {}]) {
    await expect(init({ threads: 2, workerUrl: bad as never })).rejects.toThrow(ConfigError);
  }
  await expect(init({ threads: 2, workerUrl: 42 as never })).rejects.toThrow(/workerUrl must be the URL \(a string or a URL\) of autoencoders' dist\/worker\.js, found 42/);
  await init({ threads: 2, workerUrl: new URL("file:///nowhere/worker.js") });
  expect(await threadsReady()).toEqual({ threads: 2, requested: 2, reason: null, sharedMemory: true });
  // Once loaded, init checks the option again.
  await expect(init({ workerUrl: 7 as never })).rejects.toThrow(ConfigError);
  expect(engineInfo().threads).toBe(2);
});
