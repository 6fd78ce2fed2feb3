// NumPy .npy files (numpy/lib/format.py, "NPY format" v1.0–3.0): the magic
// "\x93NUMPY", major and minor version bytes, the header length (u16 LE in
// v1, u32 LE in v2/v3), a Python dict literal header
// {'descr': …, 'fortran_order': …, 'shape': (…), } padded with spaces and
// ending in "\n", then the raw array data.
//
// readNpy returns f32 values. Little-endian floats (<f2, <f4, <f8), integers
// (|i1 |u1 <i2 <u2 <i4 <u4 <i8 <u8) and |b1 are converted as numpy's
// astype(np.float32) would, 64-bit integers through float64 (so values
// beyond 2^53 may round twice). A finite <f8 value outside the float32 range
// is refused rather than turned into Infinity. Fortran-order arrays are
// returned in C order (transposed as np.ascontiguousarray would). Big-endian
// data, structured and object dtypes are refused with a DataError saying so.
import { DataError, ShapeError, describe } from "../errors.js";
import { shapeText, shapeTuple, sizeOf } from "../shape.js";

/** What readNpy returns: the values in C order as f32, with the shape and the file's dtype. */
export interface NpyArray {
  /** The values, row-major (C order, also for a Fortran-order file), as f32. */
  data: Float32Array;
  /** The array's dimensions. */
  shape: number[];
  /** The file's dtype descriptor, e.g. "<f4", "<f8", "|u1". */
  dtype: string;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
const ALIGN = 64;
// numpy leaves room to grow the first dimension in place: 21 = len(str(8 * 2**64 - 1)).
const GROWTH_AXIS_MAX_DIGITS = 21;
const F32_MAX = 3.4028234663852886e38;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export type Kind = "f" | "i" | "u" | "b";
const SIZES: Record<Kind, number[]> = { f: [2, 4, 8], i: [1, 2, 4, 8], u: [1, 2, 4, 8], b: [1] };

const fail = (reason: string): DataError => new DataError(`readNpy: ${reason}`);
const SHAPE_QUOTED = 8;
/** Header keys for a message, each through describe() (a hostile header may hold thousands, or one 200 KB key). */
const describeKeys = (keys: string[]): string =>
  keys.slice(0, SHAPE_QUOTED).map((k) => `'${describe(k, 40).slice(1, -1)}'`).join(", ") + (keys.length > SHAPE_QUOTED ? `, … (${keys.length} keys)` : "");
// numpy's headers nest two levels (a dict of a tuple); deeper nesting is refused before it can exhaust the stack.
const MAX_NESTING = 32;
const hexBytes = (b: ArrayLike<number>): string => Array.from(b, (x) => x.toString(16).toUpperCase().padStart(2, "0")).join(" ");

/** What the bytes before the data say: where the data starts, its shape, layout and element type. */
export interface NpyPreamble {
  dataStart: number;
  shape: number[];
  fortranOrder: boolean;
  kind: Kind;
  size: number;
  descr: string;
}

/**
 * Parses the magic, version and header. With `final` false `bytes` may be a prefix of the file: the result is
 * then the number of bytes needed to go on when the prefix is too short (`maxHeaderBytes` bounds the header
 * such a caller holds). With `final` true a short file is refused as truncated.
 */
export function npyPreamble(bytes: Uint8Array, final = true, maxHeaderBytes = Infinity): NpyPreamble | number {
  if (!final && bytes.length < 10 && MAGIC.slice(0, bytes.length).every((b, i) => bytes[i] === b)) return 10;
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    const found = bytes.subarray(0, MAGIC.length);
    if (bytes.length < 10 && MAGIC.slice(0, found.length).every((b, i) => found[i] === b)) {
      throw fail(`truncated: expected at least 10 bytes (magic, version, header length), found ${bytes.length}`);
    }
    let hint = "";
    if (bytes[0] === 0x50 && bytes[1] === 0x4b) hint = "; this looks like a zip archive (an .npz file?): extract its .npy members first";
    else if (bytes[0] === 0x1f && bytes[1] === 0x8b) hint = "; this looks like gzip-compressed data: decompress it first";
    throw fail(`not a .npy file: expected magic 93 4E 55 4D 50 59 ("\\x93NUMPY"), found ${hexBytes(found)}${hint}`);
  }
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if ((major !== 1 && major !== 2 && major !== 3) || minor !== 0) {
    throw fail(`unsupported .npy format version ${major}.${minor}: expected 1.0, 2.0 or 3.0`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const prefix = major === 1 ? 10 : 12;
  if (bytes.length < prefix) {
    if (!final) return prefix;
    throw fail(`truncated: expected at least ${prefix} bytes before the header, found ${bytes.length}`);
  }
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLength > maxHeaderBytes) throw fail(`the header declares ${headerLength} bytes, more than the ${maxHeaderBytes} allowed (maxHeaderBytes)`);
  const dataStart = prefix + headerLength;
  if (dataStart > bytes.length) {
    if (!final) return dataStart;
    throw fail(`truncated: the header needs ${headerLength} bytes, found ${bytes.length - prefix}`);
  }
  const raw = bytes.subarray(prefix, dataStart);
  let text: string;
  if (major !== 3) text = Array.from(raw, (b) => String.fromCharCode(b)).join(""); // latin-1
  else {
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(raw);
    } catch {
      throw fail("the version 3.0 header is not valid UTF-8");
    }
  }
  const header = parseHeader(text);
  const { kind, size, descr } = parseDescr(header.descr);
  return { dataStart, shape: header.shape, fortranOrder: header.fortranOrder, kind, size, descr };
}

