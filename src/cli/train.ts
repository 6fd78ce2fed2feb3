/// <reference types="node" />
// `autoencoders train <data> --out model.aenc`: trains one of the estimators
// on a data file and saves it, scaler included, so the other commands apply
// the same preprocessing.
import { AnomalyDetector } from "../apps/anomaly-detector.js";
import { Denoiser } from "../apps/denoiser.js";
import { ESTIMATOR_FIT_DEFAULTS, type EstimatorTrainingOptions, type ScalerKind } from "../apps/estimator.js";
import { Generator } from "../apps/generator.js";
import { Reducer } from "../apps/reducer.js";
import { DataError, DivergenceError, ShapeError } from "../errors.js";
import type { TensorData } from "../models/data.js";
import { csvLogger } from "../models/callbacks.js";
import type { EarlyStoppingOptions, FitOptions, History } from "../models/fit.js";
import type { NoiseConfig } from "../ops/corrupt.js";
import { init } from "../wasm/module.js";
import { COLUMNS_FLAG, parseColumns, positionalsOf, UsageError, type CommandSpec, type ParsedArgs } from "./args.js";
import type { StreamedSamples } from "../apps/estimator.js";
import {
  checkWritable, DATA_FORMATS_HELP, fileSize, FileError, readData, rowRange, scanBlocks, streamable, streamBlocks, STREAM_THRESHOLD_BYTES, writeBytes, writeStdout,
} from "./data.js";
import { ProgressBar } from "./progress.js";
import { sizeOf } from "../shape.js";

const KINDS = ["autoencoder", "denoiser", "vae", "detector"] as const;
const STREAMED_KINDS: readonly string[] = ["autoencoder", "denoiser"];
const SHUFFLE_BUFFER = 10_000;

/** Training whose mean loss reaches this multiple of the first batch's (the untrained model's) has run away. */
const DIVERGENCE_GROWTH = 1000;
type Kind = (typeof KINDS)[number];

export const TRAIN: CommandSpec = {
  name: "train",
  summary: "Train a model on a data file and save it (with its scaling) to a model file.",
  positionals: [{ name: "data", help: "Training samples: .csv, .npy or IDX." }],
  flags: [
    { name: "out", type: "string", value: "FILE", help: "Where to write the model file (required), e.g. model.aenc." },
    {
      name: "kind",
      type: "string",
      value: "KIND",
      default: "autoencoder",
      help: "autoencoder (a Reducer: codes and reconstructions), denoiser (trained on corrupted copies), vae (a generator), detector (an AnomalyDetector with a threshold).",
    },
    { name: "code", type: "int", value: "N", default: "2 for autoencoder, 8 for vae, from the input size for denoiser and detector", help: "Width of the code (latent size for vae)." },
    { name: "hidden", type: "ints", value: "W,W", default: "powers of two from the input size down to the code, e.g. 256,64 for 784 inputs", help: "Encoder hidden layer widths; the decoder mirrors them." },
    { name: "epochs", type: "int", value: "N", default: String(ESTIMATOR_FIT_DEFAULTS.epochs), help: "Most passes over the data (early stopping may end sooner)." },
    { name: "batch-size", type: "int", value: "N", default: String(ESTIMATOR_FIT_DEFAULTS.batchSize), help: "Samples per gradient step." },
    { name: "learning-rate", type: "number", value: "X", default: "0.001", help: "Adam's step size." },
    { name: "seed", type: "int", value: "N", min: 0, default: "0", help: "Seeds initialization, shuffling and noise: the same seed and data give the same model." },
    { name: "scale", type: "string", value: "HOW", default: "robust for detector (none for data in [0, 1]), auto otherwise", help: "Per-feature scaling saved in the model: auto (none for data in [0, 1], else standard), none, minmax, standard or robust (median and IQR; not for vae)." },
    { name: "noise", type: "string", value: "TYPE:X", default: "gaussian:0.2", help: "Denoiser corruption: gaussian:STDDEV, mask:RATE or salt-pepper:RATE." },
    {
      name: "contamination",
      type: "number",
      value: "C",
      default: "auto: the threshold is median + 3.5·MAD/0.6745 of the training scores",
      help: "Detector: expected share of anomalies in the training data, in (0, 0.5]; sets the threshold at the (1 − C) quantile of the training scores.",
    },
    { name: "validation-split", type: "number", value: "F", default: "0.1 (0 below 10 samples)", help: "Share of the samples, from the end, held out to watch for overfitting." },
    { name: "patience", type: "int", value: "N", min: 0, default: String(ESTIMATOR_FIT_DEFAULTS.patience), help: "Stop after N epochs without improvement (validation loss, else training loss) and keep the best weights; 0 trains every epoch." },
    COLUMNS_FLAG,
    {
      name: "stream",
      type: "boolean",
      help: `Read the data a chunk at a time instead of whole (.csv and .npy; --kind autoencoder or denoiser, unscaled). Files over ${STREAM_THRESHOLD_BYTES / 2 ** 20} MiB stream anyway.`,
    },
    { name: "shuffle-buffer", type: "int", value: "N", min: 0, default: String(SHUFFLE_BUFFER), help: "Streamed data: samples held for the seeded shuffle (0 keeps the file's order)." },
    { name: "csv-log", type: "string", value: "FILE", help: "Also write the history as CSV, a line per epoch as it ends (Keras CSVLogger): epoch,loss,valLoss,learningRate,…" },
    { name: "no-optimizer-state", type: "boolean", help: "Leave Adam's moments out of the model file (smaller; training cannot resume exactly where it stopped)." },
    { name: "quiet", type: "boolean", help: "No progress output (the summary line is still printed)." },
  ],
  notes: [
    DATA_FORMATS_HELP,
    "Progress goes to stderr: a live bar on a terminal, one line per epoch otherwise. A one-line summary goes to stdout.",
    `A loss that grows to ${DIVERGENCE_GROWTH}× the first batch's stops the run with exit code 1 and no model file (try a smaller --learning-rate or --scale standard).`,
  ],
  examples: [
    "autoencoders train data.csv --out model.aenc --code 4 --epochs 50",
    "autoencoders train normal.csv --kind detector --contamination 0.05 --out detector.aenc",
    "autoencoders train train-images-idx3-ubyte --kind vae --code 16 --out vae.aenc",
  ],
};

