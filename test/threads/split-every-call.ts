// The set-up of the pool tests: three threads, started before the tests,
// and every kernel call split however small, so small models run on all of
// them; the split threshold is restored afterwards.
import { afterAll, beforeAll } from "vitest";
import { init, threadsReady } from "../../src/index.js";
import { setMinParallelWork } from "../../src/ops/parallel.js";

export function splitEveryCallOnThreeThreads(): void {
  let previous = 0;
  beforeAll(async () => {
    await init({ threads: 3 });
    await threadsReady();
    previous = setMinParallelWork(0);
  });
  afterAll(() => setMinParallelWork(previous));
}
