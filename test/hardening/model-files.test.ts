// Hostile model files: every size a file declares is checked against the file
// before anything it implies is allocated; names select behaviour only through
// own properties; weights, counters and statistics are finite and in range;
// every failure is a ModelFormatError whose message stays short.
import { beforeAll, describe, expect, it } from "vitest";
import { AnomalyDetector, Autoencoder, ConfigError, Denoiser, Generator, layers, ModelFormatError, VAE, type AutoencoderConfig } from "../../src/index.js";
import { crc32 } from "../../src/io/crc32.js";
import { decodeModelFile, encodeModelFile, type NamedTensor } from "../../src/io/model-file.js";
import { encodeSafetensors } from "../../src/io/safetensors.js";
import { getEngine, init } from "../../src/wasm/module.js";
import { randomArray } from "../helpers.js";

const FEATURES = 6;
const data = (rows: number, seed: number) => ({ data: randomArray(rows * FEATURES, seed, 0, 1), shape: [rows, FEATURES] });
const config = (): AutoencoderConfig => ({
  input: [FEATURES],
  encoder: [layers.dense(4, "relu"), layers.dense(2)],
  decoder: [layers.dense(4, "relu"), layers.dense(FEATURES, "sigmoid")],
  loss: "bce",
  seed: 1,
});

type Meta = Record<string, unknown> & { config: Record<string, unknown> };

/** A file re-encoded (valid CRC) after `edit` changed its JSON or tensors. */
function mutate(bytes: Uint8Array, edit: (meta: Meta, tensors: NamedTensor[]) => void): Uint8Array {
  const file = decodeModelFile(bytes);
  const meta = structuredClone(file.config) as Meta;
  const tensors = [...file.tensors].map(([name, t]) => ({ name, shape: [...t.shape], data: t.data.slice() }));
  edit(meta, tensors);
  return encodeModelFile(meta, tensors);
}

const NEST = "@nest@";
/** As mutate, with every NEST string replaced by 5,000 levels of nested arrays (deeper than JSON.stringify goes here). */
function mutateNested(bytes: Uint8Array, edit: (meta: Meta) => void): Uint8Array {
  const file = decodeModelFile(bytes);
  const meta = structuredClone(file.config) as Meta;
  edit(meta);
  const text = JSON.stringify(meta).replaceAll(JSON.stringify(NEST), "[".repeat(5000) + "]".repeat(5000));
  const tensors = [...file.tensors].map(([name, t]) => ({ name, shape: t.shape, data: t.data }));
  const body = encodeSafetensors(tensors, { format: "autoencoders", config: text });
  return withHeader(body);
}

function withHeader(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(16 + body.length);
  out.set([0x41, 0x55, 0x54, 0x4f, 0x45, 0x4e, 0x43, 0x1a]);
  new DataView(out.buffer).setUint32(8, 1, true);
  new DataView(out.buffer).setUint32(12, crc32(body), true);
  out.set(body, 16);
  return out;
}

/** A model file whose metadata JSON is `metadataJson` and whose header holds `entries` verbatim (for shapes no encoder writes). */
function rawFile(configText: string, entries = "", data = new Uint8Array(0)): Uint8Array {
  const header = `{"__metadata__":{"config":${JSON.stringify(configText)},"format":"autoencoders"}${entries}}`;
  const headerBytes = new TextEncoder().encode(header);
  const body = new Uint8Array(8 + headerBytes.length + data.length);
  new DataView(body.buffer).setUint32(0, headerBytes.length, true);
  body.set(headerBytes, 8);
  body.set(data, 8 + headerBytes.length);
  return withHeader(body);
}

async function refused(load: Promise<unknown>, message?: RegExp): Promise<Error> {
  const error = (await load.then(() => null, (e: unknown) => e)) as Error;
  expect(error).toBeInstanceOf(ModelFormatError);
  if (message) expect(error.message).toMatch(message);
  expect(error.message.length).toBeLessThan(600);
  return error;
}

const memory = () => getEngine().arena.memory.buffer.byteLength;

let saved: Uint8Array;
beforeAll(async () => {
  await init();
  const ae = await Autoencoder.create(config());
  await ae.fit(data(32, 1), { epochs: 1, batchSize: 8 });
  saved = ae.save();
  ae.dispose();
});

describe("activation names", () => {
  for (const name of ["constructor", "__proto__", "toString", "CONSTRUCTOR", "hasOwnProperty", "valueOf"]) {
    it(`refuses ${name} at create and at load`, async () => {
      await expect(Autoencoder.create({ ...config(), encoder: [layers.dense(4, name as never), layers.dense(2)] })).rejects.toThrow(ConfigError);
      const bytes = mutate(saved, (meta) => {
        (meta.config.encoder as { activation?: string }[])[0]!.activation = name;
      });
      await refused(Autoencoder.load(bytes), /unknown activation/);
    });
  }

  it("still takes the documented aliases", async () => {
    const ae = await Autoencoder.create({ ...config(), encoder: [layers.dense(4, "leaky_relu" as never), layers.dense(2, "identity" as never)] });
    ae.dispose();
  });
});

