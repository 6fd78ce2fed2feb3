// Feature learning for tagging with few labels: a FeatureExtractor (a dense
// autoencoder) trains on all 60,000 training images without their labels; then
// only 100 labelled images (10 per digit, a seeded choice) train k-NN and
// logistic regression, on the learned codes or on the raw pixels (and, as a
// linear baseline, on PCA projections of the same width). Accuracy of tagging
// the 10,000 test images.
// Run: npx tsx examples/tagging-mnist.ts
import { FeatureExtractor, KNeighborsClassifier, LogisticRegression, StandardScaler } from "../src/apps/index.js";
import { init, PCA, type TensorData } from "../src/index.js";
import { loadMnist } from "./lib/mnist.js";

const CODE = 32;
const PER_CLASS = 10;
const SEED = 7;
/** λ of LogisticRegression: scikit-learn's default C = 1 for 100 samples (λ = 1/(C·N)). */
const L2 = 0.01;

const started = performance.now();
const { train, test } = await loadMnist();

// The labelled images: the first PER_CLASS of each digit in a seeded permutation of the training set.
const { kernels, arena } = await init();
const order = arena.scoped(() => {
  const p = arena.scratch(train.labels.length * 4);
  kernels.u32_permutation(p, train.labels.length, SEED, 0, 0);
  return arena.u32.slice(p >>> 2, (p >>> 2) + train.labels.length);
});
const counts = new Array<number>(10).fill(0);
const chosen = Array.from(order).filter((i) => counts[train.labels[i]!]! < PER_CLASS && ++counts[train.labels[i]!]! > 0);
const rowsOf = (x: TensorData, rows: number[]): TensorData => {
  const width = x.shape[1]!;
  const data = new Float32Array(rows.length * width);
  rows.forEach((r, k) => data.set(x.data.subarray(r * width, (r + 1) * width), k * width));
  return { data, shape: [rows.length, width] };
};
const labelled = rowsOf(train.x, chosen);
const labels = Uint8Array.from(chosen, (i) => train.labels[i]!);
console.log(`MNIST: ${train.labels.length} unlabelled training images for the features, ${chosen.length} labelled (${PER_CLASS} per digit), ${test.labels.length} test images to tag\n`);

let t = performance.now();
const extractor = await new FeatureExtractor({ nComponents: CODE, epochs: 15, batchSize: 128, learningRate: 2e-3, seed: 0 }).fit(train.x);
const hidden = extractor.model.encoder.layers.map((l) => l.outputShape[0]);
console.log(`FeatureExtractor 784-${hidden.join("-")}: ${extractor.history!.loss.length} epochs on the 60,000 unlabelled images, ${((performance.now() - t) / 1000).toFixed(1)} s`);
// Codes are standardized with statistics of all 60,000 (unlabelled) training codes.
const codeScaler = await new StandardScaler().fit(extractor.transform(train.x));
const codes = (x: TensorData): TensorData => codeScaler.transform(extractor.transform(x));

t = performance.now();
const pca = await new PCA({ nComponents: CODE }).fit(train.x);
const pcaScaler = await new StandardScaler().fit(pca.transform(train.x));
const projections = (x: TensorData): TensorData => pcaScaler.transform(pca.transform(x));
console.log(`PCA-${CODE} on the same 60,000 images: ${((performance.now() - t) / 1000).toFixed(1)} s\n`);

const features: [string, (x: TensorData) => TensorData][] = [
  ["raw pixels (784)", (x) => x],
  [`PCA projections (${CODE})`, projections],
  [`autoencoder codes (${CODE})`, codes],
];
const classifiers: [string, () => KNeighborsClassifier | LogisticRegression][] = [
  ["k-NN, k = 1", () => new KNeighborsClassifier({ k: 1 })],
  ["k-NN, k = 5", () => new KNeighborsClassifier({ k: 5 })],
  [`logistic regression (l2 = ${L2})`, () => new LogisticRegression({ l2: L2 })],
];

console.log(`Test accuracy, tagging 10,000 digits from ${chosen.length} labels:\n`);
console.log(`| classifier | ${features.map(([name]) => name).join(" | ")} |`);
console.log(`| --- | ${features.map(() => "---:").join(" | ")} |`);
for (const [name, make] of classifiers) {
  const cells: string[] = [];
  for (const [, map] of features) {
    const model = make();
    await model.fit(map(labelled), labels);
    cells.push(model.score(map(test.x), test.labels).toFixed(4));
    if (model instanceof KNeighborsClassifier) model.dispose();
  }
  console.log(`| ${name} | ${cells.join(" | ")} |`);
}
console.log(`\nDone in ${((performance.now() - started) / 1000).toFixed(1)} s`);
extractor.dispose();
pca.dispose();
