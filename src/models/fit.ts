// The training loop shared by every model: seeded shuffling, minibatches,
// validation, early stopping, callbacks, cancellation, divergence checks.
// The data is copied into the wasm memory once per fit; each step gathers its
// batch there and releases its scratch at the end.
import { withProgress } from "./verbose.js";
import type { TrainingState } from "./callbacks.js";
import type { EpochLogs, FitOptions, History } from "./fit-options.js";
import { checkOptions, type Stopping } from "./fit-checks.js";
import { ConfigError, DisposedError, DivergenceError } from "../errors.js";
import type { ForwardContext } from "../layers/layer.js";
import { Tape } from "../ops/tape.js";
import { Tensor } from "../ops/tensor.js";
import type { Optimizer } from "../optim/optimizer.js";
import type { Numerics } from "../wasm/numerics.js";
import { getEngine } from "../wasm/module.js";
import type { Batch } from "./data.js";
import { meanLoss, Resident } from "./mean-loss.js";
import { assertTrainingNumerics } from "./numerics.js";
import type { ParamSlab, StateBlock } from "./params.js";
import { STREAM } from "../ops/streams.js";

/** A batch's loss, averaged per sample, with its named parts (e.g. reconstruction, kl). */
export interface LossParts {
  loss: number;
  [part: string]: number;
}

export type { BatchLogs, EarlyStoppingOptions, EpochLogs, FitOptions, History } from "./fit-options.js";

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
  /** The numerics profile its weights were trained with (numerics.ts). */
  numerics: Numerics;
  /** The model file, for checkpoints. */
  save(options?: { optimizer?: boolean }): Uint8Array;
  /** Loss of a batch; records on ctx.tape when training. */
  batchLoss(x: Tensor, target: Tensor, ctx: ForwardContext): LossParts;
}

/** Data for one fit: the samples (each its own target) and optional validation samples. */
export interface FitData {
  x: Batch;
  validation?: { x: Batch };
}

/** A batch of an epoch; `tensor` puts it in the step's scratch when the step runs. */
export interface EpochBatch {
  rows: number;
  tensor(): Tensor;
}

/**
 * Where an epoch's batches come from: the samples held in the wasm memory
 * (FitSamples, below) or a stream (StreamTraining in stream-data.ts).
 */
export interface TrainingData {
  /** Samples in one epoch, for BatchLogs (a stream's is known once an epoch ended, unless stepsPerEpoch sets it). */
  readonly epochSamples: number;
  readonly hasValidation: boolean;
  batches(model: Trainable, epoch: number, batchSize: number, shuffle: boolean): Iterable<EpochBatch> | AsyncIterable<EpochBatch>;
  /** Mean per-sample validation loss parts, or null without validation data. */
  validate(model: Trainable, batchSize: number): LossParts | null | Promise<LossParts | null>;
  free(): void;
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

/** Throws once the model was disposed: its memory may already belong to another model. */
function assertLive(model: Trainable): void {
  if (model.isDisposed) throw new DisposedError("fit: the model was disposed during training; training stopped and its memory was not touched again");
}

/**
 * The samples of one fit in the wasm memory: the training rows, visited
 * through a permutation reshuffled each epoch, and the validation rows (the
 * tail of x with validationSplit, as Keras, or their own block).
 */
class FitSamples implements TrainingData {
  readonly cols: number;
  readonly trainRows: number;
  readonly hasValidation: boolean;
  readonly val: { x: number; rows: number } | null = null;
  private readonly x: Resident;
  private readonly owned: Resident[];
  private readonly perm: number;

  constructor(data: FitData, split: number) {
    const { arena } = getEngine();
    this.cols = data.x.cols;
    this.x = new Resident(data.x, "x");
    this.owned = [this.x];
    let perm = 0;
    try {
      let trainRows = data.x.rows;
      if (split > 0) {
        const valRows = Math.floor(trainRows * split);
        if (valRows < 1 || valRows >= trainRows) {
          throw new ConfigError(`fit: validationSplit ${split} of ${trainRows} samples leaves ${valRows} for validation and ${trainRows - valRows} for training; each needs at least one`);
        }
        trainRows -= valRows;
        this.val = { x: this.x.ptr + trainRows * this.cols * 4, rows: valRows };
      } else if (data.validation) {
        const vx = new Resident(data.validation.x, "validation x");
        this.owned.push(vx);
        this.val = { x: vx.ptr, rows: data.validation.x.rows };
      }
      this.trainRows = trainRows;
      this.hasValidation = this.val !== null;
      perm = arena.alloc(trainRows * 4);
    } catch (error) {
      for (const r of this.owned) r.free();
      throw error;
    }
    this.perm = perm;
  }

  /** Orders the training rows for the coming epoch: a seeded shuffle keyed by the model's epoch count, or as given. */
  beginEpoch(model: Trainable, shuffle: boolean, first: boolean): void {
    const { arena, kernels } = getEngine();
    if (shuffle) {
      kernels.u32_permutation(this.perm, this.trainRows, model.seed, STREAM.shuffle, model.epochsTrained);
    } else if (first) {
      const view = arena.u32;
      for (let i = 0; i < this.trainRows; i++) view[(this.perm >>> 2) + i] = i;
    }
  }

