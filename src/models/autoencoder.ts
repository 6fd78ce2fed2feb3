// The autoencoder: an encoder network to a code, a decoder network back to the
// input's shape, trained to reconstruct its input.
import { ConfigError, ModelFormatError, ShapeError } from "../errors.js";
import { decodeModelFile, encodeModelFile } from "../io/model-file.js";
import type { ForwardContext, LayerSpec } from "../layers/index.js";
import { Tensor } from "../ops/tensor.js";
import type { OptimizerConfig } from "../optim/optimizer.js";
import { bceLoss, bceWithLogitsLoss, l1Loss, mseLoss, RECONSTRUCTION_LOSSES, type ReconstructionLoss } from "../losses/reconstruction.js";
import { checkSeed, checkShape, ModelBase, ParamCollector } from "./base.js";
import { tensorOut, type DataInput, type TensorData } from "./data.js";
import { fitLoop, meanLoss, Resident, type FitOptions, type History, type LossParts } from "./fit.js";
import { Network } from "./network.js";
import { getEngine, init } from "../wasm/module.js";

export interface AutoencoderConfig {
  /** Shape of one sample, e.g. [784] or [28, 28, 1]. */
  input: number[];
  /** Layers from the input to the code. */
  encoder: LayerSpec[];
  /** Layers from the code back to the input's shape. */
  decoder: LayerSpec[];
  /** Reconstruction loss, averaged over features and samples. Default "mse". */
  loss?: ReconstructionLoss;
  /** Default { name: "adam", learningRate: 1e-3 }. */
  optimizer?: OptimizerConfig | "adam" | "adamw" | "sgd";
  /** Seeds initialization, shuffling and every random draw. Default 0. */
  seed?: number;
}

const FORMAT = "autoencoder";

export class Autoencoder extends ModelBase {
  readonly encoder: Network;
  readonly decoder: Network;
  readonly loss: ReconstructionLoss;
  readonly inputShape: readonly number[];
  readonly codeShape: readonly number[];
  private readonly config: AutoencoderConfig;

  private constructor(config: AutoencoderConfig, params: ParamCollector, encoder: Network, decoder: Network, seed: number) {
    super(seed, config.optimizer, params);
    this.config = config;
    this.encoder = encoder;
    this.decoder = decoder;
    this.loss = config.loss ?? "mse";
    this.inputShape = encoder.inputShape;
    this.codeShape = encoder.outputShape;
  }

  /** Builds the model, infers every shape and initializes its parameters from `seed`. */
  static async create(config: AutoencoderConfig): Promise<Autoencoder> {
    await init();
    const model = Autoencoder.build(config);
    model.slab.initialize(model.seed);
    return model;
  }

  private static build(config: AutoencoderConfig): Autoencoder {
    if (!config || typeof config !== "object") throw new ConfigError(`Autoencoder.create: expected a config object, found ${String(config)}`);
    const input = checkShape(config.input, "Autoencoder input");
    const seed = checkSeed(config.seed);
    const loss = config.loss ?? "mse";
    if (!RECONSTRUCTION_LOSSES.includes(loss)) {
      throw new ConfigError(`Autoencoder: unknown loss ${JSON.stringify(loss)}; expected one of ${RECONSTRUCTION_LOSSES.join(", ")}`);
    }
    if (!Array.isArray(config.encoder) || config.encoder.length === 0) throw new ConfigError("Autoencoder: expected at least one encoder layer");
    if (!Array.isArray(config.decoder) || config.decoder.length === 0) throw new ConfigError("Autoencoder: expected at least one decoder layer");
    const params = new ParamCollector();
    const encoder = new Network("encoder", config.encoder, input, params);
    const decoder = new Network("decoder", config.decoder, encoder.outputShape, params);
    if (decoder.outputShape.join(",") !== input.join(",")) {
      throw new ShapeError(`Autoencoder: the decoder must end in the input's shape [${input.join(", ")}], found [${decoder.outputShape.join(", ")}]`);
    }
    const normalized: AutoencoderConfig = { ...config, input, loss, seed };
    return new Autoencoder(normalized, params, encoder, decoder, seed);
  }

  protected networks(): Network[] {
    return [this.encoder, this.decoder];
  }

  /** Whether training computes BCE from the decoder's logits (final sigmoid fused into the loss). */
  private get fusedSigmoid(): boolean {
    return this.loss === "bce" && this.decoder.endsWithSigmoid;
  }

