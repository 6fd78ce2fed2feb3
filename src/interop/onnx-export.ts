// toOnnx: an Autoencoder or VAE as an ONNX ModelProto (IR version 8, opset 13)
// that onnxruntime and other ONNX runtimes run with our inference semantics.
//
// Layout: the graph's inputs and outputs are NHWC, as ours are. Filters are
// converted to ONNX's layouts (Conv OIHW, ConvTranspose IOHW) and each run of
// spatial layers (conv, pooling, upsampling, batch norm on images) is wrapped
// in a Transpose to NCHW before it and back to NHWC after it.
import { ConfigError, describe } from "../errors.js";
import type { Layer } from "../layers/layer.js";
import type { Conv2dSpec, Conv2dTransposeSpec } from "../layers/conv.js";
import type { BatchNormSpec } from "../layers/batch-norm.js";
import type { ActivationSpec } from "../layers/activation-layer.js";
import type { DenseSpec } from "../layers/dense.js";
import { DEFAULT_BATCH_NORM_EPSILON } from "../ops/batch-norm.js";
import { DEFAULT_LEAKY_ALPHA, parseActivation } from "../ops/activation.js";
import { axisPadding, convOutputLength } from "../ops/conv2d.js";
import type { Autoencoder } from "../models/autoencoder.js";
import type { VAE } from "../models/vae.js";
import type { Network } from "../models/network.js";
import { permute } from "./permute.js";
import { DTYPE, encodeModel, type OnnxAttribute, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from "./onnx-proto.js";
import { shapeText } from "../shape.js";

/** Which network toOnnx exports: the whole model, or the encoder or decoder alone. */
export type OnnxPart = "full" | "encoder" | "decoder";

/** Options of toOnnx. */
export interface ToOnnxOptions {
  /**
   * Which network to export. Default "full".
   * - Autoencoder: "full" input → reconstruction, "encoder" input → code, "decoder" code → reconstruction.
   * - VAE: "full" input → reconstruction (decoded from μ, as VAE.reconstruct), "encoder" input → mu and
   *   logVar, "decoder" z → reconstruction.
   */
  part?: OnnxPart;
}

/** ONNX IR version 8 (2021) and opset 13: read by onnxruntime since 1.10. */
export const ONNX_IR_VERSION = 8;
/** The opset of exported graphs (see ONNX_IR_VERSION). */
export const ONNX_OPSET = 13;
/** Name of the batch dimension of every input and output. */
export const BATCH_DIM = "batch";

type Layout = "nhwc" | "nchw";
interface Value {
  name: string;
  /** Per-sample shape in our (NHWC) order. */
  shape: readonly number[];
  layout: Layout;
}

const ints = (v: number[]): OnnxAttribute => ({ ints: v });

/** Builds the node list and initializers of one graph. */
class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private count = 0;

  constructor(private readonly weights: ReadonlyMap<string, { shape: number[]; data: Float32Array }>) {}

  fresh(base: string): string {
    return `${base}/${this.count++}`;
  }

  node(op: string, name: string, inputs: string[], attributes: Record<string, OnnxAttribute> = {}): string {
    const output = this.fresh(name);
    this.nodes.push({ op, name: `${name}/${op}`, domain: "", inputs, outputs: [output], attributes: new Map(Object.entries(attributes)) });
    return output;
  }

  constant(name: string, dims: number[], data: Float32Array | number[]): string {
    this.initializers.push({ name, dims, data });
    return name;
  }

  weight(name: string): { shape: number[]; data: Float32Array } {
    const t = this.weights.get(name);
    if (!t) throw new ConfigError(`toOnnx: expected the model to hold a tensor named "${name}", found none`);
    return t;
  }

  /** Brings `v` to `layout`; only image values (three per-sample dimensions) have an NCHW form. */
  to(v: Value, layout: Layout, name: string): Value {
    if (v.layout === layout || v.shape.length !== 3) return v;
    const perm = layout === "nchw" ? [0, 3, 1, 2] : [0, 2, 3, 1];
    return { name: this.node("Transpose", `${name}/to_${layout}`, [v.name], { perm: ints(perm) }), shape: v.shape, layout };
  }
}

