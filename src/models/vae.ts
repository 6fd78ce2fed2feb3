// The variational autoencoder (Kingma & Welling, "Auto-Encoding Variational
// Bayes", 2014): the encoder's two heads give μ and log σ² of q(z|x); training
// samples z = μ + σ·ε and minimizes reconstruction + β·KL(q(z|x) ‖ N(0, I))
// per sample, in nats. Scoring (encode, reconstruct, reconstructionError) uses
// μ, so it is deterministic; sample() and the log-likelihood estimate draw.
import { ConfigError, describe, ShapeError } from "../errors.js";
import { layers, type BiasInitializer, type ForwardContext, type Initializer, type LayerSpec } from "../layers/index.js";
import { klNormalLoss } from "../losses/kl-normal.js";
import { bceLoss, bceWithLogitsLoss, mseLoss } from "../losses/reconstruction.js";
import { reparameterize } from "../ops/reparameterize.js";
import { Tensor } from "../ops/tensor.js";
import type { OptimizerConfig } from "../optim/optimizer.js";
import { getEngine, init } from "../wasm/module.js";
import { checkSeed, checkShape, INFERENCE_BATCH, ModelBase, ParamCollector, type SaveOptions } from "./base.js";
import { tensorOut, type DataInput, type TensorData } from "./data.js";
import { fitLoop, meanLoss, Resident, type History, type LossParts } from "./fit.js";
import { fitDataOf, MODEL_STREAM_FIT_KEYS, type ModelFitOptions, type SampleStream } from "./stream-data.js";
import { checkOptionKeys, codeSizeOption, keysOf, type CodeSizeOptions } from "../options.js";
import { Network } from "./network.js";
import { STREAM } from "../ops/streams.js";
import { shapeText, sizeOf } from "../shape.js";

/** What VAE.create builds: the encoder up to the μ and log σ² heads, the code size, the decoder and the likelihood. */
export interface VAEConfig extends CodeSizeOptions {
  /** Shape of one sample, e.g. [784] or [28, 28, 1]. */
  input: number[];
  /** Layers from the input to the features the μ and log σ² heads read (flattened for them). */
  encoder: LayerSpec[];
  /** Size of the code z. No default: required, under this name or an alias. */
  codeSize?: number;
  /** Another name for codeSize (Keras's latent_dim), which saved model files use; no default either. */
  latent?: number;
  /** Another name for codeSize (scikit-learn's n_components); no default either. */
  nComponents?: number;
  /** Initializers of the μ and log σ² dense heads. Default Glorot-uniform kernels, zero biases (Keras). */
  heads?: {
    /** The heads' kernels. Default "glorotUniform". */
    kernelInitializer?: Initializer;
    /** The heads' biases. Default "zeros". */
    biasInitializer?: BiasInitializer;
  };
  /** Layers from z back to the input's shape. */
  decoder: LayerSpec[];
  /** Decoder likelihood: "bce" Bernoulli (default; inputs in [0, 1]) or "mse" Gaussian with unit variance. */
  loss?: "bce" | "mse";
  /**
   * How a batch's per-sample losses make the objective the optimizer sees:
   * "mean" over the batch (default, Keras) or "sum" over it (PyTorch's
   * reduction='sum', as its examples/vae). The gradient differs by the batch
   * size, which Adam's ε does not cancel; the history reports per-sample means
   * either way.
   */
  reduction?: "mean" | "sum";
  /**
   * Bernoulli decoder ending in a sigmoid: compute BCE from its logits
   * (default true, stable for any logit) or on its probabilities clamped to
   * [1e-7, 1 − 1e-7] as Keras' from_logits=False (PyTorch's
   * binary_cross_entropy instead clamps each log at −100).
   */
  fromLogits?: boolean;
  /** Weight of the KL term (β-VAE). Default 1. */
  beta?: number;
  /** Training steps over which the KL weight ramps linearly from 0 to β. Default 0 (no warm-up). */
  klWarmupSteps?: number;
  /** Default { name: "adam", learningRate: 1e-3 }. */
  optimizer?: OptimizerConfig | "adam" | "adamw" | "sgd";
  /** Seeds initialization, shuffling and every random draw. Default 0. */
  seed?: number;
}

