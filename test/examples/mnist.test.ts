import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { loadMnist, MNIST_DIGIT_COUNTS, MNIST_PIXELS, mnistDigits } from "../../examples/lib/mnist.js";

const equalBits = (a: ArrayBufferView, b: ArrayBufferView): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe("loadMnist (the digits of the `mnist` package)", () => {
  it("splits all 10,000 images 8000/2000 by default, every digit accounted for", async () => {
    const { train, test } = await loadMnist();
    expect(train.x.shape).toEqual([8000, 784]);
    expect(test.x.shape).toEqual([2000, 784]);
    expect(train.x.data.length).toBe(8000 * 784);
    expect(test.x.data.length).toBe(2000 * 784);
    expect(train.labels.length).toBe(8000);
    expect(test.labels.length).toBe(2000);
    const counts = new Array(10).fill(0);
    for (const l of [...train.labels, ...test.labels]) counts[l]++;
    expect(counts).toEqual(MNIST_DIGIT_COUNTS);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(10_000);
    const seen = new Set([...train.indices, ...test.indices]);
    expect(seen.size).toBe(10_000);
    // A shuffle, not the package's order: every digit shows up in the first 100.
    expect(new Set(train.labels.subarray(0, 100)).size).toBe(10);
  });

  it("pixels are in [0, 1], and each image is the package's image at its index", async () => {
    const { train, test } = await loadMnist();
    const digits = await mnistDigits();
    for (const split of [train, test]) {
      let min = Infinity;
      let max = -Infinity;
      for (const v of split.x.data) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      expect(min).toBe(0);
      expect(max).toBeLessThanOrEqual(1);
      expect(max).toBeGreaterThan(0.99);
      for (const r of [0, 1, 777, split.labels.length - 1]) {
        const i = split.indices[r]!;
        const image = split.x.data.subarray(r * MNIST_PIXELS, (r + 1) * MNIST_PIXELS);
        expect(equalBits(image, digits.x.subarray(i * MNIST_PIXELS, (i + 1) * MNIST_PIXELS)), `row ${r} is image ${i}`).toBe(true);
        expect(split.labels[r]).toBe(digits.labels[i]);
      }
    }
  });

  it("is the same split twice, another for another seed, and smaller splits are prefixes", async () => {
    const a = await loadMnist({ seed: 0 });
    const b = await loadMnist({ seed: 0 });
    expect(equalBits(a.train.x.data, b.train.x.data)).toBe(true);
    expect(equalBits(a.test.x.data, b.test.x.data)).toBe(true);
    expect(equalBits(a.train.labels, b.train.labels)).toBe(true);
    const c = await loadMnist({ seed: 1 });
    expect(equalBits(a.train.indices, c.train.indices)).toBe(false);
    expect(equalBits(a.test.labels, c.test.labels)).toBe(false);
    const small = await loadMnist({ trainSize: 100, testSize: 50, seed: 0 });
    expect(small.train.x.shape).toEqual([100, 784]);
    expect(Array.from(small.train.indices)).toEqual(Array.from(a.train.indices.subarray(0, 100)));
    expect(Array.from(small.test.indices)).toEqual(Array.from(a.train.indices.subarray(100, 150)));
  });

  it("rejects impossible sizes and seeds with a ConfigError", async () => {
    await expect(loadMnist({ trainSize: 9000, testSize: 2000 })).rejects.toThrow(/trainSize \+ testSize.*found 9000 \+ 2000/);
    await expect(loadMnist({ trainSize: -1 })).rejects.toThrow(ConfigError);
    await expect(loadMnist({ testSize: 1.5 })).rejects.toThrow(/testSize/);
    await expect(loadMnist({ seed: -3 })).rejects.toThrow(/seed/);
  });
});
