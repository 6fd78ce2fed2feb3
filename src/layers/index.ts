// The layer factories users call (`layers.dense(...)`) and the builder that
// turns a saved spec back into a layer.
import { ConfigError, describe } from "../errors.js";
import { ActivationLayer, activationLayer, leakyRelu } from "./activation-layer.js";
import { Dense, dense } from "./dense.js";
import { BatchNorm, batchNormLayer } from "./batch-norm.js";
import { Conv2d, conv2dLayer, Conv2dTranspose, conv2dTransposeLayer } from "./conv.js";
import { Dropout, dropoutLayer } from "./dropout.js";
import { maxPool2dLayer, Pooling, upSampling2dLayer } from "./pooling.js";
import { flatten, Reshape, reshapeLayer } from "./reshape.js";
import type { BuildContext, Layer, LayerSpec } from "./layer.js";

export type { DenseOptions, DenseSpec } from "./dense.js";
export type { ActivationSpec } from "./activation-layer.js";
export type { FlattenSpec, ReshapeSpec } from "./reshape.js";
export type { DropoutSpec } from "./dropout.js";
export type { Conv2dSpec, Conv2dTransposeSpec, ConvOptions, ConvTransposeOptions } from "./conv.js";
export type { BatchNormSpec } from "./batch-norm.js";
export type { MaxPool2dSpec, UpSampling2dSpec } from "./pooling.js";
export type { BiasInitializer, BuildContext, ForwardContext, Initializer, Layer, LayerSpec, Param, ParamSpec, State, StateSpec } from "./layer.js";

/** Factories for layer specs, e.g. `layers.dense(256, "relu")`. */
export const layers = {
  /** `layers.dense(units, activation?)`: a fully connected layer. */
  dense,
  /** `layers.conv2d({ filters, kernelSize, strides, padding, activation })`: a 2-D convolution over NHWC images. */
  conv2d: conv2dLayer,
  /** `layers.conv2dTranspose({ filters, kernelSize, strides, padding, outputPadding })`: a transposed 2-D convolution. */
  conv2dTranspose: conv2dTransposeLayer,
  /** `layers.batchNorm({ momentum, epsilon })`: batch normalization over the channels. */
  batchNorm: batchNormLayer,
  /** `layers.maxPool2d()`: 2×2 max pooling, stride 2. */
  maxPool2d: maxPool2dLayer,
  /** `layers.upSampling2d()`: 2×2 nearest-neighbour upsampling. */
  upSampling2d: upSampling2dLayer,
  /** `layers.activation(name)`: an activation on its own. */
  activation: activationLayer,
  /** `layers.leakyRelu(alpha)`: LeakyReLU with slope alpha below 0 (default 0.3, Keras). */
  leakyRelu,
  /** `layers.flatten()`: each sample to one axis. */
  flatten,
  /** `layers.reshape(shape)`: each sample to a new shape of the same size (one entry may be -1). */
  reshape: reshapeLayer,
  /** `layers.dropout(rate)`: dropout in training, the identity at inference. */
  dropout: dropoutLayer,
};

export function buildLayer(spec: LayerSpec, name: string, inputShape: readonly number[], ctx: BuildContext): Layer {
  if (!spec || typeof spec !== "object") throw new ConfigError(`${name}: expected a layer spec such as layers.dense(32), found ${describe(spec)}`);
  switch (spec.type) {
    case "dense": return new Dense(spec, name, inputShape, ctx);
    case "activation": return new ActivationLayer(spec, name, inputShape);
    case "flatten":
    case "reshape": return new Reshape(spec, name, inputShape);
    case "dropout": return new Dropout(spec, name, inputShape);
    case "conv2d": return new Conv2d(spec, name, inputShape, ctx);
    case "conv2dTranspose": return new Conv2dTranspose(spec, name, inputShape, ctx);
    case "batchNorm": return new BatchNorm(spec, name, inputShape, ctx);
    case "maxPool2d":
    case "upSampling2d": return new Pooling(spec, name, inputShape);
    default: throw new ConfigError(`${name}: unknown layer type ${describe((spec as { type?: unknown }).type)}`);
  }
}
