// A .npy file read row by row as it arrives: the header as readNpy parses it
// (npy.ts), then the data a bounded chunk at a time, handed on as arrays of
// `blockRows` rows (a row is one index of the first axis). Only C order
// streams row by row: a Fortran-order array whose rows are not contiguous
// (more than one axis longer than 1) is refused, since each row would need
// bytes from the whole file.
import { ConfigError, describe } from "../errors.js";
import { CHUNK_BYTES, passesOf, type ByteSource } from "./byte-source.js";
import type { NpyArray } from "./npy.js";

/** Options of streamNpy. */
export interface StreamNpyOptions {
  /** Rows per array handed on (the last may have fewer). Default: as many as 1 MiB of the file's data holds, at least 1. */
  blockRows?: number;
  /** Bytes read at a time from a path, and the largest piece of a stream's chunk handled at once. Default 1 MiB. */
  chunkBytes?: number;
  /** Longest header accepted, in bytes; it bounds what is held before the data. Default 1 MiB (numpy's np.load allows 10,000). */
  maxHeaderBytes?: number;
}

const MAX_HEADER_BYTES = 1 << 20;

const positive = (value: unknown, name: string, fallback: number): number => {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || (v as number) < 1) throw new ConfigError(`streamNpy: expected ${name} to be a positive integer, found ${describe(value)}`);
  return v as number;
};

/**
 * Streams a .npy file from a path, a ReadableStream, an async iterable of bytes, or a function returning a new
 * stream per pass: an async iterable of arrays ({ data, shape: [rows, ...the file's other axes], dtype }) of up
 * to `blockRows` rows, converted to f32 as readNpy converts. A 1-D array streams as rows of one value each.
 * Options are checked here, the bytes when iterated; a file shorter or longer than its shape is refused when
 * the reading reaches its end, after the complete rows before it were handed on.
 */
export function streamNpy(source: ByteSource, options: StreamNpyOptions = {}): AsyncIterable<NpyArray> {
  if (typeof options !== "object" || options === null) throw new ConfigError(`streamNpy: expected options to be an object, found ${describe(options)}`);
  const blockRows = options.blockRows === undefined ? undefined : positive(options.blockRows, "blockRows", 1);
  const maxHeaderBytes = positive(options.maxHeaderBytes, "maxHeaderBytes", MAX_HEADER_BYTES);
  const open = passesOf(source, positive(options.chunkBytes, "chunkBytes", CHUNK_BYTES), "streamNpy");
  return { [Symbol.asyncIterator]: () => arraysOf(open(), blockRows, maxHeaderBytes) };
}

/** The arrays of a pass: the reading comes from its own module (dist/npy-arrays.js), loaded with the first pass. */
async function* arraysOf(chunks: AsyncGenerator<Uint8Array>, blockRows: number | undefined, maxHeaderBytes: number): AsyncGenerator<NpyArray> {
  const { arrays } = await import("./npy-arrays.js");
  yield* arrays(chunks, blockRows, maxHeaderBytes);
}
