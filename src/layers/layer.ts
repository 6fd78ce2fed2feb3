// What every layer provides: shape inference and parameter declaration at
// build time, then a forward made of ops (whose backwards the tape records).
import type { Tape } from "../ops/tape.js";
import type { Tensor } from "../ops/tensor.js";

// "torchUniform" is PyTorch's default for Linear and Conv layers, weights and
// biases alike: kaiming_uniform_(a = √5) has bound gain·√(3/fanIn) with
// gain = √(2/(1 + a²)) = √(1/3), that is U(±1/√fanIn), the bound of its bias.
/** The initializers a layer's kernel may name. */
export const INITIALIZERS = ["glorotUniform", "glorotNormal", "heUniform", "heNormal", "torchUniform", "zeros", "ones"] as const;
/** The initializers a layer's bias may name. */
export const BIAS_INITIALIZERS = ["zeros", "torchUniform"] as const;
/** How a bias starts: "zeros", or "torchUniform" (PyTorch's U(±1/√fanIn)). */
export type BiasInitializer = (typeof BIAS_INITIALIZERS)[number];
/** How a kernel starts: Glorot (Keras's default) or He, uniform or normal; "torchUniform" (PyTorch's); or constant zeros or ones. */
export type Initializer = (typeof INITIALIZERS)[number];

export interface ParamSpec {
  /** Unique within the model once prefixed with the layer's name, e.g. "encoder.0.kernel". */
  name: string;
  shape: number[];
  init: Initializer;
  fanIn: number;
  fanOut: number;
}

/** A parameter: declared at build time, bound to the model's slab afterwards. */
export interface Param {
  readonly spec: ParamSpec;
  tensor: Tensor;
}

/** Non-trainable state saved with the model (batch-norm running statistics). */
export interface StateSpec {
  name: string;
  shape: number[];
  /** Initial value of every element. */
  fill: number;
}

/** A state tensor: declared at build time, bound to the model's state block afterwards. */
export interface State {
  readonly spec: StateSpec;
  tensor: Tensor;
}

export interface BuildContext {
  addParam(spec: ParamSpec): Param;
  addState(spec: StateSpec): State;
}

export interface ForwardContext {
  tape: Tape | null;
  /** Training mode: batch statistics, dropout and noise on. */
  training: boolean;
  /** Key of this step's random draws (seed, step): identical across runs. */
  seed: number;
  step: number;
  /** In evaluation, the index of the batch's first row in the data evaluated, so per-sample draws do not depend on the batch size. Default 0. */
  firstRow?: number;
  /** Leave out a final sigmoid, so a BCE loss can work from logits. */
  logits?: boolean;
}

export interface Layer {
  /** The JSON spec the layer was built from (saved with the model). */
  readonly spec: LayerSpec;
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly params: readonly Param[];
  /** True when the layer ends in a sigmoid that `logits` leaves out. */
  readonly endsWithSigmoid: boolean;
  forward(x: Tensor, ctx: ForwardContext): Tensor;
}

/** A layer's JSON description; `layers.*` factories return these. */
export interface LayerSpecBase {
  type: string;
}

// Concrete specs are declared next to their layers; this is their union.
/** A layer as data, made by the factories of `layers` (`layers.dense(32)`) and saved in model files. */
export type LayerSpec =
  | import("./dense.js").DenseSpec
  | import("./activation-layer.js").ActivationSpec
  | import("./reshape.js").FlattenSpec
  | import("./reshape.js").ReshapeSpec
  | import("./dropout.js").DropoutSpec
  | import("./conv.js").Conv2dSpec
  | import("./conv.js").Conv2dTransposeSpec
  | import("./batch-norm.js").BatchNormSpec
  | import("./pooling.js").MaxPool2dSpec
  | import("./pooling.js").UpSampling2dSpec;
