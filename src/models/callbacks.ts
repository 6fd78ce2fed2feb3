// Keras's callbacks for fit, camelCased: reduceLROnPlateau, modelCheckpoint
// and csvLogger, passed as `fit(x, { callbacks: [...] })`. Each is an object
// with the hooks the loop calls (onTrainBegin, onEpochEnd, onTrainEnd), and
// keeps what it produced (the best model's bytes, the CSV text) for runtimes
// without a file system. In Node and Deno a `path` also writes them to disk,
// through node:fs/promises imported at run time, so bundles stay portable.
import { ConfigError, describe } from "../errors.js";
import type { Optimizer } from "../optim/optimizer.js";
import type { EpochLogs, History } from "./fit-options.js";

/** What a callback sees of the training. */
export interface TrainingState {
  /** The model file as it is now, with the optimizer state unless `{ optimizer: false }`. */
  save(options?: { optimizer?: boolean }): Uint8Array;
  /** @internal The model's optimizer (reduceLROnPlateau sets its rate). */
  readonly optimizer: Optimizer;
  /** The history so far; the current epoch is already recorded in onEpochEnd. */
  readonly history: History;
  /** Whether this fit has validation data (so valLoss is in the logs). */
  readonly hasValidation: boolean;
}

/** A fit callback, as Keras's keras.callbacks.Callback; each hook may be async (training waits). */
export interface Callback {
  /** Called once before the first epoch. */
  onTrainBegin?(state: TrainingState): void | Promise<void>;
  /** Called after each epoch, with its logs (after onEpochEnd of the fit options). */
  onEpochEnd?(epoch: number, logs: EpochLogs, state: TrainingState): void | Promise<void>;
  /** Called once when training ends, also after early stopping (not when fit throws). */
  onTrainEnd?(state: TrainingState): void | Promise<void>;
}

/** Checks fit's `callbacks`: an array of objects whose hooks, where present, are functions. */
export function checkCallbacks(value: unknown): Callback[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ConfigError(`fit: expected callbacks to be an array, found ${describe(value)}`);
  value.forEach((c: unknown, i) => {
    if (typeof c !== "object" || c === null) throw new ConfigError(`fit: expected callbacks[${i}] to be an object with onTrainBegin, onEpochEnd or onTrainEnd, found ${describe(c)}`);
    for (const hook of ["onTrainBegin", "onEpochEnd", "onTrainEnd"] as const) {
      const f = (c as Record<string, unknown>)[hook];
      if (f !== undefined && typeof f !== "function") throw new ConfigError(`fit: expected callbacks[${i}].${hook} to be a function, found ${describe(f)}`);
    }
  });
  return value as Callback[];
}

/** Whether lower ("min") or higher ("max") values of the monitored quantity are better. */
export type MonitorMode = "min" | "max";

/** Settings every monitoring callback shares: the quantity, "min" or "max", and the default (valLoss with validation, else loss). */
function checkMonitor(where: string, monitor: unknown, mode: unknown): { monitor: string | null; mode: MonitorMode } {
  if (monitor !== undefined && (typeof monitor !== "string" || monitor.length === 0)) throw new ConfigError(`${where}: expected monitor to be the name of an epoch log such as "loss" or "valLoss", found ${describe(monitor)}`);
  if (mode !== undefined && mode !== "min" && mode !== "max") throw new ConfigError(`${where}: expected mode "min" or "max", found ${describe(mode)}`);
  return { monitor: (monitor as string | undefined) ?? null, mode: (mode as MonitorMode | undefined) ?? "min" };
}

function resolveMonitor(where: string, monitor: string | null, state: TrainingState): string {
  const name = monitor ?? (state.hasValidation ? "valLoss" : "loss");
  if (name.startsWith("val") && !state.hasValidation) throw new ConfigError(`${where}: monitor ${describe(name)} needs validationSplit or validation data`);
  return name;
}

/** The monitored value of an epoch; a name the logs lack is a ConfigError naming those they have. */
function monitored(where: string, name: string, logs: EpochLogs): number {
  const value = logs[name];
  if (typeof value !== "number") {
    const known = Object.keys(logs).filter((k) => k !== "seconds" && k !== "samplesPerSecond");
    throw new ConfigError(`${where}: monitor ${describe(name)} is not in the epoch's logs; found ${known.join(", ")}`);
  }
  return value;
}

