// A convolutional autoencoder on MNIST (28×28×1): Conv + LeakyReLU + BatchNorm
// down to a dense code of 32, ConvTranspose + LeakyReLU + BatchNorm back up;
// compared with the dense 784-256-64-32 autoencoder of the main job at the
// same code size and a similar training time.
// Run: npx tsx examples/conv-mnist.ts
import { Autoencoder, layers, type AutoencoderConfig } from "../src/index.js";
import { loadMnist } from "./lib/mnist.js";

export const CONV_AUTOENCODER: AutoencoderConfig = {
  input: [28, 28, 1],
  encoder: [
    layers.conv2d({ filters: 32, kernelSize: 3, strides: 2, padding: "same", activation: "leakyRelu", alpha: 0.2 }),
    layers.batchNorm(),
    layers.conv2d({ filters: 64, kernelSize: 3, strides: 2, padding: "same", activation: "leakyRelu", alpha: 0.2 }),
    layers.batchNorm(),
    layers.flatten(),
    layers.dense(32),
  ],
  decoder: [
    layers.dense(7 * 7 * 64, "leakyRelu"),
    layers.reshape([7, 7, 64]),
    layers.conv2dTranspose({ filters: 32, kernelSize: 3, strides: 2, padding: "same", activation: "leakyRelu", alpha: 0.2 }),
    layers.batchNorm(),
    layers.conv2dTranspose({ filters: 1, kernelSize: 3, strides: 2, padding: "same", activation: "sigmoid" }),
  ],
  loss: "bce",
  optimizer: { name: "adam", learningRate: 1e-3 },
  seed: 7,
};

export const DENSE_AUTOENCODER: AutoencoderConfig = {
  input: [784],
  encoder: [layers.dense(256, "relu"), layers.dense(64, "relu"), layers.dense(32)],
  decoder: [layers.dense(64, "relu"), layers.dense(256, "relu"), layers.dense(784, "sigmoid")],
  loss: "bce",
  optimizer: { name: "adam", learningRate: 2e-3 },
  seed: 7,
};

function mse(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s / a.length;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { train, test } = await loadMnist({ trainSize: 8000, testSize: 2000, seed: 0 });
  const budget = Number(process.env.SECONDS ?? 60);
  console.log(`Each model trains for about ${budget} s (whole epochs), batch 64.\n`);
  console.log("| model | code | epochs | train samples/s | test MSE |");
  console.log("| --- | --- | --- | --- | --- |");
  for (const [name, config, x] of [
    ["dense 784-256-64-32", DENSE_AUTOENCODER, train.x],
    ["conv 32-64 + BN, dense 32", CONV_AUTOENCODER, { data: train.x.data, shape: [8000, 28, 28, 1] }],
  ] as const) {
    const ae = await Autoencoder.create(config);
    const started = performance.now();
    let epochs = 0;
    let rate = 0;
    while ((performance.now() - started) / 1000 < budget) {
      const h = await ae.fit(x, { epochs: 1, batchSize: 64, onEpochEnd: (_, logs) => void (rate = logs.samplesPerSecond) });
      void h;
      epochs++;
    }
    const out = ae.reconstruct(config.input.length === 3 ? { data: test.x.data, shape: [2000, 28, 28, 1] } : test.x);
    console.log(`| ${name} | 32 | ${epochs} | ${Math.round(rate)} | ${mse(out.data, test.x.data).toFixed(5)} |`);
    ae.dispose();
  }
}
