// An ONNX graph as a stack of our layers: the chain of nodes from the graph's
// input to its output, each op mapped to a layer spec with its weights in our
// layouts. NCHW images (PyTorch's) become NHWC ones: filters are permuted, and
// a flatten or reshape between an image and a dense layer permutes that dense
// layer's rows or columns, so the imported model computes the same function.
import { ConfigError, describe } from "../errors.js";
import { layers, type LayerSpec } from "../layers/index.js";
import { convOutputLength } from "../ops/conv2d.js";
import { convTransposeOutputLength } from "../ops/conv2d-transpose.js";
import { dtypeName, listText, namesText, type OnnxAttribute, type OnnxModel, type OnnxNode, type OnnxTensor } from "./onnx-proto.js";
import { permute } from "./permute.js";
import { shapeText, sizeOf } from "../shape.js";

/** The ONNX operators fromOnnx reads. */
export const SUPPORTED_OPS = [
  "Gemm", "MatMul", "Add", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Softplus", "Conv", "ConvTranspose", "BatchNormalization",
  "MaxPool", "Upsample", "Resize", "Reshape", "Flatten", "Identity", "Dropout", "Transpose", "Constant",
] as const;

type Weights = Map<string, { shape: number[]; data: Float32Array }>;

export interface ImportedLayer {
  spec: LayerSpec;
  /** By suffix: kernel, bias, gamma, beta, movingMean, movingVariance. */
  weights: Weights;
  /** ONNX values this layer's output is known by (its own and the Identity-like aliases after it). */
  names: string[];
  /** Our per-sample output shape. */
  shape: number[];
}

export interface ImportedStack {
  /** Our per-sample input shape (NHWC for images). */
  input: number[];
  inputName: string;
  layers: ImportedLayer[];
}

/** A VAE graph: the trunk from the input, the μ and log σ² heads, and (when the graph has it) the decoder from μ. */
export interface ImportedVae {
  input: number[];
  encoder: ImportedLayer[];
  mu: ImportedLayer[];
  logVar: ImportedLayer[];
  /** Null when the graph ends at μ and log σ² (an encoder alone). */
  decoder: ImportedLayer[] | null;
}

/** An unsupported op, attribute or value, naming the node. */
export const unsupported = (node: OnnxNode, what: string): ConfigError =>
  new ConfigError(`fromOnnx: node ${describe(node.name)} (${node.op}): ${what}`);

interface Value {
  name: string;
  /** Per-sample dims as ONNX holds them. */
  dims: number[];
  /** "nchw": an image whose ONNX dims are [C, H, W] (ours [H, W, C]). */
  layout: "nchw" | "nhwc";
}

/** Largest per-sample input fromOnnx accepts: 2^28 values (1 GiB of float32 per sample). */
const MAX_SAMPLE = 2 ** 28;
const ours = (v: Value): number[] => (v.layout === "nchw" && v.dims.length === 3 ? [v.dims[1]!, v.dims[2]!, v.dims[0]!] : [...v.dims]);
const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Index maps between an image's NCHW flattening (c, h, w) and ours (h, w, c): ours[r] = theirs[map[r]]. */
function chwToHwc([c, h, w]: number[]): Int32Array {
  const map = new Int32Array(c! * h! * w!);
  let r = 0;
  for (let i = 0; i < h!; i++) for (let j = 0; j < w!; j++) for (let k = 0; k < c!; k++) map[r++] = k * h! * w! + i * w! + j;
  return map;
}

class Converter {
  readonly constants = new Map<string, OnnxTensor>();
  private readonly consumers = new Map<string, OnnxNode[]>();
  layers: ImportedLayer[] = [];
  /**
   * The NCHW image [c, h, w] a flatten took: the next dense layer's rows are
   * reordered from it. Kept as dims, and the index map made only once the
   * dense layer's weights (bytes of the file) have that many rows, so a
   * declared shape never becomes an allocation.
   */
  pendingRows: number[] | null = null;
  /** Index of the last dense layer while only element-wise layers follow it. */
  private lastDense: number | null = null;
  readonly outputs: Set<string>;
  private readonly visited = new Set<OnnxNode>();
  /** The layout of the graph's input, once start() has read it. */
  inputLayout: "nchw" | "nhwc" = "nhwc";

