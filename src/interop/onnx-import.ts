// fromOnnx: an Autoencoder or a VAE from ONNX files (ours, PyTorch's
// torch.onnx.export, or any exporter emitting the ops in SUPPORTED_OPS). A
// whole autoencoder is one chain of layers, split into encoder and decoder at
// the code; an encoder alone or a decoder alone is completed by a second
// graph or by layers trained here; a VAE's graph branches into its μ and
// log σ² heads.
import { ConfigError, describe } from "../errors.js";
import type { LayerSpec } from "../layers/index.js";
import { Autoencoder, type AutoencoderConfig } from "../models/autoencoder.js";
import type { ModelBase } from "../models/base.js";
import { VAE, type VAEConfig } from "../models/vae.js";
import { decodeModel, namesText } from "./onnx-proto.js";
import { toLayers, toVaeLayers, type ImportedLayer } from "./onnx-layers.js";
import { shapeText, sizeOf } from "../shape.js";

/** The names of a VAE graph's μ and log σ² outputs, and the VAE's training settings (the file has none). */
export interface OnnxVaeOptions {
  /** The graph output that is μ. */
  mu: string;
  /** The graph output that is log σ². */
  logVar: string;
  /** VAEConfig's loss: "bce" (Bernoulli, the default) or "mse" (Gaussian). */
  loss?: VAEConfig["loss"];
  /** VAEConfig's beta, the KL term's weight. Default 1. */
  beta?: number;
}

/** Options of fromOnnx. */
export interface FromOnnxOptions {
  /**
   * The ONNX value that is the code: the encoder ends at the layer giving it.
   * Default: the narrowest value between two layers (the bottleneck; the first if tied).
   * Only for a whole autoencoder in one graph.
   */
  code?: string;
  /**
   * The graph is an encoder alone (input → code, or a VAE's input → μ, log σ²);
   * the decoder is a second ONNX graph (a decoder alone, as toOnnx's part
   * "decoder" writes) or layers to train here. Default: none (the graph holds both halves).
   */
  decoder?: Uint8Array | LayerSpec[];
  /** The graph is a decoder alone (code → reconstruction); the encoder is layers to train here, from `input`. Default: none. */
  encoder?: LayerSpec[];
  /** The per-sample input shape when the graph is a decoder alone. Default: none (the graph's input shape). */
  input?: number[];
  /** The graph is a VAE's: which outputs are μ and log σ². A third output decoded from μ is the decoder. Default: none (an autoencoder). */
  vae?: OnnxVaeOptions;
  /** Training settings of the built model (the file has none): the Autoencoder's loss (a VAE's is vae.loss). Default "mse". */
  loss?: AutoencoderConfig["loss"];
  /** The built model's optimizer. Default { name: "adam", learningRate: 1e-3 }. */
  optimizer?: AutoencoderConfig["optimizer"];
  /** The built model's seed (for further training). Default 0. */
  seed?: number;
}

const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

function splitAt(layers: ImportedLayer[], code: string | undefined): number {
  if (code !== undefined) {
    const at = layers.findIndex((l) => l.names.includes(code));
    if (at < 0 || at === layers.length - 1) {
      throw new ConfigError(`fromOnnx: expected code to name a value between two layers, found ${describe(code)}; values: ${namesText(layers.slice(0, -1).flatMap((l) => l.names))}`);
    }
    return at + 1;
  }
  let best = -1;
  for (let i = 0; i < layers.length - 1; i++) if (best < 0 || sizeOf(layers[i]!.shape) < sizeOf(layers[best]!.shape)) best = i;
  if (best < 0) throw new ConfigError(`fromOnnx: expected at least two layers (an encoder and a decoder), found ${layers.length}`);
  return best + 1;
}

