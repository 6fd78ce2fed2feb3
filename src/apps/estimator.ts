// What the autoencoder estimators (Reducer, FeatureExtractor, AnomalyDetector)
// share: an optional scaler in front of an autoencoder that is either given
// or built from the input size (defaults.ts), seeded training with early
// stopping on a validation split, and one file holding both.
//
// The file is a model file (src/io/model-file.ts: magic, version, CRC-32,
// safetensors) whose config is
//   { format: "autoencoders/<kind>", version: 1, state: <estimator JSON>,
//     autoencoder: <the autoencoder's own file config> }
// and whose tensors are the autoencoder's, plus the estimator's own under the
// "<kind>." prefix. Other safetensors readers see every weight by name.
import { keysOf } from "../options.js";
import { AutoencoderError, ConfigError, describe, DisposedError, ModelFormatError } from "../errors.js";
import { decodeModelFile, encodeModelFile, type DecodedTensor, type NamedTensor } from "../io/model-file.js";
import { Autoencoder, type AutoencoderConfig } from "../models/autoencoder.js";
import { coreCrc32 } from "../models/checksum.js";
import { toBatch, type DataInput, type TensorData } from "../models/data.js";
import type { SaveOptions } from "../models/base.js";
import { assertFiniteTensors } from "../models/load-check.js";
import type { SampleStream } from "../models/stream-data.js";
import type { EarlyStoppingOptions, FitOptions, History } from "../models/fit.js";
import { FIT_OPTION_KEYS, isSampleStream } from "../models/fit-options.js";
import { getEngine, init } from "../wasm/module.js";
import { defaultAutoencoderConfig } from "./defaults.js";
import { MinMaxScaler, RobustScaler, sampleShapeOf, scalerFromJSON, StandardScaler, type Scaler, type ScalerJSON } from "./scaler.js";
import { shapeText, sizeOf } from "../shape.js";

/**
 * Training settings every estimator takes, beside its own: the fit options,
 * with other defaults than a bare fit: epochs 100, batchSize 64,
 * validationSplit 0.1 (none when that would hold no sample) and early
 * stopping after 5 epochs without improvement of the validation loss (of the
 * training loss without a split), restoring the best weights.
 */
export interface EstimatorTrainingOptions extends FitOptions {
  /** Seeds the model's initialization and shuffling. Default 0. */
  seed?: number;
  /** Adam's step size for a default architecture. Default 1e-3. */
  learningRate?: number;
  /** Encoder hidden widths of a default architecture (the decoder mirrors them). Default defaultHiddenSizes(). */
  hiddenSizes?: number[];
}

/** EstimatorTrainingOptions' keys, for the estimators' checks of their options (src/options.ts). */
export const TRAINING_KEYS: readonly string[] = [
  ...FIT_OPTION_KEYS,
  ...keysOf<Omit<EstimatorTrainingOptions, keyof FitOptions>>({ seed: true, learningRate: true, hiddenSizes: true }),
];

/**
 * Samples streamed to an estimator's fit (files larger than memory): the stream of batches or samples (see
 * Autoencoder.fit), what the model is built from before the first batch, and optional validation batches.
 * Streamed samples train without a scaler: scale them beforehand.
 */
export interface StreamedSamples {
  /** The training samples, a pass per epoch. */
  stream: SampleStream;
  /** Held-out samples evaluated after each epoch. Default: none. */
  validationData?: SampleStream;
  /** Shape of one sample. */
  sampleShape: number[];
  /** Whether every value lies in [0, 1]: then "auto" scaling is none and the default model's output is a sigmoid. */
  unitInterval: boolean;
  /** Samples held in the shuffle buffer (see StreamFitOptions). Default 0: the stream's order. */
  shuffleBuffer?: number;
}

const isStreamed = (x: unknown): x is StreamedSamples => typeof x === "object" && x !== null && "stream" in x && isSampleStream((x as StreamedSamples).stream);

/**
 * Per-feature scaling in front of an estimator's model: "standard" (zero mean,
 * unit variance), "minmax" (to [0, 1]), "robust" (median and IQR), "none", or
 * "auto": none for data that already lies in [0, 1], else standard (decided
 * at each fit).
 */
export type ScalerKind = "auto" | "standard" | "minmax" | "robust" | "none";

/** The estimator's own tensors (saved under "<kind>."), by kind (a name or a pattern: an ensemble's members); a file holding any other is refused. */
const OWN_TENSORS = new Map<string, readonly (string | RegExp)[]>([["anomaly-detector", ["decision_scores", /^member\d+\./, /^reference\d+$/, /^input\d+$/, "pca_mean", "pca_components"]]]);

