// The autoencoder: an encoder network to a code, a decoder network back to the
// input's shape, trained to reconstruct its input.
import { ConfigError, describe, ShapeError } from "../errors.js";
import type { ForwardContext, LayerSpec } from "../layers/index.js";
import { Tensor } from "../ops/tensor.js";
import type { OptimizerConfig } from "../optim/optimizer.js";
import { bceLoss, bceWithLogitsLoss, l1Loss, mseLoss, RECONSTRUCTION_LOSSES, type ReconstructionLoss } from "../losses/reconstruction.js";
import { contractiveLoss } from "../losses/contractive.js";
import { klSparsityLoss, l1ActivityLoss } from "../losses/sparsity.js";
import { Dense } from "../layers/dense.js";
import { checkNoise, corrupt, type NoiseConfig } from "../ops/corrupt.js";
import { kSparse } from "../ops/k-sparse.js";
import { STREAM } from "../ops/streams.js";
import { checkSeed, checkShape, ModelBase, ParamCollector, type SaveOptions } from "./base.js";
import { tensorOut, type DataInput, type TensorData } from "./data.js";
import { fitLoop, meanLoss, Resident, type History, type LossParts } from "./fit.js";
import { fitDataOf, MODEL_STREAM_FIT_KEYS, type ModelFitOptions, type SampleStream } from "./stream-data.js";
import { checkOptionKeys, keysOf } from "../options.js";
import { Network } from "./network.js";
import { getEngine, init } from "../wasm/module.js";
import { shapeText, sizeOf } from "../shape.js";

/** What Autoencoder.create builds: the layers of the encoder and decoder, the loss, the optimizer and the variants (denoising, sparse, contractive). */
export interface AutoencoderConfig {
  /** Shape of one sample, e.g. [784] or [28, 28, 1]. */
  input: number[];
  /** Layers from the input to the code. */
  encoder: LayerSpec[];
  /** Layers from the code back to the input's shape. */
  decoder: LayerSpec[];
  /** Reconstruction loss, averaged over features and samples. Default "mse". */
  loss?: ReconstructionLoss;
  /**
   * How a batch's per-sample losses (each the mean over features) make the
   * objective the optimizer sees: "mean" over the batch (default, Keras's
   * sum_over_batch_size) or "sum" over it (Keras's reduction="sum"; PyTorch's
   * reduction='sum' also sums over features, that is this times the feature
   * count). The history reports per-sample means either way.
   */
  reduction?: "mean" | "sum";
  /**
   * With loss "bce" and a decoder ending in a sigmoid: compute BCE from its
   * logits (default true, stable for any logit) or on its probabilities
   * clamped to [1e-7, 1 − 1e-7] as Keras's from_logits=False (PyTorch's
   * nn.BCELoss instead clamps each log at −100). No effect otherwise.
   */
  fromLogits?: boolean;
  /** Default { name: "adam", learningRate: 1e-3 }. */
  optimizer?: OptimizerConfig | "adam" | "adamw" | "sgd";
  /** Seeds initialization, shuffling and every random draw. Default 0. */
  seed?: number;
  /** Denoising: corrupt each training batch this way; the clean input stays the target. Default: no corruption. */
  noise?: NoiseConfig;
  /** Sparse codes: penalties on the code, or k-sparse codes. Default: none. */
  sparsity?: SparsityConfig;
  /**
   * Contractive penalty weight λ on the squared Frobenius norm of the encoder's
   * Jacobian; needs an encoder of one dense sigmoid layer. Default 0 (off).
   */
  contractive?: number;
}

/** Sparse codes: any of an L1 activity penalty, a KL penalty toward a target mean activation, and k-sparse codes. Default: none of them. */
export interface SparsityConfig {
  /** L1 activity penalty λ·Σ|code| per sample. Default: none. */
  l1?: number;
  /** KL penalty β·Σ_j KL(ρ ‖ mean activation of unit j) toward a target mean ρ (sigmoid codes). Default: none. */
  kl?: {
    /** The target mean activation of each code unit, in (0, 1). */
    rho: number;
    /** Weight of the penalty. */
    beta: number;
  };
  /** Keep only the k largest code units of each sample (k-sparse autoencoder). Default: all units. */
  k?: number;
}

