// One model of the post "Building Autoencoders in Keras" (blog.keras.io),
// trained at the post's settings on the standard MNIST (60,000 train, the
// 10,000 test digits as validation data, as the post's validation_data), and
// printed beside the figures the post reports. The models and their
// differences from the post: examples/keras-blog-models.ts.
// Run: npx tsx examples/keras-blog.ts simple|sparse|deep|conv|denoise [--epochs N] [--seed S] [--checkpoint FILE] [--pytorch | --pytorch-only]
//   --epochs       fewer epochs than the post's (the convolutional ones take long on a CPU)
//   --checkpoint   write the model's bytes (with the optimizer state) after every epoch
//   --pytorch      also train the model in PyTorch at Keras's conventions (fully
//                  connected models; examples/keras-blog-pytorch.ts); --pytorch-only: that alone
import { writeFile } from "node:fs/promises";
import { addNoise, Autoencoder, ConfigError, type TensorData } from "../src/index.js";
import { KERAS_BLOG_MODELS, KERAS_BLOG_NOISE, kerasBlogSetup, type KerasBlogModel } from "./keras-blog-models.js";
import { trainPytorchPeer, type PytorchEpoch } from "./keras-blog-pytorch.js";
import { loadMnist } from "./lib/mnist.js";

interface Args {
  model: KerasBlogModel;
  epochs?: number;
  seed: number;
  checkpoint?: string;
  /** The PyTorch peer run (fully connected models): "no", "also" after ours, "only". */
  pytorch: "no" | "also" | "only";
}

function parseArgs(argv: string[]): Args {
  const [model, ...rest] = argv;
  if (!KERAS_BLOG_MODELS.includes(model as KerasBlogModel)) {
    throw new ConfigError(`keras-blog: expected a model, one of ${KERAS_BLOG_MODELS.join(", ")}, found ${JSON.stringify(model ?? null)}`);
  }
  const out: Args = { model: model as KerasBlogModel, seed: 1, pytorch: "no" };
  for (let i = 0; i < rest.length; i += 2) {
    const [flag, value] = [rest[i], rest[i + 1]];
    if (flag === "--pytorch" || flag === "--pytorch-only") {
      out.pytorch = flag === "--pytorch" ? "also" : "only";
      i--;
      continue;
    }
    if (value === undefined) throw new ConfigError(`keras-blog: expected a value after ${flag}`);
    if (flag === "--checkpoint") out.checkpoint = value;
    else if (flag === "--epochs" || flag === "--seed") {
      const n = Number(value);
      if (!Number.isInteger(n) || n < (flag === "--epochs" ? 1 : 0)) throw new ConfigError(`keras-blog: expected ${flag} to be an integer, found ${JSON.stringify(value)}`);
      if (flag === "--epochs") out.epochs = n;
      else out.seed = n;
    } else throw new ConfigError(`keras-blog: unknown option ${JSON.stringify(flag)}; expected --epochs, --seed, --checkpoint, --pytorch or --pytorch-only`);
  }
  return out;
}

/** Keras's binary_crossentropy on probabilities (clipped to [1e-7, 1 − 1e-7]), mean over pixels and images, in f64. */
function meanBce(p: Float32Array, t: Float32Array): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const q = Math.min(Math.max(p[i]!, 1e-7), 1 - 1e-7);
    s -= t[i]! * Math.log(q) + (1 - t[i]!) * Math.log(1 - q);
  }
  return s / p.length;
}

/** Mean over images of 10·log10(1 / MSE), pixel range [0, 1]. */
function psnr(a: Float32Array, b: Float32Array, size = 784): number {
  let total = 0;
  for (let i = 0; i < a.length / size; i++) {
    let s = 0;
    for (let j = i * size; j < (i + 1) * size; j++) s += (a[j]! - b[j]!) ** 2;
    total += 10 * Math.log10(size / s);
  }
  return (total * size) / a.length;
}

const fmt = (v: number | undefined, digits = 4) => (v === undefined ? "—" : v.toFixed(digits));
/** ours / post − 1, as a percentage. */
const gap = (ours: number, post: number | undefined) => (post === undefined ? "—" : `${((ours / post - 1) * 100).toFixed(1)}%`);

const args = parseArgs(process.argv.slice(2));
const setup = kerasBlogSetup(args.model, args.seed);
const epochs = args.epochs ?? setup.epochs;
const { train, test } = await loadMnist();
const shape = (x: TensorData): TensorData => (setup.config.input.length === 3 ? { data: x.data, shape: [x.shape[0]!, 28, 28, 1] } : x);
const trainX = shape(train.x);
const testX = shape(test.x);
// The denoiser is validated as in the post: noisy test digits in, clean ones as the target.
const noisyTest = args.model === "denoise" ? shape(await addNoise(test.x, KERAS_BLOG_NOISE, { seed: 99 })) : null;

