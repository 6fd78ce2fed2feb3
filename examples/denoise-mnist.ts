// A denoising autoencoder on MNIST, through the Denoiser estimator: fit on
// clean digits (each batch corrupted with Gaussian noise σ = 0.5, clipped to
// [0, 1], the clean digits as target), then asked to clean noisy test digits. Reports PSNR of noisy and denoised images against the
// clean ones, and writes noisy / denoised / clean rows to out/.
// Run: npx tsx examples/denoise-mnist.ts
import { mkdir, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { addNoise, Denoiser, layers } from "../src/index.js";
import { loadMnist } from "./lib/mnist.js";
import { imageGridPng } from "./lib/png.js";

const OUT = resolve("out");
const NOISE = { type: "gaussian", stddev: 0.5, clip: [0, 1] } as const;

/** Mean over images of 10·log10(1 / MSE), pixel range [0, 1]. */
function psnr(a: Float32Array, b: Float32Array, size = 784): number {
  let total = 0;
  const n = a.length / size;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = i * size; j < (i + 1) * size; j++) s += (a[j]! - b[j]!) ** 2;
    total += 10 * Math.log10(size / s);
  }
  return total / n;
}

const { train, test } = await loadMnist();
const denoiser = await new Denoiser({
  noise: NOISE,
  model: {
    input: [784],
    encoder: [layers.dense(512, "relu"), layers.dense(128, "relu")],
    decoder: [layers.dense(512, "relu"), layers.dense(784, "sigmoid")],
    loss: "bce",
  },
  seed: 3,
  epochs: 15,
  batchSize: 128,
  validationSplit: 0,
  earlyStopping: false,
}).fit(train.x);

const noisy = await addNoise(test.x, NOISE, { seed: 99 });
const denoised = denoiser.transform(noisy);
const before = psnr(noisy.data, test.x.data);
const after = psnr(denoised.data, test.x.data);
console.log("| test images (10,000) | PSNR vs clean |");
console.log("| --- | --- |");
console.log(`| noisy (σ = 0.5, clipped) | ${before.toFixed(2)} dB |`);
console.log(`| denoised | ${after.toFixed(2)} dB |`);
console.log(`| gain | ${(after - before).toFixed(2)} dB |`);

await mkdir(OUT, { recursive: true });
const pick = (d: Float32Array) => Array.from({ length: 12 }, (_, i) => d.subarray(i * 784, (i + 1) * 784));
await writeFile(resolve(OUT, "denoising.png"), imageGridPng([pick(noisy.data), pick(denoised.data), pick(test.x.data)], 28, 2));
console.log(`Wrote ${OUT}/denoising.png (rows: noisy, denoised, clean)`);
denoiser.dispose();