/** What `vae.encode(x, { logVariance: true })` returns: both heads' outputs. */
export interface VAEEncoding {
  /** μ of q(z|x), [N, codeSize]. */
  mean: TensorData;
  /** log σ² of q(z|x), [N, codeSize]. */
  logVariance: TensorData;
}

/** The negative ELBO of samples and its two parts, per sample. */
export interface VAELoss {
  /** reconstruction + β·kl per sample: with β = 1, the negative ELBO in nats. */
  loss: number;
  /** −log p(x|z) per sample (Gaussian: includes the ½·D·log 2π constant). */
  reconstruction: number;
  /** KL(q(z|x) ‖ N(0, I)) per sample. */
  kl: number;
}

const FORMAT = "vae";
/** ½·log(2π) */
const HALF_LOG_2PI = 0.9189385332046727;
// Evaluation draws the ε of the i-th sample evaluated from its own stream
// (STREAM.vaeEvaluate) with counter i, so a validation or evaluate() ELBO is
// the same number every time and whatever the batch size.

const CONFIG_KEYS = /* @__PURE__ */ keysOf<VAEConfig>({
  input: true, encoder: true, codeSize: true, latent: true, nComponents: true, heads: true, decoder: true, loss: true, reduction: true, fromLogits: true, beta: true, klWarmupSteps: true, optimizer: true, seed: true,
});

/** A variational autoencoder (Kingma and Welling): μ and log σ² heads on the encoder, z = μ + exp(log σ²/2)·ε, the analytic KL to N(0, I). Create with `await VAE.create(config)`, restore with `await VAE.load(bytes)`. */
export class VAE extends ModelBase {
  /** @internal The encoder's layers, up to the heads. */
  readonly encoder: Network;
  /** @internal The dense head giving μ. */
  readonly muHead: Network;
  /** @internal The dense head giving log σ². */
  readonly logVarHead: Network;
  /** @internal The decoder's layers. */
  readonly decoder: Network;
  /** Shape of one sample. */
  readonly inputShape: readonly number[];
  /** Size of the code z (also as codeSize). */
  readonly latent: number;
  private readonly config: VAEConfig;
  private samplesDrawn = 0;

  private constructor(config: VAEConfig, params: ParamCollector, nets: { encoder: Network; mu: Network; logVar: Network; decoder: Network }, seed: number) {
    super(seed, config.optimizer, params);
    this.config = config;
    this.encoder = nets.encoder;
    this.muHead = nets.mu;
    this.logVarHead = nets.logVar;
    this.decoder = nets.decoder;
    this.inputShape = nets.encoder.inputShape;
    this.latent = config.latent!;
  }

  /** Size of the code z: the same as latent. */
  get codeSize(): number {
    return this.latent;
  }

  /** Builds the model, the μ and log σ² heads included, and initializes it from `seed`. */
  static async create(config: VAEConfig): Promise<VAE> {
    checkOptionKeys("VAE.create", config, CONFIG_KEYS);
    await init();
    const model = VAE.build(config);
    model.slab.initialize(model.seed);
    return model;
  }