  constructor(private readonly model: OnnxModel) {
    for (const t of model.graph.initializers) this.constants.set(t.name, t);
    for (const node of model.graph.nodes) {
      if (node.domain !== "" && node.domain !== "ai.onnx") throw unsupported(node, `operator domain ${describe(node.domain)}; expected the default ONNX domain`);
      if (node.op === "Constant") {
        const value = node.attributes.get("value");
        if (!value || !("t" in value)) throw unsupported(node, "expected a tensor-valued Constant (attribute value)");
        this.constants.set(node.outputs[0] ?? "", value.t);
        continue;
      }
      for (const input of node.inputs) if (input && !this.constants.has(input)) this.consumers.set(input, [...(this.consumers.get(input) ?? []), node]);
    }
    this.outputs = new Set(model.graph.outputs.map((o) => o.name));
  }

  constant(node: OnnxNode, index: number, what: string): OnnxTensor {
    const name = node.inputs[index];
    const t = name ? this.constants.get(name) : undefined;
    if (!t) throw unsupported(node, `expected ${what} (input ${index}) to be an initializer or Constant, found ${describe(name ?? null)}`);
    return t;
  }

  floats(node: OnnxNode, index: number, what: string): { shape: number[]; data: Float32Array } {
    const t = this.constant(node, index, what);
    if (!(t.data instanceof Float32Array)) throw unsupported(node, `expected ${what} as FLOAT, found integers`);
    return { shape: t.dims, data: t.data };
  }

  consumersOf(value: string): OnnxNode[] {
    return this.consumers.get(value) ?? [];
  }

  consumer(value: string): OnnxNode | null {
    const list = this.consumersOf(value);
    if (list.length > 1) throw new ConfigError(`fromOnnx: value ${describe(value)} feeds ${list.length} nodes (${namesText(list.map((n) => n.name))}); expected a chain of layers without branches`);
    return list[0] ?? null;
  }

  push(spec: LayerSpec, v: Value, weights: Weights = new Map()): void {
    const elementwise = spec.type === "activation" || spec.type === "dropout";
    if (!elementwise) this.lastDense = spec.type === "dense" ? this.layers.length : null;
    this.layers.push({ spec, weights, names: [v.name], shape: ours(v) });
  }

  alias(name: string): void {
    this.layers[this.layers.length - 1]?.names.push(name);
  }

  /** Reorders the last dense layer's output columns so a following NCHW reshape reads our NHWC order. */
  permuteLastDense(node: OnnxNode, image: number[]): void {
    if (this.lastDense === null) throw unsupported(node, "expected a dense layer (and only activations) before a reshape to an NCHW image");
    const map = chwToHwc(image);
    const w = this.layers[this.lastDense]!.weights;
    const kernel = w.get("kernel")!;
    const [rows, cols] = kernel.shape as [number, number];
    const data = new Float32Array(kernel.data.length);
    for (let i = 0; i < rows; i++) for (let r = 0; r < cols; r++) data[i * cols + r] = kernel.data[i * cols + map[r]!]!;
    w.set("kernel", { shape: kernel.shape, data });
    const bias = w.get("bias");
    if (bias) w.set("bias", { shape: bias.shape, data: Float32Array.from(map, (t) => bias.data[t]!) });
  }

  takeRows(kernel: { shape: number[]; data: Float32Array }): { shape: number[]; data: Float32Array } {
    const image = this.pendingRows;
    this.pendingRows = null;
    if (!image) return kernel;
    const [rows, cols] = kernel.shape as [number, number];
    if (rows !== sizeOf(image)) throw new ConfigError(`fromOnnx: a dense layer with ${rows} inputs after flattening an image of ${sizeOf(image)} values`);
    const map = chwToHwc(image);
    const data = new Float32Array(kernel.data.length);
    for (let r = 0; r < map.length; r++) data.set(kernel.data.subarray(map[r]! * cols, (map[r]! + 1) * cols), r * cols);
    return { shape: kernel.shape, data };
  }

  setPendingRows(node: OnnxNode, image: number[] | null): void {
    if (this.pendingRows && image) throw unsupported(node, "expected a dense layer after flattening an NCHW image");
    this.pendingRows = image;
  }

