// The anomaly-detection suite: the protocol of ../shared/data/adbench/README.md
// (ADBench's 20 classical sets, 5 seeded 60/40 splits from splits.json,
// features standardized with the training part's mean and deviation, the
// detector fitted without labels on the contaminated training part,
// contamination = the training part's outlier share clipped to [0.01, 0.5],
// ROC-AUC on the test part averaged over the splits) for the default
// AnomalyDetector and for our PCA keeping 90% of the variance, beside the
// scikit-learn baselines of baselines.json. Fit and score times are wall
// times, in seconds; the fit's CPU time (process.cpuUsage, user + system) is
// beside them, as the wall time stretches with the machine's load.
// Precision and recall of predict() on the test part: at the true
// contamination, and at the "auto" threshold (autoThreshold of the same
// training scores, no contamination given).
// Run: npx tsx bench/anomaly-suite.ts [--sets a,b] [--splits 3] [--seeds 0,1,2,3,4] [--ensemble 1] [--threads 1] [--data DIR]
// (--splits n: the first n splits of each set; --seeds: refit every split
// with each detector seed and report how far the ROC-AUC moves; --ensemble n:
// the detector's ensemble option, default the detector's own default;
// --threads: the engine's threads, default 1, as process.cpuUsage counts
// every thread's time and the fit CPU budget is a single core's)
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { AnomalyDetector, type AnomalyDetectorOptions } from "../src/apps/anomaly-detector.js";
import { autoThreshold } from "../src/apps/anomaly-scores.js";
import { rocAuc } from "../src/apps/metrics.js";
import { readNpy } from "../src/io/npy.js";
import { PCA } from "../src/models/pca.js";
import { init } from "../src/wasm/module.js";
import { environmentLine, fixed, markdownTable } from "./report.js";

/** The data folder beside the repository (../shared/data/adbench from the repository's root). */
export const ADBENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "shared", "data", "adbench");

export interface AdbenchSet {
  name: string;
  x: Float32Array;
  y: Float32Array;
  rows: number;
  cols: number;
  /** Test indices of each split, in splits.json's order. */
  splits: { seed: number; test: number[] }[];
}

export interface Baseline {
  iforest: number;
  pca: number;
}

export function loadBaselines(dir = ADBENCH_DIR): Record<string, Baseline> {
  return JSON.parse(readFileSync(join(dir, "baselines.json"), "utf8")) as Record<string, Baseline>;
}

/** Every set's name, in splits.json's order. */
export function setNames(dir = ADBENCH_DIR): string[] {
  return Object.keys(JSON.parse(readFileSync(join(dir, "splits.json"), "utf8")) as object);
}

let splitsCache: { dir: string; splits: Record<string, { seed: number; test: number[] }[]> } | null = null;

export function loadSet(name: string, dir = ADBENCH_DIR): AdbenchSet {
  if (splitsCache?.dir !== dir) splitsCache = { dir, splits: JSON.parse(readFileSync(join(dir, "splits.json"), "utf8")) };
  const splits = splitsCache.splits[name];
  if (!splits) throw new Error(`adbench: no set named ${JSON.stringify(name)} in ${dir}/splits.json`);
  const x = readNpyAnyOrder(readFileSync(join(dir, `${name}.x.npy`)));
  const y = readNpyAnyOrder(readFileSync(join(dir, `${name}.y.npy`)));
  if (x.shape.length !== 2 || y.shape.length !== 1 || y.shape[0] !== x.shape[0]) {
    throw new Error(`adbench ${name}: expected x [N, D] and y [N], found [${x.shape.join(", ")}] and [${y.shape.join(", ")}]`);
  }
  return { name, x: x.data, y: y.data, rows: x.shape[0]!, cols: x.shape[1]!, splits };
}

const FORTRAN = "'fortran_order': True, ";

/**
 * readNpy for C- or Fortran-order 2-D arrays: the x files of the snapshot are
 * Fortran order (column-major), which readNpy refuses, so the flag is
 * rewritten in place ("True, " and "False," have the same length, keeping the
 * header's alignment) and the column-major values are transposed.
 */
