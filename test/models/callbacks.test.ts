// Keras's callbacks in fit: ReduceLROnPlateau's rate per epoch against a
// transcription of its rule, ModelCheckpoint (best bytes, and training that
// resumes from the file bit for bit), CSVLogger's text and file.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Autoencoder, ConfigError, csvLogger, exponentialDecay, layers, modelCheckpoint, reduceLROnPlateau, VAE,
  type AutoencoderConfig, type EpochLogs, type VAEConfig,
} from "../../src/index.js";
import { createOptimizer } from "../../src/optim/optimizer.js";
import { randomArray } from "../helpers.js";

const FEATURES = 8;
const x = { data: randomArray(96 * FEATURES, 31, 0, 1), shape: [96, FEATURES] };
const aeConfig = (extra: Partial<AutoencoderConfig> = {}): AutoencoderConfig => ({
  input: [FEATURES],
  encoder: [layers.dense(6, "relu"), layers.dense(3)],
  decoder: [layers.dense(6, "relu"), layers.dense(FEATURES, "sigmoid")],
  loss: "bce",
  optimizer: { name: "adam", learningRate: 1e-2 },
  // The noise draws and the shuffles are keyed by the step and epoch counters a checkpoint saves.
  noise: { type: "gaussian", stddev: 0.1 },
  seed: 3,
  ...extra,
});
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const paramsOf = (m: { slab: { read(): { data: Float32Array }[] } }) => m.slab.read().flatMap((t) => bits(t.data));

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "callbacks-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Keras's ReduceLROnPlateau.on_epoch_end, transcribed (mode min), over a sequence of monitored values. */
function kerasPlateau(values: number[], lr0: number, o: { factor: number; patience: number; minDelta: number; cooldown: number; minLr: number }): number[] {
  let lr = lr0, best = Infinity, wait = 0, cooldownCounter = 0;
  const after: number[] = [];
  for (const current of values) {
    if (cooldownCounter > 0) {
      cooldownCounter -= 1;
      wait = 0;
    }
    if (current < best - o.minDelta) {
      best = current;
      wait = 0;
    } else if (!(cooldownCounter > 0)) {
      wait += 1;
      if (wait >= o.patience && lr > Math.fround(o.minLr)) {
        lr = Math.max(lr * o.factor, o.minLr);
        cooldownCounter = o.cooldown;
        wait = 0;
      }
    }
    after.push(lr);
  }
  return after;
}

