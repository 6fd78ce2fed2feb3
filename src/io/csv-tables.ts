// The parsing of streamCsv (csv-stream.ts), a pass over the chunks at a
// time, in a module of its own: the default bundle loads it (dist/csv-tables.js)
// with the first pass, so programs that never stream CSV do not carry it.
import { DataError } from "../errors.js";
import { CsvRecords, detectDelimiter, parseRecords, plainRowSlots, scanPlainRow, type CheckedCsvOptions, type ParsePosition } from "./csv-parse.js";
import type { CsvTable } from "./csv.js";

const BLOCK_BYTES = 1 << 20;
// The records delimiter detection may need after the skipped ones: a count line, ten rows, and one partly read.
const DETECT_RECORDS = 12;

/** tables' options after the chunks: checked by streamCsv. */
export type TablesArgs = [checked: CheckedCsvOptions, given: string | undefined, blockRowsOption: number | undefined, maxLineLength: number];

export async function* tables(
  chunks: AsyncGenerator<Uint8Array>,
  checked: CheckedCsvOptions,
  given: string | undefined,
  blockRowsOption: number | undefined,
  maxLineLength: number,
): AsyncGenerator<CsvTable> {
  // fatal: bytes that are not UTF-8 are an error, as readCsv's callers decode; a leading BOM is dropped.
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let text = "";
  let position: ParsePosition = { offset: 0, line: 1 };
  let delimiter = given;
  let table: CsvRecords | null = null;
  let width = 0;
  let blockRows = 1;
  let block = new Float32Array(0);
  let rows = 0;
  let names: string[] = [];
  const ready: CsvTable[] = [];
  const onStart = (keep: number[]): void => {
    width = keep.length;
    blockRows = blockRowsOption ?? Math.max(1, Math.floor(BLOCK_BYTES / 4 / Math.max(1, width)));
    block = new Float32Array(blockRows * width);
    names = table!.keptNames();
  };
  const commitRow = (): void => {
    if (++rows === blockRows) {
      ready.push({ data: block, shape: [rows, width], columns: names });
      block = new Float32Array(blockRows * width);
      rows = 0;
    }
  };
  const onRow = (fields: string[], line: number): void => {
    table!.values(fields, line, block, rows * width);
    commitRow();
  };
  // Rows of plain decimals skip the record parser (scanPlainRow); it reads the rest, and stops being tried
  // when most rows are not plain (exponents, quotes, spaces).
  let slots: number[][] | null | undefined;
  let plain = 0;
  let other = 0;
  const plainRows = (records: CsvRecords, d: number): void => {
    if (slots === undefined) slots = plainRowSlots(records.width, records.keep, records.delimiter);
    if (slots === null || (other > 1000 && other > plain)) return;
    for (;;) {
      const next = scanPlainRow(text, position.offset, d, slots, block, rows * width);
      if (next < 0) break;
      position = { offset: next, line: position.line + 1 };
      plain++;
      commitRow();
    }
    other++;
  };
  /** Parses what complete records the text holds; false while the delimiter still needs more text. */
  const parse = (final: boolean): boolean => {
    if (delimiter === undefined) {
      delimiter = detectDelimiter(text, checked.maxColumns, checked.skipRows, final, maxLineLength);
      if (delimiter === undefined) return false;
    }
    table ??= new CsvRecords(checked, delimiter, "streamCsv", onStart, onRow);
    const records = table;
    const d = delimiter.charCodeAt(0);
    for (;;) {
      if (records.width >= 0) plainRows(records, d);
      // One record through the record parser (blank lines before it are skipped), then plain rows again.
      const before = position.offset;
      position = parseRecords(text, delimiter, checked.maxColumns, (fields, line) => {
        records.record(fields, line);
        return records.width < 0;
      }, final, position);
      if (position.offset === before || position.offset >= text.length) break;
    }
    text = text.slice(position.offset);
    position = { offset: 0, line: position.line };
    return true;
  };
  const tooLong = (): DataError =>
    new DataError(`line ${position.line}: a record longer than ${maxLineLength} characters (maxLineLength); pass a larger maxLineLength to read it`);
  const decode = (chunk?: Uint8Array): string => {
    try {
      return chunk === undefined ? decoder.decode() : decoder.decode(chunk, { stream: true });
    } catch {
      throw new DataError("streamCsv: expected UTF-8 CSV text, found bytes that are not UTF-8");
    }
  };
  for await (const chunk of chunks) {
    const piece = decode(chunk);
    text += piece;
    // Only a line break can finish a record before the end, so a piece without one leaves nothing new to parse.
    if (piece.includes("\n") || piece.includes("\r")) parse(false);
    // Until the delimiter is known the text is the first records (skipped lines, header, the rows detection reads).
    const held = delimiter === undefined ? ((checked.skipRows ?? 1) + DETECT_RECORDS) * maxLineLength : maxLineLength;
    if (text.length > held) throw tooLong();
    yield* ready.splice(0);
  }
  text += decode();
  parse(true);
  (table as CsvRecords | null)?.end();
  yield* ready.splice(0);
  if (rows > 0) yield { data: block.slice(0, rows * width), shape: [rows, width], columns: names };
}
