// The commands that use a trained model: score, encode, reconstruct, generate.
import { percentile } from "../apps/metrics.js";
import type { TensorData } from "../models/data.js";
import { COLUMNS_FLAG, parseColumns, positionalsOf, UsageError, type CommandSpec, type FlagSpec, type ParsedArgs } from "./args.js";
import { checkWritable, DATA_FORMATS_HELP, FileError, outputFormat, readData, writeStdout, writeTensor, type ReadDataOptions } from "./data.js";
import { loadModel, samplesFor, type LoadedModel } from "./model.js";
import { shapeText, sizeOf } from "../shape.js";

const MODEL_ARG = { name: "model", help: "A model file from `autoencoders train` (or Autoencoder/VAE save() bytes)." };
const DATA_ARG = { name: "data", help: "Samples with as many values each as the model's input: .csv, .npy or IDX." };
const OUT_FLAG = (what: string): FlagSpec => ({ name: "out", type: "string", value: "FILE", default: "CSV on stdout", help: `Where to write the ${what}: .csv (a header line, one row per sample) or .npy.` });
const MODEL_KINDS_NOTE = "The model's kind (autoencoder, denoiser, vae, detector, or a plain Autoencoder/VAE file) is read from the file.";

export const SCORE: CommandSpec = {
  name: "score",
  summary: "Anomaly scores: each sample's mean squared reconstruction error (higher = more unusual), with 0/1 labels when there is a threshold.",
  positionals: [MODEL_ARG, DATA_ARG],
  flags: [
    { ...OUT_FLAG("scores"), help: "Where to write the scores: .csv (columns score,label, or score alone without a threshold; then the --top columns) or .npy ([N], or [N, columns])." },
    { name: "threshold", type: "number", value: "X", default: "a detector's own threshold; none for other models", help: "Label 1 the samples scoring above X." },
    {
      name: "contamination",
      type: "number",
      value: "C",
      help: "Label 1 about the top C share, in (0, 0.5]: the threshold is the (1 − C) quantile of a detector's training scores, or of these scores for other models.",
    },
    {
      name: "top",
      type: "int",
      value: "K",
      help: "Detector: also write, per sample, the K features with the largest shares of its reconstruction error (explain()): columns feature1, share1, … featureK, shareK, a feature as its 0-based column.",
    },

    COLUMNS_FLAG,
  ],
  notes: [
    "Scores are in the units the model sees: after the scaler saved in the model file (a detector's decision function).",
    MODEL_KINDS_NOTE,
    DATA_FORMATS_HELP,
  ],
  examples: [
    "autoencoders score detector.aenc new.csv --out scores.csv",
    "autoencoders score detector.aenc new.csv --top 3 --out scores.csv",
    "autoencoders score model.aenc data.npy --contamination 0.05",
  ],
};

export const ENCODE: CommandSpec = {
  name: "encode",
  summary: "Codes of the samples: the encoder's output (the mean μ for a vae).",
  positionals: [MODEL_ARG, DATA_ARG],
  flags: [OUT_FLAG("codes"), COLUMNS_FLAG],
  notes: ["CSV columns are named c0, c1, …", MODEL_KINDS_NOTE, DATA_FORMATS_HELP],
  examples: ["autoencoders encode model.aenc data.csv --out codes.csv", "autoencoders encode model.aenc images.npy --out codes.npy"],
};

export const RECONSTRUCT: CommandSpec = {
  name: "reconstruct",
  summary: "Reconstructions of the samples, in the data's own units (the cleaned samples for a denoiser).",
  positionals: [MODEL_ARG, DATA_ARG],
  flags: [OUT_FLAG("reconstructions"), COLUMNS_FLAG],
  notes: ["CSV rows hold each sample flattened, columns c0, c1, …; .npy keeps the sample shape.", MODEL_KINDS_NOTE, DATA_FORMATS_HELP],
  examples: ["autoencoders reconstruct denoiser.aenc noisy.csv --out clean.csv"],
};

