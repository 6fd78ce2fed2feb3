// Convolutional autoencoders: shape inference, BatchNorm's two modes and its
// saved statistics, training, and configurations refused at create time.
import { describe, expect, it } from "vitest";
import { Autoencoder, ConfigError, layers, ShapeError, VAE, type AutoencoderConfig } from "../../src/index.js";
import { randomArray } from "../helpers.js";

/** 8×8 single-channel images: blurry random blobs in [0, 1]. */
function images(n: number, seed: number) {
  const centers = randomArray(n * 2, seed, 1.5, 6.5);
  const data = new Float32Array(n * 64);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++) data[i * 64 + y * 8 + x] = Math.exp(-((x - centers[2 * i]!) ** 2 + (y - centers[2 * i + 1]!) ** 2) / 4);
    }
  }
  return { data, shape: [n, 8, 8, 1] };
}

const convConfig = (extra: Partial<AutoencoderConfig> = {}): AutoencoderConfig => ({
  input: [8, 8, 1],
  encoder: [
    layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: "same", activation: "leakyRelu" }),
    layers.batchNorm(),
    layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: "same", activation: "leakyRelu" }),
    layers.batchNorm(),
    layers.flatten(),
    layers.dense(4),
  ],
  decoder: [
    layers.dense(32, "leakyRelu"),
    layers.reshape([2, 2, 8]),
    layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: "same", activation: "leakyRelu" }),
    layers.batchNorm(),
    layers.conv2dTranspose({ filters: 1, kernelSize: 3, strides: 2, padding: "same", activation: "sigmoid" }),
  ],
  loss: "bce",
  optimizer: { name: "adam", learningRate: 5e-3 },
  seed: 3,
  ...extra,
});