/** Default training of the estimators: up to 100 epochs, stopped when the validation loss stalls for 5. */
export const ESTIMATOR_FIT_DEFAULTS = { epochs: 100, batchSize: 64, validationSplit: 0.1, patience: 5 } as const;

/** Saved state every estimator writes; subclasses add their own fields. */
export interface EstimatorState {
  sampleShape: number[];
  scaler: ScalerJSON | null;
}

export abstract class AutoencoderEstimator {
  protected model_: Autoencoder | null = null;
  protected scaler_: Scaler | null = null;
  protected sampleShape_: number[] | null = null;
  private history_: History | null = null;
  private disposed = false;
  private readonly given: AutoencoderConfig | Autoencoder | undefined;
  protected scalerKind: ScalerKind;
  private readonly training: EstimatorTrainingOptions;
  /** The class's name in messages (stated, as the minified bundle's class names are not). */
  protected abstract readonly className: string;

  protected constructor(model: AutoencoderConfig | Autoencoder | undefined, scaler: ScalerKind, training: EstimatorTrainingOptions) {
    if (model !== undefined && (model === null || typeof model !== "object")) {
      throw new ConfigError(`model: expected an AutoencoderConfig or an Autoencoder, found ${describe(model)}`);
    }
    if (!["auto", "standard", "minmax", "robust", "none"].includes(scaler)) throw new ConfigError(`scaler: expected "auto", "standard", "minmax", "robust" or "none", found ${describe(scaler)}`);
    this.given = model;
    this.scalerKind = scaler;
    this.training = training;
  }

  /** Code width of the default architecture for `features` inputs. */
  protected abstract defaultCodeSize(features: number): number;

  /** The config of a model this estimator creates, given or default; estimators add their own settings (e.g. noise). */
  protected configure(config: AutoencoderConfig): AutoencoderConfig {
    return config;
  }

  /** Checks the code size of a given or loaded model. */
  protected checkModel(_model: Autoencoder): void {}

  /** The trained autoencoder (owned by the estimator: dispose() frees it). */
  get model(): Autoencoder {
    return this.fitted().model;
  }

  /** The scaler in front of the model, or null. */
  get scaler(): Scaler | null {
    this.fitted();
    return this.scaler_;
  }

  /** Per-epoch losses of the last fit (null after load). */
  get history(): History | null {
    return this.history_;
  }

  /** Whether fit (or load) has given the estimator a model, and dispose() has not freed it. */
  get isFitted(): boolean {
    return this.model_ !== null && !this.disposed;
  }

  /** Shape of one sample, as seen by fit. */
  get sampleShape(): number[] {
    return [...this.fitted().sampleShape];
  }

  /** Values per sample seen by fit. */
  get nFeatures(): number {
    return sizeOf(this.fitted().sampleShape);
  }

  /** Frees the model's memory; any later use throws a DisposedError. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.model_?.dispose();
    this.model_ = null;
  }

  /** Fits the scaler and trains the model on x; returns x as the model sees it (scaled), or null for streamed samples. */
  protected async train(x: DataInput): Promise<TensorData>;
  protected async train(x: DataInput | StreamedSamples): Promise<TensorData | null>;
  protected async train(x: DataInput | StreamedSamples): Promise<TensorData | null> {
    this.assertLive();
    await init();
    const given = this.given instanceof Autoencoder ? this.given : null;
    if (given?.isDisposed) throw new DisposedError("model: the Autoencoder given to this estimator was disposed");
    if (isStreamed(x)) return this.trainStreamed(x, given);
    const sampleShape = given ? [...given.inputShape] : sampleShapeOf(x);
    const batch = toBatch(x, sampleShape, "x");
    if (batch.cols === 0) throw new ConfigError(`x: expected at least one feature, found sample shape ${shapeText(sampleShape)}`);
    const data = { data: batch.data, shape: [batch.rows, ...sampleShape] };
    // "auto": unscaled features of a large range make the default model learn the mean for some seeds (0–16 pixels do).
    const kind = this.scalerKind === "auto" ? (inUnitInterval(data.data) ? "none" : "standard") : this.scalerKind;
    let scaler: Scaler | null = null;
    if (kind !== "none") scaler = kind === "standard" ? new StandardScaler() : kind === "robust" ? new RobustScaler() : new MinMaxScaler();
    const scaled = scaler ? await scaler.fitTransform(data) : data;

    await this.fitModel(given, sampleShape, inUnitInterval(scaled.data), (model) => model.fit(scaled, fitOptions(this.training, batch.rows)));
    this.scaler_ = scaler;
    return scaled;
  }

