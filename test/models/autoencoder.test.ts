import { describe, expect, it } from "vitest";
import {
  Autoencoder,
  ConfigError,
  DataError,
  DisposedError,
  DivergenceError,
  ModelFormatError,
  ShapeError,
  layers,
  type AutoencoderConfig,
} from "../../src/index.js";
import { getEngine } from "../../src/wasm/module.js";
import { randomArray } from "../helpers.js";

const FEATURES = 10;

/** Samples on a 2-D non-linear manifold in [0, 1]^10. */
function manifold(rows: number, seed: number): { data: Float32Array; shape: number[] } {
  const z = randomArray(rows * 2, seed, -2, 2);
  const mix = randomArray(2 * FEATURES, 77, -1.5, 1.5);
  const data = new Float32Array(rows * FEATURES);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < FEATURES; j++) {
      const s = z[r * 2]! * mix[j]! + z[r * 2 + 1]! * mix[FEATURES + j]!;
      data[r * FEATURES + j] = 1 / (1 + Math.exp(-s));
    }
  }
  return { data, shape: [rows, FEATURES] };
}

const small = (overrides: Partial<AutoencoderConfig> = {}): AutoencoderConfig => ({
  input: [FEATURES],
  encoder: [layers.dense(8, "relu"), layers.dense(2)],
  decoder: [layers.dense(8, "relu"), layers.dense(FEATURES, "sigmoid")],
  loss: "bce",
  optimizer: { name: "adam", learningRate: 1e-2 },
  seed: 7,
  ...overrides,
});