const FORMAT = "autoencoder";

const CONFIG_KEYS = /* @__PURE__ */ keysOf<AutoencoderConfig>({
  input: true, encoder: true, decoder: true, loss: true, reduction: true, fromLogits: true, optimizer: true, seed: true, noise: true, sparsity: true, contractive: true,
});

/** An encoder network to a code and a decoder network back to the input's shape, trained to reconstruct its input (Keras's Model fitted with x as its own target). Create with `await Autoencoder.create(config)`, restore with `await Autoencoder.load(bytes)`. */
export class Autoencoder extends ModelBase {
  /** @internal The encoder's layers. */
  readonly encoder: Network;
  /** @internal The decoder's layers. */
  readonly decoder: Network;
  /** The reconstruction loss trained on. */
  readonly loss: ReconstructionLoss;
  /** Shape of one sample. */
  readonly inputShape: readonly number[];
  /** Shape of one sample's code (the encoder's output). */
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
    checkOptionKeys("Autoencoder.create", config, CONFIG_KEYS);
    await init();
    const model = Autoencoder.build(config);
    model.slab.initialize(model.seed);
    return model;
  }

  private static build(config: AutoencoderConfig): Autoencoder {
    if (!config || typeof config !== "object") throw new ConfigError(`Autoencoder.create: expected a config object, found ${describe(config)}`);
    const input = checkShape(config.input, "Autoencoder input");
    const seed = checkSeed(config.seed);
    const loss = config.loss ?? "mse";
    if (!RECONSTRUCTION_LOSSES.includes(loss)) {
      throw new ConfigError(`Autoencoder: unknown loss ${describe(loss)}; expected one of ${RECONSTRUCTION_LOSSES.join(", ")}`);
    }
    const reduction = config.reduction ?? "mean";
    if (reduction !== "mean" && reduction !== "sum") throw new ConfigError(`Autoencoder: unknown reduction ${describe(config.reduction)}; expected "mean" or "sum"`);
    const fromLogits = config.fromLogits ?? true;
    if (typeof fromLogits !== "boolean") throw new ConfigError(`Autoencoder: expected fromLogits to be true or false, found ${describe(config.fromLogits)}`);
    if (!Array.isArray(config.encoder) || config.encoder.length === 0) throw new ConfigError("Autoencoder: expected at least one encoder layer");
    if (!Array.isArray(config.decoder) || config.decoder.length === 0) throw new ConfigError("Autoencoder: expected at least one decoder layer");
    const params = new ParamCollector();
    const encoder = new Network("encoder", config.encoder, input, params);
    const decoder = new Network("decoder", config.decoder, encoder.outputShape, params);
    if (decoder.outputShape.join(",") !== input.join(",")) {
      throw new ShapeError(`Autoencoder: the decoder must end in the input's shape ${shapeText(input)}, found ${shapeText(decoder.outputShape)}`);
    }
    if (config.noise !== undefined) checkNoise(config.noise, "Autoencoder noise");
    checkSparsity(config.sparsity, encoder);
    if (config.contractive !== undefined) checkContractive(config.contractive, encoder);
    const normalized: AutoencoderConfig = { ...config, input, loss, seed };
    // Defaults stay out of the saved config, so files of models without these options keep their bytes.
    if (reduction === "mean") delete normalized.reduction;
    if (fromLogits) delete normalized.fromLogits;
    return new Autoencoder(normalized, params, encoder, decoder, seed);
  }

  protected networks(): Network[] {
    return [this.encoder, this.decoder];
  }

  /** Whether training computes BCE from the decoder's logits (final sigmoid fused into the loss). */
  private get fusedSigmoid(): boolean {
    return this.loss === "bce" && this.decoder.endsWithSigmoid && this.config.fromLogits !== false;
  }

  /** The encoder's output, made k-sparse when configured. */
  private codeOf(x: Tensor, ctx: ForwardContext): Tensor {
    const code = this.encoder.forward(x, ctx);
    const k = this.config.sparsity?.k;
    return k === undefined ? code : kSparse(ctx.tape, code, k);
  }

  /** @internal The loss of one training batch, recorded on ctx's tape (the training loop calls it). */
  batchLoss(x: Tensor, target: Tensor, ctx: ForwardContext): LossParts {
    const input = ctx.training && this.config.noise ? corrupt(x, this.config.noise, this.seed, STREAM.noise, ctx.step) : x;
    const code = this.codeOf(input, ctx);
    const fused = this.fusedSigmoid;
    const out = this.decoder.forward(code, { ...ctx, logits: fused });
    // Mean over features and samples (Keras' convention); "sum" records the
    // batch's total (gradient × rows) and reports the mean.
    const total = this.config.reduction === "sum" ? out.rows : 1;
    const scale = total / out.size;
    const tape = ctx.tape;
    let loss: number;
    if (this.loss === "mse") loss = mseLoss(tape, out, target, scale);
    else if (this.loss === "l1") loss = l1Loss(tape, out, target, scale);
    else loss = fused ? bceWithLogitsLoss(tape, out, target, scale) : bceLoss(tape, out, target, scale);
    loss /= total;
    const penalty = this.penalties(code, ctx, total);
    return penalty === null ? { loss } : { loss: loss + penalty, reconstruction: loss, penalty };
  }

  /**
   * The sparsity and contractive penalties per sample, or null when none is
   * configured; recorded with weight `total` (the batch size under "sum").
   */
  private penalties(code: Tensor, ctx: ForwardContext, total: number): number | null {
    const { sparsity, contractive } = this.config;
    if (!sparsity?.l1 && !sparsity?.kl && !contractive) return null;
    // (λ·total)/rows: exactly λ/rows under "mean".
    const weight = (lambda: number) => (lambda * total) / code.rows;
    let sum = 0;
    if (sparsity?.l1) sum += l1ActivityLoss(ctx.tape, code, weight(sparsity.l1));
    if (sparsity?.kl) sum += klSparsityLoss(ctx.tape, code, sparsity.kl.rho, weight(sparsity.kl.beta));
    if (contractive) sum += contractiveLoss(ctx.tape, code, (this.encoder.layers[0] as Dense).kernel.tensor, weight(contractive));
    return sum / total;
  }

  /** Trains on `x` (its own target). Resolves with the per-epoch history. */
  async fit(x: DataInput | SampleStream, options: ModelFitOptions = {}): Promise<History> {
    checkOptionKeys("Autoencoder.fit", options, MODEL_STREAM_FIT_KEYS);
    return fitLoop(this, fitDataOf(x, options, this.inputShape, (d, what) => this.batchOf(d, this.inputShape, what)), options);
  }

  /** The code of each sample: [N, ...codeShape]. */
  encode(x: DataInput): TensorData {
    const batch = this.batchOf(x, this.inputShape, "encode x");
    const cols = sizeOf(this.codeShape);
    const data = this.mapRows(batch, cols, "encode x", (t) => this.codeOf(t, this.inferenceContext()));
    return tensorOut(data, batch.rows, this.codeShape);
  }

  /** Decodes codes back to the input space: [N, ...inputShape]. */
  decode(z: DataInput): TensorData {
    const batch = this.batchOf(z, this.codeShape, "decode z");
    const cols = sizeOf(this.inputShape);
    const data = this.mapRows(batch, cols, "decode z", (t) => this.decoder.forward(t, this.inferenceContext()));
    return tensorOut(data, batch.rows, this.inputShape);
  }

  /** decode(encode(x)) in one pass. */
  reconstruct(x: DataInput): TensorData {
    const batch = this.batchOf(x, this.inputShape, "reconstruct x");
    const data = this.mapRows(batch, batch.cols, "reconstruct x", (t) => {
      const ctx = this.inferenceContext();
      return this.decoder.forward(this.codeOf(t, ctx), ctx);
    });
    return tensorOut(data, batch.rows, this.inputShape);
  }

  /** Reconstructs noisy inputs: for a denoising autoencoder, the cleaned samples. */
  denoise(x: DataInput): TensorData {
    return this.reconstruct(x);
  }

  /** Mean squared reconstruction error of each sample (anomaly scores). */
  reconstructionError(x: DataInput): Float32Array {
    const batch = this.batchOf(x, this.inputShape, "reconstructionError x");
    const { kernels, arena } = getEngine();
    return this.mapRows(batch, 1, "reconstructionError x", (t) => {
      const ctx = this.inferenceContext();
      const out = this.decoder.forward(this.codeOf(t, ctx), ctx);
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
      return meanLoss(this, resident.ptr, batch.rows, batch.cols, 256).loss;
    } finally {
      resident.free();
    }
  }

  /** The model as bytes: config and weights (see src/io/model-file.ts). */
  /** The model as bytes: config, weights, layer state and (by default) the optimizer state; see src/io/model-file.ts. */
  save(options: SaveOptions = {}): Uint8Array {
    return this.encodeFile(FORMAT, this.config, options);
  }

  /** Restores a model saved by `save()`; refuses foreign, truncated or corrupted bytes with a ModelFormatError. */
  static async load(bytes: Uint8Array): Promise<Autoencoder> {
    await init();
    return ModelBase.decodeFile(bytes, FORMAT, "Autoencoder", (config: AutoencoderConfig) => Autoencoder.build(config));
  }

}

