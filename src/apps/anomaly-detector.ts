// Anomaly detection by reconstruction error, with PyOD's conventions
// (BaseDetector): decisionFunction gives scores (higher = more abnormal),
// fit stores the training scores (decisionScores) and the threshold at their
// (1 − contamination) percentile (np.percentile, linear), predict labels a
// sample 1 when its score is strictly above it, and predictProba turns scores
// into [P(inlier), P(outlier)] by min-max ("linear") or erf ("unify") scaling.
// contamination "auto" sets the threshold by a robust z-score instead
// (anomaly-scores.ts); predictConfidence is PyOD's predict_confidence.
import { checkOptionKeys, codeSizeOption, keysOf } from "../options.js";
import { ConfigError, DataError, describe, ModelFormatError } from "../errors.js";
import { Autoencoder, type AutoencoderConfig } from "../models/autoencoder.js";
import { toBatch, type DataInput, type TensorData } from "../models/data.js";
import type { NamedTensor } from "../io/model-file.js";
import type { SaveOptions } from "../models/base.js";
import { getEngine, init } from "../wasm/module.js";
import {
  DEFAULT_MEMBERS,
  defaultMembers,
  ensembleScores,
  ensembleShares,
  fitPcaTerm,
  gatherRows,
  INPUT_NEIGHBOUR_FEATURES,
  MEMBER_EPOCHS,
  MEMBER_ROWS,
  medianScores,
  memberHiddenSizes,
  memberStats,
  subsampleRows,
  trainingHalves,
  trimAndTrain,
  type MemberReference,
  type MemberStats,
} from "./anomaly-ensemble.js";
import { checkEnsembleTensors, loadEnsemble, saveEnsemble, type EnsembleParts } from "./anomaly-ensemble-file.js";
import type { BatchLogs, EpochLogs, FitOptions, History } from "../models/fit-options.js";
import { defaultAutoencoderConfig, defaultCodeSize } from "./defaults.js";
import { AutoencoderEstimator, inUnitInterval, TRAINING_KEYS, type EstimatorTrainingOptions, type ScalerKind } from "./estimator.js";
import { sampleShapeOf } from "./scaler.js";
import { autoThreshold, predictionConfidence } from "./anomaly-scores.js";
import { percentile } from "./metrics.js";
import { shapeText, sizeOf } from "../shape.js";

export interface AnomalyDetectorOptions extends EstimatorTrainingOptions {
  /**
   * Expected share of anomalies in the training data, in (0, 0.5]; sets the
   * threshold. "auto": the threshold is median + 3.5·MAD/0.6745 of the
   * training scores (a modified z-score of 3.5, Iglewicz and Hoaglin), for
   * when the share is what you want to learn. Default 0.1.
   */
  contamination?: number | "auto";
  /** Set the threshold at this quantile of the training scores instead, in [0, 1]. Default 1 − contamination. */
  thresholdQuantile?: number;
  /**
   * Scale each feature before the model. true: StandardScaler, as PyOD's
   * AutoEncoder does; false: no scaling. Default: for an ensemble none for
   * data that already lies in [0, 1] (images, min-max scaled data: a sigmoid
   * output), else RobustScaler (median and IQR, robust to the outliers in the
   * training data); StandardScaler for a single model.
   */
  standardize?: boolean;
  /** Per-feature scaling, overriding `standardize`: "standard", "robust", "minmax", "none" or "auto" (none for data in [0, 1], else standard). Default: as `standardize` says. */
  scaler?: ScalerKind;
  /**
   * The autoencoder: a config (created at each fit) or a created Autoencoder
   * (fit trains it further; the detector owns it from then on). Default: a
   * dense architecture from the input size (defaultAutoencoderConfig).
   */
  model?: AutoencoderConfig | Autoencoder;
  /** Code width of the default architecture. Default defaultCodeSize(features): 784 → 32, 20 → 4. */
  codeSize?: number;
  /** Another name for codeSize (scikit-learn's n_components), with its default. */
  nComponents?: number;
  /** Another name for codeSize (Keras's latent_dim), with its default. */
  latent?: number;
  /**
   * Autoencoders in the ensemble (anomaly-ensemble.ts): each trains on its own
   * seeded subsample of at most 1024 rows for 40 epochs (no validation split,
   * no early stopping, unless set), dropping the 10% it reconstructs worst
   * after half of them; hidden layers 16 to 64 wide. A member's score sums
   * its robustly normalized reconstruction error and nearest-neighbour
   * distances in code space and (up to 64 features) input space; the
   * detector's is the median over the members plus half the robustly
   * normalized squared reconstruction error of a PCA keeping 90% of the
   * training data's variance. 1: one
   * model trained on every row with the estimators' defaults, scored by its
   * plain reconstruction error. Default 5 on 1024 training rows or more (8
   * on data of at most 64 features and fewer than 16384 rows), up to 20 on
   * fewer (ceil(5·1024 / rows)); 1 with a given model.
   * BENCHMARKS.md measures both.
   */
  ensemble?: number;
}

