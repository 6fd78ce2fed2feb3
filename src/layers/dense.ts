// Fully connected: y = f(x·W + b), W [in × units], b [units].
import { ConfigError, describe, ShapeError } from "../errors.js";
import { activation, parseActivation, type Activation } from "../ops/activation.js";
import { linear } from "../ops/linear.js";
import type { Tensor } from "../ops/tensor.js";
import { BIAS_INITIALIZERS, INITIALIZERS, type BiasInitializer, type BuildContext, type ForwardContext, type Initializer, type Layer, type Param } from "./layer.js";
import { shapeText } from "../shape.js";

/** Options of `layers.dense`. */
export interface DenseOptions {
  /** Activation after the affine map. Default "linear". */
  activation?: Activation | "leaky_relu" | "identity";
  /** Slope of leakyRelu for x < 0. Default 0.3 (Keras). */
  alpha?: number;
  /** Add a bias. Default true. */
  useBias?: boolean;
  /** Initial weights. Default "glorotUniform" (Keras); "heUniform"/"heNormal" suit ReLU layers; "torchUniform" is PyTorch's nn.Linear. */
  kernelInitializer?: Initializer;
  /** Initial bias. Default "zeros" (Keras); "torchUniform" is PyTorch's nn.Linear, U(±1/√fanIn). */
  biasInitializer?: BiasInitializer;
}

/** A fully connected layer, y = f(x·W + b): what `layers.dense(units, ...)` returns. */
export interface DenseSpec extends DenseOptions {
  /** The layer kind. */
  type: "dense";
  /** Output features. */
  units: number;
}

/** `dense(32)`, `dense(256, "relu")`, `dense(256, { activation: "relu", kernelInitializer: "heUniform" })`. */
export function dense(units: number, activationOrOptions?: Activation | DenseOptions, options: DenseOptions = {}): DenseSpec {
  const opts = typeof activationOrOptions === "object" ? activationOrOptions : { ...options, activation: activationOrOptions };
  return { type: "dense", units, ...opts };
}

export class Dense implements Layer {
  readonly outputShape: number[];
  readonly params: Param[];
  readonly endsWithSigmoid: boolean;
  /** The weights [in × units]; penalties on them (contractive) read it. */
  readonly kernel: Param;
  private readonly bias: Param | null;
  readonly activation: Activation;
  private readonly alpha: number | undefined;

  constructor(readonly spec: DenseSpec, readonly name: string, readonly inputShape: readonly number[], ctx: BuildContext) {
    const { units } = spec;
    if (!Number.isInteger(units) || units < 1) throw new ConfigError(`${name} (dense): expected units to be a positive integer, found ${describe(units)}`);
    if (inputShape.length !== 1) {
      throw new ShapeError(`${name} (dense): expected a flat input [features], found ${shapeText(inputShape)}; add layers.flatten() before it`);
    }
    const init = spec.kernelInitializer ?? "glorotUniform";
    if (!INITIALIZERS.includes(init)) throw new ConfigError(`${name} (dense): unknown kernelInitializer ${describe(init)}; expected one of ${INITIALIZERS.join(", ")}`);
    const biasInit = spec.biasInitializer ?? "zeros";
    if (!BIAS_INITIALIZERS.includes(biasInit)) throw new ConfigError(`${name} (dense): unknown biasInitializer ${describe(biasInit)}; expected one of ${BIAS_INITIALIZERS.join(", ")}`);
    this.activation = parseActivation(spec.activation, `${name} (dense)`);
    this.alpha = spec.alpha;
    const features = inputShape[0]!;
    this.kernel = ctx.addParam({ name: `${name}.kernel`, shape: [features, units], init, fanIn: features, fanOut: units });
    this.bias = spec.useBias === false ? null : ctx.addParam({ name: `${name}.bias`, shape: [units], init: biasInit, fanIn: features, fanOut: units });
    this.params = this.bias ? [this.kernel, this.bias] : [this.kernel];
    this.outputShape = [units];
    this.endsWithSigmoid = this.activation === "sigmoid";
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    const y = linear(ctx.tape, x, this.kernel.tensor, this.bias?.tensor ?? null);
    if (ctx.logits && this.endsWithSigmoid) return y;
    return activation(ctx.tape, y, this.activation, this.alpha);
  }
}