  /** Streamed samples: no scaler (they are not held to fit one), the model built and trained as for arrays. */
  private async trainStreamed(x: StreamedSamples, given: Autoencoder | null): Promise<null> {
    const kind = this.scalerKind === "auto" ? (x.unitInterval ? "none" : "standard") : this.scalerKind;
    if (kind !== "none") {
      throw new ConfigError(`scaler: streamed samples train without a scaler, found scaler ${describe(kind)}${this.scalerKind === "auto" ? " (chosen for values outside [0, 1])" : ""}; scale the data beforehand and pass scaler: "none"`);
    }
    const sampleShape = given ? [...given.inputShape] : [...x.sampleShape];
    // The split of held data has no meaning for a stream: its validation data comes as a stream too.
    const options = { ...fitOptions({ ...this.training, validationSplit: 0 }, 0), validationSplit: undefined, validationData: x.validationData, shuffleBuffer: x.shuffleBuffer };
    await this.fitModel(given, sampleShape, x.unitInterval, (model) => model.fit(x.stream, options));
    this.scaler_ = null;
    return null;
  }

  /** Builds the model (or takes the given one) and trains it with `fit`; a model built here is disposed if training fails. */
  private async fitModel(given: Autoencoder | null, sampleShape: number[], unitInterval: boolean, fit: (model: Autoencoder) => Promise<History>): Promise<void> {
    // A model built here is rebuilt on every fit (scikit-learn's semantics); a given one trains on.
    if (this.model_ && this.model_ !== given) this.model_.dispose();
    this.model_ = null;
    let model: Autoencoder;
    if (given) model = given;
    else if (this.given) model = await Autoencoder.create(this.configure({ seed: this.training.seed, ...this.given } as AutoencoderConfig));
    else {
      model = await Autoencoder.create(this.configure(defaultAutoencoderConfig({
        inputShape: sampleShape,
        codeSize: this.defaultCodeSize(sizeOf(sampleShape)),
        hiddenSizes: this.training.hiddenSizes,
        output: unitInterval ? "sigmoid" : "linear",
        learningRate: this.training.learningRate,
        seed: this.training.seed,
      })));
    }
    try {
      this.checkModel(model);
      if (model.inputShape.join(",") !== sampleShape.join(",")) {
        throw new ConfigError(`model: expected an input shape of ${shapeText(sampleShape)} (the samples' shape), found ${shapeText(model.inputShape)}`);
      }
      this.history_ = await fit(model);
    } catch (error) {
      if (model !== given) model.dispose();
      throw error;
    }
    this.model_ = model;
    this.sampleShape_ = sampleShape;
  }

  /** x validated against the fitted sample shape and scaled as in training. */
  protected scaled(x: DataInput, what = "x"): TensorData {
    const { sampleShape } = this.fitted();
    const batch = toBatch(x, sampleShape, what);
    const data = { data: batch.data, shape: [batch.rows, ...sampleShape] };
    return this.scaler_ ? this.scaler_.transform(data) : data;
  }

  protected fitted(): { model: Autoencoder; sampleShape: number[] } {
    this.assertLive();
    if (!this.model_ || !this.sampleShape_) {
      throw new AutoencoderError(`${this.className}: this instance is not fitted yet; call \`await ${this.className[0]!.toLowerCase()}${this.className.slice(1)}.fit(x)\` first`);
    }
    return { model: this.model_, sampleShape: this.sampleShape_ };
  }

  protected assertLive(): void {
    if (this.disposed) throw new DisposedError(`this ${this.className} was disposed; create or load a new one`);
  }

  /** The estimator file: see the top of this file. */
  protected saveFile(kind: string, state: Record<string, unknown>, tensors: NamedTensor[] = [], options: SaveOptions = {}): Uint8Array {
    const { model, sampleShape } = this.fitted();
    const inner = decodeModelFile(model.save(options), coreCrc32);
    const own: NamedTensor[] = [];
    for (const [name, t] of inner.tensors) own.push({ name, shape: t.shape, data: t.data });
    const full: EstimatorState & Record<string, unknown> = { ...state, sampleShape, scaler: this.scaler_ ? this.scaler_.toJSON() : null };
    return encodeModelFile(
      { format: `autoencoders/${kind}`, version: 1, state: full, autoencoder: inner.config },
      [...own, ...tensors.map((t) => ({ ...t, name: `${kind}.${t.name}` }))],
      coreCrc32,
    );
  }

