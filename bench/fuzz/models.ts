// Model files for the long fuzz run: one small model of every kind, saved by
// the library itself, and structure-aware mutations of such a file that keep
// it well framed (safetensors header length, offsets) and its CRC valid, so
// the mutation reaches the loaders instead of stopping at the checksum.
import { AnomalyDetector, Autoencoder, Denoiser, FeatureExtractor, Generator, layers, Reducer, VAE } from "../../src/index.js";
import { crc32 } from "../../src/io/crc32.js";
import { concat, int, mutateBytes, pick, type Random } from "../../test/fuzz/cases.js";
import { randomArray } from "../../test/helpers.js";

export const MODEL_KINDS = ["dense", "conv", "vae", "reducer", "features", "detector", "denoiser", "generator"] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

const FIT = { epochs: 1, batchSize: 8, validationSplit: 0, seed: 1 };
const rows = (n: number, d: number) => ({ data: randomArray(n * d, 7, 0, 1), shape: [n, d] });

/** The saved bytes of one small, briefly trained model of `kind`. */
export async function buildModel(kind: ModelKind): Promise<Uint8Array> {
  switch (kind) {
    case "dense": {
      const ae = await Autoencoder.create({ input: [6], encoder: [layers.dense(4, "relu"), layers.dense(2)], decoder: [layers.dense(6, "sigmoid")], seed: 1 });
      await ae.fit(rows(16, 6), { epochs: 1, batchSize: 8 });
      return ae.save();
    }
    case "conv": {
      const ae = await Autoencoder.create({
        input: [4, 4, 1],
        encoder: [layers.conv2d({ filters: 2, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }), layers.batchNorm(), layers.flatten(), layers.dense(2)],
        decoder: [layers.dense(8, "relu"), layers.reshape([2, 2, 2]), layers.upSampling2d(), layers.conv2dTranspose({ filters: 1, kernelSize: 3, padding: "same", activation: "sigmoid" })],
        loss: "bce",
        seed: 1,
      });
      await ae.fit({ data: randomArray(8 * 16, 3, 0, 1), shape: [8, 4, 4, 1] }, { epochs: 1, batchSize: 4 });
      return ae.save();
    }
    case "vae": {
      const vae = await VAE.create({ input: [6], encoder: [layers.dense(4, "relu")], latent: 2, decoder: [layers.dense(4, "relu"), layers.dense(6, "sigmoid")], seed: 1 });
      await vae.fit(rows(16, 6), { epochs: 1, batchSize: 8 });
      return vae.save();
    }
    case "reducer":
      return (await new Reducer({ nComponents: 2, hiddenSizes: [4], ...FIT }).fit(rows(16, 6))).save();
    case "features":
      // The default width: a saved nComponents other than 32 does not load back (FeatureExtractor.load compares with 32).
      return (await new FeatureExtractor({ hiddenSizes: [4], ...FIT }).fit(rows(16, 6))).save();
    case "detector":
      return (await new AnomalyDetector({ codeSize: 2, hiddenSizes: [4], ...FIT }).fit(rows(16, 6))).save();
    case "denoiser":
      return (await new Denoiser({ codeSize: 2, hiddenSizes: [4], noise: { type: "gaussian", stddev: 0.1 }, ...FIT }).fit(rows(16, 6))).save();
    case "generator":
      return (await new Generator({ latent: 2, hiddenSizes: [4], epochs: 1, batchSize: 8, validationSplit: 0, seed: 1 }).fit(rows(16, 6))).save();
  }
}

/** Loads `bytes` as `kind` and uses the model once on a small input (a forward pass, a sample); then frees it. */
export async function loadAndUse(kind: ModelKind, bytes: Uint8Array): Promise<void> {
  const x = kind === "conv" ? { data: randomArray(2 * 16, 5, 0, 1), shape: [2, 4, 4, 1] } : rows(2, 6);
  switch (kind) {
    case "dense":
    case "conv": {
      const ae = await Autoencoder.load(bytes);
      try { ae.reconstruct(x); } finally { ae.dispose(); }
      return;
    }
    case "vae": {
      const vae = await VAE.load(bytes);
      try { vae.reconstruct(x); vae.sample(1); } finally { vae.dispose(); }
      return;
    }
    case "reducer": {
      const m = await Reducer.load(bytes);
      try { m.transform(x); } finally { m.dispose?.(); }
      return;
    }
    case "features": {
      const m = await FeatureExtractor.load(bytes);
      try { m.transform(x); } finally { m.dispose?.(); }
      return;
    }
    case "detector": {
      const m = await AnomalyDetector.load(bytes);
      try { m.predict(x); } finally { m.dispose?.(); }
      return;
    }
    case "denoiser": {
      const m = await Denoiser.load(bytes);
      try { m.transform(x); } finally { m.dispose?.(); }
      return;
    }
    case "generator": {
      const m = await Generator.load(bytes);
      try { m.sample(1); } finally { m.dispose?.(); }
      return;
    }
  }
}

// ---- structure-aware mutation ----

