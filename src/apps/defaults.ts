// Default dense architectures for the estimators, from the input size alone,
// so `new Reducer().fit(x)` and `new AnomalyDetector().fit(x)` work untuned.
import { ConfigError, describe } from "../errors.js";
import { layers, type LayerSpec } from "../layers/index.js";
import type { AutoencoderConfig } from "../models/autoencoder.js";
import { sizeOf } from "../shape.js";

/** Widest hidden layer of a default architecture. */
const MAX_WIDTH = 256;
/** Deepest default encoder (hidden layers before the code). */
const MAX_HIDDEN = 3;

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 1;

/** The largest power of two ≤ n (n ≥ 1). */
const floorPow2 = (n: number): number => 2 ** Math.floor(Math.log2(n));

/**
 * Hidden widths of a default encoder from `inputSize` features down to a code
 * of `codeSize`: powers of two, the first min(256, largest ≤ inputSize), each
 * next a quarter of the last, while a layer is at least twice the code, at
 * most three layers. 784 → 32 gives [256, 64]; 784 → 2 gives [256, 64, 16];
 * 20 → 4 gives [16]; the decoder mirrors them.
 */
export function defaultHiddenSizes(inputSize: number, codeSize: number): number[] {
  if (!isCount(inputSize)) throw new ConfigError(`defaultHiddenSizes: expected inputSize to be a positive integer, found ${describe(inputSize)}`);
  if (!isCount(codeSize)) throw new ConfigError(`defaultHiddenSizes: expected codeSize to be a positive integer, found ${describe(codeSize)}`);
  const sizes: number[] = [];
  for (let width = Math.min(MAX_WIDTH, floorPow2(inputSize)); width >= 2 * codeSize && sizes.length < MAX_HIDDEN; width /= 4) sizes.push(width);
  return sizes;
}

/**
 * Code size of a default anomaly detector: a bottleneck narrow enough that the
 * model cannot copy its input. inputSize/8 rounded up to a power of two, at
 * most 32 and below the input: 784 → 32, 100 → 16, 20 → 4, up to 8 → 1.
 */
export function defaultCodeSize(inputSize: number): number {
  if (!isCount(inputSize)) throw new ConfigError(`defaultCodeSize: expected inputSize to be a positive integer, found ${describe(inputSize)}`);
  return Math.max(1, Math.min(32, 2 ** Math.ceil(Math.log2(inputSize / 8)), inputSize - 1));
}

/** What defaultAutoencoderConfig builds from. */
export interface DenseArchitecture {
  /** Shape of one sample; samples of more than one axis are flattened first. */
  inputShape: readonly number[];
  /** Width of the code. */
  codeSize: number;
  /** Encoder hidden widths (the decoder mirrors them). Default defaultHiddenSizes(features, codeSize). */
  hiddenSizes?: readonly number[];
  /**
   * "sigmoid": a sigmoid output trained with binary cross-entropy, for data in
   * [0, 1] (images, min-max scaled data); "linear": a linear output trained
   * with MSE, for anything else (standardized data).
   */
  output: "sigmoid" | "linear";
  /** Default 1e-3 (Adam). */
  learningRate?: number;
  /** Default 0. */
  seed?: number;
}

/**
 * A dense autoencoder: ReLU hidden layers (He initialization), a linear code,
 * the mirrored decoder, and the output the data calls for.
 */
export function defaultAutoencoderConfig(options: DenseArchitecture): AutoencoderConfig {
  const { inputShape, codeSize, output } = options;
  if (!Array.isArray(inputShape) || inputShape.length === 0 || !inputShape.every(isCount)) {
    throw new ConfigError(`default architecture: expected inputShape of positive integers, found ${describe(inputShape)}`);
  }
  if (!isCount(codeSize)) throw new ConfigError(`default architecture: expected codeSize to be a positive integer, found ${describe(codeSize)}`);
  if (output !== "sigmoid" && output !== "linear") throw new ConfigError(`default architecture: expected output "sigmoid" or "linear", found ${describe(output)}`);
  const features = sizeOf(inputShape);
  const hidden = options.hiddenSizes ?? defaultHiddenSizes(features, codeSize);
  if (!Array.isArray(hidden) || !hidden.every(isCount)) throw new ConfigError(`hiddenSizes: expected an array of positive integers, found ${describe(hidden)}`);
  const relu = (units: number): LayerSpec => layers.dense(units, { activation: "relu", kernelInitializer: "heUniform" });
  const flat = inputShape.length > 1;
  const encoder: LayerSpec[] = [...(flat ? [layers.flatten()] : []), ...hidden.map(relu), layers.dense(codeSize)];
  const decoder: LayerSpec[] = [
    ...[...hidden].reverse().map(relu),
    layers.dense(features, output === "sigmoid" ? "sigmoid" : undefined),
    ...(flat ? [layers.reshape([...inputShape])] : []),
  ];
  return {
    input: [...inputShape],
    encoder,
    decoder,
    loss: output === "sigmoid" ? "bce" : "mse",
    optimizer: { name: "adam", learningRate: options.learningRate ?? 1e-3 },
    seed: options.seed ?? 0,
  };
}