function emitActivation(g: GraphBuilder, v: Value, kind: unknown, alpha: number | undefined, name: string): Value {
  const act = parseActivation(kind, name);
  const op = { linear: null, relu: "Relu", leakyRelu: "LeakyRelu", sigmoid: "Sigmoid", tanh: "Tanh", softplus: "Softplus" }[act];
  if (op === null) return v;
  const attributes: Record<string, OnnxAttribute> = act === "leakyRelu" ? { alpha: { f: alpha ?? DEFAULT_LEAKY_ALPHA } } : {};
  return { ...v, name: g.node(op, name, [v.name], attributes) };
}

const pair = (v: number | [number, number] | undefined, fallback: number): [number, number] =>
  v === undefined ? [fallback, fallback] : typeof v === "number" ? [v, v] : [v[0], v[1]];

function emitConv(g: GraphBuilder, input: Value, layer: Layer): Value {
  const spec = layer.spec as Conv2dSpec | Conv2dTransposeSpec;
  const x = g.to(input, "nchw", layer.name);
  const transposed = spec.type === "conv2dTranspose";
  const kernel = g.weight(`${layer.name}.kernel`);
  const [kh, kw] = [kernel.shape[0]!, kernel.shape[1]!];
  const strides = pair(spec.strides, 1);
  const padding = spec.padding ?? "valid";
  // Ours: conv2d HWIO [kh, kw, c, f] → ONNX OIHW; conv2dTranspose [kh, kw, f, c] → ONNX [c, f, kh, kw].
  const w = g.constant(`${layer.name}.kernel`, [kernel.shape[3]!, kernel.shape[2]!, kh, kw], permute(kernel.data, kernel.shape, [3, 2, 0, 1]));
  const inputs = [x.name, w];
  if (spec.useBias !== false) inputs.push(g.constant(`${layer.name}.bias`, [spec.filters], g.weight(`${layer.name}.bias`).data));
  const [ih, iw] = [layer.inputShape[0]!, layer.inputShape[1]!];
  const [oh, ow] = [layer.outputShape[0]!, layer.outputShape[1]!];
  const attributes: Record<string, OnnxAttribute> = { kernel_shape: ints([kh, kw]), strides: ints(strides) };
  if (!transposed) {
    const pads = [[ih, oh, kh, strides[0]], [iw, ow, kw, strides[1]]].map(([i, o, k, s], a) => {
      const axis = axisPadding(padding, a as 0 | 1);
      if (typeof axis !== "string") return [axis[0], axis[1]];
      if (axis === "valid") return [0, 0];
      // TensorFlow's "same": total padding max((o − 1)·s + k − i, 0), the odd row at the end.
      const total = Math.max((o! - 1) * s! + k! - i!, 0);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    });
    attributes.pads = ints([pads[0]![0]!, pads[1]![0]!, pads[0]![1]!, pads[1]![1]!]);
  } else {
    // Ours is the adjoint of the conv2d from the output [oh, ow] to the input, with that conv's
    // leading padding; ONNX's full output (i − 1)·s + k is cropped by pads, or extended by output_padding.
    const axes = [[ih, oh, kh, strides[0]], [iw, ow, kw, strides[1]]].map(([i, o, k, s], a) => {
      const begin = convOutputLength(o!, k!, s!, axisPadding(padding, a as 0 | 1)).padBefore;
      const end = (i! - 1) * s! + k! - begin - o!;
      return end >= 0 ? { begin, end, extra: 0 } : { begin, end: 0, extra: -end };
    });
    attributes.pads = ints([axes[0]!.begin, axes[1]!.begin, axes[0]!.end, axes[1]!.end]);
    attributes.output_padding = ints([axes[0]!.extra, axes[1]!.extra]);
  }
  const y: Value = { name: g.node(transposed ? "ConvTranspose" : "Conv", layer.name, inputs, attributes), shape: layer.outputShape, layout: "nchw" };
  return emitActivation(g, y, spec.activation, spec.alpha, layer.name);
}

