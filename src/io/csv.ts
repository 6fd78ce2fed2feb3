// CSV text to a numeric rows×columns table. Fields follow RFC 4180: quoted
// fields may hold delimiters, line breaks and "" for a quote; lines end in
// LF, CRLF or CR; a leading byte-order mark and blank lines are skipped.
// Values are decimal numbers (surrounding spaces allowed) or nan / inf /
// infinity in any case with an optional sign, which read as NaN and ±Infinity.
import { ConfigError, DataError, ShapeError, describe } from "../errors.js";

/** Options of readCsv. */
export interface CsvOptions {
  /** Field separator, one character. Default: detected from the first rows among ",", ";" and tab; "," when none fits. */
  delimiter?: string;
  /** Whether the first row names the columns. Default "auto": yes when any of its non-empty fields is not a number. */
  header?: boolean | "auto";
  /** Columns to keep, in this order, by header name or 0-based index. Default: all. Unselected columns may hold text. */
  columns?: (string | number)[];
  /**
   * Most fields a line may have; a longer line is refused with a DataError before its fields are kept. It bounds
   * the memory one hostile line can take (each field is a string until it is read). Default 1,048,576 (2^20).
   */
  maxColumns?: number;
  /**
   * Non-blank lines to skip before the header or the first row. Default: 0, or 1 when the first line is a count
   * line as in scikit-learn's bundled data sets ("569,30,malignant,benign": the row and column counts, then
   * class names or empty fields), recognized when it is two integers followed by text or empty fields and the
   * next line has that many columns or one more.
   */
  skipRows?: number;
}