  get epochSamples(): number {
    return this.trainRows;
  }

  *batches(model: Trainable, epoch: number, batchSize: number, shuffle: boolean): Generator<EpochBatch> {
    this.beginEpoch(model, shuffle, epoch === 0);
    for (let start = 0; start < this.trainRows; start += batchSize) {
      const rows = Math.min(batchSize, this.trainRows - start);
      yield { rows, tensor: () => this.batch(start, rows) };
    }
  }

  validate(model: Trainable, batchSize: number): LossParts | null {
    const val = this.val;
    return val ? meanLoss(model, val.x, val.rows, this.cols, Math.max(batchSize, 256)) : null;
  }

  /** Rows [start, start + rows) of this epoch's order, gathered into scratch. */
  batch(start: number, rows: number): Tensor {
    const { arena, kernels } = getEngine();
    const xb = new Tensor(arena.scratch(rows * this.cols * 4), [rows, this.cols]);
    kernels.f32_gather_rows(xb.ptr, this.x.ptr, this.perm + start * 4, rows, this.cols);
    return xb;
  }

  free(): void {
    getEngine().arena.free(this.perm);
    for (const r of this.owned) r.free();
  }
}

/**
 * What an update that diverges goes back to: the slab's "update" snapshot
 * (parameters and optimizer state from before the latest update) and the
 * counters that go with it; nothing until the first update of this fit.
 */
class UpdateSnapshot {
  private counters: { step: number; optimizerSteps: number } | null = null;
  constructor(private readonly model: Trainable) {}

  get taken(): boolean {
    return this.counters !== null;
  }

  /** The counters now; returns the block the coming optimizer step keeps the parameters and state in. */
  take(): number {
    this.counters = { step: this.model.step, optimizerSteps: this.model.optimizer.steps };
    return this.model.slab.snapshotBlock("update");
  }

  restore(): void {
    if (!this.counters) return;
    this.model.slab.restoreSnapshot("update");
    this.model.step = this.counters.step;
    this.model.optimizer.steps = this.counters.optimizerSteps;
  }
}

/**
 * One gradient step on the batch `xb` (its own target): loss, backward,
 * update. A non-finite loss or update puts back the snapshots and throws.
 */
function trainStep(model: Trainable, xb: Tensor, last: UpdateSnapshot, epoch: number, batch: number): LossParts {
  const tape = new Tape();
  model.states.snapshot();
  const result = model.batchLoss(xb, xb, { tape, training: true, seed: model.seed, step: model.step });
  if (!Number.isFinite(result.loss)) {
    // These weights are finite but give a non-finite loss (SGD can take
    // them to 1e38): go back to those of the last step whose loss was finite.
    model.states.restoreSnapshot();
    const which = last.taken ? "the weights before the previous update (the last with a finite loss) are restored" : "the weights given to fit are kept";
    last.restore();
    throw new DivergenceError(`fit: the loss became ${result.loss} at epoch ${epoch + 1}, step ${batch + 1}; ${which}`, epoch, batch);
  }
  tape.backward();
  model.slab.zeroGradsExcept((p) => tape.wrote(p));
  const keep = last.take();
  // A non-finite gradient shows up here too: it makes its parameter non-finite.
  if (model.optimizer.step(model.slab.regions, keep) >= 0) {
    last.restore();
    model.states.restoreSnapshot();
    throw new DivergenceError(`fit: the update at epoch ${epoch + 1}, step ${batch + 1} made the weights non-finite (is the learning rate too high?); the weights from before that update are restored`, epoch, batch);
  }
  model.step++;
  return result;
}

/** Yields to the event loop at most every `every` ms, checking the model and the signal after each wait. */
class Pacer {
  private last = now();
  constructor(private readonly every: number, private readonly model: Trainable, private readonly signal: AbortSignal | undefined) {}