export const GENERATE: CommandSpec = {
  name: "generate",
  summary: "New samples from a vae model: codes drawn from N(0, I), decoded.",
  positionals: [MODEL_ARG],
  flags: [
    { name: "n", type: "int", value: "N", default: "16", help: "How many samples." },
    OUT_FLAG("samples"),
    { name: "seed", type: "int", value: "N", min: 0, default: "the model's first draw", help: "Which draw: the same seed gives the same samples." },
  ],
  notes: ["Needs a model trained with --kind vae (or a saved VAE)."],
  examples: ["autoencoders generate vae.aenc --n 64 --seed 1 --out samples.npy"],
};

async function withModel<T>(path: string, use: (model: LoadedModel) => Promise<T>): Promise<T> {
  const model = await loadModel(path);
  try {
    return await use(model);
  } finally {
    model.dispose();
  }
}

/** A line on stdout about what was written, only when the output went to a file. */
async function report(out: string | undefined, text: string): Promise<void> {
  if (out !== undefined) await writeStdout(`${text} → ${out}\n`);
}

/** --out, checked before any work: its extension picks the writer, and its directory must be writable. */
async function checkOut(command: string, args: ParsedArgs): Promise<string | undefined> {
  const out = args.flags.get("out") as string | undefined;
  if (out === undefined) return out;
  if (!/\.(csv|npy)$/i.test(out)) throw new UsageError(`${command}: --out: expected a file name ending in .csv or .npy, found ${JSON.stringify(out)}`);
  await checkWritable(out);
  return out;
}

/** --columns, for the data file. */
function readOptions(command: string, args: ParsedArgs): ReadDataOptions {
  const columns = args.flags.get("columns") as string | undefined;
  return columns === undefined ? {} : { columns: parseColumns(command, columns) };
}

export async function score(args: ParsedArgs): Promise<void> {
  const [modelPath, dataPath] = positionalsOf(SCORE, args) as [string, string];
  const out = await checkOut("score", args);
  const given = args.flags.get("threshold") as number | undefined;
  const contamination = args.flags.get("contamination") as number | undefined;
  const top = args.flags.get("top") as number | undefined;
  if (given !== undefined && contamination !== undefined) throw new UsageError("score: give --threshold or --contamination, not both");
  if (contamination !== undefined && !(contamination > 0 && contamination <= 0.5)) {
    throw new UsageError(`score: --contamination: expected a number in (0, 0.5], found ${contamination}`);
  }
  const x = await readData(dataPath, readOptions("score", args));
  await withModel(modelPath, async (model) => {
    if (top !== undefined && !model.detector) throw new UsageError(`score: --top needs a detector (train one with --kind detector), found ${model.description}`);
    const samples = samplesFor(model, x, dataPath);
    const scores = model.scores(samples);
    let threshold = given ?? model.detector?.threshold;
    let source = given !== undefined ? "given" : "the detector's";
    if (contamination !== undefined) {
      const reference = model.detector?.trainingScores ?? scores;
      threshold = percentile(reference, 100 * (1 - contamination));
      source = `the ${1 - contamination} quantile of ${model.detector ? "the training scores" : "these scores"}`;
    }
    const n = scores.length;
    const columns: { name: string; values: ArrayLike<number> }[] = [{ name: "score", values: scores }];
    let above = 0;
    if (threshold !== undefined) {
      const cut = threshold;
      // A NaN score is never labelled normal (as the detector's predict).
      const labels = Uint8Array.from(scores, (s) => (s > cut || s !== s ? 1 : 0));
      for (const label of labels) above += label;
      columns.push({ name: "label", values: labels });
    }
    if (top !== undefined) columns.push(...topFeatures(model.detector!.explain(samples), Math.min(top, sizeOf(model.sampleShape))));
    await writeTensor(out, columnsTensor(columns, n), columns.map((c) => c.name));
    const labelled = threshold === undefined ? "" : `: ${above} above the threshold ${threshold.toPrecision(6)} (${source})`;
    await report(out, `scored ${n} samples with ${model.description}${labelled}`);
  });
}