  /** The graph's one non-constant input, as the first value of the chain. */
  start(): { value: Value; input: number[] } {
    const inputs = this.model.graph.inputs.filter((i) => !this.constants.has(i.name));
    if (inputs.length !== 1) throw new ConfigError(`fromOnnx: expected a graph with one input, found ${inputs.length} (${namesText(inputs.map((i) => i.name))})`);
    const info = inputs[0]!;
    if (info.elemType !== 1) throw new ConfigError(`fromOnnx: input ${describe(info.name)} has data type ${dtypeName(info.elemType)}; expected FLOAT`);
    const dims = info.dims.slice(1);
    if (info.dims.length < 2 || info.dims.length > 4 || dims.some((d) => typeof d !== "number" || d < 1) || sizeOf(dims as number[]) > MAX_SAMPLE) {
      throw new ConfigError(`fromOnnx: input ${describe(info.name)} has shape ${shapeText(info.dims.map((d) => (typeof d === "string" ? describe(d) : d)))}; expected [batch, ...one to three fixed sizes] of at most ${MAX_SAMPLE} values per sample`);
    }
    const first = this.consumersOf(info.name)[0];
    const nhwcInput = first?.op === "Transpose" && same(intsAttr(first, "perm") ?? [], [0, 3, 1, 2]);
    const value: Value = { name: info.name, dims: dims as number[], layout: dims.length === 3 && !nhwcInput ? "nchw" : "nhwc" };
    this.inputLayout = value.layout;
    return { value, input: ours(value) };
  }

  /**
   * Converts the chain of nodes from `from` (through `first`, when given, then)
   * while each value feeds one node,
   * up to a graph output or a value in `stops`; returns its layers and the
   * value it ends at (a branch point, an output, or a stop).
   */
  walk(from: Value, stops: ReadonlySet<string> = new Set(), first?: OnnxNode): { layers: ImportedLayer[]; end: Value } {
    const saved = this.layers;
    this.layers = [];
    this.lastDense = null;
    let v = first ? this.convert(first, from) : from;
    while (!this.outputs.has(v.name) && !stops.has(v.name)) {
      const next = this.consumersOf(v.name);
      if (next.length !== 1) break;
      v = this.convert(next[0]!, v);
    }
    const layers = this.layers;
    this.layers = saved;
    return { layers, end: v };
  }

  /** Converts one node, each at most once: a graph whose values lead back to a node is refused, not followed forever. */
  private convert(node: OnnxNode, v: Value): Value {
    if (this.visited.has(node)) throw unsupported(node, `its input ${describe(v.name)} comes from a node after it; expected a graph without cycles`);
    this.visited.add(node);
    return convertNode(this, node, v);
  }

  /** Checks that a chain ended at a graph output with nothing left to apply. */
  finish(what: string, end: Value, layers: ImportedLayer[]): void {
    if (!this.outputs.has(end.name)) {
      const next = this.consumersOf(end.name);
      if (next.length > 1) throw new ConfigError(`fromOnnx: value ${describe(end.name)} feeds ${next.length} nodes (${namesText(next.map((n) => n.name))}); expected a chain of layers without branches${what === "the graph" ? " (for a VAE, give the names of its mu and logVar outputs)" : ""}`);
      throw new ConfigError(`fromOnnx: ${what} ends at ${describe(end.name)}, which is not a graph output`);
    }
    if (this.pendingRows || end.layout === "nchw" && end.dims.length === 3 && layers.length === 0) {
      throw new ConfigError(`fromOnnx: ${what} ends in a flattened NCHW image; expected a dense layer after the flatten`);
    }
  }
}

export function intsAttr(node: OnnxNode, name: string): number[] | undefined {
  const a = node.attributes.get(name);
  if (a === undefined) return undefined;
  if ("ints" in a) return a.ints;
  throw unsupported(node, `expected attribute ${name} to be integers`);
}

function intAttr(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attributes.get(name);
  if (a === undefined) return fallback;
  if ("i" in a) return a.i;
  throw unsupported(node, `expected attribute ${name} to be an integer`);
}

function floatAttr(node: OnnxNode, name: string, fallback: number): number {
  const a: OnnxAttribute | undefined = node.attributes.get(name);
  if (a === undefined) return fallback;
  if ("f" in a) return a.f;
  throw unsupported(node, `expected attribute ${name} to be a float`);
}

function stringAttr(node: OnnxNode, name: string, fallback: string): string {
  const a = node.attributes.get(name);
  if (a === undefined) return fallback;
  if ("s" in a) return a.s;
  throw unsupported(node, `expected attribute ${name} to be a string`);
}

