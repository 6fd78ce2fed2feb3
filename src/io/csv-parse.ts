// The pieces readCsv and streamCsv share: option checks, RFC 4180 records
// (resumable, so text may arrive in chunks), the number scanner, delimiter
// detection, and the header / count-line / row logic of a table.
import { ConfigError, DataError, ShapeError, describe } from "../errors.js";

/** Options of readCsv and streamCsv. */
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

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
export const CANDIDATES = [",", ";", "\t"];
const DETECT_ROWS = 10;
const F32_MAX = 3.4028234663852886e38;
const SPECIAL = /^[+-]?(?:nan|inf|infinity)$/i;
const SPECIAL_MAX_LENGTH = 9; // "-infinity"
export const MAX_COLUMNS = 2 ** 20;

/** The options with every field checked; the delimiter is resolved separately (it may need the text). */
export interface CheckedCsvOptions {
  header: boolean | "auto";
  columns: (string | number)[] | undefined;
  maxColumns: number;
  skipRows: number | undefined;
}

/** Checks every option but the delimiter; `where` names the function in messages ("readCsv", "streamCsv"). */
export function checkCsvOptions(options: CsvOptions, where: string): CheckedCsvOptions {
  if (typeof options !== "object" || options === null) throw new ConfigError(`${where}: expected options to be an object, found ${describe(options)}`);
  const skipRows = options.skipRows;
  if (skipRows !== undefined && (!Number.isSafeInteger(skipRows) || skipRows < 0)) {
    throw new ConfigError(`${where}: expected skipRows to be a non-negative integer, found ${describe(skipRows)}`);
  }
  const header = options.header ?? "auto";
  if (header !== true && header !== false && header !== "auto") {
    throw new ConfigError(`${where}: expected header to be true, false or "auto", found ${describe(options.header)}`);
  }
  const maxColumns = options.maxColumns ?? MAX_COLUMNS;
  if (!Number.isSafeInteger(maxColumns) || maxColumns < 1) {
    throw new ConfigError(`${where}: expected maxColumns to be a positive integer, found ${describe(maxColumns)}`);
  }
  return { header, columns: options.columns, maxColumns, skipRows };
}

/** A given delimiter, checked. */
export function checkDelimiter(delimiter: unknown, where: string): string {
  if (typeof delimiter !== "string" || delimiter.length !== 1 || delimiter === '"' || delimiter === "\n" || delimiter === "\r") {
    throw new ConfigError(`${where}: expected a one-character delimiter other than a quote or line break, found ${describe(delimiter)}`);
  }
  return delimiter;
}

export function selectColumns(columns: (string | number)[] | undefined, names: string[], hasHeader: boolean, where: string): number[] {
  if (columns === undefined) return names.map((_, i) => i);
  if (!Array.isArray(columns)) throw new ConfigError(`${where}: expected columns to be an array of names or indices, found ${describe(columns)}`);
  return columns.map((c) => {
    if (typeof c === "number") {
      if (!Number.isInteger(c)) throw new ConfigError(`${where}: expected an integer column index, found ${describe(c)}`);
      if (c < 0 || c >= names.length) throw new DataError(`${where}: column index ${c} is out of range: the file has ${names.length} columns (indices 0 to ${names.length - 1})`);
      return c;
    }
    if (typeof c !== "string") throw new ConfigError(`${where}: expected a column name or index, found ${describe(c)}`);
    if (!hasHeader) throw new DataError(`${where}: column ${describe(c)} selected by name, but the file has no header row; select by 0-based index`);
    const index = names.indexOf(c);
    if (index < 0) throw new DataError(`${where}: column ${describe(c)} not found; the header has ${describeNames(names)}`);
    const again = names.indexOf(c, index + 1);
    if (again >= 0) throw new DataError(`${where}: column name ${describe(c)} appears twice in the header (indices ${index} and ${again}); select by index`);
    return index;
  });
}

const NAMES_QUOTED = 8;
const NUMBER_QUOTED = 40;

/** A field already read as a decimal: safe to show as it is, but bounded in length. */
const quoteNumber = (s: string): string => (s.length <= NUMBER_QUOTED ? s : describe(s, NUMBER_QUOTED));

/** The header's names for a message: the first few, each through describe(). */
function describeNames(names: string[]): string {
  const shown = names.slice(0, NAMES_QUOTED).map((n) => describe(n, 40)).join(", ");
  return names.length > NAMES_QUOTED ? `${shown}, … (${names.length} columns)` : shown;
}

/** The field's value, or undefined when it is not a number; "1e400" reads as Infinity here (readValue refuses it). */
export function toNumber(field: string): number | undefined {
  const s = field.trim();
  if (isDecimal(s)) return Number(s);
  if (s.length <= SPECIAL_MAX_LENGTH && SPECIAL.test(s)) return s.toLowerCase().includes("nan") ? NaN : s[0] === "-" ? -Infinity : Infinity;
  return undefined;
}