console.log(`Keras blog, ${setup.title}: ${epochs} of the post's ${setup.epochs} epochs, batch ${setup.batchSize}, seed ${args.seed}, ` +
  `${train.x.shape[0]} train / ${test.x.shape[0]} test digits`);
for (const d of setup.differences) console.log(`Differs from the post: ${d}`);

/** Ours at the post's settings: the table rows (figure, post, ours, ours vs post) and the wall time. */
async function trainOurs(): Promise<{ rows: string[][]; seconds: number }> {
  const ae = await Autoencoder.create(setup.config);
  const started = performance.now();
  let last: { loss: number; valLoss: number; valReconstruction?: number; seconds: number } = { loss: NaN, valLoss: NaN, seconds: 0 };
  await ae.fit(trainX, {
    epochs,
    batchSize: setup.batchSize,
    shuffle: true,
    ...(noisyTest ? {} : { validationData: testX }),
    onEpochEnd: async (epoch, logs) => {
      const valLoss = noisyTest ? meanBce(ae.reconstruct(noisyTest).data, test.x.data) : logs.valLoss!;
      last = { loss: logs.loss, valLoss, valReconstruction: logs.valReconstruction, seconds: (performance.now() - started) / 1000 };
      process.stderr.write(`epoch ${epoch + 1}/${epochs}: loss ${logs.loss.toFixed(5)}, val loss ${valLoss.toFixed(5)}, ${logs.seconds.toFixed(1)} s (${last.seconds.toFixed(0)} s in all)\n`);
      if (args.checkpoint) await writeFile(args.checkpoint, ae.save());
    },
  });
  const rows: string[][] = [
    ["train loss (with any penalty)", `${setup.post.loss ?? "—"}`, fmt(last.loss), gap(last.loss, setup.post.loss)],
    [noisyTest ? "test loss, noisy → clean" : "test loss (validation_data)", `${setup.post.valLoss ?? "—"}`, fmt(last.valLoss), gap(last.valLoss, setup.post.valLoss)],
  ];
  if (last.valReconstruction !== undefined) rows.push(["test loss without the penalty", "—", fmt(last.valReconstruction), "—"]);
  if (args.model === "simple" || args.model === "sparse") {
    const code = ae.encode(test.x).data;
    const mean = code.reduce((s, v) => s + v, 0) / code.length;
    rows.push(["encoded_imgs.mean() over the test digits", `${setup.post.codeMean}`, mean.toFixed(2), gap(mean, setup.post.codeMean)]);
  }
  if (noisyTest) {
    const denoised = ae.reconstruct(noisyTest).data;
    const before = psnr(noisyTest.data, test.x.data);
    rows.push(["PSNR noisy → denoised vs clean (dB)", "—", `${before.toFixed(2)} → ${psnr(denoised, test.x.data).toFixed(2)}`, "—"]);
  }
  ae.dispose();
  return { rows, seconds: last.seconds };
}

console.log(`\nThe post: ${setup.post.text}.`);
const ours = args.pytorch === "only" ? null : await trainOurs();
if (ours) {
  console.log(`| after ${epochs} epochs | post (${setup.epochs} epochs) | ours | ours vs post |`);
  console.log("| --- | --- | --- | --- |");
  for (const r of ours.rows) console.log(`| ${r.join(" | ")} |`);
  console.log(`\nWall time: ${ours.seconds.toFixed(0)} s for ${epochs} epochs (${(ours.seconds / epochs).toFixed(1)} s per epoch with its test pass)`);
}
if (args.pytorch !== "no") {
  const log = (e: PytorchEpoch) => process.stderr.write(`PyTorch epoch ${e.epoch}/${epochs}: loss ${e.loss.toFixed(5)}, val loss ${e.valLoss.toFixed(5)} (${e.seconds.toFixed(0)} s in all)\n`);
  const peer = await trainPytorchPeer(args.model, epochs, setup.batchSize, args.seed, log).catch((e: Error) => e);
  if (peer instanceof Error) console.log(`\nPyTorch did not run (${peer.message})`);
  else {
    const end = peer.at(-1)!;
    console.log(`\nPyTorch at Keras's conventions (examples/keras-blog-pytorch.ts), seed ${args.seed}, one thread: after ${epochs} epochs ` +
      `train loss ${fmt(end.loss)} (${gap(end.loss, setup.post.loss)} vs the post), test loss ${fmt(end.valLoss)} (${gap(end.valLoss, setup.post.valLoss)}), ${end.seconds.toFixed(0)} s`);
  }
}
