// Seeded fuzz cases for the readers (readCsv, readNpy, readIdx) and the
// outcome of running one: success, a typed error (an AutoencoderError
// subclass) or anything else. The fast test in this folder and the long run
// in bench/fuzz/ share these generators, so a case is named by its reader,
// seed and index and can be replayed from those alone.
import { AutoencoderError } from "../../src/errors.js";
import { readCsv } from "../../src/io/csv.js";
import { readIdx, writeIdx, type IdxDtype } from "../../src/io/idx.js";
import { readNpy, writeNpy } from "../../src/io/npy.js";
import { streamCsv } from "../../src/io/csv-stream.js";
import { streamNpy } from "../../src/io/npy-stream.js";
import { rng } from "../helpers.js";

export type Random = () => number;
export type Outcome = { kind: "ok" } | { kind: "typed"; name: string; message: string } | { kind: "other"; name: string; message: string };

/** Longest message a typed error may carry: values are quoted through describe(), so none needs more. */
export const MESSAGE_BOUND = 2000;

export const int = (r: Random, n: number): number => Math.floor(r() * n);
export const pick = <T>(r: Random, items: readonly T[]): T => items[int(r, items.length)]!;

/** Runs `fn`, classifying what it threw; a typed error over MESSAGE_BOUND characters counts as "other". */
export async function outcome(fn: () => unknown): Promise<Outcome> {
  try {
    await fn();
    return { kind: "ok" };
  } catch (e) {
    const name = e instanceof Error ? e.name : typeof e;
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof AutoencoderError && message.length <= MESSAGE_BOUND) return { kind: "typed", name, message };
    const shown = message.length > 300 ? `${message.slice(0, 300)}… (${message.length} characters)` : message;
    return { kind: "other", name, message: shown };
  }
}

// ---- byte-level mutations (every reader's last layer) ----

const INTERESTING_BYTES = [0x00, 0xff, 0x7f, 0x80, 0x01, 0x20, 0x0a, 0x22, 0x27, 0x28, 0x7b];