/** How predictProba turns scores into probabilities, as PyOD: "linear" (min-max of the training scores) or "unify" (Gaussian scaling, Kriegel et al.). */
export type ProbabilityMethod = "linear" | "unify";

/** Options of AnomalyDetector.predict. */
export interface PredictOptions {
  /** Also return predictConfidence's values, as PyOD's predict(X, return_confidence=True). Default false. */
  returnConfidence?: boolean;
}

/** What `predict(x, { returnConfidence: true })` returns. */
export interface LabelsWithConfidence {
  /** 1 for a sample scoring above the threshold, else 0. */
  labels: Uint8Array;
  /** How sure each label is, in [0, 1] (predictConfidence). */
  confidence: Float32Array;
}

/** Statistics of the training scores that predict and predictProba use. */
interface ScoreStats {
  scores: Float32Array;
  /** The scores in ascending order (for predictConfidence). */
  sorted: Float64Array;
  threshold: number;
  min: number;
  max: number;
  mean: number;
  std: number;
}

const KIND = "anomaly-detector";
const DETECTOR_KEYS: readonly string[] = [
  ...TRAINING_KEYS,
  ...keysOf<Omit<AnomalyDetectorOptions, keyof EstimatorTrainingOptions>>({ contamination: true, thresholdQuantile: true, standardize: true, scaler: true, model: true, codeSize: true, nComponents: true, latent: true, ensemble: true }),
];

/** Anomaly detection by reconstruction error, with PyOD's surface: fit on mostly normal data, decisionFunction scores, a threshold from contamination, predict labels (1 anomalous). */
export class AnomalyDetector extends AutoencoderEstimator {
  protected readonly className = "AnomalyDetector";
  private contamination_: number | "auto";
  private quantile_: number | undefined;
  private readonly codeSize: number | undefined;
  private stats: ScoreStats | null = null;
  private ensemble_: number;
  private readonly memberTraining: EstimatorTrainingOptions;
  /** Hidden widths given by the user (the members' own otherwise). */
  private readonly hiddenSizes: number[] | undefined;
  /** Epochs of a member's second, trimmed half. */
  private readonly trimmedEpochs: number;
  /** The first member's history of its trimmed half (the estimator keeps the first half's). */
  private trimmedHistory: History | null = null;
  /** The ensemble beside its first member (which is `model`); null for a single model. */
  private parts: EnsembleParts | null = null;
  /** Whether fit chooses the member count from the rows (defaultMembers). */
  private readonly autoMembers: boolean;
  /**
   * Whether fit leaves data in [0, 1] unscaled (else RobustScaler): on
   * one-class MNIST a RobustScaler divides the pixels that most images of a
   * digit leave at 0 by their small deviation (ROC-AUC 0.866 over the
   * digits, 0.69 for 8; unscaled 0.95).
   */
  private readonly unitIntervalUnscaled: boolean;

