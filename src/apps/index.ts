// The estimators' public names (re-exported by src/index.ts).
export { Reducer, type ReducerOptions } from "./reducer.js";
export { FeatureExtractor, type FeatureExtractorOptions } from "./feature-extractor.js";
export { AnomalyDetector, type AnomalyDetectorOptions, type LabelsWithConfidence, type PredictOptions, type ProbabilityMethod } from "./anomaly-detector.js";
export { Denoiser, type DenoiserOptions } from "./denoiser.js";
export { Generator, type GeneratorOptions } from "./generator.js";
export type { EstimatorTrainingOptions, ScalerKind, StreamedSamples } from "./estimator.js";
export {
  StandardScaler,
  MinMaxScaler,
  RobustScaler,
  scalerFromJSON,
  type Scaler,
  type ScalerJSON,
  type StandardScalerOptions,
  type StandardScalerJSON,
  type MinMaxScalerOptions,
  type MinMaxScalerJSON,
  type RobustScalerJSON,
} from "./scaler.js";
export {
  KNeighborsClassifier,
  LogisticRegression,
  type KNeighborsOptions,
  type Neighbors,
  type LogisticRegressionOptions,
  type Labels,
} from "./classifiers.js";
export { rocAuc, prAuc, precisionAtK, percentile } from "./metrics.js";
export { defaultAutoencoderConfig, defaultHiddenSizes, defaultCodeSize, type DenseArchitecture } from "./defaults.js";
