// CSV text to a numeric rows×columns table. Fields follow RFC 4180: quoted
// fields may hold delimiters, line breaks and "" for a quote; lines end in
// LF, CRLF or CR; a leading byte-order mark and blank lines are skipped.
// Values are decimal numbers (surrounding spaces allowed) or nan / inf /
// infinity in any case with an optional sign, which read as NaN and ±Infinity.
import { ConfigError, DataError, ShapeError } from "../errors.js";

export interface CsvOptions {
  /** Field separator, one character. Default: detected from the first rows among ",", ";" and tab; "," when none fits. */
  delimiter?: string;
  /** Whether the first row names the columns. Default "auto": yes when any of its non-empty fields is not a number. */
  header?: boolean | "auto";
  /** Columns to keep, in this order, by header name or 0-based index. Default: all. Unselected columns may hold text. */
  columns?: (string | number)[];
}

export interface CsvTable {
  /** Row-major values, shape[0] rows by shape[1] columns. */
  data: Float32Array;
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
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL = /^[+-]?(?:nan|inf|infinity)$/i;

/** Reads numeric CSV text; see CsvOptions. Throws DataError for bad values, ShapeError for ragged rows. */
export function readCsv(text: string, options: CsvOptions = {}): CsvTable {
  if (typeof text !== "string") {
    const found = (text as unknown) instanceof Uint8Array ? "a Uint8Array (decode it first: new TextDecoder().decode(bytes))" : typeof text;
    throw new DataError(`readCsv: expected CSV text as a string, found ${found}`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const delimiter = options.delimiter ?? detectDelimiter(text);
  if (typeof delimiter !== "string" || delimiter.length !== 1 || delimiter === '"' || delimiter === "\n" || delimiter === "\r") {
    throw new ConfigError(`readCsv: expected a one-character delimiter other than a quote or line break, found ${JSON.stringify(delimiter)}`);
  }
  const headerOption = options.header ?? "auto";
  if (headerOption !== true && headerOption !== false && headerOption !== "auto") {
    throw new ConfigError(`readCsv: expected header to be true, false or "auto", found ${JSON.stringify(headerOption)}`);
  }

  let width = -1;
  let firstLine = 0;
  let names: string[] = [];
  let keep: number[] = [];
  let rows = 0;
  let data = new Float32Array(0);
  parseRecords(text, delimiter, (fields, line) => {
    if (width < 0) {
      width = fields.length;
      firstLine = line;
      const hasHeader = headerOption === "auto" ? fields.some((f) => f.trim() !== "" && toNumber(f) === undefined) : headerOption;
      names = hasHeader ? fields.map((f) => f.trim()) : fields.map((_, i) => String(i));
      keep = selectColumns(options.columns, names, hasHeader);
      data = new Float32Array(Math.max(keep.length, 1) * 256);
      if (hasHeader) return;
    }
    if (fields.length !== width) throw new ShapeError(`line ${line} has ${fields.length} fields, expected ${width} like line ${firstLine}`);
    if ((rows + 1) * keep.length > data.length) {
      const grown = new Float32Array(data.length * 2);
      grown.set(data);
      data = grown;
    }
    const base = rows * keep.length;
    for (let k = 0; k < keep.length; k++) data[base + k] = readValue(fields[keep[k]!]!, line, keep[k]!, names, delimiter);
    rows++;
  });
  if (width < 0) return { data: new Float32Array(0), shape: [0, 0], columns: [] };
  return { data: data.slice(0, rows * keep.length), shape: [rows, keep.length], columns: keep.map((i) => names[i]!) };
}

function selectColumns(columns: (string | number)[] | undefined, names: string[], hasHeader: boolean): number[] {
  if (columns === undefined) return names.map((_, i) => i);
  if (!Array.isArray(columns)) throw new ConfigError(`readCsv: expected columns to be an array of names or indices, found ${typeof columns}`);
  return columns.map((c) => {
    if (typeof c === "number") {
      if (!Number.isInteger(c)) throw new ConfigError(`readCsv: expected an integer column index, found ${c}`);
      if (c < 0 || c >= names.length) throw new DataError(`readCsv: column index ${c} is out of range: the file has ${names.length} columns (indices 0 to ${names.length - 1})`);
      return c;
    }
    if (typeof c !== "string") throw new ConfigError(`readCsv: expected a column name or index, found ${typeof c}`);
    if (!hasHeader) throw new DataError(`readCsv: column ${JSON.stringify(c)} selected by name, but the file has no header row; select by 0-based index`);
    const index = names.indexOf(c);
    if (index < 0) throw new DataError(`readCsv: column ${JSON.stringify(c)} not found; the header has ${names.map((n) => JSON.stringify(n)).join(", ")}`);
    const again = names.indexOf(c, index + 1);
    if (again >= 0) throw new DataError(`readCsv: column name ${JSON.stringify(c)} appears twice in the header (indices ${index} and ${again}); select by index`);
    return index;
  });
}

function toNumber(field: string): number | undefined {
  const s = field.trim();
  if (DECIMAL.test(s)) return Number(s);
  if (SPECIAL.test(s)) return s.toLowerCase().includes("nan") ? NaN : s[0] === "-" ? -Infinity : Infinity;
  return undefined;
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
    throw new DataError(`${where(line, column, names)}: expected a number, found ${JSON.stringify(field)}${hint}`);
  }
  if (Math.abs(value) > F32_MAX && Number.isFinite(value)) {
    throw new DataError(`${where(line, column, names)}: ${field.trim()} is outside the float32 range (±3.4028235e38)`);
  }
  return value;
}

function where(line: number, column: number, names: string[]): string {
  const name = names[column] === String(column) ? `index ${column}` : `${JSON.stringify(names[column])} (index ${column})`;
  return `line ${line}, column ${name}`;
}

/** The candidate whose first rows all split into the same, largest, number of fields (more than one). */
function detectDelimiter(text: string): string {
  let best = ",";
  let bestWidth = 1;
  for (const candidate of CANDIDATES) {
    const widths = new Set<number>();
    let count = 0;
    try {
      parseRecords(text, candidate, (fields) => {
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
function parseRecords(text: string, delimiter: string, onRecord: (fields: string[], line: number) => boolean | void): void {
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
          throw new DataError(`line ${line}, field ${fields.length + 1}: expected the delimiter or a line break after a closing quote, found ${JSON.stringify(text[i])}`);
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
      if (c === d) continue;
      if (c === CR && text.charCodeAt(i) === LF) i++;
      line++;
      break;
    }
    const blank = !quoted && fields.length === 1 && fields[0]!.trim() === "";
    if (!blank && onRecord(fields, start) === false) return;
  }
}
