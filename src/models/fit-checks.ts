// The validation of fit's options (fit-options.ts) before any memory is
// taken: the training loop's (fit.ts), so it loads with it.
import { ConfigError, describe } from "../errors.js";
import { checkCallbacks, type Callback } from "./callbacks.js";
import type { EarlyStoppingOptions, FitOptions } from "./fit-options.js";

function checkInteger(value: unknown, name: string, fallback: number, min: number): number {
  const v = value === undefined ? fallback : value;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    throw new ConfigError(`fit: expected ${name} to be an integer >= ${min}, found ${describe(value)}`);
  }
  return v;
}

function checkOptional(value: unknown, name: string, type: "boolean" | "function"): void {
  if (value !== undefined && typeof value !== type) {
    throw new ConfigError(`fit: expected ${name} to be a ${type}, found ${describe(value)}`);
  }
}

export interface Stopping {
  monitor: "loss" | "valLoss" | null;
  patience: number;
  minDelta: number;
  restoreBestWeights: boolean;
}

/** Early stopping settings, every field checked; null when early stopping is off. */
function checkStopping(value: unknown): Stopping | null {
  if (value === undefined || value === false) return null;
  if (value !== true && (typeof value !== "object" || value === null || Array.isArray(value))) {
    throw new ConfigError(`fit: expected earlyStopping to be a boolean or { monitor, patience, minDelta, restoreBestWeights }, found ${describe(value)}`);
  }
  const o = (value === true ? {} : value) as EarlyStoppingOptions;
  const monitor = o.monitor;
  if (monitor !== undefined && monitor !== "loss" && monitor !== "valLoss") {
    throw new ConfigError(`fit: expected earlyStopping.monitor to be "loss" or "valLoss", found ${describe(monitor)}`);
  }
  const patience = checkInteger(o.patience, "earlyStopping.patience", 3, 0);
  const minDelta = o.minDelta ?? 0;
  if (typeof minDelta !== "number" || !Number.isFinite(minDelta) || minDelta < 0) {
    throw new ConfigError(`fit: expected earlyStopping.minDelta to be a finite number >= 0, found ${describe(o.minDelta)}`);
  }
  checkOptional(o.restoreBestWeights, "earlyStopping.restoreBestWeights", "boolean");
  return { monitor: monitor ?? null, patience, minDelta, restoreBestWeights: o.restoreBestWeights !== false };
}

/** Checks every option of `fit` before any memory is taken. */
export function checkOptions(options: FitOptions): { epochs: number; batchSize: number; split: number; stopping: Stopping | null; yieldEvery: number; callbacks: Callback[] } {
  if (typeof options !== "object" || options === null) throw new ConfigError(`fit: expected options to be an object, found ${describe(options)}`);
  const epochs = checkInteger(options.epochs, "epochs", 1, 1);
  const batchSize = checkInteger(options.batchSize, "batchSize", 32, 1);
  const split = options.validationSplit ?? 0;
  if (typeof split !== "number" || !(split >= 0 && split < 1)) {
    throw new ConfigError(`fit: expected validationSplit in [0, 1), found ${describe(options.validationSplit)}`);
  }
  const yieldEvery = options.yieldEveryMs ?? 25;
  if (typeof yieldEvery !== "number" || !Number.isFinite(yieldEvery) || yieldEvery < 0) {
    throw new ConfigError(`fit: expected yieldEveryMs to be a finite number of milliseconds >= 0, found ${describe(options.yieldEveryMs)}`);
  }
  checkOptional(options.shuffle, "shuffle", "boolean");
  checkOptional(options.onEpochBegin, "onEpochBegin", "function");
  checkOptional(options.onEpochEnd, "onEpochEnd", "function");
  checkOptional(options.onBatchEnd, "onBatchEnd", "function");
  const signal = options.signal as unknown;
  if (signal !== undefined && (typeof signal !== "object" || signal === null || typeof (signal as AbortSignal).throwIfAborted !== "function")) {
    throw new ConfigError(`fit: expected signal to be an AbortSignal, found ${describe(signal)}`);
  }
  return { epochs, batchSize, split, stopping: checkStopping(options.earlyStopping), yieldEvery, callbacks: checkCallbacks(options.callbacks) };
}