/** [+-](digits[.digits] | .digits)[(e|E)[+-]digits], in one pass over the text (a regex for it can backtrack). */
function isDecimal(s: string): boolean {
  const n = s.length;
  let i = 0;
  let c = s.charCodeAt(0);
  if (c === 0x2b || c === 0x2d) c = s.charCodeAt(++i);
  const from = i;
  while (c >= 0x30 && c <= 0x39) c = s.charCodeAt(++i);
  let mantissa = i - from;
  if (c === 0x2e) {
    const after = ++i;
    c = s.charCodeAt(i);
    while (c >= 0x30 && c <= 0x39) c = s.charCodeAt(++i);
    mantissa += i - after;
  }
  if (mantissa === 0) return false;
  if (c === 0x65 || c === 0x45) {
    c = s.charCodeAt(++i);
    if (c === 0x2b || c === 0x2d) c = s.charCodeAt(++i);
    const digitsFrom = i;
    while (c >= 0x30 && c <= 0x39) c = s.charCodeAt(++i);
    if (i === digitsFrom) return false;
  }
  return i === n;
}

export function readValue(field: string, line: number, column: number, names: string[], delimiter: string): number {
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

/**
 * The candidate whose first rows all split into the same, largest, number of fields (more than one). With
 * `final` false the text is a prefix of the input: undefined when some candidate needs more of it to decide;
 * a candidate whose unfinished record is longer than `maxPending` characters is ruled out.
 */
export function detectDelimiter(text: string, maxColumns: number, skipRows: number | undefined, final = true, maxPending = Infinity): string | undefined {
  let best = ",";
  let bestWidth = 1;
  for (const candidate of CANDIDATES) {
    const widths = new Set<number>();
    let count = 0;
    let done = false;
    try {
      const stop = parseRecords(text, candidate, maxColumns, (fields) => {
        // Skipped lines and a count line do not have the table's width.
        if (count < (skipRows ?? 0) || (skipRows === undefined && count === 0 && isCountLine(fields))) {
          count++;
          return true;
        }
        widths.add(fields.length);
        done = ++count >= DETECT_ROWS;
        return !done;
      }, final);
      if (!final && !done && stop.offset < text.length) {
        if (text.length - stop.offset > maxPending) continue;
        return undefined;
      }
      if (!final && !done) return undefined;
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

/** Where parsing stopped: the offset of the first record not yet read, and its 1-based line. */
export interface ParsePosition {
  offset: number;
  line: number;
}

/**
 * Calls `onRecord` with the fields of each non-blank record and the 1-based
 * line it starts on; stops when `onRecord` returns false. With `final` false
 * the text may end inside a record: that record is left unread and the
 * returned position is its start (a chunk ending in CR is left too, since
 * an LF may follow in the next one).
 */
export function parseRecords(
  text: string,
  delimiter: string,
  maxColumns: number,
  onRecord: (fields: string[], line: number) => boolean | void,
  final = true,
  from: ParsePosition = { offset: 0, line: 1 },
): ParsePosition {
  const d = delimiter.charCodeAt(0);
  const n = text.length;
  let i = from.offset;
  let line = from.line;
  while (i < n) {
    const recordStart = i;
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
          if (i >= n) {
            if (!final) return { offset: recordStart, line: start };
            throw new DataError(`line ${opened}: a quoted field is never closed; expected a closing '"' before the end of the text`);
          }
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
      if (i >= n) {
        if (!final) return { offset: recordStart, line: start };
        break;
      }
      const c = text.charCodeAt(i);
      i++;
      if (c === d) {
        if (fields.length >= maxColumns) {
          throw new DataError(`line ${start} has more than ${maxColumns} fields (maxColumns); pass a larger maxColumns to read it`);
        }
        continue;
      }
      if (c === CR && i >= n && !final) return { offset: recordStart, line: start };
      if (c === CR && text.charCodeAt(i) === LF) i++;
      line++;
      break;
    }
    const blank = !quoted && fields.length === 1 && fields[0]!.trim() === "";
    if (!blank && onRecord(fields, start) === false) return { offset: i, line };
  }
  return { offset: i, line };
}

/**
 * The table logic over records: skipped lines, the count line, the header (given or detected), the selected
 * columns and the width every row must have. Rows go to `onRow`, after `onStart` learned the kept columns.
 */
export class CsvRecords {
  width = -1;
  names: string[] = [];
  keep: number[] = [];
  private firstLine = 0;
  private skip: number;
  private countLine: string[] | undefined;
  private countLineAt = 0;
  // Only an automatic skip looks for a count line, and only on the first line read.
  private countChecked: boolean;

  constructor(
    private readonly o: CheckedCsvOptions,
    readonly delimiter: string,
    private readonly where: string,
    private readonly onStart: (keep: number[]) => void,
    private readonly onRow: (fields: string[], line: number) => void,
  ) {
    this.skip = o.skipRows ?? 0;
    this.countChecked = o.skipRows !== undefined;
  }

  record(fields: string[], line: number): void {
    if (this.skip > 0) {
      this.skip--;
      return;
    }
    if (!this.countChecked) {
      if (this.countLine === undefined && isCountLine(fields)) {
        this.countLine = fields;
        this.countLineAt = line;
        return;
      }
      this.countChecked = true;
      if (this.countLine !== undefined) {
        const columns = Number(this.countLine[1]!.trim());
        // A count line is followed by rows of its column count (or one more, the target); else it is a header after all.
        const fits = fields.length === columns || fields.length === columns + 1;
        if (!fits) this.record(this.countLine, this.countLineAt);
      }
    }
    if (this.width < 0) {
      this.width = fields.length;
      this.firstLine = line;
      const header = this.o.header;
      const hasHeader = header === "auto" ? fields.some((f) => f.trim() !== "" && toNumber(f) === undefined) : header;
      this.names = hasHeader ? fields.map((f) => f.trim()) : fields.map((_, i) => String(i));
      this.keep = selectColumns(this.o.columns, this.names, hasHeader, this.where);
      this.onStart(this.keep);
      if (hasHeader) return;
    }
    if (fields.length !== this.width) throw new ShapeError(`line ${line} has ${fields.length} fields, expected ${this.width} like line ${this.firstLine}`);
    this.onRow(fields, line);
  }

  /** At the end of the input: a count-like first line with nothing after it is the file's only row. */
  end(): void {
    if (!this.countChecked && this.countLine !== undefined) {
      this.countChecked = true;
      this.record(this.countLine, this.countLineAt);
    }
  }

  /** The kept values of a row, written to out[base ...]. */
  values(fields: string[], line: number, out: Float32Array, base: number): void {
    const keep = this.keep;
    for (let k = 0; k < keep.length; k++) out[base + k] = readValue(fields[keep[k]!]!, line, keep[k]!, this.names, this.delimiter);
  }

  /** The names of the kept columns. */
  keptNames(): string[] {
    return this.keep.map((i) => this.names[i]!);
  }
}

// Powers of ten that are exact in float64 (10^22 is the largest).
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
const MAX_FAST_DIGITS = 15;

/**
 * A row of plain decimals read straight from the text, for the common case: no quotes, no spaces, kept fields
 * of at most 15 digits without an exponent, exactly `width` fields and a line break at the end. Such a value is
 * its digits (an integer below 2^53) divided by a power of ten up to 10^22, both exact, so the one division is
 * correctly rounded: the same float64 as Number(field) (W. D. Clinger, "How to read floating point numbers
 * accurately", PLDI 1990). `slots[j]` lists the output columns of field j (empty when it is not kept).
 * Returns the offset after the row's line break, or -1 when the row is not of this kind (the record parser
 * then reads it, with its rules and errors), having possibly written some of out[base ...].
 */
export function scanPlainRow(text: string, at: number, delimiter: number, slots: readonly (readonly number[])[], out: Float32Array, base: number): number {
  const n = text.length;
  const width = slots.length;
  let i = at;
  for (let j = 0; ; j++) {
    const targets = slots[j];
    if (targets === undefined) return -1;
    let c = text.charCodeAt(i);
    if (targets.length === 0) {
      while (i < n && c !== delimiter && c !== LF && c !== CR) {
        if (c === QUOTE) return -1;
        c = text.charCodeAt(++i);
      }
    } else {
      const negative = c === 0x2d;
      if (negative || c === 0x2b) c = text.charCodeAt(++i);
      let mantissa = 0;
      let digits = 0;
      let fraction = 0;
      while (c >= 0x30 && c <= 0x39) {
        mantissa = mantissa * 10 + (c - 0x30);
        digits++;
        c = text.charCodeAt(++i);
      }
      if (c === 0x2e) {
        c = text.charCodeAt(++i);
        while (c >= 0x30 && c <= 0x39) {
          mantissa = mantissa * 10 + (c - 0x30);
          digits++;
          fraction++;
          c = text.charCodeAt(++i);
        }
      }
      if (digits === 0 || digits > MAX_FAST_DIGITS || (i < n && c !== delimiter && c !== LF && c !== CR)) return -1;
      const magnitude = fraction === 0 ? mantissa : mantissa / POW10[fraction]!;
      const value = negative ? -magnitude : magnitude;
      for (let k = 0; k < targets.length; k++) out[base + targets[k]!] = value;
    }
    // The end of the text without a line break: the record parser knows whether more text may follow.
    if (i >= n) return -1;
    i++;
    if (c === delimiter) continue;
    if (j + 1 !== width) return -1;
    if (c === CR) {
      if (i >= n) return -1;
      if (text.charCodeAt(i) === LF) i++;
    }
    return i;
  }
}

/** The output columns of each field for scanPlainRow, from the kept fields; null where the fast path cannot apply. */
export function plainRowSlots(width: number, keep: readonly number[], delimiter: string): number[][] | null {
  // A delimiter that can be part of a number ("." "-" digits …) would be misread: only the usual ones.
  if (!CANDIDATES.includes(delimiter) && delimiter !== " " && delimiter !== "|") return null;
  const slots = Array.from({ length: width }, () => [] as number[]);
  keep.forEach((field, k) => slots[field]!.push(k));
  return slots;
}
