// A convolutional autoencoder on MNIST (28×28×1): Conv + LeakyReLU + BatchNorm
// down to a dense code of 32, ConvTranspose + LeakyReLU + BatchNorm back up;
// compared with the dense 784-256-64-32 autoencoder of the main job at the
// same code size and a similar training time.
// Run: npx tsx examples/conv-mnist.ts
import { Autoencoder } from "../src/index.js";
import { CONV_AUTOENCODER, DENSE_AUTOENCODER } from "./lib/architectures.js";
import { loadMnist } from "./lib/mnist.js";

function mse(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s / a.length;
}

const { train, test } = await loadMnist();
const budget = Number(process.env.SECONDS ?? 60);
console.log(`Each model trains for about ${budget} s (whole epochs), batch 64.\n`);
console.log("| model | code | epochs | train samples/s | test MSE |");
console.log("| --- | --- | --- | --- | --- |");
for (const [name, config, x] of [
  ["dense 784-256-64-32", DENSE_AUTOENCODER, train.x],
  ["conv 32-64 + BN, dense 32", CONV_AUTOENCODER, { data: train.x.data, shape: [train.x.shape[0], 28, 28, 1] }],
] as const) {
  const ae = await Autoencoder.create(config);
  const started = performance.now();
  let epochs = 0;
  let rate = 0;
  while ((performance.now() - started) / 1000 < budget) {
    await ae.fit(x, { epochs: 1, batchSize: 64, onEpochEnd: (_, logs) => void (rate = logs.samplesPerSecond) });
    epochs++;
  }
  const out = ae.reconstruct(config.input.length === 3 ? { data: test.x.data, shape: [test.x.shape[0], 28, 28, 1] } : test.x);
  console.log(`| ${name} | 32 | ${epochs} | ${Math.round(rate)} | ${mse(out.data, test.x.data).toFixed(5)} |`);
  ae.dispose();
}