/** The message for data shorter (missing > 0) or longer (missing < 0) than the shape needs. */
export function npyDataSizeError(shape: number[], descr: string, needed: number, available: number): DataError {
  if (available < needed) return fail(`truncated: shape ${shapeTuple(shape)} of ${descr} needs ${needed} bytes of data, found ${available}`);
  return fail(`expected ${needed} bytes of data for shape ${shapeTuple(shape)} of ${descr}, found ${available - needed} more`);
}

/** Reads a .npy file into f32 values; see the notes at the top of this file. */
export function readNpy(bytes: Uint8Array): NpyArray {
  const input: unknown = bytes;
  if (!(input instanceof Uint8Array)) {
    throw fail(`expected the file as a Uint8Array, found ${input instanceof ArrayBuffer ? "an ArrayBuffer (wrap it: new Uint8Array(buffer))" : typeof input}`);
  }
  const { dataStart, shape, fortranOrder, kind, size, descr } = npyPreamble(bytes) as NpyPreamble;
  const count = sizeOf(shape);
  const available = bytes.length - dataStart;
  if (available !== count * size) throw npyDataSizeError(shape, descr, count * size, available);
  const values = npyValues(bytes, dataStart, count, kind, size);
  // Where at most one dimension exceeds 1 the two layouts are the same bytes.
  const data = fortranOrder && shape.filter((d) => d > 1).length > 1 ? fortranToC(values, shape) : values;
  return { data, shape, dtype: descr };
}

/**
 * The C-order (row-major) copy of values stored in Fortran order (column-major: the first index varies
 * fastest). Walks the output in C order, keeping the Fortran offset of the current index as it counts.
 */
function fortranToC(values: Float32Array, shape: number[]): Float32Array {
  const ndim = shape.length;
  const strides = new Array<number>(ndim);
  for (let k = 0, stride = 1; k < ndim; k++) {
    strides[k] = stride;
    stride *= shape[k]!;
  }
  const index = new Array<number>(ndim).fill(0);
  const out = new Float32Array(values.length);
  let from = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = values[from]!;
    for (let k = ndim - 1; k >= 0; k--) {
      if (++index[k]! < shape[k]!) {
        from += strides[k]!;
        break;
      }
      from -= strides[k]! * (shape[k]! - 1);
      index[k] = 0;
    }
  }
  return out;
}

function parseDescr(descr: string): { kind: Kind; size: number; descr: string } {
  const match = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  const kind = match?.[2] as Kind | undefined;
  const size = Number(match?.[3]);
  if (!match || !kind || !(kind in SIZES) || !SIZES[kind].includes(size)) {
    throw fail(`dtype ${describe(descr)} is not supported: expected one of <f2 <f4 <f8 |i1 |u1 <i2 <u2 <i4 <u4 <i8 <u8 |b1`);
  }
  const order = match[1];
  if (size > 1 && order === ">") throw fail(`dtype ${order}${kind}${size} is big-endian: only little-endian data is supported; save a.astype("<${kind}${size}") instead`);
  if (size > 1 && order !== "<") throw fail(`dtype ${order}${kind}${size}: expected the byte order "<", found ${describe(order)}`);
  // The canonical spelling: the digits may come with leading zeros ("<f0004"), unbounded.
  return { kind, size, descr: `${order}${kind}${size}` };
}

