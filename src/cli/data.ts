/// <reference types="node" />
// Data files in and out, chosen by extension: CSV (a header line detected),
// NumPy .npy, and IDX (the MNIST files; u8 values scaled to [0, 1] by /255),
// each possibly gzip-compressed (.gz). Errors name the file; the readers' own
// messages say where and what.
import { constants } from "node:fs";
import { access, open, readFile, stat, writeFile } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { AutoencoderError, DataError } from "../errors.js";
import { readCsv } from "../io/csv.js";
import { streamCsv } from "../io/csv-stream.js";
import { streamNpy } from "../io/npy-stream.js";
import { readIdx } from "../io/idx.js";
import { readNpy, writeNpy } from "../io/npy.js";
import type { TensorData } from "../models/data.js";
import { shapeText } from "../shape.js";

/** A failure of a named file (unreadable, unwritable, malformed): exit code 1. */
export class FileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FileError";
  }
}

export type DataFormat = "csv" | "npy" | "idx";

/** The formats of `<data>` arguments, for help texts. */
export const DATA_FORMATS_HELP =
  "Data files by extension: .csv (numbers, a header line is detected and skipped), .npy (NumPy), " +
  "IDX (.idx, *-ubyte such as train-images-idx3-ubyte; u8 values are scaled to [0, 1] by /255), each also gzip-compressed (.gz). " +
  "One sample per row (the first axis).";

const isGzip = (path: string): boolean => path.toLowerCase().endsWith(".gz");

/** The reader for a path, by its extension (after .gz, if any). */
export function dataFormat(path: string, what: string): DataFormat {
  const name = basename(path).toLowerCase().replace(/\.gz$/, "");
  if (name.endsWith(".csv")) return "csv";
  if (name.endsWith(".npy")) return "npy";
  if (name.endsWith(".idx") || /\.idx\d-ubyte$/.test(name) || name.endsWith("-ubyte")) return "idx";
  throw new FileError(`${path}: unknown ${what} format: expected a name ending in .csv, .npy, .idx or -ubyte (IDX), optionally followed by .gz`);
}

/** Reads a file's bytes; a missing or unreadable file is a FileError naming the path. */
export async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw new FileError(ioMessage(path, "read", error));
  }
}

export async function writeBytes(path: string, bytes: Uint8Array | string): Promise<void> {
  try {
    await writeFile(path, bytes);
  } catch (error) {
    throw new FileError(ioMessage(path, "write", error));
  }
}

function ioMessage(path: string, verb: string, error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const reason: Record<string, string> = {
    ENOENT: verb === "read" ? "no such file" : "no such directory",
    EISDIR: "is a directory",
    EACCES: "permission denied",
    ENOTDIR: "a part of the path is not a directory",
  };
  return `cannot ${verb} ${path}: ${(e.code && reason[e.code]) ?? e.message}`;
}

/**
 * Checks, before any work, that `path` can be written: its directory exists
 * and is writable, and the path is not a directory. The error says which.
 */
export async function checkWritable(path: string, flag = "--out"): Promise<void> {
  const dir = dirname(resolve(path));
  const fail = (why: string) => new FileError(`${flag} ${path}: ${why}`);
  const dirInfo = await stat(dir).catch((error: NodeJS.ErrnoException) => error);
  if (dirInfo instanceof Error) {
    if (dirInfo.code === "ENOENT") throw fail(`no such directory: ${dir}`);
    if (dirInfo.code === "ENOTDIR") throw fail(`a part of ${dir} is not a directory`);
    throw fail(dirInfo.message);
  }
  if (!dirInfo.isDirectory()) throw fail(`${dir} is not a directory`);
  const info = await stat(path).catch(() => null);
  if (info?.isDirectory()) throw fail("is a directory");
  const target = info ? path : dir;
  const denied = await access(target, constants.W_OK).then(() => null, (error: NodeJS.ErrnoException) => error);
  if (denied) {
    const why = denied.code === "EROFS" ? "a read-only file system" : "permission denied";
    throw fail(info ? `the file is not writable (${why})` : `the directory ${dir} is not writable (${why})`);
  }
}

/** Reading options of data files. */
export interface ReadDataOptions {
  /** CSV only: the columns to keep, in order, by header name or 0-based index. */
  columns?: (string | number)[];
}

/** A file's bytes, gunzipped when its name ends in .gz. */
async function readDataBytes(path: string): Promise<Uint8Array> {
  const bytes = await readBytes(path);
  if (!isGzip(path)) return bytes;
  try {
    return new Uint8Array(await promisify(gunzip)(bytes));
  } catch (error) {
    throw new FileError(`${path}: not gzip data, or damaged: ${(error as Error).message}`);
  }
}

