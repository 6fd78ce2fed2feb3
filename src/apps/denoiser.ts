// Denoising as an estimator: fit on clean data (the model learns to undo the
// configured corruption, applied to each training batch), transform noisy data
// to cleaned data in the data's own units.
import { checkOptionKeys, codeSizeOption, keysOf, type CodeSizeOptions } from "../options.js";
import { ConfigError, ModelFormatError } from "../errors.js";
import type { AutoencoderConfig } from "../models/autoencoder.js";
import type { DataInput, TensorData } from "../models/data.js";
import type { SaveOptions } from "../models/base.js";
import { checkNoise, type NoiseConfig } from "../ops/corrupt.js";
import { defaultCodeSize } from "./defaults.js";
import { AutoencoderEstimator, TRAINING_KEYS, type EstimatorTrainingOptions, type ScalerKind, type StreamedSamples } from "./estimator.js";

/** Options of Denoiser: its own and the estimators' training options. */
export interface DenoiserOptions extends EstimatorTrainingOptions, CodeSizeOptions {
  /** The corruption to learn to undo (in scaled units). Default { type: "gaussian", stddev: 0.2 }. */
  noise?: NoiseConfig;
  /** An autoencoder config (its `noise` is replaced by this option's). Default: a dense architecture from the input size. */
  model?: AutoencoderConfig;
  /**
   * Per-feature scaling in front of the model, saved with it. Default "auto":
   * none for data that lies in [0, 1], else "standard".
   */
  scaler?: ScalerKind;
  /**
   * Code width of the default architecture. Default: half the input size (at
   * most 128), or defaultCodeSize() of it when that is wider.
   */
  codeSize?: number;
  /** Another name for codeSize (scikit-learn's n_components), with its default. */
  nComponents?: number;
  /** Another name for codeSize (Keras's latent_dim), with its default. */
  latent?: number;
}

const KIND = "denoiser";
const DENOISER_KEYS: readonly string[] = [...TRAINING_KEYS, ...keysOf<Omit<DenoiserOptions, keyof EstimatorTrainingOptions>>({ noise: true, model: true, scaler: true, codeSize: true, nComponents: true, latent: true })];

/** Denoising as an estimator: fit on clean samples (each training batch is corrupted by `noise`, the clean sample is the target), transform noisy samples to cleaned ones. */
export class Denoiser extends AutoencoderEstimator {
  protected readonly className = "Denoiser";
  /** The corruption the model learns to undo. */
  readonly noise: NoiseConfig;
  private readonly codeSize: number | undefined;

  constructor(options: DenoiserOptions = {}) {
    checkOptionKeys("Denoiser", options, DENOISER_KEYS);
    const { noise, model, scaler, codeSize, nComponents, latent, ...training } = options ?? {};
    if (model !== undefined && (typeof model !== "object" || model === null || !("encoder" in model))) {
      throw new ConfigError("Denoiser model: expected an AutoencoderConfig (the denoiser creates the model, to train it with noise)");
    }
    super(model, scaler ?? "auto", training);
    this.noise = checkNoise(noise ?? { type: "gaussian", stddev: 0.2 }, "Denoiser noise");
    this.codeSize = codeSizeOption("Denoiser", { codeSize, nComponents, latent })?.size;
  }

  protected defaultCodeSize(features: number): number {
    // A denoiser needs a wide code: the bottleneck only has to drop the noise.
    return this.codeSize ?? Math.max(defaultCodeSize(features), Math.min(128, Math.floor(features / 2)));
  }

  protected override configure(config: AutoencoderConfig): AutoencoderConfig {
    return { ...config, noise: this.noise };
  }

  /** Trains on clean samples. */
  async fit(x: DataInput | StreamedSamples): Promise<this> {
    await this.train(x);
    return this;
  }

  /** The denoised samples, in the data's own units. */
  transform(noisy: DataInput): TensorData {
    const { model, sampleShape } = this.fitted();
    const out = model.reconstruct(this.scaled(noisy, "noisy"));
    return this.scaler_ ? this.scaler_.inverseTransform({ data: out.data, shape: [out.shape[0]!, ...sampleShape] }) : out;
  }

  /** The denoiser as bytes: the autoencoder, the scaler and the noise (see estimator.ts). */
  save(options: SaveOptions = {}): Uint8Array {
    return this.saveFile(KIND, { noise: this.noise }, [], options);
  }

  /** Restores a denoiser saved by save(); a damaged or foreign file throws a ModelFormatError saying why. */
  static async load(bytes: Uint8Array): Promise<Denoiser> {
    const denoiser = new Denoiser();
    const { state } = await denoiser.loadFile(bytes, KIND, "Denoiser");
    try {
      (denoiser as { noise: NoiseConfig }).noise = checkNoise(state.noise as NoiseConfig, "Denoiser.load noise");
    } catch (error) {
      denoiser.dispose();
      throw new ModelFormatError(`Denoiser.load: the saved noise is invalid: ${(error as Error).message}`);
    }
    return denoiser;
  }
}