/** Refuses attributes outside `known`, naming them and the ones supported. */
function onlyAttributes(node: OnnxNode, known: readonly string[]): void {
  for (const name of node.attributes.keys()) {
    if (!known.includes(name)) throw unsupported(node, `attribute ${describe(name)} is not supported; supported: ${known.join(", ") || "none"}`);
  }
}

const ACTIVATION_OPS: Record<string, "relu" | "leakyRelu" | "sigmoid" | "tanh" | "softplus"> = {
  Relu: "relu", LeakyRelu: "leakyRelu", Sigmoid: "sigmoid", Tanh: "tanh", Softplus: "softplus",
};

function convertNode(c: Converter, node: OnnxNode, v: Value): Value {
  const out: Value = { name: node.outputs[0] ?? "", dims: v.dims, layout: v.layout };
  // Own properties only: an op named "constructor" in a hostile file must not reach Object.prototype.
  const act = Object.hasOwn(ACTIVATION_OPS, node.op) ? ACTIVATION_OPS[node.op] : undefined;
  if (act) {
    onlyAttributes(node, act === "leakyRelu" ? ["alpha"] : []);
    // ONNX's LeakyRelu slope defaults to 0.01 (ours to Keras' 0.3): always stated.
    c.push(act === "leakyRelu" ? layers.leakyRelu(floatAttr(node, "alpha", 0.01)) : layers.activation(act), out);
    return out;
  }
  switch (node.op) {
    case "Identity":
    case "Dropout":
      c.alias(out.name);
      return out;
    case "Transpose": {
      const perm = intsAttr(node, "perm") ?? [];
      if (v.dims.length === 3 && v.layout === "nhwc" && same(perm, [0, 3, 1, 2])) return { name: out.name, dims: [v.dims[2]!, v.dims[0]!, v.dims[1]!], layout: "nchw" };
      if (v.dims.length === 3 && v.layout === "nchw" && same(perm, [0, 2, 3, 1])) return { name: out.name, dims: [v.dims[1]!, v.dims[2]!, v.dims[0]!], layout: "nhwc" };
      throw unsupported(node, `perm ${listText(perm)} on a ${v.layout.toUpperCase()} value; supported: [0, 3, 1, 2] from NHWC and [0, 2, 3, 1] from NCHW`);
    }
    case "Gemm":
    case "MatMul": return convertDense(c, node, v);
    case "Conv":
    case "ConvTranspose": return convertConv(c, node, v);
    case "BatchNormalization": return convertBatchNorm(c, node, v);
    case "MaxPool": {
      onlyAttributes(node, ["kernel_shape", "strides", "pads", "ceil_mode", "dilations", "storage_order", "auto_pad"]);
      const ok = same(intsAttr(node, "kernel_shape") ?? [], [2, 2]) && same(intsAttr(node, "strides") ?? [1, 1], [2, 2])
        && (intsAttr(node, "pads") ?? [0, 0, 0, 0]).every((p) => p === 0) && intAttr(node, "ceil_mode", 0) === 0
        && (intsAttr(node, "dilations") ?? [1, 1]).every((d) => d === 1) && stringAttr(node, "auto_pad", "NOTSET") === "NOTSET" && node.outputs.length === 1;
      if (!ok) throw unsupported(node, "expected a 2×2 window at stride 2 without padding, dilation, ceil_mode or indices (ours is maxPool2d)");
      if (v.layout !== "nchw" || v.dims.length !== 3) throw unsupported(node, "expected an NCHW image input");
      c.push(layers.maxPool2d(), { ...out, dims: [v.dims[0]!, v.dims[1]! >> 1, v.dims[2]! >> 1] });
      return { ...out, dims: [v.dims[0]!, v.dims[1]! >> 1, v.dims[2]! >> 1] };
    }
    case "Upsample":
    case "Resize": return convertResize(c, node, v, out);
    case "Reshape":
    case "Flatten": return convertReshape(c, node, v, out);
    default:
      throw unsupported(node, `op ${describe(node.op)} is not supported; supported: ${SUPPORTED_OPS.join(", ")}`);
  }
}

