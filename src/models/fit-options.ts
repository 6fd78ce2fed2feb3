// fit's options: their types and the list of their keys for the run-time
// check of option objects (src/options.ts). The validation of every value
// before any memory is taken is fit-checks.ts', loaded with the training loop.
import { keysOf } from "../options.js";
import type { Callback } from "./callbacks.js";
import type { SampleStream, StreamFitOptions } from "./stream-data.js";
import type { Verbosity } from "./verbose.js";

/** When early stopping ends training (Keras's EarlyStopping callback). */
export interface EarlyStoppingOptions {
  /** Quantity watched. Default "valLoss" when there is validation data, else "loss". */
  monitor?: "loss" | "valLoss";
  /** Epochs without improvement before stopping. Default 3. */
  patience?: number;
  /** Smallest decrease that counts as an improvement. Default 0. */
  minDelta?: number;
  /** Put back the weights of the best epoch when training ends. Default true. */
  restoreBestWeights?: boolean;
}

/** What onEpochEnd receives: the epoch's mean losses and timing. */
export interface EpochLogs {
  /** Mean training loss of the epoch, per sample. */
  loss: number;
  /** Mean loss on the validation data, when there is some. */
  valLoss?: number;
  /** Wall time of the epoch in seconds (informational, not used in numerics). */
  seconds: number;
  /** Training throughput of the epoch (informational). */
  samplesPerSecond: number;
  [part: string]: number | undefined;
}

/** What onBatchEnd receives after each training step. */
export interface BatchLogs {
  /** The epoch (0-based). */
  epoch: number;
  /** Mean training loss per sample in this epoch so far. */
  loss: number;
  /** Samples seen in this epoch so far. */
  samples: number;
  /** Samples in one epoch. */
  epochSamples: number;
  /** Training throughput so far in this epoch (informational). */
  samplesPerSecond: number;
}

/** Options of `fit`, with Keras's names and defaults (the estimators have their own defaults: see EstimatorTrainingOptions). */
export interface FitOptions {
  /** Passes over the data. Default 1. */
  epochs?: number;
  /** Samples per gradient step. Default 32. */
  batchSize?: number;
  /** Fraction of the samples, taken from the end before shuffling (as Keras), held out for validation. Default 0. */
  validationSplit?: number;
  /** Shuffle the training samples each epoch (seeded). Default true. */
  shuffle?: boolean;
  /** Stop when the monitored loss stops improving; `true` uses the defaults. Default false. */
  earlyStopping?: boolean | EarlyStoppingOptions;
  /** Called before each epoch with its index (0-based); may be async. */
  onEpochBegin?: (epoch: number) => void | Promise<void>;
  /** Called after each epoch; may be async (training waits for it). */
  onEpochEnd?: (epoch: number, logs: EpochLogs) => void | Promise<void>;
  /** Called after each training step with its index in the epoch; may be async. */
  onBatchEnd?: (batch: number, logs: BatchLogs) => void | Promise<void>;
  /** Aborting stops training after the current step; fit then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Longest time between yields to the event loop, in ms. Default 25. */
  yieldEveryMs?: number;
  /** Progress on stdout, as Keras's: 0 none, 1 a line per epoch updated in place on a terminal, 2 one line per epoch. Default 0. */
  verbose?: Verbosity;
  /**
   * Keras-style callbacks, run in order after `onEpochEnd` each epoch:
   * reduceLROnPlateau, modelCheckpoint, csvLogger (src/models/callbacks.ts) or
   * your own { onTrainBegin, onEpochEnd, onTrainEnd }. Default none.
   */
  callbacks?: Callback[];
}

/** FitOptions' keys: option objects from JavaScript are checked against them (src/options.ts). */
export const FIT_OPTION_KEYS = /* @__PURE__ */ keysOf<FitOptions>({
  epochs: true, batchSize: true, validationSplit: true, shuffle: true, earlyStopping: true,
  onEpochBegin: true, onEpochEnd: true, onBatchEnd: true, signal: true, yieldEveryMs: true, verbose: true, callbacks: true,
});
/** The models' fit options: FitOptions and validationData. */
export const MODEL_FIT_KEYS: readonly string[] = [...FIT_OPTION_KEYS, "validationData"];
/** The stream options of a model's fit (stream-data.ts). */
export const STREAM_FIT_KEYS = /* @__PURE__ */ keysOf<StreamFitOptions>({ shuffleBuffer: true, stepsPerEpoch: true, validationSteps: true });
/** Every key of ModelFitOptions, for the unknown-key check. */
export const MODEL_STREAM_FIT_KEYS: readonly string[] = [...MODEL_FIT_KEYS, ...STREAM_FIT_KEYS];

/** Whether `x` is streamed data rather than arrays: a function, or an object with Symbol.asyncIterator. */
export function isSampleStream(x: unknown): x is SampleStream {
  return typeof x === "function" || (typeof x === "object" && x !== null && typeof (x as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function");
}

/** Per-epoch values: loss, valLoss and every named loss part, plus `epoch` (0-based). */
export interface History {
  /** The epochs trained, 0-based (continuing from earlier fits). */
  epoch: number[];
  /** Mean training loss per epoch. */
  loss: number[];
  /** Mean validation loss per epoch (empty without validation data). */
  valLoss: number[];
  [key: string]: number[];
}
