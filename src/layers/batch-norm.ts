// Batch normalization over every axis but the last (Keras' BatchNormalization):
// batch statistics in fit, moving statistics in encode/reconstruct/evaluate.
// The moving statistics are model state, saved and loaded with the weights.
import { ConfigError, describe } from "../errors.js";
import { batchNorm, DEFAULT_BATCH_NORM_EPSILON, DEFAULT_BATCH_NORM_MOMENTUM } from "../ops/batch-norm.js";
import { reshape } from "../ops/reshape.js";
import type { Tensor } from "../ops/tensor.js";
import type { BuildContext, ForwardContext, Layer, Param, State } from "./layer.js";

/** Batch normalization over the last axis (the channels of NHWC images), with moving statistics for inference: what `layers.batchNorm` returns. */
export interface BatchNormSpec {
  /** The layer kind. */
  type: "batchNorm";
  /** Weight of the old moving statistics in each update. Default 0.99. */
  momentum?: number;
  /** Added to the variance. Default 1e-3. */
  epsilon?: number;
}

export const batchNormLayer = (options: { momentum?: number; epsilon?: number } = {}): BatchNormSpec => ({ type: "batchNorm", ...options });

export class BatchNorm implements Layer {
  readonly params: Param[];
  readonly endsWithSigmoid = false;
  readonly outputShape: readonly number[];
  private readonly gamma: Param;
  private readonly beta: Param;
  private readonly movingMean: State;
  private readonly movingVariance: State;

  constructor(readonly spec: BatchNormSpec, readonly name: string, readonly inputShape: readonly number[], ctx: BuildContext) {
    const momentum = spec.momentum ?? DEFAULT_BATCH_NORM_MOMENTUM;
    const epsilon = spec.epsilon ?? DEFAULT_BATCH_NORM_EPSILON;
    if (!(typeof momentum === "number" && momentum >= 0 && momentum <= 1)) throw new ConfigError(`${name} (batchNorm): expected momentum in [0, 1], found ${describe(spec.momentum)}`);
    if (!(typeof epsilon === "number" && epsilon > 0)) throw new ConfigError(`${name} (batchNorm): expected epsilon > 0, found ${describe(spec.epsilon)}`);
    const channels = inputShape[inputShape.length - 1]!;
    this.outputShape = inputShape;
    this.gamma = ctx.addParam({ name: `${name}.gamma`, shape: [channels], init: "ones", fanIn: channels, fanOut: channels });
    this.beta = ctx.addParam({ name: `${name}.beta`, shape: [channels], init: "zeros", fanIn: channels, fanOut: channels });
    this.params = [this.gamma, this.beta];
    this.movingMean = ctx.addState({ name: `${name}.movingMean`, shape: [channels], fill: 0 });
    this.movingVariance = ctx.addState({ name: `${name}.movingVariance`, shape: [channels], fill: 1 });
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    const input = x.shape.length === this.inputShape.length + 1 ? x : reshape(ctx.tape, x, [x.rows, ...this.inputShape]);
    return batchNorm(ctx.tape, input, this.gamma.tensor, this.beta.tensor, this.movingMean.tensor, this.movingVariance.tensor, {
      training: ctx.training,
      momentum: this.spec.momentum,
      epsilon: this.spec.epsilon,
    });
  }
}
