// fit on streamed data: the same training as arrays where the order is the same, a seeded shuffle buffer whose
// order matches an independent reference, stepsPerEpoch on an endless generator, streamed validation, typed errors.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Autoencoder, ConfigError, DataError, layers, streamCsv, VAE, type AutoencoderConfig } from "../../src/index.js";
import { StreamTraining } from "../../src/models/stream-data.js";
import { getEngine } from "../../src/wasm/module.js";
import { randomArray } from "../helpers.js";

const FEATURES = 5;
const ROWS = 70;
const x = randomArray(ROWS * FEATURES, 4, 0, 1);
const rowOf = (i: number) => Array.from(x.subarray(i * FEATURES, (i + 1) * FEATURES));

const config: AutoencoderConfig = {
  input: [FEATURES],
  encoder: [layers.dense(4, "tanh"), layers.dense(2)],
  decoder: [layers.dense(4, "tanh"), layers.dense(FEATURES, "sigmoid")],
  loss: "mse",
  seed: 9,
};

/** The rows as a re-iterable stream of mixed items: single samples, number[][] batches and { data, shape } batches. */
function mixed(from = 0, to = ROWS) {
  return async function* () {
    let i = from;
    let k = 0;
    while (i < to) {
      const n = Math.min([1, 3, 7, 2][k++ % 4]!, to - i);
      if (n === 1) yield k % 2 ? rowOf(i) : Float32Array.from(rowOf(i));
      else if (k % 3 === 0) yield Array.from({ length: n }, (_, r) => rowOf(i + r));
      else yield { data: x.slice(i * FEATURES, (i + n) * FEATURES), shape: [n, FEATURES] };
      i += n;
    }
  };
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

async function weightsAfter(fit: (ae: Autoencoder) => Promise<unknown>): Promise<{ weights: number[]; history: unknown }> {
  const ae = await Autoencoder.create(config);
  try {
    const history = await fit(ae);
    return { weights: bits(new Float32Array(ae.save({ optimizer: false }))), history };
  } finally {
    ae.dispose();
  }
}

/** The order a tfjs-style shuffle buffer hands samples on, drawing from the same Philox words: an independent reference. */
function referenceOrder(n: number, size: number, seed: number, epoch: number): number[] {
  const { arena, kernels } = getEngine();
  const ptr = arena.alloc(16);
  let index = 0;
  const below = (k: number) => {
    if ((index & 3) === 0) kernels.u32_philox4x32(ptr, index >>> 2, epoch, 0, 0, seed, 5);
    const word = arena.u32[(ptr >>> 2) + (index++ & 3)]!;
    return Number((BigInt(word) * BigInt(k)) >> 32n);
  };
  const buffer: number[] = [];
  const out: number[] = [];
  let next = 0;
  while (buffer.length < size && next < n) buffer.push(next++);
  while (buffer.length > 0) {
    const j = below(buffer.length);
    out.push(buffer[j]!);
    if (next < n) buffer[j] = next++;
    else buffer[j] = buffer[buffer.length - 1]!, buffer.pop();
  }
  arena.free(ptr);
  return out;
}

describe("fit on a stream", () => {
  it("trains to the same bits as arrays when the order is the same (no shuffling)", async () => {
    const arrays = await weightsAfter((ae) => ae.fit({ data: x, shape: [ROWS, FEATURES] }, { epochs: 3, batchSize: 8, shuffle: false }));
    const streamed = await weightsAfter((ae) => ae.fit(mixed(), { epochs: 3, batchSize: 8 }));
    expect(streamed.weights).toEqual(arrays.weights);
    expect((streamed.history as { loss: number[] }).loss).toEqual((arrays.history as { loss: number[] }).loss);
  });

  it("validates on a stream with the figures of validation arrays", async () => {
    const train = { data: x.slice(0, 50 * FEATURES), shape: [50, FEATURES] };
    const val = { data: x.slice(50 * FEATURES), shape: [20, FEATURES] };
    const arrays = await weightsAfter((ae) => ae.fit(train, { epochs: 2, batchSize: 8, shuffle: false, validationData: val }));
    const streamed = await weightsAfter((ae) => ae.fit(mixed(0, 50), { epochs: 2, batchSize: 8, validationData: mixed(50, 70) }));
    const withArrays = await weightsAfter((ae) => ae.fit(mixed(0, 50), { epochs: 2, batchSize: 8, validationData: val }));
    const valLoss = (h: unknown) => (h as { valLoss: number[] }).valLoss;
    expect(valLoss(streamed.history)).toEqual(valLoss(arrays.history));
    expect(valLoss(withArrays.history)).toEqual(valLoss(arrays.history));
    expect(valLoss(arrays.history)).toHaveLength(2);
  });

  it("shuffles through a seeded buffer: the reference order, the same bits for the same seed, others for another", async () => {
    const ae = await Autoencoder.create(config);
    const stream = () => Array.from({ length: ROWS }, (_, i) => [i, 0, 0, 0, 0]);
    for (const size of [2, 16, 100]) {
      const data = new StreamTraining(stream, undefined, [FEATURES], { shuffleBuffer: size });
      const order: number[] = [];
      const { arena } = getEngine();
      for await (const b of data.batches(ae, 0, 32, true)) {
        arena.scoped(() => {
          const t = b.tensor();
          const values = arena.read(t.ptr, b.rows * FEATURES);
          for (let r = 0; r < b.rows; r++) order.push(values[r * FEATURES]!);
        });
      }
      data.free();
      expect(order, `buffer ${size}`).toEqual(referenceOrder(ROWS, size, 9, 0));
    }
    ae.dispose();
    const run = (seed: number) =>
      weightsAfter(async (model) => {
        const other = await Autoencoder.create({ ...config, seed });
        try {
          await other.fit(mixed(), { epochs: 2, batchSize: 8, shuffleBuffer: 20 });
          return bits(new Float32Array(other.save({ optimizer: false })));
        } finally {
          other.dispose();
          void model;
        }
      }).then((r) => r.history as number[]);
    const [a, b, c] = [await run(9), await run(9), await run(10)];
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const unshuffled = await weightsAfter((m) => m.fit(mixed(), { epochs: 2, batchSize: 8 }));
    expect(a).not.toEqual(unshuffled.weights);
  });

  it("reads an endless one-shot generator stepsPerEpoch batches an epoch", async () => {
    async function* endless() {
      for (let i = 0; ; i++) yield rowOf(i % ROWS);
    }
    const ae = await Autoencoder.create(config);
    const seen: number[] = [];
    const history = await ae.fit(endless(), { epochs: 3, batchSize: 4, stepsPerEpoch: 5, onBatchEnd: (_, logs) => void seen.push(logs.epochSamples) });
    expect(history.loss).toHaveLength(3);
    expect(seen).toHaveLength(15);
    expect(new Set(seen)).toEqual(new Set([20]));
    expect(ae.step).toBe(15);
    ae.dispose();
  });

  it("refuses non-finite values in a streamed batch with a DataError naming the stream's sample, weights untouched", async () => {
    const ae = await Autoencoder.create(config);
    const before = bits(new Float32Array(ae.save({ optimizer: false })));
    const bad = () => Array.from({ length: 12 }, (_, i) => (i === 6 ? [0, 0, Number.NaN, 0, 0] : rowOf(i)));
    await expect(ae.fit(bad, { batchSize: 4 })).rejects.toThrow(DataError);
    const after4 = bits(new Float32Array(ae.save({ optimizer: false })));
    expect(after4).not.toEqual(before); // the first batch of four trained
    const fresh = await Autoencoder.create(config);
    await expect(fresh.fit(bad, { batchSize: 12 })).rejects.toThrow("fit x: expected finite numbers, found NaN at sample 6 of the stream in epoch 1, feature 2");
    expect(bits(new Float32Array(fresh.save({ optimizer: false })))).toEqual(before);
    await expect(fresh.fit(() => [[1, 2, 3]], {})).rejects.toThrow("expected a sample of 5 values");
    await expect(fresh.fit(() => [], {})).rejects.toThrow("a stream that yielded none");
    ae.dispose();
    fresh.dispose();
  });

  it("checks the stream options and what can be read again before training", async () => {
    const ae = await Autoencoder.create(config);
    async function* once() {
      yield rowOf(0);
    }
    await expect(ae.fit(once(), { epochs: 2 })).rejects.toThrow(ConfigError);
    await expect(ae.fit(once(), { epochs: 2 })).rejects.toThrow("can be read once");
    await expect(ae.fit(mixed(), { validationSplit: 0.2 })).rejects.toThrow("validationSplit needs x held in memory");
    await expect(ae.fit({ data: x, shape: [ROWS, FEATURES] }, { shuffleBuffer: 10 })).rejects.toThrow("shuffleBuffer applies to streamed data");
    await expect(ae.fit({ data: x, shape: [ROWS, FEATURES] }, { validationData: mixed() })).rejects.toThrow(ConfigError);
    await expect(ae.fit(mixed(), { shuffleBuffer: 2 ** 22 })).rejects.toThrow("shuffleBuffer to be an integer in [0, 2097152]");
    await expect(ae.fit(mixed(), { stepsPerEpoch: 0 })).rejects.toThrow(ConfigError);
    await expect(ae.fit(mixed(), { shufleBuffer: 3 } as never)).rejects.toThrow('did you mean "shuffleBuffer"');
    // A one-shot generator is fine for one epoch.
    expect((await ae.fit(once(), {})).loss).toHaveLength(1);
    ae.dispose();
  });
});

describe("fit on streamed files", () => {
  const dir = mkdtempSync(join(tmpdir(), "stream-fit-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("trains on streamCsv(path) over several epochs as on readCsv's table, and a VAE too", async () => {
    const path = join(dir, "x.csv");
    const lines = Array.from({ length: ROWS }, (_, i) => rowOf(i).join(","));
    writeFileSync(path, `${Array.from({ length: FEATURES }, (_, j) => `f${j}`).join(",")}\n${lines.join("\n")}\n`);
    const parsed = new Float32Array(lines.flatMap((l) => l.split(",").map(Number)));
    const arrays = await weightsAfter((ae) => ae.fit({ data: parsed, shape: [ROWS, FEATURES] }, { epochs: 2, batchSize: 16, shuffle: false }));
    const streamed = await weightsAfter((ae) => ae.fit(streamCsv(path, { blockRows: 9, chunkBytes: 100 }), { epochs: 2, batchSize: 16 }));
    expect(streamed.weights).toEqual(arrays.weights);
    const vae = await VAE.create({ input: [FEATURES], encoder: [layers.dense(4, "relu")], latent: 2, decoder: [layers.dense(4, "relu"), layers.dense(FEATURES, "sigmoid")], seed: 2 });
    const h = await vae.fit(streamCsv(path), { epochs: 2, batchSize: 16, shuffleBuffer: 32, validationData: streamCsv(path) });
    expect(h.valLoss).toHaveLength(2);
    expect(h.valLoss.every(Number.isFinite)).toBe(true);
    vae.dispose();
  });
});