/** The samples of a data file, shape [N, ...sample shape] (a 1-D array is N samples of one value). */
export async function readData(path: string, options: ReadDataOptions = {}): Promise<TensorData> {
  const format = dataFormat(path, "data");
  if (options.columns !== undefined && format !== "csv") throw new FileError(`${path}: --columns selects CSV columns; this is a ${format} file`);
  const bytes = await readDataBytes(path);
  let tensor: TensorData;
  try {
    if (format === "csv") {
      let text: string;
      try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      } catch {
        throw new DataError("expected UTF-8 CSV text, found bytes that are not UTF-8");
      }
      const table = readCsv(text, options.columns === undefined ? {} : { columns: options.columns });
      tensor = { data: table.data, shape: [...table.shape] };
    } else if (format === "npy") {
      tensor = readNpy(bytes);
    } else {
      const idx = readIdx(bytes);
      if (idx.dtype === "u8") unitBytes(idx.data);
      tensor = { data: idx.data, shape: idx.shape };
    }
  } catch (error) {
    if (error instanceof AutoencoderError) throw new FileError(`${path}: ${error.message}`);
    throw error;
  }
  const { shape } = tensor;
  if (shape.length === 0) throw new FileError(`${path}: expected an array of samples, found a scalar`);
  if (shape.length === 1) tensor = { data: tensor.data, shape: [shape[0]!, 1] };
  if (tensor.shape[0] === 0) throw new FileError(`${path}: expected at least one sample, found none`);
  if (tensor.shape.slice(1).some((d) => d === 0)) throw new FileError(`${path}: expected at least one value per sample, found shape ${shapeText(tensor.shape)}`);
  return tensor;
}

/** u8 value → f32(value / 255), correctly rounded. */
const UNIT_BYTE = Float32Array.from({ length: 256 }, (_, i) => i / 255);

/** Byte values 0–255 held as f32, scaled to [0, 1] in place (no second array of the data's size). */
function unitBytes(data: Float32Array): void {
  for (let i = 0; i < data.length; i++) data[i] = UNIT_BYTE[data[i]!]!;
}

/** f32 value as the shortest decimal that reads back to the same f32. */
export function f32Text(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  if (Number.isInteger(v) && Math.abs(v) < 1e21) return String(v);
  // 9 significant digits always round-trip an f32; most values need 8 or 9.
  let best = v.toPrecision(8);
  if (Math.fround(Number(best)) !== v) return tidy(v.toPrecision(9));
  for (let digits = 7; digits >= 1; digits--) {
    const text = v.toPrecision(digits);
    if (Math.fround(Number(text)) !== v) break;
    best = text;
  }
  return tidy(best);
}

/** toPrecision's output without trailing zeros ("0.50000" → "0.5"). */
function tidy(text: string): string {
  if (text.includes("e")) return String(Number(text));
  if (!text.includes(".")) return text;
  let end = text.length;
  while (text.charCodeAt(end - 1) === 0x30) end--;
  if (text.charCodeAt(end - 1) === 0x2e) end--;
  return text.slice(0, end);
}

/** CSV text of rows×columns values under a header line, in chunks of about CHUNK characters (one string could exceed V8's limit). */
export function* csvChunks(header: readonly string[], data: ArrayLike<number>, rows: number): Generator<string> {
  const cols = header.length;
  let chunk = `${header.join(",")}\n`;
  const fields = new Array<string>(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) fields[c] = f32Text(data[r * cols + c]!);
    chunk += `${fields.join(",")}\n`;
    if (chunk.length >= CHUNK) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk !== "") yield chunk;
}

const CHUNK = 1 << 20;

export function outputFormat(path: string): "csv" | "npy" {
  const name = basename(path).toLowerCase();
  if (name.endsWith(".csv")) return "csv";
  if (name.endsWith(".npy")) return "npy";
  throw new FileError(`${path}: unknown output format: expected a name ending in .csv or .npy`);
}

/**
 * Writes samples [N, ...] to `path` (.csv: one row per sample, columns c0,
 * c1, …; .npy: the full shape), or as CSV to stdout when `path` is undefined.
 */