/** Layers of a graph holding a decoder alone, checked to start from `code`. */
function decoderGraph(bytes: Uint8Array, code: readonly number[]): ImportedLayer[] {
  const stack = toLayers(decodeModel(bytes));
  if (!same(stack.input, code)) {
    throw new ConfigError(`fromOnnx: expected the decoder graph's input ${describe(stack.inputName)} to be the code, per-sample ${shapeText(code)}, found ${shapeText(stack.input)}`);
  }
  return stack.layers;
}

type Named = Map<string, { shape: number[]; data: Float32Array }>;

function addWeights(tensors: Named, net: string, list: readonly ImportedLayer[]): void {
  list.forEach((l, i) => l.weights.forEach((t, suffix) => tensors.set(`${net}.${i}.${suffix}`, t)));
}

/** Writes the imported tensors over the model's initial ones (layers given as specs keep theirs); disposes the model on failure. */
function writeWeights<M extends ModelBase>(model: M, imported: Named): M {
  try {
    const tensors: Named = new Map();
    for (const t of [...model.slab.read(), ...model.states.read()]) tensors.set(t.name, t);
    for (const [name, t] of imported) {
      if (!tensors.has(name)) throw new ConfigError(`fromOnnx: the built model has no tensor ${describe(name)} for an imported weight`);
      tensors.set(name, t);
    }
    model.slab.write(tensors);
    model.states.write(tensors);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

const training = (o: FromOnnxOptions) => ({
  ...(o.optimizer !== undefined ? { optimizer: o.optimizer } : {}),
  ...(o.seed !== undefined ? { seed: o.seed } : {}),
});

function checkOptions(options: FromOnnxOptions): void {
  if (typeof options !== "object" || options === null) throw new ConfigError(`fromOnnx: expected an options object, found ${describe(options)}`);
  const given = (["code", "decoder", "encoder"] as const).filter((k) => options[k] !== undefined);
  if (given.length > 1) throw new ConfigError(`fromOnnx: expected at most one of code, decoder and encoder, found ${given.join(" and ")}`);
  if (options.encoder !== undefined && options.vae !== undefined) throw new ConfigError("fromOnnx: a VAE graph holds the encoder; expected no encoder option with vae");
  if (options.encoder !== undefined && !Array.isArray(options.input)) throw new ConfigError(`fromOnnx: with encoder layers, expected input (the per-sample input shape), found ${describe(options.input)}`);
  if (options.decoder !== undefined && !(options.decoder instanceof Uint8Array) && !Array.isArray(options.decoder)) {
    throw new ConfigError(`fromOnnx: expected decoder to be ONNX bytes (a Uint8Array) or an array of layers, found ${describe(options.decoder)}`);
  }
}

async function buildAutoencoder(bytes: Uint8Array, options: FromOnnxOptions): Promise<Autoencoder> {
  const stack = toLayers(decodeModel(bytes));
  let encoder: ImportedLayer[] | LayerSpec[];
  let decoder: ImportedLayer[] | LayerSpec[];
  let input = stack.input;
  if (options.encoder !== undefined) {
    // The graph is the decoder: the encoder's layers, trained here, must end at its input.
    [encoder, decoder, input] = [options.encoder, stack.layers, options.input!];
  } else if (options.decoder !== undefined) {
    encoder = stack.layers;
    const code = stack.layers.at(-1)!.shape;
    decoder = options.decoder instanceof Uint8Array ? decoderGraph(options.decoder, code) : options.decoder;
  } else {
    const split = splitAt(stack.layers, options.code);
    [encoder, decoder] = [stack.layers.slice(0, split), stack.layers.slice(split)];
  }
  const specs = (list: ImportedLayer[] | LayerSpec[]): LayerSpec[] => list.map((l) => ("spec" in l && "weights" in l ? l.spec : (l as LayerSpec)));
  const config: AutoencoderConfig = {
    input, encoder: specs(encoder), decoder: specs(decoder), ...(options.loss !== undefined ? { loss: options.loss } : {}), ...training(options),
  };
  const model = await Autoencoder.create(config);
  if (options.encoder !== undefined && !same(model.codeShape, stack.input)) {
    const found = model.codeShape;
    model.dispose();
    throw new ConfigError(`fromOnnx: expected the encoder layers to end at the decoder graph's input, per-sample ${shapeText(stack.input)}, found ${shapeText(found)}`);
  }
  const tensors: Named = new Map();
  if (options.encoder === undefined) addWeights(tensors, "encoder", encoder as ImportedLayer[]);
  if (!Array.isArray(options.decoder)) addWeights(tensors, "decoder", decoder as ImportedLayer[]);
  return writeWeights(model, tensors);
}

async function buildVae(bytes: Uint8Array, options: FromOnnxOptions & { vae: OnnxVaeOptions }): Promise<VAE> {
  const { vae } = options;
  if (typeof vae !== "object" || vae === null) throw new ConfigError(`fromOnnx: expected vae to be { mu, logVar }, found ${describe(vae)}`);
  const graph = toVaeLayers(decodeModel(bytes), { mu: vae.mu, logVar: vae.logVar });
  const latent = graph.mu.at(-1)!.shape[0]!;
  let decoder: ImportedLayer[] | LayerSpec[];
  if (options.decoder !== undefined) {
    if (graph.decoder) throw new ConfigError("fromOnnx: the VAE graph has a decoder from mu already; expected no decoder option");
    decoder = options.decoder instanceof Uint8Array ? decoderGraph(options.decoder, [latent]) : options.decoder;
  } else if (graph.decoder) decoder = graph.decoder;
  else throw new ConfigError(`fromOnnx: the VAE graph ends at mu and logVar; expected the decoder as a second graph or layers (option decoder)`);
  const config: VAEConfig = {
    input: graph.input,
    encoder: graph.encoder.map((l) => l.spec),
    latent,
    decoder: Array.isArray(options.decoder) ? options.decoder : (decoder as ImportedLayer[]).map((l) => l.spec),
    ...(vae.loss !== undefined ? { loss: vae.loss } : {}),
    ...(vae.beta !== undefined ? { beta: vae.beta } : {}),
    ...training(options),
  };
  const model = await VAE.create(config);
  const tensors: Named = new Map();
  addWeights(tensors, "encoder", graph.encoder);
  for (const [net, head] of [["mu", graph.mu], ["logVar", graph.logVar]] as const) {
    // Our heads always have a bias: a head without one imports with zeros, the same function.
    const dense = head.at(-1)!;
    if (!dense.weights.has("bias")) dense.weights.set("bias", { shape: [latent], data: new Float32Array(latent) });
    addWeights(tensors, net, head);
  }
  if (!Array.isArray(options.decoder)) addWeights(tensors, "decoder", decoder as ImportedLayer[]);
  return writeWeights(model, tensors);
}

/**
 * Builds an Autoencoder, or with `vae` a VAE, from ONNX bytes. Images are
 * NHWC in the built model (ours), also when the graph took NCHW (PyTorch's):
 * filters and the dense layers next to a flatten are permuted to match, so
 * for the same image the outputs agree. Unsupported ops, attributes or data
 * types throw a ConfigError naming the node, the op and what is supported;
 * malformed bytes a ModelFormatError.
 */
export function fromOnnx(bytes: Uint8Array, options: FromOnnxOptions & { vae: OnnxVaeOptions }): Promise<VAE>;
export function fromOnnx(bytes: Uint8Array, options?: FromOnnxOptions): Promise<Autoencoder>;
export async function fromOnnx(bytes: Uint8Array, options: FromOnnxOptions = {}): Promise<Autoencoder | VAE> {
  checkOptions(options);
  if (options.vae !== undefined) {
    if (options.code !== undefined) throw new ConfigError("fromOnnx: a VAE's code is z (from mu and logVar); expected no code option with vae");
    return buildVae(bytes, options as FromOnnxOptions & { vae: OnnxVaeOptions });
  }
  return buildAutoencoder(bytes, options);
}
