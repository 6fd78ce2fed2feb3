// The MNIST architectures the examples and the main job share.
import { layers, type AutoencoderConfig, type VAEConfig } from "../../src/index.js";

export const CONV_AUTOENCODER: AutoencoderConfig = {
  input: [28, 28, 1],
  encoder: [
    layers.conv2d({ filters: 32, kernelSize: 3, strides: 2, padding: "same", activation: "leakyRelu", alpha: 0.2 }),
    layers.batchNorm({ momentum: 0.9 }),
    layers.conv2d({ filters: 64, kernelSize: 3, strides: 2, padding: "same", activation: "leakyRelu", alpha: 0.2 }),
    layers.batchNorm({ momentum: 0.9 }),
    layers.flatten(),
    layers.dense(32),
  ],
  decoder: [
    layers.dense(7 * 7 * 64, "leakyRelu"),
    layers.reshape([7, 7, 64]),
    layers.conv2dTranspose({ filters: 32, kernelSize: 3, strides: 2, padding: "same", activation: "leakyRelu", alpha: 0.2 }),
    layers.batchNorm({ momentum: 0.9 }),
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

/** PyTorch's examples/vae: 784-400-(μ, log σ²)-400-784, ReLU, sigmoid output, Bernoulli likelihood, Adam 1e-3. */
export const pytorchVae = (latent: number, seed: number): VAEConfig => ({
  input: [784],
  encoder: [layers.dense(400, "relu")],
  latent,
  decoder: [layers.dense(400, "relu"), layers.dense(784, "sigmoid")],
  loss: "bce",
  optimizer: { name: "adam", learningRate: 1e-3 },
  seed,
});