function convertDense(c: Converter, node: OnnxNode, v: Value): Value {
  if (v.dims.length !== 1) throw unsupported(node, `expected a flat input [batch, features], found per-sample ${shapeText(v.dims)}`);
  let b = c.floats(node, 1, "the weight matrix");
  let bias: { shape: number[]; data: Float32Array } | null = null;
  let outName = node.outputs[0] ?? "";
  if (node.op === "Gemm") {
    onlyAttributes(node, ["alpha", "beta", "transA", "transB"]);
    if (floatAttr(node, "alpha", 1) !== 1 || floatAttr(node, "beta", 1) !== 1 || intAttr(node, "transA", 0) !== 0) throw unsupported(node, "expected alpha = beta = 1 and transA = 0");
    if (b.shape.length !== 2) throw unsupported(node, `expected a 2-D weight matrix, found ${shapeText(b.shape)}`);
    if (intAttr(node, "transB", 0) === 1) b = { shape: [b.shape[1]!, b.shape[0]!], data: permute(b.data, b.shape, [1, 0]) };
    if (node.inputs[2]) bias = c.floats(node, 2, "the bias");
  } else {
    onlyAttributes(node, []);
    const add = c.consumer(outName);
    if (add?.op === "Add") {
      const other = add.inputs[0] === outName ? 1 : 0;
      bias = c.floats(add, other, "the bias");
      outName = add.outputs[0] ?? "";
    }
  }
  const [rows, units] = b.shape as [number, number];
  if (b.shape.length !== 2 || rows !== v.dims[0]) throw unsupported(node, `expected a weight matrix ${shapeText([v.dims[0]!, "units"])}, found ${shapeText(b.shape)}`);
  if (bias && bias.data.length !== units) throw unsupported(node, `expected a bias of ${units} values, found shape ${shapeText(bias.shape)}`);
  const weights: Weights = new Map([["kernel", c.takeRows(b)]]);
  if (bias) weights.set("bias", { shape: [units], data: bias.data });
  const out: Value = { name: outName, dims: [units], layout: "nhwc" };
  c.push(layers.dense(units, { useBias: bias !== null }), out, weights);
  return out;
}

function pads4(node: OnnxNode): number[] {
  const p = intsAttr(node, "pads") ?? [0, 0, 0, 0];
  if (p.length !== 4) throw unsupported(node, `expected 4 pads, found ${listText(p)}`);
  return p;
}

