// The public surface of `autoencoders`: every name a user may import.
export { init, engineInfo, threadsReady, type WasmSource, type InitOptions } from "./wasm/module.js";
export type { Numerics } from "./wasm/numerics.js";
export type { EngineInfo, ThreadsOption } from "./wasm/threads.js";
export {
  AutoencoderError,
  ShapeError,
  DataError,
  ConfigError,
  DivergenceError,
  ModelFormatError,
  UnsupportedRuntimeError,
  DisposedError,
  ResourceError,
  WorkerError,
} from "./errors.js";
export { layers } from "./layers/index.js";
export type {
  DenseOptions, DenseSpec, ActivationSpec, DropoutSpec, FlattenSpec, ReshapeSpec, LayerSpec, Initializer, BiasInitializer,
  Conv2dSpec, Conv2dTransposeSpec, ConvOptions, ConvTransposeOptions, BatchNormSpec, MaxPool2dSpec, UpSampling2dSpec,
} from "./layers/index.js";
export type { Activation } from "./ops/activation.js";
export type { ExplicitPadding, Padding } from "./ops/conv2d.js";
export type { OptimizerConfig, AdamConfig, SgdConfig, ClipConfig } from "./optim/optimizer.js";
export { exponentialDecay, cosineDecay, piecewiseConstant, learningRateAt } from "./optim/schedules.js";
export type { LearningRateSchedule, ExponentialDecay, CosineDecay, PiecewiseConstant } from "./optim/schedules.js";
export type { ReconstructionLoss } from "./losses/reconstruction.js";
export { Autoencoder, type AutoencoderConfig, type SparsityConfig } from "./models/autoencoder.js";
export type { NoiseConfig } from "./ops/corrupt.js";
export { addNoise } from "./models/noise.js";
export { VAE, type VAEConfig, type VAEEncoding, type VAELoss } from "./models/vae.js";
export type { FitOptions, History, EpochLogs, BatchLogs, EarlyStoppingOptions } from "./models/fit.js";
export type { SampleStream, StreamItem, StreamFitOptions, ModelFitOptions } from "./models/stream-data.js";
export { reduceLROnPlateau, modelCheckpoint, csvLogger } from "./models/callbacks.js";
export type { Callback, TrainingState, MonitorMode, ReduceLROnPlateauOptions, ModelCheckpoint, ModelCheckpointOptions, CsvLogger, CsvLoggerOptions } from "./models/callbacks.js";
export type { SaveOptions } from "./models/base.js";
export type { Verbosity } from "./models/verbose.js";
export { loadLimits } from "./models/load-check.js";
export type { DataInput, TensorData } from "./models/data.js";
export { PCA, type PCAOptions, type PCAJSON } from "./models/pca.js";
export { readCsv, type CsvOptions, type CsvTable } from "./io/csv.js";
export { readNpy, writeNpy, type NpyArray } from "./io/npy.js";
export { streamCsv, type StreamCsvOptions } from "./io/csv-stream.js";
export { streamNpy, type StreamNpyOptions } from "./io/npy-stream.js";
export type { ByteSource, ByteStream } from "./io/byte-source.js";
export { readIdx, writeIdx, type IdxArray, type IdxDtype } from "./io/idx.js";
export * from "./apps/index.js";