interface TrainSettings {
  kind: Kind;
  out: string;
  code: number | undefined;
  hidden: number[] | undefined;
  learningRate: number | undefined;
  seed: number;
  scale: ScalerKind | undefined;
  noise: NoiseConfig | undefined;
  contamination: number | undefined;
  columns: (string | number)[] | undefined;
  optimizerState: boolean;
  csvLog: string | undefined;
  fit: FitOptions;
}

function settingsOf(args: ParsedArgs): TrainSettings {
  const flag = <T>(name: string) => args.flags.get(name) as T | undefined;
  const kind = flag<string>("kind") ?? "autoencoder";
  if (!(KINDS as readonly string[]).includes(kind)) throw new UsageError(`train: --kind: expected ${KINDS.join(", ")}, found ${JSON.stringify(kind)}`);
  const out = flag<string>("out");
  if (out === undefined) throw new UsageError("train: missing --out FILE, where to write the model (e.g. --out model.aenc)");
  const only = (name: string, kinds: Kind[]) => {
    if (args.flags.has(name) && !kinds.includes(kind as Kind)) throw new UsageError(`train: --${name} applies to --kind ${kinds.join(" or ")}, not ${kind}`);
  };
  only("noise", ["denoiser"]);
  only("contamination", ["detector"]);
  const scale = flag<string>("scale");
  if (scale !== undefined && !["auto", "none", "minmax", "standard", "robust"].includes(scale)) throw new UsageError(`train: --scale: expected auto, none, minmax, standard or robust, found ${JSON.stringify(scale)}`);
  if (kind === "vae" && scale !== undefined && scale !== "none") {
    throw new UsageError("train: --scale: a vae model file holds no scaler; scale the data beforehand (values in [0, 1] train a Bernoulli decoder) or pass --scale none");
  }
  const contamination = flag<number>("contamination");
  if (contamination !== undefined && !(contamination > 0 && contamination <= 0.5)) throw new UsageError(`train: --contamination: expected a number in (0, 0.5], found ${contamination}`);
  const split = flag<number>("validation-split");
  if (split !== undefined && !(split >= 0 && split < 1)) throw new UsageError(`train: --validation-split: expected a number in [0, 1), found ${split}`);
  const learningRate = flag<number>("learning-rate");
  if (learningRate !== undefined && !(learningRate > 0)) throw new UsageError(`train: --learning-rate: expected a number > 0, found ${learningRate}`);
  const noise = flag<string>("noise");
  const patience = flag<number>("patience") ?? ESTIMATOR_FIT_DEFAULTS.patience;
  return {
    kind: kind as Kind,
    out,
    code: flag<number>("code"),
    hidden: flag<number[]>("hidden"),
    learningRate,
    seed: flag<number>("seed") ?? 0,
    scale: scale as ScalerKind | undefined,
    noise: noise === undefined ? undefined : parseNoise(noise),
    contamination,
    columns: columnsOf(flag<string>("columns")),
    optimizerState: flag<boolean>("no-optimizer-state") !== true,
    csvLog: flag<string>("csv-log"),
    fit: {
      epochs: flag<number>("epochs") ?? ESTIMATOR_FIT_DEFAULTS.epochs,
      batchSize: flag<number>("batch-size") ?? ESTIMATOR_FIT_DEFAULTS.batchSize,
      validationSplit: split,
      earlyStopping: patience === 0 ? false : { patience },
    },
  };
}

