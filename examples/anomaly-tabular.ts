// Anomaly detection on generated tabular data with known labels: 20-D
// samples from three clusters, each spread along its own 3-D subspace with a
// little noise off it, plus 5% outliers: half drawn uniformly from the
// inliers' bounding box, half "local" ones that sit in a cluster but stray
// off its subspace (noise 3x the inliers'). The detector trains unsupervised
// on the contaminated training set (defaults: standardized features, default
// architecture, early stopping); it and PCA (same standardization, as many
// components as the detector's code) are scored on the training set and on a
// fresh test set.
// Run: npx tsx examples/anomaly-tabular.ts
import { AnomalyDetector, prAuc, precisionAtK, rocAuc, StandardScaler } from "../src/apps/index.js";
import { init, PCA } from "../src/index.js";

const FEATURES = 20;
const CLUSTERS = 3;
const RANK = 3;
const CONTAMINATION = 0.05;
const SEED = 2024;
const INLIER_NOISE = 0.2;
const LOCAL_NOISE = 0.6;

interface Dataset {
  x: { data: Float32Array; shape: number[] };
  /** 1 = outlier. */
  y: Uint8Array;
  /** 0 inlier, 1 local outlier, 2 uniform outlier. */
  kind: Uint8Array;
}

/** Draws from the library's counter-based generator (f32_rand_normal / f32_rand_uniform), keyed by (SEED, stream). */
async function draws(kind: "normal" | "uniform", n: number, stream: number, lo = 0, hi = 1): Promise<Float32Array> {
  const { kernels, arena } = await init();
  return arena.scoped(() => {
    const ptr = arena.scratch(n * 4);
    if (kind === "normal") kernels.f32_rand_normal(ptr, n, SEED, stream, 0, 0, 1);
    else kernels.f32_rand_uniform(ptr, n, SEED, stream, 0, lo, hi);
    return arena.read(ptr, n);
  });
}

const centers = await draws("uniform", CLUSTERS * FEATURES, 1, -4, 4);
const bases = await draws("normal", CLUSTERS * FEATURES * RANK, 2);

/** A point of cluster k: center + basis·z + noise·ε. */
function clusterPoint(out: Float32Array, at: number, k: number, z: Float32Array, zAt: number, eps: Float32Array, epsAt: number, noise: number): void {
  for (let j = 0; j < FEATURES; j++) {
    let v = centers[k * FEATURES + j]! + noise * eps[epsAt + j]!;
    for (let r = 0; r < RANK; r++) v += bases[(k * FEATURES + j) * RANK + r]! * z[zAt + r]!;
    out[at + j] = v;
  }
}

/** n samples, the last round(n·CONTAMINATION) of them outliers (half local, half uniform), then shuffled. */
async function dataset(n: number, stream: number): Promise<Dataset> {
  const outliers = Math.round(n * CONTAMINATION);
  const local = Math.floor(outliers / 2);
  const inliers = n - outliers;
  const z = await draws("normal", (inliers + local) * RANK, stream);
  const eps = await draws("normal", (inliers + local) * FEATURES, stream + 1);
  const data = new Float32Array(n * FEATURES);
  for (let i = 0; i < inliers + local; i++) {
    clusterPoint(data, i * FEATURES, i % CLUSTERS, z, i * RANK, eps, i * FEATURES, i < inliers ? INLIER_NOISE : LOCAL_NOISE);
  }
  const lo = new Float32Array(FEATURES).fill(Infinity);
  const hi = new Float32Array(FEATURES).fill(-Infinity);
  for (let i = 0; i < inliers * FEATURES; i++) {
    lo[i % FEATURES] = Math.min(lo[i % FEATURES]!, data[i]!);
    hi[i % FEATURES] = Math.max(hi[i % FEATURES]!, data[i]!);
  }
  const first = inliers + local;
  const u = await draws("uniform", (n - first) * FEATURES, stream + 2);
  for (let i = first; i < n; i++) {
    for (let j = 0; j < FEATURES; j++) data[i * FEATURES + j] = lo[j]! + (hi[j]! - lo[j]!) * u[(i - first) * FEATURES + j]!;
  }
  const kind = Uint8Array.from({ length: n }, (_, i) => (i < inliers ? 0 : i < first ? 1 : 2));
  // Shuffle, so that the validation split (the last 10% of the rows) holds both kinds.
  const { kernels, arena } = await init();
  const order = arena.scoped(() => {
    const p = arena.scratch(n * 4);
    kernels.u32_permutation(p, n, SEED, stream + 3, 0);
    return arena.u32.slice(p >>> 2, (p >>> 2) + n);
  });
  const shuffled = new Float32Array(n * FEATURES);
  order.forEach((from, to) => shuffled.set(data.subarray(from * FEATURES, (from + 1) * FEATURES), to * FEATURES));
  return { x: { data: shuffled, shape: [n, FEATURES] }, y: Uint8Array.from(order, (from) => (kind[from]! > 0 ? 1 : 0)), kind: Uint8Array.from(order, (from) => kind[from]!) };
}

