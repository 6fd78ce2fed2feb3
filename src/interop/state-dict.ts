// PyTorch state_dicts in safetensors files, to and from our models' weights.
//
// Names: each of our parametric layers (dense, conv2d, conv2dTranspose,
// batchNorm), named "<network>.<index>" ("encoder.0", "decoder.3", a VAE's
// "mu.0" / "logVar.0"), is the PyTorch module of the same name unless
// `names` maps it to another ("decoder.0": "expand.0"). A PyTorch model whose
// nn.Sequential encoder and decoder list the same modules as our layers, in
// the same order (an activation as a layer of its own), needs no map.
//
// Layouts (PyTorch → ours):
// - nn.Linear weight [out, in] → kernel [in, out]; bias as is. After a
//   flatten of an image, PyTorch's inputs are in (c, h, w) order and ours in
//   (h, w, c): the rows are reordered. Before a reshape to an image (PyTorch's
//   x.reshape(-1, c, h, w)), the outputs are reordered the same way.
// - nn.Conv2d weight [out, in, kh, kw] → kernel [kh, kw, in, out].
// - nn.ConvTranspose2d weight [in, out, kh, kw] → kernel [kh, kw, out, in].
// - nn.BatchNorm weight, bias, running_mean, running_var → gamma, beta,
//   movingMean, movingVariance. num_batches_tracked (int64) is skipped on
//   reading and not written: PyTorch's load_state_dict sets it to 0 when
//   absent. (Momentum is a config value, not a weight.)
import { ConfigError, describe } from "../errors.js";
import type { Layer } from "../layers/layer.js";
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from "../io/safetensors.js";
import type { Autoencoder } from "../models/autoencoder.js";
import type { VAE } from "../models/vae.js";
import { permute } from "./permute.js";
import { shapeText } from "../shape.js";

/** Options of the PyTorch state_dict mapping. */
export interface StateDictOptions {
  /** Our layer name → the PyTorch module name, for the layers whose names differ. Default: none (each layer is the PyTorch module of its own name, e.g. "encoder.0"). */
  names?: Record<string, string>;
  /** Refuse PyTorch tensors that no layer takes (as PyTorch's strict loading does). Default true. */
  strict?: boolean;
}

type Tensor = { shape: number[]; data: Float32Array };

/**
 * The chains of layers one sample runs through, each network's layers in
 * order: a flatten at the end of the encoder reorders the rows of the dense
 * layer that begins the next network (a VAE's heads, or a decoder).
 */
const chainsOf = (model: Autoencoder | VAE): { own: Layer[]; before: Layer[] }[] =>
  "muHead" in model
    ? [{ own: model.encoder.layers, before: [] }, { own: model.muHead.layers, before: model.encoder.layers }, { own: model.logVarHead.layers, before: model.encoder.layers }, { own: model.decoder.layers, before: [] }]
    : [{ own: model.encoder.layers, before: [] }, { own: model.decoder.layers, before: model.encoder.layers }];

const PARAMS: Record<string, [string, string][]> = {
  dense: [["kernel", "weight"], ["bias", "bias"]],
  conv2d: [["kernel", "weight"], ["bias", "bias"]],
  conv2dTranspose: [["kernel", "weight"], ["bias", "bias"]],
  batchNorm: [["gamma", "weight"], ["beta", "bias"], ["movingMean", "running_mean"], ["movingVariance", "running_var"]],
};

const elementwise = (l: Layer) => l.spec.type === "activation" || l.spec.type === "dropout";

/** ours[r] = theirs[map[r]] for an image's (h, w, c) flattening against PyTorch's (c, h, w). */
function hwcFromChw([h, w, c]: readonly number[]): Int32Array {
  const map = new Int32Array(h! * w! * c!);
  let r = 0;
  for (let i = 0; i < h!; i++) for (let j = 0; j < w!; j++) for (let k = 0; k < c!; k++) map[r++] = k * h! * w! + i * w! + j;
  return map;
}

/** The image a dense layer's rows (inputs) or columns (outputs) come from or go to, when next to a flatten or reshape. */
function denseImages(layers: readonly Layer[], at: number): { rows: number[] | null; cols: number[] | null } {
  let before = at - 1;
  while (before >= 0 && elementwise(layers[before]!)) before--;
  let after = at + 1;
  while (after < layers.length && elementwise(layers[after]!)) after++;
  const prev = layers[before];
  const next = layers[after];
  return {
    rows: prev && prev.spec.type === "flatten" && prev.inputShape.length === 3 ? [...prev.inputShape] : null,
    cols: next && next.spec.type === "reshape" && next.outputShape.length === 3 ? [...next.outputShape] : null,
  };
}

/** A PyTorch tensor in our layout for parameter `suffix` of `layer`. */
function toOurs(layer: Layer, suffix: string, t: Tensor, images: { rows: number[] | null; cols: number[] | null }): Tensor {
  if (layer.spec.type === "conv2d" || layer.spec.type === "conv2dTranspose") {
    if (suffix !== "kernel") return t;
    return { shape: [t.shape[2]!, t.shape[3]!, t.shape[1]!, t.shape[0]!], data: permute(t.data, t.shape, [2, 3, 1, 0]) };
  }
  if (layer.spec.type !== "dense") return t;
  if (suffix === "bias") return images.cols ? { shape: t.shape, data: Float32Array.from(hwcFromChw(images.cols), (i) => t.data[i]!) } : t;
  const [out, inp] = t.shape as [number, number];
  const rows = images.rows ? hwcFromChw(images.rows) : null;
  const cols = images.cols ? hwcFromChw(images.cols) : null;
  const data = new Float32Array(out * inp);
  for (let r = 0; r < inp; r++) for (let o = 0; o < out; o++) data[r * out + o] = t.data[(cols ? cols[o]! : o) * inp + (rows ? rows[r]! : r)]!;
  return { shape: [inp, out], data };
}