  constructor(options: AnomalyDetectorOptions = {}) {
    checkOptionKeys("AnomalyDetector", options, DETECTOR_KEYS);
    const { contamination, thresholdQuantile, standardize, scaler, model, codeSize, nComponents, latent, ensemble, ...training } = options ?? {};
    if (standardize !== undefined && typeof standardize !== "boolean") throw new ConfigError(`standardize: expected a boolean, found ${describe(standardize)}`);
    const members = ensemble ?? (model === undefined ? DEFAULT_MEMBERS : 1);
    if (!Number.isInteger(members) || members < 1) throw new ConfigError(`ensemble: expected a positive integer, found ${describe(ensemble)}`);
    if (members > 1 && model !== undefined) throw new ConfigError(`ensemble: expected 1 with a given model (the members are built from the default architecture), found ${members}`);
    const epochs = training.epochs ?? MEMBER_EPOCHS;
    if (members > 1 && (!Number.isInteger(epochs) || epochs < 1)) throw new ConfigError(`epochs: expected a positive integer, found ${describe(training.epochs)}`);
    const [firstHalf, secondHalf] = members > 1 ? trainingHalves(epochs) : [epochs, 0];
    // A copy: fit sets its hiddenSizes from the feature count.
    const memberTraining: EstimatorTrainingOptions = members > 1 ? { validationSplit: 0, earlyStopping: false, ...training, epochs: firstHalf } : { ...training };
    const defaultScaler: ScalerKind = standardize === false ? "none" : standardize === true || members === 1 ? "standard" : "robust";
    super(model, scaler ?? defaultScaler, memberTraining);
    this.ensemble_ = members;
    this.autoMembers = ensemble === undefined && model === undefined;
    this.unitIntervalUnscaled = members > 1 && scaler === undefined && standardize === undefined;
    this.memberTraining = memberTraining;
    this.hiddenSizes = training.hiddenSizes;
    this.trimmedEpochs = secondHalf;
    this.contamination_ = checkContamination(contamination ?? 0.1);
    this.quantile_ = checkQuantile(thresholdQuantile);
    this.codeSize = codeSizeOption("AnomalyDetector", { codeSize, nComponents, latent })?.size;
  }

  /** The share of anomalies given, or "auto". */
  get contamination(): number | "auto" {
    return this.contamination_;
  }

  /** The quantile of the training scores the threshold sits at: thresholdQuantile, else 1 − contamination (NaN for "auto" before fit). */
  get thresholdQuantile(): number {
    if (this.quantile_ !== undefined) return this.quantile_;
    if (this.contamination_ !== "auto") return 1 - this.contamination_;
    return this.stats ? 1 - flaggedShare(this.stats) : Number.NaN;
  }

  /** Autoencoders in the ensemble (1: a single model). */
  get ensemble(): number {
    return this.ensemble_;
  }

  /** Every member's autoencoder, `model` first (owned by the detector). */
  get members(): Autoencoder[] {
    return [this.fitted().model, ...(this.parts?.others ?? [])];
  }