function readNpyAnyOrder(bytes: Uint8Array): { data: Float32Array; shape: number[] } {
  const headerEnd = Math.min(bytes.length, 4096);
  const header = new TextDecoder("latin1").decode(bytes.subarray(0, headerEnd));
  const at = header.indexOf(FORTRAN);
  if (at < 0) return readNpy(bytes);
  const copy = bytes.slice();
  copy.set(new TextEncoder().encode("'fortran_order': False,"), at);
  const { data, shape } = readNpy(copy);
  if (shape.length !== 2) return { data, shape };
  const [n, d] = shape as [number, number];
  const out = new Float32Array(n * d);
  for (let j = 0; j < d; j++) for (let i = 0; i < n; i++) out[i * d + j] = data[j * n + i]!;
  return { data: out, shape };
}

export interface Split {
  train: Float32Array;
  test: Float32Array;
  trainRows: number;
  testLabels: Uint8Array;
  /** The training part's outlier share clipped to [0.01, 0.5]. */
  contamination: number;
}

/** One split: the training part is every index not in `test`; both standardized with the training part's mean and deviation. */
export function makeSplit(set: AdbenchSet, test: readonly number[]): Split {
  const { x, y, rows, cols } = set;
  const inTest = new Uint8Array(rows);
  for (const i of test) inTest[i] = 1;
  const trainIdx: number[] = [];
  for (let i = 0; i < rows; i++) if (!inTest[i]) trainIdx.push(i);
  const mean = new Float64Array(cols);
  const sq = new Float64Array(cols);
  for (const i of trainIdx) for (let j = 0; j < cols; j++) mean[j]! += x[i * cols + j]!;
  for (let j = 0; j < cols; j++) mean[j]! /= trainIdx.length;
  for (const i of trainIdx) for (let j = 0; j < cols; j++) sq[j]! += (x[i * cols + j]! - mean[j]!) ** 2;
  // Population deviation, as scikit-learn's StandardScaler; a zero deviation counts as 1.
  const std = Float64Array.from(sq, (s) => Math.sqrt(s / trainIdx.length) || 1);
  const gather = (idx: readonly number[]): Float32Array => {
    const out = new Float32Array(idx.length * cols);
    idx.forEach((i, r) => {
      for (let j = 0; j < cols; j++) out[r * cols + j] = (x[i * cols + j]! - mean[j]!) / std[j]!;
    });
    return out;
  };
  let outliers = 0;
  for (const i of trainIdx) outliers += y[i]! > 0.5 ? 1 : 0;
  return {
    train: gather(trainIdx),
    test: gather(test),
    trainRows: trainIdx.length,
    testLabels: Uint8Array.from(test, (i) => (y[i]! > 0.5 ? 1 : 0)),
    contamination: Math.min(0.5, Math.max(0.01, outliers / trainIdx.length)),
  };
}

export interface DetectorRun {
  auc: number;
  fitSeconds: number;
  /** CPU time of the fit (user + system), seconds. */
  fitCpuSeconds: number;
  scoreSeconds: number;
  /** Precision and recall of predict() on the test part. */
  precision: number;
  recall: number;
  /** The same at the "auto" threshold of the training scores. */
  autoPrecision: number;
  autoRecall: number;
}

/** Fits the default detector (plus `options`) on the split's training part and scores its test part. */
export async function runDetector(split: Split, cols: number, options: AnomalyDetectorOptions = {}): Promise<DetectorRun> {
  const detector = new AnomalyDetector({ contamination: split.contamination, ...options });
  try {
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    await detector.fit({ data: split.train, shape: [split.trainRows, cols] });
    const t1 = performance.now();
    const fitCpu = process.cpuUsage(cpu);
    const test = { data: split.test, shape: [split.testLabels.length, cols] };
    const scores = detector.decisionFunction(test);
    const t2 = performance.now();
    const labels = detector.predict(test);
    const auto = autoThreshold(detector.decisionScores);
    const autoLabels = Uint8Array.from(scores, (s) => (s > auto || s !== s ? 1 : 0));
    const { precision: autoPrecision, recall: autoRecall } = precisionRecall(split.testLabels, autoLabels);
    return {
      auc: rocAuc(split.testLabels, scores),
      fitSeconds: (t1 - t0) / 1000,
      fitCpuSeconds: (fitCpu.user + fitCpu.system) / 1e6,
      scoreSeconds: (t2 - t1) / 1000,
      ...precisionRecall(split.testLabels, labels),
      autoPrecision,
      autoRecall,
    };
  } finally {
    detector.dispose();
  }
}