/** "gaussian:0.3", "mask:0.2", "salt-pepper:0.1" → a NoiseConfig. */
export function parseNoise(text: string): NoiseConfig {
  const match = /^(gaussian|mask|salt-pepper|saltpepper):(.+)$/i.exec(text.trim());
  const value = Number(match?.[2]);
  if (!match || !Number.isFinite(value) || value < 0) {
    throw new UsageError(`train: --noise: expected gaussian:STDDEV, mask:RATE or salt-pepper:RATE (e.g. gaussian:0.3), found ${JSON.stringify(text)}`);
  }
  const type = match[1]!.toLowerCase();
  if (type === "gaussian") return { type: "gaussian", stddev: value };
  if (!(value < 1)) throw new UsageError(`train: --noise: expected a rate in [0, 1), found ${value}`);
  return type === "mask" ? { type: "mask", rate: value } : { type: "saltPepper", rate: value };
}

/** The validation split and early stopping the estimators would pick, made explicit (the Generator and the estimators differ in small data). */
function fitFor(settings: TrainSettings, rows: number): FitOptions {
  const split = settings.fit.validationSplit ?? (Math.floor(rows * ESTIMATOR_FIT_DEFAULTS.validationSplit) >= 1 ? ESTIMATOR_FIT_DEFAULTS.validationSplit : 0);
  const stopping = settings.fit.earlyStopping;
  const earlyStopping = stopping === false ? false : { ...(stopping as EarlyStoppingOptions), monitor: split > 0 ? ("valLoss" as const) : ("loss" as const) };
  return { ...settings.fit, validationSplit: split, earlyStopping };
}

interface Trained {
  history: History;
  bytes: Uint8Array;
}

async function fitAndSave(settings: TrainSettings, x: TensorData | StreamedSamples, fit: FitOptions): Promise<Trained> {
  const training: EstimatorTrainingOptions = { ...fit, seed: settings.seed };
  if (settings.learningRate !== undefined) training.learningRate = settings.learningRate;
  if (settings.hidden !== undefined) training.hiddenSizes = settings.hidden;
  const scaler = settings.scale;
  const save = { optimizer: settings.optimizerState };
  switch (settings.kind) {
    case "autoencoder": {
      const reducer = new Reducer({ ...training, ...(settings.code === undefined ? {} : { codeSize: settings.code }), ...(scaler ? { scaler } : {}) });
      try {
        await reducer.fit(x);
        return { history: reducer.history!, bytes: reducer.save(save) };
      } finally {
        reducer.dispose();
      }
    }
    case "denoiser": {
      const denoiser = new Denoiser({
        ...training,
        ...(settings.code === undefined ? {} : { codeSize: settings.code }),
        ...(scaler ? { scaler } : {}),
        ...(settings.noise ? { noise: settings.noise } : {}),
      });
      try {
        await denoiser.fit(x);
        return { history: denoiser.history!, bytes: denoiser.save(save) };
      } finally {
        denoiser.dispose();
      }
    }
    case "detector": {
      const detector = new AnomalyDetector({
        ...training,
        ...(settings.code === undefined ? {} : { codeSize: settings.code }),
        ...(scaler ? { scaler } : {}),
        contamination: settings.contamination ?? "auto",
      });
      try {
        await detector.fit(x as TensorData);
        return { history: detector.history!, bytes: detector.save(save) };
      } finally {
        detector.dispose();
      }
    }
    case "vae": {
      const latent = settings.code ?? 8;
      const generator = new Generator({
        ...fit,
        seed: settings.seed,
        latent,
        ...(settings.hidden ? { hiddenSizes: settings.hidden } : {}),
        ...(settings.learningRate === undefined ? {} : { learningRate: settings.learningRate }),
      });
      try {
        await generator.fit(x as TensorData);
        return { history: generator.history!, bytes: generator.save(save) };
      } finally {
        generator.dispose();
      }
    }
  }
}

