// Convolution layers on NHWC images (Keras' Conv2D and Conv2DTranspose):
// output shapes inferred at build, filters HWIO (transposed: [kh, kw, filters,
// inChannels]), an optional activation after the bias.
import { ConfigError, describe, ShapeError } from "../errors.js";
import { activation, fusedActivation, parseActivation, type Activation } from "../ops/activation.js";
import { conv2d, conv2dGeometry, type Padding } from "../ops/conv2d.js";
import { conv2dTranspose, conv2dTransposeGeometry } from "../ops/conv2d-transpose.js";
import { reshape } from "../ops/reshape.js";
import type { Tensor } from "../ops/tensor.js";
import { BIAS_INITIALIZERS, INITIALIZERS, type BiasInitializer, type BuildContext, type ForwardContext, type Initializer, type Layer, type Param } from "./layer.js";
import { shapeText } from "../shape.js";

/** Options of `layers.conv2d` (NHWC images, filters [kh, kw, in, out]). */
export interface ConvOptions {
  /** Output channels. */
  filters: number;
  /** Window size: n for n×n, or [height, width]. */
  kernelSize: number | [number, number];
  /** Step of the window: n or [rows, cols]. Default 1. */
  strides?: number | [number, number];
  /**
   * "valid" (no padding, the default as in Keras), "same", or explicit zero
   * rows and columns [[top, bottom], [left, right]] (PyTorch's padding=p is
   * [[p, p], [p, p]]; for a transposed convolution they are cropped from the
   * output, as PyTorch's ConvTranspose2d does).
   */
  padding?: Padding;
  /** Activation after the bias. Default "linear". */
  activation?: Activation | "leaky_relu" | "identity";
  /** Slope of leakyRelu for x < 0. Default 0.3 (Keras). */
  alpha?: number;
  /** Add a bias per filter. Default true. */
  useBias?: boolean;
  /** Initial filters. Default "glorotUniform" (Keras); "torchUniform" is PyTorch's nn.Conv2d / nn.ConvTranspose2d. */
  kernelInitializer?: Initializer;
  /** Initial bias. Default "zeros" (Keras); "torchUniform" is PyTorch's, U(±1/√fanIn). */
  biasInitializer?: BiasInitializer;
}

/** Options of `layers.conv2dTranspose`: a conv2d's, and the output padding. */
export interface ConvTransposeOptions extends ConvOptions {
  /** Extra rows/cols on the bottom/right of the output, each < its stride (Keras' output_padding). Default 0. */
  outputPadding?: number | [number, number];
}

/** A 2-D convolution over NHWC images (Keras's Conv2D): what `layers.conv2d` returns. */
export interface Conv2dSpec extends ConvOptions {
  /** The layer kind. */
  type: "conv2d";
}

/** A transposed 2-D convolution (Keras's Conv2DTranspose): what `layers.conv2dTranspose` returns. */
export interface Conv2dTransposeSpec extends ConvTransposeOptions {
  /** The layer kind. */
  type: "conv2dTranspose";
}

export const conv2dLayer = (options: ConvOptions): Conv2dSpec => ({ type: "conv2d", ...options });
export const conv2dTransposeLayer = (options: ConvTransposeOptions): Conv2dTransposeSpec => ({ type: "conv2dTranspose", ...options });

const pair = (v: number | [number, number] | undefined, fallback: number): [number, number] =>
  v === undefined ? [fallback, fallback] : typeof v === "number" ? [v, v] : [v[0], v[1]];

class ConvBase implements Layer {
  readonly outputShape: number[];
  readonly params: Param[];
  readonly endsWithSigmoid: boolean;
  protected readonly kernel: Param;
  protected readonly bias: Param | null;
  protected readonly strides: [number, number];
  protected readonly padding: Padding;
  protected readonly outputPadding: [number, number] | null;
  private readonly activation: Activation;