function emitBatchNorm(g: GraphBuilder, input: Value, layer: Layer): Value {
  const spec = layer.spec as BatchNormSpec;
  const c = layer.inputShape[layer.inputShape.length - 1]!;
  const inputs = ["gamma", "beta", "movingMean", "movingVariance"].map((p) => g.constant(`${layer.name}.${p}`, [c], g.weight(`${layer.name}.${p}`).data));
  const attributes = { epsilon: { f: spec.epsilon ?? DEFAULT_BATCH_NORM_EPSILON } };
  // ONNX normalizes axis 1: images in NCHW, flat [N, C] as they are, other ranks as rows of C.
  if (input.shape.length === 3 || input.shape.length === 1) {
    const x = g.to(input, "nchw", layer.name);
    return { ...x, name: g.node("BatchNormalization", layer.name, [x.name, ...inputs], attributes) };
  }
  const rows = g.node("Reshape", `${layer.name}/rows`, [input.name, g.constant(`${layer.name}/rows_shape`, [2], [-1, c])]);
  const y = g.node("BatchNormalization", layer.name, [rows, ...inputs], attributes);
  return { ...input, name: g.node("Reshape", `${layer.name}/back`, [y, g.constant(`${layer.name}/back_shape`, [input.shape.length + 1], [-1, ...input.shape])]) };
}

function emitLayer(g: GraphBuilder, v: Value, layer: Layer): Value {
  const spec = layer.spec;
  switch (spec.type) {
    case "dense": {
      const d = spec as DenseSpec;
      const kernel = g.weight(`${layer.name}.kernel`);
      const w = g.constant(`${layer.name}.kernel`, kernel.shape, kernel.data);
      const y = d.useBias === false
        ? g.node("MatMul", layer.name, [v.name, w])
        : g.node("Gemm", layer.name, [v.name, w, g.constant(`${layer.name}.bias`, [d.units], g.weight(`${layer.name}.bias`).data)]);
      return emitActivation(g, { name: y, shape: layer.outputShape, layout: "nhwc" }, d.activation, d.alpha, layer.name);
    }
    case "activation": {
      const a = spec as ActivationSpec;
      return emitActivation(g, v, a.activation, a.alpha, layer.name);
    }
    case "flatten":
    case "reshape": {
      const x = g.to(v, "nhwc", layer.name);
      // 0 copies the batch dimension (Reshape's allowzero = 0), which stays dynamic.
      const shape = g.constant(`${layer.name}/shape`, [layer.outputShape.length + 1], [0, ...layer.outputShape]);
      return { name: g.node("Reshape", layer.name, [x.name, shape]), shape: layer.outputShape, layout: "nhwc" };
    }
    case "dropout": return v;
    case "conv2d":
    case "conv2dTranspose": return emitConv(g, v, layer);
    case "batchNorm": return emitBatchNorm(g, v, layer);
    case "maxPool2d": {
      const x = g.to(v, "nchw", layer.name);
      return { name: g.node("MaxPool", layer.name, [x.name], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) }), shape: layer.outputShape, layout: "nchw" };
    }
    case "upSampling2d": {
      const x = g.to(v, "nchw", layer.name);
      const scales = g.constant(`${layer.name}/scales`, [4], Float32Array.of(1, 1, 2, 2));
      // asymmetric + floor: output pixel (i, j) reads input (⌊i/2⌋, ⌊j/2⌋), as ours.
      const y = g.node("Resize", layer.name, [x.name, "", scales], { mode: { s: "nearest" }, coordinate_transformation_mode: { s: "asymmetric" }, nearest_mode: { s: "floor" } });
      return { name: y, shape: layer.outputShape, layout: "nchw" };
    }
    default: throw new ConfigError(`toOnnx: layer ${layer.name} has type ${JSON.stringify((spec as { type: string }).type)}, which has no ONNX form`);
  }
}

function emitNetwork(g: GraphBuilder, v: Value, network: Network): Value {
  let out = v;
  for (const layer of network.layers) out = emitLayer(g, out, layer);
  return out;
}

/** Renames the value `v` (in NHWC) to the graph output `name`. */
function output(g: GraphBuilder, v: Value, name: string, doc: string): OnnxValueInfo {
  const x = g.to(v, "nhwc", name);
  g.nodes.push({ op: "Identity", name: `${name}/Identity`, domain: "", inputs: [x.name], outputs: [name], attributes: new Map() });
  return { name, dims: [BATCH_DIM, ...v.shape], elemType: DTYPE.float, doc };
}

const isVae = (model: Autoencoder | VAE): model is VAE => "muHead" in model;

const inputInfo = (name: string, shape: readonly number[], doc: string): OnnxValueInfo => ({ name, dims: [BATCH_DIM, ...shape], elemType: DTYPE.float, doc });

