// fit under hostile use: disposal while training, divergence, invalid options.
import { describe, expect, it } from "vitest";
import { Autoencoder, ConfigError, DisposedError, DivergenceError, layers, type AutoencoderConfig, type OptimizerConfig } from "../../src/index.js";
import { randomArray } from "../helpers.js";

const FEATURES = 6;
const data = (rows: number, seed: number) => ({ data: randomArray(rows * FEATURES, seed, 0, 1), shape: [rows, FEATURES] });

const config = (optimizer: OptimizerConfig): AutoencoderConfig => ({
  input: [FEATURES],
  encoder: [layers.dense(4, "relu"), layers.dense(2)],
  decoder: [layers.dense(4, "relu"), layers.dense(FEATURES)],
  loss: "mse",
  optimizer,
  seed: 3,
});

describe("fit and dispose", () => {
  it("stops with a DisposedError when the model is disposed during fit, leaving other models' memory alone", async () => {
    const ae = await Autoencoder.create(config({ name: "adam" }));
    const x = data(64, 1);
    const other = await Autoencoder.create(config({ name: "adam", learningRate: 1e-2 }));
    const before = other.reconstruct(x).data.slice();
    let batches = 0;
    const run = ae.fit(x, {
      epochs: 50,
      batchSize: 4,
      onBatchEnd: (b) => {
        batches++;
        if (b === 2) ae.dispose();
      },
    });
    await expect(run).rejects.toThrow(DisposedError);
    expect(batches).toBe(3);
    expect(other.reconstruct(x).data).toEqual(before);
    other.dispose();
  });

  it("stops when disposed from an epoch callback or between yields", async () => {
    const ae = await Autoencoder.create(config({ name: "adam" }));
    await expect(ae.fit(data(16, 2), { epochs: 5, onEpochEnd: () => ae.dispose() })).rejects.toThrow(DisposedError);
    const b = await Autoencoder.create(config({ name: "adam" }));
    const run = b.fit(data(64, 2), { epochs: 1000, batchSize: 1, yieldEveryMs: 0 });
    await new Promise((resolve) => setTimeout(resolve, 0));
    b.dispose();
    await expect(run).rejects.toThrow(DisposedError);
  });
});

describe("fit after divergence", () => {
  for (const optimizer of [{ name: "sgd", learningRate: 3 }, { name: "sgd", learningRate: 1e6 }, { name: "adam", learningRate: 1e30 }] as OptimizerConfig[]) {
    it(`${optimizer.name} at learning rate ${optimizer.learningRate}: the weights kept give finite outputs and the counters match them`, async () => {
      const ae = await Autoencoder.create(config(optimizer));
      const x = data(64, 4);
      x.data.forEach((v, i) => (x.data[i] = v * 100));
      const error = await ae.fit(x, { epochs: 200, batchSize: 8 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DivergenceError);
      const out = ae.reconstruct(x).data;
      expect(out.every(Number.isFinite)).toBe(true);
      expect(ae.optimizer.steps).toBe(ae.step);
      const loaded = await Autoencoder.load(ae.save());
      expect(loaded.optimizer.steps).toBe(loaded.step);
      loaded.dispose();
      ae.dispose();
    });
  }
});

describe("fit options", () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["patience -1", { earlyStopping: { patience: -1 } }, /earlyStopping\.patience.*integer >= 0.*found -1/],
    ["patience 1.5", { earlyStopping: { patience: 1.5 } }, /earlyStopping\.patience.*found 1\.5/],
    ["minDelta NaN", { earlyStopping: { minDelta: Number.NaN } }, /earlyStopping\.minDelta.*found NaN/],
    ["minDelta -1", { earlyStopping: { minDelta: -1 } }, /earlyStopping\.minDelta.*found -1/],
    ["monitor bogus", { earlyStopping: { monitor: "bogus" } }, /earlyStopping\.monitor.*"loss" or "valLoss".*found "bogus"/],
    ["monitor __proto__", { earlyStopping: { monitor: "__proto__" } }, /earlyStopping\.monitor/],
    ["earlyStopping a string", { earlyStopping: "yes" }, /earlyStopping.*found "yes"/],
    ["restoreBestWeights a string", { earlyStopping: { restoreBestWeights: "no" } }, /restoreBestWeights.*boolean.*found "no"/],
    ["yieldEveryMs NaN", { yieldEveryMs: Number.NaN }, /yieldEveryMs.*found NaN/],
    ["yieldEveryMs -5", { yieldEveryMs: -5 }, /yieldEveryMs.*found -5/],
    ["shuffle a number", { shuffle: 1 }, /shuffle.*boolean.*found 1/],
    ["onBatchEnd a string", { onBatchEnd: "x" }, /onBatchEnd.*function/],
    ["signal not a signal", { signal: {} }, /signal.*AbortSignal/],
    ["epochs a long string", { epochs: "e".repeat(100000) }, /epochs.*found "e+…$/],
  ];
  for (const [name, options, message] of cases) {
    it(`refuses ${name} with a ConfigError naming the option`, async () => {
      const ae = await Autoencoder.create(config({ name: "adam" }));
      const error = await ae.fit(data(8, 5), options as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message.length).toBeLessThan(300);
      ae.dispose();
    });
  }

  it("accepts the documented values", async () => {
    const ae = await Autoencoder.create(config({ name: "adam" }));
    const history = await ae.fit(data(16, 6), { epochs: 2, earlyStopping: { patience: 0, minDelta: 0, monitor: "loss", restoreBestWeights: false }, yieldEveryMs: 0, shuffle: false });
    expect(history.loss.length).toBeGreaterThan(0);
    ae.dispose();
  });
});
