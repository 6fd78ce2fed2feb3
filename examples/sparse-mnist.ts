// Sparse autoencoders on MNIST: a 784-256-64-256-784 model with a sigmoid code
// trained plain, with an L1 activity penalty and with a KL sparsity penalty
// toward a mean activation ρ = 0.05; and k-sparse (k = 16) with a ReLU code.
// Prints the mean code activation and the active units per digit beside the
// test reconstruction error.
// Run: npx tsx examples/sparse-mnist.ts
import { Autoencoder, layers, type SparsityConfig } from "../src/index.js";
import { loadMnist } from "./lib/mnist.js";

const { train, test } = await loadMnist();

function mse(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s / a.length;
}

const variants: [string, SparsityConfig | undefined, "sigmoid" | "relu"][] = [
  ["plain", undefined, "sigmoid"],
  ["L1 activity, λ = 1e-3", { l1: 1e-3 }, "sigmoid"],
  ["KL sparsity, ρ = 0.05, β = 0.05", { kl: { rho: 0.05, beta: 0.05 } }, "sigmoid"],
  ["k-sparse, k = 16 (ReLU code)", { k: 16 }, "relu"],
];

console.log("| code (64 units) | mean code activation | units active > 0.1 per digit | test MSE |");
console.log("| --- | --- | --- | --- |");
for (const [name, sparsity, codeActivation] of variants) {
  const ae = await Autoencoder.create({
    input: [784],
    encoder: [layers.dense(256, "relu"), layers.dense(64, codeActivation)],
    decoder: [layers.dense(256, "relu"), layers.dense(784, "sigmoid")],
    loss: "bce",
    sparsity,
    seed: 5,
  });
  await ae.fit(train.x, { epochs: 12, batchSize: 128 });
  const code = ae.encode(test.x).data;
  const mean = code.reduce((s, v) => s + Math.abs(v), 0) / code.length;
  const active = code.filter((v) => Math.abs(v) > 0.1).length / (code.length / 64);
  console.log(`| ${name} | ${mean.toFixed(4)} | ${active.toFixed(1)} | ${mse(ae.reconstruct(test.x).data, test.x.data).toFixed(5)} |`);
  ae.dispose();
}