  /**
   * Trains on x (assumed mostly normal), then scores it to set the threshold.
   * An ensemble's scaler is fitted on the first member's subsample.
   */
  async fit(x: DataInput): Promise<this> {
    this.stats = null;
    this.trimmedHistory = null;
    this.releaseMembers();
    if (this.ensemble_ === 1) {
      const scaled = await this.train(x);
      this.stats = scoreStats(this.model.reconstructionError(scaled), this.contamination_, this.quantile_);
      return this;
    }
    await init();
    this.assertLive();
    const sampleShape = sampleShapeOf(x);
    const batch = toBatch(x, sampleShape, "x");
    const seed = this.memberTraining.seed ?? 0;
    const rowsOf = (member: number): Int32Array => subsampleRows(batch.rows, MEMBER_ROWS, seed, member);
    const raw = (rows: Int32Array): TensorData => ({ data: gatherRows(batch.data, batch.cols, rows), shape: [rows.length, ...sampleShape] });
    const codeSize = this.defaultCodeSize(batch.cols);
    if (this.autoMembers) this.ensemble_ = defaultMembers(batch.rows, batch.cols);
    if (this.unitIntervalUnscaled) this.scalerKind = inUnitInterval(batch.data) ? "none" : "robust";
    this.memberTraining.hiddenSizes = this.hiddenSizes ?? memberHiddenSizes(batch.cols, codeSize);
    const subsamples = [rowsOf(0)];
    const first = await this.train(raw(subsamples[0]!));
    // Progress callbacks follow the first member only, its second half numbered on from its first.
    const { seed: _seed, learningRate, hiddenSizes, onEpochBegin, onEpochEnd, onBatchEnd, verbose: _verbose, ...fit } = this.memberTraining;
    const memberFit: FitOptions = { batchSize: 64, ...fit };
    const offset = super.history?.epoch.length ?? 0;
    const firstFit: FitOptions = {
      ...memberFit,
      ...(onEpochBegin ? { onEpochBegin: (epoch: number) => onEpochBegin(epoch + offset) } : {}),
      ...(onEpochEnd ? { onEpochEnd: (epoch: number, logs: EpochLogs) => onEpochEnd(epoch + offset, logs) } : {}),
      ...(onBatchEnd ? { onBatchEnd: (batch: number, logs: BatchLogs) => onBatchEnd(batch, { ...logs, epoch: logs.epoch + offset }) } : {}),
    };
    const others: Autoencoder[] = [];
    try {
      for (let m = 1; m < this.ensemble_; m++) {
        const member = await Autoencoder.create(defaultAutoencoderConfig({
          inputShape: sampleShape,
          codeSize,
          hiddenSizes,
          output: inUnitInterval(first.data) ? "sigmoid" : "linear",
          learningRate,
          seed: (seed + m) >>> 0,
        }));
        others.push(member);
        subsamples.push(rowsOf(m));
        await member.fit(this.scaled(raw(subsamples[m]!)), memberFit);
      }
      const models = [this.model, ...others];
      const scaled = this.scaled({ data: batch.data, shape: [batch.rows, ...sampleShape] });
      const stats: MemberStats[] = [];
      const references: Float32Array[] = [];
      const scores: Float64Array[] = [];
      const inputs: (Float32Array | null)[] = [];
      for (let m = 0; m < models.length; m++) {
        const sub = m === 0 ? first : this.scaled(raw(subsamples[m]!));
        const trimmed = await trimAndTrain(models[m]!, sub, subsamples[m]!, m === 0 ? firstFit : memberFit, this.trimmedEpochs);
        if (m === 0) this.trimmedHistory = trimmed.history;
        const reference: MemberReference = { rows: trimmed.kept, codes: models[m]!.encode({ data: trimmed.data, shape: [trimmed.kept.length, ...sampleShape] }).data, ...(batch.cols <= INPUT_NEIGHBOUR_FEATURES ? { inputs: trimmed.data } : {}) };
        inputs.push(reference.inputs ?? null);
        const member = memberStats(models[m]!, scaled, reference);
        stats.push(member.stats);
        references.push(reference.codes);
        scores.push(member.scores);
      }
      const pca = fitPcaTerm(scaled);
      this.parts = { others, stats, references, inputs, pca: pca.term };
      this.stats = scoreStats(medianScores(scores, pca.scores), this.contamination_, this.quantile_);
    } catch (error) {
      for (const member of others) member.dispose();
      this.parts = null;
      throw error;
    }
    return this;
  }

  /** Per-epoch losses of the last fit (an ensemble's: its first member's, both halves; null after load). */
  override get history(): History | null {
    const first = super.history;
    const second = this.trimmedHistory;
    if (!first || !second) return first;
    const epochs = first.epoch.length;
    const joined: History = { epoch: [], loss: [], valLoss: [] };
    for (const key of new Set([...Object.keys(first), ...Object.keys(second)])) {
      joined[key] = key === "epoch" ? [...first.epoch, ...second.epoch.map((e) => e + epochs)] : [...(first[key] ?? []), ...(second[key] ?? [])];
    }
    return joined;
  }

