// The training loop shared by every model: seeded shuffling, minibatches,
// validation, early stopping, callbacks, cancellation, divergence checks.
// The data is copied into the wasm memory once per fit; each step gathers its
// batch there and releases its scratch at the end.
import { keysOf } from "../options.js";
import { withProgress, type Verbosity } from "./verbose.js";
import { ConfigError, describe, DisposedError, DivergenceError } from "../errors.js";
import type { ForwardContext } from "../layers/layer.js";
import { Tape } from "../ops/tape.js";
import { Tensor } from "../ops/tensor.js";
import type { Optimizer } from "../optim/optimizer.js";
import { getEngine } from "../wasm/module.js";
import { assertFinite, type Batch } from "./data.js";
import type { ParamSlab, StateBlock } from "./params.js";
import { STREAM } from "./streams.js";

/** A batch's loss, averaged per sample, with its named parts (e.g. reconstruction, kl). */
export interface LossParts {
  loss: number;
  [part: string]: number;
}

/** What the loop needs from a model. */
export interface Trainable {
  readonly slab: ParamSlab;
  /** Layer state (running statistics), restored when a step diverges. */
  readonly states: StateBlock;
  readonly optimizer: Optimizer;
  readonly seed: number;
  /** Steps taken over the model's life; keys the random draws of each step. */
  step: number;
  /** Epochs trained over the model's life (across fit calls); keys each epoch's shuffle. */
  epochsTrained: number;
  /** True once `dispose()` freed the model's memory; training stops at the next step. */
  readonly isDisposed: boolean;
  /** Loss of a batch; records on ctx.tape when training. */
  batchLoss(x: Tensor, target: Tensor, ctx: ForwardContext): LossParts;
}

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

export interface EpochLogs {
  loss: number;
  valLoss?: number;
  /** Wall time of the epoch in seconds (informational, not used in numerics). */
  seconds: number;
  samplesPerSecond: number;
  [part: string]: number | undefined;
}

export interface BatchLogs {
  epoch: number;
  loss: number;
  /** Samples seen in this epoch so far. */
  samples: number;
  /** Samples in one epoch. */
  epochSamples: number;
  samplesPerSecond: number;
}

export interface FitOptions {
  /** Passes over the data. Default 1. */
  epochs?: number;
  /** Samples per gradient step. Default 32. */
  batchSize?: number;
  /** Fraction of the samples, taken from the end before shuffling (as Keras), held out for validation. Default 0. */
  validationSplit?: number;
  /** Shuffle the training samples each epoch (seeded). Default true. */
  shuffle?: boolean;
  /** Stop when the monitored loss stops improving; `true` uses the defaults. */
  earlyStopping?: boolean | EarlyStoppingOptions;
  onEpochBegin?: (epoch: number) => void | Promise<void>;
  /** Called after each epoch; may be async (training waits for it). */
  onEpochEnd?: (epoch: number, logs: EpochLogs) => void | Promise<void>;
  onBatchEnd?: (batch: number, logs: BatchLogs) => void | Promise<void>;
  /** Aborting stops training after the current step; fit then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Longest time between yields to the event loop, in ms. Default 25. */
  yieldEveryMs?: number;
  /** Progress on stdout, as Keras's: 0 none, 1 a line per epoch updated in place on a terminal, 2 one line per epoch. Default 0. */
  verbose?: Verbosity;
}

/** FitOptions' keys: option objects from JavaScript are checked against them (src/options.ts). */
export const FIT_OPTION_KEYS = /* @__PURE__ */ keysOf<FitOptions>({
  epochs: true, batchSize: true, validationSplit: true, shuffle: true, earlyStopping: true,
  onEpochBegin: true, onEpochEnd: true, onBatchEnd: true, signal: true, yieldEveryMs: true, verbose: true,
});
/** The models' fit options: FitOptions and validationData. */
export const MODEL_FIT_KEYS: readonly string[] = [...FIT_OPTION_KEYS, "validationData"];

/** Per-epoch values: loss, valLoss and every named loss part, plus `epoch` (0-based). */
export interface History {
  epoch: number[];
  loss: number[];
  valLoss: number[];
  [key: string]: number[];
}

/** Data for one fit: the samples (each its own target) and optional validation samples. */
export interface FitData {
  x: Batch;
  validation?: { x: Batch };
}

/**
 * Lets the event loop run (timers, I/O, rendering). A MessageChannel round
 * trip is a task without setTimeout's ~1 ms clamp; setTimeout is the fallback.
 */
