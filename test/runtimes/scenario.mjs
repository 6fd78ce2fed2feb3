// The cross-runtime scenario: train, encode, reconstruct, save and load small
// models (two dense autoencoders, a convolutional VAE) from fixed seeds on
// generated data, and return a SHA-256 of every result. Plain ESM with no
// imports, so Node, Deno, Chromium and Firefox load the same file; each
// runner passes in the library it imported (dist/index.js).
// Every runtime must return identical hashes (the project's determinism rule).

/** Deterministic integer stream (xorshift32); data uses no host Math.random or Math.sin. */
function xorshift(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/**
 * `rows` samples of `cols` values in [0, 1], each a multiple of 1/256 (exact in
 * f32): a mix of two of four integer ramps plus small integer noise, so the
 * data has a low-dimensional structure an autoencoder can learn.
 */
export function generateData(rows, cols, seed) {
  const next = xorshift(seed);
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const a = next() % 4;
    const b = (a + 1 + (next() % 3)) % 4;
    const wa = next() % 129;
    const wb = 128 - wa;
    for (let c = 0; c < cols; c++) {
      const ramp = (k) => {
        const t = Math.floor((c * 256) / (cols - 1));
        return k === 0 ? t : k === 1 ? 256 - t : k === 2 ? Math.abs(256 - 2 * t) : 256 - Math.abs(256 - 2 * t);
      };
      const mixed = Math.floor((wa * ramp(a) + wb * ramp(b)) / 128);
      const noise = (next() % 9) - 4;
      data[r * cols + c] = Math.min(256, Math.max(0, mixed + noise)) / 256;
    }
  }
  return { data, shape: [rows, cols] };
}

async function sha256(bytes) {
  if (!globalThis.crypto?.subtle) throw new Error("scenario: crypto.subtle is missing (not a secure context?)");
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

const bytesOf = (typed) => new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);

/** Hash of a float array's exact bits, with its length so shape changes show. */
const hashFloats = async (values) => `${values.length}:${await sha256(bytesOf(values))}`;

/** Loss values are JS numbers: hash their f64 bits. */
const hashNumbers = (values) => hashFloats(Float64Array.from(values));

/** The checks shared by every model: outputs, saved bytes, and the same outputs after save → load. */
async function hashModel(lib, model, probe, history) {
  const out = {};
  out.history = await hashNumbers([...history.loss, ...(history.valLoss ?? [])]);
  out.encode = await hashFloats(model.encode(probe).data);
  const recon = model.reconstruct(probe).data;
  out.reconstruct = await hashFloats(recon);
  out.reconstructionError = await hashFloats(model.reconstructionError(probe));
  const saved = model.save();
  out.saved = `${saved.length}:${await sha256(saved)}`;
  const loaded = await lib.Autoencoder.load(saved);
  try {
    out.loadedReconstruct = await hashFloats(loaded.reconstruct(probe).data);
    const resaved = loaded.save();
    out.resaved = `${resaved.length}:${await sha256(resaved)}`;
  } finally {
    loaded.dispose();
  }
  return { hashes: out, saved, firstValues: Array.from(recon.subarray(0, 4)) };
}

/** A dense autoencoder: tanh/relu encoder, sigmoid decoder, BCE, Adam. */
async function denseBceAdam(lib) {
  const L = lib.layers;
  const x = generateData(96, 24, 0x5eed);
  const probe = generateData(10, 24, 0xbeef);
  const model = await lib.Autoencoder.create({
    input: [24],
    encoder: [L.dense(16, "tanh"), L.dense(4)],
    decoder: [L.dense(16, "relu"), L.dense(24, "sigmoid")],
    loss: "bce",
    optimizer: { name: "adam", learningRate: 1e-2 },
    seed: 1234,
  });
  try {
    // 6 epochs × 6 steps of 16 samples, reshuffled each epoch from the seed.
    const history = await model.fit(x, { epochs: 6, batchSize: 16 });
    return await hashModel(lib, model, probe, history);
  } finally {
    model.dispose();
  }
}

/** A deeper dense autoencoder: leaky ReLU / softplus, linear code, MSE, SGD with momentum, validation split. */
async function denseMseSgd(lib) {
  const L = lib.layers;
  const x = generateData(80, 33, 0xc0ffee);
  const probe = generateData(7, 33, 0xfade);
  const model = await lib.Autoencoder.create({
    input: [33],
    encoder: [L.dense(20, "leakyRelu"), L.dense(9, "softplus"), L.dense(3)],
    decoder: [L.dense(9, "tanh"), L.dense(20, "leakyRelu"), L.dense(33)],
    loss: "mse",
    optimizer: { name: "sgd", learningRate: 0.05, momentum: 0.9 },
    seed: 77,
  });
  try {
    const history = await model.fit(x, { epochs: 4, batchSize: 13, validationSplit: 0.2 });
    return await hashModel(lib, model, probe, history);
  } finally {
    model.dispose();
  }
}