  /**
   * Anomaly scores, higher = more abnormal: for a single model the mean
   * squared reconstruction error of each (scaled) sample; for an ensemble the
   * members' normalized scores' median plus the PCA term (anomaly-ensemble.ts). An ensemble's
   * training rows are scored without themselves as neighbours in
   * decisionScores (as PyOD's KNN), so decisionFunction of the training data
   * can differ from them.
   */
  decisionFunction(x: DataInput): Float32Array {
    const { model } = this.fitted();
    const scaled = this.scaled(x);
    const parts = this.parts;
    if (!parts) return model.reconstructionError(scaled);
    return ensembleScores(this.members, parts.stats, parts.references, scaled, parts.inputs, parts.pca);
  }

  override dispose(): void {
    this.releaseMembers();
    super.dispose();
  }

  /**
   * Shape [N, features]: each feature's share of each sample's reconstruction error,
   * (x̂ⱼ − xⱼ)² / Σₖ (x̂ₖ − xₖ)² on the scaled features the model sees; a row
   * sums to 1 (all zeros where the reconstruction is exact). The largest
   * shares name the columns that made a sample abnormal. For an ensemble,
   * the members' reconstruction terms only (ensembleShares): the neighbour
   * distances and the PCA term of its score are not apportioned.
   */
  explain(x: DataInput): TensorData {
    const { model, sampleShape } = this.fitted();
    const scaled = this.scaled(x);
    if (this.parts) return { data: ensembleShares(this.members, this.parts.stats, scaled), shape: [scaled.shape[0]!, ...sampleShape] };
    const out = model.reconstruct(scaled).data;
    const rows = scaled.shape[0]!;
    const cols = scaled.data.length / Math.max(1, rows);
    const shares = new Float32Array(rows * cols);
    const squares = new Float64Array(cols);
    for (let i = 0; i < rows; i++) {
      let total = 0;
      for (let j = 0; j < cols; j++) {
        squares[j] = (out[i * cols + j]! - scaled.data[i * cols + j]!) ** 2;
        total += squares[j]!;
      }
      // A non-finite error gives NaN shares, as its score is non-finite too.
      if (total > 0 || !Number.isFinite(total)) for (let j = 0; j < cols; j++) shares[i * cols + j] = squares[j]! / total;
    }
    return { data: shares, shape: [rows, ...this.fitted().sampleShape] };
  }

  /** Scores of the training samples (PyOD's decision_scores_). */
  get decisionScores(): Float32Array {
    return this.scoreStats().scores.slice();
  }

  /** Scores strictly above this are anomalies (PyOD's threshold_). */
  get threshold(): number {
    return this.scoreStats().threshold;
  }

  /** 0/1 labels of the training samples (PyOD's labels_). */
  get labels(): Uint8Array {
    const { scores, threshold } = this.scoreStats();
    return Uint8Array.from(scores, (s) => (s > threshold || s !== s ? 1 : 0));
  }

  /** 1 for anomalies (score > threshold), 0 for normal samples; with returnConfidence also predictConfidence's values. */
  predict(x: DataInput): Uint8Array;
  predict(x: DataInput, options: PredictOptions & { returnConfidence: true }): LabelsWithConfidence;
  predict(x: DataInput, options?: PredictOptions): Uint8Array | LabelsWithConfidence;
  predict(x: DataInput, options: PredictOptions = {}): Uint8Array | LabelsWithConfidence {
    if (options === null || typeof options !== "object") throw new ConfigError(`predict options: expected an object, found ${String(options)}`);
    const stats = this.scoreStats();
    const scores = this.decisionFunction(x);
    // A NaN score (or one past the threshold) is never labelled normal.
    const labels = Uint8Array.from(scores, (s) => (s > stats.threshold || s !== s ? 1 : 0));
    if (!options.returnConfidence) return labels;
    return { labels, confidence: predictionConfidence(stats.sorted, scores, stats.threshold, this.confidenceContamination(stats)) };
  }