function yieldToEventLoop(): Promise<void> {
  if (typeof MessageChannel !== "function") return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

const now = (): number => (typeof performance !== "undefined" ? performance.now() : Date.now());

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

interface Stopping {
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
function checkOptions(options: FitOptions): { epochs: number; batchSize: number; split: number; stopping: Stopping | null; yieldEvery: number } {
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
  return { epochs, batchSize, split, stopping: checkStopping(options.earlyStopping), yieldEvery };
}

/** Throws once the model was disposed: its memory may already belong to another model. */
function assertLive(model: Trainable): void {
  if (model.isDisposed) throw new DisposedError("fit: the model was disposed during training; training stopped and its memory was not touched again");
}

/** Rows of a batch copied into a persistent block, checked for NaN/Infinity. */
export class Resident {
  readonly ptr: number;
  constructor(readonly batch: Batch, what: string) {
    const e = getEngine();
    this.ptr = e.arena.alloc(batch.data.length * 4, `the data to train on (${what})`);
    e.arena.write(this.ptr, batch.data);
    try {
      assertFinite(e, this.ptr, batch.rows, batch.cols, what);
    } catch (error) {
      e.arena.free(this.ptr);
      throw error;
    }
  }
  free(): void {
    getEngine().arena.free(this.ptr);
  }
}

/** Mean per-sample loss parts over `rows` samples at `xPtr` (each its own target), in inference mode. */
export function meanLoss(model: Trainable, xPtr: number, rows: number, cols: number, batchSize: number): LossParts {
  const { arena } = getEngine();
  const sums: Record<string, number> = {};
  for (let start = 0; start < rows; start += batchSize) {
    const n = Math.min(batchSize, rows - start);
    arena.scoped(() => {
      const x = new Tensor(xPtr + start * cols * 4, [n, cols]);
      const parts = model.batchLoss(x, x, { tape: null, training: false, seed: model.seed, step: model.step, firstRow: start });
      for (const key of Object.keys(parts)) sums[key] = (sums[key] ?? 0) + parts[key]! * n;
    });
  }
  const mean: LossParts = { loss: 0 };
  for (const key of Object.keys(sums)) mean[key] = sums[key]! / rows;
  return mean;
}

export async function fitLoop(model: Trainable, data: FitData, options: FitOptions = {}): Promise<History> {
  const { epochs, batchSize, split, stopping, yieldEvery } = checkOptions(options);
  options = withProgress(options, epochs);
  if (split > 0 && data.validation) throw new ConfigError("fit: give validationSplit or validation data, not both");
  options.signal?.throwIfAborted();
  assertLive(model);

  const { arena, kernels } = getEngine();
  const cols = data.x.cols;
  const x = new Resident(data.x, "x");
  const owned: Resident[] = [x];
  let perm = 0;
  try {
    let trainRows = data.x.rows;
    let val: { x: number; rows: number } | null = null;
    if (split > 0) {
      const valRows = Math.floor(trainRows * split);
      if (valRows < 1 || valRows >= trainRows) {
        throw new ConfigError(`fit: validationSplit ${split} of ${trainRows} samples leaves ${valRows} for validation and ${trainRows - valRows} for training; each needs at least one`);
      }
      trainRows -= valRows;
      val = { x: x.ptr + trainRows * cols * 4, rows: valRows };
    } else if (data.validation) {
      const vx = new Resident(data.validation.x, "validation x");
      owned.push(vx);
      val = { x: vx.ptr, rows: data.validation.x.rows };
    }
    const monitor = stopping?.monitor ?? (val ? "valLoss" : "loss");
    if (monitor === "valLoss" && stopping && !val) throw new ConfigError("fit: early stopping on valLoss needs validationSplit or validation data");

    perm = arena.alloc(trainRows * 4);
    const identity = () => {
      const view = arena.u32;
      for (let i = 0; i < trainRows; i++) view[(perm >>> 2) + i] = i;
    };
    if (options.shuffle === false) identity();

    const history: History = { epoch: [], loss: [], valLoss: [] };
    let best = Infinity;
    let bestEpoch = -1;
    let waited = 0;
    let lastYield = now();
    const evalBatch = Math.max(batchSize, 256);
    // The counters that go with the weights in the slab's rollback copy, taken
    // before each update; null until the first update of this fit.
    let kept: { step: number; optimizerSteps: number } | null = null;
    const rollback = () => {
      model.slab.rollback();
      model.step = kept!.step;
      model.optimizer.steps = kept!.optimizerSteps;
    };

    for (let epoch = 0; epoch < epochs; epoch++) {
      await options.onEpochBegin?.(epoch);
      assertLive(model);
      if (options.shuffle !== false) kernels.u32_permutation(perm, trainRows, model.seed, STREAM.shuffle, model.epochsTrained);
      const started = now();
      const sums: Record<string, number> = {};
      let seen = 0;
      for (let start = 0, batch = 0; start < trainRows; start += batchSize, batch++) {
        const rows = Math.min(batchSize, trainRows - start);
        const parts = arena.scoped(() => {
          const xb = new Tensor(arena.scratch(rows * cols * 4), [rows, cols]);
          kernels.f32_gather_rows(xb.ptr, x.ptr, perm + start * 4, rows, cols);
          const tape = new Tape();
          model.states.snapshot();
          const result = model.batchLoss(xb, xb, { tape, training: true, seed: model.seed, step: model.step });
          if (!Number.isFinite(result.loss)) {
            // These weights are finite but give a non-finite loss (SGD can take
            // them to 1e38): go back to those of the last step whose loss was finite.
            model.states.restoreSnapshot();
            if (kept) rollback();
            const which = kept ? "the weights before the previous update (the last with a finite loss) are restored" : "the weights given to fit are kept";
            throw new DivergenceError(`fit: the loss became ${result.loss} at epoch ${epoch + 1}, step ${batch + 1}; ${which}`, epoch, batch);
          }
          tape.backward();
          model.slab.zeroGradsExcept((p) => tape.wrote(p));
          model.slab.saveRollback();
          kept = { step: model.step, optimizerSteps: model.optimizer.steps };
          // A non-finite gradient shows up here too: it makes its parameter non-finite.
          if (model.optimizer.step(model.slab.regions) >= 0) {
            rollback();
            model.states.restoreSnapshot();
            throw new DivergenceError(`fit: the update at epoch ${epoch + 1}, step ${batch + 1} made the weights non-finite (is the learning rate too high?); the weights from before that update are restored`, epoch, batch);
          }
          model.step++;
          return result;
        });
        for (const key of Object.keys(parts)) sums[key] = (sums[key] ?? 0) + parts[key]! * rows;
        seen += rows;
        const elapsed = now() - started;
        await options.onBatchEnd?.(batch, { epoch, loss: sums.loss! / seen, samples: seen, epochSamples: trainRows, samplesPerSecond: seen / Math.max(elapsed / 1000, 1e-9) });
        assertLive(model);
        if (options.signal?.aborted) options.signal.throwIfAborted();
        if (now() - lastYield > yieldEvery) {
          await yieldToEventLoop();
          lastYield = now();
          assertLive(model);
          options.signal?.throwIfAborted();
        }
      }
      model.epochsTrained++;
      const seconds = (now() - started) / 1000;
      const logs: EpochLogs = { loss: 0, seconds, samplesPerSecond: trainRows / Math.max(seconds, 1e-9) };
      for (const key of Object.keys(sums)) logs[key] = sums[key]! / trainRows;
      history.epoch.push(epoch);
      for (const key of Object.keys(sums)) (history[key] ??= []).push(logs[key]!);
      // The rate of the epoch's last step (a schedule's changes per step).
      (history.learningRate ??= []).push(model.optimizer.learningRate);
      if (val) {
        const v = meanLoss(model, val.x, val.rows, cols, evalBatch);
        logs.valLoss = v.loss;
        for (const key of Object.keys(v)) {
          const name = `val${key[0]!.toUpperCase()}${key.slice(1)}`;
          logs[name] = v[key]!;
          (history[name] ??= []).push(v[key]!);
        }
      }
      await options.onEpochEnd?.(epoch, logs);
      assertLive(model);
      if (stopping) {
        const value = monitor === "valLoss" ? logs.valLoss! : logs.loss;
        if (value < best - stopping.minDelta) {
          best = value;
          bestEpoch = epoch;
          waited = 0;
          if (stopping.restoreBestWeights) model.slab.backup();
        } else if (++waited >= stopping.patience) {
          break;
        }
      }
    }
    if (stopping && stopping.restoreBestWeights && bestEpoch >= 0) model.slab.restoreBackup();
    return history;
  } finally {
    // dispose() already freed the slab's copies along with the slab.
    if (!model.isDisposed) model.slab.dropBackup();
    if (perm) arena.free(perm);
    for (const r of owned) r.free();
  }
}