/** What readCsv returns: a numeric table, usable as data input directly. */
export interface CsvTable {
  /** Row-major values, shape[0] rows by shape[1] columns. */
  data: Float32Array;
  /** [rows, columns]. */
  shape: [number, number];
  /** Names of the kept columns: the header's, or "0", "1", … (their 0-based index) without a header. */
  columns: string[];
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const CANDIDATES = [",", ";", "\t"];
const DETECT_ROWS = 10;
const F32_MAX = 3.4028234663852886e38;
const SPECIAL = /^[+-]?(?:nan|inf|infinity)$/i;
const SPECIAL_MAX_LENGTH = 9; // "-infinity"
// Room for this many rows before the table first grows (or fewer: never more values than the text has characters).
const FIRST_ROWS = 256;
const MAX_COLUMNS = 2 ** 20;

/** Reads numeric CSV text; see CsvOptions. Throws DataError for bad values, ShapeError for ragged rows. */
export function readCsv(text: string, options: CsvOptions = {}): CsvTable {
  if (typeof text !== "string") {
    const found = (text as unknown) instanceof Uint8Array ? "a Uint8Array (decode it first: new TextDecoder().decode(bytes))" : typeof text;
    throw new DataError(`readCsv: expected CSV text as a string, found ${found}`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const skipOption = options.skipRows;
  if (skipOption !== undefined && (!Number.isSafeInteger(skipOption) || skipOption < 0)) {
    throw new ConfigError(`readCsv: expected skipRows to be a non-negative integer, found ${describe(skipOption)}`);
  }
  const delimiter = options.delimiter ?? detectDelimiter(text, options.maxColumns, skipOption);
  if (typeof delimiter !== "string" || delimiter.length !== 1 || delimiter === '"' || delimiter === "\n" || delimiter === "\r") {
    throw new ConfigError(`readCsv: expected a one-character delimiter other than a quote or line break, found ${describe(delimiter)}`);
  }
  const headerOption = options.header ?? "auto";
  if (headerOption !== true && headerOption !== false && headerOption !== "auto") {
    throw new ConfigError(`readCsv: expected header to be true, false or "auto", found ${describe(headerOption)}`);
  }

  const maxColumns = options.maxColumns ?? MAX_COLUMNS;
  if (!Number.isSafeInteger(maxColumns) || maxColumns < 1) {
    throw new ConfigError(`readCsv: expected maxColumns to be a positive integer, found ${describe(maxColumns)}`);
  }
  let width = -1;
  let firstLine = 0;
  let names: string[] = [];
  let keep: number[] = [];
  let rows = 0;
  let data = new Float32Array(0);
  let maxValues = 0;
  let skip = skipOption ?? 0;
  let countLine: string[] | undefined;
  // Only an automatic skip looks for a count line, and only on the first line read.
  let countChecked = skipOption !== undefined;
  const onRecord = (fields: string[], line: number): void => {
    if (skip > 0) {
      skip--;
      return;
    }
    if (!countChecked) {
      if (countLine === undefined && isCountLine(fields)) {
        countLine = fields;
        countLineAt = line;
        return;
      }
      countChecked = true;
      if (countLine !== undefined) {
        const columns = Number(countLine[1]!.trim());
        // A count line is followed by rows of its column count (or one more, the target); else it is a header after all.
        const fits = fields.length === columns || fields.length === columns + 1;
        if (!fits) onRecord(countLine, countLineAt);
      }
    }
    if (width < 0) {
      width = fields.length;
      firstLine = line;
      const hasHeader = headerOption === "auto" ? fields.some((f) => f.trim() !== "" && toNumber(f) === undefined) : headerOption;
      names = hasHeader ? fields.map((f) => f.trim()) : fields.map((_, i) => String(i));
      keep = selectColumns(options.columns, names, hasHeader);
      // Each row holds every distinct kept column as a non-empty field (an empty one is refused), so there are at
      // most text.length / distinct rows: the bound of every allocation here, whatever the file's width.
      const distinct = options.columns === undefined ? keep.length : new Set(keep).size;
      maxValues = keep.length * Math.ceil(text.length / Math.max(1, distinct));
      data = new Float32Array(Math.min(keep.length * FIRST_ROWS, maxValues));
      if (hasHeader) return;
    }
    if (fields.length !== width) throw new ShapeError(`line ${line} has ${fields.length} fields, expected ${width} like line ${firstLine}`);
    if ((rows + 1) * keep.length > data.length) {
      const grown = new Float32Array(Math.min(Math.max(data.length * 2, (rows + 1) * keep.length), maxValues));
      grown.set(data);
      data = grown;
    }
    const base = rows * keep.length;
    for (let k = 0; k < keep.length; k++) data[base + k] = readValue(fields[keep[k]!]!, line, keep[k]!, names, delimiter);
    rows++;
  };
  let countLineAt = 0;
  parseRecords(text, delimiter, maxColumns, onRecord);
  // A count-like first line with nothing after it is the file's only row.
  if (!countChecked && countLine !== undefined) {
    countChecked = true;
    onRecord(countLine, countLineAt);
  }
  if (width < 0) return { data: new Float32Array(0), shape: [0, 0], columns: [] };
  return { data: data.slice(0, rows * keep.length), shape: [rows, keep.length], columns: keep.map((i) => names[i]!) };
}

function selectColumns(columns: (string | number)[] | undefined, names: string[], hasHeader: boolean): number[] {
  if (columns === undefined) return names.map((_, i) => i);
  if (!Array.isArray(columns)) throw new ConfigError(`readCsv: expected columns to be an array of names or indices, found ${describe(columns)}`);
  return columns.map((c) => {
    if (typeof c === "number") {
      if (!Number.isInteger(c)) throw new ConfigError(`readCsv: expected an integer column index, found ${describe(c)}`);
      if (c < 0 || c >= names.length) throw new DataError(`readCsv: column index ${c} is out of range: the file has ${names.length} columns (indices 0 to ${names.length - 1})`);
      return c;
    }
    if (typeof c !== "string") throw new ConfigError(`readCsv: expected a column name or index, found ${describe(c)}`);
    if (!hasHeader) throw new DataError(`readCsv: column ${describe(c)} selected by name, but the file has no header row; select by 0-based index`);
    const index = names.indexOf(c);
    if (index < 0) throw new DataError(`readCsv: column ${describe(c)} not found; the header has ${describeNames(names)}`);
    const again = names.indexOf(c, index + 1);
    if (again >= 0) throw new DataError(`readCsv: column name ${describe(c)} appears twice in the header (indices ${index} and ${again}); select by index`);
    return index;
  });
}

/** The field's value, or undefined when it is not a number; "1e400" reads as Infinity here (readValue refuses it). */
const NAMES_QUOTED = 8;
const NUMBER_QUOTED = 40;

/** A field already read as a decimal: safe to show as it is, but bounded in length. */
const quoteNumber = (s: string): string => (s.length <= NUMBER_QUOTED ? s : describe(s, NUMBER_QUOTED));

/** The header's names for a message: the first few, each through describe(). */
function describeNames(names: string[]): string {
  const shown = names.slice(0, NAMES_QUOTED).map((n) => describe(n, 40)).join(", ");
  return names.length > NAMES_QUOTED ? `${shown}, … (${names.length} columns)` : shown;
}

function toNumber(field: string): number | undefined {
  const s = field.trim();
  if (isDecimal(s)) return Number(s);
  if (s.length <= SPECIAL_MAX_LENGTH && SPECIAL.test(s)) return s.toLowerCase().includes("nan") ? NaN : s[0] === "-" ? -Infinity : Infinity;
  return undefined;
}

/** [+-](digits[.digits] | .digits)[(e|E)[+-]digits], in one pass over the text (a regex for it can backtrack). */
function isDecimal(s: string): boolean {
  const n = s.length;
  let i = 0;
  const digits = (): number => {
    const from = i;
    while (i < n && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
    return i - from;
  };
  if (s[i] === "+" || s[i] === "-") i++;
  let mantissa = digits();
  if (s[i] === ".") {
    i++;
    mantissa += digits();
  }
  if (mantissa === 0) return false;
  if (s[i] === "e" || s[i] === "E") {
    i++;
    if (s[i] === "+" || s[i] === "-") i++;
    if (digits() === 0) return false;
  }
  return i === n;
}

function readValue(field: string, line: number, column: number, names: string[], delimiter: string): number {
  const value = toNumber(field);
  if (value === undefined) {
    if (field.trim() === "") throw new DataError(`${where(line, column, names)}: expected a number, found a missing value`);
    let hint = "";
    if (/^\s*[+-]?\d+,\d+\s*$/.test(field)) hint = "; use '.' as the decimal separator";
    else {
      const other = CANDIDATES.find((c) => c !== delimiter && field.includes(c));
      if (other) hint = `; is the delimiter ${JSON.stringify(other)}? pass { delimiter: ${JSON.stringify(other)} }`;
    }
    throw new DataError(`${where(line, column, names)}: expected a number, found ${describe(field)}${hint}`);
  }
  // A decimal beyond float32 is refused whether or not float64 overflows too ("1e39" and "1e400" alike);
  // only the spelled-out inf / infinity read as ±Infinity.
  if (Math.abs(value) > F32_MAX && (Number.isFinite(value) || isDecimal(field.trim()))) {
    throw new DataError(`${where(line, column, names)}: ${quoteNumber(field.trim())} is outside the float32 range (±3.4028235e38)`);
  }
  return value;
}

function where(line: number, column: number, names: string[]): string {
  const name = names[column] === String(column) ? `index ${column}` : `${describe(names[column])} (index ${column})`;
  return `line ${line}, column ${name}`;
}

/** Whether a first line reads as scikit-learn's count line: two whole numbers, then class names or empty fields. */
function isCountLine(fields: string[]): boolean {
  // Text or empty fields after the counts (class names, padding) tell it from a row of whole numbers.
  return fields.length >= 3 && /^\d+$/.test(fields[0]!.trim()) && /^\d+$/.test(fields[1]!.trim()) && fields.slice(2).some((f) => toNumber(f) === undefined);
}

/** The candidate whose first rows all split into the same, largest, number of fields (more than one). */
function detectDelimiter(text: string, maxColumns: unknown, skipRows: number | undefined): string {
  const limit = Number.isSafeInteger(maxColumns) ? (maxColumns as number) : MAX_COLUMNS;
  let best = ",";
  let bestWidth = 1;
  for (const candidate of CANDIDATES) {
    const widths = new Set<number>();
    let count = 0;
    try {
      parseRecords(text, candidate, limit, (fields) => {
        // Skipped lines and a count line do not have the table's width.
        if (count < (skipRows ?? 0) || (skipRows === undefined && count === 0 && isCountLine(fields))) {
          count++;
          return true;
        }
        widths.add(fields.length);
        return ++count < DETECT_ROWS;
      });
    } catch {
      continue;
    }
    const [width] = widths;
    if (widths.size === 1 && width! > bestWidth) {
      best = candidate;
      bestWidth = width!;
    }
  }
  return best;
}

/**
 * Calls `onRecord` with the fields of each non-blank record and the 1-based
 * line it starts on; stops when `onRecord` returns false.
 */
function parseRecords(
  text: string,
  delimiter: string,
  maxColumns: number,
  onRecord: (fields: string[], line: number) => boolean | void,
): void {
  const d = delimiter.charCodeAt(0);
  const n = text.length;
  let i = 0;
  let line = 1;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let quoted = false;
    for (;;) {
      if (text.charCodeAt(i) === QUOTE) {
        quoted = true;
        const opened = line;
        let field = "";
        let from = ++i;
        for (;;) {
          if (i >= n) throw new DataError(`line ${opened}: a quoted field is never closed; expected a closing '"' before the end of the text`);
          const c = text.charCodeAt(i);
          if (c === QUOTE) {
            field += text.slice(from, i);
            if (text.charCodeAt(i + 1) !== QUOTE) break;
            field += '"';
            i += 2;
            from = i;
            continue;
          }
          if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) line++;
          i++;
        }
        i++;
        const c = text.charCodeAt(i);
        if (i < n && c !== d && c !== LF && c !== CR) {
          throw new DataError(`line ${line}, field ${fields.length + 1}: expected the delimiter or a line break after a closing quote, found ${describe(text[i])}`);
        }
        fields.push(field);
      } else {
        const from = i;
        while (i < n) {
          const c = text.charCodeAt(i);
          if (c === d || c === LF || c === CR) break;
          i++;
        }
        fields.push(text.slice(from, i));
      }
      if (i >= n) break;
      const c = text.charCodeAt(i);
      i++;
      if (c === d) {
        if (fields.length >= maxColumns) {
          throw new DataError(`line ${start} has more than ${maxColumns} fields (maxColumns); pass a larger maxColumns to read it`);
        }
        continue;
      }
      if (c === CR && text.charCodeAt(i) === LF) i++;
      line++;
      break;
    }
    const blank = !quoted && fields.length === 1 && fields[0]!.trim() === "";
    if (!blank && onRecord(fields, start) === false) return;
  }
}