/**
 * The model as an ONNX ModelProto, weights included. Inputs and outputs are
 * float32 with a dynamic first dimension "batch", in our NHWC layout:
 * - "input" [batch, ...inputShape]
 * - "code" [batch, ...codeShape] (Autoencoder) or "z" [batch, latent] (VAE decoder)
 * - "reconstruction" [batch, ...inputShape]; "mu", "logVar" [batch, latent] (VAE encoder)
 * Inference semantics: batch norm uses its moving statistics, dropout passes values through.
 * A k-sparse Autoencoder has no ONNX form (a ConfigError).
 */
export function toOnnx(model: Autoencoder | VAE, options: ToOnnxOptions = {}): Uint8Array {
  const part = options.part ?? "full";
  if (part !== "full" && part !== "encoder" && part !== "decoder") {
    throw new ConfigError(`toOnnx: expected part "full", "encoder" or "decoder", found ${JSON.stringify(part)}`);
  }
  // Told apart by shape, not instanceof: the entry does not bundle the model classes (see rollup.config.mjs).
  if (!model || typeof model !== "object" || !("encoder" in model) || !("decoder" in model) || !("slab" in model)) {
    throw new ConfigError(`toOnnx: expected an Autoencoder or a VAE, found ${describe(model)}`);
  }
  // The config is private to the model; element access reads it without widening the core's API (and bundle).
  const k = isVae(model) ? undefined : model["config"].sparsity?.k;
  if (k !== undefined) throw new ConfigError(`toOnnx: a k-sparse Autoencoder (k = ${k}) has no ONNX form; export a model without sparsity.k`);
  const weights = new Map([...model.slab.read(), ...model.states.read()].map((t) => [t.name, t]));
  const g = new GraphBuilder(weights);
  const inputs: OnnxValueInfo[] = [];
  const outputs: OnnxValueInfo[] = [];
  const reconstructionDoc = `the reconstruction, ${shapeText(["batch", ...model.inputShape])}`;
  if (!isVae(model)) {
    const codeDoc = `the code, ${shapeText(["batch", ...model.codeShape])}`;
    const start: Value = part === "decoder" ? { name: "code", shape: model.codeShape, layout: "nhwc" } : { name: "input", shape: model.inputShape, layout: "nhwc" };
    inputs.push(part === "decoder" ? inputInfo("code", model.codeShape, codeDoc) : inputInfo("input", model.inputShape, `samples, ${shapeText(["batch", ...model.inputShape])} (NHWC for images)`));
    let v = part === "decoder" ? start : emitNetwork(g, start, model.encoder);
    if (part === "encoder") outputs.push(output(g, v, "code", codeDoc));
    else {
      v = emitNetwork(g, v, model.decoder);
      outputs.push(output(g, v, "reconstruction", reconstructionDoc));
    }
  } else if (part === "decoder") {
    inputs.push(inputInfo("z", [model.latent], `latent codes, ${shapeText(["batch", model.latent])}`));
    outputs.push(output(g, emitNetwork(g, { name: "z", shape: [model.latent], layout: "nhwc" }, model.decoder), "reconstruction", reconstructionDoc));
  } else {
    inputs.push(inputInfo("input", model.inputShape, `samples, ${shapeText(["batch", ...model.inputShape])} (NHWC for images)`));
    const h = emitNetwork(g, { name: "input", shape: model.inputShape, layout: "nhwc" }, model.encoder);
    const mu = emitNetwork(g, h, model.muHead);
    if (part === "encoder") {
      outputs.push(output(g, mu, "mu", `μ of q(z|x), ${shapeText(["batch", model.latent])}`));
      outputs.push(output(g, emitNetwork(g, h, model.logVarHead), "logVar", `log σ² of q(z|x), ${shapeText(["batch", model.latent])}`));
    } else {
      outputs.push(output(g, emitNetwork(g, mu, model.decoder), "reconstruction", `${reconstructionDoc}, decoded from μ`));
    }
  }
  const kind = isVae(model) ? "VAE" : "Autoencoder";
  return encodeModel({
    irVersion: ONNX_IR_VERSION,
    opset: ONNX_OPSET,
    producer: "autoencoders",
    doc: `${kind} (${part}); inputs and outputs are NHWC`,
    graph: { name: `${kind.toLowerCase()}_${part}`, nodes: g.nodes, initializers: g.initializers, inputs, outputs },
  });
}