/** `count` elements from bytes[start ...] as f32; `firstIndex` is the first one's index in the file (for messages). */
export function npyValues(bytes: Uint8Array, start: number, count: number, kind: Kind, size: number, firstIndex = 0): Float32Array {
  if (kind === "f" && size === 4) return readF32(bytes, start, count);
  if (size === 1) {
    const raw = bytes.subarray(start, start + count);
    return kind === "i" ? new Float32Array(new Int8Array(raw.buffer, raw.byteOffset, count)) : kind === "b" ? Float32Array.from(raw, (b) => (b ? 1 : 0)) : new Float32Array(raw);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, count * size);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * size;
    let v: number;
    if (kind === "f") v = size === 8 ? view.getFloat64(at, true) : halfToNumber(view.getUint16(at, true));
    else if (size === 2) v = kind === "i" ? view.getInt16(at, true) : view.getUint16(at, true);
    else if (size === 4) v = kind === "i" ? view.getInt32(at, true) : view.getUint32(at, true);
    else v = Number(kind === "i" ? view.getBigInt64(at, true) : view.getBigUint64(at, true));
    if (Math.abs(v) > F32_MAX && Number.isFinite(v)) throw fail(`element ${firstIndex + i} is ${v}, outside the float32 range (±3.4028235e38)`);
    out[i] = v;
  }
  return out;
}

function readF32(bytes: Uint8Array, start: number, count: number): Float32Array {
  // Uint8Array's slice copies; the slice of a Node.js buffer subclass is a view into a shared pool, so call it explicitly.
  if (LITTLE_ENDIAN_HOST) return new Float32Array(Uint8Array.prototype.slice.call(bytes, start, start + 4 * count).buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, 4 * count);
  return Float32Array.from({ length: count }, (_, i) => view.getFloat32(4 * i, true));
}

/** IEEE 754 binary16 bits to a number (exact). */
function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1024 + fraction) * 2 ** (exponent - 25);
}

// ---- the header: a Python literal dict of strings, booleans and int tuples ----

type PyValue = string | boolean | number | null | PyValue[] | { [key: string]: PyValue };

function parseHeader(text: string): { descr: string; shape: number[]; fortranOrder: boolean } {
  let dict: PyValue;
  try {
    const parser = new PyLiteral(text);
    dict = parser.value();
    parser.end();
  } catch (e) {
    throw fail(`the header is not a Python dict literal (${(e as Error).message}): ${describe(text.trim())}`);
  }
  if (typeof dict !== "object" || dict === null || Array.isArray(dict)) throw fail(`expected the header to be a dict, found ${describe(text.trim())}`);
  const keys = Object.keys(dict).sort();
  if (keys.join() !== "descr,fortran_order,shape") {
    throw fail(`expected the header keys 'descr', 'fortran_order' and 'shape', found ${describeKeys(keys)}`);
  }
  const { descr, fortran_order: fortranOrder, shape } = dict;
  if (Array.isArray(descr)) throw fail(`structured dtypes are not supported: found descr ${describe(descr)}`);
  if (typeof descr !== "string") throw fail(`expected 'descr' to be a string, found ${describe(descr)}`);
  if (descr.includes("O")) throw fail(`object arrays (pickled Python objects) are not supported: found dtype ${describe(descr)}`);
  if (typeof fortranOrder !== "boolean") throw fail(`expected 'fortran_order' to be True or False, found ${describe(fortranOrder)}`);
  if (!Array.isArray(shape) || shape.some((d) => typeof d !== "number" || !Number.isSafeInteger(d) || d < 0)) {
    throw fail(`expected 'shape' to be a tuple of non-negative integers, found ${describe(shape)}`);
  }
  return { descr, shape: shape as number[], fortranOrder };
}

