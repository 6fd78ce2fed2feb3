// One-class MNIST: for each digit d, an AnomalyDetector trains on the training
// images of d only, then scores all 10,000 test images; "not d" is the anomaly
// label. ROC-AUC per digit and the mean, beside PCA's reconstruction error
// (PCA fitted on the same images, as many components as the code), and beside
// the detector with its default per-pixel standardization (PyOD's default),
// which pixel data does not need.
// Run: npx tsx examples/anomaly-mnist.ts
import { AnomalyDetector, prAuc, rocAuc } from "../src/apps/index.js";
import { PCA } from "../src/index.js";
import { loadMnist } from "./lib/mnist.js";

const CODE = 32;
const EPOCHS = 30;

const started = performance.now();
const { train, test } = await loadMnist();
console.log(`MNIST: ${train.x.shape[0]} train / ${test.x.shape[0]} test digits. Per digit d: fit on the train images of d, score the 10,000 test images, anomaly = not d.`);
console.log(`Detector: default architecture 784-256-64-${CODE} (sigmoid output, BCE), no standardization (pixels are already in [0, 1]), up to ${EPOCHS} epochs with early stopping on a 10% validation split.\n`);

/** The rows of x whose label is d. */
function imagesOf(d: number): { data: Float32Array; shape: number[] } {
  const rows: number[] = [];
  train.labels.forEach((label, i) => label === d && rows.push(i));
  const data = new Float32Array(rows.length * 784);
  rows.forEach((r, k) => data.set(train.x.data.subarray(r * 784, (r + 1) * 784), k * 784));
  return { data, shape: [rows.length, 784] };
}

const table: string[] = [];
let sumDetector = 0;
let sumStandardized = 0;
let sumPca = 0;
let sumPrDetector = 0;
let sumPrPca = 0;
for (let d = 0; d <= 9; d++) {
  const t = performance.now();
  const x = imagesOf(d);
  const anomaly = Uint8Array.from(test.labels, (label) => (label === d ? 0 : 1));
  const detector = await new AnomalyDetector({ standardize: false, codeSize: CODE, epochs: EPOCHS, batchSize: 64, seed: d }).fit(x);
  const scores = detector.decisionFunction(test.x);
  const standardized = await new AnomalyDetector({ codeSize: CODE, epochs: EPOCHS, batchSize: 64, seed: d }).fit(x);
  const standardizedAuc = rocAuc(anomaly, standardized.decisionFunction(test.x));
  sumStandardized += standardizedAuc;
  standardized.dispose();
  const pca = await new PCA({ nComponents: CODE }).fit(x);
  const pcaScores = pca.reconstructionError(test.x);
  const [auc, pcaAuc, pr, pcaPr] = [rocAuc(anomaly, scores), rocAuc(anomaly, pcaScores), prAuc(anomaly, scores), prAuc(anomaly, pcaScores)];
  sumDetector += auc;
  sumPca += pcaAuc;
  sumPrDetector += pr;
  sumPrPca += pcaPr;
  table.push(`| ${d} | ${x.shape[0]} | ${detector.history!.loss.length} | ${auc.toFixed(4)} | ${standardizedAuc.toFixed(4)} | ${pcaAuc.toFixed(4)} | ${pr.toFixed(4)} | ${pcaPr.toFixed(4)} |`);
  console.log(`digit ${d}: ${x.shape[0]} training images, ${detector.history!.loss.length} epochs, ${((performance.now() - t) / 1000).toFixed(1)} s`);
  detector.dispose();
  pca.dispose();
}

console.log(`\nOne-class MNIST, ROC-AUC and average precision (PR-AUC) of "not d" over the 10,000 test digits:\n`);
console.log(`| digit d | train images | epochs | ROC-AUC autoencoder | ROC-AUC autoencoder, standardized | ROC-AUC PCA-${CODE} | PR-AUC autoencoder | PR-AUC PCA-${CODE} |`);
console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const line of table) console.log(line);
console.log(`| mean | | | ${(sumDetector / 10).toFixed(4)} | ${(sumStandardized / 10).toFixed(4)} | ${(sumPca / 10).toFixed(4)} | ${(sumPrDetector / 10).toFixed(4)} | ${(sumPrPca / 10).toFixed(4)} |`);
console.log(`\nDone in ${((performance.now() - started) / 1000).toFixed(1)} s`);
