// Trains the cross-runtime scenario's models (three dense autoencoders, a
// convolutional VAE with batch norm) and a convolutional autoencoder with
// batch norm, a convolutional model whose adjoints write one channel,
// reconstructs 1 to 3 rows through a dense model, and trains a wider conv
// model whose batch norm splits even at the default threshold, on the thread
// count given, with every kernel call split however
// small (unless --default-threshold), and prints the SHA-256 of every output
// and saved file as JSON:
//   node --import tsx test/threads/hashes.ts <threads> [--default-threshold]
import * as lib from "../../src/index.js";
import { setMinParallelWork } from "../../src/ops/parallel.js";
import { generateData, hashFloats, runScenario, sha256 } from "../runtimes/scenario.mjs";

const threads = Number(process.argv[2]);
if (!process.argv.includes("--default-threshold")) setMinParallelWork(0);
await lib.init({ threads });
await lib.threadsReady();
const info = lib.engineInfo();

type Model = Awaited<ReturnType<typeof lib.Autoencoder.create>>;

/** Trains the model on x, hashes its loss history, codes (withCodes), reconstruction and saved bytes, and disposes it. */
async function trainedHashes(model: Model, x: { data: Float32Array; shape: number[] }, fit: { epochs: number; batchSize: number }, withCodes = false) {
  try {
    const history = await model.fit(x, fit);
    const saved = model.save();
    return {
      history: await hashFloats(Float64Array.from(history.loss)),
      ...(withCodes ? { encode: await hashFloats(model.encode(x).data) } : {}),
      reconstruct: await hashFloats(model.reconstruct(x).data),
      saved: `${saved.length}:${await sha256(saved)}`,
    };
  } finally {
    model.dispose();
  }
}

/** A conv autoencoder with batch norm in encoder and decoder, Adam, MSE: 12×12 images, 3 channels. */
async function convAutoencoder() {
  const L = lib.layers;
  const { data } = generateData(48, 12 * 12 * 3, 0x51de);
  const x = { data, shape: [48, 12, 12, 3] };
  const model = await lib.Autoencoder.create({
    input: [12, 12, 3],
    encoder: [
      L.conv2d({ filters: 8, kernelSize: 3, padding: "same", activation: "leakyRelu" }),
      L.batchNorm(),
      L.conv2d({ filters: 12, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }),
      L.batchNorm(),
    ],
    decoder: [
      L.conv2dTranspose({ filters: 8, kernelSize: 3, strides: 2, padding: "same", activation: "leakyRelu" }),
      L.batchNorm(),
      L.conv2d({ filters: 3, kernelSize: 1, activation: "sigmoid" }),
    ],
    loss: "mse",
    optimizer: { name: "adam", learningRate: 3e-3 },
    seed: 31,
  });
  return trainedHashes(model, x, { epochs: 3, batchSize: 16 }, true);
}

/**
 * Adjoints onto one channel (split by whole images): a stride-2 transposed
 * convolution to one channel, and the input gradient of a convolution
 * reading that channel through a fused ReLU.
 */
async function convToOneChannel() {
  const L = lib.layers;
  const { data } = generateData(24, 12 * 12, 0x1c4);
  const x = { data, shape: [24, 12, 12, 1] };
  const model = await lib.Autoencoder.create({
    input: [12, 12, 1],
    encoder: [L.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: "same", activation: "relu" })],
    decoder: [
      L.conv2dTranspose({ filters: 1, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }),
      L.conv2d({ filters: 2, kernelSize: 3, padding: "same", activation: "relu" }),
      L.conv2d({ filters: 1, kernelSize: 1, activation: "sigmoid" }),
    ],
    loss: "bce", optimizer: { name: "adam", learningRate: 3e-3 }, seed: 13,
  });
  return trainedHashes(model, x, { epochs: 2, batchSize: 8 });
}

/** Batch-1 to batch-3 reconstructions (the few-row product, split by columns) of a dense model with odd widths and tanh, softplus and sigmoid (split by element ranges). */
async function fewRows() {
  const L = lib.layers;
  const { data } = generateData(3, 203, 0xfe3);
  const model = await lib.Autoencoder.create({
    input: [203], encoder: [L.dense(157, "tanh"), L.dense(21)], decoder: [L.dense(157, "softplus"), L.dense(203, "sigmoid")],
    loss: "mse", seed: 5,
  });
  try {
    const out: Record<string, string> = {};
    for (const rows of [1, 2, 3]) out[`rows${rows}`] = await hashFloats(model.reconstruct({ data: data.subarray(0, rows * 203), shape: [rows, 203] }).data);
    return out;
  } finally {
    model.dispose();
  }
}

/**
 * A conv model whose batch norm is large enough to split at the default
 * threshold: 32 samples of 16×16 with 32 channels, 2^18 elements a call.
 */
async function convBatchNormWide() {
  const L = lib.layers;
  const { data } = generateData(64, 16 * 16 * 4, 0xb4);
  const x = { data, shape: [64, 16, 16, 4] };
  const model = await lib.Autoencoder.create({
    input: [16, 16, 4],
    encoder: [L.conv2d({ filters: 32, kernelSize: 3, padding: "same", activation: "relu" }), L.batchNorm()],
    decoder: [L.conv2d({ filters: 4, kernelSize: 1, activation: "sigmoid" })],
    loss: "mse",
    optimizer: { name: "adam", learningRate: 3e-3 },
    seed: 5,
  });
  return trainedHashes(model, x, { epochs: 2, batchSize: 32 });
}

const scenario = await runScenario(lib);
console.log(JSON.stringify({
  info,
  parts: {
    ...scenario.parts,
    convAutoencoder: { hashes: await convAutoencoder() },
    convToOneChannel: { hashes: await convToOneChannel() },
    fewRows: { hashes: await fewRows() },
    convBatchNormWide: { hashes: await convBatchNormWide() },
  },
}));