/** One to four random edits of `bytes`: bit flips, interesting bytes, inserted or deleted runs, truncation. */
export function mutateBytes(r: Random, bytes: Uint8Array): Uint8Array {
  let out: Uint8Array = bytes.slice();
  for (let edits = 1 + int(r, 4); edits > 0; edits--) {
    const at = int(r, out.length + 1);
    switch (int(r, 6)) {
      case 0:
        if (at < out.length) out[at]! ^= 1 << int(r, 8);
        break;
      case 1:
        if (at < out.length) out[at] = pick(r, INTERESTING_BYTES);
        break;
      case 2: {
        const run = Uint8Array.from({ length: 1 + int(r, 16) }, () => int(r, 256));
        out = concat(out.subarray(0, at), run, out.subarray(at));
        break;
      }
      case 3:
        out = concat(out.subarray(0, at), out.subarray(Math.min(out.length, at + 1 + int(r, 16))));
        break;
      case 4:
        out = out.slice(0, at);
        break;
      default: {
        // Duplicate a run: repeated structure (a second header, data twice).
        const from = int(r, out.length + 1);
        const run = out.slice(from, from + 1 + int(r, 64));
        out = concat(out.subarray(0, at), run, out.subarray(at));
      }
    }
  }
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---- CSV ----

const CSV_TOKENS = ['"', '""', ",", ";", "\t", "\n", "\r", "\r\n", "\ufeff", " ", "nan", "-inf", "Infinity", "1e39", "1e400", "-1e-400",
  "9".repeat(400), "1".repeat(2000) + "x", ".", "e", "+", "-", "1,5", "x", "", "__proto__", "constructor", "0x10", "1_000", "\u0000"];

/** A numeric table written as CSV (random delimiter, header, quoting, line ends), then edited by tokens or bytes. */
export function csvCase(seed: number, index: number): { text: string; options: Parameters<typeof readCsv>[1] } {
  const r = rng(seed * 1_000_003 + index);
  const delimiter = pick(r, [",", ";", "\t"]);
  const rows = int(r, 6);
  const cols = 1 + int(r, 5);
  const lines: string[] = [];
  if (r() < 0.5) lines.push(Array.from({ length: cols }, (_, j) => (r() < 0.2 ? `"c${j}${delimiter}x"` : `c${j}`)).join(delimiter));
  for (let i = 0; i < rows; i++) {
    lines.push(Array.from({ length: cols }, () => {
      const v = String(Math.fround((r() - 0.5) * 10 ** int(r, 8)));
      return r() < 0.1 ? `"${v}"` : v;
    }).join(delimiter));
  }
  let text = lines.join(pick(r, ["\n", "\r\n", "\r"]));
  for (let edits = int(r, 4); edits > 0; edits--) {
    const at = int(r, text.length + 1);
    const cut = r() < 0.3 ? 1 + int(r, 4) : 0;
    text = text.slice(0, at) + pick(r, CSV_TOKENS) + text.slice(at + cut);
  }
  if (r() < 0.15) text = new TextDecoder().decode(mutateBytes(r, new TextEncoder().encode(text)));
  const options: Parameters<typeof readCsv>[1] = {};
  if (r() < 0.2) options.delimiter = delimiter;
  if (r() < 0.2) options.header = pick(r, [true, false, "auto"] as const);
  if (r() < 0.15) options.columns = Array.from({ length: 1 + int(r, 3) }, () => (r() < 0.5 ? int(r, cols + 1) : `c${int(r, cols + 1)}`));
  if (r() < 0.1) options.maxColumns = 1 + int(r, 6);
  if (r() < 0.1) options.skipRows = int(r, 3);
  return { text, options };
}

/** Values a table of `text` may hold: one per character at most (see readCsv), times repeated column picks. */
export function csvBound(text: string, options: Parameters<typeof readCsv>[1]): number {
  return text.length * Math.max(1, options?.columns?.length ?? 1);
}

// ---- NPY ----

const NPY_DESCRS = ["<f4", "<f8", "<f2", "|u1", "|i1", "<i2", "<u2", "<i4", "<u4", "<i8", "<u8", "|b1", ">f4", "<c8", "|O", "<U3", "=f4", "<f0004", "<f"];
const NPY_SHAPES = ["()", "(0,)", "(3,)", "(2, 3)", "(4294967296,)", "(65536, 65536)", "(-1,)", "(1.5,)", "(3L,)", "('a',)", "((((3,),),),)",
  "(9007199254740993,)", `(${"1, ".repeat(300)}1)`, "[2, 2]", "(2, 2, 2, 2, 2, 2, 2, 2, 2, 2)", "(184467440737095516160,)"];

/** A small array in a .npy file (by writeNpy or a hand-written header), its header or bytes then edited. */
export function npyCase(seed: number, index: number): Uint8Array {
  const r = rng(seed * 1_000_033 + index);
  const count = int(r, 7);
  if (r() < 0.3) return mutateBytes(r, writeNpy({ data: new Float32Array(count).map(() => r()), shape: [count] }));
  const descr = pick(r, NPY_DESCRS);
  const shape = r() < 0.5 ? `(${count},)` : pick(r, NPY_SHAPES);
  const fortran = pick(r, ["False", "True", "1", "None", "'no'"]);
  const parts = [`'descr': '${descr}'`, `'fortran_order': ${fortran}`, `'shape': ${shape}`];
  if (r() < 0.1) parts.push(pick(r, ["'x': 1", "'__proto__': 1", "'descr': '<f8'", `'k': '${"k".repeat(3000)}'`]));
  if (r() < 0.1) parts.splice(int(r, parts.length), 1);
  let header = `{${parts.join(", ")}, }`;
  if (r() < 0.1) header = "(".repeat(1 + int(r, 3000)) + header;
  const major = r() < 0.8 ? 1 : pick(r, [2, 3]);
  const prefix = major === 1 ? 10 : 12;
  const padded = header + " ".repeat(63 - ((prefix + header.length) % 64)) + "\n";
  const size = Number(/\d+$/.exec(descr)?.[0] ?? 4) || 4;
  const data = Uint8Array.from({ length: Math.min(4096, count * size + (r() < 0.2 ? int(r, 9) - 4 : 0)) }, () => int(r, 256));
  const head = new Uint8Array(prefix);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(head.buffer);
  if (major === 1) view.setUint16(8, padded.length, true);
  else view.setUint32(8, padded.length, true);
  const file = concat(head, Uint8Array.from(padded, (c) => c.charCodeAt(0) & 0xff), data);
  return r() < 0.3 ? mutateBytes(r, file) : file;
}

// ---- IDX ----

const IDX_DTYPES: IdxDtype[] = ["u8", "i8", "i16", "i32", "f32", "f64"];

/** A small array in an IDX file by writeIdx, with its type, dimension count, sizes or bytes edited. */
export function idxCase(seed: number, index: number): Uint8Array {
  const r = rng(seed * 1_000_037 + index);
  const shape = Array.from({ length: 1 + int(r, 3) }, () => int(r, 4));
  const count = shape.reduce((a, b) => a * b, 1);
  const dtype = pick(r, IDX_DTYPES);
  const file = writeIdx({ data: new Float32Array(count).map(() => int(r, 100)), shape }, dtype);
  const view = new DataView(file.buffer);
  switch (int(r, 5)) {
    case 0:
      file[2] = pick(r, [0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0xff]);
      break;
    case 1:
      file[3] = pick(r, [0, 1, 2, 3, 4, 64, 255]);
      break;
    case 2:
      view.setUint32(4 + 4 * int(r, shape.length), pick(r, [0, 1, 0xffffffff, 0x80000000, 65536, 1 << 20, count + 1]), false);
      break;
    case 3:
      // f64 values beyond float32, NaN, Infinity where the dtype allows.
      if (dtype === "f64" && count > 0) view.setFloat64(4 + 4 * shape.length + 8 * int(r, count), pick(r, [1e300, -1e39, NaN, Infinity, 3.5e38]), false);
      break;
    default:
      return mutateBytes(r, file);
  }
  return file;
}

/** Runs one reader case; for a success, `bound` is the most f32 values the input may produce (else "other"). */
export async function readerOutcome(reader: "csv" | "npy" | "idx", seed: number, index: number): Promise<Outcome & { inputBytes: number }> {
  let produced = 0;
  let bound = 0;
  let inputBytes = 0;
  const result = await outcome(() => {
    if (reader === "csv") {
      const { text, options } = csvCase(seed, index);
      inputBytes = text.length;
      bound = csvBound(text, options);
      produced = readCsv(text, options).data.length;
    } else {
      const bytes = reader === "npy" ? npyCase(seed, index) : idxCase(seed, index);
      inputBytes = bytes.length;
      // Every element takes at least one byte of the file.
      bound = bytes.length;
      produced = (reader === "npy" ? readNpy(bytes) : readIdx(bytes)).data.length;
    }
  });
  if (result.kind === "ok" && produced > bound) {
    return { kind: "other", name: "over the bound", message: `${produced} values from a ${inputBytes}-byte input (bound ${bound})`, inputBytes };
  }
  return { ...result, inputBytes };
}

// ---- the streaming readers against the whole-input ones ----

/** `bytes` as an async iterable of chunks whose sizes (1 to 64 bytes) come from `r`. */
function chunked(r: Random, bytes: Uint8Array): AsyncIterable<Uint8Array> {
  const sizes: number[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size = 1 + int(r, 64);
    sizes.push(size);
    at += size;
  }
  return (async function* () {
    let at = 0;
    for (const size of sizes) {
      yield bytes.slice(at, at + size);
      at += size;
    }
  })();
}

async function collect(tables: AsyncIterable<{ data: Float32Array }>): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for await (const t of tables) parts.push(t.data);
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const sameBits = (a: Float32Array, b: Float32Array): boolean => {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.every((v, i) => v === y[i]);
};

// Arrays readNpy reads whole but streamNpy refuses by design (see src/io/npy-stream.ts).
const NOT_STREAMED = /Fortran-order|0-d array|rows of at least one value/;

/**
 * One case through streamCsv / streamNpy in random chunks, beside readCsv / readNpy on the same bytes: both read
 * the same bits, or both refuse with a typed error of the same name (streamNpy also refuses what it cannot stream).
 */
export async function streamOutcome(reader: "csv" | "npy", seed: number, index: number): Promise<Outcome> {
  const r = rng(seed * 7_000_003 + index);
  let bytes: Uint8Array;
  let whole: () => Float32Array;
  let streamed: () => Promise<Float32Array>;
  if (reader === "csv") {
    const { text, options } = csvCase(seed, index);
    bytes = new TextEncoder().encode(text);
    const decoded = new TextDecoder().decode(bytes);
    const blockRows = 1 + int(r, 4);
    whole = () => readCsv(decoded, options).data;
    streamed = () => collect(streamCsv(chunked(r, bytes), { ...options, blockRows, chunkBytes: 1 + int(r, 32) }));
  } else {
    bytes = npyCase(seed, index);
    const blockRows = 1 + int(r, 4);
    whole = () => readNpy(bytes).data;
    streamed = () => collect(streamNpy(chunked(r, bytes), { blockRows, chunkBytes: 1 + int(r, 32) }));
  }
  let expected: Float32Array | undefined;
  const first = await outcome(() => {
    expected = whole();
  });
  let got: Float32Array | undefined;
  const second = await outcome(async () => {
    got = await streamed();
  });
  if (second.kind === "other") return second;
  if (first.kind === "ok" && second.kind === "ok") {
    return sameBits(expected!, got!) ? second : { kind: "other", name: "different values", message: `${got!.length} values streamed, ${expected!.length} read whole` };
  }
  if (first.kind === "typed" && second.kind === "typed" && first.name === second.name) return second;
  if (reader === "npy" && first.kind === "ok" && second.kind === "typed" && NOT_STREAMED.test(second.message)) return second;
  const what = (o: Outcome) => (o.kind === "ok" ? "read" : `${o.name}: ${(o as { message: string }).message.slice(0, 200)}`);
  return { kind: "other", name: "streaming disagrees", message: `whole: ${what(first)}; streamed: ${what(second)}` };
}