describe("convolutional autoencoder", () => {
  it("infers every output shape and counts parameters in the summary", async () => {
    const ae = await Autoencoder.create(convConfig());
    const s = ae.summary();
    expect(s).toMatch(/encoder\.0 \(conv2d\)\s+\[N, 4, 4, 4\]\s+40/);
    expect(s).toMatch(/encoder\.1 \(batchNorm\)\s+\[N, 4, 4, 4\]\s+8/);
    expect(s).toMatch(/encoder\.2 \(conv2d\)\s+\[N, 2, 2, 8\]\s+296/);
    expect(s).toMatch(/encoder\.4 \(flatten\)\s+\[N, 32\]\s+0/);
    expect(s).toMatch(/decoder\.2 \(conv2dTranspose\)\s+\[N, 4, 4, 4\]\s+292/);
    expect(s).toMatch(/decoder\.4 \(conv2dTranspose\)\s+\[N, 8, 8, 1\]\s+37/);
    expect(ae.codeShape).toEqual([4]);
    ae.dispose();
  });

  it("trains; BatchNorm uses moving statistics at inference, saved and loaded with the model", async () => {
    const ae = await Autoencoder.create(convConfig());
    const x = images(96, 1);
    const h = await ae.fit(x, { epochs: 12, batchSize: 16 });
    expect(h.loss.at(-1)!).toBeLessThan(h.loss[0]! * 0.9);
    // Inference does not depend on the rest of the batch.
    const all = ae.reconstruct(x).data;
    const one = ae.reconstruct({ data: x.data.subarray(64 * 5, 64 * 6), shape: [1, 8, 8, 1] }).data;
    expect(Array.from(one)).toEqual(Array.from(all.subarray(64 * 5, 64 * 6)));
    const back = await Autoencoder.load(ae.save());
    expect(Array.from(back.reconstruct(x).data)).toEqual(Array.from(all));
    expect(ae.reconstruct(x).shape).toEqual([96, 8, 8, 1]);
    back.dispose();
    ae.dispose();
  });

  it("supports max pooling and upsampling, and a convolutional VAE", async () => {
    const ae = await Autoencoder.create(convConfig({
      encoder: [layers.conv2d({ filters: 4, kernelSize: 3, padding: "same", activation: "relu" }), layers.maxPool2d(), layers.flatten(), layers.dense(6)],
      decoder: [layers.dense(64, "relu"), layers.reshape([4, 4, 4]), layers.upSampling2d(), layers.conv2d({ filters: 1, kernelSize: 3, padding: "same", activation: "sigmoid" })],
    }));
    const h = await ae.fit(images(32, 2), { epochs: 3, batchSize: 8 });
    expect(h.loss.every(Number.isFinite)).toBe(true);
    ae.dispose();
    const vae = await VAE.create({
      input: [8, 8, 1],
      encoder: [layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: "same", activation: "relu" })],
      latent: 2,
      decoder: [layers.dense(64, "relu"), layers.reshape([4, 4, 4]), layers.conv2dTranspose({ filters: 1, kernelSize: 3, strides: 2, padding: "same", activation: "sigmoid" })],
      seed: 1,
    });
    const vh = await vae.fit(images(32, 3), { epochs: 3, batchSize: 8 });
    expect(vh.kl!.every(Number.isFinite)).toBe(true);
    expect(vae.sample(2).shape).toEqual([2, 8, 8, 1]);
    vae.dispose();
  });

  it("batch-normalizes dense layers over the batch axis", async () => {
    const ae = await Autoencoder.create({
      input: [64],
      encoder: [layers.dense(16), layers.batchNorm(), layers.activation("relu"), layers.dense(4)],
      decoder: [layers.dense(16), layers.batchNorm(), layers.leakyRelu(0.1), layers.dense(64, "sigmoid")],
      loss: "bce",
      seed: 2,
    });
    expect(ae.summary()).toMatch(/encoder\.1 \(batchNorm\)\s+\[N, 16\]\s+32/);
    const flat = { data: images(64, 4).data, shape: [64, 64] };
    const h = await ae.fit(flat, { epochs: 10, batchSize: 16 });
    expect(h.loss.at(-1)!).toBeLessThan(h.loss[0]!);
    ae.dispose();
  });

  it("refuses bad configurations at create time, naming the layer", async () => {
    const bad = async (extra: Partial<AutoencoderConfig>, kind: typeof ShapeError | typeof ConfigError, message: RegExp) => {
      const error = await Autoencoder.create(convConfig(extra)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(kind);
      expect((error as Error).message).toMatch(message);
    };
    await bad({ encoder: [layers.conv2d({ filters: 4, kernelSize: 9 }), layers.flatten(), layers.dense(4)] }, ShapeError, /encoder\.0 \(conv2d\).*larger than the input/);
    await bad({ input: [64] }, ShapeError, /encoder\.0 \(conv2d\): expected an input of shape \[height, width, channels\]/);
    await bad({ decoder: [layers.dense(32), layers.reshape([3, 3, 3])] }, ShapeError, /decoder\.1 \(reshape\)/);
    await bad({ decoder: [layers.dense(16), layers.reshape([4, 4, 1])] }, ShapeError, /decoder must end in the input's shape \[8, 8, 1\], found \[4, 4, 1\]/);
    await bad({ encoder: [layers.conv2d({ filters: 0, kernelSize: 3 })] }, ConfigError, /encoder\.0 \(conv2d\): expected filters/);
    await bad({ encoder: [layers.conv2d({ filters: 2, kernelSize: 3, padding: "full" as never })] }, ConfigError, /padding must be "same" or "valid"/);
    await bad({ decoder: [layers.dense(32), layers.reshape([2, 2, 8]), layers.conv2dTranspose({ filters: 1, kernelSize: 3, strides: 2, outputPadding: 2 })] }, ShapeError, /decoder\.2 \(conv2dTranspose\).*outputPadding/);
    await bad({ encoder: [layers.batchNorm({ momentum: 2 })] }, ConfigError, /encoder\.0 \(batchNorm\): expected momentum/);
  });
});