function convertConv(c: Converter, node: OnnxNode, v: Value): Value {
  const transposed = node.op === "ConvTranspose";
  onlyAttributes(node, ["kernel_shape", "strides", "pads", "dilations", "group", "auto_pad", ...(transposed ? ["output_padding"] : [])]);
  if (v.layout !== "nchw" || v.dims.length !== 3) throw unsupported(node, "expected an NCHW image input");
  const w = c.floats(node, 1, "the filters");
  if (w.shape.length !== 4) throw unsupported(node, `expected 4-D filters, found ${shapeText(w.shape)}`);
  if (intAttr(node, "group", 1) !== 1 || !(intsAttr(node, "dilations") ?? [1, 1]).every((d) => d === 1)) throw unsupported(node, "expected group = 1 and dilations 1");
  const autoPad = stringAttr(node, "auto_pad", "NOTSET");
  if (autoPad !== "NOTSET") throw unsupported(node, `auto_pad ${describe(autoPad)}; supported: explicit pads`);
  const [cin, ih, iw] = v.dims as [number, number, number];
  const [kh, kw] = [w.shape[2]!, w.shape[3]!];
  const strides = (intsAttr(node, "strides") ?? [1, 1]) as [number, number];
  if (strides.length !== 2 || !strides.every((s) => Number.isInteger(s) && s >= 1 && s <= 1 << 16)) throw unsupported(node, `strides ${listText(strides)}; supported: two integers in [1, 65536]`);
  const kernelShape = intsAttr(node, "kernel_shape");
  if (kernelShape && !same(kernelShape, [kh, kw])) throw unsupported(node, `kernel_shape ${shapeText(kernelShape)} differs from the filters' ${kh}×${kw}`);
  const pads = pads4(node);
  const filters = transposed ? w.shape[1]! : w.shape[0]!;
  if ((transposed ? w.shape[0] : w.shape[1]) !== cin) throw unsupported(node, `filters ${shapeText(w.shape)} do not fit ${cin} input channels`);
  const axes = [[ih, kh, strides[0], pads[0]!, pads[2]!], [iw, kw, strides[1], pads[1]!, pads[3]!]] as const;
  let spec: LayerSpec | null = null;
  let outHW: number[] = [];
  if (!transposed) {
    const onnxOut = axes.map(([i, k, s, b, e]) => Math.floor((i + b + e - k) / s) + 1);
    for (const padding of ["valid", "same"] as const) {
      const fits = axes.every(([i, k, s, b], a) => {
        const g = convOutputLength(i, k, s, padding);
        return g.length === onnxOut[a] && g.padBefore === b;
      });
      if (fits) { spec = layers.conv2d({ filters, kernelSize: [kh, kw], strides, padding }); break; }
    }
    outHW = onnxOut;
  } else {
    const extra = intsAttr(node, "output_padding") ?? [0, 0];
    if (extra.length !== 2 || !extra.every((e, a) => Number.isInteger(e) && e >= 0 && e < strides[a]!)) throw unsupported(node, `output_padding ${listText(extra)}; supported: two integers, each below its stride`);
    const onnxOut = axes.map(([i, k, s, b, e], a) => (i - 1) * s + k - b - e + extra[a]!);
    const options: ([number, number] | null)[] = [null];
    for (let y = 0; y < strides[0]; y++) for (let x = 0; x < strides[1]; x++) options.push([y, x]);
    search: for (const padding of ["valid", "same"] as const) {
      for (const op of options) {
        const fits = axes.every(([i, k, s, b], a) => {
          const o = convTransposeOutputLength(i, k, s, padding, op ? op[a]! : null);
          const g = convOutputLength(o, k, s, padding);
          return o === onnxOut[a] && g.length === i && g.padBefore === b;
        });
        if (fits) {
          spec = layers.conv2dTranspose({ filters, kernelSize: [kh, kw], strides, padding, ...(op ? { outputPadding: op } : {}) });
          break search;
        }
      }
    }
    outHW = onnxOut;
  }
  if (outHW.some((o) => o < 1)) throw unsupported(node, `an output of ${outHW[0]}×${outHW[1]} from ${ih}×${iw}`);
  if (spec === null) {
    // PyTorch's padding (as many rows at the start as at the end) where "same" would put the odd one at the end.
    if (!pads.every((p) => Number.isInteger(p) && p >= 0 && p <= 1 << 16)) throw unsupported(node, `pads ${listText(pads)}; supported: integers in [0, 65536]`);
    const padding = [[pads[0]!, pads[2]!], [pads[1]!, pads[3]!]] as const;
    const extra = intsAttr(node, "output_padding") ?? [0, 0];
    spec = transposed
      ? layers.conv2dTranspose({ filters, kernelSize: [kh, kw], strides, padding, ...(extra.some((e) => e !== 0) ? { outputPadding: extra as [number, number] } : {}) })
      : layers.conv2d({ filters, kernelSize: [kh, kw], strides, padding });
  }
  // ONNX Conv OIHW → ours HWIO; ONNX ConvTranspose [in, out, kh, kw] → ours [kh, kw, out, in].
  const kernel = { shape: [kh, kw, w.shape[1]!, w.shape[0]!], data: permute(w.data, w.shape, [2, 3, 1, 0]) };
  const weights: Weights = new Map([["kernel", kernel]]);
  if (node.inputs[2]) weights.set("bias", { shape: [filters], data: c.floats(node, 2, "the bias").data });
  else (spec as { useBias?: boolean }).useBias = false;
  const out: Value = { name: node.outputs[0] ?? "", dims: [filters, outHW[0]!, outHW[1]!], layout: "nchw" };
  c.push(spec, out, weights);
  return out;
}

function convertBatchNorm(c: Converter, node: OnnxNode, v: Value): Value {
  onlyAttributes(node, ["epsilon", "momentum", "training_mode", "spatial"]);
  if (intAttr(node, "training_mode", 0) !== 0) throw unsupported(node, "expected training_mode = 0 (inference)");
  const image = v.layout === "nchw" && v.dims.length === 3;
  if (!image && v.dims.length !== 1) throw unsupported(node, `expected an NCHW image or flat features, found per-sample ${shapeText(v.dims)} (${v.layout.toUpperCase()})`);
  const channels = v.dims[0]!;
  const weights: Weights = new Map();
  ["gamma", "beta", "movingMean", "movingVariance"].forEach((name, i) => {
    const t = c.floats(node, i + 1, name);
    if (t.data.length !== channels) throw unsupported(node, `expected ${name} of ${channels} values, found shape ${shapeText(t.shape)}`);
    weights.set(name, { shape: [channels], data: t.data });
  });
  const out: Value = { name: node.outputs[0] ?? "", dims: v.dims, layout: v.layout };
  // ONNX's momentum, like ours, is the weight of the old statistics (PyTorch's 0.1 exports as 0.9).
  c.push(layers.batchNorm({ epsilon: floatAttr(node, "epsilon", 1e-5), momentum: floatAttr(node, "momentum", 0.9) }), out, weights);
  return out;
}

