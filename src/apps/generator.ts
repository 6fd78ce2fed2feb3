// Generation as an estimator over a VAE: fit on samples, then draw new ones
// from the prior, or walk the code space between two samples.
import { checkOptionKeys, codeSizeOption, keysOf, type CodeSizeOptions } from "../options.js";
import { AutoencoderError, DisposedError } from "../errors.js";
import { layers } from "../layers/index.js";
import type { DataInput, TensorData } from "../models/data.js";
import type { SaveOptions } from "../models/base.js";
import { toBatch } from "../models/data.js";
import type { FitOptions, History } from "../models/fit.js";
import { FIT_OPTION_KEYS } from "../models/fit-options.js";
import { VAE, type VAEConfig } from "../models/vae.js";
import { init } from "../wasm/module.js";
import { defaultHiddenSizes } from "./defaults.js";
import { ESTIMATOR_FIT_DEFAULTS, inUnitInterval } from "./estimator.js";
import { sizeOf } from "../shape.js";

/** Options of Generator: its own and fit's, with the estimators' training defaults (100 epochs of 64, a 0.1 validation split, early stopping after 5). */
export interface GeneratorOptions extends FitOptions, CodeSizeOptions {
  /** A VAE config; default: dense ReLU layers from the input size, a sigmoid output (Bernoulli) for data in [0, 1], else linear (Gaussian). */
  model?: VAEConfig;
  /** Code size of the default architecture. Default 8. */
  codeSize?: number;
  /** Another name for codeSize (Keras's latent_dim, the VAE's latent), with its default. */
  latent?: number;
  /** Another name for codeSize (scikit-learn's n_components), with its default. */
  nComponents?: number;
  /** Hidden widths of the default encoder (the decoder mirrors them). */
  hiddenSizes?: number[];
  /** Adam's step size for the default architecture. Default 1e-3. */
  learningRate?: number;
  /** Seeds initialization, shuffling and sampling. Default 0. */
  seed?: number;
}

const GENERATOR_KEYS: readonly string[] = [
  ...FIT_OPTION_KEYS,
  ...keysOf<Omit<GeneratorOptions, keyof FitOptions>>({ model: true, codeSize: true, latent: true, nComponents: true, hiddenSizes: true, learningRate: true, seed: true }),
];

/** Generation as an estimator: fit trains a VAE (a default dense one sized from the data, or the given config), then sample draws new samples from the prior and interpolate walks between two. */
export class Generator {
  private vae: VAE | null = null;
  private history_: History | null = null;
  private disposed = false;
  private readonly codeSize: number | undefined;

  constructor(private readonly options: GeneratorOptions = {}) {
    checkOptionKeys("Generator", options, GENERATOR_KEYS);
    this.codeSize = codeSizeOption("Generator", options ?? {})?.size;
  }

  /** The trained VAE (owned by the generator: dispose() frees it). */
  get model(): VAE {
    if (this.disposed) throw new DisposedError("this Generator was disposed; create or load a new one");
    if (!this.vae) throw new AutoencoderError("Generator: this instance is not fitted yet; call `await generator.fit(x)` first");
    return this.vae;
  }

  /**  null {|Per-epoch losses of the last fit (null after load). */
  get history(): History | null {
    return this.history_;
  }

  /** Trains a VAE on x (rebuilt at every fit). */
  async fit(x: DataInput): Promise<this> {
    if (this.disposed) throw new DisposedError("this Generator was disposed; create or load a new one");
    await init();
    const { model, codeSize: _codeSize, latent: _latent, nComponents: _nComponents, hiddenSizes, learningRate, seed, ...fit } = this.options;
    const shape = Array.isArray(x) ? [(x[0] ?? []).length] : [...(x as { shape: readonly number[] }).shape.slice(1)];
    const batch = toBatch(x, shape, "x");
    const config = model ?? defaultConfig(shape, batch.data, this.codeSize ?? 8, hiddenSizes, learningRate ?? 1e-3);
    this.vae?.dispose();
    this.vae = null;
    const vae = await VAE.create({ seed, ...config });
    try {
      this.history_ = await vae.fit({ data: batch.data, shape: [batch.rows, ...shape] }, {
        epochs: ESTIMATOR_FIT_DEFAULTS.epochs,
        batchSize: ESTIMATOR_FIT_DEFAULTS.batchSize,
        validationSplit: batch.rows >= 20 ? ESTIMATOR_FIT_DEFAULTS.validationSplit : 0,
        earlyStopping: { patience: ESTIMATOR_FIT_DEFAULTS.patience, monitor: batch.rows >= 20 ? "valLoss" : "loss" },
        ...fit,
      });
    } catch (error) {
      vae.dispose();
      throw error;
    }
    this.vae = vae;
    return this;
  }

  /** n new samples from the prior; each call draws afresh, or `seed` picks the draw. */
  sample(n: number, options: { seed?: number } = {}): TensorData {
    return this.model.sample(n, options);
  }

  /** `steps` samples decoded along the straight line between the codes of a and b. */
  interpolate(a: DataInput | readonly number[] | Float32Array, b: DataInput | readonly number[] | Float32Array, steps: number): TensorData {
    return this.model.interpolate(a, b, steps);
  }

  /** The codes (μ) of x. */
  transform(x: DataInput): TensorData {
    return this.model.encode(x);
  }

  /** The generator as bytes: its VAE's model file. */
  save(options: SaveOptions = {}): Uint8Array {
    return this.model.save(options);
  }

  /** Restores a generator saved by save() (or any saved VAE); a damaged or foreign file throws a ModelFormatError. */
  static async load(bytes: Uint8Array): Promise<Generator> {
    const generator = new Generator();
    generator.vae = await VAE.load(bytes);
    return generator;
  }

  /** Frees the model's memory; any later use throws a DisposedError. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.vae?.dispose();
    this.vae = null;
  }
}

function defaultConfig(shape: number[], data: Float32Array, latent: number, hiddenSizes: number[] | undefined, learningRate: number): VAEConfig {
  const features = sizeOf(shape);
  const hidden = hiddenSizes ?? defaultHiddenSizes(features, latent);
  const unit = inUnitInterval(data);
  const relu = (units: number) => layers.dense(units, { activation: "relu", kernelInitializer: "heUniform" });
  const flat = shape.length > 1;
  return {
    input: shape,
    encoder: [...(flat ? [layers.flatten()] : []), ...hidden.map(relu)],
    latent,
    decoder: [...[...hidden].reverse().map(relu), layers.dense(features, unit ? "sigmoid" : undefined), ...(flat ? [layers.reshape(shape)] : [])],
    loss: unit ? "bce" : "mse",
    optimizer: { name: "adam", learningRate },
  };
}
