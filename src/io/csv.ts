// CSV text to a numeric rows×columns table. Fields follow RFC 4180: quoted
// fields may hold delimiters, line breaks and "" for a quote; lines end in
// LF, CRLF or CR; a leading byte-order mark and blank lines are skipped.
// Values are decimal numbers (surrounding spaces allowed) or nan / inf /
// infinity in any case with an optional sign, which read as NaN and ±Infinity.
// The parsing itself is in csv-parse.ts, shared with streamCsv.
import { DataError } from "../errors.js";
import { checkCsvOptions, checkDelimiter, CsvRecords, detectDelimiter, parseRecords, type CsvOptions } from "./csv-parse.js";

export type { CsvOptions } from "./csv-parse.js";

/** What readCsv returns: a numeric table, usable as data input directly. */
export interface CsvTable {
  /** Row-major values, shape[0] rows by shape[1] columns. */
  data: Float32Array;
  /** [rows, columns]. */
  shape: [number, number];
  /** Names of the kept columns: the header's, or "0", "1", … (their 0-based index) without a header. */
  columns: string[];
}

// Room for this many rows before the table first grows (or fewer: never more values than the text has characters).
const FIRST_ROWS = 256;

/** Reads numeric CSV text; see CsvOptions. Throws DataError for bad values, ShapeError for ragged rows. */
export function readCsv(text: string, options: CsvOptions = {}): CsvTable {
  if (typeof text !== "string") {
    const found = (text as unknown) instanceof Uint8Array ? "a Uint8Array (decode it first: new TextDecoder().decode(bytes))" : typeof text;
    throw new DataError(`readCsv: expected CSV text as a string, found ${found}`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const checked = checkCsvOptions(options, "readCsv");
  const delimiter = checkDelimiter(options.delimiter ?? detectDelimiter(text, checked.maxColumns, checked.skipRows), "readCsv");

  let rows = 0;
  let data = new Float32Array(0);
  let maxValues = 0;
  let width = 0;
  const table: CsvRecords = new CsvRecords(
    checked,
    delimiter,
    "readCsv",
    (keep) => {
      width = keep.length;
      // Each row holds every distinct kept column as a non-empty field (an empty one is refused), so there are at
      // most text.length / distinct rows: the bound of every allocation here, whatever the file's width.
      const distinct = options.columns === undefined ? keep.length : new Set(keep).size;
      maxValues = width * Math.ceil(text.length / Math.max(1, distinct));
      data = new Float32Array(Math.min(width * FIRST_ROWS, maxValues));
    },
    (fields, line) => {
      if ((rows + 1) * width > data.length) {
        const grown = new Float32Array(Math.min(Math.max(data.length * 2, (rows + 1) * width), maxValues));
        grown.set(data);
        data = grown;
      }
      table.values(fields, line, data, rows * width);
      rows++;
    },
  );
  parseRecords(text, delimiter, checked.maxColumns, (fields, line) => table.record(fields, line));
  table.end();
  if (table.width < 0) return { data: new Float32Array(0), shape: [0, 0], columns: [] };
  return { data: data.slice(0, rows * width), shape: [rows, width], columns: table.keptNames() };
}