/**
 * Per sample, the k features of the largest shares in descending order (ties
 * by the lower column), as columns feature1, share1, … featureK, shareK.
 */
function topFeatures(shares: TensorData, k: number): { name: string; values: Float32Array }[] {
  const rows = shares.shape[0]!;
  const cols = shares.data.length / Math.max(1, rows);
  const out = Array.from({ length: 2 * k }, (_, c) => ({ name: `${c % 2 ? "share" : "feature"}${(c >> 1) + 1}`, values: new Float32Array(rows) }));
  const order = new Int32Array(cols);
  for (let i = 0; i < rows; i++) {
    const row = shares.data.subarray(i * cols, (i + 1) * cols);
    for (let j = 0; j < cols; j++) order[j] = j;
    // NaN shares (a non-finite error) sort last.
    order.sort((a, b) => (row[b]! > row[a]! || row[a] !== row[a] ? 1 : row[b]! < row[a]! || row[b] !== row[b] ? -1 : a - b));
    for (let r = 0; r < k; r++) {
      out[2 * r]!.values[i] = order[r]!;
      out[2 * r + 1]!.values[i] = row[order[r]!]!;
    }
  }
  return out;
}

/** [N, columns] row-major from per-column values. */
function columnsTensor(columns: readonly { values: ArrayLike<number> }[], n: number): TensorData {
  const width = columns.length;
  const data = new Float32Array(n * width);
  columns.forEach(({ values }, c) => {
    for (let i = 0; i < n; i++) data[i * width + c] = values[i]!;
  });
  return { data, shape: width === 1 ? [n] : [n, width] };
}

export async function encode(args: ParsedArgs): Promise<void> {
  const [modelPath, dataPath] = positionalsOf(ENCODE, args) as [string, string];
  const out = await checkOut("encode", args);
  const x = await readData(dataPath, readOptions("encode", args));
  await withModel(modelPath, async (model) => {
    const codes = model.encode(samplesFor(model, x, dataPath));
    await writeTensor(out, forOutput(out, codes));
    await report(out, `encoded ${codes.shape[0]} samples to codes of ${codes.data.length / codes.shape[0]!} values`);
  });
}

export async function reconstruct(args: ParsedArgs): Promise<void> {
  const [modelPath, dataPath] = positionalsOf(RECONSTRUCT, args) as [string, string];
  const out = await checkOut("reconstruct", args);
  const x = await readData(dataPath, readOptions("reconstruct", args));
  await withModel(modelPath, async (model) => {
    const result = model.reconstruct(samplesFor(model, x, dataPath));
    await writeTensor(out, forOutput(out, result));
    await report(out, `reconstructed ${result.shape[0]} samples of shape ${shapeText(result.shape.slice(1))}`);
  });
}

export async function generate(args: ParsedArgs): Promise<void> {
  const [modelPath] = positionalsOf(GENERATE, args) as [string];
  const out = await checkOut("generate", args);
  const n = (args.flags.get("n") as number | undefined) ?? 16;
  const seed = args.flags.get("seed") as number | undefined;
  await withModel(modelPath, async (model) => {
    if (!model.sample) throw new FileError(`${modelPath}: generate needs a vae model (train one with --kind vae), found ${model.description}`);
    const samples = model.sample(n, seed);
    await writeTensor(out, forOutput(out, samples));
    await report(out, `generated ${n} samples of shape ${shapeText(samples.shape.slice(1))}`);
  });
}

/** .npy keeps the shape [N, ...]; CSV gets [N, values per sample]. */
function forOutput(out: string | undefined, t: TensorData): TensorData {
  if (out !== undefined && outputFormat(out) === "npy") return t;
  return { data: t.data, shape: [t.shape[0]!, t.data.length / Math.max(t.shape[0]!, 1)] };
}
