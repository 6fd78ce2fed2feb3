// fromOnnx: an Autoencoder from an ONNX file (ours, PyTorch's torch.onnx.export,
// or any exporter emitting the ops in SUPPORTED_OPS), as a chain of layers
// split into encoder and decoder at the code.
import { ConfigError, describe } from "../errors.js";
import { Autoencoder, type AutoencoderConfig } from "../models/autoencoder.js";
import { decodeModel } from "./onnx-proto.js";
import { toLayers, type ImportedLayer } from "./onnx-layers.js";

/** Options of fromOnnx. */
export interface FromOnnxOptions {
  /**
   * The ONNX value that is the code: the encoder ends at the layer giving it.
   * Default: the narrowest value between two layers (the bottleneck; the first if tied).
   */
  code?: string;
  /** Training settings of the built model (the file has none): its loss. Default "mse". */
  loss?: AutoencoderConfig["loss"];
  /** The built model's optimizer. Default { name: "adam", learningRate: 1e-3 }. */
  optimizer?: AutoencoderConfig["optimizer"];
  /** The built model's seed (for further training). Default 0. */
  seed?: number;
}

const product = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function splitAt(layers: ImportedLayer[], code: string | undefined): number {
  if (code !== undefined) {
    const at = layers.findIndex((l) => l.names.includes(code));
    if (at < 0 || at === layers.length - 1) {
      throw new ConfigError(`fromOnnx: expected code to name a value between two layers, found ${describe(code)}; values: ${layers.slice(0, -1).flatMap((l) => l.names).join(", ")}`);
    }
    return at + 1;
  }
  let best = -1;
  for (let i = 0; i < layers.length - 1; i++) if (best < 0 || product(layers[i]!.shape) < product(layers[best]!.shape)) best = i;
  if (best < 0) throw new ConfigError(`fromOnnx: expected at least two layers (an encoder and a decoder), found ${layers.length}`);
  return best + 1;
}

/**
 * Builds an Autoencoder from ONNX bytes. Images are NHWC in the built model
 * (ours), also when the graph took NCHW (PyTorch's): filters and the dense
 * layers next to a flatten are permuted to match, so for the same image the
 * outputs agree. Unsupported ops, attributes or data types throw a ConfigError
 * naming the node and what is supported; malformed bytes a ModelFormatError.
 */
export async function fromOnnx(bytes: Uint8Array, options: FromOnnxOptions = {}): Promise<Autoencoder> {
  const stack = toLayers(decodeModel(bytes));
  const split = splitAt(stack.layers, options.code);
  const encoder = stack.layers.slice(0, split);
  const decoder = stack.layers.slice(split);
  const config: AutoencoderConfig = {
    input: stack.input,
    encoder: encoder.map((l) => l.spec),
    decoder: decoder.map((l) => l.spec),
    ...(options.loss !== undefined ? { loss: options.loss } : {}),
    ...(options.optimizer !== undefined ? { optimizer: options.optimizer } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  };
  const model = await Autoencoder.create(config);
  try {
    const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
    const add = (net: string, list: ImportedLayer[]) => list.forEach((l, i) => l.weights.forEach((t, suffix) => tensors.set(`${net}.${i}.${suffix}`, t)));
    add("encoder", encoder);
    add("decoder", decoder);
    model.slab.write(tensors);
    model.states.write(tensors);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}