  /** Restores the model, scaler and sample shape from a file; returns the estimator's own state and tensors. */
  protected async loadFile(bytes: Uint8Array, kind: string, label: string): Promise<{ state: EstimatorState & Record<string, unknown>; tensors: Map<string, DecodedTensor> }> {
    await init();
    const file = decodeModelFile(bytes, coreCrc32);
    const meta = file.config as { format?: unknown; version?: unknown; state?: unknown; autoencoder?: unknown } | null;
    const format = meta && typeof meta === "object" ? meta.format : undefined;
    if (format === "autoencoder") {
      throw new ModelFormatError(`${label}.load: this is a saved Autoencoder, not a saved ${label}; load it with Autoencoder.load, or pass it as \`model\` and fit`);
    }
    if (format !== `autoencoders/${kind}`) {
      throw new ModelFormatError(`${label}.load: expected a saved ${label} (format "autoencoders/${kind}"), found format ${describe(format ?? null)}`);
    }
    if (meta!.version !== 1) throw new ModelFormatError(`${label}.load: expected version 1, found ${describe(meta!.version ?? null)}`);
    const state = meta!.state as (EstimatorState & Record<string, unknown>) | undefined;
    if (!state || typeof state !== "object") throw new ModelFormatError(`${label}.load: expected the estimator's state, found ${describe(state ?? null)}`);
    const shape = state.sampleShape;
    if (!Array.isArray(shape) || shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new ModelFormatError(`${label}.load: sampleShape: expected positive integers, found ${describe(shape)}`);
    }
    const prefix = `${kind}.`;
    const modelTensors: NamedTensor[] = [];
    const own = new Map<string, DecodedTensor>();
    const ownNames = OWN_TENSORS.get(kind) ?? [];
    for (const [name, t] of file.tensors) {
      if (!name.startsWith(prefix)) modelTensors.push({ name, shape: t.shape, data: t.data });
      else if (ownNames.some((n) => (typeof n === "string" ? n === name.slice(prefix.length) : n.test(name.slice(prefix.length))))) own.set(name.slice(prefix.length), t);
      else throw new ModelFormatError(`${label}.load: found a tensor ${describe(name)} that a saved ${label} does not have`);
    }
    assertFiniteTensors(own, `${label}.load`);
    const scaler = state.scaler === null || state.scaler === undefined ? null : scalerFromJSON(state.scaler);
    if (scaler && scaler.sampleShape.join(",") !== shape.join(",")) {
      throw new ModelFormatError(`${label}.load: the scaler's sample shape ${shapeText(scaler.sampleShape)} differs from the estimator's ${shapeText(shape)}`);
    }
    let model: Autoencoder;
    try {
      model = await Autoencoder.load(encodeModelFile(meta!.autoencoder, modelTensors, coreCrc32));
    } catch (error) {
      if (error instanceof ModelFormatError) throw new ModelFormatError(`${label}.load: the autoencoder inside: ${error.message}`);
      throw error;
    }
    try {
      if (model.inputShape.join(",") !== shape.join(",")) {
        throw new ModelFormatError(`${label}.load: the model's input shape ${shapeText(model.inputShape)} differs from the estimator's ${shapeText(shape)}`);
      }
      this.checkModel(model);
    } catch (error) {
      model.dispose();
      throw error instanceof ModelFormatError ? error : new ModelFormatError(`${label}.load: ${(error as Error).message}`);
    }
    this.model_ = model;
    this.scaler_ = scaler;
    this.sampleShape_ = [...shape];
    return { state, tensors: own };
  }
}

/** Slack for the rounding of a min-max scaler, whose f32 map can land a hair outside [0, 1]. */
const UNIT_SLACK = 1e-6;

/** Whether every value lies in [0, 1], up to UNIT_SLACK (f32_min/f32_max in wasm). */
export function inUnitInterval(data: Float32Array): boolean {
  const { kernels, arena } = getEngine();
  return arena.scoped(() => {
    const ptr = arena.scratch(data.length * 4);
    arena.write(ptr, data);
    return kernels.f32_min(ptr, data.length) >= -UNIT_SLACK && kernels.f32_max(ptr, data.length) <= 1 + UNIT_SLACK;
  });
}

/** The estimator's fit options with its defaults filled in. */
function fitOptions(training: EstimatorTrainingOptions, rows: number): FitOptions {
  const { seed: _seed, learningRate: _lr, hiddenSizes: _hidden, ...fit } = training;
  // The default split is dropped when it would hold no sample; an explicit one is the user's to get right.
  const fallback = Math.floor(rows * ESTIMATOR_FIT_DEFAULTS.validationSplit) >= 1 ? ESTIMATOR_FIT_DEFAULTS.validationSplit : 0;
  const validationSplit = fit.validationSplit ?? fallback;
  const defaultStopping: EarlyStoppingOptions = { patience: ESTIMATOR_FIT_DEFAULTS.patience, monitor: validationSplit > 0 ? "valLoss" : "loss" };
  return {
    ...fit,
    epochs: fit.epochs ?? ESTIMATOR_FIT_DEFAULTS.epochs,
    batchSize: fit.batchSize ?? ESTIMATOR_FIT_DEFAULTS.batchSize,
    validationSplit,
    earlyStopping: fit.earlyStopping === undefined ? defaultStopping : fit.earlyStopping,
  };
}