/** Whether to stream: asked for with --stream, or a file over the threshold; refused where streaming cannot serve. */
async function streamsFile(args: ParsedArgs, settings: TrainSettings, path: string): Promise<boolean> {
  const asked = args.flags.get("stream") === true;
  const size = (await fileSize(path)) ?? 0;
  if (!asked && size <= STREAM_THRESHOLD_BYTES) {
    if (args.flags.has("shuffle-buffer")) throw new UsageError("train: --shuffle-buffer applies to streamed data (--stream, or a file over the threshold)");
    return false;
  }
  const why = asked ? "--stream" : `the file is over ${STREAM_THRESHOLD_BYTES / 2 ** 20} MiB (${(size / 2 ** 20).toFixed(0)} MiB), so it streams`;
  const unstreamable = streamable(path);
  if (unstreamable !== null) {
    if (!asked) return false;
    throw new UsageError(`train: --stream: ${unstreamable}`);
  }
  if (!STREAMED_KINDS.includes(settings.kind)) throw new UsageError(`train: ${why}, which --kind ${STREAMED_KINDS.join(" and ")} support, not ${settings.kind}`);
  if (settings.scale !== undefined && settings.scale !== "none") {
    throw new UsageError(`train: ${why}, and streamed data trains unscaled: scale it beforehand (--scale none)`);
  }
  return true;
}

interface TrainingData {
  x: TensorData | StreamedSamples;
  rows: number;
  features: number;
  fit: FitOptions;
  /** Samples per epoch when streamed (fit learns it only at the end of its first epoch); 0 when held. */
  trainRows: number;
}

/** The data to train on: held in memory, or streamed with its training rows and validation rows (from the end) apart. */
async function trainingData(args: ParsedArgs, settings: TrainSettings, path: string): Promise<TrainingData> {
  const read = settings.columns === undefined ? {} : { columns: settings.columns };
  if (!(await streamsFile(args, settings, path))) {
    const x = await readData(path, read);
    const rows = x.shape[0]!;
    return { x, rows, features: sizeOf(x.shape.slice(1)), fit: fitFor(settings, rows), trainRows: 0 };
  }
  const blocks = streamBlocks(path, read);
  // A first pass counts the rows (for the split) and finds whether the values lie in [0, 1], as for data held.
  const scan = await scanBlocks(path, blocks);
  const fit = fitFor(settings, scan.rows);
  const valRows = Math.floor(scan.rows * (fit.validationSplit ?? 0));
  if (fit.validationSplit && (valRows < 1 || valRows >= scan.rows)) {
    throw new UsageError(`train: --validation-split ${fit.validationSplit} of ${scan.rows} samples leaves ${valRows} for validation; each side needs at least one`);
  }
  if (!scan.unitInterval && settings.scale === undefined) {
    throw new UsageError(`train: ${path} streams and holds values outside [0, 1], which the default scaling would standardize; streamed data trains unscaled: scale it beforehand, or pass --scale none`);
  }
  const trainRows = scan.rows - valRows;
  const x: StreamedSamples = {
    stream: rowRange(blocks, 0, trainRows),
    sampleShape: scan.sampleShape,
    unitInterval: scan.unitInterval,
    shuffleBuffer: (args.flags.get("shuffle-buffer") as number | undefined) ?? SHUFFLE_BUFFER,
    ...(valRows > 0 ? { validationData: rowRange(blocks, trainRows, scan.rows) } : {}),
  };
  return { x, rows: scan.rows, features: sizeOf(scan.sampleShape), fit: { ...fit, validationSplit: undefined }, trainRows };
}

