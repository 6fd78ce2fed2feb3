// Trains a dense autoencoder on MNIST digits in a module worker, so the page
// stays responsive. Messages to the page:
//   { type: "ready", train, holdout, pixels, engine }    data loaded, model built; engine: engineInfo() (threads, and why one)
//   { type: "loss", step, epoch, loss }                   after every step (that batch's loss)
//   { type: "reconstructions", step, originals, images }  every RECON_EVERY steps (Float32Array, 8 × 784 each)
//   { type: "threshold", epoch, p50, p99 }                held-out anomaly scores after each epoch
//   { type: "score", id, image, score }                   answer to { type: "score", id, image }
//   { type: "done" } | { type: "error", message }
// From the page: { type: "score", id, image: Float32Array(784) }, { type: "pause" }, { type: "resume" }.
import { Autoencoder, layers, threadsReady } from "../../dist/index.js";

const PIXELS = 784;
const HOLDOUT = 200;
const SHOWN = 8;
const RECON_EVERY = 10;
const params = new URL(self.location.href).searchParams;
const EPOCHS = Number(params.get("epochs") ?? 30);

let model = null;
let paused = false;
let resume = null;
const pending = [];

function answerScores() {
  while (model && pending.length) {
    const { id, image } = pending.shift();
    const x = { data: image, shape: [1, PIXELS] };
    const out = model.reconstruct(x).data;
    const score = model.reconstructionError(x)[0];
    self.postMessage({ type: "score", id, image: out, score }, [out.buffer]);
  }
}

self.onmessage = ({ data: message }) => {
  if (message.type === "score") {
    // Between training steps (fit yields to the event loop), so the model is idle here.
    pending.push(message);
    answerScores();
  } else if (message.type === "pause") {
    paused = true;
  } else if (message.type === "resume") {
    paused = false;
    resume?.();
  }
};

const quantile = (values, q) => {
  const sorted = Float32Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

async function main() {
  const response = await fetch(new URL("./data/digits.u8", import.meta.url));
  if (!response.ok) throw new Error(`data/digits.u8: HTTP ${response.status} (run: npx tsx examples/browser/make-data.ts)`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const count = Math.floor(bytes.length / PIXELS);
  const all = new Float32Array(count * PIXELS);
  for (let i = 0; i < all.length; i++) all[i] = bytes[i] / 255;
  const trainRows = count - HOLDOUT;
  const train = { data: all.subarray(0, trainRows * PIXELS), shape: [trainRows, PIXELS] };
  const holdout = { data: all.subarray(trainRows * PIXELS), shape: [HOLDOUT, PIXELS] };
  const shown = { data: holdout.data.subarray(0, SHOWN * PIXELS), shape: [SHOWN, PIXELS] };

  model = await Autoencoder.create({
    input: [PIXELS],
    encoder: [layers.dense(128, "relu"), layers.dense(16)],
    decoder: [layers.dense(128, "relu"), layers.dense(PIXELS, "sigmoid")],
    loss: "bce",
    optimizer: { name: "adam", learningRate: 2e-3 },
    seed: 42,
  });
  // The engine starts with the model, its workers in the background: as many threads as the browser reports cores
  // (the page is cross-origin isolated). threadsReady() waits for them.
  const engine = await threadsReady();
  self.postMessage({ type: "ready", train: trainRows, holdout: HOLDOUT, pixels: PIXELS, engine });

  let step = 0;
  let before = { loss: 0, samples: 0 };
  const postReconstructions = () => {
    const images = model.reconstruct(shown).data;
    const originals = shown.data.slice();
    self.postMessage({ type: "reconstructions", step, originals, images }, [images.buffer, originals.buffer]);
  };
  postReconstructions();
  await model.fit(train, {
    epochs: EPOCHS,
    batchSize: 32,
    yieldEveryMs: 16,
    onEpochBegin: () => {
      before = { loss: 0, samples: 0 };
    },
    onBatchEnd: async (_batch, logs) => {
      step++;
      // logs.loss is the epoch's running mean; recover this batch's own loss from it.
      const rows = logs.samples - before.samples;
      const loss = (logs.loss * logs.samples - before.loss * before.samples) / rows;
      before = { loss: logs.loss, samples: logs.samples };
      self.postMessage({ type: "loss", step, epoch: logs.epoch, loss });
      if (step % RECON_EVERY === 0) postReconstructions();
      answerScores();
      if (paused) await new Promise((r) => (resume = r));
    },
    onEpochEnd: (epoch) => {
      const scores = model.reconstructionError(holdout);
      self.postMessage({ type: "threshold", epoch, p50: quantile(scores, 0.5), p99: quantile(scores, 0.99) });
    },
  });
  postReconstructions();
  self.postMessage({ type: "done" });
}

main().catch((error) => self.postMessage({ type: "error", message: String(error?.stack ?? error) }));
