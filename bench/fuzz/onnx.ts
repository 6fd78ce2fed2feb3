// ONNX files for the fuzz runs (an ONNX file is untrusted input): bases made
// by our toOnnx and by PyTorch (the committed fixtures), and mutations of
// them. Most edit the decoded graph (ops, attributes, value names, tensor
// dims and data, the input's shape) and encode it again, so they reach the
// converter; the rest edit the protobuf itself (a declared length, a field's
// wire type) or raw bytes, and stop in the reader.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Autoencoder, layers } from "../../src/index.js";
import { fromOnnx, toOnnx } from "../../src/interop/index.js";
import { decodeModel, encodeModel, type OnnxAttribute, type OnnxModel, type OnnxTensor } from "../../src/interop/onnx-proto.js";
import { int, mutateBytes, pick, type Random } from "../../test/fuzz/cases.js";
import { randomArray } from "../../test/helpers.js";

export const ONNX_KINDS = ["onnx-ours", "onnx-torch-conv", "onnx-torch-vae"] as const;
export type OnnxKind = (typeof ONNX_KINDS)[number];

const FIXTURES = fileURLToPath(new URL("../../test/interop/fixtures/", import.meta.url));

/** The unmutated file of `kind`. */
export async function buildOnnx(kind: OnnxKind): Promise<Uint8Array> {
  if (kind === "onnx-torch-conv") return new Uint8Array(readFileSync(`${FIXTURES}conv-ae.onnx`));
  if (kind === "onnx-torch-vae") return new Uint8Array(readFileSync(`${FIXTURES}vae.onnx`));
  const ae = await Autoencoder.create({
    input: [4, 4, 1],
    encoder: [layers.conv2d({ filters: 2, kernelSize: 3, strides: 2, padding: [[1, 1], [1, 1]], activation: "relu" }), layers.batchNorm(), layers.flatten(), layers.dense(2, "tanh")],
    decoder: [layers.dense(8, "relu"), layers.reshape([2, 2, 2]), layers.upSampling2d(), layers.conv2dTranspose({ filters: 1, kernelSize: 3, padding: "same", activation: "sigmoid" })],
    seed: 1,
  });
  try {
    return toOnnx(ae);
  } finally {
    ae.dispose();
  }
}

/** Largest per-sample input the fuzz run feeds an imported model (the file may declare any). */
const MAX_SAMPLE = 1 << 16;

/** Imports `bytes` as `kind` and, when its input is small, reconstructs one sample; then frees the model. */
export async function importAndUse(kind: OnnxKind, bytes: Uint8Array): Promise<void> {
  const model = kind === "onnx-torch-vae" ? await fromOnnx(bytes, { vae: { mu: "mu", logVar: "logvar" } }) : await fromOnnx(bytes);
  try {
    const size = model.inputShape.reduce((a, b) => a * b, 1);
    if (size <= MAX_SAMPLE) model.reconstruct({ data: randomArray(size, 5, 0, 1), shape: [1, ...model.inputShape] });
  } finally {
    model.dispose();
  }
}

const OPS = ["Gemm", "MatMul", "Add", "Relu", "LeakyRelu", "Conv", "ConvTranspose", "BatchNormalization", "MaxPool", "Resize", "Reshape", "Flatten", "Identity", "Transpose", "Softmax", "", "constructor", "__proto__", "toString"];
const NUMBERS = [0, -1, 1, 2, 3, 7, -7, 1 << 16, 2 ** 31, 2 ** 40, Number.MAX_SAFE_INTEGER];
const FLOATS = [NaN, Infinity, -Infinity, 0, -0, 1e38, 1e-45, 2, 0.5];
const NAMES = ["", "input", "mu", "logvar", "reconstruction", "__proto__", "constructor", "x".repeat(5000)];

function mutateAttribute(r: Random, a: OnnxAttribute): OnnxAttribute {
  switch (int(r, 6)) {
    case 0: return { ints: Array.from({ length: int(r, 6) }, () => pick(r, NUMBERS)) };
    case 1: return { i: pick(r, NUMBERS) };
    case 2: return { f: pick(r, FLOATS) };
    case 3: return { s: pick(r, ["NOTSET", "SAME_UPPER", "linear", "nearest", "asymmetric", "floor", "", "x".repeat(3000)]) };
    case 4: return { floats: Array.from({ length: int(r, 5) }, () => pick(r, FLOATS)) };
    default: return "ints" in a ? { ints: a.ints.map((v) => (r() < 0.5 ? v : pick(r, NUMBERS))) } : a;
  }
}

