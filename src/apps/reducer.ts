// Dimensionality reduction with an autoencoder, with PCA's surface (and
// scikit-learn's): fit, transform to codes, inverseTransform back,
// fitTransform, reconstructionError. The model is given, or a dense
// architecture built from the input size (defaults.ts).
import { checkOptionKeys, codeSizeOption, keysOf, type CodeSizeOptions } from "../options.js";
import { ConfigError } from "../errors.js";
import type { Autoencoder, AutoencoderConfig } from "../models/autoencoder.js";
import { toBatch, type DataInput, type TensorData } from "../models/data.js";
import type { SaveOptions } from "../models/base.js";
import { getEngine } from "../wasm/module.js";
import { AutoencoderEstimator, TRAINING_KEYS, type EstimatorTrainingOptions, type ScalerKind, type StreamedSamples } from "./estimator.js";
import { shapeText, sizeOf } from "../shape.js";

/** Options of Reducer: its own and the estimators' training options. */
export interface ReducerOptions extends EstimatorTrainingOptions, CodeSizeOptions {
  /**
   * The autoencoder: a config (created at each fit) or a created Autoencoder
   * (fit trains it further; the reducer owns it from then on). Default: a
   * dense architecture from the input size (defaultAutoencoderConfig), with a
   * sigmoid output and BCE when the (scaled) data lies in [0, 1], else linear
   * and MSE.
   */
  model?: AutoencoderConfig | Autoencoder;
  /** Width of the code. Default 2, or the given model's. */
  codeSize?: number;
  /** Another name for codeSize (scikit-learn's n_components), with its default. */
  nComponents?: number;
  /** Another name for codeSize (Keras's latent_dim), with its default. */
  latent?: number;
  /**
   * Per-feature scaling in front of the model, saved with it. Default "auto":
   * none for data that lies in [0, 1], else "standard".
   */
  scaler?: ScalerKind;
}

const REDUCER_KEYS: readonly string[] = [...TRAINING_KEYS, ...keysOf<Omit<ReducerOptions, keyof EstimatorTrainingOptions>>({ model: true, codeSize: true, nComponents: true, latent: true, scaler: true })];

const codeWidth = (model: Autoencoder): number => sizeOf(model.codeShape);

/** Dimensionality reduction with an autoencoder, with scikit-learn's PCA surface: fit, transform to codes, inverseTransform back, fitTransform, reconstructionError. */
export class Reducer extends AutoencoderEstimator {
  protected readonly className: string = "Reducer";
  private readonly requested: number | undefined;
  /** The option the code size came under, for messages. */
  private readonly requestedKey: string;

  constructor(options: ReducerOptions = {}) {
    checkOptionKeys(new.target.name, options, REDUCER_KEYS);
    const { model, codeSize, nComponents, latent, scaler, ...training } = options ?? {};
    super(model, scaler ?? "auto", training);
    const size = codeSizeOption(new.target.name, { codeSize, nComponents, latent });
    this.requested = size?.size;
    this.requestedKey = size?.key ?? "codeSize";
  }

  /** Width of the code: the model's once fitted, else the requested or default width. */
  get codeSize(): number {
    return this.isFitted ? codeWidth(this.model) : this.requested ?? this.defaultCodeSize();
  }

  /** The same as codeSize (scikit-learn's n_components). */
  get nComponents(): number {
    return this.codeSize;
  }

  /** Trains the model (after the scaler, if any) to reconstruct x. */
  async fit(x: DataInput | StreamedSamples): Promise<this> {
    await this.train(x);
    return this;
  }

  /** The codes of x: [N, ...codeShape] ([N, nComponents] for dense models). */
  transform(x: DataInput): TensorData {
    return this.fitted().model.encode(this.scaled(x));
  }

  /** Decodes codes back to the input space (unscaled): [N, ...sampleShape]. */
  inverseTransform(z: DataInput): TensorData {
    const { model, sampleShape } = this.fitted();
    const out = model.decode(z);
    return this.scaler_ ? this.scaler_.inverseTransform({ data: out.data, shape: [out.shape[0]!, ...sampleShape] }) : out;
  }

  /** fit(x), then transform(x). */
  async fitTransform(x: DataInput): Promise<TensorData> {
    await this.fit(x);
    return this.transform(x);
  }

  /** Per-sample mean squared error of inverseTransform(transform(x)) against x, in x's own units. */
  reconstructionError(x: DataInput): Float32Array {
    const { model, sampleShape } = this.fitted();
    if (!this.scaler_) return model.reconstructionError(this.scaled(x));
    const batch = toBatch(x, sampleShape, "x");
    const reconstructed = this.inverseTransform(model.encode(this.scaled(x)));
    const { kernels, arena } = getEngine();
    return arena.scoped(() => {
      const n = batch.data.length;
      const a = arena.scratch(n * 4);
      const b = arena.scratch(n * 4);
      const err = arena.scratch(batch.rows * 4);
      arena.write(a, reconstructed.data);
      arena.write(b, batch.data);
      kernels.f32_row_mse(err, a, b, batch.rows, batch.cols);
      return arena.read(err, batch.rows);
    });
  }

  /** The reducer as bytes: the autoencoder, the scaler and the settings (see estimator.ts). */
  save(options: SaveOptions = {}): Uint8Array {
    return this.saveFile(this.fileKind(), { nComponents: this.codeSize }, [], options);
  }

  /** Restores a reducer saved by save(); a damaged or foreign file throws a ModelFormatError saying why. */
  static async load<T extends Reducer>(this: new () => T, bytes: Uint8Array): Promise<T> {
    const estimator = new this();
    await estimator.restore(bytes);
    return estimator;
  }

  private async restore(bytes: Uint8Array): Promise<void> {
    await this.loadFile(bytes, this.fileKind(), this.className);
  }

  protected fileKind(): string {
    return "reducer";
  }

  protected defaultCodeSize(): number {
    return this.requested ?? 2;
  }

  protected override checkModel(model: Autoencoder): void {
    if (this.requested !== undefined && codeWidth(model) !== this.requested) {
      throw new ConfigError(`${this.requestedKey}: the model's code has ${codeWidth(model)} values (${shapeText(model.codeShape)}), not the requested ${this.requested}`);
    }
  }
}