function finiteAtLeast(where: string, name: string, value: unknown, fallback: number, min: number, strict = false): number {
  const v = value === undefined ? fallback : value;
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || (strict && v === min)) {
    throw new ConfigError(`${where}: expected ${name} to be a finite number ${strict ? ">" : ">="} ${min}, found ${describe(value)}`);
  }
  return v;
}

function integerAtLeast(where: string, name: string, value: unknown, fallback: number, min: number): number {
  const v = value === undefined ? fallback : value;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) throw new ConfigError(`${where}: expected ${name} to be an integer >= ${min}, found ${describe(value)}`);
  return v;
}

/** Options of reduceLROnPlateau, as Keras's ReduceLROnPlateau. */
export interface ReduceLROnPlateauOptions {
  /** Quantity watched. Default "valLoss" with validation data, else "loss". */
  monitor?: string;
  /** Multiplies the rate on a plateau: new = max(old · factor, minLr). Default 0.1. */
  factor?: number;
  /** Epochs without improvement before the rate is reduced. Default 10. */
  patience?: number;
  /** Smallest change that counts as an improvement. Default 1e-4. */
  minDelta?: number;
  /** Epochs after a reduction during which no improvement is awaited. Default 0. */
  cooldown?: number;
  /** The rate is never reduced below this. Default 0. */
  minLr?: number;
  /** "min": lower is better (losses; default); "max": higher is better. */
  mode?: MonitorMode;
}

/**
 * Keras's ReduceLROnPlateau: when the monitored quantity has not improved by
 * minDelta for `patience` epochs, the optimizer's rate becomes
 * max(rate · factor, minLr), then `cooldown` epochs pass before waiting again.
 * Needs a constant learningRate (not a schedule). The new rate applies from
 * the next epoch's first step, and the history's learningRate shows it.
 */
export function reduceLROnPlateau(options: ReduceLROnPlateauOptions = {}): Callback {
  const where = "reduceLROnPlateau";
  if (typeof options !== "object" || options === null) throw new ConfigError(`${where}: expected an options object, found ${describe(options)}`);
  const { monitor, mode } = checkMonitor(where, options.monitor, options.mode);
  const factor = finiteAtLeast(where, "factor", options.factor, 0.1, 0, true);
  if (factor >= 1) throw new ConfigError(`${where}: expected factor < 1 (a reduction), found ${describe(factor)}`);
  const patience = integerAtLeast(where, "patience", options.patience, 10, 0);
  const minDelta = finiteAtLeast(where, "minDelta", options.minDelta, 1e-4, 0);
  const cooldown = integerAtLeast(where, "cooldown", options.cooldown, 0, 0);
  const minLr = finiteAtLeast(where, "minLr", options.minLr, 0, 0);
  let name = "";
  let best = 0;
  let wait = 0;
  let cooling = 0;
  const better = (value: number) => (mode === "min" ? value < best - minDelta : value > best + minDelta);
  return {
    onTrainBegin(state) {
      name = resolveMonitor(where, monitor, state);
      if (typeof state.optimizer.config.learningRate !== "number") throw new ConfigError(`${where}: needs a constant learningRate, found a ${describe(state.optimizer.config.learningRate.schedule)} schedule`);
      best = mode === "min" ? Infinity : -Infinity;
      wait = 0;
      cooling = 0;
    },
    onEpochEnd(_epoch, logs, state) {
      const value = monitored(where, name, logs);
      if (cooling > 0) {
        cooling--;
        wait = 0;
      }
      if (better(value)) {
        best = value;
        wait = 0;
      } else if (cooling === 0 && ++wait >= patience) {
        // The rate of the next step (the one this epoch ended with, for a constant rate).
        const rate = state.optimizer.learningRateOverride ?? (state.optimizer.config.learningRate as number);
        if (rate > Math.fround(minLr)) {
          state.optimizer.setLearningRate(Math.max(rate * factor, minLr));
          cooling = cooldown;
          wait = 0;
        }
      }
    },
  };
}

