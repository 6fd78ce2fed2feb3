// Trains a small dense autoencoder on MNIST digits (the first 3000 of the standard training set) and
// writes `ae.save()` for the edge handler, plus a request body with two test
// digits to try it with:
//   npx tsx examples/edge/make-model.ts [out/edge-model.bin]
// → out/edge-model.bin and out/edge-request.json (next to the model).
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { Autoencoder, layers } from "../../src/index.js";
import { loadMnist } from "../lib/mnist.js";

const target = resolve(process.argv[2] ?? "out/edge-model.bin");
const { train, test } = await loadMnist({ trainSize: 3000, testSize: 2 });

const ae = await Autoencoder.create({
  input: [784],
  encoder: [layers.dense(64, "relu"), layers.dense(16)],
  decoder: [layers.dense(64, "relu"), layers.dense(784, "sigmoid")],
  loss: "bce",
  optimizer: { name: "adam", learningRate: 2e-3 },
  seed: 7,
});
const history = await ae.fit(train.x, { epochs: 5, batchSize: 64 });
const bytes = ae.save();

await mkdir(dirname(target), { recursive: true });
await writeFile(target, bytes);
const rows = [0, 1].map((i) => Array.from(test.x.data.subarray(i * 784, (i + 1) * 784)));
await writeFile(join(dirname(target), "edge-request.json"), JSON.stringify({ rows }));
console.log(`${target}: ${bytes.length} bytes, final training loss ${history.loss.at(-1)!.toFixed(4)}`);
console.log(`scores of the two request digits: ${Array.from(ae.reconstructionError({ data: test.x.data, shape: test.x.shape })).map((s) => s.toFixed(5)).join(", ")}`);
ae.dispose();