/**
 * A convolutional VAE on 8×8 images: conv (strided) + batch norm + leaky ReLU,
 * max pooling in the encoder; dense + reshape, upsampling and transposed
 * convolutions with batch norm in the decoder; Bernoulli likelihood. Training
 * draws the reparameterization noise from the seeded counter generator, so
 * the ELBO history, the weights, the batch-norm statistics and samples from
 * the prior must all match bit for bit too.
 */
async function convVae(lib) {
  const L = lib.layers;
  const images = (n, seed) => {
    const { data } = generateData(n, 64, seed);
    return { data, shape: [n, 8, 8, 1] };
  };
  const x = images(40, 0xca7);
  const probe = images(6, 0xd06);
  const model = await lib.VAE.create({
    input: [8, 8, 1],
    encoder: [
      L.conv2d({ filters: 4, kernelSize: 3, padding: "same" }),
      L.batchNorm(),
      L.leakyRelu(),
      L.maxPool2d(),
      L.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }),
    ],
    latent: 3,
    decoder: [
      L.dense(2 * 2 * 6, "relu"),
      L.reshape([2, 2, 6]),
      L.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: "same" }),
      L.batchNorm(),
      L.leakyRelu(0.2),
      L.upSampling2d(),
      L.conv2dTranspose({ filters: 1, kernelSize: 3, padding: "same", activation: "sigmoid" }),
    ],
    beta: 0.5,
    klWarmupSteps: 4,
    optimizer: { name: "adam", learningRate: 5e-3 },
    seed: 2718,
  });
  try {
    const history = await model.fit(x, { epochs: 3, batchSize: 8, validationSplit: 0.2 });
    const out = {};
    out.history = await hashNumbers(["loss", "reconstruction", "kl", "valLoss", "valReconstruction", "valKl"].flatMap((k) => history[k] ?? []));
    const code = model.encode(probe, { logVariance: true });
    out.encodeMean = await hashFloats(code.mean.data);
    out.encodeLogVariance = await hashFloats(code.logVariance.data);
    const recon = model.reconstruct(probe).data;
    out.reconstruct = await hashFloats(recon);
    out.reconstructionError = await hashFloats(model.reconstructionError(probe));
    out.samplePrior = await hashFloats(model.sample(5).data);
    out.sampleSeeded = await hashFloats(model.sample(3, { seed: 9 }).data);
    out.interpolate = await hashFloats(model.interpolate(images(1, 1), images(1, 2), 4).data);
    out.logLikelihood = await hashFloats(model.logLikelihood(probe, { samples: 8 }));
    const elbo = model.evaluate(probe);
    out.evaluate = await hashNumbers([elbo.loss, elbo.reconstruction, elbo.kl]);
    const saved = model.save();
    out.saved = `${saved.length}:${await sha256(saved)}`;
    const loaded = await lib.VAE.load(saved);
    try {
      out.loadedReconstruct = await hashFloats(loaded.reconstruct(probe).data);
      const resaved = loaded.save();
      out.resaved = `${resaved.length}:${await sha256(resaved)}`;
    } finally {
      loaded.dispose();
    }
    return { hashes: out, saved, firstValues: Array.from(recon.subarray(0, 4)) };
  } finally {
    model.dispose();
  }
}

/**
 * A wide dense autoencoder whose products (16 × 512 × 256 multiply-adds and
 * more) are large enough to be split over the engine's threads, where a
 * runtime has them: its hashes must still be those of one thread.
 */
async function denseWide(lib) {
  const L = lib.layers;
  const x = generateData(64, 512, 0x71de);
  const probe = generateData(5, 512, 0x9a7e);
  const model = await lib.Autoencoder.create({
    input: [512],
    encoder: [L.dense(256, "relu"), L.dense(8)],
    decoder: [L.dense(256, "relu"), L.dense(512, "sigmoid")],
    loss: "mse",
    optimizer: { name: "adam", learningRate: 1e-3 },
    seed: 99,
  });
  try {
    const history = await model.fit(x, { epochs: 2, batchSize: 16 });
    return await hashModel(lib, model, probe, history);
  } finally {
    model.dispose();
  }
}

// New parts go into PARTS: every runner and the vitest tests pick them up.
const PARTS = { denseBceAdam, denseMseSgd, convVae, denseWide };

/**
 * Runs every part and returns { parts: { name: { hashes, firstValues } } }.
 * With `{ withModel: true }` it also returns the first part's saved bytes as
 * base64 (the edge tests load them elsewhere).
 */
export async function runScenario(lib, options = {}) {
  const parts = {};
  let model = null;
  for (const [name, part] of Object.entries(PARTS)) {
    const { hashes, saved, firstValues } = await part(lib);
    parts[name] = { hashes, firstValues };
    if (model === null) model = saved;
  }
  const result = { parts };
  if (options.withModel) result.modelBase64 = toBase64(model);
  return result;
}

/** The probe rows the edge runners reconstruct from the saved model. */
export const edgeProbe = () => generateData(10, 24, 0xbeef);

export { hashFloats, sha256 };

export function toBase64(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return btoa(binary);
}

export function fromBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