/** node:fs/promises in Node, Deno and Bun; a ConfigError naming the option elsewhere. */
async function fileSystem(where: string): Promise<{
  writeFile(path: string, data: Uint8Array | string): Promise<void>;
  appendFile(path: string, data: string): Promise<void>;
  stat(path: string): Promise<{ size: number; isDirectory(): boolean }>;
}> {
  // Built at run time so bundlers leave this Node-only import alone (as src/wasm/module.ts).
  const name = ["node", "fs/promises"].join(":");
  try {
    return await import(/* @vite-ignore */ name);
  } catch {
    throw new ConfigError(`${where}: path needs a file system (Node, Deno or Bun); in this runtime leave path out and read the callback's bytes or text`);
  }
}

/** Fails before training when the path's directory does not exist. */
async function checkDirectory(where: string, path: string): Promise<void> {
  const fs = await fileSystem(where);
  const cut = path.lastIndexOf("/");
  const dir = cut < 0 ? "." : cut === 0 ? "/" : path.slice(0, cut);
  const stat = await fs.stat(dir).catch(() => null);
  if (!stat || !stat.isDirectory()) throw new ConfigError(`${where}: cannot write ${describe(path)}: the directory ${describe(dir)} does not exist`);
}

async function writing<T>(where: string, path: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new ConfigError(`${where}: cannot write ${describe(path)}: ${typeof code === "string" ? code : describe(String(error), 120)}`);
  }
}

function checkPath(where: string, path: unknown): string | null {
  if (path === undefined) return null;
  if (typeof path !== "string" || path.length === 0) throw new ConfigError(`${where}: expected path to be a file path, found ${describe(path)}`);
  return path;
}

/** Options of modelCheckpoint, as Keras's ModelCheckpoint. */
export interface ModelCheckpointOptions {
  /** Quantity watched with saveBestOnly. Default "valLoss" with validation data, else "loss". */
  monitor?: string;
  /** "min": lower is better (losses; default); "max": higher is better. */
  mode?: MonitorMode;
  /** Keep only a model better than every earlier epoch's (Keras save_best_only). Default false: every epoch's. */
  saveBestOnly?: boolean;
  /** Include the optimizer state, so training resumes bit for bit from the checkpoint. Default true. */
  includeOptimizer?: boolean;
  /** Node, Deno, Bun: also write the bytes to this file each time they are kept. Default: none (kept in memory only). */
  path?: string;
}

/** A checkpoint callback: the kept model file and the epoch and value it was kept at. */
export interface ModelCheckpoint extends Callback {
  /** The kept model file (`Autoencoder.load` / `VAE.load` restore it), or null before the first. */
  readonly bytes: Uint8Array | null;
  /** The 0-based epoch the bytes were kept after, or -1. */
  readonly epoch: number;
  /** The monitored value at that epoch (NaN without saveBestOnly). */
  readonly best: number;
}

/**
 * Keras's ModelCheckpoint: after each epoch (with saveBestOnly, only when the
 * monitored quantity beats every earlier epoch's) keeps the model file, with
 * the optimizer state and the step counters, so that loading it and training
 * on goes on exactly as an uninterrupted fit would (same bits: the seeded
 * shuffles and draws are keyed by the saved counters). The callback's own
 * state (the best value so far) starts afresh with each fit, as Keras's.
 */
