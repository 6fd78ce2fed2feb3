// The pool inside one process: what init and engineInfo report, errors and a
// hung worker becoming typed errors, a worker that dies between calls, two
// models training at once, and no memory growth with threads.
import { describe, expect, test } from "vitest";
import { Autoencoder, ConfigError, engineInfo, init, layers, WorkerError, type AutoencoderConfig } from "../../src/index.js";
import { getEngine } from "../../src/wasm/module.js";
import { startPool } from "../../src/wasm/threads.js";
import { randomArray } from "../helpers.js";
import { splitEveryCallOnThreeThreads } from "./split-every-call.js";

splitEveryCallOnThreeThreads();

const config = (seed: number): AutoencoderConfig => ({
  input: [40],
  encoder: [layers.dense(24, "relu"), layers.dense(6)],
  decoder: [layers.dense(24, "relu"), layers.dense(40, "sigmoid")],
  loss: "mse",
  optimizer: { name: "adam", learningRate: 1e-2 },
  seed,
});
const data = (seed: number) => ({ data: randomArray(120 * 40, seed, 0, 1), shape: [120, 40] });

async function trainAlone(seed: number): Promise<Uint8Array> {
  const model = await Autoencoder.create(config(seed));
  try {
    await model.fit(data(seed), { epochs: 3, batchSize: 16 });
    return model.save();
  } finally {
    model.dispose();
  }
}

describe("the thread pool", () => {
  test("init({ threads: 3 }) runs three threads on a shared memory; engineInfo says so", () => {
    expect(engineInfo()).toEqual({ threads: 3, requested: 3, reason: null, sharedMemory: true });
  });

  test("init refuses unknown options and thread counts it cannot run, also once loaded", async () => {
    await expect(init({ thread: 2 } as never)).rejects.toThrow(/unknown option "thread" \(did you mean "threads"\?\)/);
    for (const bad of [0, 1.5, -1, 65, "2", null, Number.NaN]) {
      await expect(init({ threads: bad as never })).rejects.toThrow(ConfigError);
    }
    await expect(init({ threads: 0 })).rejects.toThrow(/threads must be "auto" or an integer in \[1, 64\], found 0/);
  });

  test("a kernel that traps on a worker becomes a WorkerError naming the kernel, and the pool goes on", () => {
    const pool = getEngine().pool!;
    pool.callerTakesPart = false;
    try {
      // Far past the end of memory: the store traps (out of bounds).
      const far = 0xfffff000;
      const task = [far, far, far, 0, 64, 64, 64, 0, 0, 64, 0, 64, 0];
      expect(() => pool.run("f32_gemm_nn_range", [task, task])).toThrow(WorkerError);
      expect(() => pool.run("f32_gemm_nn_range", [task, task])).toThrow(/f32_gemm_nn_range failed on a thread \(task [01] of 2\): .*out of bounds/);
    } finally {
      pool.callerTakesPart = true;
    }
    expect(pool.threads).toBe(3);
    expect(pool.run("f32_adam_step", [])).toEqual([]);
  });

  test("a worker that hangs in a task becomes a WorkerError, not a hang; the pool then runs on the caller alone", async () => {
    // A core with one export that waits forever on its shared memory: the workers take both tasks and never finish.
    const wasm = new Uint8Array([
      0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 2, 16, 1, 3, 101, 110, 118, 6, 109, 101, 109, 111, 114, 121, 2, 3, 1, 1,
      3, 2, 1, 0, 7, 17, 1, 13, ...new TextEncoder().encode("f32_adam_step"), 0, 0,
      10, 15, 1, 13, 0, 65, 0, 65, 0, 66, 127, 254, 1, 2, 0, 26, 11,
    ]);
    const module = new WebAssembly.Module(wasm);
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    const exports = new WebAssembly.Instance(module, { env: { memory } }).exports as Record<string, unknown>;
    const pool = await startPool(module, memory, 1024, exports, 3);
    pool.stallMs = 300;
    pool.callerTakesPart = false;
    expect(() => pool.run("f32_adam_step", [[], []])).toThrow(/expected 2 tasks to finish, found 0 after 300 ms without progress/);
    expect(pool.threads).toBe(1);
    expect(pool.broken).toMatch(/no task finished/);
  });

  test("two models training at once (Promise.all) give the bytes each gives alone", async () => {
    const alone = [await trainAlone(1), await trainAlone(2)];
    const together = await Promise.all([trainAlone(1), trainAlone(2)]);
    expect(Buffer.from(together[0]!).equals(Buffer.from(alone[0]!))).toBe(true);
    expect(Buffer.from(together[1]!).equals(Buffer.from(alone[1]!))).toBe(true);
  });

  test("grows no memory in steady state with threads: 2,000 steps keep memory and scratch high-water flat after epoch 1", async () => {
    const { arena } = getEngine();
    const model = await Autoencoder.create(config(5));
    const marks: { memory: number; highWater: number; live: number }[] = [];
    await model.fit({ data: randomArray(400 * 40, 9, 0, 1), shape: [400, 40] }, {
      epochs: 40,
      batchSize: 8,
      onEpochEnd: () => {
        marks.push({ memory: arena.memoryBytes, highWater: arena.scratchHighWater, live: arena.liveBytes });
      },
    });
    expect(model.step).toBe(2000);
    for (const m of marks.slice(1)) expect(m).toEqual(marks[0]);
    model.dispose();
  });

  test("a worker that dies between calls costs no result: the caller takes its tasks, then the engine reports one thread", async () => {
    const before = await trainAlone(3);
    const pool = getEngine().pool!;
    (pool as unknown as { workers: { terminate(): void }[] }).workers[0]!.terminate();
    // Right after the kill, before the runtime reports the exit: the others and the caller take the work.
    expect(Buffer.from(await trainAlone(3)).equals(Buffer.from(before))).toBe(true);
    for (let i = 0; i < 200 && pool.broken === null; i++) await new Promise((r) => setTimeout(r, 10));
    expect(engineInfo()).toMatchObject({ threads: 1, requested: 3, reason: expect.stringMatching(/a worker thread stopped/) });
    expect(Buffer.from(await trainAlone(3)).equals(Buffer.from(before))).toBe(true);
  });
});