/** Our tensor in PyTorch's layout: the inverse of toOurs. */
function toTorch(layer: Layer, suffix: string, t: Tensor, images: { rows: number[] | null; cols: number[] | null }): Tensor {
  if (layer.spec.type === "conv2d" || layer.spec.type === "conv2dTranspose") {
    if (suffix !== "kernel") return t;
    return { shape: [t.shape[3]!, t.shape[2]!, t.shape[0]!, t.shape[1]!], data: permute(t.data, t.shape, [3, 2, 0, 1]) };
  }
  if (layer.spec.type !== "dense") return t;
  if (suffix === "bias") {
    if (!images.cols) return t;
    const data = new Float32Array(t.data.length);
    hwcFromChw(images.cols).forEach((i, r) => { data[i] = t.data[r]!; });
    return { shape: t.shape, data };
  }
  const [inp, out] = t.shape as [number, number];
  const rows = images.rows ? hwcFromChw(images.rows) : null;
  const cols = images.cols ? hwcFromChw(images.cols) : null;
  const data = new Float32Array(out * inp);
  for (let r = 0; r < inp; r++) for (let o = 0; o < out; o++) data[(cols ? cols[o]! : o) * inp + (rows ? rows[r]! : r)] = t.data[r * out + o]!;
  return { shape: [out, inp], data };
}

/** Every parametric layer with its PyTorch module name. */
function* parametric(model: Autoencoder | VAE, options: StateDictOptions) {
  const names = options.names ?? {};
  if (typeof names !== "object" || names === null) throw new ConfigError(`state dict: expected names to map our layer names to PyTorch's, found ${describe(names)}`);
  for (const { own, before } of chainsOf(model)) {
    const chain = [...before, ...own];
    for (let i = 0; i < own.length; i++) {
      const layer = own[i]!;
      if (!Object.hasOwn(PARAMS, layer.spec.type)) continue;
      const torch = Object.hasOwn(names, layer.name) ? names[layer.name]! : layer.name;
      yield { layer, torch, images: denseImages(chain, before.length + i), params: PARAMS[layer.spec.type]! };
    }
  }
}

/**
 * Loads a PyTorch state_dict saved as safetensors into `model`, built from
 * the matching config. Throws a ConfigError naming the tensor missing, of the
 * wrong shape, or (strict) left over; a ModelFormatError for a malformed file.
 */
export function loadStateDict(model: Autoencoder | VAE, bytes: Uint8Array, options: StateDictOptions = {}): void {
  const file = decodeSafetensors(bytes, { skip: (name, dtype) => dtype === "I64" && name.endsWith("num_batches_tracked") }).tensors;
  const used = new Set<string>();
  const current = new Map<string, Tensor>();
  for (const t of [...model.slab.read(), ...model.states.read()]) current.set(t.name, t);
  const updates = new Map<string, Tensor>(current);
  for (const { layer, torch, images, params } of parametric(model, options)) {
    for (const [suffix, theirs] of params) {
      const ours = `${layer.name}.${suffix}`;
      const key = `${torch}.${theirs}`;
      const t = file.get(key);
      const expected = current.get(ours);
      // A layer without a bias has no such tensor, here or in PyTorch's module.
      if (!expected) continue;
      const want = toTorch(layer, suffix, expected, images).shape;
      if (!t) throw new ConfigError(`state dict: expected a tensor ${describe(key)} of shape ${shapeText(want)} for ${layer.name} (${layer.spec.type}) ${suffix}, found none`);
      if (t.shape.join(",") !== want.join(",")) {
        throw new ConfigError(`state dict: expected ${describe(key)} of shape ${shapeText(want)} for ${layer.name} (${layer.spec.type}), found ${shapeText(t.shape)}`);
      }
      updates.set(ours, toOurs(layer, suffix, t, images));
      used.add(key);
    }
  }
  if (options.strict !== false) {
    const left = [...file.keys()].filter((k) => !used.has(k));
    if (left.length > 0) throw new ConfigError(`state dict: ${left.length} tensor(s) no layer takes: ${left.slice(0, 8).map((k) => describe(k)).join(", ")}${left.length > 8 ? ", …" : ""}; map their modules with names, or pass strict: false`);
  }
  model.slab.write(updates);
  model.states.write(updates);
}

/** `model`'s weights as a PyTorch state_dict in safetensors (float32), named and laid out as loadStateDict reads them. */
export function toStateDict(model: Autoencoder | VAE, options: StateDictOptions = {}): Uint8Array {
  const current = new Map<string, Tensor>();
  for (const t of [...model.slab.read(), ...model.states.read()]) current.set(t.name, t);
  const out: NamedTensor[] = [];
  for (const { layer, torch, images, params } of parametric(model, options)) {
    for (const [suffix, theirs] of params) {
      const t = current.get(`${layer.name}.${suffix}`);
      if (t) out.push({ ...toTorch(layer, suffix, t, images), name: `${torch}.${theirs}` });
    }
  }
  return encodeSafetensors(out);
}