describe("declared sizes", () => {
  it("refuses units far beyond the file's tensors before allocating them", async () => {
    const before = memory();
    const bytes = mutate(saved, (meta) => {
      (meta.config.encoder as { units: number }[])[0]!.units = 10_000_000;
    });
    expect(bytes.length).toBeLessThan(4000);
    await refused(Autoencoder.load(bytes), /"encoder\.0\.kernel" of shape \[6, 10000000\].*found \[6, 4\]/);
    expect(memory() - before).toBeLessThan(8 << 20);
  });

  it("refuses a decoder whose layer outputs would need more than loadLimits.maxValuesPerSample per sample", async () => {
    const vae = await VAE.create({
      input: [4], encoder: [layers.dense(4, "relu")], latent: 2,
      decoder: [layers.dense(4), layers.reshape([1, 1, 4]), layers.flatten()],
      seed: 2,
    } as never);
    const bytes = vae.save();
    vae.dispose();
    for (const count of [14, 15]) {
      const before = memory();
      const hostile = mutate(bytes, (meta) => {
        const decoder = meta.config.decoder as unknown[];
        decoder.splice(2, 0, ...Array.from({ length: count }, () => layers.upSampling2d()));
      });
      expect(hostile.length).toBeLessThan(4000);
      await refused(VAE.load(hostile), /at most 16777216 values per sample \(loadLimits\.maxValuesPerSample\)/);
      expect(memory() - before).toBeLessThan(8 << 20);
    }
  });
});

describe("non-finite values", () => {
  for (const bad of [Number.NaN, Infinity, -Infinity]) {
    it(`refuses a weight of ${bad}`, async () => {
      const bytes = mutate(saved, (_, tensors) => {
        tensors[1]!.data[0] = bad;
      });
      await refused(Autoencoder.load(bytes), new RegExp(`finite values in tensor .*found ${bad}`));
    });
  }

  it("never labels a non-finite or overflowing score normal", async () => {
    for (const model of [undefined, { ...config(), decoder: [layers.dense(4, "relu"), layers.dense(FEATURES)], loss: "mse" as const }]) {
      const detector = await new AnomalyDetector({ epochs: 2, seed: 1, scaler: "none", model }).fit(data(64, 3));
      // Alternating ±3e38 make the first layer compute ∞ − ∞: a NaN score.
      const x = { data: Float32Array.from({ length: 3 * FEATURES }, (_, i) => (i < FEATURES ? (i % 2 ? -3e38 : 3e38) : 1e38)), shape: [3, FEATURES] };
      const scores = detector.decisionFunction(x);
      expect(Number.isNaN(scores[0])).toBe(true);
      expect(scores.every((s) => Number.isNaN(s) || s > detector.threshold)).toBe(true);
      expect(Array.from(detector.predict(x))).toEqual([1, 1, 1]);
      detector.dispose();
    }
  });
});

describe("deep nesting and long strings", () => {
  const cases: [string, (meta: Meta) => void][] = [
    ["a 5 MB format string", (meta) => (meta.format = "x".repeat(5_000_000))],
    ["a 5 MB activation", (meta) => ((meta.config.encoder as { activation: unknown }[])[0]!.activation = "x".repeat(5_000_000))],
  ];
  for (const [name, edit] of cases) {
    it(`gives a short ModelFormatError for ${name}`, async () => {
      await refused(Autoencoder.load(mutate(saved, edit)));
    });
  }

  const nestedCases: [string, (meta: Meta) => void][] = [
    ["the format", (meta) => (meta.format = NEST)],
    ["a layer's units", (meta) => ((meta.config.encoder as { units: unknown }[])[0]!.units = NEST)],
    ["a layer's activation", (meta) => ((meta.config.encoder as { activation: unknown }[])[0]!.activation = NEST)],
    ["a layer's type", (meta) => ((meta.config.encoder as { type: unknown }[])[0]!.type = NEST)],
    ["the input shape", (meta) => (meta.config.input = NEST)],
    ["the loss", (meta) => (meta.config.loss = NEST)],
    ["the optimizer", (meta) => (meta.config.optimizer = { name: NEST })],
    ["the step", (meta) => (meta.step = NEST)],
  ];
  for (const [name, edit] of nestedCases) {
    it(`gives a short ModelFormatError for 5,000 levels of nesting in ${name}`, async () => {
      await refused(Autoencoder.load(mutateNested(saved, edit)));
    });
  }

  it("gives a short ModelFormatError for a deeply nested tensor shape", async () => {
    const shape = "[".repeat(5000) + "]".repeat(5000);
    const bytes = rawFile(JSON.stringify({ format: "autoencoder", config: {} }), `,"w":{"dtype":"F32","shape":${shape},"data_offsets":[0,0]}`);
    await refused(Autoencoder.load(bytes));
  });

  it("gives a short ModelFormatError for a deeply nested or huge estimator field", async () => {
    const detector = await new AnomalyDetector({ epochs: 1, seed: 1, standardize: true }).fit(data(16, 3));
    const bytes = detector.save();
    detector.dispose();
    for (const edit of [(m: Meta) => ((m.state as Meta).sampleShape = NEST), (m: Meta) => ((m.state as Meta).contamination = NEST), (m: Meta) => (m.format = NEST), (m: Meta) => (m.version = NEST)]) {
      await refused(AnomalyDetector.load(mutateNested(bytes, edit)));
    }
    await refused(AnomalyDetector.load(mutate(bytes, (m) => ((m.state as Meta).contamination = "c".repeat(1_000_000)))));
  });
});

