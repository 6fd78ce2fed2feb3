// Dimensionality reduction on MNIST (the standard 60,000 train / 10,000 test digits): test
// reconstruction MSE of PCA, a linear autoencoder and the Reducer's default
// non-linear autoencoder at codes of 2, 8 and 32, and a scatter plot of the
// 2-D codes of the test digits (out/reduce-mnist-codes.svg).
// Run: npx tsx examples/reduce-mnist.ts
import { mkdir, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { Reducer } from "../src/apps/index.js";
import { layers, PCA } from "../src/index.js";
import { loadMnist } from "./lib/mnist.js";
import { scatterSvg } from "./lib/svg.js";

const CODES = [2, 8, 32];
const OUT = resolve("out");

const mean = (values: Float32Array): number => values.reduce((s, v) => s + v, 0) / values.length;
const seconds = (since: number): string => ((performance.now() - since) / 1000).toFixed(1);

const started = performance.now();
const { train, test } = await loadMnist();
console.log(`MNIST: ${train.x.shape[0]} train / ${test.x.shape[0]} test digits; every model fits the train digits only\n`);

interface Row {
  code: number;
  pca: number;
  linear: number;
  deep: number;
  architecture: string;
}
const rows: Row[] = [];
let scatter: { codes: Float32Array; labels: Uint8Array } | null = null;

for (const code of CODES) {
  const pca = await new PCA({ nComponents: code }).fit(train.x);
  const pcaMse = mean(pca.reconstructionError(test.x));
  pca.dispose();

  // No activations and an MSE loss: the optimum spans PCA's subspace.
  let t = performance.now();
  const linear = await new Reducer({
    model: { input: [784], encoder: [layers.dense(code)], decoder: [layers.dense(784)], loss: "mse", optimizer: { name: "adam", learningRate: 2e-3 } },
    epochs: 60,
    batchSize: 128,
    seed: 1,
  }).fit(train.x);
  const linearMse = mean(linear.reconstructionError(test.x));
  console.log(`code ${code}: linear autoencoder, ${linear.history!.loss.length} epochs (early stopping on a 10% validation split), ${seconds(t)} s`);
  linear.dispose();

  // The Reducer's default: ReLU layers 784-256-64(-16)-code and back, sigmoid output with BCE (pixels are in [0, 1]).
  t = performance.now();
  const deep = await new Reducer({ nComponents: code, epochs: 15, batchSize: 128, learningRate: 2e-3, seed: 7 }).fit(train.x);
  const deepMse = mean(deep.reconstructionError(test.x));
  const hidden = deep.model.encoder.layers.filter((l) => l.spec.type === "dense").map((l) => l.outputShape[0]);
  console.log(`code ${code}: autoencoder 784-${hidden.join("-")}, ${deep.history!.loss.length} epochs, ${seconds(t)} s`);
  if (code === 2) scatter = { codes: deep.transform(test.x).data, labels: test.labels };
  deep.dispose();
  rows.push({ code, pca: pcaMse, linear: linearMse, deep: deepMse, architecture: `784-${hidden.join("-")}` });
}

console.log(`\nTest reconstruction MSE (the 10,000 test digits; lower is better):\n`);
console.log("| code | PCA | linear autoencoder | linear / PCA | autoencoder (Reducer default) | autoencoder / PCA |");
console.log("| ---: | ---: | ---: | ---: | --- | ---: |");
for (const r of rows) {
  console.log(`| ${r.code} | ${r.pca.toFixed(5)} | ${r.linear.toFixed(5)} | ${(r.linear / r.pca).toFixed(3)} | ${r.deep.toFixed(5)} (${r.architecture}) | ${(r.deep / r.pca).toFixed(3)} |`);
}

await mkdir(OUT, { recursive: true });
const svgPath = resolve(OUT, "reduce-mnist-codes.svg");
await writeFile(svgPath, scatterSvg(scatter!.codes, scatter!.labels, "2-D autoencoder codes of 10,000 MNIST test digits"));
console.log(`\nWrote ${svgPath}: the 2-D codes of the 10,000 test digits, coloured by digit`);
console.log(`Done in ${seconds(started)} s`);
