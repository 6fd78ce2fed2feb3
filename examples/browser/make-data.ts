// Writes the digits the browser example trains on: the first images of the
// standard MNIST training file as raw bytes (one byte per pixel, 0..255,
// 784 per image) in examples/browser/data/, so the page fetches one small file
// instead of the package's JSON:
//   npx tsx examples/browser/make-data.ts [count]   (default 2000)
// → data/digits.u8 (count × 784 bytes) and data/labels.u8 (count bytes).
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadMnist, MNIST_PIXELS } from "../lib/mnist.js";

export const DATA_DIR = fileURLToPath(new URL("./data/", import.meta.url));

export async function writeDigits(count = 2000, dir = DATA_DIR): Promise<{ digits: string; labels: string }> {
  const { train } = await loadMnist({ trainSize: count, testSize: 0 });
  const pixels = new Uint8Array(count * MNIST_PIXELS);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.round(Math.min(1, Math.max(0, train.x.data[i]!)) * 255);
  await mkdir(dir, { recursive: true });
  const digits = join(dir, "digits.u8");
  const labels = join(dir, "labels.u8");
  await writeFile(digits, pixels);
  await writeFile(labels, train.labels);
  return { digits, labels };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const count = Number(process.argv[2] ?? 2000);
  const { digits } = await writeDigits(count);
  console.log(`${digits}: ${count} digits`);
}