  private static build(config: VAEConfig): VAE {
    if (!config || typeof config !== "object") throw new ConfigError(`VAE.create: expected a config object, found ${describe(config)}`);
    const input = checkShape(config.input, "VAE input");
    const seed = checkSeed(config.seed);
    const size = codeSizeOption("VAE", config);
    if (!size) throw new ConfigError("VAE: expected codeSize (or latent), the size of the code z, found none");
    const latent = size.size;
    const loss = config.loss ?? "bce";
    if (loss !== "bce" && loss !== "mse") throw new ConfigError(`VAE: unknown loss ${describe(loss)}; expected "bce" (Bernoulli) or "mse" (Gaussian)`);
    const beta = config.beta ?? 1;
    if (typeof beta !== "number" || !(beta >= 0) || !Number.isFinite(beta)) throw new ConfigError(`VAE: expected beta >= 0, found ${describe(config.beta)}`);
    const warmup = config.klWarmupSteps ?? 0;
    if (!Number.isInteger(warmup) || warmup < 0) throw new ConfigError(`VAE: expected klWarmupSteps to be an integer >= 0, found ${describe(config.klWarmupSteps)}`);
    const reduction = config.reduction ?? "mean";
    if (reduction !== "mean" && reduction !== "sum") throw new ConfigError(`VAE: unknown reduction ${describe(config.reduction)}; expected "mean" or "sum"`);
    const fromLogits = config.fromLogits ?? true;
    if (typeof fromLogits !== "boolean") throw new ConfigError(`VAE: expected fromLogits to be true or false, found ${describe(config.fromLogits)}`);
    if (!Array.isArray(config.encoder)) throw new ConfigError("VAE: expected encoder to be an array of layers");
    if (!Array.isArray(config.decoder) || config.decoder.length === 0) throw new ConfigError("VAE: expected at least one decoder layer");
    const params = new ParamCollector();
    const encoder = new Network("encoder", config.encoder, input, params);
    // The heads are dense: they flatten a multi-dimensional encoder output (a free reshape).
    const heads = config.heads ?? {};
    if (typeof heads !== "object" || heads === null) throw new ConfigError(`VAE: expected heads to be { kernelInitializer?, biasInitializer? }, found ${JSON.stringify(config.heads)}`);
    const dense = layers.dense(latent, { kernelInitializer: heads.kernelInitializer, biasInitializer: heads.biasInitializer });
    const head = encoder.outputShape.length === 1 ? [dense] : [layers.flatten(), dense];
    const mu = new Network("mu", head, encoder.outputShape, params);
    const logVar = new Network("logVar", head, encoder.outputShape, params);
    const decoder = new Network("decoder", config.decoder, [latent], params);
    if (decoder.outputShape.join(",") !== input.join(",")) {
      throw new ShapeError(`VAE: the decoder must end in the input's shape ${shapeText(input)}, found ${shapeText(decoder.outputShape)}`);
    }
    // Files name the code size `latent`, whichever name the config used.
    const { codeSize: _codeSize, nComponents: _nComponents, ...rest } = config;
    const normalized: VAEConfig = { ...rest, input, latent, loss, beta, klWarmupSteps: warmup, seed };
    // Written only when not the default, so files of the defaults stay as they were.
    if (reduction === "mean") delete normalized.reduction;
    if (fromLogits) delete normalized.fromLogits;
    return new VAE(normalized, params, { encoder, mu, logVar, decoder }, seed);
  }

  protected networks(): Network[] {
    return [this.encoder, this.muHead, this.logVarHead, this.decoder];
  }

  private get bernoulli(): boolean {
    return this.config.loss !== "mse";
  }

  /** The KL weight at a step: β, ramped up over klWarmupSteps. */
  private betaAt(step: number): number {
    const beta = this.config.beta ?? 1;
    const warmup = this.config.klWarmupSteps ?? 0;
    return warmup > 0 ? beta * Math.min(1, step / warmup) : beta;
  }

  private heads(x: Tensor, ctx: ForwardContext): { mu: Tensor; logVar: Tensor } {
    const h = this.encoder.forward(x, ctx);
    return { mu: this.muHead.forward(h, ctx), logVar: this.logVarHead.forward(h, ctx) };
  }

  /** ε ~ N(0, I) for a [rows × latent] draw. */
  private normal(rows: number, stream: number, counter: number): Tensor {
    const { kernels, arena } = getEngine();
    const eps = new Tensor(arena.scratch(rows * this.latent * 4), [rows, this.latent]);
    kernels.f32_rand_normal(eps.ptr, eps.size, this.seed, stream, counter, 0, 1);
    return eps;
  }

  /** ε ~ N(0, I) for rows firstRow.. of the data evaluated: row i's draw is (seed, STREAM.vaeEvaluate, counter i). */
  private normalPerRow(rows: number, firstRow: number): Tensor {
    const { kernels, arena } = getEngine();
    const eps = new Tensor(arena.scratch(rows * this.latent * 4), [rows, this.latent]);
    for (let r = 0; r < rows; r++) kernels.f32_rand_normal(eps.ptr + r * this.latent * 4, this.latent, this.seed, STREAM.vaeEvaluate, firstRow + r, 0, 1);
    return eps;
  }