function convertResize(c: Converter, node: OnnxNode, v: Value, out: Value): Value {
  onlyAttributes(node, ["mode", "coordinate_transformation_mode", "nearest_mode", "scales", "cubic_coeff_a", "exclude_outside", "extrapolation_value"]);
  if (stringAttr(node, "mode", "nearest") !== "nearest") throw unsupported(node, `mode ${describe(stringAttr(node, "mode", ""))}; supported: nearest`);
  if (v.layout !== "nchw" || v.dims.length !== 3) throw unsupported(node, "expected an NCHW image input");
  const scalesAttr = node.attributes.get("scales");
  const index = node.op === "Upsample" ? 1 : 2;
  const scales = scalesAttr && "floats" in scalesAttr ? scalesAttr.floats : Array.from(c.floats(node, index, "the scales").data);
  if (!same(scales, [1, 1, 2, 2])) throw unsupported(node, `scales ${listText(scales)}; supported: [1, 1, 2, 2] (ours is upSampling2d)`);
  // With a scale of 2, these coordinate rules read input ⌊i/2⌋ for output i, as ours does.
  const transform = stringAttr(node, "coordinate_transformation_mode", "half_pixel");
  const rounding = stringAttr(node, "nearest_mode", "round_prefer_floor");
  const ok = transform === "asymmetric" ? rounding === "floor" : (transform === "half_pixel" || transform === "pytorch_half_pixel") && rounding.startsWith("round_prefer");
  if (!ok) throw unsupported(node, `coordinate_transformation_mode ${describe(transform)} with nearest_mode ${describe(rounding)}; supported: asymmetric + floor, half_pixel + round_prefer_*`);
  const y: Value = { ...out, dims: [v.dims[0]!, v.dims[1]! * 2, v.dims[2]! * 2] };
  c.push(layers.upSampling2d(), y);
  return y;
}

function convertReshape(c: Converter, node: OnnxNode, v: Value, out: Value): Value {
  let target: number[];
  if (node.op === "Flatten") {
    onlyAttributes(node, ["axis"]);
    if (intAttr(node, "axis", 1) !== 1) throw unsupported(node, "expected axis = 1");
    target = [sizeOf(v.dims)];
  } else {
    onlyAttributes(node, ["allowzero"]);
    const t = c.constant(node, 1, "the shape");
    if (t.data instanceof Float32Array) throw unsupported(node, "expected an INT64 shape");
    const shape = [...t.data];
    if (shape[0] !== 0 && shape[0] !== -1) throw unsupported(node, `shape ${shapeText(shape)} fixes the batch size; expected 0 or -1 first`);
    const rest = shape.slice(1).map((d, i) => (d === 0 ? v.dims[i] ?? -2 : d));
    const known = sizeOf(rest.filter((d) => d !== -1));
    target = rest.map((d) => (d === -1 ? sizeOf(v.dims) / known : d));
    if (target.some((d) => !Number.isInteger(d) || d < 1) || sizeOf(target) !== sizeOf(v.dims) || (shape[0] === -1 && rest.includes(-1))) {
      throw unsupported(node, `shape ${shapeText(shape)} does not fit per-sample ${shapeText(v.dims)}`);
    }
  }
  const fromImage = v.layout === "nchw" && v.dims.length === 3;
  if (fromImage) {
    if (target.length !== 1) throw unsupported(node, `expected a flatten of an NCHW image, found target ${shapeText(target)}`);
    c.setPendingRows(node, [...v.dims]);
    const y: Value = { ...out, dims: target, layout: "nhwc" };
    c.push(layers.flatten(), y);
    return y;
  }
  if (target.length === 3) {
    // An image for NCHW ops unless the next node brings it there from NHWC (as toOnnx's graphs do).
    // At the graph's end (nothing consumes it) an image is laid out as the graph's input was.
    const next = c.consumer(out.name);
    const atEnd = !next || (next.op === "Identity" && c.outputs.has(next.outputs[0] ?? ""));
    const nhwc = atEnd ? c.inputLayout === "nhwc" : next.op === "Transpose" && same(intsAttr(next, "perm") ?? [], [0, 3, 1, 2]);
    if (!nhwc) c.permuteLastDense(node, target);
    const y: Value = { ...out, dims: target, layout: nhwc ? "nhwc" : "nchw" };
    c.push(layers.reshape(ours(y)), y);
    return y;
  }
  const y: Value = { ...out, dims: target, layout: "nhwc" };
  c.push(target.length === 1 ? layers.flatten() : layers.reshape(target), y);
  return y;
}