  batchLoss(x: Tensor, target: Tensor, ctx: ForwardContext): LossParts {
    const code = this.encoder.forward(x, ctx);
    const fused = this.fusedSigmoid;
    const out = this.decoder.forward(code, { ...ctx, logits: fused });
    // Mean over features and samples (Keras' convention).
    const scale = 1 / out.size;
    const tape = ctx.tape;
    let loss: number;
    if (this.loss === "mse") loss = mseLoss(tape, out, target, scale);
    else if (this.loss === "l1") loss = l1Loss(tape, out, target, scale);
    else loss = fused ? bceWithLogitsLoss(tape, out, target, scale) : bceLoss(tape, out, target, scale);
    return { loss };
  }

  /** Trains on `x` (its own target). Resolves with the per-epoch history. */
  async fit(x: DataInput, options: FitOptions & { validationData?: DataInput } = {}): Promise<History> {
    const batch = this.batchOf(x, this.inputShape, "fit x");
    const validation = options.validationData === undefined ? undefined : { x: this.batchOf(options.validationData, this.inputShape, "validationData") };
    return fitLoop(this, { x: batch, validation }, options);
  }

  /** The code of each sample: [N, ...codeShape]. */
  encode(x: DataInput): TensorData {
    const batch = this.batchOf(x, this.inputShape, "encode x");
    const cols = this.codeShape.reduce((a, b) => a * b, 1);
    const data = this.mapRows(batch, cols, "encode x", (t) => this.encoder.forward(t, this.inferenceContext()));
    return tensorOut(data, batch.rows, this.codeShape);
  }

  /** Decodes codes back to the input space: [N, ...inputShape]. */
  decode(z: DataInput): TensorData {
    const batch = this.batchOf(z, this.codeShape, "decode z");
    const cols = this.inputShape.reduce((a, b) => a * b, 1);
    const data = this.mapRows(batch, cols, "decode z", (t) => this.decoder.forward(t, this.inferenceContext()));
    return tensorOut(data, batch.rows, this.inputShape);
  }

  /** decode(encode(x)) in one pass. */
  reconstruct(x: DataInput): TensorData {
    const batch = this.batchOf(x, this.inputShape, "reconstruct x");
    const data = this.mapRows(batch, batch.cols, "reconstruct x", (t) => {
      const ctx = this.inferenceContext();
      return this.decoder.forward(this.encoder.forward(t, ctx), ctx);
    });
    return tensorOut(data, batch.rows, this.inputShape);
  }

  /** Mean squared reconstruction error of each sample (anomaly scores). */
  reconstructionError(x: DataInput): Float32Array {
    const batch = this.batchOf(x, this.inputShape, "reconstructionError x");
    const { kernels, arena } = getEngine();
    return this.mapRows(batch, 1, "reconstructionError x", (t) => {
      const ctx = this.inferenceContext();
      const out = this.decoder.forward(this.encoder.forward(t, ctx), ctx);
      const err = arena.scratch(t.rows * 4);
      kernels.f32_row_mse(err, out.ptr, t.ptr, t.rows, t.cols);
      return { ptr: err, size: t.rows };
    });
  }

  /** The training loss (without regularizers) over `x`, averaged per sample. */
  evaluate(x: DataInput): number {
    const batch = this.batchOf(x, this.inputShape, "evaluate x");
    const resident = new Resident(batch, "evaluate x");
    try {
      return meanLoss(this, resident.ptr, resident.ptr, batch.rows, batch.cols, batch.cols, 256).loss;
    } finally {
      resident.free();
    }
  }

  /** The model as bytes: config and weights (see src/io/model-file.ts). */
  save(): Uint8Array {
    this.assertLive();
    return encodeModelFile({ format: FORMAT, config: this.config, step: this.step }, this.readTensors());
  }

  /** Restores a model saved by `save()`. */
  static async load(bytes: Uint8Array): Promise<Autoencoder> {
    await init();
    const file = decodeModelFile(bytes);
    const meta = file.config as { format?: unknown; config?: AutoencoderConfig; step?: number } | null;
    if (!meta || meta.format !== FORMAT || !meta.config) {
      throw new ModelFormatError(`Autoencoder.load: expected a saved ${FORMAT}, found ${JSON.stringify(meta?.format ?? null)}`);
    }
    let model: Autoencoder;
    try {
      model = Autoencoder.build(meta.config);
    } catch (error) {
      throw new ModelFormatError(`Autoencoder.load: the saved config is invalid: ${(error as Error).message}`);
    }
    try {
      model.writeTensors(file.tensors);
    } catch (error) {
      model.dispose();
      throw error;
    }
    model.step = typeof meta.step === "number" ? meta.step : 0;
    return model;
  }
}
