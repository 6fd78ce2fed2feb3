// CSV read as it arrives: the same records, numbers, header and count-line
// rules as readCsv (csv-parse.ts), a bounded chunk of bytes at a time, handed
// on as tables of `blockRows` rows. What is held at once is one chunk, the
// unfinished record after it (at most maxLineLength characters) and one block.
import { ConfigError, describe } from "../errors.js";
import { CHUNK_BYTES, passesOf, type ByteSource } from "./byte-source.js";
import { checkCsvOptions, checkDelimiter, type CsvOptions } from "./csv-parse.js";
import type { CsvTable } from "./csv.js";
import type { TablesArgs } from "./csv-tables.js";

export interface StreamCsvOptions extends CsvOptions {
  /** Rows per table handed on (the last may have fewer). Default: as many as 1 MiB of float32 holds, at least 1. */
  blockRows?: number;
  /** Bytes read at a time from a path, and the largest piece of a stream's chunk parsed at once. Default 1 MiB. */
  chunkBytes?: number;
  /** Longest record in characters (quoted line breaks included); a longer one is a DataError. It bounds the text held. Default 2^26. */
  maxLineLength?: number;
}

const MAX_LINE_LENGTH = 2 ** 26;

const positive = (value: unknown, name: string, fallback: number): number => {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || (v as number) < 1) throw new ConfigError(`streamCsv: expected ${name} to be a positive integer, found ${describe(value)}`);
  return v as number;
};

/**
 * Streams numeric CSV from a path, a ReadableStream, an async iterable of bytes, or a function returning a new
 * stream per pass: an async iterable of tables ({ data, shape: [rows, columns], columns }) of up to `blockRows`
 * rows, in file order. Options are checked here; the bytes are read when iterated, and each iteration of a path
 * or function source reads it again from the start. Errors are those of readCsv (DataError for bad values and
 * text that is not UTF-8, ShapeError for ragged rows), raised when the reading reaches them.
 */
export function streamCsv(source: ByteSource, options: StreamCsvOptions = {}): AsyncIterable<CsvTable> {
  const checked = checkCsvOptions(options, "streamCsv");
  const delimiter = options.delimiter === undefined ? undefined : checkDelimiter(options.delimiter, "streamCsv");
  const blockRows = options.blockRows === undefined ? undefined : positive(options.blockRows, "blockRows", 1);
  const maxLineLength = positive(options.maxLineLength, "maxLineLength", MAX_LINE_LENGTH);
  const open = passesOf(source, positive(options.chunkBytes, "chunkBytes", CHUNK_BYTES), "streamCsv");
  return { [Symbol.asyncIterator]: () => tablesOf(open(), checked, delimiter, blockRows, maxLineLength) };
}

/** The tables of a pass: the parsing comes from its own module (dist/csv-tables.js), loaded with the first pass. */
async function* tablesOf(chunks: AsyncGenerator<Uint8Array>, ...args: TablesArgs): AsyncGenerator<CsvTable> {
  const { tables } = await import("./csv-tables.js");
  yield* tables(chunks, ...args);
}