  /**
   * How sure the detector is of each predict() label, in [0, 1], as PyOD's
   * predict_confidence (ExCeeD, Perini et al. 2020): from how many training
   * scores lie at or below the sample's and the contamination (for "auto",
   * the share of training samples above the threshold).
   */
  predictConfidence(x: DataInput): Float32Array {
    const stats = this.scoreStats();
    return predictionConfidence(stats.sorted, this.decisionFunction(x), stats.threshold, this.confidenceContamination(stats));
  }

  /**
   * Shape [N, 2]: P(inlier), P(outlier) per sample, as PyOD's predict_proba.
   * "linear": the score min-max scaled by the training scores' range, clipped
   * to [0, 1]. "unify": erf((score − mean)/(std·√2)) clipped to [0, 1], mean and
   * (population) std of the training scores (Kriegel et al. 2011).
   */
  predictProba(x: DataInput, method: ProbabilityMethod = "linear"): TensorData {
    if (method !== "linear" && method !== "unify") throw new ConfigError(`predictProba method: expected "linear" or "unify", found ${describe(method)}`);
    const stats = this.scoreStats();
    const scores = this.decisionFunction(x);
    const outlier = method === "linear" ? linearProbability(scores, stats) : unifiedProbability(scores, stats);
    const n = scores.length;
    const data = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      data[2 * i] = 1 - outlier[i]!;
      data[2 * i + 1] = outlier[i]!;
    }
    return { data, shape: [n, 2] };
  }

  /** The detector as bytes: model, scaler, settings and training scores (see estimator.ts). */
  save(options: SaveOptions = {}): Uint8Array {
    const { scores } = this.scoreStats();
    const tensors: NamedTensor[] = [{ name: "decision_scores", shape: [scores.length], data: scores }];
    const state: Record<string, unknown> = { contamination: this.contamination_, thresholdQuantile: this.quantile_ ?? null };
    if (this.parts) {
      const ensemble = saveEnsemble(this.parts, this.model, this.sampleShape, options);
      tensors.push(...ensemble.tensors);
      state.ensemble = ensemble.state;
    }
    return this.saveFile(KIND, state, tensors, options);
  }

  /** Restores a detector saved by save(); a damaged or foreign file throws a ModelFormatError saying why. */
  static async load(bytes: Uint8Array): Promise<AnomalyDetector> {
    const detector = new AnomalyDetector();
    const { state, tensors } = await detector.loadFile(bytes, KIND, "AnomalyDetector");
    try {
      detector.contamination_ = checkContamination(state.contamination);
      detector.quantile_ = checkQuantile(state.thresholdQuantile ?? undefined);
      const scores = tensors.get("decision_scores");
      if (!scores || scores.shape.length !== 1 || scores.data.length < 1) {
        throw new ModelFormatError(`expected a tensor "${KIND}.decision_scores" of shape [N], found ${scores ? `shape ${shapeText(scores.shape)}` : "none"}`);
      }
      if (!scores.data.every(Number.isFinite)) throw new ModelFormatError(`"${KIND}.decision_scores" holds non-finite values`);
      detector.stats = scoreStats(scores.data, detector.contamination_, detector.quantile_);
      // A file without an ensemble is a single-model detector (as every file before ensembles).
      if (state.ensemble !== undefined) detector.parts = await loadEnsemble(state.ensemble, tensors, detector.model, detector.sampleShape);
      detector.ensemble_ = detector.parts ? detector.parts.stats.length : 1;
      checkEnsembleTensors(tensors.keys(), detector.parts, KIND);
    } catch (error) {
      detector.dispose();
      throw new ModelFormatError(`AnomalyDetector.load: ${(error as Error).message}`);
    }
    return detector;
  }

  protected defaultCodeSize(features: number): number {
    return this.codeSize ?? defaultCodeSize(features);
  }

  protected override checkModel(model: Autoencoder): void {
    const width = sizeOf(model.codeShape);
    if (this.codeSize !== undefined && width !== this.codeSize) {
      throw new ConfigError(`codeSize: the model's code has ${width} values, not the requested ${this.codeSize}`);
    }
  }

  private releaseMembers(): void {
    for (const member of this.parts?.others ?? []) member.dispose();
    this.parts = null;
  }

  private confidenceContamination(stats: ScoreStats): number {
    return this.contamination_ === "auto" || this.quantile_ !== undefined ? flaggedShare(stats) : this.contamination_;
  }

  private scoreStats(): ScoreStats {
    this.fitted();
    return this.stats!;
  }
}