export async function train(args: ParsedArgs): Promise<void> {
  const [dataPath] = positionalsOf(TRAIN, args) as [string];
  const settings = settingsOf(args);
  await checkWritable(settings.out);
  if (settings.csvLog !== undefined) await checkWritable(settings.csvLog, "--csv-log");
  const { x, rows, features, fit, trainRows } = await trainingData(args, settings, dataPath);
  await init();
  if (settings.csvLog !== undefined) fit.callbacks = [csvLogger({ path: settings.csvLog })];
  const bar = args.flags.get("quiet") === true ? null : new ProgressBar(settings.kind, fit.epochs!);
  let epochSamples = 0;
  let firstLoss: number | undefined;
  fit.onBatchEnd = (batch, logs) => {
    epochSamples = Math.max(logs.epochSamples, trainRows);
    firstLoss ??= logs.loss;
    bar?.update(logs.epoch, logs.samples, epochSamples, logs.loss, logs.samplesPerSecond);
    if (firstLoss > 0 && logs.loss >= DIVERGENCE_GROWTH * firstLoss) {
      bar?.epochDone(logs.epoch, logs.samples, logs.loss, logs.samplesPerSecond, undefined);
      throw new DivergenceError(
        `training diverged: the mean loss grew from ${firstLoss.toPrecision(4)} (first batch) to ${logs.loss.toPrecision(4)} at epoch ${logs.epoch + 1}, ` +
          `over ${DIVERGENCE_GROWTH}×; no model written (try a smaller --learning-rate${settings.scale === undefined ? " or --scale standard" : ""})`,
        logs.epoch,
        batch,
      );
    }
  };
  if (bar) fit.onEpochEnd = (epoch, logs) => bar.epochDone(epoch, epochSamples, logs.loss, logs.samplesPerSecond, logs.valLoss);
  let trained: Trained;
  try {
    trained = await fitAndSave(settings, x, fit);
  } catch (error) {
    // Bad values in the data are the file's fault: name it.
    if (error instanceof DataError || error instanceof ShapeError) throw new FileError(`${dataPath}: ${error.message}`);
    throw error;
  }
  await writeBytes(settings.out, trained.bytes);
  const restored = fit.earlyStopping !== false;
  await writeStdout(`${summary(settings.kind, rows, features, trained.history, restored, settings.out, trained.bytes.length)}\n`);
}

/** The summary line: the epoch whose weights were saved and its loss (the best one when early stopping restored it). */
function summary(kind: Kind, rows: number, features: number, history: History, restored: boolean, out: string, size: number): string {
  const epochs = history.epoch.length;
  const monitored = history.valLoss.length === epochs && epochs > 0 ? history.valLoss : history.loss;
  const best = monitored.indexOf(Math.min(...monitored));
  const kept = restored && best >= 0 ? best : epochs - 1;
  const lossText = (i: number) => `loss ${history.loss[i]?.toFixed(4) ?? "-"}${history.valLoss[i] === undefined ? "" : ` (val ${history.valLoss[i]!.toFixed(4)})`}`;
  const parts = [`trained ${kind} on ${rows} samples × ${features} features`, `${epochs} epoch${epochs === 1 ? "" : "s"}`];
  if (kept !== epochs - 1) parts.push(`best epoch ${kept + 1} kept: ${lossText(kept)}`, `last epoch ${lossText(epochs - 1)}`);
  else parts.push(`final ${lossText(kept)}`);
  return `${parts.join(", ")} → ${out} (${kB(size)})`;
}

/** --columns: names or 0-based indices, comma-separated. */
function columnsOf(text: string | undefined): (string | number)[] | undefined {
  return text === undefined ? undefined : parseColumns("train", text);
}

const kB = (bytes: number): string => (bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} kB`);