describe("Autoencoder", () => {
  it("infers shapes, counts parameters and prints a summary", async () => {
    const ae = await Autoencoder.create(small());
    expect(ae.codeShape).toEqual([2]);
    expect(ae.parameterCount).toBe(10 * 8 + 8 + 8 * 2 + 2 + 2 * 8 + 8 + 8 * 10 + 10);
    const summary = ae.summary();
    expect(summary).toContain("encoder.0 (dense)");
    expect(summary).toContain("[N, 2]");
    expect(summary).toContain(`Total params: ${ae.parameterCount}`);
    ae.dispose();
  });

  it("learns: the loss falls, encode/decode/reconstruct have the documented shapes", async () => {
    const ae = await Autoencoder.create(small());
    const x = manifold(256, 1);
    const history = await ae.fit(x, { epochs: 30, batchSize: 32, validationSplit: 0.25 });
    expect(history.loss).toHaveLength(30);
    expect(history.valLoss).toHaveLength(30);
    expect(history.loss[29]!).toBeLessThan(history.loss[0]! * 0.8);
    const z = ae.encode(x);
    expect(z.shape).toEqual([256, 2]);
    const back = ae.decode(z);
    expect(back.shape).toEqual([256, FEATURES]);
    const r = ae.reconstruct(x);
    expect(Array.from(r.data)).toEqual(Array.from(back.data));
    const err = ae.reconstructionError(x);
    expect(err).toHaveLength(256);
    expect(ae.evaluate(x)).toBeGreaterThan(0);
    ae.dispose();
  });

  it("accepts number[][] rows and gives the same result as a flat tensor", async () => {
    const ae = await Autoencoder.create(small());
    const x = manifold(5, 2);
    const rows = Array.from({ length: 5 }, (_, r) => Array.from(x.data.subarray(r * FEATURES, (r + 1) * FEATURES)));
    expect(Array.from(ae.encode(rows).data)).toEqual(Array.from(ae.encode(x).data));
    ae.dispose();
  });

  it("is deterministic: same seed and data give identical history, weights and bytes", async () => {
    const run = async () => {
      const ae = await Autoencoder.create(small());
      const history = await ae.fit(manifold(200, 3), { epochs: 4, batchSize: 16, validationSplit: 0.1 });
      const bytes = ae.save();
      ae.dispose();
      return { history, bytes };
    };
    const a = await run();
    const b = await run();
    expect(b.history).toEqual(a.history);
    expect(Buffer.from(b.bytes).equals(Buffer.from(a.bytes))).toBe(true);
    const c = await Autoencoder.create(small({ seed: 8 }));
    expect(Buffer.from(c.save()).equals(Buffer.from(a.bytes))).toBe(false);
    c.dispose();
  });

  it("saves and loads: same outputs bit for bit, and training resumes identically", async () => {
    const ae = await Autoencoder.create(small());
    const x = manifold(64, 4);
    await ae.fit(x, { epochs: 2, batchSize: 16 });
    const back = await Autoencoder.load(ae.save());
    expect(Array.from(back.reconstruct(x).data)).toEqual(Array.from(ae.reconstruct(x).data));
    expect(back.summary()).toEqual(ae.summary());
    const slim = ae.save({ optimizer: false });
    expect(slim.length).toBeLessThan(ae.save().length / 2);
    expect(Array.from((await Autoencoder.load(slim)).reconstruct(x).data)).toEqual(Array.from(ae.reconstruct(x).data));
    // Resuming: one more epoch on the original and on the loaded copy gives the same bytes.
    await ae.fit(x, { epochs: 1, batchSize: 16 });
    await back.fit(x, { epochs: 1, batchSize: 16 });
    expect(Buffer.from(back.save()).equals(Buffer.from(ae.save()))).toBe(true);
    ae.dispose();
    back.dispose();
  });

  it("refuses truncated, corrupted and foreign bytes with a ModelFormatError", async () => {
    const ae = await Autoencoder.create(small());
    const bytes = ae.save();
    ae.dispose();
    for (const cut of [0, 4, 15, 16, 100, bytes.length - 1]) {
      await expect(Autoencoder.load(bytes.subarray(0, cut))).rejects.toThrow(ModelFormatError);
    }
    const flipped = bytes.slice();
    flipped[bytes.length - 5]! ^= 0x10;
    await expect(Autoencoder.load(flipped)).rejects.toThrow(/checksum/);
    await expect(Autoencoder.load(new TextEncoder().encode('{"not":"a model"}'))).rejects.toThrow(ModelFormatError);
  });

  it("rejects bad configurations with ConfigError or ShapeError naming the problem", async () => {
    await expect(Autoencoder.create(small({ loss: "hinge" as never }))).rejects.toThrow(/unknown loss "hinge"/);
    await expect(Autoencoder.create(small({ optimizer: { name: "rmsprop" } as never }))).rejects.toThrow(ConfigError);
    await expect(Autoencoder.create(small({ encoder: [layers.dense(4, "swish" as never)] }))).rejects.toThrow(/unknown activation "swish"/);
    await expect(Autoencoder.create(small({ decoder: [layers.dense(9)] }))).rejects.toThrow(ShapeError);
    await expect(Autoencoder.create(small({ input: [0] }))).rejects.toThrow(ConfigError);
    await expect(Autoencoder.create(small({ seed: -1 }))).rejects.toThrow(/seed/);
  });

  it("rejects bad data with typed errors that say what was expected and found", async () => {
    const ae = await Autoencoder.create(small());
    await expect(ae.fit({ data: new Float32Array(0), shape: [0, FEATURES] })).rejects.toThrow(DataError);
    await expect(ae.fit([])).rejects.toThrow(/empty/);
    await expect(ae.fit({ data: new Float32Array(18), shape: [2, 9] })).rejects.toThrow(/expected shape \[N, 10\]/);
    await expect(ae.fit([[1, 2, 3]])).rejects.toThrow(/expected every row to have 10 values/);
    const ragged = [new Array(10).fill(0), new Array(9).fill(0)];
    await expect(ae.fit(ragged)).rejects.toThrow(/found 9 in row 1/);
    const nan = manifold(4, 5);
    nan.data[2 * FEATURES + 3] = Number.NaN;
    await expect(ae.fit(nan)).rejects.toThrow(/NaN at sample 2, feature 3/);
    const inf = manifold(4, 5);
    inf.data[7] = Infinity;
    expect(() => ae.encode(inf)).toThrow(DataError);
    await expect(ae.fit(manifold(8, 1), { batchSize: 0 })).rejects.toThrow(/batchSize/);
    await expect(ae.fit(manifold(8, 1), { epochs: 1.5 })).rejects.toThrow(/epochs/);
    await expect(ae.fit(manifold(8, 1), { validationSplit: 1 })).rejects.toThrow(/validationSplit/);
    ae.dispose();
  });

  it("stops a diverging fit with a DivergenceError naming epoch and step, keeping finite weights", async () => {
    const ae = await Autoencoder.create(small({ loss: "mse", decoder: [layers.dense(8, "relu"), layers.dense(FEATURES)], optimizer: { name: "sgd", learningRate: 1e6 } }));
    const x = manifold(64, 6);
    const error = await ae.fit(x, { epochs: 5, batchSize: 8 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DivergenceError);
    expect((error as Error).message).toMatch(/at epoch \d+, step \d+/);
    const { kernels } = getEngine();
    expect(kernels.f32_first_nonfinite(ae.slab.regions.params, ae.slab.count)).toBe(-1);
    ae.dispose();
  });

  it("early stopping restores the best weights", async () => {
    const ae = await Autoencoder.create(small());
    const x = manifold(128, 7);
    const history = await ae.fit(x, { epochs: 200, batchSize: 32, validationSplit: 0.25, earlyStopping: { patience: 2 } });
    expect(history.loss.length).toBeLessThan(200);
    const best = Math.min(...history.valLoss);
    const heldOut = { data: x.data.subarray(96 * FEATURES), shape: [32, FEATURES] };
    expect(ae.evaluate(heldOut)).toBeCloseTo(best, 5);
    ae.dispose();
  });

  it("calls async epoch callbacks in order and can be cancelled with an AbortSignal", async () => {
    const ae = await Autoencoder.create(small());
    const seen: number[] = [];
    const controller = new AbortController();
    const run = ae.fit(manifold(64, 8), {
      epochs: 50,
      batchSize: 8,
      onEpochEnd: async (epoch) => {
        await new Promise((r) => setTimeout(r, 1));
        seen.push(epoch);
        if (epoch === 2) controller.abort();
      },
      signal: controller.signal,
    });
    await expect(run).rejects.toThrow();
    expect(seen).toEqual([0, 1, 2]);
    ae.dispose();
  });

  it("grows no memory in steady state: 2,000 steps keep memory and scratch high-water flat after epoch 1", async () => {
    const { arena } = getEngine();
    const ae = await Autoencoder.create(small());
    const marks: { memory: number; highWater: number; live: number }[] = [];
    await ae.fit(manifold(400, 9), {
      epochs: 40,
      batchSize: 8,
      onEpochEnd: () => {
        marks.push({ memory: arena.memoryBytes, highWater: arena.scratchHighWater, live: arena.liveBytes });
      },
    });
    expect(ae.step).toBe(2000);
    for (const m of marks.slice(1)) expect(m).toEqual(marks[0]);
    const liveBefore = arena.liveBytes;
    ae.dispose();
    expect(arena.liveBytes).toBeLessThan(liveBefore);
    expect(() => ae.encode(manifold(1, 1))).toThrow(DisposedError);
    // The slab's size is gone with the slab: no count from a freed model.
    expect(() => ae.parameterCount).toThrow(DisposedError);
  });
});