  constructor(readonly spec: Conv2dSpec | Conv2dTransposeSpec, readonly name: string, readonly inputShape: readonly number[], ctx: BuildContext) {
    const where = `${name} (${spec.type})`;
    const transposed = spec.type === "conv2dTranspose";
    if (!Number.isInteger(spec.filters) || spec.filters < 1) throw new ConfigError(`${where}: expected filters to be a positive integer, found ${describe(spec.filters)}`);
    const [kh, kw] = pair(spec.kernelSize, 0);
    if (!(Number.isInteger(kh) && kh >= 1 && Number.isInteger(kw) && kw >= 1)) {
      throw new ConfigError(`${where}: expected kernelSize to be a positive integer or two, found ${describe(spec.kernelSize)}`);
    }
    if (inputShape.length !== 3) {
      throw new ShapeError(`${where}: expected an input of shape [height, width, channels], found ${shapeText(inputShape)}; add layers.reshape([h, w, c]) before it`);
    }
    const init = spec.kernelInitializer ?? "glorotUniform";
    if (!INITIALIZERS.includes(init)) throw new ConfigError(`${where}: unknown kernelInitializer ${describe(init)}; expected one of ${INITIALIZERS.join(", ")}`);
    const biasInit = spec.biasInitializer ?? "zeros";
    if (!BIAS_INITIALIZERS.includes(biasInit)) throw new ConfigError(`${where}: unknown biasInitializer ${describe(biasInit)}; expected one of ${BIAS_INITIALIZERS.join(", ")}`);
    this.activation = parseActivation(spec.activation, where);
    this.endsWithSigmoid = this.activation === "sigmoid";
    this.strides = pair(spec.strides, 1);
    this.padding = spec.padding ?? "valid";
    this.outputPadding = transposed && (spec as Conv2dTransposeSpec).outputPadding !== undefined ? pair((spec as Conv2dTransposeSpec).outputPadding, 0) : null;
    const channels = inputShape[2]!;
    const f = spec.filters;
    const shape = transposed ? [kh, kw, f, channels] : [kh, kw, channels, f];
    // Keras' fans for a filter [kh, kw, a, b]: fanIn = kh·kw·a, fanOut = kh·kw·b.
    // PyTorch's fan_in is the same: in·kh·kw for Conv2d and, from its
    // [in, out, kh, kw] weight, out·kh·kw for ConvTranspose2d.
    const fanIn = kh * kw * shape[2]!;
    const fanOut = kh * kw * shape[3]!;
    try {
      const xShape = [1, ...inputShape];
      const g = transposed
        ? conv2dTransposeGeometry(xShape, shape, null, this.strides, this.padding, this.outputPadding)
        : conv2dGeometry(xShape, shape, null, this.strides, this.padding);
      this.outputShape = transposed ? [g.h, g.w, f] : [g.oh, g.ow, f];
    } catch (error) {
      if (error instanceof ShapeError || error instanceof ConfigError) throw new (error.constructor as typeof ShapeError)(`${where}: ${error.message}`);
      throw error;
    }
    this.kernel = ctx.addParam({ name: `${name}.kernel`, shape, init, fanIn, fanOut });
    this.bias = spec.useBias === false ? null : ctx.addParam({ name: `${name}.bias`, shape: [f], init: biasInit, fanIn, fanOut });
    this.params = this.bias ? [this.kernel, this.bias] : [this.kernel];
  }

  protected image(x: Tensor, ctx: ForwardContext): Tensor {
    return x.shape.length === 4 ? x : reshape(ctx.tape, x, [x.rows, ...this.inputShape]);
  }

  protected finish(y: Tensor, ctx: ForwardContext): Tensor {
    if (ctx.logits && this.endsWithSigmoid) return y;
    return activation(ctx.tape, y, this.activation, this.spec.alpha);
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    const input = this.image(x, ctx);
    const bias = this.bias?.tensor ?? null;
    // relu and leaky relu run in the kernel's write-back (same bits as the separate op).
    const act = fusedActivation(this.activation, this.spec.alpha);
    const y = this.spec.type === "conv2d"
      ? conv2d(ctx.tape, input, this.kernel.tensor, bias, this.strides, this.padding, act)
      : conv2dTranspose(ctx.tape, input, this.kernel.tensor, bias, this.strides, this.padding, this.outputPadding, act);
    return act ? y : this.finish(y, ctx);
  }
}

export class Conv2d extends ConvBase {}
export class Conv2dTranspose extends ConvBase {}