  /** −log p(x|z) summed over the batch, recording its backward; `out` is logits when the decoder's sigmoid is fused. */
  private reconstructionSum(out: Tensor, target: Tensor, fused: boolean, tape: ForwardContext["tape"], scale: number): number {
    if (!this.bernoulli) return mseLoss(tape, out, target, 0.5 * scale) + scale * out.rows * out.cols * HALF_LOG_2PI;
    return fused ? bceWithLogitsLoss(tape, out, target, scale) : bceLoss(tape, out, target, scale);
  }

  /** @internal The loss of one training batch, recorded on ctx's tape (the training loop calls it). */
  batchLoss(x: Tensor, target: Tensor, ctx: ForwardContext): LossParts {
    const rows = x.rows;
    const { mu, logVar } = this.heads(x, ctx);
    const eps = ctx.training ? this.normal(rows, STREAM.sample, ctx.step) : this.normalPerRow(rows, ctx.firstRow ?? 0);
    const z = reparameterize(ctx.tape, mu, logVar, eps);
    const fused = this.bernoulli && this.decoder.endsWithSigmoid && this.config.fromLogits !== false;
    const out = this.decoder.forward(z, { ...ctx, logits: fused });
    // "sum" records the batch's total (gradient × rows) and reports the mean.
    const total = this.config.reduction === "sum" ? rows : 1;
    const reconstruction = this.reconstructionSum(out, target, fused, ctx.tape, total / rows) / total;
    const beta = ctx.training ? this.betaAt(ctx.step) : this.config.beta ?? 1;
    // The KL is recorded with weight β (what the gradient needs) and reported unweighted.
    const weighted = klNormalLoss(ctx.tape, mu, logVar, (beta * total) / rows) / total;
    const kl = beta > 0 ? weighted / beta : getEngine().kernels.f32_kl_normal_sum(mu.ptr, logVar.ptr, mu.size) / rows;
    return { loss: reconstruction + weighted, reconstruction, kl };
  }

  /**
   * Trains on `x`. The history has, per epoch and per sample: `loss`
   * (reconstruction + β·KL), `reconstruction`, `kl`, and their `val*` twins.
   */
  async fit(x: DataInput | SampleStream, options: ModelFitOptions = {}): Promise<History> {
    checkOptionKeys("VAE.fit", options, MODEL_STREAM_FIT_KEYS);
    return fitLoop(this, fitDataOf(x, options, this.inputShape, (d, what) => this.batchOf(d, this.inputShape, what)), options);
  }

  /** μ of q(z|x) for each sample ([N, latent]); with `{ logVariance: true }`, log σ² too. */
  encode(x: DataInput): TensorData;
  encode(x: DataInput, options: { logVariance: true }): VAEEncoding;
  encode(x: DataInput, options?: { logVariance?: boolean }): TensorData | VAEEncoding {
    const batch = this.batchOf(x, this.inputShape, "encode x");
    const mean = this.mapRows(batch, this.latent, "encode x", (t) => this.heads(t, this.inferenceContext()).mu);
    if (!options?.logVariance) return tensorOut(mean, batch.rows, [this.latent]);
    const logVar = this.mapRows(batch, this.latent, "encode x", (t) => this.heads(t, this.inferenceContext()).logVar);
    return { mean: tensorOut(mean, batch.rows, [this.latent]), logVariance: tensorOut(logVar, batch.rows, [this.latent]) };
  }

  /** The decoder's output (probabilities for a Bernoulli decoder with a sigmoid) for codes z [N, latent]. */
  decode(z: DataInput): TensorData {
    const batch = this.batchOf(z, [this.latent], "decode z");
    const data = this.mapRows(batch, sizeOf(this.inputShape), "decode z", (t) => this.decoder.forward(t, this.inferenceContext()));
    return tensorOut(data, batch.rows, this.inputShape);
  }

  /** decode(μ(x)): deterministic. */
  reconstruct(x: DataInput): TensorData {
    const batch = this.batchOf(x, this.inputShape, "reconstruct x");
    const data = this.mapRows(batch, batch.cols, "reconstruct x", (t) => {
      const ctx = this.inferenceContext();
      return this.decoder.forward(this.heads(t, ctx).mu, ctx);
    });
    return tensorOut(data, batch.rows, this.inputShape);
  }