const started = performance.now();
const train = await dataset(2000, 10);
const test = await dataset(1000, 20);
console.log(`Data: ${FEATURES}-D, ${CLUSTERS} clusters along ${RANK}-D subspaces, ${CONTAMINATION * 100}% outliers (half local, half uniform); train ${train.y.length} (${train.y.reduce((a, b) => a + b, 0)} outliers), test ${test.y.length} (${test.y.reduce((a, b) => a + b, 0)} outliers)`);

const detector = await new AnomalyDetector({ contamination: CONTAMINATION, seed: 0 }).fit(train.x);
const code = detector.model.codeShape[0]!;
const hidden = detector.model.encoder.layers.map((l) => l.outputShape[0]);
console.log(`Detector: defaults (standardized features, ${FEATURES}-${hidden.join("-")} and back), ${detector.history!.loss.length} epochs, ${((performance.now() - started) / 1000).toFixed(1)} s\n`);

const scaler = await new StandardScaler().fit(train.x);
const pca = await new PCA({ nComponents: code }).fit(scaler.transform(train.x));

/** The inliers and the outliers of one kind (1 local, 2 uniform). */
function only(kinds: Uint8Array, values: ArrayLike<number>, keep: number): number[] {
  return Array.from(values).filter((_, i) => kinds[i] === 0 || kinds[i] === keep);
}

const rows: string[] = [];
for (const [name, data] of [["train", train], ["test", test]] as const) {
  const scores = { autoencoder: detector.decisionFunction(data.x), [`PCA-${code}`]: pca.reconstructionError(scaler.transform(data.x)) };
  for (const [model, s] of Object.entries(scores)) {
    const local = rocAuc(only(data.kind, data.y, 1), only(data.kind, s, 1));
    const uniform = rocAuc(only(data.kind, data.y, 2), only(data.kind, s, 2));
    rows.push(`| ${name} | ${model} | ${rocAuc(data.y, s).toFixed(4)} | ${prAuc(data.y, s).toFixed(4)} | ${precisionAtK(data.y, s).toFixed(4)} | ${local.toFixed(4)} | ${uniform.toFixed(4)} |`);
  }
}
console.log("Ranking quality (precision@k with k = the number of outliers; the last two columns: ROC-AUC against one kind of outlier):\n");
console.log("| set | model | ROC-AUC | PR-AUC | precision@k | ROC-AUC local | ROC-AUC uniform |");
console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
for (const row of rows) console.log(row);

const predicted = detector.predict(test.x);
let truePositives = 0;
let called = 0;
predicted.forEach((p, i) => {
  called += p;
  truePositives += p & test.y[i]!;
});
const outliers = test.y.reduce((a, b) => a + b, 0);
console.log(`\npredict() on the test set, threshold ${detector.threshold.toPrecision(4)} (the training scores' ${100 * (1 - CONTAMINATION)}th percentile): ${called} called, precision ${(truePositives / called).toFixed(3)}, recall ${(truePositives / outliers).toFixed(3)}`);
const picked = [0, 1].flatMap((label) => Array.from(test.y.keys()).filter((i) => test.y[i] === label).slice(0, 3));
const sample = new Float32Array(picked.length * FEATURES);
picked.forEach((row, k) => sample.set(test.x.data.subarray(row * FEATURES, (row + 1) * FEATURES), k * FEATURES));
for (const method of ["linear", "unify"] as const) {
  const proba = detector.predictProba({ data: sample, shape: [picked.length, FEATURES] }, method);
  const shown = picked.map((_, k) => proba.data[2 * k + 1]!.toFixed(3));
  console.log(`predictProba(3 inliers, 3 outliers of the test set, "${method}") P(outlier): ${shown.slice(0, 3).join(", ")} | ${shown.slice(3).join(", ")}`);
}
console.log(`\nDone in ${((performance.now() - started) / 1000).toFixed(1)} s`);
detector.dispose();
pca.dispose();