export async function writeTensor(path: string | undefined, tensor: TensorData, header?: readonly string[]): Promise<void> {
  const rows = tensor.shape[0] ?? 0;
  const cols = rows === 0 ? 0 : tensor.data.length / rows;
  const names = header ?? Array.from({ length: cols }, (_, i) => `c${i}`);
  if (path === undefined) {
    for (const chunk of csvChunks(names, tensor.data, rows)) await writeStdout(chunk);
    return;
  }
  if (outputFormat(path) === "npy") {
    await writeBytes(path, writeNpy(tensor));
    return;
  }
  let file;
  try {
    file = await open(path, "w");
    for (const chunk of csvChunks(names, tensor.data, rows)) await file.write(chunk);
  } catch (error) {
    throw new FileError(ioMessage(path, "write", error));
  } finally {
    await file?.close();
  }
}

/** Writes to stdout and waits until it is flushed (a pipe may be slower than we are). */
export function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (error) => (error ? reject(error) : resolve()));
  });
}

// ---- data streamed a chunk at a time (files larger than memory) ----

/**
 * Files larger than this train streamed. A CSV's text could not be held much beyond it anyway: a JavaScript
 * string holds at most 2^29 characters in V8.
 */
export const STREAM_THRESHOLD_BYTES = 256 * 2 ** 20;

/** Blocks of rows, read again from the start on each iteration. */
export type Blocks = AsyncIterable<{ data: Float32Array; shape: number[] }>;

/** The file's size in bytes, or null when it cannot be read (the reader then says why, naming the path). */
export async function fileSize(path: string): Promise<number | null> {
  return stat(path).then((info) => info.size, () => null);
}

/** Whether a file can be streamed (an uncompressed .csv or .npy), and the reason when not. */
export function streamable(path: string): string | null {
  if (isGzip(path)) return "a gzip-compressed file cannot be streamed; decompress it first";
  const format = dataFormat(path, "data");
  return format === "idx" ? "IDX files are read whole; convert to .npy or .csv to stream" : null;
}

/** The blocks of a .csv or .npy file, a chunk at a time. */
export function streamBlocks(path: string, options: ReadDataOptions = {}): Blocks {
  const format = dataFormat(path, "data");
  if (options.columns !== undefined && format !== "csv") throw new FileError(`${path}: --columns selects CSV columns; this is a ${format} file`);
  const blocks: Blocks = format === "csv" ? streamCsv(path, options.columns === undefined ? {} : { columns: options.columns }) : streamNpy(path);
  return {
    async *[Symbol.asyncIterator]() {
      try {
        for await (const block of blocks) yield block;
      } catch (error) {
        if (error instanceof AutoencoderError) throw new FileError(`${path}: ${error.message}`);
        throw error;
      }
    },
  };
}

/** What a pass over the blocks tells before training: the row count, a sample's shape, whether all values are in [0, 1]. */
export interface BlocksScan {
  rows: number;
  sampleShape: number[];
  unitInterval: boolean;
}

/** One pass over the blocks; NaN or ±Infinity is a FileError naming the row and column, found before any training. */
export async function scanBlocks(path: string, blocks: Blocks): Promise<BlocksScan> {
  let rows = 0;
  let sampleShape: number[] | null = null;
  let unitInterval = true;
  for await (const { data, shape } of blocks) {
    sampleShape ??= shape.length === 1 ? [1] : shape.slice(1);
    const cols = data.length / shape[0]!;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (!(v >= 0 && v <= 1)) {
        if (!Number.isFinite(v)) throw new FileError(`${path}: expected finite numbers, found ${v} at row ${rows + Math.floor(i / cols)}, column ${i % cols} (0-based)`);
        unitInterval = false;
      }
    }
    rows += shape[0]!;
  }
  if (rows === 0 || sampleShape === null) throw new FileError(`${path}: expected at least one sample, found none`);
  if (sampleShape.some((d) => d === 0)) throw new FileError(`${path}: expected at least one value per sample, found shape ${shapeText([rows, ...sampleShape])}`);
  return { rows, sampleShape, unitInterval };
}

/** Rows [from, to) of the blocks (the training rows, or the validation rows at the end as Keras's split). */
export function rowRange(blocks: Blocks, from: number, to: number): Blocks {
  return {
    async *[Symbol.asyncIterator]() {
      let at = 0;
      for await (const { data, shape } of blocks) {
        const n = shape[0]!;
        const cols = data.length / n;
        const start = Math.max(from, at);
        const end = Math.min(to, at + n);
        if (end > start) yield { data: data.subarray((start - at) * cols, (end - at) * cols), shape: [end - start, ...shape.slice(1)] };
        at += n;
        if (at >= to) return;
      }
    },
  };
}