  /** Mean squared error of reconstruct(x) per sample (anomaly scores). */
  reconstructionError(x: DataInput): Float32Array {
    const batch = this.batchOf(x, this.inputShape, "reconstructionError x");
    const { kernels, arena } = getEngine();
    return this.mapRows(batch, 1, "reconstructionError x", (t) => {
      const ctx = this.inferenceContext();
      const out = this.decoder.forward(this.heads(t, ctx).mu, ctx);
      const err = arena.scratch(t.rows * 4);
      kernels.f32_row_mse(err, out.ptr, t.ptr, t.rows, t.cols);
      return { ptr: err, size: t.rows };
    });
  }

  /**
   * n new samples decoded from z ~ N(0, I). Each call draws afresh (the k-th
   * call of a model draws the same values in every run); pass `seed` to
   * choose the draw.
   */
  sample(n: number, options: { seed?: number } = {}): TensorData {
    this.assertLive();
    if (!Number.isInteger(n) || n < 1) throw new ConfigError(`VAE.sample: expected n to be a positive integer, found ${describe(n)}`);
    const counter = options.seed === undefined ? this.samplesDrawn++ : checkSeed(options.seed);
    const stream = options.seed === undefined ? STREAM.vaePrior : STREAM.vaePriorSeeded;
    const { kernels, arena } = getEngine();
    const out = new Float32Array(n * sizeOf(this.inputShape));
    const cols = sizeOf(this.inputShape);
    arena.scoped(() => {
      const z = arena.scratch(n * this.latent * 4);
      kernels.f32_rand_normal(z, n * this.latent, this.seed, stream, counter, 0, 1);
      for (let start = 0; start < n; start += INFERENCE_BATCH) {
        const rows = Math.min(INFERENCE_BATCH, n - start);
        arena.scoped(() => {
          const y = this.decoder.forward(new Tensor(z + start * this.latent * 4, [rows, this.latent]), this.inferenceContext());
          out.set(arena.f32.subarray(y.ptr >>> 2, (y.ptr >>> 2) + rows * cols), start * cols);
        });
      }
    });
    return tensorOut(out, n, this.inputShape);
  }

  /** Decodes `steps` codes evenly spaced from μ(a) to μ(b) (both ends included). */
  interpolate(a: DataInput | readonly number[] | Float32Array, b: DataInput | readonly number[] | Float32Array, steps: number): TensorData {
    if (!Number.isInteger(steps) || steps < 2) throw new ConfigError(`VAE.interpolate: expected steps to be an integer >= 2, found ${describe(steps)}`);
    const asOne = (v: DataInput | readonly number[] | Float32Array): DataInput =>
      v instanceof Float32Array || (Array.isArray(v) && typeof v[0] === "number") ? { data: Float32Array.from(v as ArrayLike<number>), shape: [1, (v as ArrayLike<number>).length] } : (v as DataInput);
    const ends = [this.encode(asOne(a)).data, this.encode(asOne(b)).data];
    if (ends[0]!.length !== this.latent || ends[1]!.length !== this.latent) {
      throw new ShapeError(`VAE.interpolate: expected one sample for each end, found ${ends[0]!.length / this.latent} and ${ends[1]!.length / this.latent}`);
    }
    const { kernels, arena } = getEngine();
    const codes = new Float32Array(steps * this.latent);
    arena.scoped(() => {
      const from = arena.scratch(this.latent * 4);
      const delta = arena.scratch(this.latent * 4);
      arena.write(from, ends[0]!);
      arena.write(delta, ends[1]!);
      kernels.f32_sub(delta, delta, from, this.latent);
      const row = arena.scratch(this.latent * 4);
      for (let s = 0; s < steps; s++) {
        kernels.f32_copy(row, from, this.latent);
        kernels.f32_axpy(row, delta, s / (steps - 1), this.latent);
        codes.set(arena.read(row, this.latent), s * this.latent);
      }
    });
    return this.decode({ data: codes, shape: [steps, this.latent] });
  }

