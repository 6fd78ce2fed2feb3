// The models of François Chollet's post "Building Autoencoders in Keras"
// (blog.keras.io, 2016, code updated to the Keras 2 / TF 2 API with the Adam
// optimizer), each with the settings the post trains it with and the figures
// it reports. Keras's defaults carried over: Glorot-uniform kernels and zero
// biases (ours too), Adam with learning rate 1e-3 and ε = 1e-7 (ours defaults
// to PyTorch's 1e-8), BCE as the mean over pixels and samples (ours too).
import { layers, type AutoencoderConfig, type NoiseConfig } from "../src/index.js";

export type KerasBlogModel = "simple" | "sparse" | "deep" | "conv" | "denoise";
export const KERAS_BLOG_MODELS: readonly KerasBlogModel[] = ["simple", "sparse", "deep", "conv", "denoise"];

export interface KerasBlogSetup {
  title: string;
  config: AutoencoderConfig;
  epochs: number;
  batchSize: number;
  /** The figures the post states after `epochs`, in its words. */
  post: { loss?: number; valLoss?: number; codeMean?: number; text: string };
  /** Where our model is not the post's, and why. */
  differences: string[];
}

/**
 * Keras's Adam defaults. Keras adds ε to √v, ours to √v̂ = √(v / (1 − β₂ᵗ)):
 * with ε = 1e-7 the two differ only while ε matters, in the first few
 * thousand steps, and there by less than a factor 1 / √(1 − β₂ᵗ) on ε.
 */
const KERAS_ADAM = { name: "adam", learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const;

/** x + 0.5·N(0, 1), clipped to [0, 1]: the post's noise_factor = 0.5. */
export const KERAS_BLOG_NOISE: NoiseConfig = { type: "gaussian", stddev: 0.5, clip: [0, 1] };

const conv = (filters: number, padding: "same" | "valid" = "same", activation: "relu" | "sigmoid" = "relu") =>
  layers.conv2d({ filters, kernelSize: 3, padding, activation });

export function kerasBlogSetup(model: KerasBlogModel, seed = 1): KerasBlogSetup {
  const common = { loss: "bce", optimizer: KERAS_ADAM, seed } as const;
  switch (model) {
    case "simple":
      return {
        title: "simple autoencoder, 784-32-784",
        config: { input: [784], encoder: [layers.dense(32, "relu")], decoder: [layers.dense(784, "sigmoid")], ...common },
        epochs: 50,
        batchSize: 256,
        post: { loss: 0.09, valLoss: 0.09, codeMean: 7.3, text: "after 50 epochs a stable train/validation loss of about 0.09; encoded_imgs.mean() 7.30" },
        differences: [],
      };
    case "sparse":
      return {
        title: "sparse autoencoder, 784-32-784, L1 activity 1e-4 on the code",
        config: {
          input: [784], encoder: [layers.dense(32, "relu")], decoder: [layers.dense(784, "sigmoid")], ...common,
          // Keras's regularizers.l1(10e-5) on the layer's output: 1e-4·Σ|code| summed
          // per sample and divided by the batch size, our `l1` exactly.
          sparsity: { l1: 10e-5 },
        },
        epochs: 100,
        batchSize: 256,
        post: { loss: 0.11, valLoss: 0.1, codeMean: 3.33, text: "after 100 epochs a train loss of 0.11 and a test loss of 0.10; encoded_imgs.mean() 3.33" },
        differences: [],
      };
    case "deep":
      return {
        title: "deep fully connected, 784-128-64-32-64-128-784",
        config: {
          input: [784],
          encoder: [layers.dense(128, "relu"), layers.dense(64, "relu"), layers.dense(32, "relu")],
          decoder: [layers.dense(64, "relu"), layers.dense(128, "relu"), layers.dense(784, "sigmoid")],
          ...common,
        },
        epochs: 100,
        batchSize: 256,
        post: { loss: 0.08, valLoss: 0.08, text: "after 100 epochs a train and validation loss of ~0.08" },
        differences: [],
      };
    case "conv":
      return {
        title: "convolutional, 28×28×1 → 4×4×8 → 28×28×1",
        config: {
          input: [28, 28, 1],
          encoder: [
            conv(16), layers.maxPool2d(),
            conv(8), layers.maxPool2d(),
            // The post: Conv2D(8, same) then MaxPooling2D(padding="same"), 7×7 → 4×4.
            // Our maxPool2d has no "same" padding (7×7 → 3×3), so a stride-2 "same"
            // convolution does both: the same 4×4×8 = 128-float code.
            layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }),
          ],
          decoder: [
            conv(8), layers.upSampling2d(),
            conv(8), layers.upSampling2d(),
            conv(16, "valid"), layers.upSampling2d(),
            conv(1, "same", "sigmoid"),
          ],
          ...common,
        },
        epochs: 50,
        batchSize: 128,
        post: { loss: 0.094, valLoss: 0.094, text: "after 50 epochs converges to a loss of 0.094" },
        differences: ["the third Conv2D + MaxPooling2D(padding=\"same\") (7×7 → 4×4) is one stride-2 \"same\" Conv2D: our maxPool2d has no \"same\" padding; the code is 4×4×8 as in the post"],
      };
    case "denoise":
      return {
        title: "denoising convolutional, 28×28×1 → 7×7×32 → 28×28×1, noise 0.5",
        config: {
          input: [28, 28, 1],
          encoder: [conv(32), layers.maxPool2d(), conv(32), layers.maxPool2d()],
          decoder: [conv(32), layers.upSampling2d(), conv(32), layers.upSampling2d(), conv(1, "same", "sigmoid")],
          ...common,
          noise: KERAS_BLOG_NOISE,
        },
        epochs: 100,
        batchSize: 128,
        post: { text: "trained 100 epochs on noisy → clean digits; the post shows denoised digits and states no loss" },
        differences: ["the noise is drawn anew for each batch (our `noise` option) instead of once for a fixed noisy copy of the training set"],
      };
  }
}