describe("reduceLROnPlateau", () => {
  it("sets the rate after each epoch as Keras's rule does (patience, minDelta, cooldown, minLr)", async () => {
    const values = [1, 0.9, 0.89995, 0.95, 0.9, 0.7, 0.71, 0.72, 0.73, 0.74, 0.75, 0.76, 0.77, 0.78, 0.79];
    for (const o of [
      { factor: 0.5, patience: 2, minDelta: 1e-4, cooldown: 0, minLr: 0 },
      { factor: 0.1, patience: 1, minDelta: 0, cooldown: 2, minLr: 1e-4 },
      { factor: 0.3, patience: 0, minDelta: 0.05, cooldown: 1, minLr: 2e-3 },
    ]) {
      const optimizer = createOptimizer({ name: "sgd", learningRate: 0.1 });
      const cb = reduceLROnPlateau({ monitor: "loss", ...o });
      const state = { save: () => new Uint8Array(), optimizer, history: { epoch: [], loss: [], valLoss: [] }, hasValidation: false };
      await cb.onTrainBegin!(state);
      const got: number[] = [];
      for (const [epoch, v] of values.entries()) {
        await cb.onEpochEnd!(epoch, { loss: v, seconds: 0, samplesPerSecond: 0 } as EpochLogs, state);
        got.push(optimizer.learningRateOverride ?? 0.1);
      }
      expect(got, JSON.stringify(o)).toEqual(kerasPlateau(values, 0.1, o));
      expect(new Set(got).size, "the sequence reduces at least once").toBeGreaterThan(1);
    }
  });

  it("in fit: history.learningRate shows each reduction from the next epoch on, and the steps use it", async () => {
    const model = await Autoencoder.create(aeConfig());
    // minDelta 10: no epoch after the first counts as an improvement.
    const h = await model.fit(x, { epochs: 5, batchSize: 32, callbacks: [reduceLROnPlateau({ monitor: "loss", patience: 1, factor: 0.5, minDelta: 10, minLr: 3e-3 })] });
    expect(h.learningRate).toEqual([1e-2, 1e-2, 5e-3, 3e-3, 3e-3]);
    const again = await Autoencoder.load(model.save());
    expect(again.optimizer.learningRate).toBe(3e-3);
    model.dispose();
    again.dispose();
  });

  it("refuses a schedule, valLoss without validation data and bad settings", async () => {
    const model = await Autoencoder.create(aeConfig({ optimizer: { name: "adam", learningRate: exponentialDecay({ initialLearningRate: 1e-2, decaySteps: 10, decayRate: 0.9 }) } }));
    await expect(model.fit(x, { callbacks: [reduceLROnPlateau()] })).rejects.toThrow(/needs a constant learningRate, found a "exponentialDecay" schedule/);
    await expect(model.fit(x, { callbacks: [reduceLROnPlateau({ monitor: "valLoss" })] })).rejects.toThrow(/"valLoss" needs validationSplit/);
    expect(() => reduceLROnPlateau({ factor: 1 })).toThrow(/factor < 1/);
    expect(() => reduceLROnPlateau({ patience: -1 })).toThrow(/patience to be an integer >= 0, found -1/);
    const plain = await Autoencoder.create(aeConfig());
    await expect(plain.fit(x, { callbacks: [reduceLROnPlateau({ monitor: "valKl" })], validationSplit: 0.25 })).rejects.toThrow(/monitor "valKl" is not in the epoch's logs; found loss, valLoss/);
    await expect(plain.fit(x, { callback: [] } as never)).rejects.toThrow(/did you mean "callbacks"/);
    await expect(plain.fit(x, { callbacks: [{ onEpochEnd: 1 }] } as never)).rejects.toThrow(/callbacks\[0\]\.onEpochEnd to be a function/);
    model.dispose();
    plain.dispose();
  });
});

describe("modelCheckpoint", () => {
  it("keeps the bytes of the best epoch by the monitored quantity", async () => {
    const model = await Autoencoder.create(aeConfig());
    const perEpoch: Uint8Array[] = [];
    const best = modelCheckpoint({ monitor: "valLoss", saveBestOnly: true });
    const h = await model.fit(x, { epochs: 6, batchSize: 16, validationSplit: 0.25, onEpochEnd: () => void perEpoch.push(model.save()), callbacks: [best] });
    const argmin = h.valLoss.indexOf(Math.min(...h.valLoss));
    expect(best.epoch).toBe(argmin);
    expect(best.best).toBe(h.valLoss[argmin]);
    expect(Array.from(best.bytes!)).toEqual(Array.from(perEpoch[argmin]!));
    const maxMode = modelCheckpoint({ monitor: "valLoss", saveBestOnly: true, mode: "max" });
    const h2 = await model.fit(x, { epochs: 3, batchSize: 16, validationSplit: 0.25, callbacks: [maxMode] });
    expect(maxMode.epoch).toBe(h2.valLoss.indexOf(Math.max(...h2.valLoss)));
    model.dispose();
  });

  it("training resumes bit-identically from a checkpoint file: 2 + 2 epochs equal 4 straight (Autoencoder, denoising)", async () => {
    const straight = await Autoencoder.create(aeConfig());
    const h4 = await straight.fit(x, { epochs: 4, batchSize: 16, validationSplit: 0.25 });
    const first = await Autoencoder.create(aeConfig());
    const path = join(dir, "ae.aenc");
    const ckpt = modelCheckpoint({ path });
    const h2 = await first.fit(x, { epochs: 2, batchSize: 16, validationSplit: 0.25, callbacks: [ckpt] });
    first.dispose();
    const file = new Uint8Array(await readFile(path));
    expect(Array.from(file)).toEqual(Array.from(ckpt.bytes!));
    const resumed = await Autoencoder.load(file);
    const h2b = await resumed.fit(x, { epochs: 2, batchSize: 16, validationSplit: 0.25 });
    expect([...h2.loss, ...h2b.loss]).toEqual(h4.loss);
    expect([...h2.valLoss, ...h2b.valLoss]).toEqual(h4.valLoss);
    expect(paramsOf(resumed)).toEqual(paramsOf(straight));
    // Without the optimizer state the moments start from zero: a different run.
    const other = await Autoencoder.create(aeConfig());
    const withoutState = modelCheckpoint({ includeOptimizer: false });
    await other.fit(x, { epochs: 2, batchSize: 16, validationSplit: 0.25, callbacks: [withoutState] });
    other.dispose();
    const noState = await Autoencoder.load(withoutState.bytes!);
    await noState.fit(x, { epochs: 2, batchSize: 16, validationSplit: 0.25 });
    expect(paramsOf(noState)).not.toEqual(paramsOf(straight));
    for (const m of [straight, resumed, noState]) m.dispose();
  });

  it("VAE with a learning-rate schedule: 2 + 2 epochs from the checkpoint equal 4 straight", async () => {
    const config: VAEConfig = {
      input: [FEATURES], encoder: [layers.dense(6, "tanh")], latent: 2, decoder: [layers.dense(6, "tanh"), layers.dense(FEATURES, "sigmoid")],
      optimizer: { name: "adam", learningRate: exponentialDecay({ initialLearningRate: 1e-2, decaySteps: 5, decayRate: 0.8 }), clipNorm: 0.5 }, seed: 5,
    };
    const straight = await VAE.create(config);
    const h4 = await straight.fit(x, { epochs: 4, batchSize: 24 });
    const first = await VAE.create(config);
    const ckpt = modelCheckpoint({ path: join(dir, "vae.aenc") });
    await first.fit(x, { epochs: 2, batchSize: 24, callbacks: [ckpt] });
    first.dispose();
    const resumed = await VAE.load(new Uint8Array(await readFile(join(dir, "vae.aenc"))));
    const h2b = await resumed.fit(x, { epochs: 2, batchSize: 24 });
    expect(h2b.loss).toEqual(h4.loss.slice(2));
    expect(h2b.learningRate).toEqual(h4.learningRate!.slice(2));
    expect(paramsOf(resumed)).toEqual(paramsOf(straight));
    straight.dispose();
    resumed.dispose();
  });

  it("refuses a path whose directory does not exist before training", async () => {
    const model = await Autoencoder.create(aeConfig());
    let epochs = 0;
    await expect(model.fit(x, { onEpochEnd: () => void epochs++, callbacks: [modelCheckpoint({ path: join(dir, "missing", "m.aenc") })] }))
      .rejects.toThrow(/modelCheckpoint: cannot write .*missing.*the directory .* does not exist/);
    expect(epochs).toBe(0);
    expect(() => modelCheckpoint({ saveBestOnly: "yes" } as never)).toThrow(ConfigError);
    model.dispose();
  });
});

describe("csvLogger", () => {
  it("writes epoch, loss, valLoss, learningRate and the other history entries, a line per epoch", async () => {
    const model = await VAE.create({ input: [FEATURES], encoder: [layers.dense(6, "tanh")], latent: 2, decoder: [layers.dense(FEATURES, "sigmoid")], seed: 2 });
    const path = join(dir, "log.csv");
    const log = csvLogger({ path });
    const h = await model.fit(x, { epochs: 3, batchSize: 32, validationSplit: 0.25, callbacks: [log] });
    const lines = log.text.trimEnd().split("\n");
    expect(lines[0]).toBe("epoch,loss,valLoss,learningRate,reconstruction,kl,valReconstruction,valKl");
    expect(lines.slice(1)).toEqual(h.epoch.map((e, i) => [e, h.loss[i], h.valLoss[i], h.learningRate![i], h.reconstruction![i], h.kl![i], h.valReconstruction![i], h.valKl![i]].join(",")));
    // Each field reads back to the history's double.
    expect(Number(lines[1]!.split(",")[1])).toBe(h.loss[0]);
    expect(await readFile(path, "utf8")).toBe(log.text);
    // append: a second fit adds its lines under the same header.
    const more = csvLogger({ path, append: true, separator: ";" });
    await model.fit(x, { epochs: 1, batchSize: 32, validationSplit: 0.25, callbacks: [more] });
    const text = await readFile(path, "utf8");
    expect(text.startsWith(log.text)).toBe(true);
    expect(text.trimEnd().split("\n")).toHaveLength(5);
    model.dispose();
  });

  it("without validation leaves valLoss out; an existing file is replaced unless append", async () => {
    const path = join(dir, "plain.csv");
    await writeFile(path, "old\n");
    const model = await Autoencoder.create(aeConfig());
    const log = csvLogger({ path });
    await model.fit(x, { epochs: 2, batchSize: 48, callbacks: [log] });
    expect(log.text.split("\n")[0]).toBe("epoch,loss,learningRate");
    expect(await readFile(path, "utf8")).toBe(log.text);
    expect(() => csvLogger({ separator: "\n" })).toThrow(/separator/);
    model.dispose();
  });
});