const HEADER_BYTES = 16;
const NUMBERS = [0, -1, 1, -1.5, 1.5, 2 ** 31, 2 ** 53 + 2, 22_000_000, 1e308, -1e308, 1e-320, 3.5e38];
const STRINGS = ["", "__proto__", "constructor", "toString", "hasOwnProperty", "relu", "sigmoid", "adam", "sgd", "dense", "conv2d", "F64", "x".repeat(20_000)];
const FLOAT_BITS = [NaN, Infinity, -Infinity, 1e38, -3.4e38, 1e-45, 0];

const DEEP = "@@deep@@";
const DEEP_MARK = /"@@deep@@(\d+)"/g;

/** JSON text of `value`, each deep-nesting mark replaced by that many levels of arrays around a 1. */
const stringify = (value: unknown): string => JSON.stringify(value).replace(DEEP_MARK, (_, n: string) => `${"[".repeat(Number(n))}1${"]".repeat(Number(n))}`);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Replaces one random node of `value` (a path chosen by r) with a hostile one; returns the new tree. */
function mutateJson(r: Random, value: Json, depth = 0): Json {
  const children = value !== null && typeof value === "object" ? (Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value)) : [];
  if (children.length > 0 && r() < 0.75) {
    const key = pick(r, children as (string | number)[]);
    const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as unknown as Record<string | number, Json>;
    if (r() < 0.08) {
      if (Array.isArray(copy)) (copy as unknown as Json[]).splice(key as number, 1);
      else delete copy[key];
    } else copy[key] = mutateJson(r, copy[key] as Json, depth + 1);
    if (!Array.isArray(copy) && r() < 0.05) Object.defineProperty(copy, pick(r, ["__proto__", "constructor", "extra"]), { value: 1, enumerable: true, configurable: true, writable: true });
    return copy as Json;
  }
  switch (int(r, 7)) {
    case 0:
      return pick(r, NUMBERS);
    case 1:
      return typeof value === "number" ? value * pick(r, [-1, 2, 1000, 1e6, 0.5]) + pick(r, [0, 1, -1]) : pick(r, NUMBERS);
    case 2:
      return pick(r, STRINGS);
    case 3:
      return pick(r, [null, true, false, [], {}, [1], { type: "dense" }] as Json[]);
    case 4:
      // Deep nesting, spliced into the text by stringify() (JSON.stringify itself would overflow the stack).
      return `${DEEP}${pick(r, [10, 500, 6000])}`;
    case 5:
      return Array.isArray(value) ? [...value, ...value] : [value, value];
    default:
      return typeof value === "string" ? value + pick(r, ["x", "0", " "]) : value;
  }
}

/**
 * One structure-aware edit of a model file: its config (a value anywhere in it), its format, a tensor's
 * dtype, shape or offsets, an added or dropped tensor, or tensor values (NaN, ±Infinity, huge); the result is
 * re-framed and re-checksummed. A few cases get byte edits instead (some with the checksum left stale).
 */
export function mutateModel(r: Random, file: Uint8Array): Uint8Array {
  if (r() < 0.05) return mutateBytes(r, file);
  const body = file.subarray(HEADER_BYTES);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(body.subarray(8, 8 + headerLength))) as Record<string, Json>;
  let data: Uint8Array = body.slice(8 + headerLength);
  const meta = header.__metadata__ as Record<string, string>;
  const names = Object.keys(header).filter((k) => k !== "__metadata__");
  const choice = r();
  if (choice < 0.45) {
    const config = JSON.parse(meta.config!) as Json;
    meta.config = stringify(mutateJson(r, config));
  } else if (choice < 0.5) {
    meta.format = pick(r, ["", "autoencoders2", "x".repeat(100_000), "__proto__"]);
  } else if (choice < 0.75 && names.length > 0) {
    const name = pick(r, names);
    header[name] = mutateJson(r, header[name]!);
  } else if (choice < 0.8) {
    if (r() < 0.5 && names.length > 0) delete header[pick(r, names)];
    else {
      const extra = new Uint8Array(4 * (1 + int(r, 1000)));
      header[pick(r, ["extra", "__proto__", "constructor", names[0] ?? "w"]) + (r() < 0.5 ? "" : ".x")] = { dtype: "F32", shape: [extra.length / 4], data_offsets: [data.length, data.length + extra.length] };
      data = concat(data, extra);
    }
  } else if (data.length >= 4) {
    const floats = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let edits = 1 + int(r, 3); edits > 0; edits--) floats.setFloat32(4 * int(r, data.length / 4), pick(r, FLOAT_BITS), true);
  }
  let text = stringify(header);
  text += " ".repeat((8 - (text.length % 8)) % 8);
  const headerBytes = new TextEncoder().encode(text);
  const newBody = new Uint8Array(8 + headerBytes.length + data.length);
  new DataView(newBody.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  newBody.set(headerBytes, 8);
  newBody.set(data, 8 + headerBytes.length);
  let out = concat(file.subarray(0, HEADER_BYTES), newBody);
  if (r() < 0.05) out = concat(file.subarray(0, HEADER_BYTES), mutateBytes(r, newBody));
  new DataView(out.buffer).setUint32(12, crc32(out.subarray(HEADER_BYTES)), true);
  return out;
}