export function precisionRecall(truth: Uint8Array, predicted: Uint8Array): { precision: number; recall: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < truth.length; i++) {
    if (predicted[i] && truth[i]) tp++;
    else if (predicted[i]) fp++;
    else if (truth[i]) fn++;
  }
  return { precision: tp + fp > 0 ? tp / (tp + fp) : 0, recall: tp + fn > 0 ? tp / (tp + fn) : 0 };
}

/**
 * Our PCA keeping 90% of the variance, as scikit-learn's PCA(0.9): the fewest
 * components whose cumulative explained-variance ratio exceeds 0.9; score =
 * squared reconstruction error, ‖x − μ‖² − ‖projection‖² (orthonormal axes), in f64.
 */
export async function runPca(split: Split, cols: number): Promise<number> {
  const full = Math.min(split.trainRows, cols);
  const pca = new PCA({ nComponents: full });
  try {
    await pca.fit({ data: split.train, shape: [split.trainRows, cols] });
    const ratio = pca.explainedVarianceRatio;
    let k = 0;
    for (let c = 0; k < full && c <= 0.9; k++) c += ratio[k]!;
    const n = split.testLabels.length;
    const z = pca.transform({ data: split.test, shape: [n, cols] }).data;
    const mean = pca.mean;
    const scores = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let total = 0;
      for (let j = 0; j < cols; j++) total += (split.test[i * cols + j]! - mean[j]!) ** 2;
      let kept = 0;
      for (let c = 0; c < k; c++) kept += z[i * full + c]! ** 2;
      scores[i] = total - kept;
    }
    return rocAuc(split.testLabels, scores);
  } finally {
    pca.dispose();
  }
}

const mean = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
const spread = (v: readonly number[]): number => (v.length ? Math.max(...v) - Math.min(...v) : 0);

interface SetResult {
  name: string;
  /** Per seed: ROC-AUC averaged over the splits. */
  ours: number[];
  pca: number;
  fitSeconds: number[];
  fitCpuSeconds: number[];
  scoreSeconds: number[];
  precision: number;
  recall: number;
  autoPrecision: number;
  autoRecall: number;
}

async function runSet(set: AdbenchSet, splits: number, seeds: number[], ensemble: number | undefined): Promise<SetResult> {
  const kept = set.splits.slice(0, splits);
  const perSeed = seeds.map(() => [] as number[]);
  const fits: number[] = [];
  const fitCpu: number[] = [];
  const auto: { precision: number[]; recall: number[] } = { precision: [], recall: [] };
  const scoring: number[] = [];
  const pcas: number[] = [];
  const precision: number[] = [];
  const recall: number[] = [];
  for (const { test } of kept) {
    const split = makeSplit(set, test);
    if (!split.testLabels.some((l) => l === 1)) continue;
    for (let s = 0; s < seeds.length; s++) {
      const run = await runDetector(split, set.cols, { ...(seeds[s] === 0 ? {} : { seed: seeds[s] }), ...(ensemble === undefined ? {} : { ensemble }) });
      perSeed[s]!.push(run.auc);
      fits.push(run.fitSeconds);
      fitCpu.push(run.fitCpuSeconds);
      scoring.push(run.scoreSeconds);
      if (s === 0) {
        precision.push(run.precision);
        recall.push(run.recall);
        auto.precision.push(run.autoPrecision);
        auto.recall.push(run.autoRecall);
      }
    }
    pcas.push(await runPca(split, set.cols));
  }
  return {
    name: set.name, ours: perSeed.map(mean), pca: mean(pcas), fitSeconds: fits, fitCpuSeconds: fitCpu, scoreSeconds: scoring,
    precision: mean(precision), recall: mean(recall), autoPrecision: mean(auto.precision), autoRecall: mean(auto.recall),
  };
}

function parseArgs(argv: string[]): { sets: string[] | null; splits: number; seeds: number[]; dir: string; ensemble: number | undefined; threads: number } {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const sets = value("--sets");
  const seeds = value("--seeds");
  return {
    sets: sets ? sets.split(",") : null,
    splits: Number(value("--splits") ?? 5),
    seeds: seeds ? seeds.split(",").map(Number) : [0],
    dir: value("--data") ?? ADBENCH_DIR,
    ensemble: value("--ensemble") === undefined ? undefined : Number(value("--ensemble")),
    threads: Number(value("--threads") ?? 1),
  };
}