function mutateTensor(r: Random, t: OnnxTensor): OnnxTensor {
  const choice = int(r, 4);
  if (choice === 0) return { ...t, dims: t.dims.map((d) => (r() < 0.4 ? pick(r, NUMBERS) : d)) };
  if (choice === 1) return { ...t, dims: r() < 0.5 ? t.dims.slice(1) : [...t.dims, pick(r, [1, 2])] };
  if (t.data instanceof Float32Array) {
    const data = choice === 2 ? t.data.slice(0, int(r, t.data.length + 1)) : t.data.slice();
    if (choice === 3) for (let k = 0; k < 3 && data.length > 0; k++) data[int(r, data.length)] = pick(r, FLOATS);
    return { ...t, data };
  }
  return { ...t, data: t.data.map((v) => (r() < 0.5 ? v : pick(r, NUMBERS.map((n) => (r() < 0.5 ? -n : n))))) };
}

/** One edit of the decoded graph. */
function mutateGraph(r: Random, model: OnnxModel): void {
  const g = model.graph;
  const node = g.nodes.length > 0 ? pick(r, g.nodes) : null;
  const values = g.nodes.flatMap((n) => [...n.inputs, ...n.outputs]);
  const choice = int(r, 10);
  if (choice === 0 && node) node.op = pick(r, OPS);
  else if (choice <= 2 && node) {
    const names = [...node.attributes.keys()];
    if (names.length > 0 && r() < 0.8) {
      const name = pick(r, names);
      if (r() < 0.15) node.attributes.delete(name);
      else node.attributes.set(name, mutateAttribute(r, node.attributes.get(name)!));
    } else node.attributes.set(pick(r, ["pads", "strides", "kernel_shape", "perm", "alpha", "mode", "axis", "group", "auto_pad", "extra"]), mutateAttribute(r, { i: 0 }));
  } else if (choice === 3 && node) {
    const list = r() < 0.5 ? node.inputs : node.outputs;
    if (list.length > 0 && r() < 0.7) list[int(r, list.length)] = r() < 0.7 && values.length > 0 ? pick(r, values) : pick(r, NAMES);
    else if (r() < 0.5) list.pop();
    else list.push(pick(r, values.length > 0 ? values : NAMES));
  } else if (choice === 4 && g.nodes.length > 0) {
    const at = int(r, g.nodes.length);
    if (r() < 0.5) g.nodes.splice(at, 1);
    else g.nodes.splice(int(r, g.nodes.length + 1), 0, { ...g.nodes[at]!, attributes: new Map(g.nodes[at]!.attributes) });
  } else if (choice <= 6 && g.initializers.length > 0) {
    const at = int(r, g.initializers.length);
    g.initializers[at] = mutateTensor(r, g.initializers[at]!);
  } else if (choice === 7) {
    const info = r() < 0.6 ? g.inputs[0] : g.outputs[int(r, g.outputs.length)];
    if (!info) return;
    if (r() < 0.7) info.dims = info.dims.map((d) => (r() < 0.4 ? (r() < 0.8 ? pick(r, NUMBERS) : "batch") : d));
    else info.elemType = pick(r, [0, 7, 10, 11]);
  } else if (choice === 8) {
    const info = r() < 0.5 ? g.inputs : g.outputs;
    if (r() < 0.5 && info.length > 0) info.pop();
    else if (info.length > 0) info.push({ ...info[0]!, name: pick(r, NAMES) });
  } else if (node) {
    const constant = node.attributes.get("value");
    if (constant && "t" in constant) node.attributes.set("value", { t: mutateTensor(r, constant.t) });
    else node.domain = pick(r, ["com.microsoft", "ai.onnx.ml", "ai.onnx", ""]);
  }
}

/** Overwrites one length prefix (a varint after a wire-type-2 key) with a hostile value, at a random place. */
function mutateLength(r: Random, bytes: Uint8Array): Uint8Array {
  const keys: number[] = [];
  for (let i = 0; i + 1 < bytes.length; i++) if ((bytes[i]! & 7) === 2 && bytes[i]! >> 3 >= 1 && bytes[i]! >> 3 <= 14) keys.push(i);
  if (keys.length === 0) return mutateBytes(r, bytes);
  const at = pick(r, keys) + 1;
  const value = pick(r, [0, 1, 127, 128, 2 ** 31, 2 ** 40, 2 ** 62]);
  const varint: number[] = [];
  for (let v = BigInt(value); ; v >>= 7n) {
    if (v < 0x80n) { varint.push(Number(v)); break; }
    varint.push(Number(v & 0x7fn) | 0x80);
  }
  let end = at;
  while (end < bytes.length && bytes[end]! & 0x80) end++;
  const out = new Uint8Array(bytes.length - (end + 1 - at) + varint.length);
  out.set(bytes.subarray(0, at));
  out.set(varint, at);
  out.set(bytes.subarray(end + 1), at + varint.length);
  return out;
}

/** One mutation of an ONNX file: one to three graph edits (re-encoded), a length prefix, or raw bytes. */
export function mutateOnnx(r: Random, base: Uint8Array): Uint8Array {
  const choice = r();
  if (choice < 0.1) return mutateBytes(r, base);
  if (choice < 0.2) return mutateLength(r, base);
  const model = decodeModel(base);
  for (let edits = 1 + int(r, 3); edits > 0; edits--) mutateGraph(r, model);
  return encodeModel(model);
}
