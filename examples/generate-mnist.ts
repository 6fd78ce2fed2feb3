// Generation with the Generator estimator (a VAE underneath): fit on MNIST
// digits, draw new digits from the prior, and walk the code space between
// pairs of test digits. Writes both grids to out/.
// Run: npx tsx examples/generate-mnist.ts
import { mkdir, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { Generator, layers } from "../src/index.js";
import { loadMnist } from "./lib/mnist.js";
import { imageGridPng } from "./lib/png.js";

const OUT = resolve("out");
const { train, test } = await loadMnist();
const generator = await new Generator({
  model: {
    input: [784],
    encoder: [layers.dense(400, "relu")],
    latent: 16,
    decoder: [layers.dense(400, "relu"), layers.dense(784, "sigmoid")],
    loss: "bce",
  },
  seed: 1,
  epochs: 20,
  batchSize: 128,
}).fit(train.x);
const h = generator.history!;
console.log(`trained ${h.loss.length} epochs: −ELBO ${h.loss.at(-1)!.toFixed(1)} nats (train), ${h.valLoss.at(-1)!.toFixed(1)} (validation)`);

await mkdir(OUT, { recursive: true });
const digit = (d: Float32Array, i: number) => d.subarray(i * 784, (i + 1) * 784);
const samples = generator.sample(80, { seed: 7 }).data;
await writeFile(resolve(OUT, "generated-digits.png"), imageGridPng(Array.from({ length: 8 }, (_, r) => Array.from({ length: 10 }, (_, c) => digit(samples, r * 10 + c))), 28, 2));

const rows = [];
for (let pair = 0; pair < 6; pair++) {
  const path = generator.interpolate(digit(test.x.data, 2 * pair), digit(test.x.data, 2 * pair + 1), 10).data;
  rows.push(Array.from({ length: 10 }, (_, i) => digit(path, i)));
}
await writeFile(resolve(OUT, "interpolations.png"), imageGridPng(rows, 28, 2));
console.log(`Wrote ${OUT}/generated-digits.png (samples from the prior) and ${OUT}/interpolations.png (test digit to test digit)`);
generator.dispose();