async function main(): Promise<void> {
  const { sets, splits, seeds, dir, ensemble, threads } = parseArgs(process.argv.slice(2));
  await init({ threads });
  if (!existsSync(join(dir, "splits.json"))) throw new Error(`adbench: no splits.json in ${dir}`);
  const baselines = loadBaselines(dir);
  const names = sets ?? setNames(dir);
  console.log(`anomaly suite: ${names.length} sets, ${splits} splits, detector seeds ${seeds.join(", ")}, ensemble ${ensemble ?? "default"}, ${threads} thread(s); ${environmentLine()}\n`);
  const started = performance.now();
  const startedCpu = process.cpuUsage();
  const results: SetResult[] = [];
  for (const name of names) {
    const result = await runSet(loadSet(name, dir), splits, seeds, ensemble);
    results.push(result);
    const b = baselines[name]!;
    console.log(`${name}: ours ${fixed(result.ours[0]!, 3)} (seeds ${result.ours.map((a) => fixed(a, 3)).join(" ")}), our PCA ${fixed(result.pca, 3)}, IsolationForest ${fixed(b.iforest, 3)}, fit max ${fixed(Math.max(...result.fitSeconds), 2)} s (CPU ${fixed(Math.max(...result.fitCpuSeconds), 2)} s)`);
  }
  const rows = results.map((r) => {
    const b = baselines[r.name]!;
    return [
      r.name,
      fixed(r.ours[0]!, 3),
      ...(seeds.length > 1 ? [fixed(spread(r.ours), 3)] : []),
      fixed(r.pca, 3),
      fixed(b.iforest, 3),
      fixed(b.pca, 3),
      fixed(mean(r.fitSeconds), 2),
      fixed(Math.max(...r.fitSeconds), 2),
      fixed(Math.max(...r.fitCpuSeconds), 2),
      fixed(mean(r.scoreSeconds), 3),
      fixed(r.precision, 2),
      fixed(r.recall, 2),
      fixed(r.autoPrecision, 2),
      fixed(r.autoRecall, 2),
    ];
  });
  const oursMeans = seeds.map((_, s) => mean(results.map((r) => r.ours[s]!)));
  const ahead = results.filter((r) => r.ours[0]! > baselines[r.name]!.iforest).length;
  rows.push([
    "**mean**",
    fixed(oursMeans[0]!, 3),
    ...(seeds.length > 1 ? [fixed(Math.max(...results.map((r) => spread(r.ours))), 3)] : []),
    fixed(mean(results.map((r) => r.pca)), 3),
    fixed(mean(results.map((r) => baselines[r.name]!.iforest)), 3),
    fixed(mean(results.map((r) => baselines[r.name]!.pca)), 3),
    fixed(mean(results.flatMap((r) => r.fitSeconds)), 2),
    fixed(Math.max(...results.flatMap((r) => r.fitSeconds)), 2),
    fixed(Math.max(...results.flatMap((r) => r.fitCpuSeconds)), 2),
    fixed(mean(results.flatMap((r) => r.scoreSeconds)), 3),
    fixed(mean(results.map((r) => r.precision)), 2),
    fixed(mean(results.map((r) => r.recall)), 2),
    fixed(mean(results.map((r) => r.autoPrecision)), 2),
    fixed(mean(results.map((r) => r.autoRecall)), 2),
  ]);
  const head = [
    "set", "ours", ...(seeds.length > 1 ? ["seed spread"] : []), "our PCA-90%", "IsolationForest", "PCA-90% (sklearn)",
    "fit s (mean)", "fit s (max)", "fit CPU s (max)", "score s", "precision", "recall", "precision (auto)", "recall (auto)",
  ];
  console.log(`\n${markdownTable(head, rows)}`);
  console.log(`\nahead of IsolationForest on ${ahead} of ${results.length} sets`);
  if (seeds.length > 1) console.log(`suite mean per seed: ${oursMeans.map((m) => fixed(m, 4)).join(", ")} (spread ${fixed(spread(oursMeans), 4)})`);
  const cpu = process.cpuUsage(startedCpu);
  console.log(`whole suite: ${fixed((performance.now() - started) / 1000, 1)} s wall, ${fixed((cpu.user + cpu.system) / 1e6, 1)} s CPU`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();