  async afterBatch(): Promise<void> {
    assertLive(this.model);
    if (this.signal?.aborted) this.signal.throwIfAborted();
    if (now() - this.last > this.every) {
      await yieldToEventLoop();
      this.last = now();
      assertLive(this.model);
      this.signal?.throwIfAborted();
    }
  }
}

/** One pass over the training samples; resolves with the epoch's logs (mean loss parts, timings). */
async function trainEpoch(model: Trainable, samples: TrainingData, epoch: number, batchSize: number, last: UpdateSnapshot, pacer: Pacer, options: FitOptions): Promise<EpochLogs> {
  const { arena } = getEngine();
  const started = now();
  const sums: Record<string, number> = {};
  let seen = 0;
  let batch = 0;
  for await (const b of samples.batches(model, epoch, batchSize, options.shuffle !== false)) {
    const rows = b.rows;
    const parts = arena.scoped(() => trainStep(model, b.tensor(), last, epoch, batch));
    for (const key of Object.keys(parts)) sums[key] = (sums[key] ?? 0) + parts[key]! * rows;
    seen += rows;
    const elapsed = now() - started;
    const epochSamples = Math.max(samples.epochSamples, seen);
    await options.onBatchEnd?.(batch, { epoch, loss: sums.loss! / seen, samples: seen, epochSamples, samplesPerSecond: seen / Math.max(elapsed / 1000, 1e-9) });
    await pacer.afterBatch();
    batch++;
  }
  const trainRows = seen;
  model.epochsTrained++;
  const seconds = (now() - started) / 1000;
  const logs: EpochLogs = { loss: 0, seconds, samplesPerSecond: trainRows / Math.max(seconds, 1e-9) };
  for (const key of Object.keys(sums)) logs[key] = sums[key]! / trainRows;
  return logs;
}

/** Adds the validation loss parts to the epoch's logs (valLoss, valKl, …). */
async function validate(model: Trainable, samples: TrainingData, batchSize: number, logs: EpochLogs): Promise<void> {
  const v = await samples.validate(model, batchSize);
  if (!v) return;
  for (const key of Object.keys(v)) logs[`val${key[0]!.toUpperCase()}${key.slice(1)}`] = v[key]!;
}

/** Appends an epoch to the history: its loss parts, validation parts and learning rate. */
function record(history: History, epoch: number, logs: EpochLogs, model: Trainable): void {
  history.epoch.push(epoch);
  for (const key of Object.keys(logs)) {
    if (key === "seconds" || key === "samplesPerSecond" || key.startsWith("val")) continue;
    (history[key] ??= []).push(logs[key]!);
  }
  // The rate of the epoch's last step (a schedule's changes per step).
  (history.learningRate ??= []).push(model.optimizer.learningRate);
  for (const key of Object.keys(logs)) if (key.startsWith("val")) (history[key] ??= []).push(logs[key]!);
}

/** Early stopping as Keras's EarlyStopping: watches one quantity, keeps the best epoch's weights in the "best" snapshot. */
class EarlyStopper {
  private best = Infinity;
  private bestEpoch = -1;
  private waited = 0;
  constructor(private readonly settings: Stopping, private readonly monitor: "loss" | "valLoss", private readonly model: Trainable) {}

  /** True when training should stop after this epoch. */
  shouldStop(epoch: number, logs: EpochLogs): boolean {
    const value = this.monitor === "valLoss" ? logs.valLoss! : logs.loss;
    if (value < this.best - this.settings.minDelta) {
      this.best = value;
      this.bestEpoch = epoch;
      this.waited = 0;
      if (this.settings.restoreBestWeights) this.model.slab.snapshot("best");
      return false;
    }
    return ++this.waited >= this.settings.patience;
  }

  /** Puts back the best epoch's weights when asked to. */
  finish(): void {
    if (this.settings.restoreBestWeights && this.bestEpoch >= 0) this.model.slab.restoreSnapshot("best");
  }
}

/** Trains on data held in memory (FitData) or on a stream's batches (a TrainingData, which fitLoop frees). */
export async function fitLoop(model: Trainable, data: FitData | TrainingData, options: FitOptions = {}): Promise<History> {
  const { epochs, batchSize, split, stopping, yieldEvery, callbacks } = checkOptions(options);
  options = withProgress(options, epochs);
  const held = "x" in data;
  if (split > 0 && held && data.validation) throw new ConfigError("fit: give validationSplit or validation data, not both");
  if (split > 0 && !held) throw new ConfigError("fit: validationSplit needs x held in memory; with streamed x pass a validation stream as validationData");
  try {
    options.signal?.throwIfAborted();
    assertLive(model);
    assertTrainingNumerics(model);
  } catch (error) {
    if (!held) data.free();
    throw error;
  }

  const samples = held ? new FitSamples(data, split) : data;
  try {
    const monitor = stopping?.monitor ?? (samples.hasValidation ? "valLoss" : "loss");
    if (monitor === "valLoss" && stopping && !samples.hasValidation) throw new ConfigError("fit: early stopping on valLoss needs validationSplit or validation data");
    const stopper = stopping ? new EarlyStopper(stopping, monitor, model) : null;
    const last = new UpdateSnapshot(model);
    const pacer = new Pacer(yieldEvery, model, options.signal);
    const history: History = { epoch: [], loss: [], valLoss: [] };
    const state: TrainingState = { save: (o) => model.save(o), optimizer: model.optimizer, history, hasValidation: samples.hasValidation };
    for (const c of callbacks) await c.onTrainBegin?.(state);
    for (let epoch = 0; epoch < epochs; epoch++) {
      await options.onEpochBegin?.(epoch);
      assertLive(model);
      const logs = await trainEpoch(model, samples, epoch, batchSize, last, pacer, options);
      await validate(model, samples, batchSize, logs);
      record(history, epoch, logs, model);
      await options.onEpochEnd?.(epoch, logs);
      for (const c of callbacks) {
        assertLive(model);
        await c.onEpochEnd?.(epoch, logs, state);
      }
      assertLive(model);
      if (stopper?.shouldStop(epoch, logs)) break;
    }
    stopper?.finish();
    for (const c of callbacks) await c.onTrainEnd?.(state);
    return history;
  } finally {
    // dispose() already freed the slab's snapshots along with the slab.
    if (!model.isDisposed) model.slab.dropSnapshots();
    samples.free();
  }
}