  /**
   * The importance-weighted estimate of log p(x) per sample with k samples
   * from q(z|x) (Burda et al., "Importance Weighted Autoencoders", 2016):
   * log (1/k)·Σ_s p(x|z_s)·p(z_s)/q(z_s|x). A lower bound that tightens with k;
   * deterministic for a given model (fixed draws).
   */
  logLikelihood(x: DataInput, options: { samples?: number } = {}): Float32Array {
    const k = options.samples ?? 50;
    if (!Number.isInteger(k) || k < 1) throw new ConfigError(`VAE.logLikelihood: expected samples to be a positive integer, found ${describe(options.samples)}`);
    const batch = this.batchOf(x, this.inputShape, "logLikelihood x");
    const { kernels, arena } = getEngine();
    const fused = this.bernoulli && this.decoder.endsWithSigmoid;
    if (this.bernoulli && !fused) throw new ConfigError("VAE.logLikelihood: a Bernoulli decoder must end in a sigmoid");
    return this.mapRows(batch, 1, "logLikelihood x", (t) => {
      const ctx = this.inferenceContext();
      const rows = t.rows;
      const { mu, logVar } = this.heads(t, ctx);
      const weights = arena.scratch(k * rows * 4);
      const logPrior = arena.scratch(rows * 4);
      const logQ = arena.scratch(rows * 4);
      const logLik = arena.scratch(rows * 4);
      for (let s = 0; s < k; s++) {
        arena.scoped(() => {
          const eps = this.normal(rows, STREAM.vaeImportance, s);
          const z = reparameterize(null, mu, logVar, eps);
          const out = this.decoder.forward(z, { ...ctx, logits: fused });
          if (this.bernoulli) {
            kernels.f32_row_bce_logits(logLik, out.ptr, t.ptr, rows, t.cols);
          } else {
            kernels.f32_row_sq_sum(logLik, out.ptr, t.ptr, rows, t.cols);
            kernels.f32_scale(logLik, logLik, 0.5, rows);
            kernels.f32_fill(logPrior, t.cols * HALF_LOG_2PI, rows);
            kernels.f32_add(logLik, logLik, logPrior, rows);
          }
          kernels.f32_row_log_normal(logPrior, z.ptr, 0, 0, rows, this.latent);
          kernels.f32_row_log_normal(logQ, z.ptr, mu.ptr, logVar.ptr, rows, this.latent);
          // log w = log p(z) − log q(z|x) − (−log p(x|z))
          const w = weights + s * rows * 4;
          kernels.f32_sub(w, logPrior, logQ, rows);
          kernels.f32_sub(w, w, logLik, rows);
        });
      }
      const out = arena.scratch(rows * 4);
      kernels.f32_logmeanexp_cols(out, weights, k, rows);
      return { ptr: out, size: rows };
    });
  }

  /**
   * reconstruction, kl and loss (= reconstruction + β·kl) per sample over `x`,
   * with one fixed draw of z per sample (keyed by the sample's index, so
   * `batchSize`, default 256, changes only the order of the sums).
   */
  evaluate(x: DataInput, options: { batchSize?: number } = {}): VAELoss {
    const batchSize = options.batchSize ?? 256;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ConfigError(`VAE.evaluate: expected batchSize to be a positive integer, found ${describe(options.batchSize)}`);
    const batch = this.batchOf(x, this.inputShape, "evaluate x");
    const resident = new Resident(batch, "evaluate x");
    try {
      const m = meanLoss(this, resident.ptr, batch.rows, batch.cols, batchSize);
      return { loss: m.loss, reconstruction: m.reconstruction!, kl: m.kl! };
    } finally {
      resident.free();
    }
  }

  /** The model as bytes: config, weights, layer state and (by default) the optimizer state; see src/io/model-file.ts. */
  save(options: SaveOptions = {}): Uint8Array {
    return this.encodeFile(FORMAT, this.config, options);
  }

  /** Restores a model saved by `save()`; refuses foreign, truncated or corrupted bytes with a ModelFormatError. */
  static async load(bytes: Uint8Array): Promise<VAE> {
    await init();
    return ModelBase.decodeFile(bytes, FORMAT, "VAE", (config: VAEConfig) => VAE.build(config));
  }

}