export function modelCheckpoint(options: ModelCheckpointOptions = {}): ModelCheckpoint {
  const where = "modelCheckpoint";
  if (typeof options !== "object" || options === null) throw new ConfigError(`${where}: expected an options object, found ${describe(options)}`);
  const { monitor, mode } = checkMonitor(where, options.monitor, options.mode);
  for (const key of ["saveBestOnly", "includeOptimizer"] as const) {
    if (options[key] !== undefined && typeof options[key] !== "boolean") throw new ConfigError(`${where}: expected ${key} to be true or false, found ${describe(options[key])}`);
  }
  const path = checkPath(where, options.path);
  const bestOnly = options.saveBestOnly === true;
  let name = "";
  let sinceBegin = Infinity;
  const kept = { bytes: null as Uint8Array | null, epoch: -1, best: Number.NaN };
  const checkpoint: ModelCheckpoint = {
    get bytes() {
      return kept.bytes;
    },
    get epoch() {
      return kept.epoch;
    },
    get best() {
      return kept.best;
    },
    async onTrainBegin(state) {
      if (bestOnly) name = resolveMonitor(where, monitor, state);
      sinceBegin = mode === "min" ? Infinity : -Infinity;
      if (path !== null) await checkDirectory(where, path);
    },
    async onEpochEnd(epoch, logs, state) {
      let value = Number.NaN;
      if (bestOnly) {
        value = monitored(where, name, logs);
        if (!(mode === "min" ? value < sinceBegin : value > sinceBegin)) return;
        sinceBegin = value;
      }
      const bytes = state.save({ optimizer: options.includeOptimizer !== false });
      if (path !== null) {
        const fs = await fileSystem(where);
        await writing(where, path, () => fs.writeFile(path, bytes));
      }
      Object.assign(kept, { bytes, epoch, best: value });
    },
  };
  return checkpoint;
}

/** Options of csvLogger, as Keras's CSVLogger. */
export interface CsvLoggerOptions {
  /** Node, Deno, Bun: also write the log to this file, a line per epoch as it ends. Default: none (kept in memory only). */
  path?: string;
  /** Between fields. Default ",". */
  separator?: string;
  /** Add to an existing file (no second header) instead of replacing it. Default false. */
  append?: boolean;
}

/** A CSV logger: the text written so far. */
export interface CsvLogger extends Callback {
  /** The header line and one line per epoch, each ending in "\n". */
  readonly text: string;
}

/**
 * Keras's CSVLogger: the history as CSV, a line per epoch. Columns: epoch
 * (0-based, as Keras), loss, valLoss (with validation), learningRate, then the
 * other history entries (loss parts and their val twins) in the history's
 * order. Numbers are written as JavaScript prints them (the shortest text
 * that reads back to the same double). Timings are left out, so the same fit
 * writes the same file.
 */
export function csvLogger(options: CsvLoggerOptions = {}): CsvLogger {
  const where = "csvLogger";
  if (typeof options !== "object" || options === null) throw new ConfigError(`${where}: expected an options object, found ${describe(options)}`);
  const path = checkPath(where, options.path);
  const separator = options.separator ?? ",";
  if (typeof separator !== "string" || separator.length === 0 || /[\r\n"]/.test(separator)) throw new ConfigError(`${where}: expected separator to be a non-empty string without quotes or line breaks, found ${describe(options.separator)}`);
  if (options.append !== undefined && typeof options.append !== "boolean") throw new ConfigError(`${where}: expected append to be true or false, found ${describe(options.append)}`);
  let text = "";
  let columns: string[] | null = null;
  let headerDue = true;
  const emit = async (line: string) => {
    text += line;
    if (path === null) return;
    const fs = await fileSystem(where);
    await writing(where, path, () => fs.appendFile(path, line));
  };
  return {
    get text() {
      return text;
    },
    async onTrainBegin() {
      text = "";
      columns = null;
      headerDue = true;
      if (path === null) return;
      const fs = await fileSystem(where);
      await checkDirectory(where, path);
      const existing = options.append ? await fs.stat(path).catch(() => null) : null;
      if (existing && existing.size > 0) headerDue = false;
      else await writing(where, path, () => fs.writeFile(path, ""));
    },
    async onEpochEnd(epoch, _logs, state) {
      const h = state.history;
      if (columns === null) {
        const first = ["loss", "valLoss", "learningRate"].filter((k) => k !== "valLoss" || state.hasValidation);
        columns = [...first, ...Object.keys(h).filter((k) => k !== "epoch" && !first.includes(k) && (k !== "valLoss" || state.hasValidation))];
        if (headerDue) await emit(["epoch", ...columns].join(separator) + "\n");
      }
      const at = h.epoch.length - 1;
      await emit([String(epoch), ...columns.map((k) => String(h[k]?.[at] ?? ""))].join(separator) + "\n");
    },
  };
}
