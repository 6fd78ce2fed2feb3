// A .npy file read row by row as it arrives: the header as readNpy parses it
// (npy.ts), then the data a bounded chunk at a time, handed on as arrays of
// `blockRows` rows (a row is one index of the first axis). Only C order
// streams row by row: a Fortran-order array whose rows are not contiguous
// (more than one axis longer than 1) is refused, since each row would need
// bytes from the whole file.
import { ConfigError, DataError, describe } from "../errors.js";
import { CHUNK_BYTES, passesOf, type ByteSource } from "./byte-source.js";
import { npyDataSizeError, npyPreamble, npyValues, type NpyArray, type NpyPreamble } from "./npy.js";
import { shapeTuple, sizeOf } from "../shape.js";

/** Options of streamNpy. */
export interface StreamNpyOptions {
  /** Rows per array handed on (the last may have fewer). Default: as many as 1 MiB of the file's data holds, at least 1. */
  blockRows?: number;
  /** Bytes read at a time from a path, and the largest piece of a stream's chunk handled at once. Default 1 MiB. */
  chunkBytes?: number;
  /** Longest header accepted, in bytes; it bounds what is held before the data. Default 1 MiB (numpy's np.load allows 10,000). */
  maxHeaderBytes?: number;
}

const BLOCK_BYTES = 1 << 20;
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
  return { [Symbol.asyncIterator]: () => arrays(open(), blockRows, maxHeaderBytes) };
}

/** The bytes held, as a list of chunks with a running total, so nothing is copied until a block is taken. */
class Pending {
  private parts: Uint8Array[] = [];
  length = 0;
  push(chunk: Uint8Array): void {
    this.parts.push(chunk);
    this.length += chunk.length;
  }
  /** The first n bytes, removed. */
  take(n: number): Uint8Array {
    const first = this.parts[0];
    if (first && first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.parts.shift();
      else this.parts[0] = first.subarray(n);
      this.length -= n;
      return out;
    }
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const part = this.parts[0]!;
      const used = Math.min(part.length, n - at);
      out.set(part.subarray(0, used), at);
      at += used;
      if (used === part.length) this.parts.shift();
      else this.parts[0] = part.subarray(used);
    }
    this.length -= n;
    return out;
  }
  /** The first n bytes (or all, when fewer), left in place. */
  peek(n: number): Uint8Array {
    const all = this.take(Math.min(n, this.length));
    this.parts.unshift(all);
    this.length += all.length;
    return all;
  }
}

/** Reads the preamble from the first chunks; what follows it stays in `pending`. */
async function preambleOf(chunks: AsyncGenerator<Uint8Array>, pending: Pending, maxHeaderBytes: number): Promise<NpyPreamble> {
  let need = 10;
  for (;;) {
    while (pending.length < need) {
      const next = await chunks.next();
      if (next.done) return npyPreamble(pending.peek(pending.length), true, maxHeaderBytes) as NpyPreamble;
      pending.push(next.value);
    }
    const parsed = npyPreamble(pending.peek(need), false, maxHeaderBytes);
    if (typeof parsed !== "number") {
      pending.take(parsed.dataStart);
      return parsed;
    }
    need = parsed;
  }
}

async function* arrays(chunks: AsyncGenerator<Uint8Array>, blockRowsOption: number | undefined, maxHeaderBytes: number): AsyncGenerator<NpyArray> {
  const pending = new Pending();
  try {
    const { shape, fortranOrder, kind, size, descr } = await preambleOf(chunks, pending, maxHeaderBytes);
    if (shape.length === 0) throw new DataError("streamNpy: expected an array with at least one axis to stream rows of, found a 0-d array (a scalar); read it with readNpy");
    if (fortranOrder && shape.filter((d) => d > 1).length > 1) {
      throw new DataError(
        `streamNpy: a Fortran-order (column-major) array of shape ${shapeTuple(shape)} cannot be read row by row; ` +
          "save it in C order (np.save(path, np.ascontiguousarray(a))) or read it whole with readNpy",
      );
    }
    const rowShape = shape.slice(1);
    const cols = sizeOf(rowShape);
    const rowBytes = cols * size;
    if (rowBytes === 0) throw new DataError(`streamNpy: expected rows of at least one value, found shape ${shapeTuple(shape)}`);
    const totalRows = shape[0]!;
    const blockRows = blockRowsOption ?? Math.max(1, Math.floor(BLOCK_BYTES / Math.max(1, rowBytes)));
    let row = 0;
    let ended = false;
    while (row < totalRows) {
      const rows = Math.min(blockRows, totalRows - row);
      // Bytes are gathered before any array is made, so a header declaring huge rows costs only what the file holds.
      while (!ended && pending.length < rows * rowBytes) {
        const next = await chunks.next();
        if (next.done) ended = true;
        else pending.push(next.value);
      }
      if (pending.length < rows * rowBytes) throw npyDataSizeError(shape, descr, totalRows * rowBytes, row * rowBytes + pending.length);
      const bytes = pending.take(rows * rowBytes);
      yield { data: npyValues(bytes, 0, rows * cols, kind, size, row * cols), shape: [rows, ...rowShape], dtype: descr };
      row += rows;
    }
    // Bytes after the last row: count them all for the message (at most the rest of the stream, read a chunk at a time).
    let extra = pending.length;
    for (;;) {
      const next = await chunks.next();
      if (next.done) break;
      extra += next.value.length;
    }
    if (extra > 0) throw npyDataSizeError(shape, descr, totalRows * rowBytes, totalRows * rowBytes + extra);
  } finally {
    await chunks.return(undefined);
  }
}