describe("Denoiser.load", () => {
  it("refuses an invalid saved noise with a ModelFormatError and frees the model it built", async () => {
    const denoiser = await new Denoiser({ epochs: 1, seed: 1 }).fit(data(16, 5));
    const bytes = mutate(denoiser.save(), (meta) => {
      (meta.state as Meta).noise = { type: "gaussian", stddev: -1 };
    });
    denoiser.dispose();
    await refused(Denoiser.load(bytes), /noise/);
    const before = memory();
    for (let i = 0; i < 100; i++) await refused(Denoiser.load(bytes));
    expect(memory()).toBe(before);
  });
});

describe("saved counters, statistics and tensors", () => {
  const cases: [string, (meta: Meta, tensors: NamedTensor[]) => void, RegExp][] = [
    ["optimizerSteps -1", (m) => (m.optimizerSteps = -1), /optimizerSteps.*integer.*found -1/],
    ["optimizerSteps 1e308", (m) => (m.optimizerSteps = 1e308), /optimizerSteps.*found 1e\+308/],
    ["optimizerSteps past step", (m) => (m.optimizerSteps = (m.step as number) + 1), /optimizerSteps <= step/],
    ["step -1.5", (m) => (m.step = -1.5), /step.*found -1\.5/],
    ["step a string", (m) => (m.step = "4"), /step.*found "4"/],
    ["epochs 1e300", (m) => (m.epochs = 1e300), /epochs.*found 1e\+300/],
    ["an extra tensor", (_, t) => t.push({ name: "unused", shape: [1000], data: new Float32Array(1000) }), /"unused".*does not declare/],
    ["optimizer state without optimizerSteps", (m) => delete m.optimizerSteps, /optimizer\.state0.*does not declare/],
    ["a missing tensor", (_, t) => t.splice(0, 1), /expected a tensor named/],
  ];
  for (const [name, edit, message] of cases) {
    it(`refuses ${name}`, async () => {
      await refused(Autoencoder.load(mutate(saved, edit)), message);
    });
  }

  it("refuses an extra tensor of an estimator and scaler statistics that are not finite as float32", async () => {
    const detector = await new AnomalyDetector({ epochs: 1, seed: 1, standardize: true }).fit(data(16, 3));
    const bytes = detector.save();
    detector.dispose();
    await refused(AnomalyDetector.load(mutate(bytes, (_, t) => t.push({ name: "anomaly-detector.extra", shape: [1], data: new Float32Array(1) }))), /"anomaly-detector\.extra"/);
    await refused(AnomalyDetector.load(mutate(bytes, (_, t) => t.push({ name: "extra", shape: [1], data: new Float32Array(1) }))), /"extra"/);
    const scaler = (m: Meta) => (m.state as { scaler: Record<string, number[]> }).scaler;
    await refused(AnomalyDetector.load(mutate(bytes, (m) => (scaler(m).mean![0] = 1e308))), /mean.*found 1e\+308/);
    await refused(AnomalyDetector.load(mutate(bytes, (m) => (scaler(m).std![0] = -1))), /std.*>= 0.*found -1/);
    await refused(AnomalyDetector.load(mutate(bytes, (_, t) => (t.find((x) => x.name === "anomaly-detector.decision_scores")!.data[0] = Number.NaN))));
  });

  it("a Generator file is checked the same way", async () => {
    const generator = await new Generator({ latent: 2, seed: 4, epochs: 1 }).fit(data(16, 6));
    const bytes = generator.save();
    generator.dispose();
    await refused(Generator.load(mutate(bytes, (m) => (m.optimizerSteps = -1))));
  });
});
