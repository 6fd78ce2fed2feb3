import { describe, expect, it } from "vitest";
import { Autoencoder, ConfigError, layers, type AutoencoderConfig } from "../../src/index.js";
import { checkSchedule, cosineDecay, exponentialDecay, learningRateAt, piecewiseConstant } from "../../src/optim/schedules.js";
import { init } from "../../src/wasm/module.js";
import { randomArray } from "../helpers.js";

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe("learning-rate schedules against Keras' formulas", () => {
  it("exponentialDecay: lr₀·rate^(step/decaySteps), floored with staircase", async () => {
    await init();
    const s = exponentialDecay({ initialLearningRate: 0.1, decaySteps: 70, decayRate: 0.93 });
    const stairs = exponentialDecay({ initialLearningRate: 0.1, decaySteps: 70, decayRate: 0.93, staircase: true });
    for (let step = 0; step <= 5000; step += 37) {
      // f32 exp and log: about 1e-7 relative, times the exponent's size.
      expect(rel(learningRateAt(s, step), 0.1 * 0.93 ** (step / 70)), `step ${step}`).toBeLessThan(2e-6);
      expect(rel(learningRateAt(stairs, step), 0.1 * 0.93 ** Math.floor(step / 70)), `staircase step ${step}`).toBeLessThan(2e-6);
    }
    expect(learningRateAt(s, 0)).toBe(0.1);
    expect(learningRateAt(stairs, 69)).toBe(0.1);
  });

  it("cosineDecay: linear warm-up to the target, then the cosine down to α·peak, then flat", () => {
    const s = cosineDecay({ initialLearningRate: 0.001, decaySteps: 900, alpha: 0.1, warmupSteps: 100, warmupTarget: 0.01 });
    for (let step = 0; step <= 1200; step += 7) {
      const want = step < 100
        ? 0.001 + ((0.01 - 0.001) * step) / 100
        : 0.01 * (0.9 * 0.5 * (1 + Math.cos((Math.PI * Math.min(step - 100, 900)) / 900)) + 0.1);
      expect(Math.abs(learningRateAt(s, step) - want), `step ${step}`).toBeLessThan(1e-17);
    }
    expect(learningRateAt(s, 100)).toBe(0.01);
    expect(Math.abs(learningRateAt(s, 1000) - 0.001)).toBeLessThan(1e-18);
    const plain = cosineDecay({ initialLearningRate: 0.5, decaySteps: 10 });
    expect(learningRateAt(plain, 0)).toBe(0.5);
    expect(Math.abs(learningRateAt(plain, 5) - 0.25)).toBeLessThan(1e-16);
    expect(Math.abs(learningRateAt(plain, 20))).toBeLessThan(1e-16);
  });

  it("piecewiseConstant: values[i] while step ≤ boundaries[i], the last after", () => {
    const s = piecewiseConstant({ boundaries: [10, 20], values: [1, 0.5, 0.1] });
    expect([0, 10, 11, 20, 21, 1000].map((step) => learningRateAt(s, step))).toEqual([1, 1, 0.5, 0.5, 0.1, 0.1]);
  });

  it("refuses malformed schedules with a ConfigError naming the field", () => {
    expect(() => exponentialDecay({ initialLearningRate: 0.1, decaySteps: 0, decayRate: 0.9 })).toThrow(/decaySteps to be a positive number, found 0/);
    expect(() => cosineDecay({ initialLearningRate: 0.1, decaySteps: 10, warmupSteps: 5 })).toThrow(/warmupTarget/);
    expect(() => cosineDecay({ initialLearningRate: 0.1, decaySteps: 10, alpha: 2 })).toThrow(/alpha to be in \[0, 1\]/);
    expect(() => piecewiseConstant({ boundaries: [5, 5], values: [1, 2, 3] })).toThrow(/boundaries\[1\]/);
    expect(() => piecewiseConstant({ boundaries: [5], values: [1] })).toThrow(/found 1 and 1/);
    expect(() => checkSchedule({ schedule: "polynomialDecay" })).toThrow(ConfigError);
    expect(() => checkSchedule(null)).toThrow(ConfigError);
  });
});

describe("schedules in fit", () => {
  const x = { data: randomArray(64 * 6, 1, 0, 1), shape: [64, 6] };
  const config = (learningRate: AutoencoderConfig["optimizer"]): AutoencoderConfig => ({
    input: [6],
    encoder: [layers.dense(3, "tanh")],
    decoder: [layers.dense(6)],
    optimizer: learningRate,
    seed: 2,
  });

  it("each step takes its scheduled rate; the history records the rate of each epoch's last step", async () => {
    // One step per epoch (batch = all 64 rows): steps 0, 1, 2 at 0.05, then 0.01.
    const schedule = piecewiseConstant({ boundaries: [2], values: [0.05, 0.01] });
    const scheduled = await Autoencoder.create(config({ name: "sgd", learningRate: schedule }));
    const constant = await Autoencoder.create(config({ name: "sgd", learningRate: 0.05 }));
    const a = await scheduled.fit(x, { epochs: 3, batchSize: 64 });
    const b = await constant.fit(x, { epochs: 3, batchSize: 64 });
    expect(a.loss).toEqual(b.loss);
    expect(a.learningRate).toEqual([0.05, 0.05, 0.05]);
    expect(b.learningRate).toEqual([0.05, 0.05, 0.05]);
    const c = await scheduled.fit(x, { epochs: 2, batchSize: 64 });
    const d = await constant.fit(x, { epochs: 2, batchSize: 64 });
    expect(c.learningRate).toEqual([0.01, 0.01]);
    expect(c.loss[1]).not.toBe(d.loss[1]);
    scheduled.dispose();
    constant.dispose();
  });

  it("a saved model keeps its schedule and its place in it: resuming is bit-identical", async () => {
    const schedule = cosineDecay({ initialLearningRate: 1e-3, decaySteps: 20, warmupSteps: 4, warmupTarget: 1e-2 });
    const model = await Autoencoder.create(config({ name: "adam", learningRate: schedule }));
    await model.fit(x, { epochs: 2, batchSize: 16 });
    const back = await Autoencoder.load(model.save());
    const a = await model.fit(x, { epochs: 3, batchSize: 16 });
    const b = await back.fit(x, { epochs: 3, batchSize: 16 });
    expect(b).toEqual(a);
    expect(a.learningRate).toEqual([11, 15, 19].map((step) => learningRateAt(schedule, step)));
    model.dispose();
    back.dispose();
  });
});