function checkContamination(value: unknown): number | "auto" {
  if (value === "auto") return value;
  if (typeof value !== "number" || !(value > 0 && value <= 0.5)) {
    throw new ConfigError(`contamination: expected a number in (0, 0.5] or "auto", found ${describe(value)}`);
  }
  return value;
}

/** The share of training scores strictly above the threshold. */
function flaggedShare({ scores, threshold }: ScoreStats): number {
  let above = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i]! > threshold) above++;
  return above / scores.length;
}

function checkQuantile(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !(value >= 0 && value <= 1)) throw new ConfigError(`thresholdQuantile: expected a number in [0, 1], found ${describe(value)}`);
  return value;
}

/** PyOD's _process_decision_scores: the threshold, and the mean and population std for "unify". */
function scoreStats(scores: Float32Array, contamination: number | "auto", quantile: number | undefined): ScoreStats {
  const n = scores.length;
  if (n === 0) throw new DataError("expected at least one training score, found none");
  // PyOD: np.percentile(decision_scores_, 100 * (1 - contamination)).
  let threshold: number;
  if (quantile !== undefined) threshold = percentile(scores, 100 * quantile);
  else threshold = contamination === "auto" ? autoThreshold(scores) : percentile(scores, 100 * (1 - contamination));
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    sum += scores[i]!;
    min = Math.min(min, scores[i]!);
    max = Math.max(max, scores[i]!);
  }
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (scores[i]! - mean) ** 2;
  return { scores, sorted: Float64Array.from(scores).sort(), threshold, min, max, mean, std: Math.sqrt(squares / n) };
}

/** Applies p = clip(score·scale + offset, 0, 1) in wasm (f32_affine_columns with one column, f32_clip); erf between when asked. */
function affineProbability(scores: Float32Array, scale: number, offset: number, erf: boolean): Float32Array {
  const { kernels, arena } = getEngine();
  const n = scores.length;
  return arena.scoped(() => {
    const ptr = arena.scratch(n * 4);
    const coefficients = arena.scratch(8);
    arena.write(ptr, scores);
    arena.write(coefficients, [scale, offset]);
    kernels.f32_affine_columns(ptr, ptr, coefficients, coefficients + 4, n, 1);
    if (erf) kernels.f32_erf(ptr, ptr, n);
    kernels.f32_clip(ptr, ptr, 0, 1, n);
    return arena.read(ptr, n);
  });
}

/** scikit-learn's MinMaxScaler fitted on the training scores (a zero range counts as 1), clipped. */
function linearProbability(scores: Float32Array, { min, max }: ScoreStats): Float32Array {
  const scale = max > min ? 1 / (max - min) : 1;
  return affineProbability(scores, scale, -min * scale, false);
}

/** erf((s − mean)/(std·√2)), clipped; with std = 0, 1 above the mean and 0 elsewhere (the limit). */
function unifiedProbability(scores: Float32Array, { mean, std }: ScoreStats): Float32Array {
  if (std === 0) return Float32Array.from(scores, (s) => (s > mean ? 1 : 0));
  const scale = 1 / (std * Math.SQRT2);
  return affineProbability(scores, scale, -mean * scale, true);
}