function checkSparsity(sparsity: SparsityConfig | undefined, encoder: Network): void {
  if (sparsity === undefined) return;
  const fail = (what: string, found: unknown) => new ConfigError(`Autoencoder sparsity: expected ${what}, found ${describe(found)}`);
  if (typeof sparsity !== "object" || sparsity === null) throw fail("an object such as { l1: 1e-4 }", sparsity);
  if (sparsity.l1 !== undefined && !(typeof sparsity.l1 === "number" && sparsity.l1 >= 0 && Number.isFinite(sparsity.l1))) throw fail("l1 >= 0", sparsity.l1);
  if (sparsity.kl !== undefined) {
    const { rho, beta } = sparsity.kl;
    if (!(typeof rho === "number" && rho > 0 && rho < 1)) throw fail("kl.rho in (0, 1)", rho);
    if (!(typeof beta === "number" && beta >= 0 && Number.isFinite(beta))) throw fail("kl.beta >= 0", beta);
    if (!encoder.endsWithSigmoid) throw new ConfigError("Autoencoder sparsity: the KL penalty needs a sigmoid code (mean activations in (0, 1)); end the encoder with a sigmoid");
  }
  if (sparsity.k !== undefined) {
    const units = sizeOf(encoder.outputShape);
    if (!Number.isInteger(sparsity.k) || sparsity.k < 1 || sparsity.k > units) throw fail(`k an integer in [1, ${units}] (the code size)`, sparsity.k);
  }
}

function checkContractive(lambda: number, encoder: Network): void {
  if (!(typeof lambda === "number" && lambda >= 0 && Number.isFinite(lambda))) {
    throw new ConfigError(`Autoencoder contractive: expected a weight >= 0, found ${describe(lambda)}`);
  }
  const only = encoder.layers[0];
  if (encoder.layers.length !== 1 || !(only instanceof Dense) || only.activation !== "sigmoid") {
    throw new ConfigError("Autoencoder contractive: expected an encoder of one dense sigmoid layer (the penalty is that layer's Jacobian norm)");
  }
}