const WORD = /True|False|None|-?\d+L?/y;

/** Just enough of Python's literal syntax for .npy headers, including Python 2's "3L" integers. */
class PyLiteral {
  private i = 0;
  constructor(private readonly s: string) {}

  value(depth = 0): PyValue {
    this.space();
    const c = this.s[this.i];
    if ((c === "{" || c === "(" || c === "[") && depth >= MAX_NESTING) throw new Error(`nested deeper than ${MAX_NESTING} levels at ${this.i}`);
    if (c === "{") return this.dict(depth + 1);
    if (c === "(") return this.sequence(")", depth + 1);
    if (c === "[") return this.sequence("]", depth + 1);
    if (c === "'" || c === '"') return this.string();
    WORD.lastIndex = this.i;
    const word = WORD.exec(this.s)?.[0];
    if (word === undefined) throw new Error(`unexpected ${JSON.stringify(c ?? "end")} at ${this.i}`);
    this.i += word.length;
    return word === "True" ? true : word === "False" ? false : word === "None" ? null : Number(word.replace("L", ""));
  }

  end(): void {
    this.space();
    if (this.i !== this.s.length) throw new Error(`unexpected ${JSON.stringify(this.s[this.i])} at ${this.i}`);
  }

  private dict(depth: number): PyValue {
    const out: { [key: string]: PyValue } = {};
    this.i++;
    while (!this.take("}")) {
      const key = this.value(depth);
      if (typeof key !== "string") throw new Error("expected string keys");
      this.expect(":");
      Object.defineProperty(out, key, { value: this.value(depth), enumerable: true, configurable: true, writable: true });
      if (this.take(",")) continue;
      this.expect("}");
      break;
    }
    return out;
  }

  private sequence(close: string, depth: number): PyValue[] {
    const out: PyValue[] = [];
    this.i++;
    while (!this.take(close)) {
      out.push(this.value(depth));
      if (this.take(",")) continue;
      this.expect(close);
      break;
    }
    return out;
  }

  private string(): string {
    const quote = this.s[this.i++]!;
    let out = "";
    for (;;) {
      const c = this.s[this.i++];
      if (c === undefined) throw new Error("unterminated string");
      if (c === quote) return out;
      out += c === "\\" ? (this.s[this.i++] ?? "") : c;
    }
  }

  private space(): void {
    while (/\s/.test(this.s[this.i] ?? "")) this.i++;
  }

  private take(c: string): boolean {
    this.space();
    if (this.s[this.i] !== c) return false;
    this.i++;
    return true;
  }

  private expect(c: string): void {
    if (!this.take(c)) throw new Error(`expected ${JSON.stringify(c)} at ${this.i}, found ${JSON.stringify(this.s[this.i] ?? "end")}`);
  }
}

// ---- writing ----

/** Writes an f32 tensor as numpy's np.save does: <f4, C order, version 1.0 (2.0 for huge headers), data at a multiple of 64. */
export function writeNpy(tensor: { data: Float32Array; shape: number[] }): Uint8Array {
  const { data, shape } = tensor;
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new ShapeError(`writeNpy: expected a shape of non-negative integers, found ${describe(shape)}`);
  }
  const count = sizeOf(shape);
  if (!(data instanceof Float32Array) || count !== data.length) {
    throw new ShapeError(`writeNpy: shape ${shapeText(shape)} holds ${count} values, found ${data instanceof Float32Array ? data.length : "no Float32Array"} in data`);
  }
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${tuple}, }`;
  if (shape.length > 0) header += " ".repeat(GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length);
  const major = 10 + header.length + 1 <= 0xffff ? 1 : 2;
  const prefix = major === 1 ? 10 : 12;
  // Like numpy: 1 to 64 spaces, then "\n", so prefix + header ends on a multiple of 64.
  const pad = ALIGN - ((prefix + header.length + 1) % ALIGN);
  header += " ".repeat(pad) + "\n";
  const out = new Uint8Array(prefix + header.length + 4 * count);
  out.set(MAGIC);
  out[6] = major;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  const at = prefix + header.length;
  if (LITTLE_ENDIAN_HOST) out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
  else for (let i = 0; i < count; i++) view.setFloat32(at + 4 * i, data[i]!, true);
  return out;
}
