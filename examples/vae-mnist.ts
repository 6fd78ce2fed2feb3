// PyTorch's examples/vae architecture (784-400-(20, 20)-400-784, ReLU, sigmoid
// output, Adam 1e-3, batch 128, loss = summed BCE + KL per image) on the standard
// MNIST (60,000 train / 10,000 test): the test negative ELBO per epoch, the
// importance-weighted log-likelihood, samples from the prior, and the learned
// manifold of a second VAE with a 2-D code.
// Run: npx tsx examples/vae-mnist.ts
import { mkdir, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { VAE } from "../src/index.js";
import { pytorchVae } from "./lib/architectures.js";
import { loadMnist } from "./lib/mnist.js";
import { imageGridPng } from "./lib/png.js";

const OUT = resolve("out");
const EPOCHS = Number(process.env.VAE_EPOCHS ?? 10);
const { train, test } = await loadMnist();

const vae = await VAE.create(pytorchVae(20, 1));

console.log("| epoch | train −ELBO | test −ELBO | test reconstruction | test KL | samples/s |");
console.log("| --- | --- | --- | --- | --- | --- |");
await vae.fit(train.x, {
  epochs: EPOCHS,
  batchSize: 128,
  validationData: test.x,
  onEpochEnd: (epoch, logs) => {
    console.log(`| ${epoch + 1} | ${logs.loss.toFixed(2)} | ${logs.valLoss!.toFixed(2)} | ${logs.valReconstruction!.toFixed(2)} | ${logs.valKl!.toFixed(2)} | ${Math.round(logs.samplesPerSecond)} |`);
  },
});
const iw = vae.logLikelihood(test.x, { samples: 100 });
const meanIw = iw.reduce((s, v) => s + v, 0) / iw.length;
console.log(`\ntest log p(x) ≥ ${meanIw.toFixed(2)} nats (importance-weighted, k = 100)`);

await mkdir(OUT, { recursive: true });
const samples = vae.sample(64).data;
const rows = Array.from({ length: 8 }, (_, r) => Array.from({ length: 8 }, (_, c) => samples.subarray((r * 8 + c) * 784, (r * 8 + c + 1) * 784)));
await writeFile(resolve(OUT, "vae-samples.png"), imageGridPng(rows, 28, 2));
vae.dispose();

// A 2-D code: decode a grid of points over the prior's central region.
const flat = await VAE.create(pytorchVae(2, 2));
await flat.fit(train.x, { epochs: EPOCHS, batchSize: 128 });
const side = 15;
const grid = new Float32Array(side * side * 2);
// Points at the normal quantiles 0.05 … 0.95 (probit of an even grid), as in Kingma & Welling's figure 4.
const probit = (p: number) => {
  // Acklam's rational approximation (relative error < 1.2e-9): plotting only.
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const q = p - 0.5;
  const r = q * q;
  return (((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
};
for (let i = 0; i < side; i++) {
  for (let j = 0; j < side; j++) {
    grid[(i * side + j) * 2] = probit(0.05 + (0.9 * j) / (side - 1));
    grid[(i * side + j) * 2 + 1] = probit(0.95 - (0.9 * i) / (side - 1));
  }
}
const decoded = flat.decode({ data: grid, shape: [side * side, 2] }).data;
const manifold = Array.from({ length: side }, (_, r) => Array.from({ length: side }, (_, c) => decoded.subarray((r * side + c) * 784, (r * side + c + 1) * 784)));
await writeFile(resolve(OUT, "vae-manifold.png"), imageGridPng(manifold, 28, 1));
flat.dispose();
console.log(`Wrote ${OUT}/vae-samples.png and ${OUT}/vae-manifold.png`);
