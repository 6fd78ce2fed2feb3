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
import { readIdx } from "../io/idx.js";
import { readNpy, writeNpy } from "../io/npy.js";
import type { TensorData } from "../models/data.js";

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
  if (tensor.shape.slice(1).some((d) => d === 0)) throw new FileError(`${path}: expected at least one value per sample, found shape [${tensor.shape.join(", ")}]`);
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