/** The chain of layers from the graph's input to its output. */
export function toLayers(model: OnnxModel): ImportedStack {
  const c = new Converter(model);
  const { value, input } = c.start();
  const { layers, end } = c.walk(value);
  c.finish("the graph", end, layers);
  return { input, inputName: value.name, layers };
}

/**
 * A VAE graph: a trunk from the input to the value that feeds both heads,
 * one dense layer to `mu` and one to `logVar` (after a flatten when the
 * trunk ends in an image, as ours), and the decoder from `mu` to a third
 * output when the graph has one.
 */
export function toVaeLayers(model: OnnxModel, names: { mu: string; logVar: string }): ImportedVae {
  const c = new Converter(model);
  for (const [role, name] of Object.entries(names)) {
    if (typeof name !== "string" || !c.outputs.has(name)) {
      throw new ConfigError(`fromOnnx: expected vae.${role} to name a graph output, found ${describe(name)}; outputs: ${namesText([...c.outputs])}`);
    }
  }
  if (names.mu === names.logVar) throw new ConfigError(`fromOnnx: expected vae.mu and vae.logVar to name two outputs, found ${describe(names.mu)} twice`);
  const { value, input } = c.start();
  const stops = new Set([names.mu, names.logVar]);
  const trunk = c.walk(value, stops);
  const branches = c.consumersOf(trunk.end.name);
  if (stops.has(trunk.end.name) || branches.length !== 2) {
    throw new ConfigError(`fromOnnx: expected the encoder to end at a value feeding the two heads (to ${describe(names.mu)} and ${describe(names.logVar)}), found ${describe(trunk.end.name)} feeding ${branches.length} node(s)`);
  }
  const pending = c.pendingRows;
  const heads = new Map<string, ImportedLayer[]>();
  for (const node of branches) {
    c.pendingRows = pending;
    const head = c.walk(trunk.end, stops, node);
    if (!stops.has(head.end.name) || heads.has(head.end.name)) {
      throw new ConfigError(`fromOnnx: expected the head from node ${describe(node.name)} to end at ${describe(names.mu)} or ${describe(names.logVar)}, found ${describe(head.end.name)}`);
    }
    heads.set(head.end.name, head.layers);
  }
  const image = trunk.end.dims.length > 1;
  const headSpecs = image ? ["flatten", "dense"] : ["dense"];
  for (const [name, layers] of heads) {
    const kinds = layers.map((l) => l.spec.type);
    if (kinds.join(",") !== headSpecs.join(",") || (layers.at(-1)!.spec as { activation?: string }).activation !== undefined) {
      throw new ConfigError(`fromOnnx: expected the head to ${describe(name)} to be ${image ? "a flatten and " : ""}one linear dense layer (as our VAE's), found ${kinds.length > 0 ? listText(kinds) : "no layer"}`);
    }
  }
  const mu = heads.get(names.mu)!;
  const logVar = heads.get(names.logVar)!;
  if (mu.at(-1)!.shape[0] !== logVar.at(-1)!.shape[0]) throw new ConfigError(`fromOnnx: expected mu and logVar of one size, found ${mu.at(-1)!.shape[0]} and ${logVar.at(-1)!.shape[0]}`);
  let decoder: ImportedLayer[] | null = null;
  const muValue: Value = { name: names.mu, dims: mu.at(-1)!.shape, layout: "nhwc" };
  const next = c.consumer(names.mu);
  if (next) {
    const rest = c.walk(muValue, new Set(), next);
    c.finish("the decoder from mu", rest.end, rest.layers);
    decoder = rest.layers;
  }
  return { input, encoder: trunk.layers, mu, logVar, decoder };
}
